"""Sampling for reviews: seeded, reproducible draws per roadie, reviewers by weight, and the
sample size for a margin of error (Cochran with the finite-population correction)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


def cochran_sample_size(population: int, *, confidence: float = 0.95, margin: float = 0.05,
                        proportion: float = 0.5) -> int:
    """Reviews needed to estimate a share within ``margin`` at ``confidence`` among
    ``population`` contacts: n0 = z^2 p (1 - p) / e^2, n = n0 / (1 + (n0 - 1) / N), rounded up.
    278 for 1,000 contacts at 95 % +/- 5 %."""
    if population < 1:
        return 0
    if not (0 < confidence < 1 and 0 < margin < 1 and 0 < proportion < 1):
        raise ValueError("confidence, margin and proportion lie strictly between 0 and 1")
    z = float(norm.ppf(0.5 + confidence / 2))
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, math.ceil(n - 1e-9))


def margin_of_error(sample: int, population: int, *, confidence: float = 0.95,
                    proportion: float = 0.5) -> float:
    """The margin of error (a fraction) of ``sample`` reviews among ``population`` contacts."""
    if sample < 1 or population < 1:
        return 1.0
    if sample >= population:
        return 0.0
    z = float(norm.ppf(0.5 + confidence / 2))
    fpc = (population - sample) / (population - 1) if population > 1 else 0.0
    return z * math.sqrt(proportion * (1 - proportion) / sample * fpc)


@dataclass(frozen=True)
class Candidate:
    contact_id: int
    agent_id: int
    weight: float = 1.0


def draw(candidates: tuple[Candidate, ...], *, quota_per_agent: int, seed: int,
         weighted: bool = False) -> tuple[Candidate, ...]:
    """Up to ``quota_per_agent`` contacts per roadie, without replacement. The same candidates
    and seed give the same draw whatever their order; ``weighted`` draws in proportion to each
    candidate's weight (efraimidis-spirakis keys)."""
    rng = np.random.default_rng(seed)
    ordered = sorted(candidates, key=lambda c: c.contact_id)
    if not ordered or quota_per_agent < 1:
        return ()
    u = rng.random(len(ordered))
    weights = np.array([max(c.weight, 1e-9) if weighted else 1.0 for c in ordered])
    keys = np.log(u) / weights  # larger is drawn first
    by_agent: dict[int, list[tuple[float, Candidate]]] = {}
    for key, c in zip(keys, ordered, strict=True):
        by_agent.setdefault(c.agent_id, []).append((float(key), c))
    chosen = []
    for agent_id in sorted(by_agent):
        pool = sorted(by_agent[agent_id], key=lambda kc: (-kc[0], kc[1].contact_id))
        chosen.extend(c for _, c in pool[:quota_per_agent])
    return tuple(chosen)


def share_out(count: int, reviewers: tuple[tuple[int, float], ...], *, seed: int) -> tuple[int, ...]:
    """Give ``count`` items to reviewers ``(id, weight)`` in proportion to their weights
    (largest remainders), in a seeded order: returns one reviewer id per item."""
    if count == 0:
        return ()
    if not reviewers:
        raise ValueError("a workload needs at least one reviewer")
    total = sum(w for _, w in reviewers)
    if total <= 0:
        raise ValueError("reviewer weights must be positive")
    exact = [(rid, count * w / total) for rid, w in reviewers]
    shares = {rid: math.floor(x) for rid, x in exact}
    left = count - sum(shares.values())
    for rid, _ in sorted(exact, key=lambda rx: (-(rx[1] - math.floor(rx[1])), rx[0]))[:left]:
        shares[rid] += 1
    out = [rid for rid, _ in reviewers for _ in range(shares[rid])]
    order = np.random.default_rng(seed).permutation(len(out))
    return tuple(out[i] for i in order)
