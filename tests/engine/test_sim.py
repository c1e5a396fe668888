"""The simulator: scenarios, arrivals, slots, concurrency, declines, replay, determinism."""

import math
from pathlib import Path

import numpy as np
import pytest

from roadie.engine.routing import ContactState
from roadie.engine.sim import (
    OVERALL,
    Dist,
    ScenarioError,
    load_scenario,
    measure,
    read_anonymous_bank,
    replicate,
    run,
    scenario_from_dict,
    single_queue,
)
from roadie.engine.sim.engine import ABANDONED, DONE
from roadie.engine.sim.scenario import read_forecast

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "simulation"
BANK = ROOT.parent / "shared" / "data" / "anonymous_bank_1999"


def scenario(**over):
    data = {
        "hours": 2,
        "streams": [{"brand": "b", "channel": "voice", "rate_per_hour": 60, "handle": 120}],
        "teams": [{"count": 3, "brands": ["b"]}],
    }
    data.update(over)
    return scenario_from_dict(data)


def test_same_seed_same_result_whatever_the_workers():
    scn = single_queue(
        agents=4, arrivals_per_minute=1.5, aht_seconds=120, hours=2, patience_seconds=90
    )
    a = replicate(scn, reps=4, seed=5, workers=1)
    b = replicate(scn, reps=4, seed=5, workers=2)
    c = replicate(scn, reps=4, seed=6, workers=1)
    for m in ("service_level", "asa_seconds", "p_abandon", "occupancy", "contacts"):
        assert a.overall(m) == b.overall(m)
    assert a.overall("asa_seconds") != c.overall("asa_seconds")


def test_every_contact_ends_answered_or_abandoned_and_nobody_over_capacity():
    scn = scenario(
        streams=[
            {
                "brand": "b",
                "channel": "chat",
                "rate_per_hour": 200,
                "handle": 300,
                "patience": 120,
                "wrap_up_seconds": 15,
            },
            {"brand": "b", "channel": "voice", "rate_per_hour": 30, "handle": 200},
            {"brand": "b", "channel": "email", "rate_per_hour": 20, "handle": 300},
        ],
        teams=[{"count": 4, "brands": ["b"]}],
        decline_probability=0.1,
        timeout_probability=0.05,
        accept_delay=2,
    )
    res = run(scn, np.random.default_rng(3))
    assert set(np.unique(res.outcome)) <= {DONE, ABANDONED}
    served = res.outcome == DONE
    assert (res.start[served] >= res.arrivals.time[served]).all()
    assert (res.offers[served] >= 1).all() and res.offers.max() > 1  # declines re-offered
    # capacity: at every service start, the agent's concurrent load stays within 6 units
    cost = np.array([s.unit_cost for s in res.arrivals.streams])[res.arrivals.stream]
    for a in range(4):
        mine = served & (res.agent == a)
        starts, ends, c = res.start[mine], res.end[mine], cost[mine]
        for t in starts:
            assert c[(starts <= t) & (ends > t)].sum() <= 6
    # three chats at once do happen (chat concurrency)
    chats = served & (res.arrivals.stream == 0)
    a0 = chats & (res.agent == 0)
    assert max(((res.start[a0] <= t) & (res.end[a0] > t)).sum() for t in res.start[a0]) == 3


def test_agents_follow_their_slots_and_finish_their_call():
    scn = scenario(
        start="09:00",
        hours=2,
        streams=[{"brand": "b", "rate_per_hour": 30, "handle": {"dist": "fixed", "mean": 600}}],
        teams=[
            {"name": "morning", "count": 2, "brands": ["b"], "slots": ["09:00-10:00"]},
            {"name": "late", "count": 1, "brands": ["b"], "slots": ["10:30-12:00"]},
        ],
    )
    res = run(scn, np.random.default_rng(1))
    served = res.outcome == DONE
    morning = served & (res.agent < 2)
    assert (res.start[morning] < 10 * 3600).all()  # nobody starts after their slot
    assert res.end[morning].max() > 10 * 3600  # but the last call is finished
    late = served & (res.agent == 2)
    assert (res.start[late] >= 10.5 * 3600).all()
    m = measure(res)
    assert 0 < m.teams["late"] <= 1 and 0 < m.teams["morning"] <= 1


def test_unserved_contacts_when_nobody_is_left():
    scn = scenario(teams=[{"count": 1, "brands": ["b"], "slots": ["00:00-00:30"]}])
    m = measure(run(scn, np.random.default_rng(2)))
    assert m.groups[OVERALL].unserved > 0


def test_weekend_relay_takes_over_when_the_own_team_is_away():
    scn = load_scenario(EXAMPLES / "sales_peak_weekend_relay.toml")
    res = run(scn, np.random.default_rng(4))
    relay = res.roster.team == 2
    after_13 = (res.outcome == DONE) & (res.start > 13 * 3600)
    assert after_13.any()
    own = res.roster.team[res.agent[after_13]] == 0
    assert not own.any()  # the brand's own team is gone after 13:00
    assert relay[res.agent[after_13]].any()


