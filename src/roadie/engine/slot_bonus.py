"""Slot bonuses priced from the queueing model: what one more roadie on a slot adds to the
service level of the slot's intervals, times a budget in euros per point-hour.

The load of each 30-minute interval is the one the published plan staffed for: the largest
offered load (Erlangs) at which the plan's required roadies still meet the target service level
(Erlang C). The gain of the next roadie in an interval with ``b`` booked of ``r`` required is the
mean service-level gain per missing roadie, ``(SL(r) - SL(b)) / (r - b)``, or the marginal gain
``SL(b + 1) - SL(b)`` once the interval is covered (the larger of the two while it is not), so a
slot where one roadie makes all the difference (a night, a Sunday) pays most and the bonus falls
as the slot fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


def next_roadie_gain(*, required: np.ndarray, booked: np.ndarray,
                     target: QueueTarget) -> np.ndarray:
    """Service-level gain (0..1) of one more roadie, per interval."""
    required = np.asarray(required, dtype=float)
    booked = np.asarray(booked, dtype=float)
    load = implied_load(required, target)
    now = _sl(booked, load, target)
    marginal = _sl(booked + 1, load, target) - now
    missing = np.maximum(required - booked, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(missing > 0, (_sl(required, load, target) - now)
                           / np.where(missing > 0, missing, 1.0), 0.0)
    gain = np.maximum(marginal, average)
    return np.where(load > 0, np.clip(gain, 0.0, 1.0), 0.0)


def price(*, gains: np.ndarray, interval_hours: float,
          budget_per_point_hour: Decimal) -> Decimal:
    """Bonus in euros: points of service level gained, per interval hour, times the budget."""
    point_hours = float(np.sum(np.asarray(gains, dtype=float))) * 100.0 * interval_hours
    return (Decimal(str(round(point_hours, 4))) * budget_per_point_hour).quantize(
        CENT, rounding=ROUND_HALF_UP)
