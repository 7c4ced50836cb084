"""Loss per batch, its smoothed curve, and per-epoch training and validation loss.

The smoothed curve is TensorBoard's: an exponential moving average started at 0 and
divided by (1 − weightⁿ), so the first points are not dragged towards zero ("smoothing
that does not lie"). It is computed incrementally as blocks arrive, vectorised in
chunks, and recomputed in full only when the user changes the weight.

Readable at 100,000+ steps:
- With more steps than pixels, the smoothed line is drawn from the mean loss of each
  pixel's steps, smoothed across pixels with the same weight, so it stays a line instead
  of a band as the run grows (the per-step average is still what the read-out and the
  CSV export give).
- **Ignore outliers** (on by default, as TensorBoard's): the vertical range follows the
  1st to 99th percentile of the losses shown, so a few early spikes do not flatten the
  rest of the curve.
- **Epochs** labels the horizontal axis in epochs instead of steps.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QMenu, QToolButton

from desktop_app.ui.live_history import GrowingArray, LiveHistory
from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.parts import (
    BLUE,
    GREEN,
    GREY,
    LINE,
    ORANGE,
    PURPLE,
    RAW,
    MarkerSet,
    PeakEnvelope,
    setup_batch_curve,
)

DEFAULT_SMOOTHING = 0.6  # TensorBoard's default weight
ROBUST_SAMPLE = 20_000  # losses sampled for the outlier-robust range
ROBUST_QUANTILES = (1.0, 99.0)


class StepAxis(pg.AxisItem):
    """A step axis that can label itself in epochs: ticks at round epoch values, placed
    at their steps (`steps_per_epoch` set), or plain step numbers (None)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps_per_epoch: float | None = None

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph API)
        spe = self.steps_per_epoch
        if not spe:
            return super().tickValues(minVal, maxVal, size)
        levels = super().tickValues(minVal / spe, maxVal / spe, size)
        return [(spacing * spe, [v * spe for v in values]) for spacing, values in levels]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        spe = self.steps_per_epoch
        if not spe:
            return super().tickStrings(values, scale, spacing)
        return super().tickStrings([v / spe for v in values], scale, spacing / spe)


def ema_debiased(
    values: np.ndarray, weight: float, last: float = 0.0, count: int = 0
) -> tuple[np.ndarray, float, int]:
    """TensorBoard's de-biased EMA of `values`, continuing from state (last, count).

    Returns (smoothed values, new last, new count). Equivalent to the loop
        last = last * w + (1 - w) * v; count += 1; out = last / (1 - w ** count)
    but computed a chunk at a time with numpy.
    """
    y = np.asarray(values, dtype=np.float64)
    n = len(y)
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out, last, count
    w = float(weight)
    if w <= 0.0:
        out[:] = y
        return out, float(y[-1]), count + n
    # Chunk so that w**-chunk stays far from overflow.
    chunk = int(min(65536, max(1, 100 / -math.log10(w))))
    t = np.arange(chunk, dtype=np.float64)
    p_full = w**t  # w^t
    inv_full = w ** (-t)  # w^-t
    for start in range(0, n, chunk):
        seg = y[start : start + chunk]
        m = len(seg)
        p, inv = p_full[:m], inv_full[:m]
        acc = np.cumsum(seg * inv)
        lasts = w * p * last + (1.0 - w) * p * acc
        k = count + 1 + np.arange(m, dtype=np.float64)
        debias = 1.0 - w**k
        out[start : start + m] = lasts / debias
        last = float(lasts[-1])
        count += m
    return out, last, count


