"""Run ▸ Sweep…: open the sweep dialog on a snapshot of the current project.

One dialog per window, kept between openings (a running sweep goes on while it is
hidden); opened again while idle, it takes the project as it is then. The window's
shutdown stops a running sweep and waits for its thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.session import Session

ACTION = "actionSweep"


class SweepCommands(QObject):
    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        notifier: Notifier,
        window: QWidget,
        data_setting=None,
    ):
        super().__init__(window)
        self.session, self.permissions, self.notifier = session, permissions, notifier
        self.window = window
        self.data_setting = data_setting
        self.dialog = None

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
        try:
            names = sweep_names(self.data_setting)
        except OSError:
            names = []
        if dialog is not None:
            dialog.shutdown()
            dialog.deleteLater()
        self.dialog = SweepDialog(project, self.data_setting, names, self.window)
        self.dialog.show()
        return True

    def shutdown(self) -> bool:
        return True if self.dialog is None else self.dialog.shutdown()
