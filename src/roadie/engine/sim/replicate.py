"""Independent replications, in parallel processes, with reproducible seeds.

Replication ``i`` of a run seeded ``seed`` always uses the ``i``-th child of
``numpy.random.SeedSequence(seed)``, whatever the number of worker processes, so the same seed
gives the same figures. Two scenarios run with the same seed share their arrival streams
replication by replication (common random numbers), which makes their differences sharp.
"""

from __future__ import annotations

import os

import numpy as np

from roadie.engine.sim.engine import run
from roadie.engine.sim.metrics import RunMetrics, Summary, measure, summarize
from roadie.engine.sim.scenario import Scenario


def run_one(scn: Scenario, seed: np.random.SeedSequence) -> RunMetrics:
    """One replication (the function each worker process maps)."""
    return measure(run(scn, np.random.default_rng(seed)))


def replicate(
    scn: Scenario, *, reps: int = 20, seed: int = 1, workers: int | None = None
) -> Summary:
    """Run ``reps`` replications of ``scn`` and summarize them with 95 % confidence intervals.

    ``workers``: processes to use (default: one per CPU, at most ``reps``; 1 runs inline).
    """
    if reps < 1:
        raise ValueError("reps must be at least 1")
    seeds = np.random.SeedSequence(seed).spawn(reps)
    if workers is None:
        workers = min(reps, os.cpu_count() or 1)
    if workers <= 1 or reps == 1:
        runs = [run_one(scn, s) for s in seeds]
    else:
        # imported here: multiprocessing costs a one-process run's start-up ~20 ms for nothing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(run_one, [scn] * reps, seeds))
    return summarize(scn.name, runs)
