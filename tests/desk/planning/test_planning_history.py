"""The planning page's history: a quiet day is a zero only where the desk was receiving."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from roadie.desk.planning.lib import pool_history

FIRST, BEFORE = dt.date(2025, 4, 7), dt.date(2025, 5, 19)  # a Monday; six weeks
QUIET = dt.date(2025, 4, 16)  # a Wednesday: the pool's brand had no contact, another had
SILENT = dt.date(2025, 4, 24)  # a Thursday: no contact reached the desk at all
MAY_DAY = dt.date(2025, 5, 1)  # a public holiday (a Thursday): no contact at all
CLOSURE = dt.date(2025, 5, 6)  # a Tuesday the brand declared closed


def test_quiet_days_are_zeros_silent_days_missing_and_closures_closed(db, make_brand):
    from roadie.desk.brands.models import Closure, Pool
    from roadie.desk.contacts.models import Contact, Customer

    alba, other = make_brand(slug="alba", channels=("voice",)), make_brand(slug="other")
    pool = Pool.objects.create(slug="alba", name="Alba")
    pool.brands.add(alba)
    Closure.objects.create(brand=alba, date=CLOSURE, reason="inventory")
    customers = {b: Customer.objects.create(brand=b, name="Marie") for b in (alba, other)}
    zone = timezone.get_current_timezone()
    contacts = []
    day = FIRST
    while day < BEFORE:
        if day.weekday() < 5 and day not in (SILENT, MAY_DAY):
            calls = [(other, 3)] + ([] if day in (QUIET, CLOSURE) else [(alba, 12)])
            for brand, n in calls:
                for k in range(n):
                    at = dt.datetime.combine(day, dt.time(9 + k % 8, 10), zone)
                    contacts.append(Contact(brand=brand, channel="voice",
                                            customer=customers[brand], arrived_at=at,
                                            deadline_at=at, status="resolved"))
        day += dt.timedelta(days=1)
    Contact.objects.bulk_create(contacts)

    history = pool_history(pool, before=BEFORE)
    assert list(history) == ["alba/voice"]  # the other brand is not in the pool
    m = history["alba/voice"]
    index = {d: i for i, d in enumerate(m.dates)}
    assert m.dates[0] == FIRST and m.values.sum() == 12 * (30 - 4)
    assert m.missing_dates == [SILENT]  # the desk may not have been running
    i = index[QUIET]  # the desk was receiving: a real zero, a day like the others
    assert not m.closed_mask[i] and not m.missing_mask[i] and m.values[i].sum() == 0
    assert m.closed_mask[index[MAY_DAY]] and m.closed_mask[index[CLOSURE]]
    weekend = [index[d] for d in m.dates if d.weekday() >= 5]
    assert m.closed_mask[weekend].all()
    assert not m.closed_mask[[index[d] for d in m.dates if d.weekday() < 5 and d not in
                              (MAY_DAY, CLOSURE)]].any()
