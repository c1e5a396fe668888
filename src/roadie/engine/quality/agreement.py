"""Agreement between reviewers: Krippendorff's alpha (the ``krippendorff`` package) at a
criterion's level of measurement, and each reviewer's deviation from an expert."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import krippendorff
import numpy as np

from roadie.engine.quality.scorecard import Level


class AgreementError(ValueError):
    pass


def alpha(data: np.ndarray, level: Level | str) -> float:
    """Alpha of reliability data: one row per rater, one column per unit, NaN = missing."""
    level = Level(level)
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        raise AgreementError("at least two raters (rows) are needed")
    pairable = (np.sum(~np.isnan(data), axis=0) >= 2).sum()
    if pairable == 0:
        raise AgreementError("no unit has values from two raters")
    values = np.unique(data[~np.isnan(data)])
    if len(values) < 2:
        # everyone gave the same single value: no variation, alpha is undefined
        raise AgreementError("every value is the same: alpha is undefined")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level.value))


def read_reliability_csv(text: str) -> np.ndarray:
    """Rows are raters, columns units, an empty cell is missing. A first row that is not all
    numbers is a header (unit names); a first column that is not all numbers holds rater names."""
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise AgreementError("the file is empty")

    def number(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return False

    if any(cell.strip() and not number(cell) for cell in rows[0][1:]):
        rows = rows[1:]
    if rows and all(r and r[0].strip() and not number(r[0]) for r in rows):
        rows = [r[1:] for r in rows]
    if not rows:
        raise AgreementError("no ratings in the file")
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        for j, cell in enumerate(r):
            cell = cell.strip()
            if not cell:
                continue
            try:
                out[i, j] = float(cell)
            except ValueError:
                raise AgreementError(f"row {i + 1}, column {j + 1}: {cell!r} is not a number") from None
            if not math.isfinite(out[i, j]):
                raise AgreementError(f"row {i + 1}, column {j + 1}: {cell!r} is not a finite number")
    return out


@dataclass(frozen=True)
class Deviation:
    reviewer_id: int
    units: int  # items scored by both the reviewer and the expert
    mean_absolute: float | None  # in points of the criterion's fraction scale (0-1)
    exact_share: float | None  # share of items with the expert's exact value


def deviation(reviewer: dict[tuple, float], expert: dict[tuple, float], *, reviewer_id: int,
              spans: dict[tuple, float] | None = None) -> Deviation:
    """Deviation of a reviewer's values from the expert's over the items both scored.
    Items are keys such as (contact id, criterion key); ``spans`` gives each item's scale span
    so that deviations from different scales are comparable (0-1)."""
    common = sorted(set(reviewer) & set(expert))
    if not common:
        return Deviation(reviewer_id, 0, None, None)
    diffs = [abs(reviewer[k] - expert[k]) / ((spans or {}).get(k) or 1.0) for k in common]
    exact = sum(1 for k in common if reviewer[k] == expert[k])
    return Deviation(reviewer_id, len(common), sum(diffs) / len(diffs), exact / len(common))
