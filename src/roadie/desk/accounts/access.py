"""What each role may do: the one place role rules live.

Pages, API endpoints and other apps ask these predicates (``can_supervise(user)``...) instead
of comparing roles themselves, so that the access matrix (docs/security.md) is decided here.

| capability            | admin | supervisor | qa | finance | brand admin | brand viewer | agent |
|-----------------------|:-----:|:----------:|:--:|:-------:|:-----------:|:------------:|:-----:|
| administer (console)  |   x   |            |    |         | own brand   |              |       |
| supervise (live, plan)|   x   |     x      |    |         |             |              |       |
| review quality        |   x   |     x      | x  |         |             |              |       |
| money                 |   x   |            |    |    x    |             |              |       |
| read conversations    |   x   |     x      | x  |         | own brand   | own brand    | own   |
"""

from __future__ import annotations

from roadie.desk.accounts.models import BRAND_ROLES, Role


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_admin(user) -> bool:
    """Operator administrator: every setting of every brand."""
    return _role(user) == Role.ADMIN


def can_supervise(user) -> bool:
    """Live operation and planning: the board, any contact, escalations, slots and coverage."""
    return _role(user) in (Role.ADMIN, Role.SUPERVISOR)


def can_review_quality(user) -> bool:
    """Quality: scorecards, sampled reviews, calibration, disputes."""
    return _role(user) in (Role.ADMIN, Role.SUPERVISOR, Role.QA)


def can_handle_money(user) -> bool:
    """Money: pay rules, ledger, statements of every roadie, brand invoices, periods."""
    return _role(user) in (Role.ADMIN, Role.FINANCE)


def can_read_conversations(user) -> bool:
    """Whether the role ever reads conversation content (finance never does)."""
    return _role(user) not in (None, Role.FINANCE)


def brand_scope(user) -> int | None:
    """The one brand a brand user belongs to (None for everyone else)."""
    if _role(user) in BRAND_ROLES:
        return user.brand_id
    return None


def can_administer_brand(user, brand_id: int) -> bool:
    """Change a brand's settings, knowledge base and users."""
    role = _role(user)
    return role == Role.ADMIN or (role == Role.BRAND_ADMIN and user.brand_id == brand_id)


def can_view_brand(user, brand_id: int) -> bool:
    """Dashboards, contacts and invoices of a brand, as its own users see them."""
    role = _role(user)
    if role in (Role.ADMIN, Role.SUPERVISOR):
        return True
    return role in BRAND_ROLES and user.brand_id == brand_id
