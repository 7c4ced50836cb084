"""Run ▸ Sweep…: open the sweep dialog on a snapshot of the current project.

One dialog per window, kept between openings (a running sweep goes on while it is
hidden); opened again while idle, it takes the project as it is then. Trials go to the
run store the Runs tab shows (its folder setting), and the tab reloads when a sweep
ends. The window's shutdown stops a running sweep and waits for its thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.commands.recorded_runs import RecordedRuns
from desktop_app.ui.session import Session

ACTION = "actionSweep"


class SweepCommands(QObject):
    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        notifier: Notifier,
        recorded_runs: RecordedRuns | None,
        window: QWidget,
    ):
        super().__init__(window)
        self.session, self.permissions, self.notifier = session, permissions, notifier
        self.recorded_runs = recorded_runs
        self.window = window
        self.dialog = None

    @property
    def data_setting(self) -> str | None:
        """The Runs tab's folder setting (empty: the user's data folder)."""
        runs = self.recorded_runs
        return (runs.folder_setting or None) if runs is not None else None

    @Slot()
    def open(self) -> bool:
        from desktop_app.core.sweep.folders import sweep_names
        from desktop_app.ui.sweep_dialog import SweepDialog

        dialog = self.dialog
        if dialog is not None and dialog.running:
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return True
        project = self.session.project
        if project is None or not self.permissions.allows(ACTION):
            problem = self.session.problem or "wait for the running work to finish"
            self.notifier.error(f"Cannot sweep yet: {problem}")
            return False
        from desktop_app.core.sweep.local import warm_up

        warm_up()  # the workers' fork server imports PyTorch while the user sets up
        try:
            names = sweep_names(self.data_setting)
        except OSError:
            names = []
        if dialog is not None:
            dialog.shutdown()
            dialog.deleteLater()
        self.dialog = SweepDialog(project, self.data_setting, names, self.window)
        if self.recorded_runs is not None:
            self.dialog.ended.connect(self.recorded_runs.reload)
            self.dialog.brushedRuns.connect(self._show_brushed)
            self.dialog.finished.connect(self._show_all)
        self.dialog.show()
        return True

    @Slot(str, object)
    def _show_brushed(self, _group: str, run_ids) -> None:
        """The Runs tab shows the sweep's trials inside the dialog's brushes (all runs
        again once no brush is narrowed)."""
        self.recorded_runs.panel.show_only(run_ids)

    @Slot(int)
    def _show_all(self, _result: int) -> None:
        self.recorded_runs.panel.show_only(None)

    def shutdown(self) -> bool:
        return True if self.dialog is None else self.dialog.shutdown()
