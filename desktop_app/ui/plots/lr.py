"""The learning rate per batch, with markers where a schedule lowered it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.plots.base import PURPLE, LivePlot, MarkerSet, setup_batch_curve


class LearningRatePlot(LivePlot):
    """The learning rate each step used (schedules make it move)."""

    def __init__(self, history: LiveHistory, parent=None):
        super().__init__("lr", "Learning rate", "step (batch)", "learning rate", parent)
        self.history = history
        self.curve = setup_batch_curve(
            self.plot_item.plot(pen=pg.mkPen(PURPLE, width=2), name="learning rate")
        )
        self.drop_markers = MarkerSet(self.plot_item, PURPLE)
        history.reset.connect(self.mark_dirty)
        history.batches_added.connect(self.mark_dirty)
        history.epochs_added.connect(self.mark_dirty)

    def redraw(self) -> None:
        h = self.history
        lrs = h.lrs.view()
        self.curve.setData(h.steps.view(), lrs)
        vb = self.plot_item.vb
        if len(lrs) and lrs.min() == lrs.max() and not self.log_check.isChecked():
            # A constant rate: show it against zero instead of a range of ±0.5 around it.
            vb.enableAutoRange(axis="y", enable=False)
            vb.setYRange(0.0, float(lrs[0]) * 1.25, padding=0)
        else:
            vb.enableAutoRange(axis="y", enable=True)
        self.drop_markers.set([(x, f"drop (epoch {e})") for e, x in h.lr_drops()])

    def readout(self, x: float) -> str | None:
        steps = self.history.steps.view()
        if len(steps) == 0:
            return None
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        return f"step {int(steps[i]):,} · learning rate {self.history.lrs.view()[i]:.4g}"
