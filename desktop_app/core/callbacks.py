"""Training callbacks: the policies around the loop (history, early stopping).

The engine calls the hooks in order; a callback that wants training to end sets
``trainer.stop_training`` and a ``trainer.stop_reason`` (no exceptions for control flow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.engine import BatchBlock, Trainer, TrainResult


class Callback:
    """Base class; override the hooks you need."""

    def on_train_begin(self, trainer: Trainer) -> None: ...
    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: ...
    def on_batch_end(self, trainer: Trainer, block: BatchBlock) -> None: ...
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None:
        """Before the test evaluation: the place to restore weights."""

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None: ...
    def on_exception(self, trainer: Trainer, exc: BaseException) -> None: ...


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

    def to_csv_rows(self) -> tuple[list[str], list[list]]:
        """Per-epoch history as CSV header and rows (what users paste into a sheet)."""
        header = list(EPOCH_KEYS)
        return header, [[e.get(k) for k in header] for e in self.epochs]


def _finite_or_none(v: float) -> float | None:
    return v if math.isfinite(v) else None


class EarlyStopping(Callback):
    """Stop when the monitored validation value stops improving; keep the best weights."""

    def __init__(self, monitor: str, patience: int, min_delta: float, restore_best: bool):
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.mode = "min" if monitor == "val_loss" else "max"
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict | None = None
        self.wait = 0

    def on_train_begin(self, trainer: Trainer) -> None:
        # A run that early stopping ended goes on only when someone asks for more epochs
        # (Continue training, --resume, another fit()). Those epochs get a fresh
        # patience; otherwise the counter, already at it, would stop the run again
        # after one epoch without a new best. The best score and weights found so far
        # stay: a new best must beat them, and the best epoch overall is restored.
        # Any other run goes on exactly as if it had never stopped, its count included.
        if self.wait >= self.patience:
            self.wait = 0

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        value = logs.get(self.monitor)
        if value is None or not math.isfinite(value):
            return
        improved = (
            self.best is None
            or (self.mode == "min" and value < self.best - self.min_delta)
            or (self.mode == "max" and value > self.best + self.min_delta)
        )
        if improved:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = {
                    k: v.detach().clone() for k, v in trainer.model.state_dict().items()
                }
            trainer.best_epoch = epoch
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                trainer.stop_reason = "early_stopping"

    def on_fit_end(self, trainer: Trainer) -> None:
        if (
            self.restore_best
            and self.best_state is not None
            and trainer.stop_reason != "non_finite"
        ):
            trainer.model.load_state_dict(self.best_state)
            trainer.restored_epoch = self.best_epoch

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state(self, d: dict) -> None:
        self.best, self.best_epoch, self.wait = (
            d.get("best"),
            d.get("best_epoch"),
            int(d.get("wait", 0)),
        )
