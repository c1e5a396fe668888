"""The pages: My schedule (book, release, swap, wait in one click), coverage for supervisors,
the desk and board fragments, the private calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from roadie.desk.scheduling.models import Booking, BookingStatus, CalendarFeed


@pytest.fixture
def week(make_pool, make_plan, make_agent, make_user):
    pool = make_pool()
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    plan = make_plan(pool=pool, first_day=monday,
                     slots=[(0, 7, 15, 1), (1, 7, 11, 2, 17, 21), (2, 23, 25, 1)])
    me = make_agent(brands=pool.brands.all(), username="camille-t")
    client = Client()
    client.force_login(me.user)
    return {"pool": pool, "plan": plan, "slots": list(plan.slots.order_by("starts_at")),
            "me": me, "client": client, "monday": monday, "make_user": make_user,
            "make_agent": make_agent}


def test_my_schedule_shows_the_week_with_seats_and_bonus(week):
    page = week["client"].get(f"/schedule/?week={week['monday']}")
    assert page.status_code == 200
    html = page.content.decode()
    for s in week["slots"]:
        assert f'data-slot="{s.pk}" data-status="open"' in html
    assert "07:00–11:00 + 17:00–21:00" in html
    assert "bonus" in html and "seats left: 1" in html
    assert "under the pool&#x27;s minimum of 15" in html or "under the pool's minimum" in html


def test_book_release_swap_and_wait_in_one_click_each(week):
    c, s = week["client"], week["slots"]
    r = c.post(f"/schedule/do/book/{s[0].pk}", {"next": f"/schedule/?week={week['monday']}"})
    assert r.status_code == 302
    booking = Booking.objects.get(agent=week["me"], slot=s[0])
    html = c.get(f"/schedule/?week={week['monday']}").content.decode()
    assert f'data-slot="{s[0].pk}" data-status="booked"' in html
    c.post(f"/schedule/do/swap/{booking.pk}")
    assert "Withdraw the swap" in c.get(f"/schedule/?week={week['monday']}").content.decode()
    c.post(f"/schedule/do/release/{booking.pk}")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RELEASED
    # a colleague fills the one-seat slot: the page offers the waiting list
    other = week["make_agent"](brands=week["pool"].brands.all())
    oc = Client()
    oc.force_login(other.user)
    oc.post(f"/schedule/do/book/{s[0].pk}")
    assert "Join the waiting list" in c.get(f"/schedule/?week={week['monday']}").content.decode()
    c.post(f"/schedule/do/wait/{s[0].pk}")
    assert "On the waiting list" in c.get(f"/schedule/?week={week['monday']}").content.decode()


def test_a_refusal_is_shown_in_the_users_language(week):
    c, s = week["client"], week["slots"]
    c.post(f"/schedule/do/book/{s[1].pk}")
    c.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    # Tuesday 07:00 cannot follow a Monday that ends at 15:00? it can (16 h); Wednesday 23:00
    # after Tuesday 21:00 can too; booking the same slot twice is an overlap
    page = c.post(f"/schedule/do/book/{s[1].pk}", follow=True)
    assert "chevauche" in page.content.decode()


def test_coverage_page_for_supervisors_only(week):
    c = week["client"]
    c.post(f"/schedule/do/book/{week['slots'][0].pk}")
    assert c.get("/schedule/coverage/").status_code == 403
    boss = Client()
    boss.force_login(week["make_user"](role="supervisor"))
    page = boss.get(f"/schedule/coverage/{week['pool'].slug}/?date={week['monday']}")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("data-interval=") == 36
    assert "camille-t" in html
    r = boss.post(f"/schedule/slots/{week['slots'][0].pk}/bonus", {"amount": "12,50"})
    assert r.status_code == 302
    assert "12.50" in boss.get(f"/schedule/coverage/{week['pool'].slug}/?date="
                               f"{week['monday']}").content.decode()
    r = boss.post(f"/schedule/slots/{week['slots'][0].pk}/bonus", {"amount": "-3"},
                  follow=True)
    assert "0 or more" in r.content.decode()


def test_desk_shows_current_and_next_slot_and_board_shows_uncovered(week, make_plan):
    soon = make_plan(pool=week["pool"], first_day=timezone.localdate(), slots=[])
    from roadie.desk.planning.models import PlanSlot

    now = timezone.now()
    current = PlanSlot.objects.create(plan=soon, day=timezone.localdate(),
                                      starts_at=now - dt.timedelta(hours=1),
                                      ends_at=now + dt.timedelta(hours=1), roadies=2)
    Booking.objects.create(agent=week["me"], slot=current)
    week["client"].post(f"/schedule/do/book/{week['slots'][0].pk}")
    html = week["client"].get("/desk/").content.decode()
    assert "data-my-slots" in html and "Now:" in html and "Next:" in html
    boss = Client()
    boss.force_login(week["make_user"](role="supervisor"))
    PlanSlot.objects.create(plan=soon, day=timezone.localdate(),
                            starts_at=now + dt.timedelta(hours=3),
                            ends_at=now + dt.timedelta(hours=6), roadies=2)
    html = boss.get("/board/").content.decode()
    assert 'data-uncovered="1"' in html


def test_calendar_feed_is_private_and_lists_bookings(week):
    c, s = week["client"], week["slots"]
    c.post(f"/schedule/do/book/{s[1].pk}")
    c.get("/schedule/")
    feed = CalendarFeed.objects.get(agent=week["me"])
    anonymous = Client()
    r = anonymous.get(f"/schedule/calendar/{feed.secret}.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    events = [e for e in Calendar.from_ical(r.content).walk("VEVENT")]
    assert len(events) == 2                                     # a split day: two events
    assert {e.decoded("dtstart") for e in events} == {s[1].starts_at, s[1].second_starts_at}
    assert anonymous.get("/schedule/calendar/guess.ics").status_code == 404
    c.post("/schedule/calendar/new")
    assert anonymous.get(f"/schedule/calendar/{feed.secret}.ics").status_code == 404