class LossPlot(LivePlot):
    """Training loss per batch (raw and smoothed) with per-epoch train/validation loss."""

    def __init__(self, history: LiveHistory, parent=None, smoothing: float = DEFAULT_SMOOTHING):
        super().__init__("loss", "Loss", "step (batch)", "loss", parent)
        self.history = history
        self._weight = float(smoothing)
        self._ema = GrowingArray(np.float64)
        self._ema_last = 0.0
        self._ema_count = 0
        self._epoch_state: tuple | None = None
        self._raw_lod, self._smooth_lod = PeakEnvelope(), PeakEnvelope()
        self._epoch_lo, self._epoch_hi = np.inf, -np.inf  # bounds of validation loss
        self._cum = GrowingArray(np.float64)  # running sums of the losses (pixel means)
        self._robust = (0, 0.0, 0.0)  # (losses seen, 1st and 99th percentile) cached

        pi = self.plot_item
        self.step_axis = StepAxis(orientation="bottom")
        self.step_axis.enableAutoSIPrefix(False)
        self.step_axis.setStyle(maxTickLevel=0)
        pi.setAxisItems({"bottom": self.step_axis})
        pi.setLabel("bottom", "step (batch)")
        self.raw_curve = setup_batch_curve(pi.plot(pen=pg.mkPen(RAW, width=1), name="batch loss"))
        self.smooth_curve = setup_batch_curve(
            pi.plot(pen=pg.mkPen(BLUE, width=LINE), name="smoothed")
        )
        self.train_curve = pi.plot(
            pen=pg.mkPen(GREEN, width=LINE),
            symbol="o",
            symbolSize=5,
            symbolBrush=GREEN,
            symbolPen=None,
            name="train (epoch)",
        )
        self.val_curve = pi.plot(
            pen=pg.mkPen(ORANGE, width=LINE),
            symbol="s",
            symbolSize=5,
            symbolBrush=ORANGE,
            symbolPen=None,
            name="validation (epoch)",
        )
        # The legend holds the top right and a falling loss the lower left: the best
        # epoch's label goes mid-height, the drops below it, early stop at the bottom.
        # Each label also moves off the curves and the legend where it would cover them.
        avoid = [(self.raw_curve, 0.3), (self.smooth_curve, 1.0)]
        avoid += [(self.train_curve, 1.0), (self.val_curve, 1.0)]
        kw = {"avoid": avoid, "legend": self.legend}
        self.best_markers = MarkerSet(pi, GREEN, position=0.54, **kw)
        self.lr_markers = MarkerSet(pi, PURPLE, position=0.42, **kw)
        self.stop_markers = MarkerSet(pi, GREY, position=0.08, **kw)
        MarkerSet.link(self.best_markers, self.lr_markers, self.stop_markers)

        label = QLabel("Smoothing")
        self.smoothing_spin = QDoubleSpinBox()
        self.smoothing_spin.setObjectName("lossSmoothing")
        self.smoothing_spin.setAccessibleName("Loss smoothing weight")
        self.smoothing_spin.setToolTip(
            "Weight of the exponential moving average drawn over the batch losses "
            "(0: none, 0.99: very smooth). The average is de-biased, so its start is not "
            "pulled towards zero. TensorBoard's default is 0.6."
        )
        self.smoothing_spin.setRange(0.0, 0.999)
        self.smoothing_spin.setDecimals(3)
        self.smoothing_spin.setSingleStep(0.05)
        self.smoothing_spin.setValue(self._weight)
        self.smoothing_spin.valueChanged.connect(self._on_smoothing_changed)
        label.setBuddy(self.smoothing_spin)
        self.controls.addWidget(label)
        self.controls.addWidget(self.smoothing_spin)
        # The axis options sit in a small menu: the header must fit a narrow pane.
        self.axes_button = QToolButton()
        self.axes_button.setText("Axes")
        self.axes_button.setObjectName("lossAxesButton")
        self.axes_button.setAccessibleName("Loss plot axis options")
        self.axes_button.setToolTip("Ignore outliers in the vertical range; label steps or epochs.")
        self.axes_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.axes_button)
        self.outliers_check = menu.addAction("Ignore outliers")
        self.outliers_check.setObjectName("lossIgnoreOutliers")
        self.outliers_check.setToolTip(
            "Scale the vertical axis to the 1st–99th percentile of the losses, so that a "
            "few spikes (often the first steps) do not flatten the rest of the curve."
        )
        self.outliers_check.setCheckable(True)
        self.outliers_check.setChecked(True)
        self.outliers_check.toggled.connect(self._on_view_option)
        self.epoch_check = menu.addAction("Horizontal axis in epochs")
        self.epoch_check.setObjectName("lossEpochAxis")
        self.epoch_check.setToolTip("Label the horizontal axis in epochs instead of steps.")
        self.epoch_check.setCheckable(True)
        self.epoch_check.toggled.connect(self._on_view_option)
        menu.setToolTipsVisible(True)
        self.axes_button.setMenu(menu)
        self.controls.addWidget(self.axes_button)

        history.reset.connect(self._on_reset)
        history.batches_added.connect(self._on_batches)
        history.epochs_added.connect(self.mark_dirty)
        history.run_ended.connect(self.mark_dirty)

    # ------------------------------------------------------------------ data
    @property
    def smoothing(self) -> float:
        return self._weight

    @property
    def smoothed(self) -> np.ndarray:
        return self._ema.view()

    @Slot()
    def _on_reset(self) -> None:
        self._follow = True
        self.readout_label.setText("")
        self._epoch_state = None
        self._raw_lod.clear()
        self._smooth_lod.clear()
        self._ema.clear()
        self._cum.clear()
        self._robust = (0, 0.0, 0.0)
        self._ema_last, self._ema_count = 0.0, 0
        self.step_axis.steps_per_epoch = None
        self.mark_dirty()

    @Slot(bool)
    def _on_view_option(self, _on: bool) -> None:
        self._follow = True  # a new way of looking: fit the view to it
        self.mark_dirty()

    @Slot()
    def _on_batches(self) -> None:
        losses = self.history.losses.view()
        new_sums = losses[len(self._cum) :]
        if len(new_sums):
            base = self._cum.view()[-1] if len(self._cum) else 0.0
            self._cum.extend(base + np.cumsum(new_sums, dtype=np.float64))
        new = losses[len(self._ema) :]
        sm, self._ema_last, self._ema_count = ema_debiased(
            new, self._weight, self._ema_last, self._ema_count
        )
        self._ema.extend(sm)
        self.mark_dirty()

    @Slot(float)
    def _on_smoothing_changed(self, value: float) -> None:
        self._weight = float(value)
        self._ema.clear()
        self._smooth_lod.clear()
        sm, self._ema_last, self._ema_count = ema_debiased(self.history.losses.view(), self._weight)
        self._ema.extend(sm)
        self.mark_dirty()

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        h = self.history
        x = h.steps.view()
        detail = not self.following
        self.raw_curve.setData(*self._raw_lod.view(x, h.losses.view(), detail))
        self.smooth_curve.setData(*self._smooth_line(x, detail))
        state = (len(h.epochs), h.stop_reason, h.final_best_epoch, h.live)
        if state != self._epoch_state:  # epoch curves and markers change once an epoch
            self._epoch_state = state
            self._draw_epochs()
        self._set_axis()
        if len(x):
            y_lo, y_hi = self._y_bounds()
            self.follow(0.0, float(x[-1]), y_lo, y_hi, live=h.live)
        elif not h.live:
            self.fit()

    def _smooth_line(self, x: np.ndarray, detail: bool):
        """The smoothed curve to draw: the per-step average while it has room, else the
        average over each pixel's steps, smoothed across pixels (a line, not a band)."""
        pixels = max(64, int(self.plot_widget.width()))
        n = min(len(x), len(self._cum))
        if detail or n <= 2 * pixels:
            return self._smooth_lod.view(x, self._ema.view(), detail)
        edges = np.linspace(0, n, pixels + 1).astype(np.int64)
        cum = np.concatenate(([0.0], self._cum.view()[:n]))
        means = (cum[edges[1:]] - cum[edges[:-1]]) / np.maximum(edges[1:] - edges[:-1], 1)
        line, _, _ = ema_debiased(means, self._weight)
        centres = x[np.minimum((edges[:-1] + edges[1:]) // 2, n - 1)]
        return centres.astype(np.float64), line

    def _y_bounds(self) -> tuple[float, float]:
        h = self.history
        lo, hi = min(h.loss_min, self._epoch_lo), max(h.loss_max, self._epoch_hi)
        if not self.outliers_check.isChecked():
            return lo, hi
        losses = h.losses.view()
        n, (seen, q_lo, q_hi) = len(losses), self._robust
        if seen == 0 or n < seen or n - seen > max(64, seen // 50):  # refreshed per 2 %
            sample = losses[:: max(1, n // ROBUST_SAMPLE)]
            q_lo, q_hi = (float(q) for q in np.nanpercentile(sample, ROBUST_QUANTILES))
            self._robust = (n, q_lo, q_hi)
        lo, hi = q_lo, q_hi
        if np.isfinite(self._epoch_lo):  # the per-epoch losses stay in view
            lo, hi = min(lo, self._epoch_lo), max(hi, min(self._epoch_hi, hi + (hi - lo)))
        return lo, hi

    def _set_axis(self) -> None:
        h = self.history
        spe = None
        if self.epoch_check.isChecked() and h.epochs:
            first = h.epochs[0]
            spe = first["step"] / max(first["epoch"], 1) or None
        if spe != self.step_axis.steps_per_epoch:
            self.step_axis.steps_per_epoch = spe
            self.plot_item.setLabel("bottom", "epoch" if spe else "step (batch)")
            self.step_axis.picture = None
            self.step_axis.update()

    def _draw_epochs(self) -> None:
        h = self.history
        self._epoch_lo, self._epoch_hi = np.inf, -np.inf
        if h.epochs:
            ex = h.epoch_column("step")
            self.train_curve.setData(ex, h.epoch_column("train_loss"))
            val = h.epoch_column("val_loss")
            if np.isfinite(val).any():
                self.val_curve.setData(ex, val)
                self._epoch_lo, self._epoch_hi = float(np.nanmin(val)), float(np.nanmax(val))
            else:
                self.val_curve.setData([], [])
        else:
            self.train_curve.setData([], [])
            self.val_curve.setData([], [])
        best = h.best_epoch()
        best_x = h.step_of_epoch(best) if best is not None else None
        self.best_markers.set([] if best_x is None else [(best_x, f"best (epoch {best})")])
        self.lr_markers.set([(x_, "LR drop") for _, x_ in h.lr_drops()])
        stop = h.early_stop()
        self.stop_markers.set([] if stop is None else [(stop[1], stop[2])])

    def readout(self, x: float) -> str | None:
        h = self.history
        steps = h.steps.view()
        if len(steps) == 0:
            return None
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        if i > 0 and abs(steps[i - 1] - x) < abs(steps[i] - x):
            i -= 1
        text = f"step {int(steps[i]):,} · loss {h.losses.view()[i]:.4g}"
        sm = self._ema.view()
        if i < len(sm):
            text += f" · smoothed {sm[i]:.4g}"
        if h.epochs:
            ex = h.epoch_column("step")
            j = int(np.clip(np.searchsorted(ex, steps[i]), 0, len(ex) - 1))
            e = h.epochs[j]
            text += f" · epoch {e['epoch']}"
        return text