def test_premium_line_answers_first_and_counts_revenue():
    s = replicate(load_scenario(EXAMPLES / "premium_60s_line.toml"), reps=3, seed=1, workers=1)
    premium = s.groups["maison-lune/voice"]
    assert premium["service_level"].mean > 0.9
    assert premium["revenue"].mean > 0
    assert s.groups["maison-lune/chat"]["revenue"].mean == 0


def test_pooling_beats_dedicated_teams_on_the_same_arrivals():
    pooled = load_scenario(EXAMPLES / "six_brands_pooled.toml")
    assert [Path(c).name for c in pooled.compare] == ["six_brands_dedicated.toml"]
    dedicated = load_scenario(pooled.compare[0])
    a = replicate(pooled, reps=3, seed=2, workers=1)
    b = replicate(dedicated, reps=3, seed=2, workers=1)
    assert a.overall("contacts") == b.overall("contacts")  # common random numbers
    assert a.overall("service_level").mean > b.overall("service_level").mean
    assert a.overall("p_abandon").mean < b.overall("p_abandon").mean


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_example_scenario_runs(path):
    scn = load_scenario(path)
    if scn.replay is not None and not scn.replay.path.exists():
        pytest.skip(f"replay data not present: {scn.replay.path}")
    s = replicate(scn, reps=1, seed=1, workers=1)
    assert s.overall("contacts").mean > 0
    assert 0 <= s.overall("occupancy").mean <= 1


def test_lognormal_and_empirical_handle_times():
    rng = np.random.default_rng(0)
    x = Dist("lognormal", 300, 200).sample(rng, 200_000)
    assert abs(x.mean() - 300) < 3 and abs(x.std() - 200) < 5
    e = Dist("empirical", values=(10.0, 20.0)).sample(rng, 1000)
    assert set(np.unique(e)) == {10.0, 20.0}
    assert math.isinf(Dist("never").sample(rng, 1)[0])


def test_per_interval_arrivals_follow_the_profile():
    scn = scenario(
        start="08:00",
        hours=2,
        interval_minutes=30,
        streams=[{"brand": "b", "per_interval": [100, 0, 0, 300], "handle": 1}],
        teams=[{"count": 5, "brands": ["b"]}],
    )
    m = measure(run(scn, np.random.default_rng(9)))
    counts = m.intervals[OVERALL]["contacts"]
    assert counts[1] == 0 and counts[2] == 0
    assert 60 < counts[0] < 140 and 240 < counts[3] < 360
    assert m.interval_labels[0] == "08:00"


def test_contact_csv_replay(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "arrival,brand,channel,handle_seconds,patience_seconds\n"
        "09:00:00,b,voice,100,\n09:00:10,b,voice,100,5\n09:00:20,b,chat,50,\n"
    )
    scn = scenario_from_dict(
        {"replay": {"file": str(log)}, "teams": [{"count": 1, "brands": ["b"]}]}
    )
    res = run(scn, np.random.default_rng(0))
    assert list(res.outcome) == [DONE, ABANDONED, DONE]
    assert res.start[0] == 9 * 3600 and res.end[0] == 9 * 3600 + 100
    assert res.end[1] == 9 * 3600 + 15  # hung up after 5 s in the queue
    assert res.start[2] == 9 * 3600 + 100  # the chat (2 units) waits: a call fills the agent


@pytest.mark.skipif(not BANK.exists(), reason="Anonymous Bank data not present")
def test_anonymous_bank_replay_reads_february():
    recs = read_anonymous_bank(
        BANK / "data_anonymous_bank_february.txt", brand="bank", dates=("1999-02-01",)
    )
    assert len(recs) == 1551
    assert all(r.day == 0 for r in recs)
    served = [r for r in recs if not math.isnan(r.handle)]
    assert 150 < np.mean([r.handle for r in served]) < 180
    scn = load_scenario(EXAMPLES / "anonymous_bank_replay.toml")
    s = replicate(scn, reps=2, seed=1, workers=1)
    assert s.overall("contacts").mean == 1551
    assert 0.02 < s.overall("p_abandon").mean < 0.3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"streams": [{"channel": "voice"}], "teams": [{"count": 1}]}, "'brand' is required"),
        (
            {
                "streams": [{"brand": "b", "handle": {"dist": "gamma", "mean": 1}}],
                "teams": [{"count": 1}],
            },
            "unknown distribution",
        ),
        ({"streams": [{"brand": "b"}], "teams": [{"count": 1, "slots": ["9-10"]}]}, "HH:MM"),
        ({"streams": [{"brand": "b"}], "teams": [{"count": 1}], "colour": 1}, "unknown key"),
        ({"streams": [{"brand": "b"}], "teams": []}, "at least one [[teams]]"),
        (
            {"streams": [{"brand": "b"}], "teams": [{"count": 1}], "policy": "random"},
            "unknown policy",
        ),
        (
            {"streams": [{"brand": "b", "channel": "fax"}], "teams": [{"count": 1}]},
            "unknown channel",
        ),
    ],
)
def test_bad_scenarios_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        scenario_from_dict(data)


