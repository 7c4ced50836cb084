"""The main window: composes the panels, plots, results and actions, and wires them.

It holds no training logic (controller.py), no plotting logic (plots/), no file dialogs
(file_actions.py). This module is on the startup path, so nothing it imports at module
level may import torch or scikit-learn; the device list is filled by a background probe
started after the first paint.

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

from pydantic import ValidationError
from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QStyle,
)

from desktop_app.core.catalog import MULTICLASS, REGRESSION, TASKS, split_sizes
from desktop_app.core.errors import SpecError
from desktop_app.core.specs import Project, format_validation_error
from desktop_app.ui import file_actions, model_actions
from desktop_app.ui.actions import build_actions
from desktop_app.ui.controller import RunState, TrainingController
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
from desktop_app.ui.worker import DeviceProbe

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

    # ================================================================== project
    @property
    def project(self) -> Project | None:
        """The project as the panels show it, or None while it is invalid."""
        return self._project

    @property
    def project_name(self) -> str:
        return self._name

    def set_project_name(self, name: str) -> None:
        self._name = name
        self._revalidate()

    def set_project(self, project: Project) -> None:
        """Show `project` in the panels (File > New/Open, command line)."""
        if not self.controller.busy:
            self._load_into_panels(project)

    def clear_run_display(self) -> None:
        """Show nothing of an earlier run (File > New, Open): empty plots and results,
        a ready status bar. The last trained model stays for Save Model and Predict."""
        self.history.clear(live=False)
        self.results_panel.clear()
        self.status.reset(self.devices)
        self.banner.dismiss()

    def _load_into_panels(self, project: Project) -> None:
        self._name = project.name
        self.dataset_panel.set_spec(project.data)
        self.architecture_panel.set_spec(project.model)
        self.optimizer_panel.set_spec(project.train)
        self._on_dataset_changed()

    @Slot()
    def _on_dataset_changed(self) -> None:
        if self.dataset_panel.is_valid() and self.dataset_panel.spec().task in TASKS:
            d = self.dataset_panel.spec()  # (a table's task is known once it was read)
            outputs = d.classes if d.task == MULTICLASS else 1
            self.architecture_panel.set_io(d.features, outputs, d.task)
            self.optimizer_panel.set_task(d.task)
            n_train, n_val, _ = split_sizes(d.total_samples, d.val_fraction, d.test_fraction)
            self.optimizer_panel.set_data_sizes(n_train, n_val)
        self._revalidate()

    @Slot(bool)
    def _on_validity_changed(self, _valid: bool) -> None:
        self._revalidate()

    @Slot()
    def _revalidate(self) -> None:
        names = ("Dataset", "Architecture", "Optimizer and training")
        bad = [n for n, p in zip(names, self.panels) if not p.is_valid()]
        project, message = None, ""
        if bad:
            plural = "s" if len(bad) > 1 else ""
            message = f"Fix the value marked in red in the {' and '.join(bad)} panel{plural}."
        else:
            try:
                project = Project(
                    name=self._name,
                    data=self.dataset_panel.spec(),
                    model=self.architecture_panel.spec(),
                    train=self.optimizer_panel.spec(),
                )
            except ValidationError as exc:
                message = format_validation_error(exc, "project").removeprefix("invalid project: ")
            except SpecError as exc:
                message = str(exc)
        self._project = project
        self.project_message.setText(message)
        self._message_action.setVisible(bool(message))
        self.train_action.setToolTip(
            f"Cannot train yet: {message}" if message else self.train_action.statusTip()
        )
        self.results_panel.project_changed(project)
        self._update_title()
        self._apply_state(self.controller.state.value)

    def is_modified(self) -> bool:
        """True when the project differs from what was last saved or opened."""
        return self._project is None or self._project != self._saved_project

    def mark_saved(self, path: str | Path | None) -> None:
        """The project as shown now is what `path` holds (None: New, or from a model)."""
        self._saved_project = self._project
        self.project_path = Path(path) if path else None
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"Odyssey — {self._name}{'*' if self.is_modified() else ''}")

    # ================================================================== running
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
        return self.controller.start(project, data=data)

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
        if paused:
            self.status.paused()
        elif s is RunState.STOPPING:
            self.status.stopping()
        elif s is RunState.RUNNING and self.status.info is not None:
            self.status.resumed()

    @Slot(object)
    def _on_started(self, info) -> None:
        self.status.started(info)

    @Slot(object)
    def _on_progress(self, update) -> None:
        self.history.add_batches(update.steps, update.losses, update.lrs)
        self.status.progress(update, running=self.controller.state is RunState.RUNNING)

    @Slot(object)
    def _on_epoch(self, logs) -> None:
        self.history.add_epochs(logs)

    @Slot(bool)
    def _on_jobs_busy(self, _busy: bool) -> None:
        model_actions.update_actions(self)

    @Slot(object)
    def _on_finished(self, outcome) -> None:
        if outcome.model is not None:
            self.trained_model, self.model_path = outcome.model, None
            model_actions.update_actions(self)
        self.history.end_run(outcome.stop_reason, outcome.best_epoch)
        self.results_panel.show_outcome(outcome)
        self.results_panel.project_changed(self._project)
        self.results_dock.show()
        self.results_dock.raise_()
        self.status.finished(outcome)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.history.end_run("failed", None)
        self.banner.show_message(message)
        self.status.failed()

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
