"""Start-up of ``roadie simulate`` as a whole process: the command on a tiny single queue
(10 agents, 1 hour, one replication in one process), whose run takes a few milliseconds,
so what is measured is the interpreter, the imports and the command's set-up.

    .venv/bin/python bench/bench_startup.py [--runs 15] [SRC_DIR ...]

Each SRC_DIR (default: this checkout's src/) is put first on PYTHONPATH, so checkouts can be
compared in the same run; their processes alternate. Peers in the same run: ``python -c pass``
(the interpreter alone) and ``python -c "import numpy"`` (the floor: the simulator needs
numpy). Figures: median CPU seconds (user + system) and wall seconds per process.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CMD = ["-m", "roadie.cli", "simulate", "--agents", "10", "--arrivals-per-minute", "1",
       "--aht-seconds", "300", "--hours", "1", "--reps", "1", "--workers", "1", "--json"]


def once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("src", nargs="*")
    args = ap.parse_args()
    srcs = [str(Path(s).resolve()) for s in args.src] or [str(Path(__file__).resolve().parent.parent / "src")]
    subjects: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": (["-c", "pass"], dict(os.environ)),
        "python -c 'import numpy'": (["-c", "import numpy"], dict(os.environ)),
    }
    for s in srcs:
        subjects[f"roadie simulate ({s})"] = (CMD, {**os.environ, "PYTHONPATH": s})
    for argv, env in subjects.values():  # warm the file cache
        once(argv, env)
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in subjects}
    for _ in range(args.runs):
        for name, (argv, env) in subjects.items():
            got[name].append(once(argv, env))
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at the end, {args.runs} runs each, alternated")
    for name, rows in got.items():
        cpu = statistics.median(r[0] for r in rows)
        wall = statistics.median(r[1] for r in rows)
        print(f"  {name:60s} CPU {cpu * 1000:6.0f} ms   wall {wall * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
