"""The main window: composes the panels, plots, results and actions, and wires them.

It holds no training logic (controller.py), no plotting logic (plots/), no file dialogs
(file_actions.py). Two mixins hold the rest of its behaviour: window_project.py keeps
the Project in step with the panels, window_run.py starts runs and shows their progress.
This module is on the startup path, so nothing it imports at module level may import
torch or scikit-learn; the device list is filled by a background probe started after
the first paint.

objectNames: mainWindow; docks datasetDock, architectureDock, optimizerDock, resultsDock;
actions actionTrain, actionPause, actionStop (toolbar buttons trainButton, pauseButton,
stopButton); projectMessage (why Train is disabled), errorBanner/errorBannerText (run
errors); status bar progressLabel, trainingProgress, samplesPerSecondLabel, deviceLabel;
plots lossPlot, metricPlot, lrPlot; resultsPanel (results.py lists its metric_* labels).
Menu actions: actions.py lists them. The title ends in "*" while the project differs
from what was last saved or opened; files dropped on the window open (file_actions).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
)

from desktop_app.core.specs.project import Project
from desktop_app.ui import file_actions, model_actions
from desktop_app.ui.actions import build_actions
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.dialogs import confirm_stop_and_close
from desktop_app.ui.gc_policy import collect_in_gui_thread, freeze_long_lived
from desktop_app.ui.jobs import JobRunner
from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.panels.architecture import ArchitecturePanel
from desktop_app.ui.panels.dataset import DatasetPanel
from desktop_app.ui.panels.optimizer import OptimizerPanel
from desktop_app.ui.plots.area import PlotsArea
from desktop_app.ui.results import ResultsPanel
from desktop_app.ui.settings import AppSettings
from desktop_app.ui.status import RunStatusBar
from desktop_app.ui.table_loader import TableLoader
from desktop_app.ui.tracking import track_thread
from desktop_app.ui.window_project import ProjectBinding
from desktop_app.ui.window_run import RunView
from desktop_app.ui.worker import DeviceProbe

log = logging.getLogger(__name__)


class MainWindow(ProjectBinding, RunView, QMainWindow):
    """Odyssey's window. `project`: what to open (default: the last one, else the default)."""

    def __init__(self, project: Project | None = None, settings: AppSettings | None = None):
        super().__init__()
        collect_in_gui_thread()  # Qt objects in garbage cycles die in this thread only
        self.setObjectName("mainWindow")
        self.settings = settings or AppSettings()
        if project is None:
            project = self.settings.last_project() or Project()
        self._project: Project | None = project
        self._name = project.name
        self._painted = False
        self._closed = False
        self._probe: DeviceProbe | None = None
        self._probe_thread: QThread | None = None
        self.devices: list | None = None
        self._saved_project: Project | None = None  # as last saved or opened
        self.project_path: Path | None = None  # the project's file, once it has one
        self.trained_model = None  # persistence.LoadedModel: last run's or a loaded one
        self.model_path: Path | None = None
        self.predict_dialog = None
        self._shut_down = False
        self.jobs = JobRunner(self)  # model files and other background I/O
        self.table_loader = TableLoader(self)  # imported tables, read in the background
        self.import_dialog = None

        self.history = LiveHistory(self)
        self.controller = TrainingController(self)
        self.dataset_panel = DatasetPanel()
        self.architecture_panel = ArchitecturePanel()
        self.optimizer_panel = OptimizerPanel()
        self.panels = (self.dataset_panel, self.architecture_panel, self.optimizer_panel)
        self.results_panel = ResultsPanel()
        self.plots = PlotsArea(self.history, self.settings)
        self.banner = self.plots.banner
        self.setCentralWidget(self.plots)
        self.status = RunStatusBar(self)
        self.setStatusBar(self.status)

        self._build_docks()
        acts = build_actions(self)
        self.train_action, self.pause_action, self.stop_action = acts.train, acts.pause, acts.stop
        self.file_actions, self.toolbar = acts.file_actions, acts.toolbar
        self.project_message = acts.project_message
        self._message_action = acts.project_message_action  # toolbar widgets hide via it
        self._load_into_panels(project)
        self.mark_saved(None)
        self._connect()
        self._restore_layout()
        self.setAcceptDrops(True)
        self.installEventFilter(self)

    # ================================================================== construction
    def _build_docks(self) -> None:
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
        self.docks = tuple(docks)
        self.dataset_dock, self.architecture_dock, self.optimizer_dock, self.results_dock = docks
        self.tabifyDockWidget(self.optimizer_dock, self.results_dock)
        self.optimizer_dock.raise_()
        self.resizeDocks(
            [self.dataset_dock, self.optimizer_dock], [340, 370], Qt.Orientation.Horizontal
        )

    def _connect(self) -> None:
        self.dataset_panel.changed.connect(self._on_dataset_changed)
        self.dataset_panel.importRequested.connect(self.import_table)
        self.dataset_panel.changeTableRequested.connect(self.change_table)
        self.architecture_panel.changed.connect(self._revalidate)
        self.optimizer_panel.changed.connect(self._revalidate)
        for panel in self.panels:
            if hasattr(panel, "validityChanged"):
                panel.validityChanged.connect(self._on_validity_changed)
        c = self.controller
        c.state_changed.connect(self._apply_state)
        c.started.connect(self._on_started)
        c.progress.connect(self._on_progress)
        c.epoch.connect(self._on_epoch)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        self.jobs.busy_changed.connect(self._on_jobs_busy)

    def _restore_layout(self) -> None:
        width, height = 1440, 900
        screen = QApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            width = min(width, int(avail.width() * 0.95))
            height = min(height, int(avail.height() * 0.92))
        self.resize(width, height)
        self._default_state = self.saveState()
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    # ================================================================== menus
    @Slot()
    def new_project(self) -> None:
        file_actions.new_project(self)

    @Slot()
    def open_project(self) -> None:
        file_actions.open_project_dialog(self)

    @Slot()
    def import_table(self, path: str | Path | None = None):
        """Open the import dialog on a CSV/TSV file (asked for when None); returns it."""
        from desktop_app.ui.import_dialog import open_import_dialog

        return open_import_dialog(self, path)

    @Slot()
    def change_table(self):
        """Reopen the import dialog on the current table with its choices."""
        from desktop_app.ui.import_dialog import open_import_dialog

        table = self.dataset_panel.spec().table
        return open_import_dialog(self, None, table) if table is not None else None

    def open_project_file(self, path: str | Path) -> bool:
        return file_actions.open_project_file(self, path)

    @Slot()
    def save_project_as(self) -> None:
        file_actions.save_project_dialog(self)

    @Slot()
    def rename_project(self) -> None:
        file_actions.rename_dialog(self)

    @Slot()
    def export_history_csv(self) -> None:
        file_actions.export_history_csv(self)

    @Slot()
    def export_steps_csv(self) -> None:
        file_actions.export_steps_csv(self)

    @Slot()
    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks:
            dock.show()

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
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if obj is self and not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)
        return super().eventFilter(obj, event)

    @Slot()
    def _after_first_paint(self) -> None:
        """Slow startup work, now that the window is on screen: list the devices."""
        if self._closed or self._probe_thread is not None:
            return
        self._probe = DeviceProbe()
        thread = track_thread(QThread())
        thread.setObjectName("odyssey-device-probe")
        self._probe.moveToThread(thread)
        self._probe.found.connect(self._on_devices)
        thread.started.connect(self._probe.run)
        self._probe_thread = thread
        thread.start()

    @Slot(object)
    def _on_devices(self, devices) -> None:
        if self._probe_thread is not None:
            self._probe_thread.wait()
        self.devices = devices
        freeze_long_lived()  # torch is imported now
        if devices is not None and not self._closed:
            self.optimizer_panel.set_devices(devices)
        self.status.devices_found(devices)

    def shutdown(self) -> bool:
        """Stop training and background work and wait for their threads."""
        self._shut_down = True  # closing now asks nothing more
        ok = self.controller.shutdown()
        if self.import_dialog is not None:
            self.import_dialog.shutdown()
        ok = self.table_loader.shutdown() and ok
        ok = model_actions.shutdown(self) and ok
        if self._probe_thread is not None:
            ok = self._probe_thread.wait(60_000) and ok
        shutdown = getattr(self.dataset_panel, "shutdown", None)
        if shutdown is not None:
            shutdown()
        self.plots.stop_updates()
        self.results_panel.stop_updates()
        self.status.clearMessage()  # stops the status bar's message timer
        return ok

    def save_settings(self) -> None:
        s = self.settings
        s.save_window(self.saveGeometry(), self.saveState())
        if self._project is not None:
            s.save_last_project(self._project)
        s.set_recent("smoothing", self.plots.loss.smoothing)
        s.set_recent("loss_log", self.plots.loss.log_check.isChecked())
        s.set_recent("lr_log", self.plots.lr.log_check.isChecked())
        s.sync()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if file_actions.dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        paths = file_actions.dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns: a question box inside dropEvent would hold the
        # drag source (another application) until it is answered.
        QTimer.singleShot(0, self, lambda: file_actions.open_path(self, paths[0]))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self.controller.busy and not confirm_stop_and_close(self):
            event.ignore()
            return
        if not self._shut_down and not file_actions.confirm_discard_changes(
            self, "closing Odyssey"
        ):
            event.ignore()
            return
        self._closed = True
        self.shutdown()
        self.save_settings()
        super().closeEvent(event)
