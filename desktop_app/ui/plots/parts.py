"""Pieces the plots share: colours, line settings, the level-of-detail envelope for long
curves, and labelled marker lines."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer

from desktop_app.ui.plots import label_room

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
        avoid: Sequence[tuple[pg.PlotDataItem, float]] = (),
        legend: pg.LegendItem | None = None,
    ):
        self.plot_item = plot_item
        self.position = position  # label height, as a share of the view
        # Curves (with how much covering each matters) and the legend the labels keep off.
        self.avoid, self.legend = list(avoid), legend
        self.peers: list[MarkerSet] = []  # other sets on the plot, whose labels it avoids too
        self._queued = False
        plot_item.vb.sigRangeChanged.connect(self._place_soon)
        self.stagger, self.min_gap = stagger, min_gap
        self.pen = pg.mkPen(color, width=1.5, style=style)
        self.color = color
        self.lines: list[pg.InfiniteLine] = []
        self._shown: list[tuple[float, str]] = []

    def set(self, marks: list[tuple[float, str]]) -> None:
        if marks == self._shown:
            self.place()  # the curves under a label may have moved
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
            line.label.wanted, line.label.room = line.label.orthoPos, room
        for line in self.lines[len(marks) :]:
            line.setVisible(False)
        self.place()

    def _place_soon(self, *_) -> None:
        """After a change of view, once the labels have followed it (they measure it)."""
        if not self._queued:
            self._queued = True
            QTimer.singleShot(0, self._place_queued)

    def _place_queued(self) -> None:
        self._queued = False
        self.place()

    def place(self) -> None:
        """Move each label up or down its line off the other labels, the curves and the
        legend (label_room); one already clear stays where it is, and one with no clear
        height left (many lines in a small plot) keeps its line but not its text."""
        vb = self.plot_item.vb
        (_, _), (y_lo, y_hi) = vb.viewRange()
        span = (y_hi - y_lo) or 1.0

        def box_of(label):
            label.updatePosition()  # pyqtgraph brings a label up to date when it paints
            label.updateTransform(force=True)
            return vb.mapSceneToView(label.sceneBoundingRect()).boundingRect()

        def spans(boxes, box, weight):
            return [
                ((o.top() - y_lo) / span, (o.bottom() - y_lo) / span, weight)
                for o in boxes
                if o.left() < box.right() and o.right() > box.left()
            ]

        todo = [
            ln
            for ln in self.lines
            if ln.isVisible() and getattr(ln.label, "room", False) and ln.label.format
        ]
        if not todo:  # (most sets, most of the time: measuring the others costs)
            return
        others = [box_of(ln.label) for m in self.peers for ln in m.lines if m.shows(ln)]
        for line in todo:
            label = line.label
            if not label.isVisible():  # hidden by an earlier placement: try it again
                label.setVisible(True)  # (a visible one is left alone: this re-lays its text)
            box = box_of(label)
            at = label.orthoPos
            below = at - (box.top() - y_lo) / span  # a view box's top is its smallest y
            above = (box.bottom() - y_lo) / span - at
            taken = spans(others, box, 10.0)  # labels already placed
            busy = list(taken)
            for item, weight in self.avoid:
                if item.isVisible():
                    xd, yd = item.getData()
                    near = label_room.y_range_near(xd, yd, box.left(), box.right())
                    if near is not None:
                        busy.append(((near[0] - y_lo) / span, (near[1] - y_lo) / span, weight))
            if self.legend is not None and self.legend.isVisible():
                busy += spans([vb.mapSceneToView(self.legend.sceneBoundingRect()).boundingRect()],
                              box, 5.0)  # fmt: skip
            height = label_room.choose_height(label.wanted, below, above, busy)
            if label_room.covers(height, below, above, taken):
                label.setVisible(False)  # no room: its line says enough
                continue
            if abs(height - at) > 1e-6:
                label.setPosition(height)
                box = box_of(label)
            others.append(box)

    @staticmethod
    def shows(line: pg.InfiniteLine) -> bool:
        """Whether the line is drawn with its label's text."""
        return line.isVisible() and line.label.isVisible() and bool(line.label.format)

    @staticmethod
    def link(*sets: MarkerSet) -> None:
        """Sets on one plot keep their labels off each other's."""
        for m in sets:
            m.peers = [o for o in sets if o is not m]

    def positions(self) -> list[tuple[float, str]]:
        """(x, label) of each line shown ("" where its label had no room)."""
        return [
            (ln.value(), ln.label.format if ln.label.isVisible() else "")
            for ln in self.lines
            if ln.isVisible()
        ]
