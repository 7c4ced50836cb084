"""The types a training run shares with whoever drives and watches it: the Status enum,
the Control stop/pause token, the BatchBlock event and the TrainResult, the one record
of a finished run (the Trainer's, or what a model file keeps of it). No torch here."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.history import History
from desktop_app.core.specs.project import Project


class Status(enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    FINISHED = "finished"
    FAILED = "failed"


class Control:
    """Stop / pause token shared between the trainer and whoever drives it (thread-safe)."""

    def __init__(self) -> None:
        self.stop_requested = False
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        self.stop_requested = True
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        while not self._running.wait(0.1):
            pass


@dataclass
class BatchBlock:
    """A run of consecutive steps: global step numbers, losses and learning rates."""

    epoch: int
    steps: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray


@dataclass(frozen=True)
class RunTiming:
    """How long a run took and where: measured by the Trainer, not kept in model files."""

    seconds: float
    steps_per_second: float
    device: str
    threads: int


@dataclass
class TrainResult:
    """A finished run, stopped ones included: what was trained, how it ended, its test
    metrics and history. `timing` is None when it was not recorded (a model file's run),
    never padded with zeros."""

    project: Project
    status: Status
    stop_reason: str  # completed, early_stopping, user, non_finite
    epochs_run: int
    steps: int
    best_epoch: int | None
    task: str
    metric_name: str
    class_names: list[str] = field(default_factory=list)
    test_metrics: dict = field(default_factory=dict)
    history: History | None = None
    restored_epoch: int | None = None  # the epoch whose weights early stopping put back
    timing: RunTiming | None = None

    def summary(self) -> dict:
        t = self.timing
        return {
            "status": self.status.value,
            "stop_reason": self.stop_reason,
            "epochs_run": self.epochs_run,
            "steps": self.steps,
            "seconds": round(t.seconds, 3) if t else None,
            "steps_per_second": round(t.steps_per_second, 1) if t else None,
            "device": t.device if t else None,
            "threads": t.threads if t else None,
            "best_epoch": self.best_epoch,
            "test_metrics": self.test_metrics,
        }
