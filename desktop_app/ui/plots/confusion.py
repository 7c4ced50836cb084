"""The test split's confusion matrix as a labelled heat map (rows: true, columns: predicted).

A click on a cell emits `cellClicked(true_class, predicted_class)` and outlines the cell
(the Evaluation window lists that cell's test rows).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from desktop_app.ui.plots.base import LivePlot

MAX_TEXT_CLASSES = 20  # beyond this, counts are read from the hover read-out


class ConfusionMatrixPlot(LivePlot):
    """Cell colour: share of the true class's test samples; cell text: the count."""

    cellClicked = Signal(int, int)  # true class (row), predicted class (column)

    def __init__(self, parent=None, key: str = "confusion"):
        super().__init__(key, "Confusion matrix (test)", "predicted class", "true class", parent)
        self.log_check.hide()
        self.legend.hide()
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.class_names: list[str] = []
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(
            pg.ColorMap([0.0, 1.0], [(255, 255, 255), (0, 90, 170)]).getLookupTable(nPts=256)
        )
        self.plot_item.addItem(self.image)
        self.plot_item.invertY(True)
        self.plot_item.setAspectLocked(False)
        self.plot_item.showGrid(x=False, y=False)
        self.texts: list[pg.TextItem] = []
        self.selected: tuple[int, int] | None = None
        self.outline = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self.outline.setPen(pg.mkPen("#D55E00", width=3))
        self.outline.setZValue(20)
        self.outline.hide()
        self.plot_item.addItem(self.outline)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_clicked)

    def set_matrix(self, matrix, class_names: list[str]) -> None:
        m = np.asarray(matrix, dtype=np.int64)
        self.matrix = m
        n = m.shape[0] if m.ndim == 2 else 0
        self.class_names = list(class_names)[:n] + [
            f"class {i}" for i in range(len(class_names), n)
        ]
        if self.selected is not None and max(self.selected) >= n:
            self.select(None)
        self.mark_dirty()
        self.redraw_now()

    def redraw(self) -> None:
        for t in self.texts:
            self.plot_item.removeItem(t)
        self.texts = []
        m = self.matrix
        n = m.shape[0] if m.ndim == 2 else 0
        if n == 0:
            self.image.clear()
            return
        rows = m.sum(axis=1, keepdims=True).astype(np.float64)
        share = np.divide(m, rows, out=np.zeros(m.shape), where=rows > 0)
        self.image.setImage(share, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(0, 0, n, n)
        names = [_short(c) for c in self.class_names]
        ticks = [[(i + 0.5, names[i]) for i in range(n)]]
        self.plot_item.getAxis("bottom").setTicks(ticks)
        self.plot_item.getAxis("left").setTicks(ticks)
        if n <= MAX_TEXT_CLASSES:
            for r in range(n):
                for c in range(n):
                    color = "w" if share[r, c] > 0.55 else "k"
                    t = pg.TextItem(str(int(m[r, c])), color=color, anchor=(0.5, 0.5))
                    t.setPos(c + 0.5, r + 0.5)
                    self.plot_item.addItem(t)
                    self.texts.append(t)
        self.plot_item.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def readout(self, x: float) -> str | None:
        return None  # rows/columns need both coordinates; see cell_text

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """(row, column) of the cell under a scene position, or None."""
        n = self.matrix.shape[0] if self.matrix.ndim == 2 else 0
        if n == 0 or not self.plot_item.vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.plot_item.vb.mapSceneToView(scene_pos)
        c, r = int(np.floor(p.x())), int(np.floor(p.y()))
        return (r, c) if 0 <= r < n and 0 <= c < n else None

    def select(self, cell: tuple[int, int] | None) -> None:
        """Outline a cell (None: no cell)."""
        self.selected = cell
        if cell is None:
            self.outline.hide()
        else:
            self.outline.setRect(cell[1], cell[0], 1, 1)
            self.outline.show()

    def _on_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.select(cell)
            self.cellClicked.emit(*cell)

    def _on_mouse_moved(self, pos) -> None:
        n = self.matrix.shape[0] if self.matrix.ndim == 2 else 0
        if n == 0 or not self.plot_item.sceneBoundingRect().contains(pos):
            return
        p = self.plot_item.vb.mapSceneToView(pos)
        c, r = int(np.floor(p.x())), int(np.floor(p.y()))
        self.readout_label.setText(self.cell_text(r, c) if 0 <= r < n and 0 <= c < n else "")

    def cell_text(self, r: int, c: int) -> str:
        total = int(self.matrix[r].sum())
        v = int(self.matrix[r, c])
        pct = f" ({100 * v / total:.1f}% of true {self.class_names[r]})" if total else ""
        return f"true {self.class_names[r]}, predicted {self.class_names[c]}: {v}{pct}"


def _short(name: str, limit: int = 14) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
