"""The engine callback that carries a run's events to the GUI, coalesced.

DESIGN.md §4: never one queued signal per batch. Batch losses arrive from the engine in
blocks (in the training thread); EventRelay buffers them and has the worker emit at
most one `progress` (and one `epoch`) signal every ~200 ms, as numpy arrays, with the
step, speed and time-left figures the status bar shows (paused time excluded).
DESIGN.md says ~50 ms; a few times a second is what the views need, and on a 2-core
machine 20 updates a second cost the loop 2% more of its speed than 5 do.
It also evaluates the decision boundary (or fitted curve, or regression heat map) on a
grid (core.boundary, under a millisecond for the default project), and the network's
numbers on a probe batch (core.inspect.network, under a millisecond for the networks
learners train), at most every BOUNDARY_INTERVAL_S of wall time and at the end of the
run, and sends them with the next progress update: the views inside the network are fed
twice a second, never per step, and only while their tab is on screen (the window tells
the run's TimedControl; a view shown again is computed at the next step). The plane the boundary is drawn on is the one the user
chose last: the GUI thread puts a frozen PlaneChoice on the run's TimedControl, read
here at each evaluation, so a change takes effect at the next one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

import numpy as np

from desktop_app.core.callbacks import Callback
from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_reports import ProgressUpdate, RunInfo

if TYPE_CHECKING:  # the training process imports this module without Qt
    from PySide6.QtCore import SignalInstance


class RunSignals(Protocol):
    """What the relay emits through: the TrainingWorker's signals (worker.py), or the
    training process's pipe (training_child.py); each has `emit(value)`."""

    started: SignalInstance
    progress: SignalInstance
    epoch: SignalInstance


EMIT_INTERVAL_S = 0.2  # at most 5 updates per second reach the GUI thread
BOUNDARY_INTERVAL_S = 0.5  # the decision boundary is evaluated at most this often


class EventRelay(Callback):
    """Engine callback (worker thread): buffers events and emits them in coalesced batches."""

    def __init__(self, worker: RunSignals, timed: TimedControl, epochs: int | None = None):
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
        self._source = None  # core.boundary.BoundarySource of the training data, or None
        self._early = None  # the run's EarlyStopping callback, if any
        self._boundary = None  # a grid not sent yet
        self.final_boundary = None  # the grid of the model as the loop left it
        self._looker = None  # core.inspect.look.Looker: the rows the looks inside use
        self.weights = None  # core.inspect.replay.WeightHistory: epoch replay's snapshots
        self._inside = None  # a core.inspect.network.NetworkSample not sent yet
        self.final_inside = None
        self._boundary_at = self._look_at = 0.0  # when each was last computed

    # -- engine hooks (worker thread)
    def on_train_begin(self, trainer) -> None:
        d, t = trainer.data, trainer.project.train
        steps_per_epoch = -(-len(d.x_train) // t.batch_size)
        epochs = trainer.epoch + (self.epochs or t.epochs)  # a continued run goes on
        from desktop_app.core.inspect.activations import hidden_layers
        from desktop_app.core.specs.model import count_parameters

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
            n_features=d.n_features,
            feature_names=list(d.prep.feature_names),
            hidden_layers=hidden_layers(trainer.model),
        )
        self._t0 = time.perf_counter()
        self._start_step = self._step = trainer.global_step
        self._rate_step = self._step
        self._rate_t = 0.0
        self._last_emit = self._t0
        self._setup_views(trainer)
        self._maybe_views(trainer, first=True)  # the initial weights' picture, at once
        self._early = trainer.early_stopping  # for the time left if it stops improving
        self.worker.started.emit(self.info)

    def on_batch_end(self, trainer, block) -> None:
        self._steps.append(block.steps)
        self._losses.append(block.losses)
        self._lrs.append(block.lrs)
        self._epoch = block.epoch
        self._step = int(block.steps[-1])
        self._report(trainer)

    def on_epoch_end(self, trainer, epoch, logs) -> None:
        if self.weights is not None:
            self.weights.add(epoch, trainer.global_step, trainer.model)
        self._epochs.append(dict(logs))
        self._epoch = epoch
        if self.timed.pause_at_epoch_end:  # Step one epoch: this one is done
            self.timed.pause_at_epoch_end = False
            self.timed.pause()
        self._report(trainer, first=epoch == 1)

    def _report(self, trainer, first: bool = False) -> None:
        """After an engine event: while the run holds (stepping, slow motion) show exactly
        where it stands; otherwise coalesce."""
        held = self.timed.paused or self.timed.paced
        self._maybe_views(trainer, first=first or held)
        if held:
            self.flush()
        else:
            self._maybe_flush()

    def on_fit_end(self, trainer) -> None:
        self._maybe_views(trainer, force=True)
        self.flush(phase="evaluating")

    def on_exception(self, trainer, exc) -> None:
        self.flush()

    # -- the views: decision boundary, inside the network, replay (training thread)
    def replay(self, trainer):
        """Epoch replay of this run (core.inspect.replay.Replay), or None."""
        if self.weights is None or len(self.weights.snapshots) < 2 or self._looker is None:
            return None
        from desktop_app.core.inspect.replay import Replay

        d = trainer.data
        return Replay(
            self.weights,
            trainer.project.model,
            d.n_features,
            d.n_outputs,
            self._looker,
            self._source,
        )

    def _setup_views(self, trainer) -> None:
        from desktop_app.core.boundary import BoundarySource
        from desktop_app.core.inspect.look import Looker
        from desktop_app.core.inspect.replay import WeightHistory

        d = trainer.data
        self._source = BoundarySource.of(d.prep, d.x_train, d.y_train)
        self._looker = Looker.of(d)
        self.weights = WeightHistory()  # epoch replay: the start, then every epoch's end
        self.weights.add(trainer.epoch, trainer.global_step, trainer.model)

    def _maybe_views(self, trainer, first: bool = False, force: bool = False) -> None:
        """The boundary and the network's numbers, each at most every
        BOUNDARY_INTERVAL_S while its view is on screen (a hidden one is not computed;
        shown again, it is due at once), and always at the start and the end."""
        now = time.perf_counter()
        timed, always = self.timed, force or first

        def due(last: float, shown: bool) -> bool:
            return always or (shown and now - last >= BOUNDARY_INTERVAL_S)

        if self._source is not None and due(self._boundary_at, timed.boundary_shown):
            self._boundary = self._source.grid(trainer.model, timed.plane, device=trainer.device)
            if force:
                self.final_boundary = self._boundary
            self._boundary_at = time.perf_counter()
        if self._looker is not None and due(self._look_at, timed.inside_shown):
            self._inside = self._looker.look(
                trainer.model,
                trainer.device,
                float(trainer.optimizer.param_groups[0]["lr"]),
                trainer.global_step,
                timed.activation_layer,
            )
            if force:
                self.final_inside = self._inside
            self._look_at = time.perf_counter()

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
        left = flat = None
        if done > 0:
            remaining = max(0, self.info.total_steps - self._step)
            left = remaining * active / done
            es = self._early
            if es is not None:
                per = self.info.steps_per_epoch
                in_epoch = (per - self._step % per) % per
                patience_left = max(0, es.patience - es.wait) * per
                flat = min(remaining, in_epoch + patience_left) * active / done
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
                seconds_left_if_flat=flat,
                phase=phase,
                boundary=self._boundary,
                inside=self._inside,
            )
        )
        self._boundary = self._inside = None
        if self._epochs:
            epochs, self._epochs = self._epochs, []
            self.worker.epoch.emit(epochs)