def test_bad_toml_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("streams = [")
    with pytest.raises(ScenarioError, match="invalid TOML"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.toml")


def test_router_is_left_consistent_by_a_run():
    # the engine drives the very Router class the dispatcher uses
    from roadie.engine.sim import engine

    scn = scenario(decline_probability=0.2)
    res = engine.run(scn, np.random.default_rng(8))
    assert res.decisions >= (res.outcome == DONE).sum()
    assert ContactState.WAITING  # the states the dispatcher sees are the router's own


def test_arrivals_from_a_roadie_forecast_csv(tmp_path):
    fc = tmp_path / "forecast.csv"
    rows = ["series,start,forecast"]
    for k in range(48):
        h, m = divmod(k * 30, 60)
        value = 40.0 if 9 <= h < 11 else 0.0
        rows.append(f"alba/call,2026-04-14T{h:02d}:{m:02d}:00+02:00,{value}")
        rows.append(f"alba/call,2026-04-15T{h:02d}:{m:02d}:00+02:00,999")
    fc.write_text("\n".join(rows) + "\n")
    scn = scenario_from_dict(
        {
            "start": "08:00",
            "hours": 4,
            "streams": [
                {
                    "brand": "alba",
                    "handle": 60,
                    "forecast": {
                        "file": "forecast.csv",
                        "series": "alba/call",
                        "date": "2026-04-14",
                    },
                }
            ],
            "teams": [{"count": 4, "brands": ["alba"]}],
        },
        base=tmp_path,
    )
    assert scn.streams[0].per_interval == (0, 0, 40, 40, 40, 40, 0, 0)
    # roadie forecast's own output: the point forecast first, the mean (expected arrivals,
    # what the simulator takes) beside it
    both = tmp_path / "both.csv"
    both.write_text("series,start,forecast,mean\n"
                    "alba/call,2026-04-14T09:00:00+02:00,0,0.4\n"
                    "alba/call,2026-04-14T09:30:00+02:00,3,2.6\n")
    arrivals = read_forecast(both, series="alba/call", date="2026-04-14", start=9 * 3600.0,
                             interval_seconds=1800.0, count=2)
    assert arrivals == (0.4, 2.6)
    with pytest.raises(ScenarioError, match="no forecast"):
        scenario_from_dict(
            {
                "streams": [
                    {
                        "brand": "alba",
                        "forecast": {"file": str(fc), "series": "x", "date": "2026-04-14"},
                    }
                ],
                "teams": [{"count": 1}],
            }
        )


def test_confidence_intervals_stay_within_bounds():
    s = replicate(scenario(hours=0.5), reps=3, seed=1, workers=1)
    for m in ("service_level", "p_abandon", "occupancy"):
        e = s.overall(m)
        assert 0.0 <= e.low <= e.mean <= e.high <= 1.0
    assert s.overall("asa_seconds").low >= 0


def test_interval_counts_replay_over_several_days(tmp_path):
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "date,interval,interval_start,calls\n"
        "1999-03-15,1,09:00,5\n1999-03-15,2,09:06,0\n1999-03-16,1,09:00,3\n"
        "1999-03-16,2,09:06,4\n1999-03-17,1,09:00,9\n"
    )
    scn = scenario_from_dict(
        {
            "replay": {"file": str(counts), "format": "interval_counts",
                       "dates": ["1999-03-15", "1999-03-16"]},
            "streams": [{"brand": "bank", "handle": 30}],
            "teams": [{"count": 2, "brands": ["bank"], "slots": ["08:00-10:00"]}],
        }
    )
    res = run(scn, np.random.default_rng(1))
    t = res.arrivals.time
    assert len(t) == 12
    day1 = t < 86_400
    assert day1.sum() == 5 and ((t[day1] >= 9 * 3600) & (t[day1] < 9 * 3600 + 360)).all()
    assert (res.outcome == DONE).all()  # agents' slots repeat on the second day


@pytest.mark.skipif(not BANK.exists(), reason="Anonymous Bank data not present")
def test_anonymous_bank_six_minute_counts_replay():
    scn = load_scenario(EXAMPLES / "anonymous_bank_counts.toml")
    s = replicate(scn, reps=1, seed=1, workers=1)
    assert s.overall("contacts").mean == 1706 + 1312 + 1163 + 1700 + 527 + 214 + 1817
