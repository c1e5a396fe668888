"""Console pages of the agents (operator administrator): onboard one (their user, an invite
link to set a password), certifications per brand (regular or not), skills with levels,
spoken languages and sign language, capacity and the most contacts at once per channel, the
weekend relay, active or not. Writes go
through ``roadie.desk.agents.actions`` (the same path as the REST API)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from roadie.desk.accounts import access
from roadie.desk.accounts.actions import invite_path
from roadie.desk.agents import actions
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Brand, ChannelKind
from roadie.desk.console.views.common import checked, errors_of, words
from roadie.desk.web.guards import role_page

admin_page = role_page(access.is_admin, "the operator administrator only")


def parse_skills(text: str) -> list[actions.SkillLevel]:
    """``"returns:4, billing"`` → skills (level 3 when not given)."""
    out = []
    for word in words(text):
        name, _sep, level = word.partition(":")
        try:
            out.append(actions.SkillLevel(name=name.strip().lower(), level=int(level) if level else 3))
        except ValueError:
            raise ValidationError({"skills": [_("%(w)s: write name:level (1 to 5)") % {"w": word}]}) from None
    return out


def _certs(post) -> list[actions.Cert]:
    return [actions.Cert(brand=slug, regular=checked(post, f"regular-{slug}")) for slug in post.getlist("brands")]


def _limits(post) -> dict[str, str]:
    """The per-channel fields ``limit-<channel>``; an empty one means no limit of its own."""
    return {kind: post.get(f"limit-{kind}", "").strip() for kind in ChannelKind.values
            if post.get(f"limit-{kind}", "").strip()}


def limit_rows(limits) -> list[tuple[str, str, str]]:
    """(channel, label, value) for the form, in the channels' order."""
    limits = limits if isinstance(limits, dict) else {}
    return [(kind, label, limits.get(kind, "")) for kind, label in ChannelKind.choices]


def _values(post) -> dict:
    return {"channel_limits": _limits(post), "username": post.get("username", "").strip(), "email": post.get("email", "").strip(),
            "first_name": post.get("first_name", "").strip(), "last_name": post.get("last_name", "").strip(),
            "language": post.get("language", "fr"), "languages": words(post.get("languages", "")),
            "sign_language": checked(post, "sign_language"), "capacity": post.get("capacity", "6"),
            "is_backup": checked(post, "is_backup")}


def _form_context(**extra) -> dict:
    return {"all_brands": Brand.objects.order_by("name"), "errors": {}, **extra}


@admin_page
def agents(request):
    errors, values, certs = {}, {"languages": ["fr"], "capacity": 6, "language": "fr", "channel_limits": {}}, {}
    if request.method == "POST":
        values = _values(request.POST)
        certs = {c.brand: c.regular for c in _certs(request.POST)}
        try:
            agent = actions.create_agent(request.user, certifications=_certs(request.POST),
                                         skills=parse_skills(request.POST.get("skills", "")), **values)
        except ValidationError as exc:
            errors = errors_of(exc)
        else:
            messages.success(request, _("Agent created. Send them the invitation link below."))
            return redirect("console-agent", agent_id=agent.pk)
        values["skills"] = request.POST.get("skills", "")
    values["limits"] = limit_rows(values["channel_limits"])
    rows = Agent.objects.select_related("user").prefetch_related("certifications__brand").order_by("user__username")
    return render(request, "console/agents.html", _form_context(
        agents=rows, values=values, certs=certs, errors=errors), status=422 if errors else 200)


@admin_page
def agent(request, agent_id: int):
    item = get_object_or_404(Agent.objects.select_related("user"), pk=agent_id)
    errors = {}
    if request.method == "POST":
        values = _values(request.POST)
        values.pop("username")
        values["is_active"] = checked(request.POST, "is_active")
        try:
            actions.update_agent(request.user, item, certifications=_certs(request.POST),
                                 skills=parse_skills(request.POST.get("skills", "")), **values)
        except (ValidationError, PermissionDenied) as exc:
            errors = errors_of(exc) if isinstance(exc, ValidationError) else {"form": [str(exc)]}
            item = Agent.objects.select_related("user").get(pk=item.pk)
            item.channel_limits = values["channel_limits"]  # shown as typed, with the error
        else:
            messages.success(request, _("Agent saved."))
            return redirect("console-agent", agent_id=item.pk)
    certs = {c.brand.slug: c.regular for c in item.certifications.select_related("brand")}
    invite = None
    if not item.user.has_usable_password() and item.user.is_active:
        invite = request.build_absolute_uri(invite_path(item.user))
    return render(request, "console/agent.html", _form_context(
        agent=item, certs=certs, invite=invite, errors=errors,
        values={"email": item.user.email, "first_name": item.user.first_name, "last_name": item.user.last_name,
                "language": item.user.language, "languages": item.languages, "sign_language": item.sign_language,
                "capacity": item.capacity, "is_backup": item.is_backup,
                "limits": limit_rows(item.channel_limits),
                "skills": ", ".join(f"{s.name}:{s.level}" for s in item.skills.order_by("name"))}),
        status=422 if errors else 200)
