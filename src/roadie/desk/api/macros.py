"""API: a brand's saved replies (macros), the twin of the saved-replies pages: supervisors
(every brand) and the brand's administrators (their own; another brand is 404), with a
``write`` token or the page's session. Writes go through ``contacts.actions.save_macro`` and
``delete_macro``: a refusal is 422 naming the field, nothing written; each change audited."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts.access import can_edit_any_macros, can_edit_macros
from roadie.desk.api.brands import owned
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Brand
from roadie.desk.contacts import actions
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.models import Macro

router = Router(tags=["saved replies"])

class MacroIn(Schema):
    title: str = Field(..., max_length=120)
    body: str = Field(..., description="may hold {customer_name}, {agent_name}, {brand_name}, {contact_id}")
    language: str = Field("", description="fr, en or empty (every language)")


class MacroPatch(Schema):
    title: str | None = Field(None, max_length=120)
    body: str | None = None
    language: str | None = None


class MacroOut(Schema):
    id: int
    title: str
    body: str
    language: str
    created_at: dt.datetime


def macro_out(m: Macro) -> dict:
    return {"id": m.pk, "title": m.title, "body": m.body, "language": m.language, "created_at": m.created_at}


def _brand(request, slug: str) -> Brand:
    if not can_edit_any_macros(request.auth):
        raise HttpError(403, "saved replies are for supervisors and brand administrators")
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None or not can_edit_macros(request.auth, brand.pk):
        raise HttpError(404, f"no brand {slug!r}")
    return brand


def _refused(exc: ActionError) -> HttpError:
    return HttpError(422, str(exc))


@router.get("/brands/{slug}/macros", response={200: list[MacroOut], 403: Error, 404: Error})
def list_macros(request: HttpRequest, slug: str):
    """The brand's saved replies, by title."""
    return [macro_out(m) for m in Macro.objects.filter(brand=_brand(request, slug)).order_by("title")]


@router.post("/brands/{slug}/macros", response={201: MacroOut, 403: Error, 404: Error, 422: Error})
def create_macro(request: HttpRequest, slug: str, payload: MacroIn):
    """A new saved reply; an unknown ``{placeholder}`` or a title the brand already has is refused."""
    brand = _brand(request, slug)
    try:
        macro = actions.save_macro(request.auth, brand, via="api", **payload.dict())
    except ActionError as exc:
        raise _refused(exc) from None
    return Status(201, macro_out(macro))


@router.patch("/brands/{slug}/macros/{macro_id}", response={200: MacroOut, 403: Error, 404: Error, 422: Error})
def patch_macro(request: HttpRequest, slug: str, macro_id: int, payload: MacroPatch):
    """Change the fields given."""
    brand = _brand(request, slug)
    macro = owned(brand.macros, macro_id, what="saved reply", slug=slug)
    fields = {"title": macro.title, "body": macro.body, "language": macro.language,
              **{k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}}
    try:
        macro = actions.save_macro(request.auth, brand, macro_id=macro.pk, via="api", **fields)
    except ActionError as exc:
        raise _refused(exc) from None
    return macro_out(macro)


@router.delete("/brands/{slug}/macros/{macro_id}", response={204: None, 403: Error, 404: Error})
def delete_macro(request: HttpRequest, slug: str, macro_id: int):
    macro = owned(_brand(request, slug).macros, macro_id, what="saved reply", slug=slug)
    actions.delete_macro(request.auth, macro, via="api")
    return Status(204, None)
