"""The headline metric per epoch (accuracy for classification, R² for regression)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.parts import GREEN, GREY, LINE, ORANGE, MarkerSet

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}


class MetricPlot(LivePlot):
    """Training and validation metric per epoch, with best-epoch and early-stop markers."""

    def __init__(self, history: LiveHistory, parent=None):
        super().__init__("metric", "Metric per epoch", "epoch", "accuracy", parent, budget=0.004)
        self.history = history
        pi = self.plot_item
        self.train_curve = pi.plot(
            pen=pg.mkPen(GREEN, width=LINE),
            symbol="o",
            symbolSize=5,
            symbolBrush=GREEN,
            symbolPen=None,
            name="train",
        )
        self.val_curve = pi.plot(
            pen=pg.mkPen(ORANGE, width=LINE),
            symbol="s",
            symbolSize=5,
            symbolBrush=ORANGE,
            symbolPen=None,
            name="validation",
        )
        for c in (self.train_curve, self.val_curve):
            c.setClipToView(True)
        # Rising curves hold the top, the legend the lower right: labels go between.
        kw = {"avoid": [(self.train_curve, 1.0), (self.val_curve, 1.0)], "legend": self.legend}
        self.best_markers = MarkerSet(pi, GREEN, position=0.55, **kw)
        self.stop_markers = MarkerSet(pi, GREY, position=0.4, **kw)
        MarkerSet.link(self.best_markers, self.stop_markers)
        # Metrics rise, so the lower right is where the curves are not.
        self.legend.setOffset((-10, -10))
        history.reset.connect(self._on_reset)
        history.epochs_added.connect(self.mark_dirty)
        history.run_ended.connect(self.mark_dirty)

    @property
    def metric_label(self) -> str:
        return METRIC_LABELS.get(self.history.metric_name, self.history.metric_name)

    def _on_reset(self) -> None:
        self._follow = True
        self.readout_label.setText("")
        self.plot_item.setLabel("left", self.metric_label)
        self.mark_dirty()

    def redraw(self) -> None:
        h = self.history
        if not h.epochs:
            self.train_curve.setData([], [])
            self.val_curve.setData([], [])
        else:
            ex = h.epoch_column("epoch")
            many = len(ex) > 150  # symbols on hundreds of epochs only add clutter
            y_lo, y_hi = math.inf, -math.inf
            for curve, key, symbol in (
                (self.train_curve, "train_metric", "o"),
                (self.val_curve, "val_metric", "s"),
            ):
                y = h.epoch_column(key)
                curve.setSymbol(None if many else symbol)
                if np.isfinite(y).any():
                    curve.setData(ex, y)
                    y_lo, y_hi = min(y_lo, np.nanmin(y)), max(y_hi, np.nanmax(y))
                else:
                    curve.setData([], [])
            if h.live:
                self.follow(0.0, float(ex[-1]), float(y_lo), float(y_hi))
        best = h.best_epoch()
        self.best_markers.set([] if best is None else [(float(best), f"best (epoch {best})")])
        stop = h.early_stop()
        self.stop_markers.set([] if stop is None else [(float(stop[0]), stop[2])])
        if not h.live:
            self.fit()

    def readout(self, x: float) -> str | None:
        h = self.history
        if not h.epochs:
            return None
        ex = h.epoch_column("epoch")
        i = int(np.argmin(np.abs(ex - x)))
        e = h.epochs[i]
        parts = [f"epoch {e['epoch']}"]
        for key, name in (("train_metric", "train"), ("val_metric", "validation")):
            v = e.get(key)
            if v is not None:
                parts.append(f"{name} {self.metric_label} {v:.4f}")
        return " · ".join(parts)
