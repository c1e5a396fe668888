"""The quality index: one documented formula over four components (docs/quality.md).

Components, each with its number of observations and a 95 % interval:

- ``qa_score``: the mean score of the roadie's reviewed contacts (percent, a bonus above 100
  counts as 100 in the index); Student-t interval.
- ``csat``: controllable CSAT, the share of 4 and 5 among the survey answers that count for
  the roadie (low ratings whose reason the roadie could not control are left out); Wilson
  interval.
- ``reopen_rate``: the share of resolved contacts followed by another contact of the same
  customer with the same brand within 7 days; Wilson interval. The index uses 100 - rate.
- ``justified_escalations``: the share of escalations a supervisor judged justified; Wilson
  interval.

A component with fewer observations than its minimum is shown but not used; the weights of
the components used are re-based to 1. When the components used carry less than
``min_weight`` of the nominal weight, the index is ``None`` ("too few observations to say").
The interval of the index is the weighted mean of the component bounds (a conservative
envelope, not a joint confidence interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from scipy.stats import norm, t

ONE_PLACE = Decimal("0.1")


def _d(x: float) -> Decimal:
    return Decimal(repr(float(x))).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndexParameters:
    weight_qa: Decimal = Decimal("0.50")
    weight_csat: Decimal = Decimal("0.30")
    weight_reopen: Decimal = Decimal("0.10")
    weight_escalations: Decimal = Decimal("0.10")
    min_reviews: int = 3
    min_answers: int = 5
    min_resolved: int = 20
    min_escalations: int = 3
    # share of the nominal weight the usable components must carry for the index to exist
    min_weight: Decimal = Decimal("0.60")
    confidence: float = 0.95
    reopen_days: int = 7


INDEX_PARAMETERS = IndexParameters()


@dataclass(frozen=True)
class QualityInputs:
    """Plain counts for one scope (a roadie, a pool or a brand) over one window."""

    review_scores: tuple[float, ...] = ()  # percent per review (may pass 100 with a bonus)
    csat_positive: int = 0  # controllable answers rated 4 or 5
    csat_answers: int = 0  # controllable answers
    reopened: int = 0
    resolved: int = 0
    escalations_justified: int = 0
    escalations_judged: int = 0


@dataclass(frozen=True)
class Component:
    name: str
    value: Decimal | None  # percent, on the component's own scale
    count: int
    low: Decimal | None
    high: Decimal | None
    weight: Decimal  # nominal weight in the index
    minimum: int  # observations needed for the component to be used
    points: Decimal | None  # 0-100, higher is better (what enters the index)

    @property
    def sufficient(self) -> bool:
        return self.value is not None and self.count >= self.minimum


@dataclass(frozen=True)
class QualityIndex:
    value: Decimal | None  # 0-100; None when the sample is too small to say
    low: Decimal | None
    high: Decimal | None
    observations: int
    qa_score: Component
    csat: Component
    reopen_rate: Component
    justified_escalations: Component
    start: datetime | None = None
    end: datetime | None = None
    days: int = 28
    parameters: IndexParameters = field(default=INDEX_PARAMETERS)

    @property
    def components(self) -> tuple[Component, ...]:
        return (self.qa_score, self.csat, self.reopen_rate, self.justified_escalations)

    @property
    def enough(self) -> bool:
        return self.value is not None


def wilson(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (as fractions)."""
    if n <= 0:
        return (0.0, 1.0)
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: tuple[float, ...], *, confidence: float = 0.95,
                  bounds: tuple[float, float] = (0.0, 100.0)) -> tuple[float, float, float]:
    """Mean and Student-t interval, clipped to ``bounds`` (a single value: the whole range)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return (mean, bounds[0], bounds[1])
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * math.sqrt(var / n)
    return (mean, max(bounds[0], mean - half), min(bounds[1], mean + half))


def _proportion(name: str, k: int, n: int, *, weight: Decimal, minimum: int, confidence: float,
                invert: bool = False) -> Component:
    if n <= 0:
        return Component(name, None, 0, None, None, weight, minimum, None)
    lo, hi = wilson(k, n, confidence=confidence)
    value = 100 * k / n
    points = 100 - value if invert else value
    return Component(name, _d(value), n, _d(100 * lo), _d(100 * hi), weight, minimum, _d(points))


def compute_index(inputs: QualityInputs, *, parameters: IndexParameters = INDEX_PARAMETERS,
                  start: datetime | None = None, end: datetime | None = None,
                  days: int = 28) -> QualityIndex:
    p = parameters
    # sorted: the same scores give the same figures whatever order they were read in
    scores = tuple(sorted(float(s) for s in inputs.review_scores))
    if scores:
        capped = tuple(min(100.0, max(0.0, s)) for s in scores)
        mean, lo, hi = mean_interval(capped, confidence=p.confidence)
        raw_mean = sum(scores) / len(scores)
        qa = Component("qa_score", _d(raw_mean), len(scores), _d(lo), _d(hi), p.weight_qa,
                       p.min_reviews, _d(mean))
    else:
        qa = Component("qa_score", None, 0, None, None, p.weight_qa, p.min_reviews, None)
    csat = _proportion("csat", inputs.csat_positive, inputs.csat_answers, weight=p.weight_csat,
                       minimum=p.min_answers, confidence=p.confidence)
    reopen = _proportion("reopen_rate", inputs.reopened, inputs.resolved, weight=p.weight_reopen,
                         minimum=p.min_resolved, confidence=p.confidence, invert=True)
    esc = _proportion("justified_escalations", inputs.escalations_justified,
                      inputs.escalations_judged, weight=p.weight_escalations,
                      minimum=p.min_escalations, confidence=p.confidence)
    components = (qa, csat, reopen, esc)
    observations = sum(c.count for c in components)
    used = [c for c in components if c.sufficient]
    total = sum((c.weight for c in components), Decimal(0))
    weight = sum((c.weight for c in used), Decimal(0))
    value = low = high = None
    if used and total > 0 and weight / total >= p.min_weight:
        value = sum((c.weight * c.points for c in used), Decimal(0)) / weight
        # the reopen component's points fall as its rate rises: its bounds swap
        lows = [(100 - c.high) if c.name == "reopen_rate" else c.low for c in used]
        highs = [(100 - c.low) if c.name == "reopen_rate" else c.high for c in used]
        low = sum((c.weight * b for c, b in zip(used, lows, strict=True)), Decimal(0)) / weight
        high = sum((c.weight * b for c, b in zip(used, highs, strict=True)), Decimal(0)) / weight
        value, low, high = (x.quantize(ONE_PLACE, rounding=ROUND_HALF_UP) for x in (value, low, high))
    return QualityIndex(value=value, low=low, high=high, observations=observations,
                        qa_score=qa, csat=csat, reopen_rate=reopen, justified_escalations=esc,
                        start=start, end=end, days=days, parameters=parameters)
