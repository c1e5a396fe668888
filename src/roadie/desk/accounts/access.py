"""What each role may do: the one place role rules live.

Pages, API endpoints and other apps ask these predicates (``can_supervise(user)``...) instead
of comparing roles themselves, so that the access matrix (docs/security.md) is decided here.

| capability                     | admin | supervisor | qa  | finance | brand admin | brand viewer | agent |
|--------------------------------|:-----:|:----------:|:---:|:-------:|:-----------:|:------------:|:-----:|
| administer (console)           |   x   |            |     |         | own brand   |              |       |
| supervise (live, plan)         |   x   |     x      |     |         |             |              |       |
| review quality                 |   x   |     x      |  x  |         |             |              |       |
| money                          |   x   |            |     |    x    |             |              |       |
| read conversations             |   x   |     x      |  x  |         | own brand   | own brand    | own   |
| see masked customer fields     |   x   |     x      | granted |     | own brand   | own brand    |       |
| write the knowledge base       |   x   |     x      |     |         | own brand   |              |       |
| create contacts (intake API)   |   x   |     x      |     |         | own brand   |              |       |
| read the audit log             |   x   |            |     |         | own brand   |              |       |
| work as an agent (desk, offers)|       |  profile¹  |     |         |             |              |   x   |

¹ a supervisor who keeps an agent profile (a roadie promoted to supervisor) works the desk too,
and is offered contacts in the cascade's last tier only (``supervisors``).

Each predicate takes the user (anonymous and inactive users may do nothing) and, where the
answer depends on it, the brand.
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


def reads_every_brand(user) -> bool:
    """Reads the contacts (and articles) of every brand: operator staff who read conversations."""
    return _role(user) in (Role.ADMIN, Role.SUPERVISOR, Role.QA)


def agent_of(user):
    """The user's Agent row when they work as an agent (None otherwise): a roadie, or a
    supervisor who keeps an agent profile (a roadie promoted to supervisor). Such a supervisor
    takes contacts only in the cascade's last tier, ``supervisors`` (docs/routing.md)."""
    if _role(user) not in (Role.AGENT, Role.SUPERVISOR):
        return None
    return getattr(user, "agent", None)


def is_agent(user) -> bool:
    """Works as an agent (a roadie with an Agent row): the desk, presence, offers."""
    return agent_of(user) is not None


def brand_scope(user) -> int | None:
    """The one brand a brand user belongs to (None for everyone else)."""
    if _role(user) in BRAND_ROLES:
        return user.brand_id
    return None


def is_brand_user(user) -> bool:
    """A brand administrator or viewer with a brand: the brand dashboard."""
    return brand_scope(user) is not None


def sees_masked_fields(user) -> bool:
    """Whether customer fields a brand masks are shown to this user. Agents never see them;
    QA reviewers only when granted (``User.unmasked_access``); finance reads no customer data."""
    role = _role(user)
    if role == Role.QA:
        return bool(getattr(user, "unmasked_access", False))
    return role in (Role.ADMIN, Role.SUPERVISOR, *BRAND_ROLES)


def can_administer_brand(user, brand_id: int) -> bool:
    """Change a brand's settings, channels, calendars, policies, knowledge base and users."""
    role = _role(user)
    return role == Role.ADMIN or (role == Role.BRAND_ADMIN and user.brand_id == brand_id)


def can_administer_any_brand(user) -> bool:
    """Opens the console: the operator administrator, or a brand administrator (their brand)."""
    role = _role(user)
    return role == Role.ADMIN or (role == Role.BRAND_ADMIN and user.brand_id is not None)


def can_view_brand(user, brand_id: int) -> bool:
    """Dashboards, contacts and invoices of a brand, as its own users see them."""
    role = _role(user)
    if role in (Role.ADMIN, Role.SUPERVISOR):
        return True
    return role in BRAND_ROLES and user.brand_id == brand_id


def can_edit_knowledge(user, brand_id: int) -> bool:
    """Write a brand's knowledge-base articles."""
    return can_supervise(user) or can_administer_brand(user, brand_id)


def can_edit_macros(user, brand_id: int) -> bool:
    """Write a brand's saved replies (macros): supervisors and that brand's administrators."""
    return can_supervise(user) or can_administer_brand(user, brand_id)


def can_edit_any_macros(user) -> bool:
    """Opens the saved-replies pages (for every brand, or the user's own)."""
    return can_supervise(user) or can_administer_any_brand(user)


def can_create_contacts(user, brand_id: int) -> bool:
    """File contacts and customer messages through the API (intake integrations)."""
    return can_supervise(user) or can_administer_brand(user, brand_id)


def can_read_audit(user) -> bool:
    """The audit log: every entry for the administrator, their brand's for a brand admin."""
    return can_administer_any_brand(user)


def can_manage_users(user, *, brand_id: int | None) -> bool:
    """Create or change users: any user for the administrator; a brand administrator only the
    users of their own brand (``brand_id``), who can only be brand users."""
    role = _role(user)
    if role == Role.ADMIN:
        return True
    return role == Role.BRAND_ADMIN and brand_id is not None and user.brand_id == brand_id


def roles_grantable_by(user) -> frozenset[str]:
    """The roles this user may give to a user they create or change."""
    role = _role(user)
    if role == Role.ADMIN:
        return frozenset(Role.values)
    if role == Role.BRAND_ADMIN:
        return frozenset(BRAND_ROLES)
    return frozenset()


def home_pages(user) -> tuple[str, ...]:
    """URL names of the page a user lands on after logging in, best first (the first that
    exists is used; the quality and money apps provide ``quality`` and ``pay``)."""
    if is_agent(user) and not can_supervise(user):
        return ("desk",)
    if is_brand_user(user):
        return ("brand",)
    if can_supervise(user):
        return ("board",)
    if can_review_quality(user):
        return ("quality", "kb")
    if can_handle_money(user):
        return ("pay", "account")
    return ("account",)
