"""Pieces the plots share: colours, line settings, the level-of-detail envelope for long
curves, and labelled marker lines."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

pg.setConfigOptions(background="w", foreground="#222", antialias=False)

# Live curves are drawn 1 px wide: pyqtgraph draws wider lines segment by segment,
# which made a loss plot's repaint about a third slower on a 2-core machine.
LINE = 1

REDRAW_INTERVAL_MS = 40  # 25 Hz at most
MAX_INTERVAL_MS = 1000  # never fewer than 1 redraw a second while data arrives

# Colours that stay apart for colour-blind readers (Okabe–Ito) and on a projector.
RAW = (196, 210, 232)  # opaque: blending every pixel of a noisy curve costs a lot
BLUE = "#004f8a"  # darker than Okabe–Ito's blue, to stand out at 1 px
ORANGE = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = "#666666"
GRID = "#d3d3d3"  # opaque; what a quarter of the foreground on white looked like


def nice_ceil(v: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is ≥ v (v > 0)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * base >= v * (1 - 1e-12):
            return m * base
    return 10 * base


def setup_batch_curve(curve: pg.PlotDataItem) -> pg.PlotDataItem:
    """Settings that keep a curve of a million points fast to redraw."""
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    curve.setSkipFiniteCheck(True)
    return curve


class PeakEnvelope:
    """A level of detail for very long batch curves, kept up to date as blocks arrive.

    Past LOD_POINTS points, the curve handed to pyqtgraph is the minimum and maximum of
    each run of `block` consecutive points (pyqtgraph's own "peak" downsampling, done
    once per block instead of over the whole curve on every redraw), followed by the
    latest points as they are. pyqtgraph then peak-downsamples that to the screen's
    width. Blocks double when the curve doubles, so the work stays O(new points).
    """

    LOD_POINTS = 65536

    def __init__(self) -> None:
        from desktop_app.ui.live_history import GrowingArray

        self.block = 1
        self._x = GrowingArray(np.float64)
        self._y = GrowingArray(np.float64)
        self._done = 0  # points already folded into complete blocks

    def clear(self) -> None:
        self.block, self._done = 1, 0
        self._x.clear()
        self._y.clear()

    def view(
        self, x: np.ndarray, y: np.ndarray, detail: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """The curve to draw; `detail`: every point (the user zoomed in)."""
        n = min(len(x), len(y))
        if detail:
            return x[:n], y[:n]
        block = 1
        while n / block > self.LOD_POINTS:
            block *= 2
        if block == 1:
            return x[:n], y[:n]
        if block != self.block:
            self.clear()
            self.block = block
        full = (n // block) * block
        if full > self._done:
            ys = y[self._done : full].reshape(-1, block)
            xs = x[self._done : full : block]
            pair_x = np.repeat(xs, 2)
            pair_y = np.empty(2 * len(xs))
            pair_y[0::2] = ys.min(axis=1)
            pair_y[1::2] = ys.max(axis=1)
            self._x.extend(pair_x)
            self._y.extend(pair_y)
            self._done = full
        return (
            np.concatenate([self._x.view(), x[full:n]]),
            np.concatenate([self._y.view(), y[full:n]]),
        )


class MarkerSet:
    """A reusable pool of labelled vertical lines (best epoch, LR drops, early stop).

    Labels of neighbouring lines step down in turn (`stagger`), and a line closer to the
    last labelled one at its height than `min_gap` of the view's width keeps its line but
    not its text, so that close lines (learning-rate drops a few epochs apart) never print
    over each other."""

    def __init__(
        self,
        plot_item: pg.PlotItem,
        color: str,
        style=Qt.PenStyle.DashLine,
        position: float = 0.92,
        stagger: float = 0.09,
        min_gap: float = 0.22,
    ):
        self.plot_item = plot_item
        self.position = position  # label height, as a share of the view
        self.stagger, self.min_gap = stagger, min_gap
        self.pen = pg.mkPen(color, width=1.5, style=style)
        self.color = color
        self.lines: list[pg.InfiniteLine] = []
        self._shown: list[tuple[float, str]] = []

    def set(self, marks: list[tuple[float, str]]) -> None:
        if marks == self._shown:
            return  # moving a line, even to where it is, schedules a repaint
        self._shown = list(marks)
        while len(self.lines) < len(marks):
            line = pg.InfiniteLine(
                angle=90,
                movable=False,
                pen=self.pen,
                label="",
                labelOpts={
                    "position": self.position,
                    "color": self.color,
                    "fill": (255, 255, 255, 150),
                },
            )
            line.setZValue(20)
            self.plot_item.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        (x_lo, x_hi), _ = self.plot_item.vb.viewRange()
        xs = [x for x, _ in marks] + [x_lo, x_hi]
        gap = self.min_gap * max(max(xs) - min(xs), 1e-9)
        last: dict[int, float] = {}  # stagger level -> x of its last labelled line
        for i, (line, (x, text)) in enumerate(zip(self.lines, marks)):
            line.setVisible(True)  # first: a hidden label ignores new text and positions
            line.setPos(x)
            level = i % 3
            room = level not in last or x - last[level] >= gap
            if room:
                last[level] = x
            line.label.setFormat(text if room else "")
            line.label.setVisible(room)
            line.label.setPosition(max(0.02, self.position - self.stagger * level))
        for line in self.lines[len(marks) :]:
            line.setVisible(False)

    def positions(self) -> list[tuple[float, str]]:
        """(x, label) of each line shown ("" where its label had no room)."""
        return [(ln.value(), ln.label.format) for ln in self.lines if ln.isVisible()]
