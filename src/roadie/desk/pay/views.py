"""Money pages: a roadie's statements (read, download, contest a line), finance (close a
period, decide contests, premium-line guarantee, proof of the books), brand invoices."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts.access import can_handle_money
from roadie.desk.pay import actions, documents, lib
from roadie.desk.pay.models import Contest, ContestStatus, RuleSet, SelfBilledInvoice, Statement
from roadie.desk.web.guards import role_page

money_page = role_page(can_handle_money, "finance only")


@login_required
def mine(request):
    agent = lib.agent_for_statement(request.user, request.GET.get("agent"))
    periods = list(Statement.objects.filter(agent=agent).values_list("period", flat=True))
    period = request.GET.get("period") or (periods[0] if periods else "")
    data = lib.statement_json(agent=agent, period=period) if period else None
    invoice = SelfBilledInvoice.objects.filter(agent=agent, period=period).first() if period else None
    contested = {c.entry_id: c for c in Contest.objects.filter(agent=agent)}
    if data:
        for line in data["lines"]:
            line["contest"] = contested.get(line["id"])
    return render(request, "roadie/pay/mine.html", {
        "agent": agent, "periods": periods, "period": period, "statement": data, "invoice": invoice,
        "contests": Contest.objects.filter(agent=agent).select_related("entry")[:20],
        "for_finance": agent.user_id != request.user.pk})


@login_required
def statement_file(request, period: str, fmt: str):
    agent = lib.agent_for_statement(request.user, request.GET.get("agent"))
    if fmt == "csv":
        body, kind = lib.statement_csv_from_ledger(agent_id=agent.pk, period=period).encode(), "text/csv; charset=utf-8"
    elif fmt == "pdf":
        from roadie.desk.pay import pdf

        body, kind = pdf.statement_pdf(lib.statement_json(agent=agent, period=period)), "application/pdf"
    else:
        raise Http404("csv or pdf")
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="statement-{agent.user.username}-{period}.{fmt}"'
    return response


@login_required
def self_invoice_file(request, number: str):
    invoice = SelfBilledInvoice.objects.filter(number=number).select_related("agent__user").first()
    if invoice is None or not (can_handle_money(request.user) or invoice.agent.user_id == request.user.pk):
        raise Http404("no such invoice")
    return HttpResponse(documents.self_invoice_pdf(invoice), content_type="application/pdf")


@login_required
@require_POST
def contest(request):
    try:
        actions.open_contest(request.user, entry_id=int(request.POST.get("entry_id", "0")),
                             reason=request.POST.get("reason", ""))
        messages.success(request, _("Your contest is open: finance will review this line."))
    except (actions.PayError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect(f"{request.POST.get('next') or '/pay/'}")


@money_page
def finance(request):
    result = lib.ledger_check() if request.GET.get("check") else None
    return render(request, "roadie/pay/finance.html", {
        "periods": lib.periods(), "check": result,
        "contests": Contest.objects.filter(status=ContestStatus.OPEN).select_related("agent__user", "entry"),
        "premium": lib.premium_report(), "rules": RuleSet.objects.select_related("brand", "pool"),
        "statements": Statement.objects.select_related("agent__user").order_by("-period", "agent__user__username")[:60],
    })


@money_page
@require_POST
def close(request):
    month = request.POST.get("period", "")
    try:
        period, build = actions.close_period(request.user, period=month)
        messages.success(request, _("Period %(period)s closed: %(lines)s pay lines booked.")
                         % {"period": period.month, "lines": len(build.lines)})
    except actions.PayError as exc:
        messages.error(request, str(exc))
    return redirect("pay-finance")


@money_page
@require_POST
def decide(request, contest_id: int):
    try:
        raw = request.POST.get("correction", "").strip()
        correction = Decimal(raw) if raw else None
        actions.decide_contest(request.user, contest_id=contest_id, accept=request.POST.get("accept") == "1",
                               decision=request.POST.get("decision", ""), correction=correction)
        messages.success(request, _("Contest decided."))
    except (actions.PayError, InvalidOperation) as exc:
        messages.error(request, str(exc) or _("correction: a decimal amount"))
    return redirect("pay-finance")


@login_required
def invoices(request):
    rows = lib.visible_invoices(request.user)
    if not can_handle_money(request.user) and request.user.brand_id is None:
        raise PermissionDenied("brand users and finance only")
    return render(request, "roadie/pay/invoices.html", {"invoices": rows})


@login_required
def invoice_page(request, number: str):
    invoice = lib.access_invoice(request.user, number)
    return render(request, "roadie/pay/invoice.html", {"invoice": invoice})


@login_required
def invoice_file(request, number: str, fmt: str):
    invoice = lib.access_invoice(request.user, number)
    if fmt not in ("csv", "pdf", "json"):
        raise Http404("csv, pdf or json")
    kind = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf", "json": "application/json"}[fmt]
    response = HttpResponse(documents.brand_invoice(invoice, fmt=fmt), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.{fmt}"'
    return response
