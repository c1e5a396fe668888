"""roadie forecast names the factors it applied to the days next to a closure."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from roadie.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_forecast_adjacent import TZ, _export  # noqa: E402


def test_forecast_prints_the_factors_of_the_days_next_to_a_closure(capsys, tmp_path):
    history = tmp_path / "history.csv"
    _export(surge=1.5).to_csv(history, index=False)
    code = main(["forecast", str(history), "--country", "US", "--tz", TZ, "--interval", "60",
                 "--horizon", "14d", "--out", str(tmp_path / "f.csv")])
    out, err = capsys.readouterr()
    assert code == 0, err
    found = re.findall(r"series all: days after a closure x([\d.]+) \(median of 4 in the "
                       r"history\), days before x([\d.]+) \(median of 4\)", out)
    assert len(found) == 1, out
    after, before = map(float, found[0])
    assert 1.35 <= after <= 1.65 and 0.9 <= before <= 1.1
    # nothing is next to a closure in the next week of a history without one: no line
    _export(surge=1.5, holidays=()).to_csv(history, index=False)
    code = main(["forecast", str(history), "--country", "none", "--tz", TZ, "--interval",
                 "60", "--horizon", "7d", "--out", str(tmp_path / "f.csv")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "closure" not in out + err
