"""Console pages of users and roles: the administrator manages everyone; a brand administrator
the users of their own brand, who can only be brand users. Writes go through
``roadie.desk.accounts.actions`` (the same path as the REST API)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts import access, actions
from roadie.desk.accounts.models import Role, User
from roadie.desk.console.views.common import administered_brands, checked, errors_of
from roadie.desk.web.guards import console_page


def manageable(user):
    users = User.objects.select_related("brand").order_by("username")
    if access.is_admin(user):
        return users
    return users.filter(brand_id=user.brand_id, role__in=list(access.roles_grantable_by(user)))


def _roles(user) -> list[tuple[str, str]]:
    grantable = access.roles_grantable_by(user)
    # Agents are onboarded on the agents page (they need a profile).
    return [(v, label) for v, label in Role.choices if v in grantable and v != Role.AGENT]


def _brand(user, slug: str):
    if not slug:
        return None
    brand = administered_brands(user).filter(slug=slug).first()
    if brand is None:
        raise ValidationError({"brand": [_("no such brand")]})
    return brand


def _values(post) -> dict:
    return {"email": post.get("email", "").strip(), "first_name": post.get("first_name", "").strip(),
            "last_name": post.get("last_name", "").strip(), "language": post.get("language", "fr"),
            "role": post.get("role", ""), "unmasked_access": checked(post, "unmasked_access")}


@console_page
def users(request):
    errors, values = {}, {"language": "fr", "role": "", "brand": request.GET.get("brand", "")}
    if request.method == "POST":
        values = {**_values(request.POST), "username": request.POST.get("username", "").strip(),
                  "brand": request.POST.get("brand", "")}
        try:
            user = actions.create_user(request.user, brand=_brand(request.user, values["brand"]),
                                       **{k: v for k, v in values.items() if k != "brand"})
        except ValidationError as exc:
            errors = errors_of(exc)
        except PermissionDenied as exc:
            errors = {"role": [str(exc)]}
        else:
            messages.success(request, _("User created. Send them the invitation link below."))
            return redirect("console-user", user_id=user.pk)
    rows = manageable(request.user)
    if request.GET.get("brand"):
        rows = rows.filter(brand__slug=request.GET["brand"])
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "console/users.html", {
        "page": page, "roles": _roles(request.user), "brands": administered_brands(request.user),
        "values": values, "errors": errors, "is_admin": access.is_admin(request.user),
    }, status=422 if errors else 200)


@console_page
def user(request, user_id: int):
    item = manageable(request.user).filter(pk=user_id).first()
    if item is None:
        raise Http404("no such user")
    errors = {}
    if request.method == "POST":
        values = _values(request.POST)
        values["is_active"] = checked(request.POST, "is_active")
        if item.role == Role.AGENT:
            values.pop("role")  # agents change on their agent page
        try:
            values["brand"] = _brand(request.user, request.POST.get("brand", ""))
            actions.update_user(request.user, item, **values)
        except ValidationError as exc:
            errors = errors_of(exc)
            item.refresh_from_db()
        except PermissionDenied as exc:
            errors = {"role": [str(exc)]}
            item.refresh_from_db()
        else:
            messages.success(request, _("User saved."))
            return redirect("console-user", user_id=item.pk)
    invite = None
    if not item.has_usable_password() and item.is_active:
        invite = request.build_absolute_uri(actions.invite_path(item))
    return render(request, "console/user.html", {
        "item": item, "roles": _roles(request.user), "brands": administered_brands(request.user),
        "errors": errors, "invite": invite, "is_self": item.pk == request.user.pk,
        "agent": getattr(item, "agent", None) if item.role == Role.AGENT else None,
    }, status=422 if errors else 200)


@console_page
@require_POST
def invite_send(request, user_id: int):
    """Mail the invitation (the link is made when the mail leaves)."""
    item = manageable(request.user).filter(pk=user_id).first()
    if item is None:
        raise Http404("no such user")
    try:
        actions.send_invitation(request.user, item)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in errors_of(exc).values() for m in ms))
    else:
        messages.success(request, _("The invitation is on its way to %(email)s.") % {"email": item.email})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "console-user", **({} if back else {"user_id": item.pk}))
