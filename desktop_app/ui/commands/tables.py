"""Imported tables: the Import table dialog (File ▸ Import table…, the Dataset panel's
buttons, a dropped file) and reading a table project's file before it trains.

- `import_table(path)` / `change_table()`: open the import dialog (window-modal, not
  blocking); what it imports becomes the project's data (model and training choices stay).
- `load_then_train(project, train)`: the cached data, or a window-modal progress dialog
  (objectName tableLoadProgress, with Cancel) while the file is read, then `train(data)`;
  a file whose content changed since it was imported asks (`ask_use_new_content`:
  "Use the new content" or Cancel); any other problem is shown in the banner and nothing
  changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox, QWidget

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.files import BUSY
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.dialogs import JobProgress
from desktop_app.ui.jobs import error_message
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings
from desktop_app.ui.table_loader import LoadedTable, TableLoader


def _ask(parent: QWidget, name: str, icon, title: str, text: str, info: str, yes: tuple) -> bool:
    """A question with one accepting button (`yes`: its text and objectName) and Cancel,
    the default. True: the user chose the button."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(info)
    button = box.addButton(yes[0], QMessageBox.ButtonRole.AcceptRole)
    button.setObjectName(yes[1])
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is button


def ask_read_outside(parent: QWidget, table: Path, folder: Path) -> bool:
    """The question before reading a table outside the project's folder."""
    return _ask(
        parent,
        "tableOutsideBox",
        QMessageBox.Icon.Question,
        "Read a table outside the project's folder?",
        f"This project reads its table from {table}, which is outside the project's "
        f"folder ({folder}).",
        "Read it only if you expect this project to use that file. Cancel leaves the "
        "project as it is; File ▸ Import table… chooses another table.",
        ("Read the table", "readOutsideTableButton"),
    )


def ask_use_new_content(parent: QWidget, message: str) -> bool:
    """The changed-file question. True: train on the file as it is now."""
    return _ask(
        parent,
        "tableChangedBox",
        QMessageBox.Icon.Warning,
        "The table has changed",
        message.replace(" (command line: --accept-changed)", ""),
        "Use the new content to read the file as it is now and record its new hash; "
        "Cancel leaves the project as it was.",
        ("Use the new content", "useNewContentButton"),
    )


