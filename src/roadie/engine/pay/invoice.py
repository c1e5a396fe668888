"""Brand invoices from the brand's contract (plain data) and the month's usage: per handled
contact by channel, per handled minute (voice, video), per productive hour, or a mix;
service-level credits from a tiered table; VAT at 20 %."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from roadie.engine.pay.labels import Part, part, render
from roadie.engine.pay.money import ZERO, cents, money, vat
from roadie.engine.pay.rules import CHANNELS, RuleError

DEFAULT_CONTRACT: dict = {
    "per_contact": {"email": "2.40", "chat": "3.00", "whatsapp": "3.00", "social": "2.40"},
    "per_minute": {"voice": "0.95", "video": "1.40"},
    "per_productive_hour": "0",
    # Credit (share of the channel's amount) by how far the month's service level is under
    # target: the largest tier whose shortfall is reached applies.
    "sl_credits": [{"shortfall": "0", "credit": "0.02"}, {"shortfall": "0.05", "credit": "0.05"},
                   {"shortfall": "0.10", "credit": "0.10"}],
    "payment_days": 30,
}


@dataclass(frozen=True)
class Contract:
    per_contact: Mapping[str, Decimal]
    per_minute: Mapping[str, Decimal]
    per_productive_hour: Decimal
    sl_credits: tuple[tuple[Decimal, Decimal], ...]
    payment_days: int


def parse_contract(data: Mapping) -> Contract:
    if not isinstance(data, Mapping):
        raise RuleError("contract: must be an object")
    unknown = set(data) - set(DEFAULT_CONTRACT)
    if unknown:
        raise RuleError(f"{sorted(unknown)[0]}: unknown contract term")
    merged = {**DEFAULT_CONTRACT, **data}

    def rates(key: str) -> dict[str, Decimal]:
        table = merged[key]
        if not isinstance(table, Mapping) or set(table) - set(CHANNELS):
            raise RuleError(f"{key}: keys must be channels among {CHANNELS}")
        try:
            return {k: money(v) for k, v in table.items()}
        except (TypeError, ArithmeticError, ValueError):
            raise RuleError(f"{key}: amounts are decimal strings") from None

    try:
        tiers = tuple(sorted((money(t["shortfall"]), money(t["credit"])) for t in merged["sl_credits"]))
        hourly = money(merged["per_productive_hour"])
    except (KeyError, TypeError, ArithmeticError, ValueError):
        raise RuleError("sl_credits: a list of {shortfall, credit} decimal strings") from None
    if any(c < 0 or c > 1 for _, c in tiers):
        raise RuleError("sl_credits.credit: a share between 0 and 1")
    return Contract(per_contact=rates("per_contact"), per_minute=rates("per_minute"),
                    per_productive_hour=hourly, sl_credits=tiers,
                    payment_days=int(merged["payment_days"]))


@dataclass(frozen=True)
class ChannelUsage:
    channel: str
    contacts: int
    handled_seconds: int
    answered_in_target: int
    offered: int
    target: Decimal  # service-level target, e.g. 0.80

    @property
    def service_level(self) -> Decimal | None:
        if not self.offered:
            return None
        return (Decimal(self.answered_in_target) / Decimal(self.offered)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class InvoiceLine:
    code: str
    channel: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    parts: tuple[Part, ...] = ()  # the description as codes (roadie.engine.pay.labels)


@dataclass(frozen=True)
class InvoiceDraft:
    lines: tuple[InvoiceLine, ...]
    net: Decimal
    vat: Decimal
    total: Decimal


def credit_share(contract: Contract, usage: ChannelUsage) -> Decimal:
    level = usage.service_level
    if level is None or level >= usage.target:
        return ZERO
    shortfall = usage.target - level
    share = ZERO
    for threshold, credit in contract.sl_credits:
        if shortfall >= threshold:
            share = credit
    return share


def _line(code: str, channel: str, quantity: Decimal, unit_price: Decimal, amount: Decimal,
          **args: str) -> InvoiceLine:
    parts = (part(f"invoice_{code}", channel=channel, **args),)
    return InvoiceLine(code, channel, render(parts), quantity, unit_price, amount, parts)


def draft_invoice(contract: Contract, usage: Sequence[ChannelUsage]) -> InvoiceDraft:
    lines: list[InvoiceLine] = []
    for u in sorted(usage, key=lambda u: u.channel):
        channel_lines = []
        minutes = (Decimal(u.handled_seconds) / 60).quantize(Decimal("0.01"))
        if u.channel in contract.per_contact and u.contacts:
            price = contract.per_contact[u.channel]
            channel_lines.append(_line("contacts", u.channel, Decimal(u.contacts), price,
                                       cents(u.contacts * price)))
        if u.channel in contract.per_minute and u.handled_seconds:
            price = contract.per_minute[u.channel]
            channel_lines.append(_line("minutes", u.channel, minutes, price, cents(minutes * price)))
        if contract.per_productive_hour and u.handled_seconds:
            hours = (Decimal(u.handled_seconds) / 3600).quantize(Decimal("0.01"))
            channel_lines.append(_line("hours", u.channel, hours, contract.per_productive_hour,
                                       cents(hours * contract.per_productive_hour)))
        lines.extend(channel_lines)
        share = credit_share(contract, u)
        if share:
            base = sum((li.amount for li in channel_lines), ZERO)
            lines.append(_line("sl_credit", u.channel, Decimal("1"), -cents(base * share),
                               -cents(base * share), service_level=f"{u.service_level:.2%}",
                               target=f"{u.target:.0%}", credit=f"{share:.0%}"))
    net = sum((li.amount for li in lines), ZERO)
    tax = vat(net)
    return InvoiceDraft(tuple(lines), net, tax, net + tax)
