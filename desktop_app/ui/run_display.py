"""A run on screen: the controller's reports shown in the live history (and so the
plots), the decision boundary, the results panel and the status bar; and a model file's
saved run shown the same way.

Its slots receive the TrainingController's signals, which the controller emits in the
GUI thread. It shows; it decides nothing about what the user may do (action_state.py)
and changes nothing the Session owns (the commands do).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDockWidget

from desktop_app.core.boundary import unavailable_reason
from desktop_app.core.catalog import REGRESSION
from desktop_app.core.planes import resolve
from desktop_app.core.specs.project import Project
from desktop_app.ui.dialogs import MessageBanner
from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.plots.area import PlotsArea
from desktop_app.ui.results import ResultsPanel
from desktop_app.ui.run_reports import RunOutcome
from desktop_app.ui.run_state import RunState
from desktop_app.ui.status import RunStatusBar
from desktop_app.ui.views.inside import InsideView

log = logging.getLogger(__name__)


class RunDisplay(QObject):
    """Shows runs (live and saved) in the history, plots, results and status bar."""

    def __init__(
        self,
        history: LiveHistory,
        plots: PlotsArea,
        inside: InsideView,
        results: ResultsPanel,
        results_dock: QDockWidget,
        status: RunStatusBar,
        banner: MessageBanner,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.history, self.plots, self.results = history, plots, results
        self.inside = inside
        self.replay = None  # core.inspect.replay.Replay of the run shown, or None
        self._replaying = False  # the views show a replayed epoch, not the final model
        inside.replay_bar.epochChosen.connect(self.show_epoch)
        self.input_names: list[str] = []  # the run's features, for the inside read-outs
        self.results_dock, self.status, self.banner = results_dock, status, banner
        self.devices: list | None = None  # as the device probe listed them
        # The final model shown and where its boundary came from, to draw it on another
        # plane: (core.boundary.BoundarySource, torch module), or None during a run.
        self._final: tuple | None = None

    # ------------------------------------------------------------------ before a run
    def prepare_run(self, project: Project) -> None:
        """Empty plots for a new run of `project`."""
        self.banner.dismiss()
        t = project.train
        self.history.clear(
            metric_name="r2" if project.task == REGRESSION else "accuracy",
            monitor=t.monitor if t.early_stopping else "val_loss",
            schedule=t.schedule,
        )
        self.status.preparing()
        self._final = None  # the live model is the training thread's
        self.plots.boundary.prepare_run(project)
        self.inside.clear()

    def prepare_continue(self, model) -> None:
        """The plots go on from `model`'s saved run (a persistence.LoadedModel)."""
        h = self.history
        shown = len(h.steps) == model.history.n_steps and (
            not len(h.steps) or h.steps.view()[-1] == model.history.steps[-1]
        )
        if not shown or h.live:
            self.show_history(model)
        self.banner.dismiss()
        self.history.continue_run()
        self.status.preparing()
        self._final = None

    def clear(self, project: Project | None = None) -> None:
        """Show nothing of an earlier run (File > New, Open): empty plots and results,
        a ready status bar; the boundary's pane as `project` (about to open) decides."""
        self.history.clear(live=False)
        self.results.clear()
        self._final = None
        if project is not None:
            self.plots.boundary.clear_for(project)
        else:
            self.plots.boundary.clear()
        self.inside.clear()
        self.status.reset(self.devices)
        self.banner.dismiss()

    def set_devices(self, devices: list | None) -> None:
        self.devices = devices
        self.status.devices_found(devices)

    # ------------------------------------------------------------------ the controller's reports
    def show_state(self, state: RunState) -> None:
        if state is RunState.PAUSED:
            self.status.paused()
        elif state is RunState.STOPPING:
            self.status.stopping()
        elif state is RunState.RUNNING and self.status.info is not None:
            self.status.resumed()

    @Slot(object)
    def on_started(self, info) -> None:
        self.status.started(info)
        self.input_names = list(info.feature_names)
        self.inside.start_run(info)
        self.results.run_started()
        reason = unavailable_reason(info.task, info.n_features)
        if reason:
            self.plots.boundary.explain(reason)

    def show_progress(self, update, running: bool) -> None:
        self.history.add_batches(update.steps, update.losses, update.lrs)
        if update.boundary is not None:
            self.plots.boundary.set_grid(update.boundary)
        if update.inside is not None:
            self.inside.show_look(update.inside, self.input_names)
        self.status.progress(update, running=running)

    @Slot(object)
    def on_epoch(self, logs) -> None:
        self.history.add_epochs(logs)

    def show_outcome(
        self, outcome: RunOutcome, project: Project | None, at_once: bool = True
    ) -> None:
        """A finished run (or a loaded model's saved one) in the results and plots
        (at_once=False: the boundary is drawn in its turn, not in this stretch)."""
        self.results.show_outcome(outcome)
        self.results.project_changed(project)
        self.show_boundary(outcome, at_once)
        if outcome.inside is not None:
            prep = getattr(outcome.model, "preprocessing", None)
            names = list(prep.feature_names) if prep is not None else self.input_names
            classes = list(prep.class_names) if prep is not None else None
            self.inside.show_look(outcome.inside, names, classes, live=not outcome.source)
        self.replay, self._replaying = outcome.replay, False
        epochs = self.replay.epochs if self.replay is not None else []
        note = ""
        if outcome.replay is None and outcome.source:
            note = "Epoch replay: this model file keeps no snapshots of its run."
        self.inside.replay_bar.set_epochs(epochs, note)
        self.results_dock.show()
        self.results_dock.raise_()

    def show_finished(self, outcome: RunOutcome, project: Project | None) -> None:
        self.results.run_ended()
        self.history.end_run(outcome.run.stop_reason, outcome.run.best_epoch)
        self.show_outcome(outcome, project, at_once=False)
        self.status.finished(outcome)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.results.run_ended()
        self.history.end_run("failed", None)
        self.banner.show_message(message)
        self.status.failed()

    # ------------------------------------------------------------------ saved runs
    def show_history(self, loaded) -> None:
        """A model file's history in the plots (a persistence.LoadedModel)."""
        t = loaded.project.train
        r = loaded.resume
        self.history.load(
            loaded.history,
            monitor=t.monitor if t.early_stopping else "val_loss",
            schedule=t.schedule,
            stop_reason=r.stop_reason if r is not None else None,
            best_epoch=r.best_epoch if r is not None else None,
        )

    def show_boundary(self, outcome: RunOutcome, at_once: bool = True) -> None:
        """The final decision boundary of a finished run or a loaded model, or why none;
        on the plane the user has chosen (a loaded model's comes on the default one)."""
        prep = getattr(outcome.model, "preprocessing", None)
        n = prep.n_features if prep is not None else 0
        grid = outcome.boundary
        reason = unavailable_reason(outcome.run.task, n) if grid is None else None
        source, module = getattr(grid, "source", None), getattr(outcome.model, "model", None)
        self._final = (source, module) if source is not None and module is not None else None
        choice = self.plots.boundary.choice
        names = getattr(grid, "feature_names", None)
        if self._final is not None and names and resolve(choice, names) != grid.choice:
            grid = self._redrawn(choice) or grid
        self.plots.boundary.show_final(grid, reason, at_once)

    @Slot(int)
    def show_epoch(self, epoch: int) -> None:
        """Epoch replay: the views and the boundary as the run's model was at `epoch`,
        computed here in the GUI thread (a few milliseconds; the replay's own model)."""
        if self.replay is None or self.history.live:
            return
        layer = self.inside.current_layer
        try:
            frame = self.replay.frame(epoch, self.plots.boundary.choice, layer)
        except Exception:  # noqa: BLE001 - what is shown stays; nothing else is lost
            log.exception("could not replay epoch %s", epoch)
            return
        if frame is None:
            return
        self._replaying = True
        self.inside.show_look(frame.look, self.input_names or None, live=False)
        if frame.boundary is not None:
            self.plots.boundary.show_final(frame.boundary)

    @Slot(object)
    def show_plane(self, choice) -> None:
        """The user chose another plane: after a run (or a loaded model) the final model
        is drawn on it now, here in the GUI thread: about a millisecond for the default
        project, and no other thread uses that copy of the model. During a run the
        training thread draws it (TrainingController.set_plane)."""
        if self._replaying and self.inside.replay_bar.epoch is not None:
            self.show_epoch(self.inside.replay_bar.epoch)
            return
        if self._final is None or self.history.live:
            return
        grid = self._redrawn(choice)
        if grid is not None:
            self.plots.boundary.show_final(grid)

    def _redrawn(self, choice):
        source, module = self._final
        try:
            return source.grid(module, choice)
        except Exception:  # noqa: BLE001 - the boundary shown stays; nothing else is lost
            log.exception("could not draw the boundary on the chosen plane")
            return None
