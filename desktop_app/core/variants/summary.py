"""A group of runs in numbers: mean ± sd of what each run ended with, and its per-epoch
curves as mean and spread. Plain numpy on plain records (no torch), so that the runs
table and the plots can use it on stored runs.

sd is the sample standard deviation (ddof=1: the spread one would expect of another run),
0 for a group of one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spread:
    """mean ± sd over the n runs that have the value."""

    mean: float | None
    sd: float | None
    n: int

    def text(self, digits: int = 4) -> str:
        if self.mean is None:
            return "-"
        sd = self.sd or 0.0
        return f"{self.mean:.{digits}f} ± {sd:.{digits}f}"

    def to_dict(self) -> dict:
        return {"mean": self.mean, "sd": self.sd, "n": self.n}


def spread(values) -> Spread:
    """mean ± sd of the finite values among `values` (None and NaN are left out)."""
    v = np.array(
        [float(x) for x in values if x is not None and math.isfinite(float(x))], np.float64
    )
    if len(v) == 0:
        return Spread(None, None, 0)
    sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return Spread(float(v.mean()), sd, len(v))


def best_value(epochs: list[dict], key: str) -> float | None:
    """The best of a run's per-epoch values: the lowest loss, the highest metric."""
    vals = [e.get(key) for e in epochs]
    vals = [float(x) for x in vals if x is not None and math.isfinite(float(x))]
    if not vals:
        return None
    return min(vals) if key.endswith("loss") else max(vals)


@dataclass(frozen=True)
class RunFigures:
    """What the group summary needs of one run."""

    epochs: list[dict]  # the run's per-epoch records (History.epochs)
    test_metric: float | None  # the headline test metric (accuracy, R²)
    seconds: float | None


@dataclass(frozen=True)
class GroupSummary:
    metric_name: str
    best_val_loss: Spread
    best_val_metric: Spread
    test_metric: Spread
    seconds: Spread
    n_runs: int

    def rows(self) -> list[tuple[str, Spread]]:
        m = self.metric_name
        return [
            ("best validation loss", self.best_val_loss),
            (f"best validation {m}", self.best_val_metric),
            (f"test {m}", self.test_metric),
            ("time (s)", self.seconds),
        ]

    def to_dict(self) -> dict:
        return {
            "metric_name": self.metric_name,
            "runs": self.n_runs,
            "best_val_loss": self.best_val_loss.to_dict(),
            "best_val_metric": self.best_val_metric.to_dict(),
            "test_metric": self.test_metric.to_dict(),
            "seconds": self.seconds.to_dict(),
        }


def summarize(runs: list[RunFigures], metric_name: str) -> GroupSummary:
    return GroupSummary(
        metric_name,
        spread(best_value(r.epochs, "val_loss") for r in runs),
        spread(best_value(r.epochs, "val_metric") for r in runs),
        spread(r.test_metric for r in runs),
        spread(r.seconds for r in runs),
        len(runs),
    )


@dataclass(frozen=True)
class Band:
    """A per-epoch curve of a group: mean and sd at each epoch over the runs that got
    there (n: how many; early-stopped runs end sooner)."""

    epochs: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n: np.ndarray


def curve_band(epoch_lists: list[list[dict]], key: str) -> Band:
    """Mean and sd at each epoch of one per-epoch value over a group's runs."""
    length = max((len(e) for e in epoch_lists), default=0)
    table = np.full((len(epoch_lists), length), np.nan)
    for i, epochs in enumerate(epoch_lists):
        for j, e in enumerate(epochs):
            v = e.get(key)
            if v is not None:
                table[i, j] = float(v)
    finite = np.isfinite(table)
    n = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(finite, table, 0.0).sum(axis=0)
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        dev = np.where(finite, table - mean, 0.0)
        var = (dev**2).sum(axis=0) / np.maximum(n - 1, 1)
    sd = np.where(n > 1, np.sqrt(var), 0.0)
    keep = n > 0
    return Band(np.arange(1, length + 1)[keep], mean[keep], sd[keep], n[keep])
