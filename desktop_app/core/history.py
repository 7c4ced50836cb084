"""History: a run's record (per-step loss and learning rate, one row per epoch).

A plain data record with no torch and no engine behind it, so that everyone may import
it: the engine fills it, callbacks and the GUI read it, persistence writes and reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The per-epoch record, in the order model files and exported tables list it.
EPOCH_KEYS = (
    "epoch",
    "step",
    "train_loss",
    "val_loss",
    "train_metric",
    "val_metric",
    "lr",
    "seconds",
)


@dataclass
class History:
    """Per-step loss and learning rate, and one record per epoch.

    Step arrays grow by doubling so that appending a block is amortised O(block).
    """

    metric_name: str = "accuracy"
    _steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    _lr: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    n_steps: int = 0
    epochs: list[dict] = field(default_factory=list)

    def add_block(self, steps: np.ndarray, losses: np.ndarray, lrs: np.ndarray) -> None:
        need = self.n_steps + len(steps)
        if need > len(self._loss):
            cap = max(1024, 2 * len(self._loss), need)
            for name in ("_steps", "_loss", "_lr"):
                old = getattr(self, name)
                new = np.zeros(cap, old.dtype)
                new[: self.n_steps] = old[: self.n_steps]
                setattr(self, name, new)
        s = slice(self.n_steps, need)
        self._steps[s], self._loss[s], self._lr[s] = steps, losses, lrs
        self.n_steps = need

    @property
    def steps(self) -> np.ndarray:
        return self._steps[: self.n_steps]

    @property
    def batch_loss(self) -> np.ndarray:
        return self._loss[: self.n_steps]

    @property
    def batch_lr(self) -> np.ndarray:
        return self._lr[: self.n_steps]

    def epoch_column(self, key: str) -> np.ndarray:
        return np.array(
            [np.nan if e.get(key) is None else e[key] for e in self.epochs], dtype=np.float64
        )

    def copy(self) -> History:
        """An independent copy (a saved or resumed run must not share arrays with a live one)."""
        out = History(metric_name=self.metric_name)
        out.add_block(self.steps.copy(), self.batch_loss.copy(), self.batch_lr.copy())
        out.epochs = [dict(e) for e in self.epochs]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric_name": self.metric_name,
            "steps": self.steps.tolist(),
            "batch_loss": [_finite_or_none(v) for v in self.batch_loss.tolist()],
            "batch_lr": self.batch_lr.tolist(),
            "epochs": [dict(e) for e in self.epochs],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        h = cls(metric_name=str(d.get("metric_name", "accuracy")))
        steps = np.asarray(d.get("steps", []), dtype=np.int64)
        loss = np.asarray([np.nan if v is None else v for v in d.get("batch_loss", [])], np.float64)
        lr = np.asarray(d.get("batch_lr", []), dtype=np.float64)
        if not (len(steps) == len(loss) == len(lr)):
            raise ValueError("history arrays steps, batch_loss and batch_lr differ in length")
        h.add_block(steps, loss, lr)
        h.epochs = [{k: e.get(k) for k in EPOCH_KEYS} for e in d.get("epochs", [])]
        return h


def _finite_or_none(v: float) -> float | None:
    return v if math.isfinite(v) else None
