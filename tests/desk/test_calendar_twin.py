"""The simulator's deadline of a contact is the desk's: the same opening hours and closures,
stored on a brand (``brands.OpeningHours``, ``brands.Closure``) and given to a scenario, give
the same due instant for any arrival (``contacts.actions.answer_deadline`` against
``roadie.engine.sim.deadlines``)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.brands.models import Closure, OpeningHours, ServiceLevelPolicy
from roadie.desk.contacts.actions import answer_deadline
from roadie.engine.sim import Arrivals, scenario_from_dict
from roadie.engine.sim.deadlines import deadlines

pytestmark = pytest.mark.django_db

quarter = st.integers(0, 95).map(lambda q: time(q // 4, (q % 4) * 15))
rows = st.lists(st.tuples(st.sampled_from(["", "email", "chat"]), st.integers(0, 6), quarter, quarter),
                max_size=6)


class _Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=rows, closed=st.lists(st.tuples(st.sampled_from(["", "email"]), st.integers(-2, 9)), max_size=3),
       tz=st.sampled_from(["Europe/Paris", "America/Martinique"]), first=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
       channel=st.sampled_from(["email", "chat"]), answer=st.integers(1, 2 * 86_400),
       arrivals=st.lists(st.integers(0, 7 * 86_400), min_size=1, max_size=4))
def test_the_simulator_dates_a_contact_as_the_desk(make_brand, hours, closed, tz, first, channel, answer, arrivals):
    try:
        with transaction.atomic():
            brand = make_brand()
            brand.timezone = tz
            brand.save()
            ServiceLevelPolicy.objects.filter(brand=brand, channel=channel).update(answer_seconds=answer)
            for ch, weekday, opens, closes in hours:
                OpeningHours.objects.create(brand=brand, channel=ch, weekday=weekday, opens=opens, closes=closes)
            for ch, offset in closed:
                Closure.objects.get_or_create(brand=brand, channel=ch, date=first + timedelta(days=offset))
            scn = scenario_from_dict({
                "date": first.isoformat(), "timezone": tz, "days": 8, "hours": 24,
                "streams": [{"brand": brand.slug, "channel": channel, "answer_seconds": answer}],
                "teams": [{"count": 1, "brands": [brand.slug]}],
                "opening_hours": [{"brand": brand.slug, "channel": h.channel, "weekday": h.weekday,
                                   "opens": h.opens.isoformat(), "closes": h.closes.isoformat()}
                                  for h in OpeningHours.objects.filter(brand=brand)],
                "closures": [{"brand": brand.slug, "channel": c.channel, "date": c.date.isoformat()}
                             for c in Closure.objects.filter(brand=brand)],
            })
            times = sorted(float(s) for s in arrivals)
            n = len(times)
            arr = Arrivals(time=np.array(times), stream=np.zeros(n, dtype=np.int64), handle=np.full(n, 60.0),
                           patience=np.full(n, math.inf), priority=np.zeros(n, dtype=np.int64),
                           streams=scn.streams)
            service, _ = deadlines(scn, arr)
            origin = datetime.combine(first, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)  # UTC: no wall-clock sums
            for t, due in zip(times, service, strict=True):
                live = answer_deadline(brand, channel, origin + timedelta(seconds=t))
                assert origin + timedelta(seconds=float(due)) == live
            raise _Rollback
    except _Rollback:
        pass
