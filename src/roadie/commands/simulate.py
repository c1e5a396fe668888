"""``roadie simulate``: answer a "what if" with the simulator (the live routing core inside).

roadie simulate SCENARIO.toml [--reps 20] [--out DIR/] [--seed 1] [--json]
roadie simulate --agents 12 --arrivals-per-minute 4.2 --aht-seconds 120
                [--patience-seconds 60] [--service exponential|lognormal] [--hours 8]
                [--answer-seconds 20] [--reps 100] [--seed 1] --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="simulate a scenario (or one queue given by flags) with the routing core",
        description="Discrete-event simulation driving roadie's own routing core. Give a "
        "scenario file (docs/simulation.md) or a single queue by flags.",
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO.toml", help="scenario file")
    p.add_argument("--reps", type=int, default=20, help="replications (default 20)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--out", metavar="DIR", help="write JSON, HTML report and PNG charts here")
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per CPU)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    q = p.add_argument_group("single queue (instead of a scenario file)")
    q.add_argument("--agents", type=int)
    q.add_argument("--arrivals-per-minute", type=float)
    q.add_argument("--aht-seconds", type=float)
    q.add_argument("--patience-seconds", type=float, default=None)
    q.add_argument("--service", choices=("exponential", "lognormal"), default="exponential")
    q.add_argument("--hours", type=float, default=8.0, help="arrivals stop after (default 8)")
    q.add_argument(
        "--answer-seconds", type=float, default=20.0, help="service-level threshold (default 20)"
    )
    p.set_defaults(func=simulate)


def simulate(args: argparse.Namespace) -> int:
    from roadie.cli import CommandError
    from roadie.engine.sim import ScenarioError, load_scenario, replicate, single_queue
    from roadie.engine.sim.report import (
        gain_text,
        quick_json,
        summary_json,
        text_table,
        write_report,
    )

    flags = [args.agents, args.arrivals_per_minute, args.aht_seconds]
    if args.reps < 1:
        raise CommandError("--reps must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers must be at least 1")
    try:
        if args.scenario and any(f is not None for f in flags):
            raise CommandError(
                "give either a scenario file or --agents/--arrivals-per-minute/"
                "--aht-seconds, not both"
            )
        if args.scenario:
            scenarios = [load_scenario(args.scenario)]
            scenarios += [load_scenario(c) for c in scenarios[0].compare]
        elif all(f is not None for f in flags):
            if args.hours <= 0 or args.answer_seconds < 0:
                raise CommandError("--hours must be positive and --answer-seconds >= 0")
            if args.patience_seconds is not None and args.patience_seconds <= 0:
                raise CommandError("--patience-seconds must be positive")
            scenarios = [
                single_queue(
                    agents=args.agents,
                    arrivals_per_minute=args.arrivals_per_minute,
                    aht_seconds=args.aht_seconds,
                    patience_seconds=args.patience_seconds,
                    service=args.service,
                    hours=args.hours,
                    answer_seconds=args.answer_seconds,
                )
            ]
        else:
            raise CommandError(
                "give a scenario file, or --agents, --arrivals-per-minute and --aht-seconds"
            )
        summaries = [
            replicate(s, reps=args.reps, seed=args.seed, workers=args.workers) for s in scenarios
        ]
    except ScenarioError as exc:
        raise CommandError(str(exc)) from None
    if args.out:
        try:
            path = write_report(
                Path(args.out), summaries, seed=args.seed, description=scenarios[0].description
            )
        except OSError as exc:
            raise CommandError(f"cannot write to {args.out}: {exc}") from None
        if not args.json:
            print(f"report: {path}", file=sys.stderr)
    if args.json:
        if args.scenario:
            payload = summary_json(summaries[0], seed=args.seed)
            if len(summaries) > 1:
                payload["compared"] = [summary_json(s, seed=args.seed) for s in summaries[1:]]
        else:
            payload = quick_json(summaries[0])
        print(json.dumps(payload, indent=2))
    else:
        for s in summaries:
            print(text_table(s))
            print()
        for other in summaries[1:]:
            print(gain_text(summaries[0], other))
    return 0
