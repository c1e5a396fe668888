"""GET /identity/confirm/<token>: a visitor opens the link mailed to the address they typed."""

from __future__ import annotations

from django.shortcuts import render

from roadie.desk.contacts import identity


def confirm(request, token: str):
    try:
        customer = identity.confirm(token)
    except identity.ConfirmError as exc:
        return render(request, "roadie/identity_confirm.html", {"error": str(exc)}, status=400)
    return render(request, "roadie/identity_confirm.html", {"brand": customer.brand})
