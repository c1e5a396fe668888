"""roadie forecast names the holidays it forecast from their own last year."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from roadie.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_forecast_holidays_own import TZ, _export  # noqa: E402


def test_forecast_prints_the_holidays_forecast_from_their_own_last_year(capsys, tmp_path):
    history = tmp_path / "history.csv"
    _export().to_csv(history, index=False)  # 15 months to Thursday 30 April 2026
    code = main(["forecast", str(history), "--country", "FR", "--tz", TZ, "--interval", "60",
                 "--horizon", "21d", "--out", str(tmp_path / "f.csv")])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = [line for line in out.splitlines() if "own last year" in line]
    assert len(lines) == 1, out
    # 1 May (closed last year), 8 May and Ascension (at 0.6 last year), in 21 days
    found = re.fullmatch(r"series all: 3 holidays forecast from their own last year: "
                         r"2026-05-01 x([\d.]+) \(2025-05-01\), 2026-05-08 x([\d.]+) "
                         r"\(2025-05-08\), 2026-05-14 x([\d.]+) \(2025-05-29\)", lines[0])
    assert found, lines[0]
    closed, victory, ascension = map(float, found.groups())
    assert closed == 0.0 and abs(victory - 0.6) < 0.08 and abs(ascension - 0.6) < 0.08
    # the last 250 days hold none of them: no line
    _export(first=dt.date(2025, 8, 24)).to_csv(history, index=False)
    code = main(["forecast", str(history), "--country", "FR", "--tz", TZ, "--interval", "60",
                 "--horizon", "21d", "--out", str(tmp_path / "f.csv")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "own last year" not in out + err
