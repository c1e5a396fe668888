"""API: users and their roles. The administrator manages everyone; a brand administrator the
users of their own brand, who can only be brand users (``access.roles_grantable_by``). Writes
need an ``admin``-scoped token and go through ``roadie.desk.accounts.actions``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts import access
from roadie.desk.accounts import actions as accounts
from roadie.desk.accounts.models import Role, User
from roadie.desk.api.auth import require_scope
from roadie.desk.api.errors import refusals
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Brand

router = Router(tags=["users"])


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    role: str = Field(..., description="admin, supervisor, qa, finance, agent, brand_admin or brand")
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    brand: str | None = Field(None, description="the brand's slug (brand users only)")
    language: str = Field("fr", description="fr or en")
    unmasked_access: bool = Field(False, description="quality reviewers: see masked customer fields")


class UserPatch(Schema):
    role: str | None = None
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    brand: str | None = Field(None, description="the brand's slug; empty string: no brand")
    language: str | None = None
    is_active: bool | None = None
    unmasked_access: bool | None = None


class UserOut(Schema):
    id: int
    username: str
    role: str
    email: str
    first_name: str
    last_name: str
    brand: str | None
    language: str
    is_active: bool
    unmasked_access: bool
    has_password: bool


class NewUserOut(UserOut):
    invite_url: str = Field(description="one-time link to set a password (give it to the user)")


def user_out(u: User) -> dict:
    return {"id": u.pk, "username": u.username, "role": u.role, "email": u.email,
            "first_name": u.first_name, "last_name": u.last_name,
            "brand": u.brand.slug if u.brand_id else None, "language": u.language,
            "is_active": u.is_active, "unmasked_access": u.unmasked_access,
            "has_password": u.has_usable_password()}


def manageable_users(actor):
    """The users this actor may see and change (403 for roles that manage nobody)."""
    users = User.objects.select_related("brand").order_by("username")
    if access.is_admin(actor):
        return users
    if access.can_administer_any_brand(actor):
        return users.filter(brand_id=actor.brand_id, role__in=list(access.roles_grantable_by(actor)))
    raise HttpError(403, "only administrators manage users")


def _brand(slug: str | None):
    if not slug:
        return None
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None:
        raise HttpError(422, f"brand: no brand {slug!r}")
    return brand


@router.get("/users", response={200: list[UserOut], 403: Error})
def list_users(request: HttpRequest):
    return [user_out(u) for u in manageable_users(request.auth)[:1000]]


@router.post("/users", response={201: NewUserOut, 403: Error, 422: Error})
def create_user(request: HttpRequest, payload: UserIn):
    """A new user with a role; they set their password from ``invite_url``. An agent also
    needs an agent profile: create agents with ``POST /api/agents``."""
    require_scope(request, "admin")
    manageable_users(request.auth)
    if payload.role == Role.AGENT:
        raise HttpError(422, "role: create agents with POST /api/agents (they need a profile)")
    data = payload.dict()
    data["brand"] = _brand(data.pop("brand"))
    with refusals():
        user = accounts.create_user(request.auth, via="api", **data)
    return Status(201, {**user_out(user), "invite_url": request.build_absolute_uri(accounts.invite_path(user))})


@router.patch("/users/{username}", response={200: UserOut, 403: Error, 404: Error, 422: Error})
def patch_user(request: HttpRequest, username: str, payload: UserPatch):
    """Change a user's role, brand, names, language, masked-field access, or turn them off
    (their tokens are revoked)."""
    require_scope(request, "admin")
    user = manageable_users(request.auth).filter(username=username).first()
    if user is None:
        raise HttpError(404, f"no user {username!r}")
    changes = payload.dict(exclude_unset=True)
    if "brand" in changes:
        changes["brand"] = _brand(changes["brand"])
    changes = {k: v for k, v in changes.items() if v is not None or k == "brand"}
    with refusals():
        agent = getattr(user, "agent", None) if user.role == Role.AGENT else None
        if agent is not None and "is_active" in changes:
            # Turning an agent off also takes them offline (agents.actions).
            from roadie.desk.agents.actions import update_agent

            update_agent(request.auth, agent, via="api", is_active=changes.pop("is_active"))
            user.refresh_from_db()
        if changes:
            accounts.update_user(request.auth, user, via="api", **changes)
    return user_out(user)


@router.post("/users/{username}/invitation", response={202: None, 403: Error, 404: Error, 422: Error})
def send_invitation(request: HttpRequest, username: str):
    """Mail the user (no password yet, an email address) a fresh one-time link to set one."""
    require_scope(request, "admin")
    user = manageable_users(request.auth).filter(username=username).first()
    if user is None:
        raise HttpError(404, f"no user {username!r}")
    with refusals():
        accounts.send_invitation(request.auth, user, via="api")
    return Status(202, None)
