"""Reading a user's table off the GUI thread, with progress and Cancel.

- `Background`: runs one function at a time on its own Python thread, as
  ``fn(progress, cancel)``; its result or exception comes back in the GUI thread
  (a bridge QObject of the GUI thread emits, bound @Slot methods receive: DESIGN.md §4).
  A new request supersedes the previous one, whose result is dropped; `cancel()` makes
  the running one raise tabular.Cancelled at its next check.
- `TableLoader`: the window's loader. `load(project, ...)` runs
  tabular.load_project_data in the background and keeps the last result, which
  `cached(project)` gives back while the project's data choices and the file (size,
  modification time) are unchanged, so a second Train does not read the file again.
- `load_then_train(window, project)`: what Train does for a table project: the cached
  data, or a window-modal progress dialog (objectName tableLoadProgress, with Cancel)
  while the file is read; a file whose content changed since it was imported asks
  (`ask_use_new_content`: "Use the new content" or Cancel); any other problem is shown
  in the window's banner and nothing changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project

log = logging.getLogger(__name__)

PROGRESS_STEP = 0.005  # the smallest progress change sent to the GUI thread
SHOW_PROGRESS_AFTER_MS = 300  # a quick load never flashes a dialog


class _Bridge(QObject):
    """Lives in the GUI thread; the job's thread emits through it (queued delivery)."""

    progress = Signal(int, float)
    done = Signal(int, object)
    failed = Signal(int, object)


def _run_job(bridge: _Bridge, job: int, fn: Callable, event: threading.Event) -> None:
    """The body of a job's thread: fn(progress, cancel), then one done/failed signal."""
    last = [-1.0]

    def emit(signal, value) -> None:
        try:
            signal.emit(job, value)
        except RuntimeError:  # the owner was deleted meanwhile
            pass

    def progress(fraction: float) -> None:
        if fraction >= 1.0 or fraction - last[0] >= PROGRESS_STEP:
            last[0] = fraction
            emit(bridge.progress, float(fraction))

    try:
        result = fn(progress, event.is_set)
    except BaseException as exc:  # noqa: BLE001 - every failure reaches the user
        if not isinstance(exc, OdysseyError | MemoryError):
            log.error("table job failed:\n%s", "".join(traceback.format_exception(exc)))
        emit(bridge.failed, exc)
    else:
        emit(bridge.done, result)


class Background(QObject):
    """One background function at a time; the newest request wins.

    Each job runs on its own Python thread (a plain threading.Thread: its interpreter
    state is created and destroyed by Python, never by a Qt pool thread that exits on its
    own), and reports through a GUI-thread bridge. A superseded job finishes unseen.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self._job = 0
        self._event: threading.Event | None = None
        self._callbacks: tuple | None = None
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._callbacks is not None

    def submit(
        self,
        fn: Callable[[Callable[[float], None], Callable[[], bool]], object],
        on_done: Callable[[object], None],
        on_error: Callable[[BaseException], None],
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        """Run fn(progress, cancel) in the background; a running job is superseded."""
        was_busy = self.busy
        if self._event is not None:
            self._event.set()
        self._job += 1
        self._event = threading.Event()
        self._callbacks = (on_done, on_error, on_progress)
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(
            target=_run_job,
            args=(self._bridge, self._job, fn, self._event),
            name=f"odyssey-table-{self._job}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()
        if not was_busy:
            self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Ask the running job to stop; its on_error then gets tabular.Cancelled."""
        if self._event is not None and self.busy:
            self._event.set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until every job's thread has ended (their signals are then queued)."""
        deadline = time.monotonic() + timeout_ms / 1000
        for t in list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Cancel, wait for the threads, and drop every callback (before closing)."""
        self._closed = True
        self.cancel()
        ok = self.wait(timeout_ms)
        self._callbacks = None
        return ok

    def _take(self, job: int) -> tuple | None:
        if job != self._job or self._callbacks is None or self._closed:
            return None
        callbacks, self._callbacks = self._callbacks, None
        self.busy_changed.emit(False)
        return callbacks

    @Slot(int, float)
    def _on_progress(self, job: int, fraction: float) -> None:
        if job == self._job and self._callbacks is not None and self._callbacks[2] is not None:
            self._callbacks[2](fraction)

    @Slot(int, object)
    def _on_done(self, job: int, result: object) -> None:
        cancelled = self._event is not None and self._event.is_set()
        callbacks = self._take(job)
        if callbacks is None:
            return
        if cancelled:  # finished before it noticed: the user still asked to stop
            from desktop_app.core.tabular.detect import Cancelled

            callbacks[1](Cancelled())
        else:
            callbacks[0](result)

    @Slot(int, object)
    def _on_failed(self, job: int, exc: object) -> None:
        callbacks = self._take(job)
        if callbacks is not None:
            callbacks[1](exc)


# ---------------------------------------------------------------------------- loading
@dataclass
class LoadedTable:
    """A table project as read: the project records the file's hash and a summary."""

    project: Project
    data: object  # core.data.PreparedData
    notes: list[str] = field(default_factory=list)
    stamp: tuple | None = None  # the file's (size, mtime) before it was read


