"""TrainSpec: how the network learns (loss, optimizer, schedule, stopping, device)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.errors import SpecError
from desktop_app.core.printable import quoted
from desktop_app.core.specs.base import Spec

LossName = Literal["auto", "bce", "cross_entropy", "mse", "mae", "huber"]
OptimizerName = Literal["sgd", "adam", "adamw", "rmsprop", "adagrad"]
ScheduleName = Literal[
    "constant", "step", "multistep", "exponential", "cosine", "onecycle", "plateau"
]
Monitor = Literal["val_loss", "val_metric"]

LOSSES: tuple[str, ...] = LossName.__args__  # type: ignore[attr-defined]
OPTIMIZERS: tuple[str, ...] = OptimizerName.__args__  # type: ignore[attr-defined]
SCHEDULES: tuple[str, ...] = ScheduleName.__args__  # type: ignore[attr-defined]

LOSSES_FOR_TASK = {
    BINARY: ("bce",),
    MULTICLASS: ("cross_entropy",),
    REGRESSION: ("mse", "mae", "huber"),
}
DEFAULT_LOSS = {BINARY: "bce", MULTICLASS: "cross_entropy", REGRESSION: "mse"}


class TrainSpec(Spec):
    """How the network learns."""

    loss: LossName = "auto"
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    class_weight: Literal["none", "balanced"] = Field(
        "none",
        description="balanced: weight each class's loss by n / (classes × its count) on the "
        "training split, so a rare class counts as much as a common one (classification).",
    )
    huber_delta: float = Field(1.0, gt=0)
    optimizer: OptimizerName = "adam"
    lr: float = Field(0.01, gt=0, le=100, description="Learning rate.")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD and RMSprop momentum.")
    nesterov: bool = False
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0, le=10_000)
    l1: float = Field(0.0, ge=0, le=10_000, description="L1 penalty on the weights.")
    schedule: ScheduleName = "constant"
    step_size: int = Field(
        10, gt=0, le=1_000_000, description="Epochs between drops (step schedule)."
    )
    milestones: list[int] = Field(default_factory=lambda: [30, 60])
    gamma: float = Field(0.1, gt=0, le=1, description="Factor applied at each drop.")
    min_lr: float = Field(0.0, ge=0, le=100, description="Floor for cosine and plateau schedules.")
    plateau_patience: int = Field(5, ge=0, le=1_000_000)
    batch_size: int = Field(64, gt=0, le=10_000_000)
    epochs: int = Field(100, gt=0, le=1_000_000, description="Maximum epochs.")
    early_stopping: bool = True
    monitor: Monitor = "val_loss"
    patience: int = Field(10, ge=0, le=1_000_000)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True
    grad_clip: float | None = Field(None, gt=0, description="Max gradient norm; empty: none.")
    # More stopping criteria (MATLAB's training options); empty: off. Each ends the run
    # with its own stop reason.
    train_loss_goal: float | None = Field(
        None, gt=0, description="Stop once an epoch's training loss is at most this."
    )
    val_loss_goal: float | None = Field(
        None, gt=0, description="Stop once the validation loss is at most this."
    )
    val_metric_goal: float | None = Field(
        None, gt=0, le=1, description="Stop once the validation accuracy or R² reaches this."
    )
    max_seconds: float | None = Field(
        None, gt=0, description="Stop after this many seconds of training (a time budget)."
    )
    min_grad_norm: float | None = Field(
        None, gt=0, description="Stop once the gradient norm falls below this."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1)
    device: str = Field("auto", description="auto, cpu, cuda, cuda:N or mps.")
    threads: int | None = Field(None, gt=0, le=1024, description="CPU threads; empty: auto.")

    @model_validator(mode="after")
    def _check(self) -> TrainSpec:
        if self.nesterov and self.optimizer == "sgd" and self.momentum == 0:
            raise ValueError("Nesterov momentum needs a momentum above 0")
        if self.schedule == "plateau" and self.gamma >= 1:  # torch needs a factor below 1
            raise ValueError(
                f"train.gamma {self.gamma:g}: the plateau schedule multiplies the learning "
                "rate by gamma when the loss stops improving, so gamma must be below 1 "
                "(e.g. 0.1)"
            )
        if any(not 0 < m <= 1_000_000 for m in self.milestones) or self.milestones != sorted(
            self.milestones
        ):
            raise ValueError(
                f"milestones {quoted(self.milestones)} must be epochs from 1 to 1,000,000 in "
                "increasing order"
            )
        return self

    def resolved_loss(self, task: str) -> str:
        if task not in DEFAULT_LOSS:  # "auto": a table that was never loaded
            raise SpecError(
                "the task of this table project is not known until its file is read; "
                "load it first (core.tabular.prepare.load_project_data, as the app and CLI do)"
            )
        return DEFAULT_LOSS[task] if self.loss == "auto" else self.loss
