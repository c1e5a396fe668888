"""Opening hours and closures of brands and channels, read into business calendars."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from roadie.desk.brands.calendars import business_deadline, calendar_for, calendars_for
from roadie.desk.brands.models import Closure, OpeningHours

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_a_brand_without_hours_is_always_open(make_brand):
    brand = make_brand()
    cal = calendar_for(brand, "email")
    assert cal.ranges == () and cal.tz == "Europe/Paris"
    assert cal.is_open(datetime(2026, 12, 6, 3, 0, tzinfo=PARIS))


def test_a_channel_without_its_own_hours_uses_the_brands(make_brand):
    brand = make_brand()
    for day in range(6):  # Monday to Saturday, 9:00-12:00 and 14:00-18:00
        OpeningHours.objects.create(brand=brand, weekday=day, opens=time(9), closes=time(12))
        OpeningHours.objects.create(brand=brand, weekday=day, opens=time(14), closes=time(18))
    for day in range(7):  # the phone line answers every day 8:00-20:00
        OpeningHours.objects.create(brand=brand, channel="voice", weekday=day, opens=time(8),
                                    closes=time(20))
    Closure.objects.create(brand=brand, date=date(2026, 12, 25), reason="Christmas")
    Closure.objects.create(brand=brand, date=date(2026, 12, 26), channel="voice")
    cals = calendars_for([brand])
    email, voice = cals[(brand.id, "email")], cals[(brand.id, "voice")]
    assert len(email.ranges) == 12 and len(voice.ranges) == 7
    assert email.closures == {date(2026, 12, 25)}
    assert voice.closures == {date(2026, 12, 25), date(2026, 12, 26)}
    sunday_noon = datetime(2026, 12, 6, 12, 0, tzinfo=PARIS)
    assert voice.is_open(sunday_noon) and not email.is_open(sunday_noon)
    # An email on Saturday night, closed on Sunday: due after 4 opening hours, Monday 14:00.
    saturday_night = datetime(2026, 12, 5, 23, 0, tzinfo=PARIS)
    due = business_deadline(brand, "email", start=saturday_night, seconds=4 * 3600)
    assert due == datetime(2026, 12, 7, 15, 0, tzinfo=PARIS)


def test_the_brands_time_zone_is_used_and_checked(make_brand):
    brand = make_brand()
    brand.timezone = "America/Martinique"
    brand.save()
    OpeningHours.objects.create(brand=brand, weekday=0, opens=time(9), closes=time(10))
    cal = calendar_for(brand, "chat")
    assert cal.is_open(datetime(2026, 11, 30, 13, 30, tzinfo=ZoneInfo("UTC")))  # 9:30 there
    brand.timezone = "Europe/Atlantis"
    with pytest.raises(ValidationError, match="time zone"):
        brand.full_clean()


def test_an_email_on_saturday_night_is_due_in_opening_hours(make_brand):
    from roadie.desk.brands.models import ServiceLevelPolicy
    from roadie.desk.contacts.actions import CustomerData, Inbound, receive

    brand = make_brand()
    ServiceLevelPolicy.objects.filter(brand=brand, channel="email").update(answer_seconds=4 * 3600)
    for day in range(6):  # closed on Sundays
        OpeningHours.objects.create(brand=brand, weekday=day, opens=time(9), closes=time(18))
    saturday_night = datetime(2026, 12, 5, 23, 0, tzinfo=PARIS)
    contact, _, _ = receive(Inbound(brand=brand, channel="email", body="Bonjour", received_at=saturday_night,
                                    customer=CustomerData(name="Marie", email="marie@example.org")))
    assert contact.deadline_at == datetime(2026, 12, 7, 13, 0, tzinfo=PARIS)
    # a brand without hours: the answer time from arrival, around the clock
    other = make_brand()
    chat, _, _ = receive(Inbound(brand=other, channel="chat", body="Bonjour", received_at=saturday_night,
                                 customer=CustomerData(name="Paul", email="paul@example.org")))
    assert (chat.deadline_at - saturday_night).total_seconds() == 60
