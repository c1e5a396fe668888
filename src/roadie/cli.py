"""The ``roadie`` command line.

``roadie COMMAND ...`` runs one of roadie's own commands (discovered in ``roadie.commands``);
any other word is handed to Django's management commands (``roadie migrate``, ``roadie shell``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import roadie.commands


class CommandError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``only``, of the commands of the module
    ``roadie.commands.<only>`` alone (a command named as its module, such as ``simulate``,
    starts without importing the other command modules)."""
    parser = argparse.ArgumentParser(
        prog="roadie",
        description="roadie: customer service for many brands with home-based agents.",
        epilog="Any other command is passed to Django's management commands (e.g. roadie migrate).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(roadie.commands.__path__), key=lambda m: m.name):
        if only is not None and info.name != only:
            continue
        module = importlib.import_module(f"roadie.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return set(parser._subparsers._group_actions[0].choices) if parser._subparsers else set()


def run_django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["roadie", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = None
    if argv and argv[0].isidentifier():  # start-up: first the module named as the command
        parser = build_parser(only=argv[0])
        if argv[0] not in _commands(parser):
            parser = None
    parser = parser or build_parser()
    own = _commands(parser)
    if argv and not argv[0].startswith("-") and argv[0] not in own:
        return run_django(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"roadie {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
