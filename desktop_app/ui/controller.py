"""The training lifecycle: snapshot the Project, run the worker thread, map its outcome.

The controller is the only object that owns the worker and its QThread. It lives in the
GUI thread, receives the worker's signals on bound @Slot methods (so Qt queues them to
the GUI thread) and re-emits them, together with a small state machine, for the window:

    idle --start--> running <--pause/resume--> paused
    running/paused --stop--> stopping --(worker ends)--> idle
    running --(worker finishes or fails)--> idle

Closing the window goes through `shutdown`, which stops cooperatively and waits for
the thread, so no QThread is ever destroyed while running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.planes import PlaneChoice
from desktop_app.core.specs.project import Project
from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_reports import RunOutcome
from desktop_app.ui.run_state import RunState
from desktop_app.ui.tracking import track_thread
from desktop_app.ui.worker import TrainingWorker

log = logging.getLogger(__name__)


class TrainingController(QObject):
    """Starts, pauses, resumes and stops training runs; one run at a time."""

    state_changed = Signal(str)  # a RunState value
    started = Signal(object)  # run_reports.RunInfo
    progress = Signal(object)  # run_reports.ProgressUpdate
    epoch = Signal(object)  # list of epoch log dicts
    finished = Signal(object)  # run_reports.RunOutcome (also for runs stopped by the user)
    failed = Signal(str)  # a message for the user

    def __init__(
        self,
        parent: QObject | None = None,
        worker_factory=TrainingWorker,
        control_factory=TimedControl,
    ):
        """worker_factory: makes the worker, called as TrainingWorker is (tests pass a
        fake one, to drive the state machine without training; training_process passes
        the worker of a run in the training process, with its RemoteControl as
        control_factory)."""
        super().__init__(parent)
        self._worker_factory = worker_factory
        self._control_factory = control_factory
        # The run's engine callbacks are sent to another process: they must be picklable.
        self.trains_elsewhere = control_factory is not TimedControl
        self._state = RunState.IDLE
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._timed: TimedControl | None = None
        self._run_id = 0
        self.project: Project | None = None  # the snapshot the current/last run trains
        self.pace: float | None = None  # slow motion: steps per second (None: full speed)
        self.plane = PlaneChoice()  # the plane the boundary is drawn on, for every run
        self.activation_layer = 0  # the hidden layer the activation space shows
        self.views_shown = (True, True)  # (the boundary, the inside of the network)
        self.last_outcome: RunOutcome | None = None
        # (project, resumed) -> engine callbacks for the next run (the run recorder)
        self.run_callbacks: Callable[[Project, bool], list] | None = None

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> RunState:
        return self._state

    @property
    def busy(self) -> bool:
        return self._state is not RunState.IDLE

    def _set_state(self, state: RunState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state.value)

    # ------------------------------------------------------------------ commands
    def start(
        self,
        project: Project,
        resume_from=None,
        epochs: int | None = None,
        data=None,
        step: str | None = None,
    ) -> bool:
        """Train `project` (a frozen spec: later edits make new ones). Returns False if a
        run is still going.

        data: the project's PreparedData when it is already loaded (an imported table
        read with progress and Cancel by ui.table_loader); else the worker prepares it.

        resume_from: a persistence.LoadedModel whose run goes on for `epochs` more epochs
        (its history, optimizer and schedule continue; see Trainer.from_checkpoint).

        step: "batch" or "epoch" to start paused after one batch or one epoch (the Step
        buttons pressed before a run).
        """
        if self.busy:
            return False
        self._release_thread()
        self.project = project  # frozen (core.specs): the run's snapshot as it is
        self._run_id += 1
        self._timed = self._control_factory()
        self._timed.set_pace(self.pace)
        self._timed.plane = self.plane
        self._timed.activation_layer = self.activation_layer
        self._timed.boundary_shown, self._timed.inside_shown = self.views_shown
        if step == "batch":
            self._timed.allow(1)
        elif step == "epoch":
            self._timed.pause_at_epoch_end = True
        self._worker = self._worker_factory(self.project, self._timed, resume_from, epochs, data)
        if self.run_callbacks is not None:
            self._worker.extra_callbacks = self.run_callbacks(project, resume_from is not None)
        thread = track_thread(QThread(), stop=self._timed.stop)
        thread.setObjectName(f"odyssey-training-{self._run_id}")
        self._worker.moveToThread(thread)
        self._worker.started.connect(self._on_started)
        self._worker.progress.connect(self._on_progress)
        self._worker.epoch.connect(self._on_epoch)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        thread.started.connect(self._worker.run)
        self._thread = thread
        self._set_state(RunState.PAUSED if step else RunState.RUNNING)
        thread.start()
        return True

    def step(self, what: str) -> bool:
        """A paused run takes one more batch ("batch") or runs to the end of its epoch
        ("epoch"), then pauses again; the state stays PAUSED."""
        if self._state is not RunState.PAUSED or self._timed is None:
            return False
        if what == "batch":
            self._timed.allow(1)
        else:
            self._timed.run_epoch()
        return True

    def set_pace(self, steps_per_second: float) -> None:
        """Slow motion for this run and the next ones (0: full speed)."""
        self.pace = steps_per_second or None
        if self._timed is not None:
            self._timed.set_pace(self.pace)

    @Slot(object)
    def set_plane(self, choice: PlaneChoice) -> None:
        """Draw the boundary on this plane from the running run's next evaluation on,
        and in the next runs."""
        self.plane = choice
        if self._timed is not None:
            self._timed.plane = choice  # one reference assignment: the relay reads it

    def set_views_shown(self, boundary: bool, inside: bool) -> None:
        """Which live views are on screen: the running run computes only those (a view
        shown again gets a fresh picture at the next step)."""
        self.views_shown = (bool(boundary), bool(inside))
        if self._timed is not None:
            self._timed.boundary_shown, self._timed.inside_shown = self.views_shown

    @Slot(int)
    def set_activation_layer(self, layer: int) -> None:
        """Project this hidden layer in the activation space from the next look on."""
        self.activation_layer = int(layer)
        if self._timed is not None:
            self._timed.activation_layer = self.activation_layer

    def pause(self) -> None:
        if self._state is RunState.RUNNING and self._timed is not None:
            self._timed.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self._state is RunState.PAUSED and self._timed is not None:
            self._timed.resume()
            self._set_state(RunState.RUNNING)

    def toggle_pause(self) -> None:
        if self._state is RunState.PAUSED:
            self.resume()
        else:
            self.pause()

    def stop(self) -> None:
        """Ask the run to end after the current step; `finished` follows."""
        if self._state in (RunState.RUNNING, RunState.PAUSED) and self._timed is not None:
            self._timed.stop()
            self._set_state(RunState.STOPPING)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Stop any run and wait for its thread. True if no thread is left running."""
        if self._timed is not None:
            self._timed.stop()
        ok = True
        if self._thread is not None:
            ok = self._thread.wait(timeout_ms)
            abort = getattr(self._worker, "abort", None)
            if not ok and abort is not None:  # a training process that would not stop
                log.error("the training run did not stop within %d ms; ending it", timeout_ms)
                abort()
                ok = self._thread.wait(timeout_ms)
            if not ok:
                log.error("the training thread did not stop within %d ms", timeout_ms)
        if ok:
            self._release_thread()
            self._set_state(RunState.IDLE)
        return ok

    def is_thread_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    # ------------------------------------------------------------------ worker slots
    def _current(self) -> bool:
        # A signal queued by a worker that shutdown() already released is ignored.
        return self.sender() is self._worker and self._worker is not None

    @Slot(object)
    def _on_started(self, info) -> None:
        if self._current():
            self.started.emit(info)

    @Slot(object)
    def _on_progress(self, update) -> None:
        if self._current():
            self.progress.emit(update)

    @Slot(object)
    def _on_epoch(self, logs) -> None:
        if self._current():
            self.epoch.emit(logs)

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        if not self._current():
            return
        self._end_thread()
        self.last_outcome = outcome
        self._set_state(RunState.IDLE)
        self.finished.emit(outcome)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._current():
            return
        self._end_thread()
        self._set_state(RunState.IDLE)
        self.failed.emit(message)

    def _end_thread(self) -> None:
        # The worker quits its thread's event loop right after emitting; this wait is short.
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()

    def _release_thread(self) -> None:
        """Drop the finished worker and thread (never while the thread runs)."""
        if self._thread is not None and not self._thread.isRunning():
            self._worker = None
            self._thread = None
            self._timed = None
