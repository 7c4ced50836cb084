"""The legend of the Runs tab's overlaid curves: a list beside the two plots.

Inside a plot, pyqtgraph's legend of a dozen runs covered most of their curves (it can
be dragged, but only within the plot). This list stands beside the plots instead: one
for both (a run has the same colour in each), a swatch of the run's colour and its name
("run 12 · lr=0.01"), cut with "…" where it is long and whole in its tooltip; it scrolls
when the names outnumber its height. Groups' bands are listed the same way.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

WIDTH_PX = 170  # beside two plots that share what the pane has left

_KEY = Qt.ItemDataRole.UserRole


def swatch(colour: str, bold: bool = True) -> QIcon:
    """A short line in the curve's colour (thick for a band's mean)."""
    pixmap = QPixmap(22, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QPen(QColor(colour), 4 if bold else 2.5))
    painter.drawLine(2, 6, 20, 6)
    painter.end()
    return QIcon(pixmap)


class RunLegend(QListWidget):
    """Names and colours of the curves on the runs panel's plots, in the order added."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("runCurvesLegend")
        self.setAccessibleName("Legend of the overlaid curves")
        self.setToolTip("Each ticked run's colour in both plots (its full name on hover).")
        self.setFixedWidth(WIDTH_PX)
        self.setIconSize(QSize(22, 12))
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing in it to act on
        self.setUniformItemSizes(True)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.setFont(font)
        self.setVisible(False)  # until a curve is shown

    def put(self, key: Hashable, colour: str, name: str, bold: bool = False) -> None:
        """List `name` in `colour` (again, in place, if `key` is listed)."""
        item = self._find(key)
        if item is None:
            item = QListWidgetItem()
            item.setData(_KEY, key)
            self.addItem(item)
        item.setIcon(swatch(colour, bold))
        item.setText(name)
        item.setToolTip(name)
        self.setVisible(True)

    def drop(self, key: Hashable) -> None:
        item = self._find(key)
        if item is not None:
            self.takeItem(self.row(item))
        self.setVisible(self.count() > 0)

    def names(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def _find(self, key: Hashable) -> QListWidgetItem | None:
        for i in range(self.count()):
            if self.item(i).data(_KEY) == key:
                return self.item(i)
        return None
