"""pyworkforce's ErlangA staffing, timed per interval (runs under Python 3.12: pyworkforce >= 0.5.2).

Reads a JSON list of intervals on stdin, writes a JSON list of results on stdout; stops starting
new intervals once ``budget_seconds`` have gone by.
"""

import json
import sys
import time

from pyworkforce.queuing import ErlangA


def main() -> None:
    job = json.load(sys.stdin)
    out = []
    began = time.perf_counter()
    for row in job["intervals"]:
        if time.perf_counter() - began > job["budget_seconds"]:
            break
        t0 = time.perf_counter()
        try:
            res = ErlangA(
                transactions=row["calls"], aht=row["aht_seconds"] / 60, asa=row["answer_seconds"] / 60,
                interval=row["interval_minutes"], patience=row["patience_seconds"] / 60,
            ).required_positions(service_level=row["service_level"])
            agents, error = int(res["raw_positions"]), None
        except Exception as exc:  # noqa: BLE001 - a peer failure is a result here
            agents, error = None, f"{type(exc).__name__}: {exc}"
        out.append({"agents": agents, "error": error, "seconds": time.perf_counter() - t0})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
