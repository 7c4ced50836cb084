"""The learning rate per batch, with markers where a schedule lowered it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.parts import LINE, PURPLE, MarkerSet, PeakEnvelope, setup_batch_curve


class LearningRatePlot(LivePlot):
    """The learning rate each step used (schedules make it move)."""

    def __init__(self, history: LiveHistory, parent=None):
        # A slowly changing value: 5 redraws a second leave the GUI thread (and the GIL)
        # to the loss plot and the training loop.
        super().__init__(
            "lr",
            "Learning rate",
            "step (batch)",
            "learning rate",
            parent,
            interval_ms=200,
            budget=0.0025,
        )
        self.history = history
        self.curve = setup_batch_curve(
            self.plot_item.plot(pen=pg.mkPen(PURPLE, width=LINE), name="learning rate")
        )
        self.drop_markers = MarkerSet(  # the legend holds the top right
            self.plot_item, PURPLE, position=0.55, avoid=[(self.curve, 1.0)], legend=self.legend
        )
        self._lod = PeakEnvelope()
        history.reset.connect(self._on_reset)
        history.batches_added.connect(self.mark_dirty)
        history.epochs_added.connect(self.mark_dirty)
        history.run_ended.connect(self.mark_dirty)

    def _on_reset(self) -> None:
        self._follow = True
        self.readout_label.setText("")
        self._lod.clear()
        self.mark_dirty()

    def redraw(self) -> None:
        h = self.history
        steps = h.steps.view()
        self.curve.setData(*self._lod.view(steps, h.lrs.view(), not self.following))
        if len(steps):
            # During a run and after it: a constant rate is shown against zero, not in a
            # range of ±0.5 around it as an exact fit would.
            self.follow(0.0, float(steps[-1]), h.lr_min, h.lr_max, live=h.live)
        self.drop_markers.set([(x, f"drop (epoch {e})") for e, x in h.lr_drops()])

    def readout(self, x: float) -> str | None:
        steps = self.history.steps.view()
        if len(steps) == 0:
            return None
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        return f"step {int(steps[i]):,} · learning rate {self.history.lrs.view()[i]:.4g}"
