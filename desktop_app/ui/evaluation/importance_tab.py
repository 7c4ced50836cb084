"""The "What it relies on" tab: permutation importance of each input column (computed
on a background job once the evaluation is shown, with its progress) and the partial
dependence of the predictions on a chosen column (a job per choice; a newer choice
replaces an older one still running).

objectNames: evalImportanceStatus, evalImportanceProgress, evalImportancePlot,
evalDependenceColumn, evalDependencePlot.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.catalog import BINARY, REGRESSION
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.plots.evaluation_plots import DependencePlot, ImportancePlot
from desktop_app.ui.widgets import describe

REPEATS = 5


class ImportanceTab(QWidget):
    def __init__(self, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.jobs = jobs
        self.source = None  # (predict, prep, x, y) of the evaluation shown
        self.groups: list = []
        self.importance = None
        self.dependence = None
        self.status = describe(QLabel(""), "evalImportanceStatus", "Permutation importance status")
        self.status.setWordWrap(True)
        self.progress = describe(
            QProgressBar(), "evalImportanceProgress", "Permutation importance progress"
        )
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.plot = ImportancePlot()
        self.column = describe(
            QComboBox(),
            "evalDependenceColumn",
            "Column for partial dependence",
            "The input column whose values are set in turn on every test row.",
        )
        self.column.currentIndexChanged.connect(self._on_column)
        self.dependence_plot = DependencePlot()
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.progress)
        pd_row = QHBoxLayout()
        pd_row.addWidget(QLabel("Partial dependence on:"))
        pd_row.addWidget(self.column, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(pd_row)
        lower_layout.addWidget(self.dependence_plot, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def start(self, predict, prep, x, y) -> None:
        """Compute the importance of the columns for a new evaluation."""
        from desktop_app.core.evaluate.importance import column_groups

        self.source = (predict, prep, x, y)
        self.groups = column_groups(prep)
        self.importance = None
        self.plot.set_importance(None)
        self.column.blockSignals(True)
        self.column.clear()
        self.column.addItems([g.name for g in self.groups])
        self.column.blockSignals(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(
            f"Shuffling each of the {len(self.groups)} input columns {REPEATS} times…"
        )
        groups = self.groups

        def compute(progress, cancelled):
            from desktop_app.core.evaluate.importance import permutation_importance

            return permutation_importance(
                predict, prep.task, x, y, groups, REPEATS, progress=progress, cancel=cancelled
            )

        self.jobs.submit(
            compute,
            self._on_importance,
            self._on_importance_failed,
            lambda f: self.progress.setValue(int(100 * f)),
            kind="importance",
            supersede=True,
        )

    def _on_importance(self, imp) -> None:
        self.importance = imp
        self.progress.hide()
        self.plot.set_importance(imp)
        metric = "R²" if imp.metric == "r2" else "accuracy"
        rows = (
            f"all {imp.n_rows:,} test rows"
            if imp.n_rows == imp.n_test
            else f"{imp.n_rows:,} of the {imp.n_test:,} test rows (a random sample)"
        )
        best = imp.names[imp.order()[0]] if imp.names else "–"
        self.status.setText(
            f"How much the test {metric} ({imp.baseline:.3f}) drops when a column's values "
            f"are shuffled across {rows}, {REPEATS} times each (bars: mean; whiskers: ± one "
            f"standard deviation). The model relies most on “{best}”."
        )
        best_index = int(imp.order()[0]) if imp.names else 0
        if self.column.currentIndex() != best_index:
            self.column.setCurrentIndex(best_index)  # computes its partial dependence
        elif self.dependence is None:
            self._on_column(best_index)

    def _on_importance_failed(self, exc) -> None:
        self.progress.hide()
        self.status.setText(f"Permutation importance failed: {error_message(exc)}")

    @Slot(int)
    def _on_column(self, index: int) -> None:
        if self.source is None or not 0 <= index < len(self.groups):
            return
        predict, prep, x, _y = self.source
        group = self.groups[index]
        if prep.task == REGRESSION:
            names, shown = ["predicted value"], [0]
        else:
            names = [f"P({c})" for c in prep.class_names]
            shown = [1] if prep.task == BINARY else list(range(len(names)))

        def compute(_progress, _cancelled):
            from desktop_app.core.evaluate.importance import partial_dependence

            return partial_dependence(predict, prep, x, group, names)

        self.dependence_plot.plot_item.setTitle(f"computing for “{group.name}”…")
        self.jobs.submit(
            compute,
            lambda pd: self._on_dependence(pd, shown),
            lambda exc: self.dependence_plot.plot_item.setTitle(
                f"could not compute: {error_message(exc)}"
            ),
            kind="dependence",
            supersede=True,
        )

    def _on_dependence(self, pd, shown: list[int]) -> None:
        self.dependence = pd
        self.dependence_plot.plot_item.setTitle(
            f"mean over {pd.n_rows:,} test rows with “{pd.column}” set to each value"
        )
        self.dependence_plot.set_dependence(pd, shown)
