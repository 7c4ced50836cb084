"""The Evaluation window's smaller tabs: ROC and precision-recall curves, residuals
(regression) and the largest losses.

objectNames: evalRocPlot, evalPrPlot; evalResidualsPlot, evalErrorsPlot,
evalPredictedPlot, evalRegressionSummary; evalLossCount and the listing evalLossCaption,
evalLossRows, evalLossExport.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.evaluation.listing import MAX_SHOWN, ListingBox
from desktop_app.ui.jobs import JobRunner
from desktop_app.ui.plots.class_curves import ClassCurvePlot
from desktop_app.ui.plots.evaluation_plots import HistogramPlot, ResidualPlot
from desktop_app.ui.plots.scatter import PredictedActualPlot
from desktop_app.ui.widgets import describe

SCATTER_POINTS = 5000  # points drawn in the regression scatters (a seeded sample)


class CurvesTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.roc = ClassCurvePlot("evalRoc", "roc")
        self.pr = ClassCurvePlot("evalPr", "pr")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.roc)
        split.addWidget(self.pr)
        layout = QVBoxLayout(self)
        note = QLabel(
            "Each class against the rest. AUC: area under the ROC curve; AP: average "
            "precision, the area under the precision-recall curve. The circle marks the "
            "current decision threshold."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(split, 1)
        self.ev = None

    def show_evaluation(self, ev) -> None:
        self.ev = ev
        self.roc.set_curves(ev.plotted_curves)
        self.pr.set_curves(ev.plotted_curves)
        self.set_threshold(0.5)

    @Slot(float)
    def set_threshold(self, t: float) -> None:
        if self.ev is None or self.ev.threshold is None:
            self.roc.set_point(None, None)
            return
        self.roc.set_point(*self.ev.threshold.rates(t))


class RegressionTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = describe(QLabel(""), "evalRegressionSummary", "Test errors")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.predicted = PredictedActualPlot(key="evalPredicted")
        self.residuals = ResidualPlot()
        self.errors = HistogramPlot()
        grid = QGridLayout()
        grid.addWidget(self.predicted, 0, 0)
        grid.addWidget(self.residuals, 0, 1)
        grid.addWidget(self.errors, 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(grid, 1)

    def show_evaluation(self, ev) -> None:
        import numpy as np

        rows = np.arange(ev.n_rows)
        if len(rows) > SCATTER_POINTS:
            rows = np.sort(np.random.default_rng(0).choice(len(rows), SCATTER_POINTS, False))
        self.predicted.set_points(ev.y_true[rows], ev.outputs[rows])
        self.residuals.set_points(ev.outputs[rows], ev.residuals[rows])
        self.errors.set_histogram(*ev.histogram)
        r = ev.residuals
        shown = f" ({len(rows):,} of them drawn)" if len(rows) < ev.n_rows else ""
        self.summary.setText(
            f"{ev.n_rows:,} test rows{shown}. Mean error {r.mean():.4g}, mean absolute "
            f"error {np.abs(r).mean():.4g}, largest error {r[np.abs(r).argmax()]:.4g} "
            "(errors are actual − predicted, in the target's units)."
        )


class LossesTab(QWidget):
    """The test rows with the largest losses, largest first."""

    def __init__(self, jobs: JobRunner, report: Callable[[str], None], parent=None):
        super().__init__(parent)
        self.ev = None
        self.threshold = 0.5
        self.count = describe(
            QSpinBox(),
            "evalLossCount",
            "Number of rows with the largest losses",
            "How many of the worst-predicted test rows to list.",
        )
        self.count.setRange(1, 1)
        self.count.setValue(100)
        self.count.valueChanged.connect(self.refresh)
        self.top = None  # indices of the rows listed (they do not depend on the threshold)
        self.rows = ListingBox("evalLoss", "Largest losses", jobs, report)
        top = QHBoxLayout()
        top.addWidget(QLabel("Rows with the largest loss:"))
        top.addWidget(self.count)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.rows, 1)

    def show_evaluation(self, ev) -> None:
        self.ev = ev
        self.count.blockSignals(True)
        self.count.setRange(1, max(ev.n_rows, 1))
        self.count.setValue(min(100, ev.n_rows))
        self.count.blockSignals(False)
        self.refresh()

    @Slot(float)
    def set_threshold(self, t: float) -> None:
        """Only the predicted class of the rows changes with the threshold."""
        self.threshold = t
        if self.ev is not None and self.ev.threshold is not None and self.top is not None:
            self._show(self.top)

    @Slot()
    def refresh(self) -> None:
        if self.ev is None:
            return
        self.top = self.ev.largest_losses(self.count.value())
        self._show(self.top)

    def _show(self, top) -> None:
        ev, t = self.ev, self.threshold
        what = "cross-entropy of the true class" if ev.classify else "squared error"
        caption = f"<b>{len(top):,} test rows with the largest loss</b> ({what}), largest first"
        self.rows.show_rows(
            ev.listing(top[:MAX_SHOWN], t), len(top), caption, lambda: ev.listing(top, t)
        )
