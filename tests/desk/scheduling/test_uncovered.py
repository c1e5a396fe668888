"""Uncovered slots of the next 48 hours: offered to eligible roadies (a desk notice, and an
email through a real local SMTP relay), once each; no-shows recorded."""

from __future__ import annotations

import datetime as dt
import sys
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

sys.path.insert(0, str(Path(__file__).parent.parent.parent))
from livestack import free_port  # noqa: E402
from roadie.desk.planning.models import PlanSlot  # noqa: E402
from roadie.desk.scheduling import actions  # noqa: E402
from roadie.desk.scheduling.models import Booking, Notice  # noqa: E402
from roadie.desk.scheduling.tasks import send_uncovered_offer  # noqa: E402


class Relay:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def relay(settings):
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    yield handler
    controller.stop()


@pytest.fixture
def gap(make_pool, make_plan, make_agent, make_brand):
    pool = make_pool()
    plan = make_plan(pool=pool, first_day=timezone.localdate(), slots=[])
    now = timezone.now()
    slot = PlanSlot.objects.create(plan=plan, day=timezone.localdate(),
                                   starts_at=now + dt.timedelta(hours=5),
                                   ends_at=now + dt.timedelta(hours=9), roadies=2)
    far = PlanSlot.objects.create(plan=plan, day=timezone.localdate() + dt.timedelta(days=3),
                                  starts_at=now + dt.timedelta(days=3),
                                  ends_at=now + dt.timedelta(days=3, hours=4), roadies=2)
    ready = make_agent(brands=pool.brands.all())
    ready.user.email, ready.user.language = "ready@roadies.example", "fr"
    ready.user.save()
    busy = make_agent(brands=pool.brands.all())
    Booking.objects.create(agent=busy, slot=PlanSlot.objects.create(
        plan=plan, day=timezone.localdate(), starts_at=now + dt.timedelta(hours=4),
        ends_at=now + dt.timedelta(hours=6), roadies=1))
    elsewhere = make_agent(brands=[make_brand()])
    return {"slot": slot, "far": far, "ready": ready, "busy": busy, "elsewhere": elsewhere}


def test_uncovered_slots_are_offered_to_eligible_roadies_once(gap, relay,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made = actions.offer_uncovered()
    notices = Notice.objects.filter(kind="uncovered")
    # the busy roadie's booking overlaps; the other is certified for another brand only;
    # the slot three days ahead is outside the 48 hours
    assert {(n.agent_id, n.slot_id) for n in notices} == {(gap["ready"].pk, gap["slot"].pk)}
    assert made == 1 and len(callbacks) == 1
    assert actions.offer_uncovered() == 0                       # once per roadie and slot
    (notice,) = notices
    assert send_uncovered_offer.call(notice.pk) is True
    assert send_uncovered_offer.call(notice.pk) is False        # not mailed twice
    ((to, raw),) = relay.received
    assert to == ["ready@roadies.example"]
    mail = message_from_bytes(raw, policy=default)
    assert str(mail["Subject"]).strip().startswith("Un créneau a besoin de vous")
    assert "/schedule/?week=" in mail.get_content()


def test_without_a_relay_the_offer_is_held(gap, settings):
    settings.EMAIL_HOST = ""
    actions.offer_uncovered()
    notice = Notice.objects.get(kind="uncovered")
    assert send_uncovered_offer.call(notice.pk) is False
    notice.refresh_from_db()
    assert notice.emailed_at is None


def test_no_shows_are_recorded_after_ten_minutes(make_pool, make_plan, make_agent):
    pool = make_pool()
    plan = make_plan(pool=pool, first_day=timezone.localdate(), slots=[])
    now = timezone.now()
    slot = PlanSlot.objects.create(plan=plan, day=timezone.localdate(),
                                   starts_at=now - dt.timedelta(minutes=30),
                                   ends_at=now + dt.timedelta(hours=2), roadies=2)
    absent, present = make_agent(), make_agent()
    for agent in (absent, present):
        Booking.objects.create(agent=agent, slot=slot)
    from roadie.desk.routing.actions import set_presence

    set_presence(present, "available", now=now - dt.timedelta(minutes=25))
    assert actions.mark_no_shows(now=now) == 1
    assert dict(Booking.objects.values_list("agent_id", "no_show")) == {
        absent.pk: True, present.pk: False}
