"""Short background jobs (load or save a model file, predict a CSV) off the GUI thread.

Loading a model imports torch and reads a file; predicting a large CSV takes seconds.
`JobRunner.submit(fn, on_done, on_error)` runs `fn()` on a pool thread and calls
`on_done(result)` or `on_error(message)` back in the GUI thread. The pool thread only
emits a signal of this GUI-thread QObject; the bound @Slot receiving it runs in the GUI
thread (DESIGN.md §4), and only there are the callbacks called.

The pool is a child of the runner, so the tests' leak guard sees a job still running;
`shutdown()` waits for the jobs, and callbacks of jobs that finish after it are dropped.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop_app.core.errors import OdysseyError

log = logging.getLogger(__name__)


def job_error_message(exc: BaseException) -> str:
    """What the user reads when a job fails: our errors are written for users already."""
    if isinstance(exc, OdysseyError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "the computer ran out of memory"
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"unexpected {type(exc).__name__}{': ' + first if first else ''}"


class _Job(QRunnable):
    def __init__(self, runner: JobRunner, job_id: int, fn: Callable[[], object]):
        super().__init__()
        self.runner, self.job_id, self.fn = runner, job_id, fn

    def run(self) -> None:  # pool thread
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - every failure reaches the user
            if not isinstance(exc, OdysseyError):
                log.error("background job failed:\n%s", "".join(traceback.format_exception(exc)))
            self.runner._failed.emit(self.job_id, job_error_message(exc))
        else:
            self.runner._done.emit(self.job_id, result)


class JobRunner(QObject):
    """Runs callables on a small thread pool and reports back in the GUI thread."""

    busy_changed = Signal(bool)
    _done = Signal(int, object)
    _failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None, max_threads: int = 1):
        super().__init__(parent)
        self.setObjectName("jobRunner")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callable, Callable | None]] = {}
        self._closed = False
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(
        self,
        fn: Callable[[], object],
        on_done: Callable[[object], None],
        on_error: Callable[[str], None] | None = None,
    ) -> int:
        """Run fn() in the background; returns the job's id."""
        job_id = next(self._ids)
        self._pending[job_id] = (on_done, on_error)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(self, job_id, fn))
        return job_id

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until every job has ended (their callbacks are then still queued)."""
        return self.pool.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        self._closed = True
        ok = self.pool.waitForDone(timeout_ms)
        self._pending.clear()
        return ok

    def _finish(self, job_id: int) -> tuple[Callable, Callable | None] | None:
        callbacks = self._pending.pop(job_id, None)
        if callbacks is not None and not self._pending:
            self.busy_changed.emit(False)
        return None if self._closed else callbacks

    @Slot(int, object)
    def _on_done(self, job_id: int, result: object) -> None:
        callbacks = self._finish(job_id)
        if callbacks is not None:
            callbacks[0](result)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        callbacks = self._finish(job_id)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](message)
