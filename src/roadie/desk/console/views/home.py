"""The console's front page: the brands this user administers and the sections they may open."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from roadie.desk.accounts import access
from roadie.desk.console.views.common import administered_brands
from roadie.desk.web.guards import console_page


def _sections(user) -> list[tuple[str, str]]:
    wanted = []
    if access.is_admin(user):
        wanted.append((_("Agents"), "console-agents"))
        wanted.append((_("Pools"), "console-pools"))
    wanted.append((_("Users and roles"), "console-users"))
    if access.can_read_audit(user):
        wanted.append((_("Audit log"), "console-audit"))
    out = []
    for label, name in wanted:
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        out.append((label, name))
    return out


@console_page
def index(request):
    user = request.user
    brands = administered_brands(user).annotate(
        n_channels=Count("channels", distinct=True), n_agents=Count("certifications", distinct=True))
    return render(request, "console/index.html", {"brands": brands, "is_admin": access.is_admin(user),
                                                  "people": _sections(user)})
