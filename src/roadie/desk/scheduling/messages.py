"""The message of each refusal code and warning, in the language active when it is called
(the API and pages activate the user's own)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from roadie.engine.scheduling import Refusal


def _num(value) -> str:
    return f"{float(value):g}"


def refusal_message(refusal: Refusal) -> str:
    p = refusal.params
    code = refusal.code
    if code == "not_certified":
        return _("You are not certified for any brand of this slot's pool.")
    if code == "full":
        return _("Every seat of this slot is booked; join the waiting list.")
    if code == "open":
        return _("This slot still has a seat: book it instead of waiting.")
    if code == "overlap":
        return _("This slot overlaps one you have already booked.")
    if code == "max_day_hours":
        return _("That would make %(hours)s hours on this day; the limit is %(limit)s.") % {
            "hours": _num(p.get("hours", 0)), "limit": _num(p.get("limit", 0))}
    if code == "max_week_hours":
        return _("That would make %(hours)s hours this week; the limit is %(limit)s.") % {
            "hours": _num(p.get("hours", 0)), "limit": _num(p.get("limit", 0))}
    if code == "rest":
        return _("Only %(hours)s hours of rest between two working days; at least %(limit)s "
                 "are needed.") % {"hours": _num(p.get("hours", 0)),
                                   "limit": _num(p.get("limit", 0))}
    if code == "notice":
        return _("This slot starts in less than %(limit)s hours: offer it as a swap, or release "
                 "it late (counted against your reliability).") % {
            "limit": _num(p.get("limit", 0))}
    if code == "closed":
        reason = p.get("reason")
        if reason == "started":
            return _("This slot has already started.")
        if reason == "swaps_closed":
            return _("Swaps close %(limit)s hours before the start.") % {
                "limit": _num(p.get("limit", 0))}
        if reason == "not_booked":
            return _("This booking is no longer active.")
        if reason == "not_from_waitlist":
            return _("Only a seat given from the waiting list can be declined.")
        return _("Booking of this slot is not open yet.")
    if code == "outside_slots":
        return _("Your pools let you go available only during a slot you have booked: book "
                 "one in My schedule, or come back when your slot starts.")
    return code


def warning_message(warning: dict) -> str:
    return _("%(hours)s hours booked this week, under the pool's minimum of %(limit)s.") % {
        "hours": _num(warning["hours"]), "limit": _num(warning["limit"])}
