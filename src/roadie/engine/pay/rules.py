"""Pay rules as versioned plain data.

A rule set is a dict of plain values (decimal strings, integers, lists) with a code, a
version, an effective date and a scope (any of brand, pool, channel). Versions are never
edited: a change is a new version with a later effective date. ``select`` picks, for one
event, the most specific rule set in scope whose version is in effect at the event's time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from roadie.engine.pay.money import money

CHANNELS = ("email", "chat", "whatsapp", "social", "voice", "video")
ESCALATED_POLICIES = ("resolver", "unpaid")

# The operator's default rule set (version 1); docs/pay.md explains each value.
DEFAULT_RULES: dict = {
    "contact_rate": {"email": "0.90", "chat": "1.10", "whatsapp": "1.10", "social": "0.90",
                     "voice": "1.40", "video": "2.00"},
    "long_call": {"channels": ["voice", "video"], "threshold_minutes": 8, "per_extra_minute": "0.10"},
    "night": {"start_hour": 22, "end_hour": 6, "premium": "0.25"},
    "sunday": {"premium": "0.50"},
    "quality_bands": [{"min": "0", "multiplier": "0.90"}, {"min": "60", "multiplier": "1.00"},
                      {"min": "80", "multiplier": "1.10"}, {"min": "90", "multiplier": "1.20"}],
    "fixed_per_attended_hour": "2.00",
    "minimum_per_attended_hour": "12.00",
    "reopen_window_days": 7,
    "escalated": "resolver",
    "premium_share": "0.60",
    "collective": {"pot": "150.00", "service_level_target": "0.80", "csat_target": "0.80"},
}


class RuleError(ValueError):
    """Rule data that cannot be used; the message names the field."""


@dataclass(frozen=True)
class QualityBand:
    min: Decimal
    multiplier: Decimal


@dataclass(frozen=True)
class Rules:
    """One version of one rule set, parsed and checked."""

    code: str
    version: int
    effective_from: dt.date
    brand: str | None = None
    pool: str | None = None
    channel: str | None = None
    contact_rate: Mapping[str, Decimal] = field(default_factory=dict)
    long_channels: frozenset[str] = frozenset()
    long_threshold_minutes: int = 0
    long_per_extra_minute: Decimal = Decimal("0")
    night_start_hour: int = 22
    night_end_hour: int = 6
    night_premium: Decimal = Decimal("0")
    sunday_premium: Decimal = Decimal("0")
    quality_bands: tuple[QualityBand, ...] = ()
    fixed_per_attended_hour: Decimal = Decimal("0")
    minimum_per_attended_hour: Decimal = Decimal("0")
    reopen_window_days: int = 0
    escalated: str = "resolver"
    premium_share: Decimal = Decimal("0.60")
    pot: Decimal = Decimal("0")
    pot_service_level_target: Decimal = Decimal("1")
    pot_csat_target: Decimal = Decimal("5")

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    def quality_multiplier(self, index: Decimal | None) -> Decimal:
        """The multiplier of the band ``index`` (0-100) falls in; 1 without an index."""
        if index is None or not self.quality_bands:
            return Decimal("1")
        chosen = Decimal("1")
        for band in self.quality_bands:
            if index >= band.min:
                chosen = band.multiplier
        return chosen


def _dec(data: Mapping, key: str, path: str) -> Decimal:
    try:
        value = money(data[key])
    except KeyError:
        raise RuleError(f"{path}{key}: missing") from None
    except (TypeError, ArithmeticError, ValueError):
        raise RuleError(f"{path}{key}: not a decimal string: {data[key]!r}") from None
    if value < 0:
        raise RuleError(f"{path}{key}: must not be negative")
    return value


def parse(data: Mapping, *, code: str, version: int, effective_from: dt.date,
          brand: str | None = None, pool: str | None = None, channel: str | None = None) -> Rules:
    """Check rule data and build ``Rules``; raises ``RuleError`` naming the bad field."""
    if not isinstance(data, Mapping):
        raise RuleError("rules: must be an object")
    unknown = set(data) - set(DEFAULT_RULES)
    if unknown:
        raise RuleError(f"{sorted(unknown)[0]}: unknown rule")
    merged = {**DEFAULT_RULES, **data}
    rates = merged["contact_rate"]
    if not isinstance(rates, Mapping) or set(rates) - set(CHANNELS):
        raise RuleError(f"contact_rate: keys must be channels among {CHANNELS}")
    long = merged["long_call"]
    night = merged["night"]
    bands = merged["quality_bands"]
    if not isinstance(bands, list):
        raise RuleError("quality_bands: must be a list")
    parsed_bands = tuple(sorted(
        (QualityBand(_dec(b, "min", "quality_bands."), _dec(b, "multiplier", "quality_bands."))
         for b in bands), key=lambda b: b.min))
    if merged["escalated"] not in ESCALATED_POLICIES:
        raise RuleError(f"escalated: must be one of {ESCALATED_POLICIES}")
    share = _dec(merged, "premium_share", "")
    if share > 1:
        raise RuleError("premium_share: must be at most 1")
    for key in ("start_hour", "end_hour"):
        if not isinstance(night.get(key), int) or not 0 <= night[key] <= 23:
            raise RuleError(f"night.{key}: an hour from 0 to 23")
    for key in ("reopen_window_days",):
        if not isinstance(merged[key], int) or merged[key] < 0:
            raise RuleError(f"{key}: a whole number of days, 0 or more")
    if not isinstance(long.get("threshold_minutes"), int) or long["threshold_minutes"] < 0:
        raise RuleError("long_call.threshold_minutes: a whole number of minutes")
    collective = merged["collective"]
    return Rules(
        code=code, version=version, effective_from=effective_from, brand=brand, pool=pool,
        channel=channel,
        contact_rate={k: _dec(rates, k, "contact_rate.") for k in rates},
        long_channels=frozenset(long.get("channels", [])),
        long_threshold_minutes=long["threshold_minutes"],
        long_per_extra_minute=_dec(long, "per_extra_minute", "long_call."),
        night_start_hour=night["start_hour"], night_end_hour=night["end_hour"],
        night_premium=_dec(night, "premium", "night."),
        sunday_premium=_dec(merged["sunday"], "premium", "sunday."),
        quality_bands=parsed_bands,
        fixed_per_attended_hour=_dec(merged, "fixed_per_attended_hour", ""),
        minimum_per_attended_hour=_dec(merged, "minimum_per_attended_hour", ""),
        reopen_window_days=merged["reopen_window_days"],
        escalated=merged["escalated"], premium_share=share,
        pot=_dec(collective, "pot", "collective."),
        pot_service_level_target=_dec(collective, "service_level_target", "collective."),
        pot_csat_target=_dec(collective, "csat_target", "collective."),
    )


def select(rule_sets: Iterable[Rules], *, at: dt.date, brand: str | None = None,
           pool: str | None = None, channel: str | None = None) -> Rules:
    """The most specific rule set in scope (brand > channel > pool > operator-wide), in its
    version effective on ``at``."""
    best: tuple | None = None
    chosen: Rules | None = None
    for r in rule_sets:
        if r.effective_from > at:
            continue
        if (r.brand and r.brand != brand) or (r.pool and r.pool != pool) or (
                r.channel and r.channel != channel):
            continue
        rank = (bool(r.brand) * 4 + bool(r.channel) * 2 + bool(r.pool), r.effective_from,
                r.version, r.code)
        if best is None or rank > best:
            best, chosen = rank, r
    if chosen is None:
        raise RuleError(f"no pay rules in effect on {at} for brand={brand} channel={channel}")
    return chosen
