"""roadie qa-agreement reproduces the four published reference values, and refuses bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadie.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "quality"
WIKIPEDIA = EXAMPLES / "wikipedia-3x15.csv"
KRIPPENDORFF_2019 = EXAMPLES / "krippendorff-2019-p290.csv"


@pytest.mark.parametrize(("path", "level", "places", "expected"), [
    (WIKIPEDIA, "nominal", 6, 0.691358),
    (WIKIPEDIA, "interval", 6, 0.810845),
    (KRIPPENDORFF_2019, "ordinal", 3, 0.815),
    (KRIPPENDORFF_2019, "ratio", 3, 0.797),
])
def test_reference_values(capsys, path, level, places, expected):
    assert main(["qa-agreement", str(path), "--level", level, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert round(data["alpha"], places) == expected
    assert main(["qa-agreement", str(path), "--level", level]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"alpha\t{data['alpha']:.6f}"


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty"),
    ("1,2,3\n1,x,3\n", "row 2, column 2: 'x' is not a number"),
    ("1,2,3\n", "at least two raters"),
    ("1,,\n,2,\n", "no unit has values from two raters"),
    ("2,2\n2,2\n", "undefined"),
])
def test_bad_files_are_refused_with_a_message(capsys, tmp_path, content, message):
    path = tmp_path / "ratings.csv"
    path.write_text(content)
    assert main(["qa-agreement", str(path), "--level", "nominal"]) == 2
    out, err = capsys.readouterr()
    assert message in err and out == ""


def test_missing_file_and_level(capsys, tmp_path):
    assert main(["qa-agreement", str(tmp_path / "nope.csv"), "--level", "nominal"]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["qa-agreement", str(WIKIPEDIA), "--level", "cardinal"])
    assert exc.value.code == 2
