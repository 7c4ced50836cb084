"""The main window: composes the session, panels, plots, commands and actions, and wires
them. No logic of its own and no mixins:

- session.py owns what is open (project, saved copy, path, current model);
- project_form.py keeps the panels and the session's project in step;
- action_state.py alone decides what is enabled, from the run state, the busy jobs and
  the session;
- commands/ hold what the menus and buttons do; run_display.py shows runs;
- controller.py runs training; jobs.py runs every other background job.

This module is on the startup path, so nothing it imports at module level may import
torch, scikit-learn or pyqtgraph; window_startup.py makes the plots and the views just
after the first paint, and then lists the devices in a background probe.

objectNames: mainWindow; docks datasetDock, architectureDock, optimizerDock, resultsDock;
actions actionTrain, actionPause, actionStop (toolbar buttons trainButton, pauseButton,
stopButton); projectMessage (why Train is disabled), errorBanner/errorBannerText (run
errors); status bar progressLabel, trainingProgress, samplesPerSecondLabel, deviceLabel;
plots lossPlot, metricPlot, lrPlot; resultsPanel (results.py lists its metric_* labels).
Menu actions: actions.py lists them. The title ends in "*" while the project differs
from what was last saved or opened; files dropped on the window open (commands.opening).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QStyle

from desktop_app.core.specs.project import Project
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.actions import ActionTargets, build_actions
from desktop_app.ui.central_tabs import central_tabs, report_shown_views
from desktop_app.ui.commands.closing import CloseGuard
from desktop_app.ui.commands.evaluation import EvaluationCommands
from desktop_app.ui.commands.exports import HistoryExports
from desktop_app.ui.commands.files import ProjectFiles, RecentFiles
from desktop_app.ui.commands.inspect import InspectCommands
from desktop_app.ui.commands.lr_find import LrFindCommands
from desktop_app.ui.commands.model_exports import ModelExports
from desktop_app.ui.commands.models import ModelCommands
from desktop_app.ui.commands.notifier import WindowNotifier
from desktop_app.ui.commands.opening import FileOpener, dropped_paths
from desktop_app.ui.commands.recorded_runs import RecordedRuns
from desktop_app.ui.commands.run import RunCommands
from desktop_app.ui.commands.sweep import SweepCommands
from desktop_app.ui.commands.tables import TableCommands
from desktop_app.ui.commands.variants import VariantCommands
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.gc_policy import collect_in_gui_thread
from desktop_app.ui.jobs import JobRunner
from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.panels.architecture import ArchitecturePanel
from desktop_app.ui.panels.dataset import DatasetPanel
from desktop_app.ui.panels.optimizer import OptimizerPanel
from desktop_app.ui.panels.runs import RunsPanel
from desktop_app.ui.plots.area import PlotsArea
from desktop_app.ui.project_form import ProjectForm
from desktop_app.ui.results import ResultsPanel
from desktop_app.ui.run_display import RunDisplay
from desktop_app.ui.run_state import RunState
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings
from desktop_app.ui.status import RunStatusBar
from desktop_app.ui.table_loader import TableLoader
from desktop_app.ui.training_process import RemoteControl, TrainingProcess, trains_in_process
from desktop_app.ui.views.inside import InsideView
from desktop_app.ui.window_startup import AfterFirstPaint, restore_window, save_window_settings

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Odyssey's window. `project`: what to open (default: the last one, else the default)."""

    def __init__(self, project: Project | None = None, settings: AppSettings | None = None):
        super().__init__()
        collect_in_gui_thread()  # Qt objects in garbage cycles die in this thread only
        self.setObjectName("mainWindow")
        self.settings = settings or AppSettings()
        if project is None:
            project = self.settings.last_project() or Project()
        self._shut_down = False

        # What is open, what runs, and the background jobs.
        self.session = Session(project, self)
        # Runs train in a child process (training_process.py), or in a thread here.
        self.training_host = TrainingProcess() if trains_in_process() else None
        if self.training_host is not None:
            self.controller = TrainingController(
                self, worker_factory=self.training_host.worker, control_factory=RemoteControl
            )
        else:
            self.controller = TrainingController(self)
        self.jobs = JobRunner(self)  # model files, tables, the device probe
        self.table_loader = TableLoader(self.jobs, self)

        # Widgets.
        self.history = LiveHistory(self)
        self.dataset_panel = DatasetPanel()
        self.architecture_panel = ArchitecturePanel()
        self.optimizer_panel = OptimizerPanel()
        self.results_panel = ResultsPanel()
        self.plots = PlotsArea(self.history, self.settings)
        self.banner = self.plots.banner
        self.inside = InsideView()
        self.runs_panel = RunsPanel()
        self.runs_panel.columns.set_hidden(self.settings.recent_names("runs_hidden", ["When"]))
        self.tabs = central_tabs(self.plots, self.inside, self.runs_panel)
        self.setCentralWidget(self.tabs)
        self.status = RunStatusBar(self)
        self.setStatusBar(self.status)
        self.docks = self._build_docks()
        dataset_dock, results_dock = self.docks[0], self.docks[3]

        # Behaviour.
        self.form = ProjectForm(
            self.session,
            self.dataset_panel,
            self.architecture_panel,
            self.optimizer_panel,
            parent=self,
        )
        self.display = RunDisplay(
            self.history,
            self.plots,
            self.inside,
            self.results_panel,
            results_dock,
            self.status,
            self.banner,
            self,
        )
        notifier = WindowNotifier(self, self.banner, self.status)
        self.permissions = Permissions(
            lambda: self.controller.state, lambda: self.jobs.busy_kinds, self.session
        )
        allowed = self.permissions
        recent = RecentFiles(self.settings, notifier)
        self.files = ProjectFiles(
            self.session, allowed, notifier, self.settings, self.display, recent
        )
        self.models = ModelCommands(
            self.session,
            allowed,
            self.controller,
            self.jobs,
            notifier,
            self.settings,
            self.display,
            self.files,
            recent,
        )
        self.tables = TableCommands(
            self.session,
            allowed,
            self.table_loader,
            notifier,
            self.settings,
            dataset_dock,
        )
        self.runs = RunCommands(
            self.session, allowed, self.controller, self.tables, self.display, self.settings, self
        )
        exports = HistoryExports(
            self.history, lambda: self.plots.loss.smoothed, notifier, self.settings
        )
        self.lr_find = LrFindCommands(self.session, allowed, self.jobs, self.tables, notifier, self)
        self.inspect = InspectCommands(self.session, allowed, notifier)
        self.evaluation = EvaluationCommands(notifier)
        self.results_panel.evaluationRequested.connect(self.evaluation.open)
        self.opener = FileOpener(self.files, self.models, self.tables, allowed, notifier)
        recent.open_path = self.opener.open
        self.recorded_runs = RecordedRuns(
            self.runs_panel, self.controller, self.files, self.models, self.jobs, notifier, self
        )
        show_runs = lambda: self.tabs.setCurrentWidget(self.runs_panel)  # noqa: E731
        self.variants = VariantCommands(self.recorded_runs, self.tables, show_runs, self)
        self.sweeps = SweepCommands(self.session, allowed, notifier, self.recorded_runs, self)
        self.closing = CloseGuard(self.session, self.controller, self.files, notifier)

        acts = build_actions(
            self,
            ActionTargets(
                controller=self.controller,
                run=self.runs,
                files=self.files,
                recent=recent,
                models=self.models,
                tables=self.tables,
                exports=exports,
                lr_find=self.lr_find,
                docks=self.docks,
                reset_layout=self.reset_layout,
                about=self.about,
                inspect=self.inspect,
                model_exports=ModelExports(
                    self.session, allowed, self.jobs, notifier, self.settings
                ),
                sweep=self.sweeps,
                variants=self.variants,
            ),
        )
        self.actions = acts.actions
        self.train_action, self.pause_action, self.stop_action = acts.train, acts.pause, acts.stop
        self.project_message = acts.project_message
        self._message_action = acts.project_message_action  # toolbar widgets hide via it

        self._connect()
        self.form.show_project(project)
        self.session.mark_saved(None)
        self._default_state = restore_window(self)
        self.setAcceptDrops(True)
        self.startup = AfterFirstPaint(self)  # plots, views, then the device probe

    # ================================================================== construction
    def _build_docks(self) -> tuple[QDockWidget, ...]:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        specs = (
            ("Dataset", "datasetDock", self.dataset_panel, left),
            ("Architecture", "architectureDock", self.architecture_panel, left),
            ("Optimizer and training", "optimizerDock", self.optimizer_panel, right),
            ("Results", "resultsDock", self.results_panel, right),
        )
        docks = []
        for title, name, widget, area in specs:
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            dock.toggleViewAction().setObjectName(f"{name}Toggle")
            dock.toggleViewAction().setToolTip(f"Show or hide the {title} panel")
            self.addDockWidget(area, dock)
            docks.append(dock)
        dataset, _architecture, optimizer, results = docks
        self.tabifyDockWidget(optimizer, results)
        optimizer.raise_()
        # Narrow side panels: the plots are what people come for (300 px is each panel's
        # minimum, which its scrolling column fits without a horizontal scroll bar).
        self.resizeDocks([dataset, optimizer], [310, 330], Qt.Orientation.Horizontal)
        return tuple(docks)

    def _connect(self) -> None:
        self.dataset_panel.importRequested.connect(self.tables.import_table)
        self.dataset_panel.changeTableRequested.connect(self.tables.change_table)
        s, c = self.session, self.controller
        s.project_changed.connect(self._on_project_changed)
        s.saved_changed.connect(self._update_title)
        s.model_changed.connect(self._apply_enablement)
        self.jobs.busy_changed.connect(self._apply_enablement)
        c.state_changed.connect(self._on_run_state)
        c.started.connect(self.display.on_started)
        c.progress.connect(self._on_progress)
        c.epoch.connect(self.display.on_epoch)
        c.failed.connect(self.display.on_failed)
        self.inside.layerChosen.connect(c.set_activation_layer)
        report_shown_views(self.tabs, c.set_views_shown)
        if self.plots.is_built:
            self._wire_plots()
        else:  # the plots are made just after the first paint
            self.plots.built.connect(self._wire_plots)

    @Slot()
    def _wire_plots(self) -> None:
        boundary = self.plots.boundary
        boundary.planeChosen.connect(self.controller.set_plane)  # the running run's next grid
        boundary.planeChosen.connect(self.display.show_plane)  # a finished one's

    # ================================================================== wiring slots
    @Slot()
    def _on_project_changed(self) -> None:
        """Why Train is disabled, whether the results are stale, what is enabled."""
        message = self.session.problem
        self.project_message.setText(message)
        self._message_action.setVisible(bool(message))
        self.train_action.setToolTip(
            f"Cannot train yet: {message}" if message else self.train_action.statusTip()
        )
        self.results_panel.project_changed(self.session.project)
        if not self.controller.busy:  # the boundary says whether this project gets one
            self.plots.project_changed(self.session.project)
        self._apply_enablement()

    @Slot(str)
    def _on_run_state(self, _state: str) -> None:
        self._apply_enablement()
        if not self.controller.busy:
            self.plots.project_changed(self.session.project)
        self.display.show_state(self.controller.state)

    @Slot(object)
    def _on_progress(self, update) -> None:
        self.display.show_progress(update, running=self.controller.state is RunState.RUNNING)

    @Slot()
    def _apply_enablement(self) -> None:
        e = self.permissions.now()
        for name, on in e.actions.items():
            self.actions[name].setEnabled(on)
        self.form.set_editable(e.panels_editable)
        self.pause_action.setText("&Resume" if e.paused else "&Pause")
        icon = (
            QStyle.StandardPixmap.SP_MediaPlay if e.paused else QStyle.StandardPixmap.SP_MediaPause
        )
        self.pause_action.setIcon(self.style().standardIcon(icon))

    @Slot()
    def _update_title(self) -> None:
        marker = "*" if self.session.modified else ""
        self.setWindowTitle(f"Odyssey — {self.session.name}{marker}")

    # ================================================================== view menu
    @Slot()
    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks:
            dock.show()
        self.plots.reset_layout()
        self.runs_panel.fit_panes()

    @Slot()
    def about(self) -> None:
        import pyqtgraph
        import PySide6

        from desktop_app import __version__

        QMessageBox.about(
            self,
            "About Odyssey",
            f"<b>Odyssey {__version__}</b><br>A desktop neural-network trainer.<br><br>"
            f"PySide6 {PySide6.__version__} · pyqtgraph {pyqtgraph.__version__}",
        )

    # ================================================================== startup / shutdown
    @property
    def devices(self) -> list | None:
        """The compute devices the probe listed (None: not yet, or it failed)."""
        return self.display.devices

    def shutdown(self) -> bool:
        """Stop training and background work and wait for their threads."""
        self._shut_down = True  # closing now asks nothing more
        self.variants.shutdown()  # a repeat or race stops; the job runner waits for it
        ok = self.controller.shutdown()
        if self.training_host is not None:
            self.training_host.close()
        self.tables.shutdown()
        ok = self.jobs.shutdown() and ok
        self.recorded_runs.shutdown()
        ok = self.models.shutdown() and ok
        ok = self.inspect.shutdown() and ok
        ok = self.evaluation.shutdown() and ok
        ok = self.sweeps.shutdown() and ok
        self.dataset_panel.shutdown()
        self.plots.stop_updates()
        self.inside.stop_updates()
        self.results_panel.stop_updates()
        self.status.clearMessage()  # stops the status bar's message timer
        return ok

    def save_settings(self) -> None:
        save_window_settings(self)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        paths = dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns: a question box inside dropEvent would hold the
        # drag source (another application) until it is answered.
        QTimer.singleShot(0, self, lambda: self.opener.open(paths[0]))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self._shut_down and not self.closing.confirm():
            event.ignore()
            return
        self.startup.closed = True
        self.hide()  # gone at once, even while shutdown waits for the worker to stop
        self.shutdown()
        self.save_settings()
        super().closeEvent(event)