class TableCommands:
    """Import a table, change its import, read it before training."""

    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        loader: TableLoader,
        notifier: Notifier,
        settings: AppSettings,
        dataset_dock: QDockWidget,
    ):
        self.session, self.permissions, self.loader = session, permissions, loader
        self.notifier, self.settings, self.dataset_dock = notifier, settings, dataset_dock
        self.import_dialog = None  # import_dialog.ImportTableDialog, once opened
        self.load_progress: JobProgress | None = None  # one dialog for every read
        self.approved: set[Path] = set()  # tables the user chose or agreed to read

    # ------------------------------------------------------------------ import
    def import_table(self, path: str | Path | None = None):
        """Open the import dialog on a table file (asked for when None); returns it."""
        return self._open_dialog(path, None)

    def change_table(self):
        """Reopen the import dialog on the current table with its choices."""
        project = self.session.project
        table = project.data.table if project is not None else None
        return self._open_dialog(None, table) if table is not None else None

    def _open_dialog(self, path, initial: TableSpec | None):
        from desktop_app.ui.import_dialog import ImportTableDialog
        from desktop_app.ui.import_form import TABLE_FILTER

        if not self.permissions.allows("actionImportTable"):
            self.notifier.error(BUSY.format(what="importing a table"))
            return None
        parent = self.notifier.parent
        if path is None and initial is None:
            folder = self.settings.recent("table_folder", str(Path.home()))
            path, _ = QFileDialog.getOpenFileName(parent, "Import a table", folder, TABLE_FILTER)
            if not path:
                return None
        path = Path(path) if path is not None else initial.resolved(None)
        self.settings.set_recent("table_folder", str(path.parent))
        old, self.import_dialog = self.import_dialog, None
        if old is not None:
            old.shutdown()
            old.close()
        base = self.session.project or Project()
        dialog = ImportTableDialog(path, base, self.loader, initial, parent)
        dialog.name = self.session.name if self.session.path else None
        dialog.imported.connect(self.apply_import)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def apply_import(self, result: LoadedTable) -> None:
        """The imported table becomes the project's data (model and training choices stay)."""
        self.approved.add(Path(result.project.data.table.path))
        self.session.update(result.project)
        t = result.project.data.table
        task = t.inferred_task or "?"
        classes = f", {t.n_classes} classes" if t.n_classes else ""
        text = (
            f"Imported {Path(t.path).name}: {t.n_rows:,} rows, {t.n_inputs} inputs, {task}{classes}"
        )
        if result.notes:
            text += " (" + "; ".join(result.notes) + ")"
        self.notifier.status(text, 15_000)
        self.dataset_dock.show()
        self.dataset_dock.raise_()

    def shutdown(self) -> None:
        """Stop the import dialog's preview thread (before the window closes)."""
        if self.import_dialog is not None:
            self.import_dialog.shutdown()

    # ------------------------------------------------------------------ before training
    def load_then_train(self, project: Project, train: Callable[[object], bool]) -> bool:
        """Train a table project: `train(data)` on the cached data, or after reading it."""
        data = self.loader.cached(project)
        if data is not None:
            return train(data)
        if self.loader.busy:
            return False
        if not self._may_read(Path(project.data.table.path)):
            self.notifier.status("The table was not read; nothing changed.", 10_000)
            return False
        _TrainLoad(self, project, train).start()
        return True

    def _may_read(self, table: Path) -> bool:
        """A project opened from a file may name any file as its table: one outside the
        project's folder is read only once the user agrees (once per file a session)."""
        folder = self.session.path.parent if self.session.path is not None else None
        if folder is None or table in self.approved:
            return True
        try:
            table.resolve().relative_to(folder.resolve())
            return True
        except ValueError:
            pass
        if ask_read_outside(self.notifier.parent, table, folder):
            self.approved.add(table)
            return True
        return False


class _TrainLoad(QObject):
    """One read-then-train: owns the progress dialog and decides what happens next."""

    def __init__(self, tables: TableCommands, project: Project, train: Callable[[object], bool]):
        parent = tables.notifier.parent
        super().__init__(parent)
        self.tables, self.project, self.train = tables, project, train
        if tables.load_progress is None:  # one dialog for every table read
            tables.load_progress = JobProgress(
                parent,
                "Reading the table…",
                "tableLoadProgress",
                "Reading the table",
                "Reading the table",
                tables.loader.cancel,
            )
        self.progress = tables.load_progress

    def start(self, accept_changed: bool = False) -> None:
        self.progress.start(f"Reading {Path(self.project.data.table.path).name}…")
        self.tables.notifier.status(f"Reading {Path(self.project.data.table.path).name}…")
        self.tables.loader.load(
            self.project, self._done, self._failed, self._progress, accept_changed=accept_changed
        )

    @Slot()
    def cancel(self) -> None:
        self.tables.loader.cancel()

    def _progress(self, fraction: float) -> None:
        self.progress.set_fraction(fraction)

    def _finish(self) -> None:
        self.progress.close()
        self.tables.notifier.clear_status()
        self.setParent(None)

    def _done(self, loaded: LoadedTable) -> None:
        self._finish()
        session, notifier = self.tables.session, self.tables.notifier
        if loaded.project != session.project:  # the rows, inputs, classes and hash recorded
            session.update(loaded.project)
        if loaded.notes:
            notifier.status("; ".join(loaded.notes), 10_000)
        self.train(loaded.data)

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.core.tabular.detect import Cancelled, TableChangedError

        self._finish()
        notifier = self.tables.notifier
        if isinstance(exc, Cancelled):
            notifier.status("Reading the table was cancelled; nothing changed.", 10_000)
        elif isinstance(exc, TableChangedError):
            if ask_use_new_content(notifier.parent, str(exc)):
                _TrainLoad(self.tables, self.project, self.train).start(accept_changed=True)
        elif isinstance(exc, OdysseyError):
            notifier.error(str(exc))
        else:
            notifier.error(f"Reading the table failed: {error_message(exc)}")
