"""The board's service level follows the one definition: over arrivals, short abandons out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.contacts.models import Contact
from roadie.desk.routing.lib import queue_stats
from roadie.engine.service_level import ServiceLevelCounts

pytestmark = pytest.mark.django_db


def test_board_service_level_counts_arrivals_and_leaves_short_abandons_out(make_brand, make_contact):
    brand = make_brand()
    now = timezone.now()
    if timezone.localtime(now).hour == 0 and timezone.localtime(now).minute < 20:
        now += timedelta(minutes=30)  # keep every arrival below within today
    arrived = now - timedelta(minutes=10)

    def contact(*, status, answered=None, ended=None, deadline=60):
        c = make_contact(brand=brand)
        Contact.objects.filter(pk=c.pk).update(
            status=status, arrived_at=arrived, deadline_at=arrived + timedelta(seconds=deadline),
            first_deadline_at=arrived + timedelta(seconds=deadline),
            answered_at=answered and arrived + timedelta(seconds=answered),
            resolved_at=ended and arrived + timedelta(seconds=ended))

    contact(status="resolved", answered=30, ended=200)  # in time
    contact(status="resolved", answered=30, ended=300)  # in time
    contact(status="resolved", answered=90, ended=300)  # late: missed
    contact(status="abandoned", ended=20)  # left before the deadline: left out
    contact(status="abandoned", ended=120)  # left after it: missed
    contact(status="queued")  # waiting past the deadline: missed
    contact(status="queued", deadline=3600)  # deadline ahead: not settled, left out
    (stats,) = [s for s in queue_stats([brand], now=now) if s.channel == "chat"]
    assert stats.answered_in_target_today == 2
    assert stats.service_level_today == pytest.approx(2 / 5)
    assert ServiceLevelCounts().value is None
