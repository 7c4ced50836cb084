"""Reading a user's table off the GUI thread, with progress and Cancel.

- `TableLoader`: the window's loader. `load(project, ...)` runs
  tabular.load_project_data as a "table" job of the window's JobRunner (ui.jobs: a new
  read supersedes the previous one; `cancel()` makes the running one raise
  tabular.Cancelled at its next check) and keeps the last result, which
  `cached(project)` gives back while the project's data choices and the file (size,
  modification time) are unchanged, so a second Train does not read the file again.
What Train does with it for a table project is commands.tables.TableCommands'.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject

from desktop_app.core.specs.project import Project
from desktop_app.ui.jobs import JobRunner


# ---------------------------------------------------------------------------- loading
@dataclass
class LoadedTable:
    """A table project as read: the project records the file's hash and a summary."""

    project: Project
    data: object  # core.prepared.PreparedData
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
