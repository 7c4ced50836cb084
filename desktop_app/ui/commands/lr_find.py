"""Run ▸ Find learning rate…: the learning-rate range test (core.lr_find) on the Session's
project, off the GUI thread, then its answer in a dialog with "Use this rate".

- `find()`: a table project's file is read first (TableCommands.load_then_train, with
  its own progress dialog); then the test runs as an "lr-find" job of the window's
  JobRunner, which the action table counts as blocking (nothing replaces the project
  while it runs). A window-modal progress dialog (objectName lrFindProgress) shows how
  far it got and has Cancel.
- The result opens views.lr_find.LrFindDialog (window-modal, not blocking); "Use this
  rate" sets train.lr of the project as it is then, through the Session, so the
  Optimizer panel shows it and the project counts as modified.
The test trains its own copy of the network: no run starts, and the current model,
history and plots stay as they were.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.files import BUSY
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.commands.tables import TableCommands
from desktop_app.ui.dialogs import JobProgress
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.session import Session

ACTION = "actionFindLearningRate"
JOB = "lr-find"
PANEL_LR_RANGE = (1e-6, 10.0)  # what the Optimizer panel's rate field holds


class LrFindCommands(QObject):
    """Find learning rate: run the test, show the answer, use the rate."""

    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        jobs: JobRunner,
        tables: TableCommands,
        notifier: Notifier,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.session, self.permissions, self.jobs = session, permissions, jobs
        self.tables, self.notifier = tables, notifier
        self.progress: JobProgress | None = None  # one dialog for every test
        self.dialog = None  # views.lr_find.LrFindDialog of the last result

    @Slot()
    def find(self) -> bool:
        """Start the test on the current project (what the menu item does)."""
        project = self.session.project
        if project is None or not self.permissions.allows(ACTION):
            if self.session.problem:
                self.notifier.error(f"Cannot test learning rates yet: {self.session.problem}")
            else:
                self.notifier.error(BUSY.format(what="testing learning rates"))
            return False
        if project.data.table is not None:
            return self.tables.load_then_train(project, self.find_on)
        return self.find_on(None)

    def find_on(self, data) -> bool:
        """Run the test on the current project; data: its PreparedData when read already."""
        project = self.session.project
        if project is None or not self.permissions.allows(ACTION):
            return False

        def run(progress, cancelled):
            import sklearn  # noqa: F401 (the package before its submodules: see table_loader)
            import torch  # noqa: F401

            from desktop_app.core.lr_find import find_learning_rate

            return find_learning_rate(
                project, data, cancel=cancelled, progress=progress, leave_core_free=True
            )

        self.notifier.dismiss()
        self.notifier.status("Testing learning rates…")
        if self.progress is None:
            self.progress = self._progress_dialog()
        self.progress.start()
        self.jobs.submit(run, self._done, self._failed, self._progress, kind=JOB)
        return True

    def _progress_dialog(self) -> JobProgress:
        return JobProgress(
            self.notifier.parent,
            "Training a copy of the network at rising learning rates…",
            "lrFindProgress",
            "Testing learning rates",
            "Find learning rate",
            self.cancel,
        )

    @Slot()
    def cancel(self) -> None:
        self.jobs.cancel(JOB)

    def _progress(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress.set_fraction(fraction)

    def _finish(self) -> None:
        if self.progress is not None:
            self.progress.close()
        self.notifier.clear_status()

    def _done(self, result) -> None:
        from desktop_app.ui.views.lr_find import LrFindDialog

        self._finish()
        project = self.session.project
        if self.dialog is not None:
            self.dialog.close()  # (its finished signal lets it go)
        dialog = LrFindDialog(
            result, project.train.lr if project is not None else None, self.notifier.parent
        )
        dialog.rateChosen.connect(self.use_rate)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()

    @Slot(int)
    def _dialog_closed(self, _result: int) -> None:
        """A closed answer is gone for good (the next test makes a new one)."""
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.core.tabular.detect import Cancelled

        self._finish()
        if isinstance(exc, Cancelled):
            self.notifier.status("The learning-rate test was cancelled; nothing changed.", 10_000)
        else:
            self.notifier.error(f"The learning-rate test failed: {error_message(exc)}")

    @Slot(float)
    def use_rate(self, rate: float) -> bool:
        """Make `rate` the project's learning rate (within what the Optimizer panel holds)."""
        project = self.session.project
        if project is None:
            self.notifier.error(
                f"The learning rate was not changed: {self.session.problem or 'fix the project first'}"
            )
            return False
        if not self.permissions.allows(ACTION):
            self.notifier.error(BUSY.format(what="changing the learning rate"))
            return False
        lo, hi = PANEL_LR_RANGE
        new = min(max(rate, lo), hi)
        old = project.train.lr
        train = project.train.model_copy(update={"lr": new})
        self.session.update(project.model_copy(update={"train": train}))
        note = f" (the nearest the panel allows to {rate:g})" if new != rate else ""
        self.notifier.status(f"Learning rate set to {new:g}{note}; it was {old:g}.", 10_000)
        return True