def file_stamp(project: Project) -> tuple | None:
    table = project.data.table
    if table is None:
        return None
    try:
        st = os.stat(table.resolved(None))
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class TableLoader(QObject):
    """The window's table reader (see the module docstring)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName("tableLoader")
        self.background = Background(self)
        self.last: LoadedTable | None = None

    @property
    def busy(self) -> bool:
        return self.background.busy

    def load(
        self,
        project: Project,
        on_done: Callable[[LoadedTable], None],
        on_error: Callable[[BaseException], None],
        on_progress: Callable[[float], None] | None = None,
        accept_changed: bool = False,
        fit_batch_size: bool = False,
    ) -> None:
        """Read project's table in the background (see tabular.load_project_data)."""

        def read(progress, cancel) -> LoadedTable:
            # The package first: while another thread (the dataset preview) initialises
            # scikit-learn, this waits for it, where importing a submodule directly (as
            # the split does) would see a half-initialised package and fail.
            import sklearn  # noqa: F401

            from desktop_app.core.tabular.prepare import load_project_data

            stamp = file_stamp(project)
            notes: list[str] = []
            loaded, data = load_project_data(
                project,
                progress=progress,
                cancel=cancel,
                accept_changed=accept_changed,
                notes=notes,
                fit_batch_size=fit_batch_size,
            )
            return LoadedTable(loaded, data, notes, stamp)

        def done(result: LoadedTable) -> None:
            self.last = result
            on_done(result)

        self.last = None  # memory: one table in memory at a time
        self.background.submit(read, done, on_error, on_progress)

    def cached(self, project: Project):
        """The PreparedData last read for this project, if file and choices are the same."""
        last = self.last
        if last is None or project.data != last.project.data:
            return None
        stamp = file_stamp(project)
        return last.data if stamp is not None and stamp == last.stamp else None

    def forget(self) -> None:
        self.last = None

    def cancel(self) -> None:
        self.background.cancel()

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        return self.background.shutdown(timeout_ms)


# ---------------------------------------------------------------------------- training
def ask_use_new_content(parent: QWidget, message: str) -> bool:
    """The changed-file question. True: train on the file as it is now."""
    box = QMessageBox(parent)
    box.setObjectName("tableChangedBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("The table has changed")
    box.setText(message.replace(" (command line: --accept-changed)", ""))
    box.setInformativeText(
        "Use the new content to read the file as it is now and record its new hash; "
        "Cancel leaves the project as it was."
    )
    use = box.addButton("Use the new content", QMessageBox.ButtonRole.AcceptRole)
    use.setObjectName("useNewContentButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is use


class _TrainLoad(QObject):
    """One read-then-train: owns the progress dialog and decides what happens next."""

    def __init__(self, window, project: Project):
        super().__init__(window)
        self.window, self.project = window, project
        name = Path(project.data.table.path).name
        dialog = QProgressDialog(f"Reading {name}…", "Cancel", 0, 1000, window)
        dialog.setObjectName("tableLoadProgress")
        dialog.setAccessibleName("Reading the table")
        dialog.setWindowTitle("Reading the table")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(SHOW_PROGRESS_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        dialog.canceled.connect(self.cancel)
        self.dialog = dialog

    def start(self, accept_changed: bool = False) -> None:
        self.dialog.setValue(0)
        self.window.status.showMessage(f"Reading {Path(self.project.data.table.path).name}…")
        self.window.table_loader.load(
            self.project,
            self._done,
            self._failed,
            self._progress,
            accept_changed=accept_changed,
        )

    @Slot()
    def cancel(self) -> None:
        self.window.table_loader.cancel()

    def _progress(self, fraction: float) -> None:
        self.dialog.setValue(int(1000 * fraction))

    def _finish(self) -> None:
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        self.dialog.deleteLater()
        self.window.status.clearMessage()
        self.setParent(None)

    def _done(self, loaded: LoadedTable) -> None:
        self._finish()
        w = self.window
        if loaded.project != w.project:  # the rows, inputs, classes and hash just recorded
            w.set_project(loaded.project)
        if loaded.notes:
            w.status.showMessage("; ".join(loaded.notes), 10_000)
        w.train_on(loaded.data)

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.core.tabular.detect import Cancelled, TableChangedError

        self._finish()
        w = self.window
        if isinstance(exc, Cancelled):
            w.status.showMessage("Reading the table was cancelled; nothing changed.", 10_000)
        elif isinstance(exc, TableChangedError):
            if ask_use_new_content(w, str(exc)):
                again = _TrainLoad(w, self.project)
                again.start(accept_changed=True)
        elif isinstance(exc, OdysseyError):
            w.banner.show_message(str(exc))
        else:
            from desktop_app.ui.jobs import job_error_message

            w.banner.show_message(f"Reading the table failed: {job_error_message(exc)}")


def load_then_train(window, project: Project) -> bool:
    """Train a table project: on the cached data, or after reading the file."""
    data = window.table_loader.cached(project)
    if data is not None:
        return window.train_on(data)
    if window.table_loader.busy:
        return False
    _TrainLoad(window, project).start()
    return True
