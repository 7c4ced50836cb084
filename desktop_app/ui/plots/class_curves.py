"""ROC and precision-recall curves of a classifier on its test split, one curve per
class against the rest (one for a binary model), the area in each legend entry; the
ROC plot marks where the current decision threshold sits."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.parts import BLUE, GREEN, GREY, ORANGE, PURPLE

PALETTE = (BLUE, ORANGE, GREEN, PURPLE, "#E69F00", "#56B4E9", "#F0E442", "#000000", GREY)
MAX_CURVES = 12  # more classes: the first twelve are drawn (the table lists all)


class ClassCurvePlot(LivePlot):
    """kind "roc": true-positive against false-positive rate; "pr": precision against
    recall. Curves are made once (MAX_CURVES) and given new data per evaluation."""

    def __init__(self, key: str, kind: str, parent=None):
        roc = kind == "roc"
        super().__init__(
            key,
            "ROC curve (test)" if roc else "Precision-recall curve (test)",
            "false-positive rate" if roc else "recall",
            "true-positive rate" if roc else "precision",
            parent,
        )
        self.kind = kind
        self.log_check.hide()
        self.curves_data: list = []  # core.evaluate.curves.ClassCurve
        self.items = []
        pi = self.plot_item
        if roc:
            dash = pg.mkPen(GREY, width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
            pi.plot([0, 1], [0, 1], pen=dash, name="guessing")
        self.point = pg.ScatterPlotItem(
            size=10, pen=pg.mkPen("k"), brush=pg.mkBrush(255, 255, 255), symbol="o"
        )
        pi.addItem(self.point)
        self.point.setZValue(10)
        pi.setXRange(0, 1, padding=0.02)
        pi.setYRange(0, 1, padding=0.02)
        self.legend.setOffset((-10, -10) if roc else (-10, 10))

    def set_curves(self, curves: list) -> None:
        self.curves_data = list(curves)
        self.mark_dirty()
        self.redraw_now()

    def set_point(self, x: float | None, y: float | None) -> None:
        """The operating point of the current threshold (ROC of a binary model)."""
        self.point.setData([] if x is None else [x], [] if y is None else [y])

    def redraw(self) -> None:
        shown = self.curves_data[:MAX_CURVES]
        while len(self.items) < len(shown):
            color = PALETTE[len(self.items) % len(PALETTE)]
            self.items.append(self.plot_item.plot(pen=pg.mkPen(color, width=2), name=""))
        for i, item in enumerate(self.items):
            if i >= len(shown) or shown[i].roc_auc is None:
                item.setData([], [])
                item.hide()
                self.legend.removeItem(item)
                continue
            c = shown[i]
            x, y = (c.fpr, c.tpr) if self.kind == "roc" else (c.recall, c.precision)
            area = c.roc_auc if self.kind == "roc" else c.average_precision
            item.setData(x, y)
            item.show()
            self.legend.removeItem(item)
            what = "AUC" if self.kind == "roc" else "AP"
            self.legend.addItem(item, f"{c.name}: {what} {area:.3f}")
        self.plot_item.setXRange(0, 1, padding=0.02)
        self.plot_item.setYRange(0, 1, padding=0.02)

    def readout(self, x: float) -> str | None:
        parts = []
        for c in self.curves_data[:MAX_CURVES]:
            if c.roc_auc is None:
                continue
            cx, cy = (c.fpr, c.tpr) if self.kind == "roc" else (c.recall, c.precision)
            if not len(cx):
                continue
            i = int(np.argmin(np.abs(cx - x)))
            parts.append(f"{c.name} {cy[i]:.3f}")
        label = "FPR" if self.kind == "roc" else "recall"
        return f"{label} {x:.3f}: " + ", ".join(parts) if parts else None
