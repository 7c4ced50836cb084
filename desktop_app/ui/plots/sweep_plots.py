"""A sweep's two plots: parallel coordinates of its trials, and each setting's importance.

Parallel coordinates: one vertical axis per searched setting and one for the metric;
each finished trial is a line through its values. An axis whose range is logarithmic is
drawn on a log scale (its ticks are powers of ten). Each axis has a brush (a narrow box
with handles at top and bottom): drag its ends to keep only the trials whose values lie
inside; the others turn grey, and `brushed` says which trials remain. The lines are
three curves (kept, brushed away, best), set anew from arrays: no item per trial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

BRUSH_WIDTH = 0.12
INK = "#222"


@dataclass(frozen=True)
class Axis:
    """One axis: a setting (or the metric), its range, whether it is logarithmic, and
    the category names of a choice axis."""

    name: str
    low: float
    high: float
    log: bool = False
    categories: tuple[str, ...] = ()

    def position(self, value) -> float:
        """Where a value sits on the axis, 0 (bottom) to 1 (top)."""
        if self.categories:
            i = self.categories.index(str(value)) if str(value) in self.categories else 0
            return 0.5 if len(self.categories) == 1 else i / (len(self.categories) - 1)
        try:
            v = float(value)
        except (TypeError, ValueError):
            return math.nan
        lo, hi = self.low, self.high
        if self.log and v > 0 and lo > 0:
            v, lo, hi = math.log10(v), math.log10(lo), math.log10(hi)
        return 0.5 if hi == lo else (v - lo) / (hi - lo)

    def tick_positions(self) -> list[float]:
        """Where the axis is labelled: every choice (up to eight), else both ends and
        the middle."""
        n = len(self.categories)
        if 1 < n <= 8:
            return [k / (n - 1) for k in range(n)]
        if n == 1:
            return [0.5]
        return [0.0, 0.5, 1.0]

    def label_at(self, where: float) -> str:
        if self.categories:
            n = len(self.categories)
            return self.categories[min(n - 1, max(0, round(where * (n - 1))))]
        lo, hi = self.low, self.high
        if self.log and lo > 0:
            return f"{10 ** (math.log10(lo) + where * (math.log10(hi) - math.log10(lo))):.3g}"
        return f"{lo + where * (hi - lo):.4g}"


class ParallelCoordinates(QWidget):
    """The trials of a sweep as lines across one axis per setting and the metric."""

    brushed = Signal(list)  # the trial numbers inside every brush

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sweepParallelPlot")
        self.setAccessibleName("Parallel coordinates of the sweep's trials")
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setObjectName("sweepParallelView")
        self.plot.setAccessibleName("Trials across the settings and the metric")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.faded = pg.PlotDataItem(pen=pg.mkPen(QColor(180, 180, 180, 110), width=1))
        self.kept = pg.PlotDataItem(pen=pg.mkPen(QColor(31, 119, 180, 170), width=1.5))
        self.best = pg.PlotDataItem(pen=pg.mkPen(QColor(214, 39, 40), width=3))
        for curve in (self.faded, self.kept, self.best):
            self.plot.addItem(curve)
        self.axes: list[Axis] = []
        self.numbers: list[int] = []
        self.points = np.zeros((0, 0))
        self.best_number: int | None = None
        self.brushes: list[pg.ROI] = []
        self._decor: list = []
        self.kept_numbers: list[int] = []

    # ------------------------------------------------------------------ data
    def set_axes(self, axes: list[Axis]) -> None:
        """New axes (a new sweep): brushes reset to the full range."""
        for thing in [*self._decor, *self.brushes]:
            self.plot.removeItem(thing)
        self._decor, self.brushes = [], []
        self.axes = list(axes)
        for i, axis in enumerate(self.axes):
            line = pg.InfiniteLine(pos=i, angle=90, pen=pg.mkPen(QColor(90, 90, 90), width=1))
            title = pg.TextItem(
                axis.name + (" (log)" if axis.log else ""), color=INK, anchor=(0.5, 1.2)
            )
            title.setPos(i, 1.0)
            marks = []  # beside the axis, clear of its line and its brush's handles
            for where in axis.tick_positions():
                mark = pg.TextItem(axis.label_at(where), color=INK, anchor=(0, 0.5))
                mark.setPos(i + BRUSH_WIDTH / 2 + 0.02, where)
                marks.append(mark)
            for thing in (line, title, *marks):
                self.plot.addItem(thing)
                self._decor.append(thing)
            brush = pg.ROI(
                [i - BRUSH_WIDTH / 2, 0.0],
                [BRUSH_WIDTH, 1.0],
                pen=pg.mkPen(QColor(255, 150, 0), width=2),
                maxBounds=QRectF(i - BRUSH_WIDTH / 2, 0.0, BRUSH_WIDTH, 1.0),
            )
            brush.addScaleHandle([0.5, 1.0], [0.5, 0.0])
            brush.addScaleHandle([0.5, 0.0], [0.5, 1.0])
            brush.sigRegionChanged.connect(self._on_brush)
            self.plot.addItem(brush)
            self.brushes.append(brush)
        n = max(1, len(self.axes))
        self.plot.setXRange(-0.4, n - 0.6, padding=0)
        self.plot.setYRange(-0.12, 1.18, padding=0)
        self.points = np.zeros((0, len(self.axes)))
        self.numbers = []
        self._draw()

    def set_trials(self, numbers: list[int], rows: list[list], best: int | None) -> None:
        """The finished trials: their numbers and one value per axis each."""
        self.numbers = list(numbers)
        self.best_number = best
        pts = np.array(
            [[a.position(v) for a, v in zip(self.axes, row)] for row in rows], dtype=np.float64
        ).reshape(len(rows), len(self.axes))
        self.points = pts
        self._draw()

    def brush_range(self, axis: int) -> tuple[float, float]:
        """The brush of an axis as (bottom, top), 0 to 1."""
        roi = self.brushes[axis]
        y, h = roi.pos().y(), roi.size().y()
        return float(y), float(y + h)

    def set_brush(self, axis: int, bottom: float, top: float) -> None:
        """Brush an axis to the part from `bottom` to `top` (0 to 1): what dragging its
        handles does."""
        roi = self.brushes[axis]
        roi.setPos([axis - BRUSH_WIDTH / 2, bottom], update=False)
        roi.setSize([BRUSH_WIDTH, max(top - bottom, 1e-3)])

    def clear_brushes(self) -> None:
        for i in range(len(self.brushes)):
            self.set_brush(i, 0.0, 1.0)

    # ------------------------------------------------------------------ drawing
    def _on_brush(self, *_args) -> None:
        self._draw()

    def _inside(self) -> np.ndarray:
        keep = np.ones(len(self.points), dtype=bool)
        eps = 1e-9
        for i in range(len(self.axes)):
            lo, hi = self.brush_range(i)
            col = self.points[:, i] if len(self.points) else np.zeros(0)
            keep &= np.isnan(col) | ((col >= lo - eps) & (col <= hi + eps))
        return keep

    def _lines(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All lines as one curve: x 0..n-1 per row, NaN between rows."""
        n = len(self.axes)
        if len(rows) == 0 or n == 0:
            return np.zeros(0), np.zeros(0)
        x = np.tile(np.append(np.arange(n, dtype=np.float64), np.nan), len(rows))
        y = np.hstack([rows, np.full((len(rows), 1), np.nan)]).ravel()
        return x, y

    def _draw(self) -> None:
        keep = self._inside()
        for curve, rows in ((self.kept, self.points[keep]), (self.faded, self.points[~keep])):
            x, y = self._lines(rows)
            curve.setData(x, y, connect="finite")
        best = [i for i, n in enumerate(self.numbers) if n == self.best_number]
        x, y = self._lines(self.points[best]) if best else (np.zeros(0), np.zeros(0))
        self.best.setData(x, y, connect="finite")
        kept = [n for n, k in zip(self.numbers, keep) if k]
        if kept != self.kept_numbers:
            self.kept_numbers = kept
            self.brushed.emit(kept)


class ImportanceBars(QWidget):
    """Each setting's importance (fANOVA, summing to 1) as horizontal bars."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sweepImportancePlot")
        self.setAccessibleName("How much each setting mattered")
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.getAxis("left").setWidth(170)
        self.plot.setObjectName("sweepImportanceView")
        self.plot.setAccessibleName("Importance of each setting")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "importance")
        self.plot.setXRange(0, 1, padding=0.02)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[], brush=QColor(31, 119, 180))
        self.plot.addItem(self.bars)
        self.values: dict[str, float] = {}

    def set_importances(self, values: dict[str, float]) -> None:
        self.values = dict(values)
        names = list(values)[::-1]  # the most important on top
        widths = [values[n] for n in names]
        self.bars.setOpts(x0=[0] * len(names), y=list(range(len(names))), width=widths)
        self.plot.getAxis("left").setTicks([list(enumerate(names))])
        self.plot.setYRange(-0.6, max(len(names), 1) - 0.4, padding=0)
