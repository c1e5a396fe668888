"""API: brands and their settings (the console's onboarding, for scripts and integrations).

Reads: the administrator sees every brand, a brand administrator their own (another brand is
404); other roles 403. Writes need an ``admin``-scoped token (or the page's session) and go
through ``roadie.desk.brands.actions``, like the console pages. Secrets are write-only: the
answers name the secrets a channel has, never their values.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts import access
from roadie.desk.api.auth import require_scope
from roadie.desk.api.errors import refusals
from roadie.desk.api.schemas import ChannelName, Error
from roadie.desk.brands import actions
from roadie.desk.brands.models import Brand, Channel

router = Router(tags=["brands"])

MaskedField = Literal["email", "phone", "address", "order_history", "payment"]


class BrandIn(Schema):
    slug: str = Field(..., min_length=1, max_length=50, description="lowercase letters, digits, dashes")
    name: str = Field(..., min_length=1, max_length=120)
    default_language: str = Field("fr", max_length=8)
    timezone: str = Field("Europe/Paris", max_length=64, description="IANA time zone")
    masked_fields: list[MaskedField] = Field(default_factory=list,
                                             description="customer fields agents never see")
    show_history: bool = Field(True, description="agents see a customer's earlier contacts")
    is_active: bool = True


class BrandPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    default_language: str | None = Field(None, max_length=8)
    timezone: str | None = Field(None, max_length=64)
    masked_fields: list[MaskedField] | None = None
    show_history: bool | None = None
    is_active: bool | None = None


class HoursOut(Schema):
    weekday: int
    opens: time
    closes: time
    channel: str


class ClosureOut(Schema):
    id: int
    date: date
    channel: str
    reason: str


class PolicyOut(Schema):
    channel: str
    target: Decimal
    answer_seconds: int
    priority: int


class WrapUpOut(Schema):
    code: str
    label: str
    label_en: str


class ChannelOut(Schema):
    id: int
    kind: str
    address: str
    enabled: bool
    sunday_open: bool
    premium: bool
    settings: dict = Field(description="non-secret settings")
    secrets: list[str] = Field(description="names of the secrets set (values are never shown)")


class BrandOut(Schema):
    slug: str
    name: str
    default_language: str
    timezone: str
    masked_fields: list[str]
    show_history: bool
    is_active: bool
    channels: list[ChannelOut]
    opening_hours: list[HoursOut]
    closures: list[ClosureOut]
    service_levels: list[PolicyOut]
    wrap_up_codes: list[WrapUpOut]


class ChannelIn(Schema):
    kind: ChannelName
    address: str = Field("", max_length=254, description="email address, phone number or account id")
    enabled: bool = True
    sunday_open: bool = False
    premium: bool = False
    settings: dict = Field(default_factory=dict, description="connector settings shown back")
    secrets: dict[str, str] = Field(default_factory=dict, description="write-only: never shown again")


class ChannelPatch(Schema):
    address: str | None = Field(None, max_length=254)
    enabled: bool | None = None
    sunday_open: bool | None = None
    premium: bool | None = None
    settings: dict | None = Field(None, description="replaces every non-secret setting")
    secrets: dict[str, str | None] | None = Field(
        None, description="sets each named secret; null removes it; others are kept")


class RangeIn(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 Monday ... 6 Sunday")
    opens: time
    closes: time
    channel: ChannelName | Literal[""] = ""


class ClosureIn(Schema):
    date: date
    channel: ChannelName | Literal[""] = ""
    reason: str = Field("", max_length=120)


class PolicyIn(Schema):
    target: Decimal = Field(..., ge=0, le=1, description="0.8 = 80 %")
    answer_seconds: int = Field(..., ge=1)
    priority: int = 0


class WrapUpIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    label: str = Field(..., min_length=1, max_length=120, description="French label")
    label_en: str = Field("", max_length=120, description="English label")


def channel_out(c: Channel) -> dict:
    return {"id": c.pk, "kind": c.kind, "address": c.address, "enabled": c.enabled,
            "sunday_open": c.sunday_open, "premium": c.premium,
            "settings": actions.public_settings(c), "secrets": actions.secret_names(c)}


def brand_out(b: Brand) -> dict:
    return {
        "slug": b.slug, "name": b.name, "default_language": b.default_language, "timezone": b.timezone,
        "masked_fields": list(b.masked_fields), "show_history": b.show_history, "is_active": b.is_active,
        "channels": [channel_out(c) for c in b.channels.order_by("kind", "pk")],
        "opening_hours": [{"weekday": h.weekday, "opens": h.opens, "closes": h.closes, "channel": h.channel}
                          for h in b.opening_hours.all()],
        "closures": [{"id": c.pk, "date": c.date, "channel": c.channel, "reason": c.reason}
                     for c in b.closures.all()],
        "service_levels": [{"channel": p.channel, "target": p.target, "answer_seconds": p.answer_seconds,
                            "priority": p.priority} for p in b.service_levels.order_by("channel")],
        "wrap_up_codes": [{"code": w.code, "label": w.label, "label_en": w.label_en}
                          for w in b.wrap_up_codes.order_by("code")],
    }


def visible_brands(user):
    """The brands whose settings this user administers."""
    if access.is_admin(user):
        return Brand.objects.all()
    if access.can_administer_any_brand(user):
        return Brand.objects.filter(pk=user.brand_id)
    raise HttpError(403, "only administrators read brand settings")


def administered_brand(request, slug: str, *, write: bool = False) -> Brand:
    """The brand of ``slug`` if this user administers it (another brand: 404); for a write,
    the request must also carry an ``admin``-scoped token (or the page's session)."""
    if write:
        require_scope(request, "admin")
    brand = visible_brands(request.auth).filter(slug=slug).first()
    if brand is None:
        raise HttpError(404, f"no brand {slug!r}")
    return brand


def owned(objects, pk: int, *, what: str, slug: str):
    """The brand's ``what`` of id ``pk`` among ``objects`` (a related manager), or 404."""
    found = objects.filter(pk=pk).first()
    if found is None:
        raise HttpError(404, f"no {what} {pk} in {slug}")
    return found


def _write(request) -> None:
    require_scope(request, "admin")


@router.get("/brands", response={200: list[BrandOut], 403: Error})
def list_brands(request: HttpRequest):
    """Brands with their settings: every brand for the administrator, their own for a brand administrator."""
    return [brand_out(b) for b in visible_brands(request.auth)]


@router.post("/brands", response={201: BrandOut, 403: Error, 422: Error})
def create_brand(request: HttpRequest, payload: BrandIn):
    """A new brand (operator administrator only)."""
    _write(request)
    visible_brands(request.auth)
    with refusals():
        brand = actions.create_brand(request.auth, via="api", **payload.dict())
    return Status(201, brand_out(brand))


@router.get("/brands/{slug}", response={200: BrandOut, 403: Error, 404: Error})
def get_brand(request: HttpRequest, slug: str):
    return brand_out(administered_brand(request, slug))


@router.patch("/brands/{slug}", response={200: BrandOut, 403: Error, 404: Error, 422: Error})
def patch_brand(request: HttpRequest, slug: str, payload: BrandPatch):
    """Change the fields given (the slug never changes; only the administrator turns a brand off)."""
    brand = administered_brand(request, slug, write=True)
    with refusals():
        actions.update_brand(request.auth, brand, via="api", **payload.dict(exclude_unset=True))
    return brand_out(brand)


@router.post("/brands/{slug}/channels", response={201: ChannelOut, 403: Error, 404: Error, 422: Error})
def create_channel(request: HttpRequest, slug: str, payload: ChannelIn):
    """A new channel; ``secrets`` are stored encrypted and never shown again."""
    brand = administered_brand(request, slug, write=True)
    with refusals():
        channel = actions.create_channel(request.auth, brand, via="api", **payload.dict())
    return Status(201, channel_out(channel))


@router.patch("/brands/{slug}/channels/{channel_id}",
              response={200: ChannelOut, 403: Error, 404: Error, 422: Error})
def patch_channel(request: HttpRequest, slug: str, channel_id: int, payload: ChannelPatch):
    brand = administered_brand(request, slug, write=True)
    channel = owned(brand.channels, channel_id, what="channel", slug=slug)
    changes = payload.dict(exclude_unset=True)
    with refusals():
        actions.update_channel(request.auth, channel, via="api", settings=changes.pop("settings", None),
                               secrets=changes.pop("secrets", None),
                               **{k: v for k, v in changes.items() if v is not None})
    return channel_out(channel)


class ConnectionCheckOut(Schema):
    what: str = Field(description="the server tried (\"IMAP help@... @ imap.example:993 (INBOX)\")")
    ok: bool
    detail: str = Field(description="its answer (\"12 messages\") or the error")


@router.post("/brands/{slug}/channels/{channel_id}/test",
             response={200: list[ConnectionCheckOut], 403: Error, 404: Error, 422: Error})
def test_channel(request: HttpRequest, slug: str, channel_id: int):
    """The console's "test connection": really connect to the servers the channel uses (an
    email channel: each IMAP mailbox of the brand, and the SMTP relay) and say what answered;
    nothing is changed. A kind without a connection test answers 422."""
    from roadie.desk.console import registry

    brand = administered_brand(request, slug, write=True)
    channel = owned(brand.channels, channel_id, what="channel", slug=slug)
    test = registry.CONNECTION_TESTS.get(channel.kind)
    if test is None:
        raise HttpError(422, f"kind: no connection test for {channel.kind} channels")
    return [{"what": c.what, "ok": c.ok, "detail": c.detail} for c in test(channel)]


@router.put("/brands/{slug}/opening-hours", response={200: BrandOut, 403: Error, 404: Error, 422: Error})
def put_opening_hours(request: HttpRequest, slug: str, payload: list[RangeIn]):
    """Replace the brand's opening hours (an empty list: open around the clock)."""
    brand = administered_brand(request, slug, write=True)
    with refusals():
        actions.set_opening_hours(request.auth, brand, [actions.Range(**r.dict()) for r in payload], via="api")
    return brand_out(brand)


@router.post("/brands/{slug}/closures", response={201: ClosureOut, 403: Error, 404: Error, 422: Error})
def add_closure(request: HttpRequest, slug: str, payload: ClosureIn):
    """A day the brand (or one of its channels) is closed."""
    brand = administered_brand(request, slug, write=True)
    with refusals():
        c = actions.add_closure(request.auth, brand, day=payload.date, channel=payload.channel,
                                reason=payload.reason, via="api")
    return Status(201, {"id": c.pk, "date": c.date, "channel": c.channel, "reason": c.reason})


@router.delete("/brands/{slug}/closures/{closure_id}", response={204: None, 403: Error, 404: Error})
def delete_closure(request: HttpRequest, slug: str, closure_id: int):
    closure = owned(administered_brand(request, slug, write=True).closures, closure_id, what="closure", slug=slug)
    with refusals():
        actions.remove_closure(request.auth, closure, via="api")
    return Status(204, None)


@router.put("/brands/{slug}/service-levels/{channel}",
            response={200: PolicyOut, 403: Error, 404: Error, 422: Error})
def put_service_level(request: HttpRequest, slug: str, channel: ChannelName, payload: PolicyIn):
    """Create or change the service-level policy of one channel."""
    brand = administered_brand(request, slug, write=True)
    with refusals():
        p = actions.set_service_level(request.auth, brand, channel=channel, via="api", **payload.dict())
    return {"channel": p.channel, "target": p.target, "answer_seconds": p.answer_seconds, "priority": p.priority}


@router.put("/brands/{slug}/wrap-up-codes", response={200: WrapUpOut, 403: Error, 404: Error, 422: Error})
def put_wrap_up_code(request: HttpRequest, slug: str, payload: WrapUpIn):
    """Create a wrap-up code, or relabel it (by ``code``)."""
    brand = administered_brand(request, slug, write=True)
    with refusals():
        w = actions.set_wrap_up_code(request.auth, brand, via="api", **payload.dict())
    return {"code": w.code, "label": w.label, "label_en": w.label_en}
