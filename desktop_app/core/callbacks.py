"""Training callbacks: the policies around the loop (early stopping).

The engine calls the hooks in order; a callback that wants training to end sets
``trainer.stop_training`` and a ``trainer.stop_reason`` (no exceptions for control flow).
A callback with state a resumed run needs names it with ``state_key`` and hands it out
and back with ``state_dict()`` / ``load_state_dict()``; the Trainer keeps those states
by that name in its own TrainerState.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.run_types import BatchBlock, TrainResult

# The hooks receive the engine's Trainer. Not imported, even for type checking: the
# engine imports this module, and the core keeps no import cycle.
Trainer = Any


class Callback:
    """Base class; override the hooks you need."""

    # The name this callback's state is kept under in a TrainerState (and a model
    # file); None: it has no state a resumed run needs.
    state_key: ClassVar[str | None] = None

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what state_dict() handed out (by a saved run)."""

    def on_train_begin(self, trainer: Trainer) -> None: ...
    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: ...
    def on_batch_end(self, trainer: Trainer, block: BatchBlock) -> None: ...
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None:
        """Before the test evaluation: the place to restore weights."""

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None: ...
    def on_exception(self, trainer: Trainer, exc: BaseException) -> None: ...


class EarlyStopping(Callback):
    """Stop when the monitored validation value stops improving; keep the best weights."""

    state_key = "early_stopping"

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

    def state_dict(self) -> dict[str, Any]:
        """The best value, its epoch, the epochs waited and the best weights (this
        callback's own tensors, or None)."""
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_weights": self.best_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        best = state.get("best_weights")
        self.best, self.best_epoch, self.wait = (
            state.get("best"),
            state.get("best_epoch"),
            int(state.get("wait", 0)),
        )
        self.best_state = None if best is None else {k: v.clone() for k, v in best.items()}


STOP_MARKS = {  # stop reason -> the label of the plots' marker where the run stopped
    "early_stopping": "early stop",
    "train_loss_goal": "loss goal",
    "val_loss_goal": "val. loss goal",
    "val_metric_goal": "metric target",
    "time_budget": "time budget",
    "min_grad_norm": "min. gradient",
}

STOP_REASONS = {  # stop reason -> what the run's end says
    "train_loss_goal": "the training loss reached its goal",
    "val_loss_goal": "the validation loss reached its goal",
    "val_metric_goal": "the validation metric reached its target",
    "time_budget": "the time budget was used up",
    "min_grad_norm": "the gradient norm fell below its minimum",
}


class StoppingCriteria(Callback):
    """The stopping criteria besides max epochs and early stopping: loss goals, a
    validation-metric target (per epoch), a time budget and a minimum gradient norm
    (checked every block of steps, so a long epoch stops part-way). Each sets the
    Trainer's stop reason to its name (STOP_REASONS says it in words)."""

    def __init__(self, train) -> None:
        """train: the project's TrainSpec."""
        self.t = train

    @staticmethod
    def wanted(train) -> bool:
        return any(
            v is not None
            for v in (
                train.train_loss_goal,
                train.val_loss_goal,
                train.val_metric_goal,
                train.max_seconds,
                train.min_grad_norm,
            )
        )

    def _stop(self, trainer: Trainer, reason: str) -> None:
        if not trainer.stop_training:
            trainer.stop_training, trainer.stop_reason = True, reason

    def _over_time(self, trainer: Trainer) -> bool:
        """The time budget counts the training loop's time, paused time left out."""
        budget = self.t.max_seconds
        if budget is None:
            return False
        seconds = trainer.training_seconds()
        return seconds is not None and seconds >= budget

    def on_batch_end(self, trainer: Trainer, block: BatchBlock) -> None:
        t = self.t
        if self._over_time(trainer):
            self._stop(trainer, "time_budget")
        if t.min_grad_norm is not None:
            grads = [p.grad for p in trainer.model.parameters() if p.grad is not None]
            if grads:
                import torch

                norm = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])))
                if norm < t.min_grad_norm:
                    self._stop(trainer, "min_grad_norm")

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        t = self.t
        if t.train_loss_goal is not None and logs["train_loss"] <= t.train_loss_goal:
            self._stop(trainer, "train_loss_goal")
        val_loss, val_metric = logs.get("val_loss"), logs.get("val_metric")
        if t.val_loss_goal is not None and val_loss is not None and val_loss <= t.val_loss_goal:
            self._stop(trainer, "val_loss_goal")
        if (
            t.val_metric_goal is not None
            and val_metric is not None
            and val_metric >= t.val_metric_goal
        ):
            self._stop(trainer, "val_metric_goal")
        if self._over_time(trainer):
            self._stop(trainer, "time_budget")
