"""The results panel: test metrics of the last run, and its confusion matrix or scatter.

Metric labels have objectNames `metric_<name>` (metric_accuracy, metric_precision,
metric_recall, metric_f1, metric_balanced_accuracy, metric_roc_auc,
metric_average_precision, metric_log_loss; metric_mse, metric_rmse, metric_mae,
metric_r2); a metric the outcome lacks (an older model file) is hidden. The
`resultsEvaluate` button, and a click on a confusion-matrix cell, ask for the
Evaluation window (`evaluationRequested`). `resultsStatus` says which run the numbers
belong to and, once the project is edited afterwards, that they come from the previous
run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.callbacks import STOP_REASONS
from desktop_app.ui.run_reports import RunOutcome
from desktop_app.ui.status import format_duration

if TYPE_CHECKING:  # pyqtgraph: imported with a plot, when one is first shown
    from desktop_app.ui.plots.confusion import ConfusionMatrixPlot
    from desktop_app.ui.plots.scatter import PredictedActualPlot

# name -> (label, tooltip, as percentage)
CLASSIFICATION = {
    "accuracy": ("Accuracy", "Share of test samples classified correctly.", True),
    "precision": (
        "Precision",
        "Of the samples predicted as a class, the share that truly are (macro average "
        "over classes).",
        True,
    ),
    "recall": (
        "Recall",
        "Of the samples of a class, the share found (macro average over classes).",
        True,
    ),
    "f1": ("F1 score", "Harmonic mean of precision and recall (macro average).", True),
    "balanced_accuracy": (
        "Balanced accuracy",
        "Mean of the classes' recalls: accuracy as if every class were equally common.",
        True,
    ),
    "roc_auc": (
        "ROC AUC",
        "Chance that a random positive is ranked above a random negative (1 is "
        "perfect, 0.5 is guessing); one-vs-rest for several classes.",
        False,
    ),
    "average_precision": (
        "PR AUC",
        "Area under the precision-recall curve (average precision; class 1 for two "
        "classes, the mean over classes for several).",
        False,
    ),
    "log_loss": (
        "Log loss",
        "Cross-entropy of the predicted probabilities on the test split (lower is better).",
        False,
    ),
}
REGRESSION = {
    "mse": ("MSE", "Mean squared error, in squared target units (lower is better).", False),
    "rmse": ("RMSE", "Root mean squared error, in target units.", False),
    "mae": ("MAE", "Mean absolute error, in target units.", False),
    "r2": (
        "R²",
        "Share of the target's variance the model explains (1 is perfect, 0 is no "
        "better than predicting the mean).",
        False,
    ),
}

REASONS = {
    "completed": "all epochs run",
    "early_stopping": "stopped early: validation stopped improving",
    "user": "stopped by you",
    **{k: f"stopped: {v}" for k, v in STOP_REASONS.items()},
}


EMPTY_TEXT = (
    "The confusion matrix (classification) or predicted-against-actual points "
    "(regression) appear here after a run."
)


def format_metric(name: str, value, percent: bool) -> str:
    if value is None:
        return "–"
    if percent:
        return f"{100 * float(value):.1f}%"
    return f"{float(value):.4g}"


class ResultsPanel(QWidget):
    """Shows the outcome of the last finished run. `evaluationRequested(outcome, cell)`:
    the user asked for the Evaluation window (button resultsEvaluate; cell None), or
    clicked a cell (true class, predicted class) of the confusion matrix."""

    evaluationRequested = Signal(object, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.outcome: RunOutcome | None = None
        self._running = False  # a new run is training (these results are older)
        self._stale = False

        self.status_label = QLabel("No results yet: press Train.")
        self.status_label.setObjectName("resultsStatus")
        self.status_label.setAccessibleName("Results status")
        self.status_label.setToolTip("Which run these results belong to.")
        self.status_label.setWordWrap(True)

        self.summary_label = QLabel("")
        self.summary_label.setObjectName("resultsSummary")
        self.summary_label.setAccessibleName("Run summary")
        self.summary_label.setToolTip("How the run ended, how long it took and where it ran.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.metric_labels: dict[str, QLabel] = {}
        self._rows: dict[str, QLabel] = {}
        for name, (title, tip, _pct) in {**CLASSIFICATION, **REGRESSION}.items():
            value = QLabel("–")
            value.setObjectName(f"metric_{name}")
            value.setAccessibleName(f"Test {title}")
            value.setToolTip(tip)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel(f"{title}:")
            caption.setToolTip(tip)
            self.form.addRow(caption, value)
            self.metric_labels[name] = value
            self._rows[name] = caption

        self._confusion: ConfusionMatrixPlot | None = None  # built on first use: each
        self._scatter: PredictedActualPlot | None = None  # plot costs startup time
        self.stack = QStackedWidget()
        self.stack.setObjectName("resultsPlots")
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)

        self.evaluate_button = QPushButton("Evaluate…")
        self.evaluate_button.setObjectName("resultsEvaluate")
        self.evaluate_button.setAccessibleName("Evaluate the model in detail")
        self.evaluate_button.setToolTip(
            "Open the Evaluation window: per-class table, decision threshold, ROC and "
            "precision-recall curves or residuals, the rows it gets wrong, and which "
            "columns it relies on."
        )
        self.evaluate_button.clicked.connect(
            lambda: self.evaluationRequested.emit(self.outcome, None)
        )
        self.evaluate_button.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.status_label)
        layout.addWidget(self.summary_label)
        layout.addLayout(self.form)
        layout.addWidget(self.evaluate_button)
        layout.addWidget(self.stack, 1)
        self._show_rows(())

    # ------------------------------------------------------------------ plots
    @property
    def confusion(self) -> ConfusionMatrixPlot:
        if self._confusion is None:
            from desktop_app.ui.plots.confusion import ConfusionMatrixPlot  # (pyqtgraph)

            self._confusion = ConfusionMatrixPlot()
            self._confusion.plot_widget.setToolTip(
                "Rows: true class; columns: predicted class. Click a cell to list its test "
                "rows in the Evaluation window."
            )
            self._confusion.cellClicked.connect(self._on_cell_clicked)
            self.stack.addWidget(self._confusion)
        return self._confusion

    @property
    def scatter(self) -> PredictedActualPlot:
        if self._scatter is None:
            from desktop_app.ui.plots.scatter import PredictedActualPlot  # (pyqtgraph)

            self._scatter = PredictedActualPlot()
            self.stack.addWidget(self._scatter)
        return self._scatter

    def _on_cell_clicked(self, true_class: int, predicted_class: int) -> None:
        if self.outcome is not None and self.outcome.model is not None:
            self.evaluationRequested.emit(self.outcome, (true_class, predicted_class))

    # ------------------------------------------------------------------ state
    @property
    def stale(self) -> bool:
        return self._stale

    def _show_rows(self, names) -> None:
        for name, label in self.metric_labels.items():
            visible = name in names
            label.setVisible(visible)
            self._rows[name].setVisible(visible)

    def clear(self) -> None:
        self.outcome = None
        self._stale = False
        self.status_label.setText("No results yet: press Train.")
        self.summary_label.setText("")
        for label in self.metric_labels.values():
            label.setText("–")
        self._show_rows(())
        self.evaluate_button.hide()
        self.empty.setText(EMPTY_TEXT)
        self.stack.setCurrentWidget(self.empty)
        if self._confusion is not None:  # hidden now; nor kept to show again
            self._confusion.set_matrix(np.zeros((0, 0), dtype=np.int64), [])
            self._confusion.readout_label.setText("")
        if self._scatter is not None:
            self._scatter.set_points(np.zeros(0), np.zeros(0))
            self._scatter.readout_label.setText("")

    def show_outcome(self, outcome: RunOutcome) -> None:
        self.outcome = outcome
        self._stale = False
        table = REGRESSION if outcome.run.task == "regression" else CLASSIFICATION
        m = outcome.run.test_metrics
        for name, (_title, _tip, pct) in table.items():
            self.metric_labels[name].setText(format_metric(name, m.get(name), pct))
        self._show_rows(tuple(n for n in table if n in m) if m else ())
        self.evaluate_button.setVisible(bool(m) and outcome.model is not None)
        self._set_status()
        reason = REASONS.get(outcome.run.stop_reason, outcome.run.stop_reason)
        best = ""
        if outcome.run.restored_epoch:
            best = f"; weights of the best epoch ({outcome.run.restored_epoch}) restored"
        elif outcome.run.best_epoch:
            best = f"; best epoch {outcome.run.best_epoch}"
        source, t = outcome.source, outcome.run.timing
        if source or t is None:  # a model file: how long it trained is not recorded
            self.summary_label.setText(
                f"{outcome.run.epochs_run} epochs ({reason}{best}), {outcome.run.steps:,} steps; "
                + (f"loaded from {source}." if source else "its timing was not recorded.")
            )
        else:
            self.summary_label.setText(
                f"{outcome.run.epochs_run} epochs ({reason}{best}), {outcome.run.steps:,} steps in "
                f"{format_duration(t.seconds)} ({t.steps_per_second:,.0f} steps/s) on "
                f"{t.device}, {t.step}."
            )
        if not m:
            self.stack.setCurrentWidget(self.empty)
            self.empty.setText("The test split is empty, so there are no test metrics.")
        elif outcome.run.task == "regression" and outcome.y_true is not None:
            self.scatter.set_points(outcome.y_true, outcome.y_pred)
            self.stack.setCurrentWidget(self.scatter)
        elif "confusion_matrix" in m:
            self.confusion.set_matrix(m["confusion_matrix"], outcome.run.class_names)
            self.stack.setCurrentWidget(self.confusion)
        else:
            self.stack.setCurrentWidget(self.empty)
            self.empty.setText(
                outcome.plot_note
                or "There is no plot for these results (the test predictions are not kept)."
            )

    def _set_status(self) -> None:
        o = self.outcome
        if o is None:
            return
        name = o.run.project.name
        if self._running:
            self.status_label.setText(
                "<span style='color:#a15c00'><b>From the previous run</b></span> of "
                f"“{name}”: a new run is in progress; its results replace these when it ends."
            )
        elif self._stale:
            self.status_label.setText(
                f"<span style='color:#a15c00'><b>From the previous run</b></span> of "
                f"“{name}”: the project has changed since; press Train to update."
            )
        elif o.source:
            self.status_label.setText(f"<b>Test results</b> of “{name}”, from its model file.")
        else:
            self.status_label.setText(f"<b>Test results</b> of the last run of “{name}”.")

    def run_started(self) -> None:
        """A new run is training: what is shown belongs to the one before."""
        self._running = True
        self._set_status()

    def run_ended(self) -> None:
        self._running = False
        self._set_status()

    def project_changed(self, project) -> None:
        """Mark the results as belonging to the previous run if the project differs."""
        if self.outcome is None:
            return
        stale = project is None or project != self.outcome.run.project
        if stale != self._stale:
            self._stale = stale
            self._set_status()

    def stop_updates(self) -> None:
        for plot in (self._confusion, self._scatter):
            if plot is not None:
                plot.stop_updates()
