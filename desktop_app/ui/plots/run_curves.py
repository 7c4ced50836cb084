"""Overlaid curves of recorded runs: loss and metric per epoch, one colour per run.

Validation curves are bold and named in the legend by the run's name and what
differs ("run 12 · lr=0.01"); training curves are thin and faint in the same colour.
The legend is a list beside the plots (run_legend), where it covers no curve.
"Per-step loss" shows each run's kept per-step training loss in the loss plot instead. A run's
curves are made once when it is ticked and removed when it is unticked; nothing is
redrawn on a timer (these runs are finished).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.core.runs.records import RunRecord
from desktop_app.ui.plots.run_legend import RunLegend

if TYPE_CHECKING:  # pyqtgraph is imported when a plot is made, after the first paint
    import pyqtgraph as pg

# Ten distinct colours (Tableau's), readable on the plots' dark and light backgrounds.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def colour_for(slot: int) -> str:
    return PALETTE[slot % len(PALETTE)]


class RunCurves(QWidget):
    """Two plots side by side: loss, and the headline metric, against the epoch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runCurves")
        self.setAccessibleName("Curves of the ticked runs")
        self._loss: pg.PlotWidget | None = None  # made when first needed (build)
        self._metric: pg.PlotWidget | None = None
        self.hint = QLabel("Tick runs in the table to overlay their curves here.")
        self.hint.setObjectName("runCurvesHint")
        self.steps = QCheckBox("Per-step loss")
        self.steps.setObjectName("runCurvesSteps")
        self.steps.setAccessibleName("Show the per-step training loss")
        self.steps.setToolTip(
            "The loss plot shows every step's training loss (averaged to at most 2,000 "
            "points per run) instead of the loss per epoch"
        )
        self.steps.toggled.connect(self._on_steps)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.hint, 1)
        top.addWidget(self.steps)
        self.legend = RunLegend()
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(top)
        box.addLayout(self._row, 1)
        self._items: dict[int, list] = {}  # run id -> its curve items
        self._records: dict[int, RunRecord] = {}
        self._slots: dict[int, int] = {}  # run id -> its colour slot
        self.labels: dict[int, str] = {}

    def build(self) -> None:
        """Make the two plots (about 20 ms): when the tab is first shown, or once the
        window has painted, so that startup does not wait for a hidden tab."""
        if self._loss is None:
            self._loss = self._plot("runCurvesLoss", "Loss", "loss")
            self._metric = self._plot("runCurvesMetric", "Validation metric", "metric")
            self._row.addWidget(self._loss)
            self._row.addWidget(self._metric)
            self._row.addWidget(self.legend)

    @property
    def loss(self) -> pg.PlotWidget:
        self.build()
        return self._loss

    @property
    def metric(self) -> pg.PlotWidget:
        self.build()
        return self._metric

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.build()
        super().showEvent(event)

    def _plot(self, name: str, title: str, y: str) -> pg.PlotWidget:
        w = epoch_plot(name, title, y)
        w.setMinimumHeight(120)
        return w

    @property
    def shown(self) -> list[int]:
        return list(self._items)

    def colour_of(self, run_id: int) -> str | None:
        slot = self._slots.get(run_id)
        return None if slot is None else colour_for(slot)

    def set_runs(self, records: list[RunRecord], labels: dict[int, str]) -> None:
        """Show exactly these runs; those already shown keep their curves and colours
        (their legend names follow `labels`)."""
        wanted = {r.id for r in records}
        for run_id in [i for i in self._items if i not in wanted]:
            self._remove(run_id)
        for rec in records:
            label = labels.get(rec.id, rec.label)
            if rec.id in self._items and self.labels.get(rec.id) == label:
                continue
            if rec.id in self._items:
                self._remove(rec.id, keep_slot=True)
            self._add(rec, label)
        self.hint.setText(
            "Validation bold, training faint"
            if self._items
            else "Tick runs in the table to overlay their curves here."
        )

    @Slot(bool)
    def _on_steps(self, on: bool) -> None:
        self.loss.getPlotItem().setLabel("bottom", "step" if on else "epoch")
        for run_id in list(self._items):
            rec, label = self._records[run_id], self.labels[run_id]
            self._remove(run_id, keep_slot=True)
            self._add(rec, label)

    def _free_slot(self) -> int:
        used = set(self._slots.values())
        return next(i for i in range(len(used) + 1) if i not in used)

    def _add(self, rec: RunRecord, label: str) -> None:
        import pyqtgraph as pg

        slot = self._slots.setdefault(rec.id, self._free_slot())
        colour = colour_for(slot)
        solid = pg.mkPen(colour, width=2)
        faint = pg.mkColor(colour)
        faint.setAlpha(120)
        dashed = pg.mkPen(faint, width=1)  # thin and faint: a dashed pen paints 5x slower
        epochs = np.array([e.get("epoch") or i + 1 for i, e in enumerate(rec.epochs)], float)

        def column(key: str) -> np.ndarray:
            return np.array([np.nan if e.get(key) is None else e[key] for e in rec.epochs], float)

        items: list[tuple[pg.PlotWidget, pg.PlotDataItem]] = []
        plots = [(self.loss, "val_loss", "train_loss"), (self.metric, "val_metric", "train_metric")]
        if self.steps.isChecked():
            plots = plots[1:]
            items.append(
                (
                    self.loss,
                    self.loss.plot(
                        rec.step_numbers, rec.step_losses, pen=pg.mkPen(colour, width=1)
                    ),
                )
            )
        for plot, val_key, train_key in plots:
            val, train = column(val_key), column(train_key)
            if np.isfinite(val).any():
                items.append((plot, plot.plot(epochs, val, pen=solid)))
                items.append((plot, plot.plot(epochs, train, pen=dashed)))
            else:  # no validation split: the training curve is all there is
                items.append((plot, plot.plot(epochs, train, pen=solid)))
        self.legend.put(rec.id, colour, label)
        self._items[rec.id] = items
        self.labels[rec.id] = label
        self._records[rec.id] = rec

    def _remove(self, run_id: int, keep_slot: bool = False) -> None:
        for plot, item in self._items.pop(run_id, []):
            plot.getPlotItem().removeItem(item)
        self.labels.pop(run_id, None)
        self._records.pop(run_id, None)
        if not keep_slot:  # (kept: drawn again at once, in its place in the legend)
            self._slots.pop(run_id, None)
            self.legend.drop(run_id)

    def legend_names(self) -> list[str]:
        """The names the legend lists, in its order."""
        return self.legend.names()


def epoch_plot(name: str, title: str, y: str) -> pg.PlotWidget:
    """A plot of a value per epoch, named for tests and screen readers: titled, both
    axes labelled with plain numbers, a light grid (the Runs tab's and the race's)."""
    import pyqtgraph as pg

    import desktop_app.ui.plots.parts  # noqa: F401 (pyqtgraph's options: a white plot)

    w = pg.PlotWidget()
    w.setObjectName(name)
    w.setAccessibleName(title)
    item = w.getPlotItem()
    item.setTitle(title)
    item.setLabel("bottom", "epoch")
    item.setLabel("left", y)
    for side in ("left", "bottom"):
        item.getAxis(side).enableAutoSIPrefix(False)  # 0.25, not 250 "(x0.001)"
    item.showGrid(x=True, y=True, alpha=0.2)
    return w
