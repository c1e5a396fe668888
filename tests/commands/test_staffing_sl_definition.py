"""`roadie staffing` counts the service level as the desk does (one definition, docs/concepts.md)."""

from __future__ import annotations

import json

import pytest

from roadie.cli import main
from roadie.engine.queueing import erlang_a
from roadie.engine.service_level import SL_DEFINITION

ARGS = ["staffing", "--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180",
        "--service-level", "0.8", "--answer-seconds", "20", "--patience-seconds", "60", "--json"]


def staffed(capsys, *extra: str) -> dict:
    assert main([*ARGS, *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_default_is_the_desks_definition_short_abandons_left_out(capsys):
    default = staffed(capsys)
    assert default == staffed(capsys, "--sl-definition", SL_DEFINITION)
    assert SL_DEFINITION == "short_abandons_excluded"
    # with impatient callers the definitions differ, so the default is really that one
    offered = staffed(capsys, "--sl-definition", "offered")
    assert offered["service_level"] != default["service_level"]
    exact = erlang_a(agents=default["agents"], load=100 * 180 / 1800, aht_seconds=180,
                     patience_seconds=60, answer_seconds=20, sl_definition=SL_DEFINITION)
    assert default["service_level"] == pytest.approx(float(exact.service_level), abs=1e-6)
