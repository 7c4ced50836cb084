"""The main window during a run: Train, and the controller's states and reports shown
in the actions, panels, plots, results and status bar.

A mixin of MainWindow (main_window.py composes and wires). Its slots receive the
TrainingController's signals, which the controller emits in the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QStyle

from desktop_app.core.boundary import unavailable_reason
from desktop_app.core.catalog import REGRESSION
from desktop_app.ui import model_actions
from desktop_app.ui.controller import RunState


class RunView:
    """Starts runs and shows their progress for MainWindow (needs its controller,
    history, plots, results, status bar and actions)."""

    @Slot()
    def train(self) -> bool:
        """Start a run of the current project (what the Train button does)."""
        return self.train_on(None)

    def train_on(self, data) -> bool:
        """Train the current project; data: its PreparedData when already read. A table
        project's file is read first (table_loader), which then calls train_on(data)."""
        if self.controller.busy or self._project is None:
            return False
        project = self._project
        if project.data.table is not None and data is None:
            from desktop_app.ui.table_loader import load_then_train

            return load_then_train(self, project)
        self.settings.save_last_project(project)
        self.banner.dismiss()
        t = project.train
        self.history.clear(
            metric_name="r2" if project.task == REGRESSION else "accuracy",
            monitor=t.monitor if t.early_stopping else "val_loss",
            schedule=t.schedule,
        )
        self.status.preparing()
        self.plots.boundary.clear()
        return self.controller.start(project, data=data)

    def clear_run_display(self) -> None:
        """Show nothing of an earlier run (File > New, Open): empty plots and results,
        a ready status bar. The last trained model stays for Save Model and Predict."""
        self.history.clear(live=False)
        self.results_panel.clear()
        self.plots.boundary.clear()
        self.status.reset(self.devices)
        self.banner.dismiss()

    @Slot(str)
    def _apply_state(self, state: str) -> None:
        s = RunState(state)
        busy = s is not RunState.IDLE
        active = s in (RunState.RUNNING, RunState.PAUSED)
        self.train_action.setEnabled(not busy and self._project is not None)
        self.pause_action.setEnabled(active)
        paused = s is RunState.PAUSED
        self.pause_action.setText("&Resume" if paused else "&Pause")
        icon = QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause
        self.pause_action.setIcon(self.style().standardIcon(icon))
        self.stop_action.setEnabled(active)
        for panel in self.panels:
            panel.set_locked(busy)
        for name in ("actionNew", "actionOpen"):
            self.file_actions[name].setEnabled(not busy)
        model_actions.update_actions(self)
        if not busy:  # after every edit of the project too (window_project revalidates)
            self.plots.boundary.project_changed(self._project)
        if paused:
            self.status.paused()
        elif s is RunState.STOPPING:
            self.status.stopping()
        elif s is RunState.RUNNING and self.status.info is not None:
            self.status.resumed()

    @Slot(object)
    def _on_started(self, info) -> None:
        self.status.started(info)
        reason = unavailable_reason(info.task, info.n_features)
        if reason:
            self.plots.boundary.explain(reason)

    @Slot(object)
    def _on_progress(self, update) -> None:
        self.history.add_batches(update.steps, update.losses, update.lrs)
        if update.boundary is not None:
            self.plots.boundary.set_grid(update.boundary)
        self.status.progress(update, running=self.controller.state is RunState.RUNNING)

    @Slot(object)
    def _on_epoch(self, logs) -> None:
        self.history.add_epochs(logs)

    @Slot()
    def _on_jobs_busy(self) -> None:
        model_actions.update_actions(self)

    @Slot(object)
    def _on_finished(self, outcome) -> None:
        if outcome.model is not None:
            self.trained_model, self.model_path = outcome.model, None
            model_actions.update_actions(self)
        self.history.end_run(outcome.stop_reason, outcome.best_epoch)
        self.results_panel.show_outcome(outcome)
        self.results_panel.project_changed(self._project)
        self.show_boundary(outcome)
        self.results_dock.show()
        self.results_dock.raise_()
        self.status.finished(outcome)

    def show_boundary(self, outcome) -> None:
        """The final decision boundary of a finished run or a loaded model, or why none."""
        prep = getattr(outcome.model, "preprocessing", None)
        n = prep.n_features if prep is not None else 0
        reason = unavailable_reason(outcome.task, n) if outcome.boundary is None else None
        self.plots.boundary.show_final(outcome.boundary, reason)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.history.end_run("failed", None)
        self.banner.show_message(message)
        self.status.failed()
