"""The types a training run shares with whoever drives and watches it: the Status enum,
the Control stop/pause token, the BatchBlock event and the TrainResult, the one record
of a finished run (the Trainer's, or what a model file keeps of it). No torch here."""

from __future__ import annotations

import enum
import threading
import time
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
    """Stop / pause / pace token shared between the trainer and whoever drives it.

    Besides stop and pause, the driver can let a paused run take a few steps
    (`allow(n)`: one batch at a time, as TensorFlow Playground's step button) and set a
    pace (`set_pace(steps_per_second)`: slow motion). The engine asks `must_wait()` once
    before each step, and calls `hold()` when told to: with no budget and no pace that
    check is the one attribute test it always was, so full speed costs nothing extra.
    The driver's calls come from another thread; each writes one attribute.

    It also counts the time spent paused (`paused_seconds()`): a run's duration, speed
    and time budget are its training time, not the minutes the user looked at a pause.
    Slow motion's waits are not pauses: the run does take that long.
    """

    def __init__(self) -> None:
        self.stop_requested = False
        self._running = threading.Event()
        self._running.set()
        self._budget: int | None = None  # steps still allowed before pausing again
        self._pace: float | None = None  # seconds between steps; None: full speed
        self._next_at = 0.0
        self._clock = threading.Lock()  # the pause clock is read from both threads
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def stop(self) -> None:
        self._end_pause()
        self.stop_requested = True
        self._running.set()

    def pause(self) -> None:
        with self._clock:
            if self._paused_at is None:
                self._paused_at = time.perf_counter()
        self._running.clear()

    def resume(self) -> None:
        self._end_pause()
        self._budget = None
        self._running.set()

    def allow(self, steps: int) -> None:
        """Let the run take `steps` more steps, then pause again."""
        self._end_pause()
        self._budget = max(0, int(steps))
        self._running.set()

    def paused_seconds(self) -> float:
        """Seconds spent paused so far, the pause going on included."""
        with self._clock:
            now = time.perf_counter()
            paused_at = self._paused_at
            return self._paused_total + (now - paused_at if paused_at is not None else 0.0)

    def _end_pause(self) -> None:
        with self._clock:
            if self._paused_at is not None:
                self._paused_total += time.perf_counter() - self._paused_at
                self._paused_at = None

    def set_pace(self, steps_per_second: float | None) -> None:
        """Slow motion: at most this many steps a second (None or 0: full speed)."""
        self._pace = 1.0 / steps_per_second if steps_per_second else None

    @property
    def paced(self) -> bool:
        return self._pace is not None

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def must_wait(self) -> bool:
        """Asked by the engine before each step: True when it must `hold()` first
        (paused, its step budget spent, or slow motion's next step not due yet)."""
        if self._budget is None and self._pace is None:
            return not self._running.is_set()
        if self._budget == 0:  # the steps allowed are done: pause here, so that what
            self._budget = None  # ran is shown as the run's paused state
            self.pause()
        if not self._running.is_set():
            return True
        if self._pace is not None and time.perf_counter() < self._next_at:
            return True
        self._take_step()
        return False

    def hold(self) -> None:
        """Block until the next step may run (or a stop is requested)."""
        while not self.stop_requested:
            if self._budget == 0:
                self._budget = None
                self.pause()
            if not self._running.wait(0.1):
                continue
            if self._pace is not None:
                due = self._next_at - time.perf_counter()
                if due > 0:
                    time.sleep(min(due, 0.05))
                    continue
            if self._budget == 0:
                continue
            self._take_step()
            return

    def _take_step(self) -> None:
        if self._budget is not None:
            self._budget -= 1
        if self._pace is not None:
            self._next_at = time.perf_counter() + self._pace


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
    step: str = "autograd"  # which training step ran: "fast path" or "autograd (why)"


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
            "step": t.step if t else None,
            "best_epoch": self.best_epoch,
            "test_metrics": self.test_metrics,
        }
