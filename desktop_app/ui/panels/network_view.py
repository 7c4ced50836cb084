"""A drawing of the network: one column per layer, neurons as circles where they fit.

A layer of at most MAX_DRAWN_UNITS units is drawn neuron by neuron; a wider one as a
bar reading "… N units". Edges are drawn faintly between neighbouring columns (to a
few anchor points of a bar), so the picture stays legible for any width.

objectName: networkView.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MAX_DRAWN_UNITS = 16
BAR_ANCHORS = 7


@dataclass(frozen=True)
class DrawnLayer:
    title: str  # "Input", "Hidden 1", "Output"
    units: int
    detail: str = ""  # "relu", "sigmoid", ...
    kind: str = "hidden"  # "input", "hidden" or "output"


_FILL = {"input": "#59a14f", "hidden": "#4e79a7", "output": "#e15759"}


class NetworkView(QWidget):
    """Paints the layers it is given; holds no other state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setAccessibleName("Network diagram")
        self.setToolTip(
            "The network as data flows through it, left to right: every neuron in one "
            "layer feeds every neuron in the next (each line is a weight to learn)."
        )
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(180)
        self._layers: list[DrawnLayer] = []

    def set_layers(self, layers: list[DrawnLayer]) -> None:
        self._layers = list(layers)
        desc = ", ".join(f"{lay.title} {lay.units}" for lay in layers)
        self.setAccessibleDescription(f"Layers: {desc}")
        self.update()

    def layers(self) -> list[DrawnLayer]:
        return list(self._layers)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(340, 240)

    # --- geometry ------------------------------------------------------------------------
    def _columns(self) -> list[tuple[float, list[QPointF], QRectF | None]]:
        """Per layer: x centre, neuron centres (or bar anchors), and the bar rect."""
        n = len(self._layers)
        if n == 0:
            return []
        top, bottom = 38.0, self.height() - 12.0
        left, right = 28.0, self.width() - 28.0
        height = max(bottom - top, 20.0)
        step = (right - left) / max(n - 1, 1)
        radius = self._radius()
        out = []
        for i, layer in enumerate(self._layers):
            x = left + step * i if n > 1 else (left + right) / 2
            if layer.units <= MAX_DRAWN_UNITS:
                gap = min(height / max(layer.units, 1), 4 * radius)
                y0 = top + (height - gap * (layer.units - 1)) / 2
                out.append((x, [QPointF(x, y0 + gap * k) for k in range(layer.units)], None))
            else:
                bar = QRectF(x - radius, top, 2 * radius, height)
                anchors = [
                    QPointF(x, top + height * (k + 0.5) / BAR_ANCHORS) for k in range(BAR_ANCHORS)
                ]
                out.append((x, anchors, bar))
        return out

    def _radius(self) -> float:
        most = max((min(lay.units, MAX_DRAWN_UNITS) for lay in self._layers), default=1)
        by_height = (self.height() - 50) / max(most, 1) / 2.6
        by_width = (self.width() - 56) / max(len(self._layers), 1) / 4
        return max(2.5, min(11.0, by_height, by_width))

    def _label(self, layer: DrawnLayer, step: float, index: int) -> str:
        """Full labels where columns are wide, short ones (H3 / 1k) where they are not."""
        if step >= 64:
            return f"{layer.title}\n{layer.units:,}" + (f" {layer.detail}" if layer.detail else "")
        short = {"input": "In", "output": "Out"}.get(layer.kind, f"H{index}")
        units = f"{layer.units / 1000:g}k" if layer.units >= 1000 else str(layer.units)
        if step < 22 and layer.kind == "hidden":
            return ""  # too crowded: the tooltip and the table carry the details
        return f"{short}\n{units}"

    # --- painting ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_colour = pal.windowText().color()
        if not self._layers:
            painter.setPen(text_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No network")
            return
        columns = self._columns()
        edge = QColor(text_colour)
        edge.setAlpha(35)
        painter.setPen(QPen(edge, 0.8))
        path = QPainterPath()
        for (_, a_pts, _), (_, b_pts, _) in zip(columns, columns[1:]):
            for a in a_pts:
                for b in b_pts:
                    path.moveTo(a)
                    path.lineTo(b)
        painter.drawPath(path)

        radius = self._radius()
        step = (self.width() - 56) / max(len(self._layers) - 1, 1)
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() * 0.85, 6.0))
        painter.setFont(small)
        for index, (layer, (x, points, bar)) in enumerate(zip(self._layers, columns)):
            fill = QColor(_FILL.get(layer.kind, _FILL["hidden"]))
            painter.setPen(QPen(fill.darker(140), 1.0))
            painter.setBrush(fill)
            if bar is None:
                for p in points:
                    painter.drawEllipse(p, radius, radius)
            else:
                painter.drawRoundedRect(bar, radius, radius)
                painter.save()
                painter.translate(bar.center())
                painter.rotate(-90)
                painter.setPen(QColor("white"))
                text = QRectF(-bar.height() / 2, -bar.width() / 2, bar.height(), bar.width())
                painter.drawText(text, Qt.AlignmentFlag.AlignCenter, f"… {layer.units:,} units")
                painter.restore()
            painter.setPen(text_colour)
            label = self._label(layer, step, index)
            if not label:
                continue
            width = min(130.0, max(step, 24.0))
            left = min(max(x - width / 2, 0.0), self.width() - width)
            box = QRectF(left, 2, width, 34)
            painter.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        painter.end()
