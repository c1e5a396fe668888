"""Why an agent declines an offer: the reasons the desk offers and the API accepts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

DECLINE_REASONS = [
    ("busy", gettext_lazy("Busy with another contact")),
    ("skills", gettext_lazy("Not my area")),
    ("leaving", gettext_lazy("About to take a break")),
    ("other", gettext_lazy("Other")),
]
DECLINE_CODES = tuple(code for code, _ in DECLINE_REASONS)
