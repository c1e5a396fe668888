"""The console's front page: the sections this user may open."""

from __future__ import annotations

from django.shortcuts import render

from roadie.desk.accounts import access
from roadie.desk.brands.models import Brand
from roadie.desk.web.guards import console_page


@console_page
def index(request):
    user = request.user
    brands = Brand.objects.all() if access.is_admin(user) else Brand.objects.filter(pk=user.brand_id)
    return render(request, "console/index.html", {"brands": brands, "is_admin": access.is_admin(user)})
