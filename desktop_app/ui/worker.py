"""The training worker: runs core.engine.Trainer in a QThread and reports coalesced updates.

DESIGN.md §4: a parentless QObject moved to a QThread; it gets a frozen Project snapshot,
never reads or touches widgets, catches every exception and turns it into `failed`.
Batch losses arrive from the engine in blocks; the worker buffers them and emits at most
one `progress` (and one `epoch`) signal every ~50 ms, as numpy arrays, never tensors, so
the GUI thread's event queue never fills with per-batch events.

torch is imported inside `run`, in the worker thread, so that importing this module (on
the GUI's startup path) stays cheap.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.callbacks import Callback
from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs import Project

log = logging.getLogger(__name__)

EMIT_INTERVAL_S = 0.05  # at most ~20 updates per second reach the GUI thread
SCATTER_LIMIT = 5000  # predicted-vs-actual points kept for the results plot


class TimedControl:
    """The engine's stop/pause token (same interface as core.engine.Control), which also
    counts the time spent paused.

    Throughput and time-left figures must not fall because the user paused; the worker
    subtracts the paused time recorded here. It is written out rather than subclassing
    Control because core.engine imports torch, which must stay off the GUI thread's path
    (the controller creates this token in the GUI thread when Train is pressed).
    """

    def __init__(self) -> None:
        self.stop_requested = False
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    # -- the interface core.engine.Trainer uses
    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        while not self._running.wait(0.1):
            pass

    # -- driven from the GUI thread
    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = time.perf_counter()
            self._running.clear()

    def resume(self) -> None:
        with self._lock:
            self._end_pause()
            self._running.set()

    def stop(self) -> None:
        with self._lock:
            self._end_pause()
            self.stop_requested = True
            self._running.set()

    def _end_pause(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.perf_counter() - self._paused_at
            self._paused_at = None

    def paused_seconds(self) -> float:
        with self._lock:
            extra = time.perf_counter() - self._paused_at if self._paused_at is not None else 0.0
            return self._paused_total + extra


@dataclass
class RunInfo:
    """What the run looks like once data and model are ready (sent once, in `started`)."""

    device: str
    threads: int
    task: str
    metric_name: str
    n_train: int
    n_val: int
    n_test: int
    batch_size: int
    steps_per_epoch: int
    epochs: int
    total_steps: int
    n_params: int
    class_names: list[str]


@dataclass
class ProgressUpdate:
    """New batch losses since the previous update, plus where the run stands."""

    steps: np.ndarray  # int64 global step numbers
    losses: np.ndarray  # float64
    lrs: np.ndarray  # float64
    epoch: int  # the epoch the last step belongs to
    step: int  # global step reached
    total_steps: int
    active_seconds: float  # wall time minus paused time since training began
    samples_per_second: float
    seconds_left: float | None
    phase: str = "training"  # training | evaluating


@dataclass
class RunOutcome:
    """Everything the GUI shows about a finished run (stopped runs included)."""

    project: Project
    stop_reason: str  # completed, early_stopping, user
    epochs_run: int
    steps: int
    seconds: float
    steps_per_second: float
    device: str
    threads: int
    best_epoch: int | None
    restored_epoch: int | None
    task: str
    metric_name: str
    test_metrics: dict
    class_names: list[str]
    history: object | None = None  # core.callbacks.History
    y_true: np.ndarray | None = None  # regression: actual test targets (original units)
    y_pred: np.ndarray | None = None  # regression: predictions (original units)
    extra: dict = field(default_factory=dict)
    model: object | None = None  # persistence.LoadedModel: CPU copy to save, predict, continue


def user_message(exc: BaseException) -> str:
    """The text a user reads for an exception raised during a run."""
    if isinstance(exc, OdysseyError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return (
            "The computer ran out of memory during training. Use fewer samples, a smaller "
            "network or a smaller batch size."
        )
    text = str(exc)
    if isinstance(exc, RuntimeError) and "out of memory" in text.lower():
        return (
            "The device ran out of memory. Use a smaller batch size or network, or train "
            "on the CPU."
        )
    first = text.strip().splitlines()[0] if text.strip() else ""
    return (
        f"Training failed with an unexpected error: {type(exc).__name__}"
        f"{': ' + first if first else ''}. Your project is unchanged; try again, and if it "
        "happens again please report it with the details from the log."
    )


class _Relay(Callback):
    """Engine callback (worker thread): buffers events and emits them in coalesced batches."""

    def __init__(self, worker: TrainingWorker, timed: TimedControl, epochs: int | None = None):
        self.worker = worker
        self.timed = timed
        self.epochs = epochs  # epochs this fit() runs (None: the project's)
        self.info: RunInfo | None = None
        self._steps: list[np.ndarray] = []
        self._losses: list[np.ndarray] = []
        self._lrs: list[np.ndarray] = []
        self._epochs: list[dict] = []
        self._epoch = 0
        self._step = 0
        self._start_step = 0
        self._t0 = time.perf_counter()
        self._last_emit = 0.0
        self._rate_t = 0.0  # active time and step at the previous rate sample
        self._rate_step = 0
        self._rate = 0.0  # samples per second, smoothed

    # -- engine hooks (worker thread)
    def on_train_begin(self, trainer) -> None:
        d, t = trainer.data, trainer.project.train
        steps_per_epoch = -(-len(d.x_train) // t.batch_size)
        epochs = trainer.epoch + (self.epochs or t.epochs)  # a continued run goes on
        from desktop_app.core.model import count_parameters

        self.info = RunInfo(
            device=str(trainer.device),
            threads=int(trainer.threads),
            task=d.task,
            metric_name=trainer.history.metric_name,
            n_train=len(d.x_train),
            n_val=len(d.x_val),
            n_test=len(d.x_test),
            batch_size=t.batch_size,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            total_steps=trainer.global_step + steps_per_epoch * (epochs - trainer.epoch),
            n_params=count_parameters(trainer.project.model, d.n_features, d.n_outputs),
            class_names=list(d.prep.class_names),
        )
        self._t0 = time.perf_counter()
        self._start_step = self._step = trainer.global_step
        self._rate_step = self._step
        self._rate_t = 0.0
        self._last_emit = self._t0
        self.worker.started.emit(self.info)

    def on_batch_end(self, trainer, block) -> None:
        self._steps.append(block.steps)
        self._losses.append(block.losses)
        self._lrs.append(block.lrs)
        self._epoch = block.epoch
        self._step = int(block.steps[-1])
        self._maybe_flush()

    def on_epoch_end(self, trainer, epoch, logs) -> None:
        self._epochs.append(dict(logs))
        self._epoch = epoch
        self._maybe_flush()

    def on_fit_end(self, trainer) -> None:
        self.flush(phase="evaluating")

    def on_exception(self, trainer, exc) -> None:
        self.flush()

    # -- coalescing
    def _maybe_flush(self) -> None:
        if time.perf_counter() - self._last_emit >= EMIT_INTERVAL_S:
            self.flush()

    def _active(self, now: float) -> float:
        return max(1e-9, now - self._t0 - self.timed.paused_seconds())

    def flush(self, phase: str = "training") -> None:
        if self.info is None:
            return
        now = time.perf_counter()
        self._last_emit = now
        active = self._active(now)
        if self._steps:
            steps = np.concatenate(self._steps)
            losses = np.concatenate(self._losses).astype(np.float64, copy=False)
            lrs = np.concatenate(self._lrs).astype(np.float64, copy=False)
            self._steps, self._losses, self._lrs = [], [], []
        else:
            steps = np.zeros(0, np.int64)
            losses = np.zeros(0, np.float64)
            lrs = np.zeros(0, np.float64)
        dt = active - self._rate_t
        if dt > 0.02 and self._step > self._rate_step:
            rate = (self._step - self._rate_step) * self.info.batch_size / dt
            self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
            self._rate_t, self._rate_step = active, self._step
        done = self._step - self._start_step
        left = None
        if done > 0:
            remaining = max(0, self.info.total_steps - self._step)
            left = remaining * active / done
        self.worker.progress.emit(
            ProgressUpdate(
                steps=steps,
                losses=losses,
                lrs=lrs,
                epoch=self._epoch,
                step=self._step,
                total_steps=self.info.total_steps,
                active_seconds=active,
                samples_per_second=self._rate,
                seconds_left=left,
                phase=phase,
            )
        )
        if self._epochs:
            epochs, self._epochs = self._epochs, []
            self.worker.epoch.emit(epochs)


class TrainingWorker(QObject):
    """Trains one Project snapshot. Create, move to a QThread, connect, start the thread.

    Signals (all emitted from the worker thread; connect them only to @Slot methods of
    GUI-thread QObjects so that Qt queues them):
      started(RunInfo), progress(ProgressUpdate), epoch(list[dict]),
      finished(RunOutcome), failed(str).
    Exactly one of finished/failed is emitted per run, after the last progress/epoch.
    """

    started = Signal(object)
    progress = Signal(object)
    epoch = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        project: Project,
        timed: TimedControl,
        resume_from: object | None = None,
        epochs: int | None = None,
        data: object | None = None,
    ):
        """resume_from: a persistence.LoadedModel to continue for `epochs` more epochs.
        data: the project's PreparedData if already loaded (never modified here)."""
        super().__init__(None)  # parentless: it is moved to its thread
        self.project = project.model_copy(deep=True)
        self.timed = timed
        self.resume_from = resume_from
        self.epochs = epochs
        self.data = data

    @Slot()
    def run(self) -> None:
        relay = _Relay(self, self.timed, self.epochs)
        try:
            outcome = self._train(relay)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            if not isinstance(exc, OdysseyError):
                log.error("training failed:\n%s", "".join(traceback.format_exception(exc)))
            try:
                relay.flush()
            except Exception:  # noqa: BLE001
                pass
            self.failed.emit(user_message(exc))
        else:
            self.finished.emit(outcome)
        finally:
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()  # leave the thread's event loop once this slot returns

    def _train(self, relay: _Relay) -> RunOutcome:
        from desktop_app.core.engine import Trainer  # imports torch, in this thread

        data = self.data
        if data is None and self.project.data.table is not None:
            # An imported table not read yet (Continue training): read it here, off the
            # GUI thread; Stop cancels the reading too.
            from desktop_app.core.tabular import load_project_data

            self.project, data = load_project_data(
                self.project, cancel=lambda: self.timed.stop_requested
            )
        if self.resume_from is not None:
            trainer = Trainer.from_checkpoint(
                self.resume_from,
                project=self.project,
                data=data,
                callbacks=[relay],
                control=self.timed,
                leave_core_free=True,
            )
        else:
            trainer = Trainer(
                self.project,
                data=data,
                callbacks=[relay],
                control=self.timed,
                leave_core_free=True,
            )
        result = trainer.fit(self.epochs)
        d = trainer.data
        y_true = y_pred = None
        if d.task == "regression" and len(d.x_test):
            from desktop_app.core.engine import predict_prepared

            n = min(len(d.x_test), SCATTER_LIMIT)
            pred = predict_prepared(trainer.model, d.task, d.x_test[:n], trainer.device)
            scale, mean = d.prep.target_scale, d.prep.target_mean
            y_pred = pred * scale + mean
            y_true = np.asarray(d.y_test[:n], dtype=np.float64) * scale + mean
        return RunOutcome(
            project=self.project,
            stop_reason=result.stop_reason,
            epochs_run=result.epochs_run,
            steps=result.steps,
            seconds=result.seconds,
            steps_per_second=result.steps_per_second,
            device=result.device,
            threads=result.threads,
            best_epoch=result.best_epoch,
            restored_epoch=trainer.restored_epoch,
            task=d.task,
            metric_name=trainer.history.metric_name,
            test_metrics=dict(result.test_metrics),
            class_names=list(d.prep.class_names),
            history=result.history,
            y_true=y_true,
            y_pred=y_pred,
            model=_snapshot(trainer),
        )


def _snapshot(trainer) -> object | None:
    """A CPU copy of the finished run's model (for Save Model, Predict, Continue)."""
    try:
        from desktop_app.core.persistence import snapshot

        return snapshot(trainer)
    except Exception:  # noqa: BLE001 - the run's results still reach the user
        log.exception("could not keep a copy of the trained model")
        return None


class DeviceProbe(QObject):
    """Lists the compute devices in a background thread (it imports torch, which takes a
    second or more), so the window paints first. Emits found(list[DeviceInfo]) or
    found(None) when torch cannot be loaded, then quits its thread."""

    found = Signal(object)

    def __init__(self) -> None:
        super().__init__(None)

    @Slot()
    def run(self) -> None:
        devices = None
        try:
            from desktop_app.core.devices import available_devices

            devices = available_devices()
        except BaseException:  # noqa: BLE001 - the combo then keeps its defaults
            log.exception("could not list compute devices")
        finally:
            self.found.emit(devices)
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()
