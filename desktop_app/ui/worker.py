"""The training worker: runs core.engine.Trainer in a QThread and reports coalesced updates.

DESIGN.md §4: a parentless QObject moved to a QThread; it gets a frozen Project snapshot,
never reads or touches widgets, catches every exception and turns it into `failed`.
Batch losses arrive from the engine in blocks; the worker's EventRelay (relay.py)
buffers them and emits at most one `progress` (and one `epoch`) signal every ~200 ms, as
numpy arrays, never tensors, so the GUI thread's event queue never fills with per-batch
events. What the signals carry is in run_reports.py; the stop/pause token in
run_control.py (both re-exported here).

torch is imported inside `run`, in the worker thread, so that importing this module (on
the GUI's startup path) stays cheap.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project
from desktop_app.ui.relay import EMIT_INTERVAL_S, EventRelay
from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_job import train_run
from desktop_app.ui.run_reports import (
    SCATTER_LIMIT,
    ProgressUpdate,
    RunInfo,
    RunOutcome,
    user_message,
)

__all__ = [
    "EMIT_INTERVAL_S",
    "SCATTER_LIMIT",
    "EventRelay",
    "ProgressUpdate",
    "RunInfo",
    "RunOutcome",
    "TimedControl",
    "TrainingWorker",
    "user_message",
]

log = logging.getLogger(__name__)


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
        self.project = project  # frozen: the GUI's later edits make new Projects
        self.timed = timed
        self.resume_from = resume_from
        self.epochs = epochs
        self.data = data
        self.extra_callbacks: list = []  # more engine callbacks (the run store's recorder)

    @Slot()
    def run(self) -> None:
        relay = EventRelay(self, self.timed, self.epochs)
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

    def _train(self, relay: EventRelay) -> RunOutcome:
        return train_run(
            self.project,
            self.timed,
            relay,
            self.resume_from,
            self.epochs,
            self.data,
            self.extra_callbacks,
        )
