"""The Classes tab: the decision threshold (binary models), the confusion matrix at it
(click a cell to list its test rows), the per-class table and the headline numbers.

objectNames: evalThresholdSlider, evalThresholdSpin, evalThresholdReset, evalSummary,
evalConfusionPlot, evalClassTable, and the cell listing evalCellCaption, evalCellRows,
evalCellExport.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.evaluation.listing import MAX_SHOWN, ListingBox
from desktop_app.ui.jobs import JobRunner
from desktop_app.ui.plots.confusion import ConfusionMatrixPlot
from desktop_app.ui.widgets import describe

STEPS = 1000  # slider positions: thresholds 0.000 … 1.000
TABLE_COLUMNS = ("class", "precision", "recall", "F1", "support", "ROC AUC", "PR AUC")


def pct(v) -> str:
    return "–" if v is None else f"{100 * float(v):.1f}%"


def num(v) -> str:
    return "–" if v is None else f"{float(v):.3f}"


class ClassesTab(QWidget):
    """Shows one core.evaluate.report.Evaluation of a classifier."""

    thresholdChanged = Signal(float)

    def __init__(self, jobs: JobRunner, report: Callable[[str], None], parent=None):
        super().__init__(parent)
        self.ev = None
        self.cell: tuple[int, int] | None = None
        self.threshold = 0.5

        self.slider = describe(
            QSlider(Qt.Orientation.Horizontal),
            "evalThresholdSlider",
            "Decision threshold",
            "Class 1 is predicted where its probability is at least this; drag to trade "
            "false positives for false negatives.",
        )
        self.slider.setRange(0, STEPS)
        self.slider.setValue(STEPS // 2)
        self.spin = describe(
            QDoubleSpinBox(),
            "evalThresholdSpin",
            "Decision threshold value",
            "The decision threshold: class 1 where P(class 1) ≥ this value.",
        )
        self.spin.setRange(0.0, 1.0)
        self.spin.setDecimals(3)
        self.spin.setSingleStep(0.01)
        self.spin.setValue(0.5)
        self.reset = describe(
            QPushButton("0.5"), "evalThresholdReset", "Reset the threshold", "Back to 0.5."
        )
        self.slider.valueChanged.connect(self._on_slider)
        self.spin.valueChanged.connect(self._on_spin)
        self.reset.clicked.connect(lambda: self.set_threshold(0.5))
        self.threshold_row = QWidget()
        row = QHBoxLayout(self.threshold_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Decision threshold:"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        row.addWidget(self.reset)

        self.summary = describe(QLabel(""), "evalSummary", "Test metrics at this threshold")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confusion = ConfusionMatrixPlot(key="evalConfusion")
        self.confusion.plot_widget.setToolTip(
            "Rows: true class; columns: predicted class. Click a cell to list its test rows."
        )
        self.confusion.cellClicked.connect(self.show_cell)
        self.table = describe(
            QTableWidget(0, len(TABLE_COLUMNS)),
            "evalClassTable",
            "Per-class metrics",
            "Precision, recall, F1 and support of each class on the test split; the areas "
            "under its ROC and precision-recall curves against the other classes.",
        )
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cells = ListingBox("evalCell", "Rows of the cell", jobs, report)
        self.cells.clear("Click a cell of the confusion matrix to list its test rows.")

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.confusion)
        top.addWidget(self.table)
        top.setSizes([420, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("evalClassesSplit")
        split.addWidget(top)
        split.addWidget(self.cells)
        split.setSizes([300, 220])
        layout = QVBoxLayout(self)
        layout.addWidget(self.threshold_row)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------ threshold
    def set_threshold(self, t: float) -> None:
        self.spin.setValue(float(t))  # moves the slider too

    @Slot(int)
    def _on_slider(self, v: int) -> None:
        t = v / STEPS
        if abs(self.spin.value() - t) > 0.5 / STEPS:
            self.spin.blockSignals(True)
            self.spin.setValue(t)
            self.spin.blockSignals(False)
            self._apply(t)

    @Slot(float)
    def _on_spin(self, t: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(t * STEPS)))
        self.slider.blockSignals(False)
        self._apply(t)

    def _apply(self, t: float) -> None:
        self.threshold = float(t)
        if self.ev is not None:
            self.refresh()
        self.thresholdChanged.emit(self.threshold)

    # ------------------------------------------------------------------ content
    def show_evaluation(self, ev) -> None:
        self.ev = ev
        self.threshold_row.setVisible(ev.threshold is not None)
        self.threshold = self.spin.value() if ev.threshold is not None else 0.5
        self.cell = None
        self.confusion.select(None)
        self.cells.clear("Click a cell of the confusion matrix to list its test rows.")
        self.refresh()

    def refresh(self) -> None:
        """Everything that depends on the threshold (cheap: counts, not rows)."""
        ev, t = self.ev, self.threshold
        m = ev.matrix_at(t)
        table = ev.table_at(t)
        self.confusion.set_matrix(m, ev.class_names)
        parts = [
            f"<b>Accuracy {pct(table.accuracy)}</b>",
            f"balanced accuracy {pct(table.balanced_accuracy)}",
            f"ROC AUC {num(ev.roc_auc)}",
            f"{ev.n_rows:,} test rows",
        ]
        at = f"At threshold {t:.3f}: " if ev.threshold is not None else ""
        self.summary.setText(at + " · ".join(parts))
        self._fill_table(table)
        if self.cell is not None:
            self.show_cell(*self.cell)

    def _fill_table(self, table) -> None:
        ev = self.ev
        n = len(ev.class_names)
        self.table.setRowCount(n + 2)
        for i, name in enumerate(ev.class_names):
            curve = ev.curves[i]
            values = [
                name,
                num(table.precision[i]),
                num(table.recall[i]),
                num(table.f1[i]),
                f"{int(table.support[i]):,}",
                num(curve.roc_auc),
                num(curve.average_precision),
            ]
            self._set_row(i, values)
        for r, (label, (p, rc, f)) in enumerate(
            (("macro average", table.macro()), ("weighted average", table.weighted())), start=n
        ):
            self._set_row(r, [label, num(p), num(rc), num(f), f"{table.total:,}", "", ""])

    def _set_row(self, r: int, values: list[str]) -> None:
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, c, item)

    @Slot(int, int)
    def show_cell(self, true_class: int, predicted_class: int) -> None:
        """List the test rows of a cell (at the current threshold)."""
        ev, t = self.ev, self.threshold
        if ev is None:
            return
        self.cell = (true_class, predicted_class)
        self.confusion.select(self.cell)
        rows = ev.cell_rows(true_class, predicted_class, t)
        names = ev.class_names
        what = "correct" if true_class == predicted_class else "wrong"
        caption = (
            f"<b>{len(rows):,} test rows</b> of true class “{names[true_class]}” predicted "
            f"“{names[predicted_class]}” ({what})"
        )
        full = np.asarray(rows)
        self.cells.show_rows(
            ev.listing(full[:MAX_SHOWN], t), len(full), caption, lambda: ev.listing(full, t)
        )
