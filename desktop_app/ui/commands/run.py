"""Train: start a run of the Session's project, and keep the finished run's model.

A table project's file is read first (TableCommands.load_then_train), which then calls
`train_on(data)`. When a run ends its CPU copy of the model becomes the Session's
current model (Save model, Predict, Continue training act on it).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.tables import TableCommands
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.run_display import RunDisplay
from desktop_app.ui.run_reports import RunOutcome
from desktop_app.ui.run_state import RunState
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings


class RunCommands(QObject):
    """Train, and what a run's end changes in the Session."""

    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        controller: TrainingController,
        tables: TableCommands,
        display: RunDisplay,
        settings: AppSettings,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.session, self.permissions = session, permissions
        self.controller, self.tables = controller, tables
        self.display, self.settings = display, settings
        controller.finished.connect(self._on_finished)

    @Slot()
    def train(self) -> bool:
        """Start a run of the current project (what the Train button does)."""
        return self.train_on(None)

    def step(self, what: str) -> bool:
        """Step one batch ("batch") or one epoch ("epoch"): a paused run goes on that
        far and pauses again; with no run, one starts and pauses after it."""
        if self.controller.state is RunState.PAUSED:
            return self.controller.step(what)
        return self.train_on(None, step=what)

    def train_on(self, data, step: str | None = None) -> bool:
        """Train the current project; data: its PreparedData when already read; step:
        start paused after one "batch" or "epoch"."""
        project = self.session.project
        if project is None or not self.permissions.allows("actionTrain"):
            return False
        if project.data.table is not None and data is None:
            return self.tables.load_then_train(project, lambda d: self.train_on(d, step))
        self.settings.save_last_project(project)
        self.display.prepare_run(project)
        return self.controller.start(project, data=data, step=step)

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        if outcome.model is not None:
            self.session.set_model(outcome.model)
        self.display.show_finished(outcome, self.session.project)
