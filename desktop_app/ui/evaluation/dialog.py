"""The Evaluation window: one model judged on its test split.

Opened from the Results panel (Evaluate…) on the run just finished (its test split
comes with it) or on a loaded model file (its test split is prepared again from the
project's data, in the background). The evaluation itself, permutation importance,
partial dependence and CSV exports all run on the window's own JobRunner; the GUI
thread only shows results (a threshold change is two binary searches).

objectNames: evaluationDialog, evalTabs (tabs evalClassesTab, evalCurvesTab,
evalRegressionTab, evalLossesTab, evalImportanceTab), evalProgress, evalStatus,
evalClose; the tabs' modules list their own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)

from desktop_app.core.catalog import REGRESSION
from desktop_app.ui.evaluation.classes_tab import ClassesTab
from desktop_app.ui.evaluation.importance_tab import ImportanceTab
from desktop_app.ui.evaluation.tabs import CurvesTab, LossesTab, RegressionTab
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.widgets import describe


class EvaluationDialog(QDialog):
    """Evaluation of `loaded` (a persistence.LoadedModel). test_split: its prepared
    (x_test, y_test) when known; None: prepared again from its project."""

    def __init__(self, loaded, test_split=None, parent=None):
        super().__init__(parent)
        self.setObjectName("evaluationDialog")
        self.setAccessibleName("Evaluation of the model")
        self.loaded = loaded
        self.test_split = test_split
        self.evaluation = None  # core.evaluate.report.Evaluation, once computed
        self.pending_cell: tuple[int, int] | None = None  # to list once evaluated
        self.setWindowTitle(f"Evaluation of “{loaded.project.name}” on its test split")
        self.jobs = JobRunner(self, "evaluationJobs")
        self.resize(1120, 680)  # fits 1366x768 with the task bar and title
        self.setSizeGripEnabled(True)

        self.tabs = describe(QTabWidget(), "evalTabs", "Evaluation views")
        self.classes = ClassesTab(self.jobs, self.report)
        self.classes.setObjectName("evalClassesTab")
        self.curves = CurvesTab()
        self.curves.setObjectName("evalCurvesTab")
        self.regression = RegressionTab()
        self.regression.setObjectName("evalRegressionTab")
        self.losses = LossesTab(self.jobs, self.report)
        self.losses.setObjectName("evalLossesTab")
        self.importance = ImportanceTab(self.jobs)
        self.importance.setObjectName("evalImportanceTab")
        for tab in (self.classes, self.curves, self.regression, self.losses, self.importance):
            tab.setParent(self)  # until a tab page takes it; shown there, hidden here
            tab.hide()
        self.classes.thresholdChanged.connect(self.curves.set_threshold)
        self.classes.thresholdChanged.connect(self.losses.set_threshold)
        self.tabs.setEnabled(False)

        self.progress = describe(QProgressBar(), "evalProgress", "Evaluation progress")
        self.progress.setRange(0, 0)  # busy until the first results
        self.progress.setMaximumWidth(200)
        self.status = describe(QLabel(""), "evalStatus", "Evaluation status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = describe(QPushButton("Close"), "evalClose", "Close", "Close this window.")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        for button in self.findChildren(QPushButton):  # Return in a spin box closes nothing
            button.setAutoDefault(False)
        self.start()

    def report(self, text: str) -> None:
        self.status.setText(text)

    # ------------------------------------------------------------------ jobs
    def start(self) -> None:
        loaded, split = self.loaded, self.test_split
        where = "" if split is not None else " (preparing its data again)"
        self.report(f"Evaluating the model on its test split{where}…")

        def compute(_progress, _cancelled):
            from desktop_app.core.evaluate.report import evaluate_split, test_split_of

            x, y = split if split is not None else test_split_of(loaded)
            ev = evaluate_split(loaded.model, loaded.preprocessing, x, y)
            return ev, x, y

        self.jobs.submit(compute, self._on_evaluated, self._on_failed, kind="evaluate")

    def _on_evaluated(self, result) -> None:
        from desktop_app.core.evaluate.report import predictor

        ev, x, _y = result
        self.evaluation = ev
        self.progress.hide()
        self.tabs.setEnabled(True)
        self.tabs.clear()
        if ev.task == REGRESSION:
            self.regression.show_evaluation(ev)
            self.tabs.addTab(self.regression, "&Residuals")
        else:
            self.classes.show_evaluation(ev)
            self.curves.show_evaluation(ev)
            self.tabs.addTab(self.classes, "&Classes")
            self.tabs.addTab(self.curves, "R&OC and PR curves")
        self.losses.show_evaluation(ev)
        self.tabs.addTab(self.losses, "&Largest losses")
        self.tabs.addTab(self.importance, "&What it relies on")
        self.report(f"Evaluated on {ev.n_rows:,} test rows.")
        if self.pending_cell is not None:
            self.show_cell(self.pending_cell)
        prep = self.loaded.preprocessing
        # Targets in the predictor's units: classes, or values in the target's units.
        self.importance.start(predictor(self.loaded.model, prep), prep, x, ev.y_true)

    def show_cell(self, cell: tuple[int, int]) -> None:
        """List a confusion-matrix cell's rows (once the evaluation is there)."""
        ev = self.evaluation
        if ev is None:
            self.pending_cell = cell
            return
        self.pending_cell = None
        n = len(ev.class_names)
        if ev.classify and 0 <= cell[0] < n and 0 <= cell[1] < n:
            self.tabs.setCurrentWidget(self.classes)
            self.classes.show_cell(*cell)

    def _on_failed(self, exc) -> None:
        self.progress.hide()
        self.report(f"Could not evaluate the model: {error_message(exc)}")

    # ------------------------------------------------------------------ closing
    def shutdown(self) -> bool:
        """Cancel the jobs and wait for their threads: when the main window closes or
        another model's evaluation replaces this one. Closing this window only hides it
        (its jobs end on their own within seconds); opened again on the same model, it
        shows what it computed."""
        ok = self.jobs.shutdown()
        for plot in (
            self.classes.confusion,
            self.curves.roc,
            self.curves.pr,
            self.regression.predicted,
            self.regression.residuals,
            self.regression.errors,
            self.importance.plot,
            self.importance.dependence_plot,
        ):
            plot.stop_updates()
        return ok
