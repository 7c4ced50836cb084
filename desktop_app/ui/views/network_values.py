"""The network with its numbers: weights as edges, activations as node colours.

Edges are blue where the weight is positive and orange where it is negative, thicker
for a larger |w| (relative to the largest in that layer). Nodes are filled by their value
for the sample shown (a, or the input value), on a scale that is diverging around 0
(orange below, blue above, white at 0) and relative to the layer's largest |value|.
Hovering a node reads out b, z and a; hovering an edge reads out its weight.

A connection with more than MAX_UNITS units on a side is drawn as a heat map of its
weight matrix (rows: the layer's units, columns: its inputs) with the same diverging
colours, and the wide column as a strip of cells; hovering a cell reads out its weight.

It paints what it was last given (a core.inspect.network.NetworkSample) and nothing
else; a hidden view does not paint, so feeding it costs the training nothing. The
drawing is kept as a pixmap until the sample, the row, the size or the palette
changes, so a repaint for any other reason (a label over it, a window uncovered) is
one copy; edges are drawn in 32 pen buckets of sign and strength, one call each.
objectName: insideNetworkView.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

MAX_UNITS = 24  # a column of more units is a strip, its connections a heat map
POSITIVE = QColor("#1f5fa8")
NEGATIVE = QColor("#d55e00")
ZERO = QColor("#f4f4f4")
EDGE_LEVELS = 16  # strengths an edge is drawn at (alpha and width), per sign


def diverging(v: float) -> QColor:
    """-1..1 to orange..white..blue."""
    v = max(-1.0, min(1.0, v)) if math.isfinite(v) else 0.0
    end = POSITIVE if v >= 0 else NEGATIVE
    t = abs(v)
    return QColor(
        round(ZERO.red() + (end.red() - ZERO.red()) * t),
        round(ZERO.green() + (end.green() - ZERO.green()) * t),
        round(ZERO.blue() + (end.blue() - ZERO.blue()) * t),
    )


def heat_image(values: np.ndarray) -> QImage:
    """A diverging-colour image of a matrix, scaled by its largest |value|."""
    v = np.nan_to_num(np.asarray(values, np.float64))
    top = float(np.abs(v).max()) or 1.0
    t = np.clip(v / top, -1, 1)
    end_pos = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], np.float64)
    end_neg = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], np.float64)
    zero = np.array([ZERO.red(), ZERO.green(), ZERO.blue()], np.float64)
    mag = np.abs(t)[..., None]
    ends = np.where(t[..., None] >= 0, end_pos, end_neg)
    rgb = (zero + (ends - zero) * mag).astype(np.uint8)
    h, w = rgb.shape[:2]
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = rgb, 255
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return image.copy()  # own the pixels: the numpy buffer goes away


class NetworkValuesView(QWidget):
    """Paints a NetworkSample: columns of nodes (or strips), edges (or heat maps)."""

    hovered = Signal(str)  # the read-out under the mouse ("" when none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insideNetworkView")
        self.setAccessibleName("Network with its weights and activations")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 200)
        self.sample = None  # core.inspect.network.NetworkSample
        self.row: int | None = None  # the probe row shown (None: the batch mean)
        self.input_names: list[str] = []
        self._images: dict[int, QImage] = {}
        self._picture: QPixmap | None = None  # the last drawing, until something changes

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(520, 360)

    # ------------------------------------------------------------------ data
    def set_sample(self, sample, input_names: list[str] | None = None) -> None:
        self.sample = sample
        if input_names is not None:
            self.input_names = list(input_names)
        self._images = {}
        self._picture = None
        self._describe()
        self.update()

    def set_row(self, row: int | None) -> None:
        self.row = row
        self._picture = None
        self._describe()
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._picture = None
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._picture = None
        super().changeEvent(event)

    def _describe(self) -> None:
        s = self.sample
        if s is None:
            self.setAccessibleDescription("No values yet: train or load a model")
            return
        sizes = " → ".join([str(len(s.input_mean))] + [str(lay.units) for lay in s.layers])
        self.setAccessibleDescription(f"Layers {sizes}, showing {s.describe(self.row)}")

    # ------------------------------------------------------------------ geometry
    def _column_values(self) -> list[np.ndarray]:
        s = self.sample
        return [s.inputs(self.row)] + [lay.a(self.row) for lay in s.layers]

    def _layout(self):
        """Per column: x, and the node centres (None for a strip), and the strip rect."""
        values = self._column_values()
        n = len(values)
        top, bottom = 30.0, self.height() - 10.0
        left, right = 36.0, self.width() - 36.0
        height = max(bottom - top, 20.0)
        step = (right - left) / max(n - 1, 1)
        most = max(min(len(v), MAX_UNITS) for v in values)
        radius = max(3.0, min(12.0, height / max(most, 1) / 2.5, step / 6))
        cols = []
        for i, v in enumerate(values):
            x = left + step * i
            if len(v) <= MAX_UNITS:
                gap = min(height / max(len(v), 1), 3.2 * radius)
                y0 = top + (height - gap * (len(v) - 1)) / 2
                cols.append((x, [QPointF(x, y0 + gap * k) for k in range(len(v))], None))
            else:
                cols.append((x, None, QRectF(x - radius, top, 2 * radius, height)))
        return cols, radius, step

    def node_center(self, column: int, unit: int) -> QPointF | None:
        """Where unit `unit` of column `column` (0: the inputs) is drawn, None for a strip."""
        if self.sample is None:
            return None
        cols, _, _ = self._layout()
        points = cols[column][1]
        return points[unit] if points is not None and unit < len(points) else None

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        s = self.sample
        if s is None:
            painter.setPen(text)
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "The network's weights and activations appear here once a run starts "
                "(or a model is loaded).",
            )
            painter.end()
            return
        ratio = self.devicePixelRatioF()
        if self._picture is None or self._picture.devicePixelRatio() != ratio:
            picture = QPixmap(self.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            canvas = QPainter(picture)
            canvas.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_network(canvas, text)
            canvas.end()
            self._picture = picture
        painter.drawPixmap(0, 0, self._picture)
        painter.end()

    def _paint_network(self, painter: QPainter, text: QColor) -> None:
        s = self.sample
        cols, radius, step = self._layout()
        for k, layer in enumerate(s.layers):
            pa, pb = cols[k][1], cols[k + 1][1]
            if pa is not None and pb is not None and not layer.pooled:
                self._paint_edges(painter, layer.weight, pa, pb)
            else:
                image = self._images.get(k)
                if image is None:
                    image = self._images[k] = heat_image(layer.weight)
                painter.drawImage(self._heat_rect(cols, k, radius), image)
        values = self._column_values()
        for (_x, points, strip), v in zip(cols, values):
            top = float(np.nanmax(np.abs(v))) if len(v) else 1.0
            top = top if top > 0 and math.isfinite(top) else 1.0
            if points is not None:
                painter.setPen(QPen(text, 0.8))
                for p, value in zip(points, v):
                    painter.setBrush(diverging(float(value) / top))
                    painter.drawEllipse(p, radius, radius)
            else:
                image = heat_image(np.asarray(v, np.float64)[:, None])
                painter.drawImage(strip, image)
                painter.setPen(QPen(text, 0.8))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(strip)
        painter.setPen(text)
        names = ["Input"] + [lay.name for lay in s.layers]
        for (x, _, _), name, v in zip(cols, names, values):
            width = max(min(step, 120.0), 40.0)
            box = QRectF(x - width / 2, 2, width, 26)
            label = f"{name}\n{len(v)}" if step >= 60 else str(len(v))
            painter.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)

    def _paint_edges(self, painter: QPainter, weight: np.ndarray, pa, pb) -> None:
        """Edges grouped by sign and strength (EDGE_LEVELS each): one pen and one
        drawLines call per group."""
        w = np.asarray(weight, dtype=np.float64)[: len(pb), : len(pa)]
        finite = np.isfinite(w)
        top = float(np.abs(w[finite]).max()) if finite.any() else 1.0
        top = top if top > 0 else 1.0
        level = np.where(finite, np.minimum(np.abs(w) / top, 1.0), 0.0)
        level = np.rint(level * (EDGE_LEVELS - 1)).astype(np.int64)
        group = level * 2 + ~(w >= 0)  # odd: negative (and NaN, at strength 0)
        for g in np.unique(group).tolist():
            t = (g // 2) / (EDGE_LEVELS - 1)
            colour = QColor(NEGATIVE if g % 2 else POSITIVE)
            colour.setAlpha(int(40 + 200 * t))
            painter.setPen(QPen(colour, 0.4 + 3.2 * t))
            js, is_ = np.nonzero(group == g)
            painter.drawLines([QLineF(pa[i], pb[j]) for j, i in zip(js.tolist(), is_.tolist())])

    def _heat_rect(self, cols, k: int, radius: float) -> QRectF:
        xa, xb = cols[k][0], cols[k + 1][0]
        x0, x1 = xa + radius + 4, xb - radius - 4
        top, bottom = 30.0, self.height() - 10.0
        return QRectF(x0, top, max(x1 - x0, 4.0), bottom - top)

    # ------------------------------------------------------------------ hover
    def readout_at(self, pos: QPointF) -> str:
        """What the mouse at `pos` points at, in words and numbers ("" for nothing)."""
        s = self.sample
        if s is None:
            return ""
        cols, radius, _ = self._layout()
        values = self._column_values()
        for c, ((_x, points, strip), v) in enumerate(zip(cols, values)):
            unit = None
            if points is not None:
                for u, p in enumerate(points):
                    if (p - pos).manhattanLength() <= radius * 1.5:
                        unit = u
            elif strip is not None and strip.adjusted(-3, 0, 3, 0).contains(pos):
                unit = int((pos.y() - strip.top()) / strip.height() * len(v))
                unit = min(max(unit, 0), len(v) - 1)
            if unit is None:
                continue
            if c == 0:
                name = self.input_names[unit] if unit < len(self.input_names) else ""
                label = f"Input {unit + 1}" + (f" ({name})" if name else "")
                return f"{label}: x = {float(v[unit]):.4g} (standardised)"
            layer = s.layers[c - 1]
            return (
                f"{layer.name}, unit {unit + 1}: b = {float(layer.bias[unit]):.4g}, "
                f"z = {float(layer.z(self.row)[unit]):.4g}, a = {float(v[unit]):.4g}"
                + (f" ({layer.activation})" if layer.activation != "identity" else "")
            )
        for k, layer in enumerate(s.layers):
            (_, pa, _), (_, pb, _) = cols[k], cols[k + 1]
            if pa is None or pb is None or layer.pooled:
                rect = self._heat_rect(cols, k, radius)
                if rect.contains(pos):
                    rows, colsn = layer.weight.shape
                    j = min(int((pos.y() - rect.top()) / rect.height() * rows), rows - 1)
                    i = min(int((pos.x() - rect.left()) / rect.width() * colsn), colsn - 1)
                    w = float(layer.weight[j, i])
                    mean = " (block mean)" if layer.pooled else ""
                    return f"{layer.name} weight [{j + 1}, {i + 1}] = {w:.4g}{mean}"
                continue
            best, where = 4.0, None
            for j, b in enumerate(pb):
                for i, a in enumerate(pa):
                    d = _distance_to_segment(pos, a, b)
                    if d < best:
                        best, where = d, (j, i)
            if where is not None:
                j, i = where
                src = "input" if k == 0 else s.layers[k - 1].name.lower()
                return (
                    f"Weight {layer.name.lower()} unit {j + 1} ← {src} {i + 1}: "
                    f"w = {float(layer.weight[j, i]):.4g}"
                )
        return ""

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        text = self.readout_at(event.position())
        self.hovered.emit(text)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = dx * dx + dy * dy
    if length == 0:
        return math.hypot(p.x() - a.x(), p.y() - a.y())
    t = max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length))
    return math.hypot(p.x() - a.x() - t * dx, p.y() - a.y() - t * dy)
