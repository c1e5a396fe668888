"""Diagnostic: how often the default method's change-point tests cut the bank's series.

For each yearly series of bench/forecast_data.py, every 16-week window ending every 14 days:
the number of level changes that ``forecast_shifts.level_breaks`` finds (Israeli holidays and
closed days left out, as in the back-test). A level that drifts should be followed by the
recency-weighted families, not cut; a real shift should be cut once.

    .venv/bin/python bench/forecast_breaks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data  # noqa: E402

from roadie.engine.forecast import _holiday_set  # noqa: E402
from roadie.engine.forecast_shifts import level_breaks  # noqa: E402


def main() -> int:
    print("| series | windows | changes per window (mean) | windows cut 0 / 1 / 2 / 3 / 4 times |")
    print("|---|---:|---:|---|")
    for s in forecast_data.load(30):
        if not s.name.startswith("bank"):
            continue
        m = s.history
        holiday = _holiday_set("IL", m.dates)
        weekdays = np.array([d.weekday() for d in m.dates])
        regular = ~m.closed_mask & np.array([d not in holiday for d in m.dates])
        totals = m.values.sum(axis=1)
        counts = [len(level_breaks(totals[end - 112:end], weekdays[end - 112:end],
                                   regular[end - 112:end])[0])
                  for end in range(112, m.days + 1, 14)]
        spread = " / ".join(str(counts.count(k)) for k in range(5))
        print(f"| {s.name} | {len(counts)} | {np.mean(counts):.2f} | {spread} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
