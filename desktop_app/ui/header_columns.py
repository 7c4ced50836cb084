"""Columns a user can hide and show again from a table's header (right-click it, or press
the Menu key on it), as a file manager or a mail client offers: the Runs tab has more
columns than a laptop's width holds, so the least read one starts hidden.

Columns are known by their header text, so a model that adds and removes columns (the
Runs tab's settings that differ) keeps the choice; the choice is a plain list of names
the window saves in its settings. Show and hide are menu actions, so they are reachable
from the keyboard too.

objectNames: <table>ColumnsMenu, and one action per column, <table>Column<Name>.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView


class ColumnChooser(QObject):
    """The header menu of `table` that ticks `optional` columns on and off; `hidden` starts
    hidden. changed(list of hidden names) after the user ticks one."""

    changed = Signal(list)

    def __init__(self, table: QTableView, optional: Iterable[str], hidden: Iterable[str] = ()):
        super().__init__(table)
        self.table = table
        self.optional = list(optional)
        self._hidden = {n for n in hidden if n in self.optional}
        header = table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._open_menu)
        self.menu = QMenu(table)
        self.menu.setObjectName(f"{table.objectName()}ColumnsMenu")
        self.menu.setAccessibleName("Columns to show")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for name in self.optional:
            action = QAction(name, self.menu)
            action.setObjectName(f"{table.objectName()}Column{name.title().replace(' ', '')}")
            action.setCheckable(True)
            action.setToolTip(f"Show the {name} column")
            action.toggled.connect(lambda on, n=name: self._toggle(n, on))
            self.menu.addAction(action)
            self.actions[name] = action
        model = table.model()
        for sig in (model.modelReset, model.layoutChanged, model.columnsInserted):
            sig.connect(self.apply)
        self._sync_actions()
        self.apply()

    def hidden(self) -> list[str]:
        """The hidden columns' names, in the table's order."""
        return [n for n in self.optional if n in self._hidden]

    def set_hidden(self, names: Iterable[str]) -> None:
        """Hide these (names not among the optional columns are ignored), show the rest."""
        self._hidden = {n for n in names if n in self.optional}
        self._sync_actions()
        self.apply()

    def reveal(self, name: str) -> None:
        """Show a hidden column because the user is about to use it (as if ticked)."""
        if name in self._hidden:
            self.actions[name].setChecked(True)

    @Slot()
    def apply(self) -> None:
        """Hide and show the columns by their header text (after any change of columns)."""
        model, view = self.table.model(), self.table
        for col in range(model.columnCount()):
            name = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            if name in self.optional:
                view.setColumnHidden(col, name in self._hidden)

    @Slot(QPoint)
    def _open_menu(self, pos: QPoint) -> None:
        self.menu.popup(self.table.horizontalHeader().viewport().mapToGlobal(pos))

    def _toggle(self, name: str, on: bool) -> None:
        if on == (name not in self._hidden):
            return
        if on:
            self._hidden.discard(name)
        else:
            self._hidden.add(name)
        self.apply()
        self.changed.emit(self.hidden())

    def _sync_actions(self) -> None:
        for name, action in self.actions.items():
            action.blockSignals(True)
            action.setChecked(name not in self._hidden)
            action.blockSignals(False)
