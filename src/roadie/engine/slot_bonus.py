"""Slot bonuses priced from the queueing model: what one more roadie on a slot adds to the
service level of the slot's intervals, times a budget in euros per point-hour.

The load of each 30-minute interval is the one the published plan staffed for: the largest
offered load (Erlangs) at which the plan's required roadies still meet the target service level
(Erlang C). The gain of the next roadie in an interval with ``b`` booked is the slope between
``b`` and ``b + 1`` of the least concave curve above SL(n) (Erlang C service level with n
roadies): where a queue needs several roadies before it is stable at all, they share the gain.
So a slot where one roadie makes all the difference (a night, a Sunday) pays most, and the bonus
falls as the slot fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np

from roadie.engine.queueing import erlang_c_metrics

CENT = Decimal("0.01")


@dataclass(frozen=True)
class QueueTarget:
    aht_seconds: float = 300.0
    answer_seconds: float = 20.0
    service_level: float = 0.8


def _sl(agents: np.ndarray, load: np.ndarray, target: QueueTarget) -> np.ndarray:
    return erlang_c_metrics(agents=agents, load=load, aht_seconds=target.aht_seconds,
                            answer_seconds=target.answer_seconds).service_level


def implied_load(required: np.ndarray, target: QueueTarget) -> np.ndarray:
    """Per interval, the largest load ``required`` roadies serve at the target (bisection)."""
    required = np.asarray(required, dtype=float)
    lo = np.zeros_like(required)
    hi = np.maximum(required, 0.0)
    for _ in range(40):
        mid = (lo + hi) / 2
        ok = _sl(required, mid, target) >= target.service_level
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return np.where(required > 0, lo, 0.0)


def _concave_envelope(values: np.ndarray) -> np.ndarray:
    """The least concave function above ``values`` (given at 0, 1, 2, ...), at those points."""
    hull: list[int] = []
    for i in range(len(values)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b if it lies under the chord from a to i
            if (values[b] - values[a]) * (i - a) <= (values[i] - values[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.interp(np.arange(len(values)), hull, values[hull])


@lru_cache(maxsize=4096)
def _gain(required: int, booked: int, target: QueueTarget) -> float:
    load = float(implied_load(np.array([float(required)]), target)[0])
    if load <= 0:
        return 0.0
    counts = np.arange(max(required, booked) + 4, dtype=float)
    envelope = _concave_envelope(_sl(counts, np.full_like(counts, load), target))
    return float(min(max(envelope[booked + 1] - envelope[booked], 0.0), 1.0))


def next_roadie_gain(*, required: np.ndarray, booked: np.ndarray,
                     target: QueueTarget) -> np.ndarray:
    """Service-level gain (0..1) of one more roadie, per interval: the slope, between
    ``booked`` and ``booked + 1`` roadies, of the least concave curve above the service level
    as a function of roadies (so the roadies needed to make a queue stable share its gain, and
    the gain never grows as roadies are added)."""
    required = np.asarray(required, dtype=float)
    booked = np.asarray(booked, dtype=float)
    out = [_gain(int(r), int(b), target) for r, b in zip(required.flat, booked.flat,
                                                           strict=True)]
    return np.array(out, dtype=float).reshape(required.shape)


def price(*, gains: np.ndarray, interval_hours: float,
          budget_per_point_hour: Decimal) -> Decimal:
    """Bonus in euros: points of service level gained, per interval hour, times the budget."""
    point_hours = float(np.sum(np.asarray(gains, dtype=float))) * 100.0 * interval_hours
    return (Decimal(str(round(point_hours, 4))) * budget_per_point_hour).quantize(
        CENT, rounding=ROUND_HALF_UP)
