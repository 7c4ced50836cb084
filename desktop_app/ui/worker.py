"""The training worker: what the controller runs in its QThread for one run.

DESIGN.md §4: a parentless QObject moved to a QThread; it gets a frozen Project snapshot,
never reads or touches widgets, catches every exception and turns it into `failed`.
`RunWorker` is that contract (the signals, the snapshot, the thread's end);
`TrainingWorker` trains in the thread (run_job.train_run), and
training_process.ProcessTrainingWorker hands the run to the training process.
Batch losses arrive from the engine in blocks; the EventRelay (relay.py) buffers them
and emits at most one `progress` (and one `epoch`) signal every ~200 ms, as numpy
arrays, never tensors, so the GUI thread's event queue never fills with per-batch
events. What the signals carry is in run_reports.py; the stop/pause token in
run_control.py.

torch is imported inside `train_run`, in the worker thread, so that importing this
module (on the GUI's startup path) stays cheap.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.specs.project import Project
from desktop_app.ui.relay import EventRelay
from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_job import failure, train_run

log = logging.getLogger(__name__)


class RunWorker(QObject):
    """What the controller runs in its QThread for one Project snapshot: create, move to
    the thread, connect, start the thread. TrainingWorker trains in the thread;
    training_process.ProcessTrainingWorker hands the run to the training process.

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
        self.project = project  # frozen: the GUI's later edits make new Projects
        self.timed = timed
        self.resume_from = resume_from
        self.epochs = epochs
        self.data = data
        self.extra_callbacks: list = []  # more engine callbacks (the run store's recorder)

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        finally:
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()  # leave the thread's event loop once this slot returns

    def _run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class TrainingWorker(RunWorker):
    """Trains the run in the worker's own thread."""

    def _run(self) -> None:
        relay = EventRelay(self, self.timed, self.epochs)
        try:
            outcome = train_run(
                self.project,
                self.timed,
                relay,
                self.resume_from,
                self.epochs,
                self.data,
                self.extra_callbacks,
            )
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            message, details = failure(exc, relay)
            if details:
                log.error("training failed:\n%s", details)
            self.failed.emit(message)
        else:
            self.finished.emit(outcome)
