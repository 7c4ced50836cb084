"""The one way Odyssey runs work off the GUI thread (model files, table reads, previews,
the device probe, predictions on a file).

`JobRunner.submit(fn, on_done, on_error, on_progress, kind=..., supersede=...)` runs
``fn(progress, cancelled)`` on a Python thread of its own and calls back in the GUI
thread: `on_done(result)`, or `on_error(exception)`, and `on_progress(fraction)` on the
way. One set of rules for every job:

- **Delivery**: the job's thread only emits a signal of a GUI-thread bridge; the bound
  @Slot receiving it runs the callbacks in the GUI thread (DESIGN.md §4).
- **Stale results**: a job submitted with ``supersede=True`` replaces the running job of
  the same `kind`, which is asked to cancel and whose result is dropped unseen. Only the
  newest request of a kind is ever shown.
- **Cancel**: `cancel(kind)` makes `cancelled()` true for the running job of that kind;
  a job that finishes anyway is reported as `Cancelled`, since the user asked to stop.
- **Errors**: `error_message(exc)` is the one text a user reads for a failed job;
  unexpected exceptions are logged with their traceback once, here.
- **Shutdown**: `shutdown()` cancels every job, waits for the threads and drops every
  callback; closing windows call it before they go.

`busy_kinds` says which kinds are running (the action table uses it: a model file being
read blocks Train, a preview does not); `busy_changed` follows it.

Plain `threading.Thread`s, not a QThreadPool: a Python thread's interpreter state is
created and destroyed by Python, never by a Qt pool thread that expires on its own.
Runners register with `tracking`, so the tests' leak guard sees a job left running.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.ui.tracking import track_runner

log = logging.getLogger(__name__)

PROGRESS_STEP = 0.005  # the smallest progress change sent to the GUI thread

Progress = Callable[[float], None]
JobFn = Callable[[Progress, Callable[[], bool]], object]


def error_message(exc: BaseException) -> str:
    """What the user reads when a job fails: our errors are written for users already."""
    if isinstance(exc, OdysseyError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "the computer ran out of memory"
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"unexpected {type(exc).__name__}{': ' + first if first else ''}"


def cancelled_error() -> OdysseyError:
    """The exception a cancelled job reports (the table reader raises the same type)."""
    from desktop_app.core.tabular.detect import Cancelled

    return Cancelled()


class _Bridge(QObject):
    """Lives in the GUI thread; job threads emit through it (queued delivery)."""

    progress = Signal(int, float)
    done = Signal(int, object)
    failed = Signal(int, object)


@dataclass
class _Job:
    kind: str
    on_done: Callable[[object], None]
    on_error: Callable[[BaseException], None] | None
    on_progress: Progress | None
    event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


def _run(bridge: _Bridge, job_id: int, fn: JobFn, event: threading.Event) -> None:
    """The body of a job's thread: fn(progress, cancelled), then one done/failed signal."""
    last = [-1.0]

    def emit(signal, value) -> None:
        try:
            signal.emit(job_id, value)
        except RuntimeError:  # the runner was deleted meanwhile
            pass

    def progress(fraction: float) -> None:
        if fraction >= 1.0 or fraction - last[0] >= PROGRESS_STEP:
            last[0] = fraction
            emit(bridge.progress, float(fraction))

    try:
        result = fn(progress, event.is_set)
    except BaseException as exc:  # noqa: BLE001 - every failure reaches the user
        if not isinstance(exc, OdysseyError | MemoryError):
            log.error("background job failed:\n%s", "".join(traceback.format_exception(exc)))
        emit(bridge.failed, exc)
    else:
        emit(bridge.done, result)


class JobRunner(QObject):
    """Runs functions on background threads and reports back in the GUI thread."""

    busy_changed = Signal()

    def __init__(self, parent: QObject | None = None, name: str = "jobs"):
        super().__init__(parent)
        self.setObjectName(name)
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}  # jobs whose callbacks are still due
        self._threads: list[threading.Thread] = []
        self._closed = False
        track_runner(self)

    # ------------------------------------------------------------------ state
    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    @property
    def busy_kinds(self) -> frozenset[str]:
        return frozenset(job.kind for job in self._jobs.values())

    def is_busy(self, kind: str) -> bool:
        return any(job.kind == kind for job in self._jobs.values())

    def threads_alive(self) -> int:
        """Job threads still running (superseded ones included)."""
        self._threads = [t for t in self._threads if t.is_alive()]
        return len(self._threads)

    # ------------------------------------------------------------------ commands
    def submit(
        self,
        fn: JobFn,
        on_done: Callable[[object], None],
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Progress | None = None,
        *,
        kind: str = "job",
        supersede: bool = False,
    ) -> int:
        """Run fn(progress, cancelled) in the background; returns the job's id."""
        if self._closed:
            return 0
        before = self.busy_kinds
        if supersede:
            for old_id in [i for i, j in self._jobs.items() if j.kind == kind]:
                self._jobs.pop(old_id).event.set()  # asked to stop; its result is dropped
        job_id = next(self._ids)
        job = _Job(kind, on_done, on_error, on_progress)
        job.thread = threading.Thread(
            target=_run,
            args=(self._bridge, job_id, fn, job.event),
            name=f"odyssey-{kind}-{job_id}",
            daemon=True,
        )
        self._jobs[job_id] = job
        self.threads_alive()
        self._threads.append(job.thread)
        job.thread.start()
        if self.busy_kinds != before:
            self.busy_changed.emit()
        return job_id

    def cancel(self, kind: str | None = None) -> None:
        """Ask the running jobs of `kind` (all when None) to stop; they report Cancelled."""
        for job in self._jobs.values():
            if kind is None or job.kind == kind:
                job.event.set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until every job thread has ended (their callbacks are then still queued)."""
        deadline = time.monotonic() + timeout_ms / 1000
        for t in list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))
        return self.threads_alive() == 0

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Cancel everything, wait for the threads, drop every callback (before closing)."""
        self._closed = True
        self.cancel()
        ok = self.wait(timeout_ms)
        if self._jobs:
            self._jobs.clear()
            self.busy_changed.emit()
        return ok

    # ------------------------------------------------------------------ GUI-thread slots
    def _take(self, job_id: int) -> _Job | None:
        before = self.busy_kinds
        job = self._jobs.pop(job_id, None)
        if job is not None and self.busy_kinds != before:
            self.busy_changed.emit()
        return None if self._closed else job

    @Slot(int, float)
    def _on_progress(self, job_id: int, fraction: float) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.on_progress is not None and not self._closed:
            job.on_progress(fraction)

    @Slot(int, object)
    def _on_done(self, job_id: int, result: object) -> None:
        job = self._take(job_id)
        if job is None:
            return
        if job.event.is_set():  # finished before it noticed: the user still asked to stop
            if job.on_error is not None:
                job.on_error(cancelled_error())
        else:
            job.on_done(result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, exc: object) -> None:
        job = self._take(job_id)
        if job is not None and job.on_error is not None:
            job.on_error(exc)
