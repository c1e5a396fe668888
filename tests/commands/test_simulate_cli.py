"""roadie simulate: the flags form, scenario files, reports, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadie.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "simulation"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_flags_form_prints_figures_with_confidence_intervals(capsys):
    code, out, _ = run(
        capsys, "simulate", "--agents", "12", "--arrivals-per-minute", "4.2", "--aht-seconds",
        "120", "--patience-seconds", "60", "--hours", "2", "--reps", "5", "--seed", "1",
        "--workers", "1", "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"service_level", "asa_seconds", "p_abandon", "occupancy", "contacts"}
    for v in data.values():
        assert set(v) == {"mean", "low", "high"}
        assert v["low"] <= v["mean"] <= v["high"]
    assert 0.5 < data["occupancy"]["mean"] < 0.9
    assert 0 < data["p_abandon"]["mean"] < 0.1
    # same seed, same answer
    code, again, _ = run(
        capsys, "simulate", "--agents", "12", "--arrivals-per-minute", "4.2", "--aht-seconds",
        "120", "--patience-seconds", "60", "--hours", "2", "--reps", "5", "--seed", "1",
        "--workers", "1", "--json",
    )
    assert json.loads(again) == data


def test_lognormal_service_and_text_output(capsys):
    code, out, _ = run(
        capsys, "simulate", "--agents", "3", "--arrivals-per-minute", "1", "--aht-seconds",
        "100", "--service", "lognormal", "--hours", "1", "--reps", "2", "--workers", "1",
    )
    assert code == 0
    assert "service level" in out and "queue/voice" in out


def test_scenario_with_comparison_writes_json_html_and_png(capsys, tmp_path):
    out_dir = tmp_path / "report"
    code, out, err = run(
        capsys, "simulate", str(EXAMPLES / "six_brands_pooled.toml"), "--reps", "2",
        "--workers", "1", "--out", str(out_dir),
    )
    assert code == 0
    assert "six-brands-pooled - six-brands-dedicated" in out
    assert "report.html" in err
    names = {p.name for p in out_dir.iterdir()}
    assert {"report.html", "six-brands-pooled.json", "six-brands-dedicated.json",
            "comparison.json", "six-brands-pooled-service-level.png"} <= names
    page = (out_dir / "report.html").read_text()
    assert "versus" in page and "<img" in page and "alt=" in page
    comp = json.loads((out_dir / "comparison.json").read_text())
    gain = comp["minus"]["six-brands-dedicated"]["all"]["service_level"]
    assert gain["mean"] > 0
    data = json.loads((out_dir / "six-brands-pooled.json").read_text())
    assert data["reps"] == 2 and "atelier-bleu/voice" in data["groups"]
    assert len(data["intervals"]["labels"]) == 16


def test_scenario_json_to_stdout(capsys):
    code, out, _ = run(
        capsys, "simulate", str(EXAMPLES / "single_queue.toml"), "--reps", "2", "--workers",
        "1", "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["scenario"] == "single-queue"
    assert set(data["overall"]["service_level"]) == {"mean", "low", "high"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate"], "give a scenario file"),
        (["simulate", "--agents", "3"], "give a scenario file"),
        (["simulate", "missing.toml"], "no such scenario file"),
        (["simulate", "x.toml", "--agents", "3", "--arrivals-per-minute", "1",
          "--aht-seconds", "1"], "not both"),
        (["simulate", "--agents", "0", "--arrivals-per-minute", "1", "--aht-seconds", "60"],
         "--agents must be at least 1"),
        (["simulate", "--agents", "2", "--arrivals-per-minute", "1", "--aht-seconds", "60",
          "--reps", "0"], "--reps must be at least 1"),
        (["simulate", "--agents", "2", "--arrivals-per-minute", "1", "--aht-seconds", "60",
          "--hours", "-1"], "--hours must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_scenario_file_is_one_line(capsys, tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[[streams]]\nbrand = "b"\nhandle = { dist = "weibull", mean = 3 }\n'
                 '[[teams]]\ncount = 1\n')
    code, _, err = run(capsys, "simulate", str(p))
    assert code == 2
    assert "unknown distribution" in err and len(err.strip().splitlines()) == 1
