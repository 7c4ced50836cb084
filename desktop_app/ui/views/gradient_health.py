"""Gradient health per layer, live: one plot of each layer's update ratio over the run,
a table of the latest figures, and warnings in plain words.

The update ratio η·‖∇W‖/‖W‖ says how much one plain gradient step would change a layer's
weights; about 1e-3 is healthy, far below means the layer has stopped learning (vanishing
gradients), near 0.1 or above means steps are too big (exploding). One compact view, not
a plot per tensor: the table holds the weight and gradient norms and the share of dead
ReLU units. Fed a few times a second with core.inspect.network samples.
objectNames: gradientHealthPlot, gradientHealthTable, gradientHealthWarnings.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.parts import BLUE, GREEN, GREY, LINE, ORANGE, PURPLE

LAYER_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, GREY)
HEALTHY = 1e-3  # a dashed line: the usual healthy update ratio
COLUMNS = ("Layer", "‖W‖", "‖∇W‖", "ratio", "dead")


class UpdateRatioPlot(LivePlot):
    """Each layer's update ratio against the step, on a log axis."""

    def __init__(self, parent=None):
        super().__init__(
            "gradientHealth",
            "Update ratio",
            "step (batch)",
            "η·‖∇W‖ / ‖W‖",
            parent,
            interval_ms=200,
            budget=0.004,
        )
        self.steps: list[float] = []
        self.ratios: list[list[float]] = []  # per sample: one value per layer
        self.names: list[str] = []
        self.curves: list[pg.PlotDataItem] = []
        self.healthy_line = self.plot_item.addLine(
            y=math.log10(HEALTHY), pen=pg.mkPen(GREY, style=Qt.PenStyle.DashLine)
        )
        self.healthy_line.setToolTip("About 1e-3 is a healthy update ratio")
        self.log_check.toggled.connect(self._place_healthy_line)
        self.set_log_scale(True)

    def _place_healthy_line(self, log: bool) -> None:
        # A line is placed in view coordinates, which are log10 values on a log axis.
        self.healthy_line.setValue(math.log10(HEALTHY) if log else HEALTHY)

    def clear(self) -> None:
        self.steps, self.ratios = [], []
        self._follow = True
        self.readout_label.setText("")
        self.mark_dirty()

    def add(self, step: int, names: list[str], ratios: list[float | None]) -> None:
        if names != self.names:
            self._make_curves(names)
        if self.steps and step <= self.steps[-1]:
            return  # the same step again (a final sample): nothing new
        self.steps.append(float(step))
        self.ratios.append([np.nan if r is None else float(r) for r in ratios])
        self.mark_dirty()

    def _make_curves(self, names: list[str]) -> None:
        for c in self.curves:
            self.plot_item.removeItem(c)
        self.legend.clear()
        self.names = list(names)
        self.steps, self.ratios = [], []
        self.curves = [
            self.plot_item.plot(
                pen=pg.mkPen(LAYER_COLOURS[i % len(LAYER_COLOURS)], width=LINE), name=name
            )
            for i, name in enumerate(names)
        ]

    def redraw(self) -> None:
        if not self.steps:
            for c in self.curves:
                c.setData([], [])
            return
        x = np.asarray(self.steps)
        y = np.asarray(self.ratios, np.float64)
        few = len(x) < 40  # a short run: its few samples as dots, or nothing shows
        for i, c in enumerate(self.curves):
            col = y[:, i]
            ok = np.isfinite(col) & (col > 0)
            c.setData(x[ok], col[ok])
            c.setSymbol("o" if few else None)
            c.setSymbolSize(5)
            colour = LAYER_COLOURS[i % len(LAYER_COLOURS)]
            c.setSymbolBrush(colour)
            c.setSymbolPen(colour)
        finite = y[np.isfinite(y) & (y > 0)]
        if len(finite):
            # The healthy line stays in view: the ratios are read against it (fitted to
            # the data alone, a short run's few close values left one tick, no line).
            lo, hi = min(float(finite.min()), HEALTHY), max(float(finite.max()), HEALTHY)
            self.follow(0.0, float(x[-1]), lo, hi)

    def readout(self, x: float) -> str | None:
        if not self.steps:
            return None
        i = int(np.clip(np.searchsorted(self.steps, x), 0, len(self.steps) - 1))
        parts = [f"step {int(self.steps[i]):,}"]
        for name, r in zip(self.names, self.ratios[i]):
            parts.append(f"{name} {r:.2g}" if math.isfinite(r) else f"{name} –")
        return " · ".join(parts)


def _fmt(v: float | None, pct: bool = False) -> str:
    if v is None:
        return "–"
    if not math.isfinite(v):
        return "not finite"
    return f"{v:.0%}" if pct else f"{v:.3g}"


class GradientHealthView(QWidget):
    """The plot, the latest figures per layer, and what they mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gradientHealthView")
        self.plot = UpdateRatioPlot()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("gradientHealthTable")
        self.table.setAccessibleName("Gradient health per layer")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.table.setToolTip(
            "‖W‖: size of the layer's weights; ‖∇W‖: size of the gradient the last step "
            "used; ratio (the update ratio): how much a plain step of the learning rate would change "
            "the weights (about 1e-3 is healthy); dead: the share of ReLU units that output zero "
            "for every row of a batch."
        )
        self.warnings = QLabel("")
        self.warnings.setObjectName("gradientHealthWarnings")
        self.warnings.setAccessibleName("Gradient health warnings")
        self.warnings.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warnings)
        self.clear()

    def clear(self) -> None:
        self.plot.clear()
        self.table.setRowCount(0)
        self.warnings.setText("No gradients yet: they appear once a run has taken a step.")

    def show_sample(self, sample, live: bool = True) -> None:
        """A core.inspect.network.NetworkSample: add to the plot (live) and fill the table."""
        health = sample.health
        if live:
            self.plot.add(sample.step, [h.name for h in health], [h.update_ratio for h in health])
        self.table.setRowCount(len(health))
        for r, h in enumerate(health):
            cells = (
                h.name,
                _fmt(h.weight_norm),
                _fmt(h.grad_norm),
                f"{h.update_ratio:.1e}" if h.update_ratio is not None else "–",
                _fmt(h.dead_share, pct=True) if h.dead_share is not None else "–",
            )
            for c, text in enumerate(cells):
                item = self.table.item(r, c)
                if item is None:
                    self.table.setItem(r, c, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        warnings = sample.warnings
        self.warnings.setStyleSheet("color: #8a3b00;" if warnings else "")
        if warnings:
            self.warnings.setText("⚠ " + "\n⚠ ".join(warnings))
        elif not live:
            self.warnings.setText(
                "Replaying: the weights as they were then. Gradients are shown during a run "
                "and for its end; those of earlier moments are not kept."
            )
        elif any(h.grad_norm is not None for h in health):
            self.warnings.setText("Gradients look healthy: no layer vanishing, exploding or dead.")
        else:
            self.warnings.setText("No gradients yet: they appear once a run has taken a step.")
