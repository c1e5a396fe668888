"""A Python process attached to a live roadie's database, kept open between calls, so a test
can read or reset the live demo in milliseconds instead of starting ``roadie shell`` (seconds).

The protocol is a line of JSON on stdin (``{"code": ...}``) and a line of JSON on stdout
(``{"out": ..., "error": ...}``). Database connections are closed after each call, so the
console holds no lock (SQLite) and no idle transaction (PostgreSQL) between calls."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback


def serve() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    import django

    django.setup()
    from django.db import connections

    namespace: dict = {}
    for line in sys.stdin:
        request = json.loads(line)
        out, error = io.StringIO(), None
        try:
            with contextlib.redirect_stdout(out):
                exec(request["code"], namespace)  # noqa: S102 - the test's own code
        except Exception:  # reported to the test, which fails with it
            error = traceback.format_exc()
        finally:
            connections.close_all()
        sys.__stdout__.write(json.dumps({"out": out.getvalue(), "error": error}) + "\n")
        sys.__stdout__.flush()


if __name__ == "__main__":
    serve()
