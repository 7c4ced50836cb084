"""Predicted against actual values on the test split (regression), with the y = x line."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.parts import GREY


class PredictedActualPlot(LivePlot):
    """Points on the diagonal are perfect predictions; spread around it is the error."""

    def __init__(self, parent=None, key: str = "predicted"):
        super().__init__(key, "Predicted vs actual (test)", "actual", "predicted", parent)
        self.log_check.hide()
        self.y_true = np.zeros(0)
        self.y_pred = np.zeros(0)
        self.points = pg.ScatterPlotItem(
            size=5, pen=None, brush=pg.mkBrush(0, 114, 178, 140), name="test samples"
        )
        self.plot_item.addItem(self.points)
        self.diagonal = self.plot_item.plot(
            pen=pg.mkPen(GREY, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine), name="y = x"
        )

    def set_points(self, y_true, y_pred) -> None:
        self.y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
        self.y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
        self.mark_dirty()
        self.redraw_now()

    def redraw(self) -> None:
        self.points.setData(self.y_true, self.y_pred)
        if len(self.y_true):
            lo = float(min(self.y_true.min(), self.y_pred.min()))
            hi = float(max(self.y_true.max(), self.y_pred.max()))
            self.diagonal.setData([lo, hi], [lo, hi])
        else:
            self.diagonal.setData([], [])
        self.plot_item.enableAutoRange()

    def readout(self, x: float) -> str | None:
        if len(self.y_true) == 0:
            return None
        i = int(np.argmin(np.abs(self.y_true - x)))
        return f"actual {self.y_true[i]:.4g} · predicted {self.y_pred[i]:.4g}"
