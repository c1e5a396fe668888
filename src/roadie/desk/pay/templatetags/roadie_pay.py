"""The navigation link to the money pages, for whoever has money to see."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from roadie.desk.accounts.access import brand_scope, can_handle_money

register = template.Library()


@register.simple_tag
def money_nav(user):
    if can_handle_money(user):
        return format_html('<li><a href="{}">{}</a></li>', reverse("pay-finance"), _("Money"))
    if brand_scope(user) is not None:
        return format_html('<li><a href="{}">{}</a></li>', reverse("pay-invoices"), _("Invoices"))
    if getattr(user, "is_authenticated", False) and hasattr(user, "agent"):
        return format_html('<li><a href="{}">{}</a></li>', reverse("pay-mine"), _("My pay"))
    return ""


@register.filter
def pay_label(entry) -> str:
    """A ledger leg's label in the reader's language."""
    from roadie.desk.pay.labels import entry_text

    return entry_text(entry)


@register.filter
def invoice_line(line: dict) -> str:
    """A brand invoice line's description in the reader's language."""
    from roadie.desk.pay.labels import invoice_line_text

    return invoice_line_text(line)


@register.filter
def channel_name(code: str) -> str:
    from roadie.engine.pay.labels import CHANNEL_NAMES

    return _(CHANNEL_NAMES.get(code, code))
