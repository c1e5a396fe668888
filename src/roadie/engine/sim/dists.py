"""Handle-time and patience distributions, sampled with a caller's numpy Generator."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = ("exponential", "lognormal", "empirical", "fixed", "never")


class ScenarioError(ValueError):
    """A scenario (file or flags) that cannot be simulated; the message says what to fix."""


@dataclass(frozen=True)
class Dist:
    """``exponential`` (mean), ``lognormal`` (mean, sd), ``empirical`` (values drawn uniformly
    with replacement), ``fixed`` (mean), ``never`` (infinite: patience of callers who never hang
    up)."""

    kind: str
    mean: float = math.inf
    sd: float = 0.0
    values: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScenarioError(f"unknown distribution {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind == "empirical":
            if not self.values or min(self.values) < 0:
                raise ScenarioError("an empirical distribution needs non-negative values")
        elif self.kind != "never" and not (0 < self.mean < math.inf):
            raise ScenarioError(f"{self.kind} distribution needs a positive finite mean")
        if self.kind == "lognormal" and not self.sd > 0:
            raise ScenarioError("a lognormal distribution needs sd > 0")

    @property
    def expected(self) -> float:
        if self.kind == "empirical":
            return float(np.mean(self.values))
        return self.mean

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "exponential":
            return rng.exponential(self.mean, n)
        if self.kind == "lognormal":
            s2 = math.log1p((self.sd / self.mean) ** 2)
            return rng.lognormal(math.log(self.mean) - s2 / 2, math.sqrt(s2), n)
        if self.kind == "empirical":
            return rng.choice(np.asarray(self.values, dtype=float), n)
        if self.kind == "fixed":
            return np.full(n, self.mean)
        return np.full(n, math.inf)

    @classmethod
    def parse(cls, spec, *, where: str) -> Dist:
        """From a TOML value: a number (exponential mean) or a table ``{dist=..., mean=...}``."""
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            return cls("exponential", float(spec))
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: expected a number or a table, got {spec!r}")
        unknown = set(spec) - {"dist", "mean", "sd", "values"}
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            return cls(
                str(spec.get("dist", "exponential")),
                float(spec.get("mean", math.inf)),
                float(spec.get("sd", 0.0)),
                tuple(float(v) for v in spec.get("values", ())),
            )
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"{where}: {exc}") from None
