"""``roadie scheduling-tick``: offer uncovered slots of the next 48 hours (desk notices and
emails) and record no-shows; once, or every ``--every`` seconds."""

from __future__ import annotations

import signal
import threading


def cmd_tick(args) -> int:
    from roadie.commands.desk import _django

    _django()
    from roadie.desk.scheduling import actions

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while True:
        offered = actions.offer_uncovered(hours=args.hours)
        no_shows = actions.mark_no_shows()
        if not args.every:
            print(f"{offered} uncovered-slot offers, {no_shows} no-shows recorded")
            return 0
        if stop.wait(args.every):
            return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("scheduling-tick",
                              help="offer uncovered slots (notices, emails), record no-shows")
    p.add_argument("--every", type=float, default=0.0,
                   help="repeat every SECONDS (0: run once)")
    p.add_argument("--hours", type=int, default=48, help="how far ahead to look for gaps")
    p.set_defaults(func=cmd_tick)
