"""Instructions executed by the routing core on a fixed workload, counted by valgrind's
callgrind: unlike CPU time on a shared machine, the count is the same from run to run, so a
change to the core can be judged by a few per cent. Three phases are counted apart: the first
``route()`` over a snapshot (3,000 agents, 200 skill combinations, 30,000 waiting), the later
``route()`` calls, and the events between them (completions and arrivals), over 60 rounds of
40 completions and 40 arrivals.

    .venv/bin/python bench/routing_instructions.py [SRC_DIR]   # runs itself under valgrind

SRC_DIR (default: this checkout's src/) is put first on the path, so two checkouts can be
compared. Needs valgrind (apt package ``valgrind``). Each phase is entered through a builtin
that nothing else calls meanwhile (``eval``, ``exec``, ``map``), which callgrind toggles on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PHASES = {"first route()": "builtin_eval", "later route() calls": "builtin_exec", "events between": "map_next"}


def workload() -> None:
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_routing import make_state

    from roadie.engine.routing import Contact, Router

    agents, contacts = make_state(np.random.default_rng(1), 3000, 30000)
    r = Router.from_snapshot(agents=agents, contacts=contacts)
    ns = {"r": r}
    code = compile("out = r.route(now)", "route", "exec")
    if os.environ.get("ROADIE_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], stdout=subprocess.DEVNULL, check=False)
    first = eval("r.route(3600.0)", ns)  # noqa: S307 - the phase callgrind counts under builtin_eval
    held = [x.contact_id for x in first]
    for x in first:
        r.accept(x.contact_id, 3600.0)
    rng = np.random.default_rng(5)
    next_id = len(contacts)
    now = 3600.0
    decisions = 0
    for c in range(60):
        now += 1
        done = []
        for k in rng.integers(0, 10**9, 40):
            k = int(k) % len(held)
            done.append(held[k])
            held[k] = held[-1]
            held.pop()
        list(map(r.complete, done, [now] * len(done)))
        new = []
        for j in range(40):
            t = contacts[c * 40 + j]
            new.append(Contact(next_id, t.brand, t.channel, t.skills, t.cost, t.priority, now, now + 20.0))
            next_id += 1
        list(map(r.add_contact, new))
        ns["now"] = now
        exec(code, ns)  # noqa: S102 - the phase callgrind counts under builtin_exec
        made = ns["out"]
        decisions += len(made)
        for x in made:
            r.accept(x.contact_id, now)
            held.append(x.contact_id)
    print(f"decisions: first route() {len(first)}, later route() calls {decisions}")


def main() -> int:
    if os.environ.get("ROADIE_CALLGRIND"):
        workload()
        return 0
    src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "src").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        toggles = [f"--toggle-collect={fn}*" for fn in PHASES.values()]
        env = {**os.environ, "ROADIE_CALLGRIND": "1", "PYTHONPATH": str(src)}
        run = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
                              *toggles, f"--callgrind-out-file={out}", sys.executable, __file__],
                             env=env, capture_output=True, text=True, check=True)
        print(f"source: {src}")
        print(run.stdout.strip())
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], capture_output=True, text=True,
                             check=True).stdout
    for label, fn in PHASES.items():
        m = re.search(rf"^\s*([\d,]+) .*bltinmodule\.c:{fn}\b", ann, re.M)
        print(f"  {label:20s}: {m.group(1) if m else '?'} instructions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
