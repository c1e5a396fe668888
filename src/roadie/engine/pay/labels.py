"""What a pay line or an invoice line says, as codes with arguments: the engine renders them
in English (the ledger's ``label``, the CSV files); the desk renders the same codes in the
reader's language through gettext (``roadie.desk.pay.labels``).

A label is a tuple of parts, each ``(code, ((name, value), ...))`` with string values,
joined by "; ". ``gettext_noop`` only marks the templates for the message catalogue (the
engine does not import Django)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping


def gettext_noop(message: str) -> str:
    return message


Part = tuple[str, tuple[tuple[str, str], ...]]

LABELS: dict[str, str] = {
    # contact lines
    "contact": gettext_noop("%(channel)s contact #%(contact)s"),
    "rate": gettext_noop("rate %(rate)s"),
    "long_call": gettext_noop("+%(minutes)s min past %(threshold)s × %(per_minute)s"),
    "quality": gettext_noop("quality ×%(multiplier)s"),
    "night": gettext_noop("night +%(percent)s %%"),
    "sunday": gettext_noop("Sunday +%(percent)s %%"),
    "escalated_resolver": gettext_noop("escalated, paid to the resolver"),
    # premium calls
    "premium_share": gettext_noop(
        "premium call on %(line)s: %(seconds)s s × %(price)s €/min = %(revenue)s €, "
        "share %(share)s %%"),
    "premium_revenue": gettext_noop("premium call on %(line)s: %(seconds)s s"),
    # booked slots
    "slot_fixed": gettext_noop("slot %(when)s: %(hours)s h attended × %(rate)s €"),
    "slot_bonus": gettext_noop("slot bonus %(when)s"),
    # minimum earnings
    "true_up": gettext_noop(
        "minimum earnings: %(hours)s h × %(rate)s € = %(floor)s €, earned %(earned)s €"),
    # collective bonus
    "team_bonus": gettext_noop("team bonus %(pool)s %(week)s: service level %(service_level)s met"),
    "team_bonus_csat": gettext_noop(
        "team bonus %(pool)s %(week)s: service level %(service_level)s, CSAT %(csat)s met"),
    "team_minutes": gettext_noop("%(minutes)s handled min × quality %(multiplier)s"),
    # legs the desk writes
    "vat_self_invoice": gettext_noop("VAT 20 %% on self-billed invoice %(number)s"),
    "payout": gettext_noop("payout for %(period)s"),
    "brand_invoice": gettext_noop("invoice %(number)s"),
    "reversal": gettext_noop("reversal"),
    "contest_correction": gettext_noop("correction after contest: %(decision)s"),
    # brand invoice lines
    "invoice_contacts": gettext_noop("%(channel)s: handled contacts"),
    "invoice_minutes": gettext_noop("%(channel)s: handled minutes"),
    "invoice_hours": gettext_noop("%(channel)s: productive hours"),
    "invoice_sl_credit": gettext_noop(
        "%(channel)s: service level %(service_level)s under target %(target)s, credit %(credit)s"),
}

# Arguments whose value is itself a word to translate.
CHANNEL_NAMES: dict[str, str] = {
    "email": gettext_noop("email"), "chat": gettext_noop("chat"),
    "whatsapp": gettext_noop("WhatsApp"), "social": gettext_noop("social"),
    "voice": gettext_noop("voice"), "video": gettext_noop("video"),
}


# Arguments whose value is a number (a decimal or a count), which the desk writes in the
# reader's locale; ids, phone numbers, periods and invoice numbers are not among them.
NUMBERS = frozenset({
    "rate", "minutes", "threshold", "per_minute", "multiplier", "percent", "seconds", "price",
    "revenue", "share", "hours", "floor", "earned", "service_level", "csat", "target", "credit",
})


def part(code: str, **args: object) -> Part:
    if code not in LABELS:
        raise KeyError(f"no pay label {code!r}")
    return (code, tuple((k, str(v)) for k, v in sorted(args.items())))


def render(parts: Iterable[Part | list], *, translate: Callable[[str], str] | None = None,
           number: Callable[[str], str] | None = None, separator: str = "; ") -> str:
    """The parts as text: English by default, or through ``translate`` (gettext); ``number``
    rewrites the value of each argument of ``NUMBERS`` (the desk's locale formatting)."""
    tr = translate or (lambda s: s)
    out = []
    for code, args in parts:
        values: Mapping[str, str] = dict(args)
        if "channel" in values:
            values = {**values, "channel": tr(CHANNEL_NAMES.get(values["channel"], values["channel"]))}
        if number is not None:
            values = {k: number(v) if k in NUMBERS else v for k, v in values.items()}
        out.append(tr(LABELS[code]) % values)
    return separator.join(out)


def as_data(parts: Iterable[Part]) -> list[list]:
    """JSON form (stored on ledger legs and invoice lines): ``[[code, {name: value}], ...]``."""
    return [[code, dict(args)] for code, args in parts]


def from_data(data) -> tuple[Part, ...]:
    """Back from the JSON form; unknown codes raise KeyError."""
    return tuple(part(code, **dict(args)) for code, args in (data or ()))
