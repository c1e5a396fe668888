"""Raw inbound payloads: replay those that could not be filed, prune refused ones."""

from __future__ import annotations


def _django() -> None:
    from roadie.commands.desk import _django as setup

    setup()


def cmd_raw_replay(args) -> int:
    _django()
    from roadie.connectors import replay
    from roadie.desk.contacts.models import RawInbound

    rows = (RawInbound.objects.filter(pk__in=args.ids).order_by("pk") if args.ids
            else replay.replayable())
    rows = list(rows[: args.limit])
    if args.list:
        for raw in rows:
            print(f"#{raw.pk} {raw.received_at:%Y-%m-%d %H:%M:%S} {raw.channel}/{raw.source} "
                  f"{raw.status}: {raw.error or '(never finished)'}")
        print(f"{len(rows)} payload(s) to replay")
        return 0
    still = 0
    for raw in rows:
        result = replay.replay(raw)
        still += result.outcome in ("failed", "stored")
        print(f"#{result.raw_id}: HTTP {result.status} -> {result.outcome}"
              + (f" ({result.error})" if result.error else ""))
    print(f"{len(rows)} replayed, {still} still not filed")
    return 1 if still else 0


def cmd_raw_prune(args) -> int:
    _django()
    from roadie.desk.contacts.retention import prune_rejected, rejected_retention

    deleted = prune_rejected()
    print(f"{deleted} refused payload(s) older than {rejected_retention().days} days deleted")
    return 0


def register(sub) -> None:
    p = sub.add_parser("raw-replay", help="file again the stored payloads that could not be filed")
    p.add_argument("ids", nargs="*", type=int, help="raw inbound ids (default: every failed one)")
    p.add_argument("--list", action="store_true", help="only list them")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_raw_replay)
    p = sub.add_parser("raw-prune", help="delete refused payloads older than ROADIE_RAW_REJECTED_DAYS")
    p.set_defaults(func=cmd_raw_prune)
