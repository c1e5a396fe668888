"""Scorecards and their scoring: sections and weighted criteria, N/A re-basing, critical
criteria, an optional bonus section.

Scoring rules (docs/quality.md):

- a criterion's fraction is ``(value - lowest) / (highest - lowest)`` on its scale;
- a section's score is the weighted mean of its criteria's fractions, N/A criteria left out of
  both sides (the section is re-based on the remaining points); a section whose criteria are
  all N/A drops out of the review;
- the review's score is the weighted mean of its sections' scores, in percent;
- the bonus section adds ``weight x fraction`` over the total weight of the regular sections,
  so a score may pass 100 %;
- a *critical* criterion scored at the lowest point of its scale fails the whole review
  (score 0) or its section (the section scores 0), as the criterion says.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class ScorecardError(ValueError):
    """A scorecard definition or a set of answers does not hold together."""


class Scale(StrEnum):
    BINARY = "binary"  # 0 / 1
    THREE = "3"  # 1..3
    FOUR = "4"  # 1..4
    FIVE = "5"  # 1..5
    TEN = "10"  # 0..10


SCALE_RANGE: dict[Scale, tuple[int, int]] = {
    Scale.BINARY: (0, 1), Scale.THREE: (1, 3), Scale.FOUR: (1, 4), Scale.FIVE: (1, 5),
    Scale.TEN: (0, 10),
}


class Level(StrEnum):
    """Level of measurement, for agreement between reviewers (Krippendorff's alpha)."""

    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    INTERVAL = "interval"
    RATIO = "ratio"


# the level a scale is read at unless the criterion says otherwise
DEFAULT_LEVEL = {Scale.BINARY: Level.NOMINAL, Scale.THREE: Level.ORDINAL, Scale.FOUR: Level.ORDINAL,
                 Scale.FIVE: Level.ORDINAL, Scale.TEN: Level.INTERVAL}


class Critical(StrEnum):
    NO = ""
    REVIEW = "review"  # failing it fails the whole review
    SECTION = "section"  # failing it fails its section


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    scale: Scale = Scale.FIVE
    weight: Decimal = Decimal(1)
    na_allowed: bool = False
    critical: Critical = Critical.NO
    level: Level | None = None
    help: str = ""

    @property
    def lowest(self) -> int:
        return SCALE_RANGE[self.scale][0]

    @property
    def highest(self) -> int:
        return SCALE_RANGE[self.scale][1]

    @property
    def agreement_level(self) -> Level:
        return self.level or DEFAULT_LEVEL[self.scale]

    def fraction(self, value: int) -> Decimal:
        return Decimal(value - self.lowest) / Decimal(self.highest - self.lowest)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    criteria: tuple[Criterion, ...]
    weight: Decimal = Decimal(1)
    bonus: bool = False


@dataclass(frozen=True)
class Scorecard:
    sections: tuple[Section, ...]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.sections for c in s.criteria)

    def criterion(self, key: str) -> Criterion:
        for c in self.criteria:
            if c.key == key:
                return c
        raise KeyError(key)

    @classmethod
    def from_dict(cls, data: Any) -> Scorecard:
        """Read and check a definition ``{"sections": [{"key", "label", "weight", "bonus",
        "criteria": [{"key", "label", "scale", "weight", "na_allowed", "critical", "level"}]}]}``."""
        if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
            raise ScorecardError("sections: a list of sections is required")
        sections, keys = [], set()
        for i, s in enumerate(data["sections"]):
            where = f"sections[{i}]"
            if not isinstance(s, dict) or not str(s.get("key", "")).strip():
                raise ScorecardError(f"{where}.key: required")
            criteria = []
            for j, c in enumerate(s.get("criteria") or []):
                cw = f"{where}.criteria[{j}]"
                if not isinstance(c, dict) or not str(c.get("key", "")).strip():
                    raise ScorecardError(f"{cw}.key: required")
                key = str(c["key"]).strip()
                if key in keys:
                    raise ScorecardError(f"{cw}.key: {key!r} is used twice")
                keys.add(key)
                try:
                    scale = Scale(str(c.get("scale", "5")))
                except ValueError:
                    raise ScorecardError(f"{cw}.scale: one of {[x.value for x in Scale]}") from None
                try:
                    critical = Critical(c.get("critical") or "")
                    level = Level(c["level"]) if c.get("level") else None
                except ValueError as exc:
                    raise ScorecardError(f"{cw}: {exc}") from None
                weight = _weight(c.get("weight", 1), f"{cw}.weight")
                criteria.append(Criterion(
                    key=key, label=str(c.get("label") or key), scale=scale, weight=weight,
                    na_allowed=bool(c.get("na_allowed", False)), critical=critical, level=level,
                    help=str(c.get("help") or ""),
                ))
            if not criteria:
                raise ScorecardError(f"{where}.criteria: at least one criterion")
            sections.append(Section(key=str(s["key"]).strip(), label=str(s.get("label") or s["key"]),
                                    criteria=tuple(criteria), weight=_weight(s.get("weight", 1), f"{where}.weight"),
                                    bonus=bool(s.get("bonus", False))))
        if not any(not s.bonus for s in sections):
            raise ScorecardError("sections: at least one section that is not a bonus")
        if sum(1 for s in sections if s.bonus) > 1:
            raise ScorecardError("sections: at most one bonus section")
        return cls(sections=tuple(sections))

    def to_dict(self) -> dict:
        return {"sections": [
            {"key": s.key, "label": s.label, "weight": str(s.weight), "bonus": s.bonus,
             "criteria": [{"key": c.key, "label": c.label, "scale": c.scale.value,
                           "weight": str(c.weight), "na_allowed": c.na_allowed,
                           "critical": c.critical.value, "level": c.level.value if c.level else "",
                           "help": c.help}
                          for c in s.criteria]}
            for s in self.sections]}


