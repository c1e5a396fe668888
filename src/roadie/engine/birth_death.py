"""A slow, plain reference for M/M/n+M: the birth-death chain solved state by state.

Used by the tests and the benchmark to check :func:`roadie.engine.queueing.erlang_a`
independently of its closed forms: stationary probabilities by the product rule (in log
space, truncated where they fall below 1e-20 of the largest), and for a tagged arrival who
finds m callers ahead, the offered wait is a sum of exponential phases with rates
n mu + j theta (j = m..0), raced against its own patience. One scalar interval per call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm


@dataclass(frozen=True)
class BirthDeathFigures:
    p_wait: float
    p_abandon: float
    service_level_offered: float
    asa_seconds: float


def mmn_m(
    *, agents: int, load: float, aht_seconds: float, patience_seconds: float,
    answer_seconds: float,
) -> BirthDeathFigures:
    """Exact figures of one M/M/n+M interval (service level over all arrivals, ASA of answered)."""
    n = int(agents)
    mu = 1.0 / aht_seconds
    lam = load * mu
    theta = 1.0 / patience_seconds
    # log of unnormalised stationary probabilities, states 0..n then n+1, n+2, ...
    logs = [0.0]
    for k in range(1, n + 1):
        logs.append(logs[-1] + math.log(lam / (k * mu)))
    m = 0
    peak = max(logs)
    while True:
        m += 1
        logs.append(logs[-1] + math.log(lam / (n * mu + m * theta)))
        peak = max(peak, logs[-1])
        if logs[-1] < peak - 46.0 and lam < n * mu + m * theta:
            break
    arr = np.array(logs)
    pi = np.exp(arr - arr.max())
    pi /= pi.sum()
    queue = pi[n:]  # arrival finds j = 0, 1, ... callers ahead
    p_wait = float(queue.sum())
    ahead = np.arange(queue.size)
    p_abandon = float(theta * (ahead * queue).sum() / lam) if lam > 0 else 0.0
    # tagged arrival with j ahead: phases i = j..0, leave phase i at rate n mu + i theta + theta
    # (n mu + i theta moves it forward, theta is its own abandonment)
    size = queue.size
    q = n * mu + (np.arange(size) + 1.0) * theta
    forward = q - theta  # = n mu + i theta
    p_forward = forward / q
    served = np.cumprod(p_forward)  # P(answered | j ahead)
    mean_served = np.empty(size)  # E[wait; answered | j ahead]
    mean_served[0] = served[0] / q[0]
    for j in range(1, size):
        mean_served[j] = p_forward[j] * (served[j - 1] / q[j] + mean_served[j - 1])
    # P(sum of phases 0..j <= t): transient of the pure-death chain j -> j-1 -> ... -> done
    gen = np.zeros((size + 1, size + 1))
    for j in range(size):
        gen[j, j] = -q[j]
        gen[j, j - 1 if j > 0 else size] = q[j]
    within = expm(gen * answer_seconds)[:size, size]
    sl = float(pi[:n].sum() + (queue * served * within).sum())
    answered = 1.0 - p_abandon
    asa = float((queue * mean_served).sum() / answered) if answered > 0 else math.inf
    return BirthDeathFigures(
        p_wait=p_wait, p_abandon=p_abandon, service_level_offered=sl, asa_seconds=asa
    )
