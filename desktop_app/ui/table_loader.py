"""Reading a user's table off the GUI thread, with progress and Cancel.

- `TableLoader`: the window's loader. `load(project, ...)` runs
  tabular.load_project_data as a "table" job of the window's JobRunner (ui.jobs: a new
  read supersedes the previous one; `cancel()` makes the running one raise
  tabular.Cancelled at its next check) and keeps the last result, which
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs import Project
from desktop_app.ui.jobs import JobRunner, error_message

log = logging.getLogger(__name__)

SHOW_PROGRESS_AFTER_MS = 300  # a quick load never flashes a dialog


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

    KIND = "table"

    def __init__(self, jobs: JobRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName("tableLoader")
        self.jobs = jobs
        self.last: LoadedTable | None = None

    @property
    def busy(self) -> bool:
        return self.jobs.is_busy(self.KIND)

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

            from desktop_app.core.tabular import load_project_data

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
        self.jobs.submit(read, done, on_error, on_progress, kind=self.KIND, supersede=True)

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
        self.jobs.cancel(self.KIND)


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
        from desktop_app.core.tabular import Cancelled, TableChangedError

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
            w.banner.show_message(f"Reading the table failed: {error_message(exc)}")


def load_then_train(window, project: Project) -> bool:
    """Train a table project: on the cached data, or after reading the file."""
    data = window.table_loader.cached(project)
    if data is not None:
        return window.train_on(data)
    if window.table_loader.busy:
        return False
    _TrainLoad(window, project).start()
    return True