def _weight(value: Any, where: str) -> Decimal:
    try:
        weight = Decimal(str(value))
    except ArithmeticError:
        raise ScorecardError(f"{where}: a number") from None
    if not weight.is_finite() or weight <= 0:
        raise ScorecardError(f"{where}: a positive number")
    return weight


@dataclass(frozen=True)
class SectionResult:
    key: str
    score: Decimal | None  # percent of the section; None when all N/A
    failed: bool


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal  # percent, two places; may pass 100 with a bonus
    sections: tuple[SectionResult, ...]
    critical_failed: str  # key of the criterion that failed the review, or ""
    not_applicable: int


PLACES = Decimal("0.01")


def score(card: Scorecard, answers: dict[str, int | None]) -> ScoreResult:
    """Score answers ``{criterion key: value, or None for N/A}``; every criterion answered."""
    unknown = set(answers) - {c.key for c in card.criteria}
    if unknown:
        raise ScorecardError(f"answers: unknown criteria {sorted(unknown)}")
    for c in card.criteria:
        if c.key not in answers:
            raise ScorecardError(f"{c.key}: not scored")
        value = answers[c.key]
        if value is None:
            if not c.na_allowed:
                raise ScorecardError(f"{c.key}: N/A is not allowed for this criterion")
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not c.lowest <= value <= c.highest:
            raise ScorecardError(f"{c.key}: a whole number from {c.lowest} to {c.highest}")
    results, earned, possible, bonus = [], Decimal(0), Decimal(0), Decimal(0)
    failed_review = ""
    na = sum(1 for v in answers.values() if v is None)
    for s in card.sections:
        scored = [(c, answers[c.key]) for c in s.criteria if answers[c.key] is not None]
        if not scored:
            results.append(SectionResult(s.key, None, False))
            continue
        failed = False
        for c, v in scored:
            if c.critical != Critical.NO and v == c.lowest:
                if c.critical == Critical.REVIEW and not failed_review:
                    failed_review = c.key
                failed = True
        total = sum((c.weight for c, _ in scored), Decimal(0))
        fraction = Decimal(0) if failed else sum((c.weight * c.fraction(v) for c, v in scored), Decimal(0)) / total
        results.append(SectionResult(s.key, (100 * fraction).quantize(PLACES, ROUND_HALF_UP), failed))
        if s.bonus:
            bonus += s.weight * fraction
        else:
            earned += s.weight * fraction
            possible += s.weight
    if possible == 0:
        raise ScorecardError("answers: every regular criterion is N/A, nothing to score")
    value = Decimal(0) if failed_review else 100 * (earned + bonus) / possible
    return ScoreResult(value.quantize(PLACES, ROUND_HALF_UP), tuple(results), failed_review, na)
