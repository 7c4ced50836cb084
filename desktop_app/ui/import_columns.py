"""The import dialog's two column views: the preview table (its first rows) and the
column list (feature tick, type, empty cells, examples per column).

PreviewModel: a read-only QAbstractTableModel over TablePreview.rows; the header shows
each column's name and type, the target column is highlighted, unused ones greyed.
ColumnList: a QTableWidget ("columnsTable"), one row per column: a checkable name
(ticked: a feature), a type combo (objectName "typeCombo_<i>", i the column's index),
the empty cells and a few example values. The target's row is not checkable.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget
from PySide6.QtWidgets import QTableWidgetItem as Item

# What each type means to a user (ColumnInfo.kind, then the ones users may choose).
KIND_TEXT = {
    "numeric": "numeric",
    "categorical": "categories",
    "boolean": "yes/no",
    "text": "free text (not used)",
    "empty": "empty (not used)",
}
CHOOSABLE = ("numeric", "categorical", "boolean")
TARGET_BRUSH = QBrush(QColor("#fff3c4"))
UNUSED_BRUSH = QBrush(QColor("#8a8a8a"))

_Index = QModelIndex | QPersistentModelIndex


class PreviewModel(QAbstractTableModel):
    """The first rows of a file as the dialog reads them (strings, as in the file)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[list[str]] = []
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.target: str | None = None
        self.features: set[str] = set()

    def set_table(self, names: list[str], kinds: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.names, self.kinds, self.rows = list(names), list(kinds), rows
        self.endResetModel()

    def set_roles(self, target: str | None, features: set[str]) -> None:
        self.target, self.features = target, set(features)
        if self.rows and self.names:
            last = self.index(len(self.rows) - 1, len(self.names) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(len(self.names) - 1, 0))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.names)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        name = self.names[c]
        if role == Qt.ItemDataRole.DisplayRole:
            row = self.rows[r]
            return row[c] if c < len(row) else ""
        if role == Qt.ItemDataRole.BackgroundRole and name == self.target:
            return TARGET_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and name != self.target:
            return None if name in self.features else UNUSED_BRUSH
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(self.names):
            return None
        name, kind = self.names[section], self.kinds[section]
        role_text = (
            "target"
            if name == self.target
            else ("feature" if name in self.features else "not used")
        )
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name}\n{KIND_TEXT.get(kind, kind)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name}: {KIND_TEXT.get(kind, kind)} column, {role_text}"
        if role == Qt.ItemDataRole.FontRole and name == self.target:
            font = QFont()
            font.setBold(True)
            return font
        return None


class ColumnList(QTableWidget):
    """One row per column: feature tick, type, empty cells, examples (see module doc)."""

    typeChanged = Signal(str, str)  # noqa: N815 (Qt naming) column, kind
    featuresChanged = Signal()  # noqa: N815

    def __init__(self, parent=None):
        super().__init__(0, 4, parent)
        self.setObjectName("columnsTable")
        self.setAccessibleName("Columns: features and types")
        self.setToolTip(
            "Every column of the file. Tick the columns the network learns from (its "
            "features); choose a column's type if it was detected wrongly, e.g. numbers "
            "that are really category codes."
        )
        self.setHorizontalHeaderLabels(["Column (tick: feature)", "Type", "Empty", "Examples"])
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.names: list[str] = []
        self._filling = False
        self.itemChanged.connect(self._on_item_changed)

    def set_columns(self, columns, detected: dict[str, str]) -> None:
        """columns: ColumnInfo list (kinds as shown); detected: the kinds as detected."""
        self._filling = True
        try:
            for i in range(self.rowCount()):  # the old combos go now, not at deleteLater
                old = self.cellWidget(i, 1)
                if old is not None:
                    old.blockSignals(True)
                    old.setObjectName("")
                    self.removeCellWidget(i, 1)
            self.setRowCount(len(columns))
            self.names = [c.name for c in columns]
            for i, col in enumerate(columns):
                item = Item(col.name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.setItem(i, 0, item)
                self.setCellWidget(i, 1, self._type_combo(i, col, detected.get(col.name)))
                empty = Item(f"{col.n_missing:,}")
                empty.setToolTip("Empty cells in the first rows (NA, ?, blank…)")
                self.setItem(i, 2, empty)
                self.setItem(i, 3, Item(", ".join(col.examples)))
        finally:
            self._filling = False

    def _type_combo(self, i: int, col, detected: str | None) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"typeCombo_{i}")
        combo.setAccessibleName(f"Type of column {col.name}")
        combo.setToolTip(
            f"How column {col.name!r} is read: numbers, categories (one input per value) "
            "or yes/no. Detected: " + KIND_TEXT.get(detected or col.kind, col.kind) + "."
        )
        kinds = list(CHOOSABLE)
        if detected not in CHOOSABLE and detected is not None:
            kinds.append(detected)
        for kind in kinds:
            combo.addItem(KIND_TEXT[kind], kind)
        combo.setCurrentIndex(max(combo.findData(col.kind), 0))
        combo.setProperty("column", col.name)
        combo.currentIndexChanged.connect(self._on_type)
        return combo

    def set_roles(self, target: str | None, features: set[str], usable: set[str]) -> None:
        self._filling = True
        try:
            for i, name in enumerate(self.names):
                item = self.item(i, 0)
                flags = Qt.ItemFlag.ItemIsEnabled
                if name != target and name in usable:
                    flags |= Qt.ItemFlag.ItemIsUserCheckable
                item.setFlags(flags)
                checked = name in features and name != target
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                tip = "The target: what the network predicts" if name == target else ""
                if name != target and name not in usable:
                    tip = "Not usable as an input with this type; choose another type to use it"
                item.setToolTip(tip)
                font = item.font()
                font.setBold(name == target)
                item.setFont(font)
                item.setText(f"{name}  (target)" if name == target else name)
        finally:
            self._filling = False

    def checked(self) -> list[str]:
        return [
            name
            for i, name in enumerate(self.names)
            if self.item(i, 0).checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, name: str, on: bool) -> None:
        self.item(self.names.index(name), 0).setCheckState(
            Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        )

    @Slot(Item)
    def _on_item_changed(self, item: Item) -> None:
        if not self._filling and item.column() == 0:
            self.featuresChanged.emit()

    @Slot(int)
    def _on_type(self, _index: int) -> None:
        combo = self.sender()
        if not self._filling and isinstance(combo, QComboBox):
            self.typeChanged.emit(combo.property("column"), combo.currentData())
