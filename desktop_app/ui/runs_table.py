"""The runs panel's table: a QAbstractTableModel over recorded runs and its proxy.

Columns: a tick (overlay the run's curves), the star, name, kind, status, then the
settings (all of them, or only those that differ between the runs shown), then the best
validation value with its epoch, the test metric, the time, the note and the date.
Each run's cells are worked out once when the runs arrive (so a repaint or a sort reads
plain lists), and sorting happens on those lists in the model: the proxy filters (a
text filter) and hands sorting to the model, whose Python sort of 1,000 keys costs a
fraction of the proxy's comparisons through data() (benchmarks/bench_runs.py).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from desktop_app.core.runs.compare import (
    MISSING,
    all_keys,
    differing_keys,
    format_value,
    short_names,
)
from desktop_app.core.runs.records import RunSummary
from desktop_app.core.runs.table_rows import PreparedRuns, prepare_runs, search_text

RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

# The settings' columns go between these: what a comparison reads first comes first.
LEADING = ("Show", "★", "Name", "Status", "Best val (epoch)", "Test", "Time")
TRAILING = ("Kind", "Note", "When")
SHOW, STAR, NAME = 0, 1, 2
HEADER_TIPS = {
    "Show": "Tick to overlay a run's curves",
    "★": "Starred runs keep their model files",
    "Best val (epoch)": "The best validation value of the headline metric (accuracy, R²), "
    "and the epoch it was reached",
    "Test": "The test split's value of the headline metric",
    "Time": "Training time",
}
# A fixed column's plain value (what sorting compares), from a run.
_FIELDS = {
    "Show": lambda r: r.id,
    "★": lambda r: int(r.starred),
    "Name": lambda r: r.label,
    "Status": lambda r: r.status,
    "Best val (epoch)": lambda r: r.best_value,
    "Test": lambda r: r.test_value,
    "Time": lambda r: r.seconds,
    "Kind": lambda r: r.kind,
    "Note": lambda r: r.note,
    "When": lambda r: r.created,
}
_LEFT = frozenset({"Name", "Status", "Kind", "Note", "When"})
Index = QModelIndex | QPersistentModelIndex


def _sort_key(value: Any) -> tuple:
    """Missing values last whatever the order; numbers before text."""
    if value is None or value is MISSING:
        return (2, 0, "")
    if isinstance(value, bool | int | float):
        return (0, float(value), "")
    return (1, 0, str(value).lower())


def _seconds(s: float | None) -> str:
    if s is None:
        return "—"
    if s < 60:
        return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"
    return f"{s / 60:.1f} min" if s < 3600 else f"{s / 3600:.1f} h"


_ROLES = frozenset(
    {
        int(Qt.ItemDataRole.DisplayRole),
        int(Qt.ItemDataRole.EditRole),
        int(Qt.ItemDataRole.CheckStateRole),
        int(Qt.ItemDataRole.ToolTipRole),
        int(Qt.ItemDataRole.TextAlignmentRole),
        int(SORT_ROLE),
        int(RUN_ID_ROLE),
    }
)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RunsTableModel(QAbstractTableModel):
    """Recorded runs as rows; see the module docstring for the columns."""

    checkedChanged = Signal()  # the set of ticked runs changed
    edited = Signal(int, str, object)  # run id, "name" / "note" / "starred", new value

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs: list[RunSummary] = []
        self.settings: list[dict[str, Any]] = []
        self.search: list[str] = []
        self.common = ""  # the settings every run shares, as filter words
        self._varying: list[str] = []
        self.keys: list[str] = []  # the setting columns shown
        self.names: dict[str, str] = {}
        self.differences_only = True
        self.checked: set[int] = set()
        self._visible: set[int] | None = None  # ids of the runs the filter shows (None: all)
        self._cells: dict[tuple[int, int], str] = {}  # display text, worked out once

    # ------------------------------------------------------------------ contents
    def set_runs(self, runs: list[RunSummary] | PreparedRuns) -> None:
        """Show these runs (the ticks of runs still present stay)."""
        prepared = runs if isinstance(runs, PreparedRuns) else prepare_runs(runs)
        self.beginResetModel()
        self.runs, self.settings = prepared.runs, prepared.settings
        self.search, self.common, self._varying = prepared.search, prepared.common, prepared.varying
        self._cells = {}
        ids = {r.id for r in self.runs}
        self.checked &= ids
        self._visible = None
        self._columns()
        self.endResetModel()

    def set_differences_only(self, on: bool) -> None:
        self.differences_only = bool(on)
        self._reset_columns()

    def set_visible_rows(self, rows: list[int] | None) -> None:
        """The rows the filter lets through: the differences are among these."""
        visible = None if rows is None else {self.runs[i].id for i in rows}
        if visible == self._visible:
            return  # the same rows (a new list without a filter): the same columns
        self._visible = visible
        if self.differences_only:
            self._reset_columns()

    def _reset_columns(self) -> None:
        old = self.keys
        new = self._compute_keys()
        if new == old:
            return
        self.beginResetModel()
        self.keys, self.names = new, short_names(new)
        self._cells = {}
        self.endResetModel()

    def _columns(self) -> None:
        self.keys = self._compute_keys()
        self.names = short_names(self.keys)

    def _shown_settings(self) -> list[dict[str, Any]]:
        if self._visible is None:
            return self.settings
        return [s for r, s in zip(self.runs, self.settings) if r.id in self._visible]

    def _compute_keys(self) -> list[str]:
        chosen = self._shown_settings()
        return differing_keys(chosen) if self.differences_only else all_keys(chosen)

    def run_at(self, row: int) -> RunSummary:
        return self.runs[row]

    def row_of(self, run_id: int) -> int | None:
        return next((i for i, r in enumerate(self.runs) if r.id == run_id), None)

    def differing(self) -> list[str]:
        """The settings that differ between the runs shown (for curve labels)."""
        return differing_keys(self._shown_settings())

    def update_run(self, run_id: int, **values: Any) -> None:
        """Change a run's row in place (after a rename, a note, a star)."""
        row = self.row_of(run_id)
        if row is None:
            return
        r = self.runs[row]
        for k, v in values.items():
            setattr(r, k, v)
        self.search[row] = search_text(r, self.settings[row], self._varying)
        self._cells = {k: v for k, v in self._cells.items() if k[0] != row}
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def remove_runs(self, run_ids: set[int]) -> None:
        keep = [r for r in self.runs if r.id not in run_ids]
        self.checked -= run_ids
        self.set_runs(keep)
        self.checkedChanged.emit()

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LEADING) + len(self.keys) + len(TRAILING)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        fixed = self.fixed(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return fixed if fixed is not None else self.names[self._key(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(fixed) if fixed is not None else self._key(section)
        return None

    def fixed(self, column: int) -> str | None:
        """The name of a fixed column, or None for a setting's column."""
        n = len(LEADING)
        if column < n:
            return LEADING[column]
        i = column - n - len(self.keys)
        return TRAILING[i] if 0 <= i < len(TRAILING) else None

    def _key(self, column: int) -> str:
        return self.keys[column - len(LEADING)]

    def flags(self, index: Index) -> Qt.ItemFlag:
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        fixed = self.fixed(index.column())
        if fixed == "Show":
            f |= Qt.ItemFlag.ItemIsUserCheckable
        if fixed in ("Name", "Note") and not hasattr(self.runs[index.row()], "cell"):
            f |= Qt.ItemFlag.ItemIsEditable  # (a group's row is not a stored run)
        return f

    def value(self, row: int, column: int) -> Any:
        """The plain value of a cell (what sorting compares)."""
        r = self.runs[row]
        fixed = self.fixed(column)
        if fixed is None:
            return self.settings[row].get(self._key(column), MISSING)
        return _FIELDS[fixed](r)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == _DISPLAY:
            key = (row, col)
            text = self._cells.get(key)
            if text is None:
                text = self._cells[key] = self._display(row, col)
            return text
        fixed = self.fixed(col)
        if role == Qt.ItemDataRole.EditRole:
            r = self.runs[row]
            return r.name if fixed == "Name" else r.note if fixed == "Note" else None
        if role == Qt.ItemDataRole.CheckStateRole and fixed == "Show":
            on = self.runs[row].id in self.checked
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == SORT_ROLE:
            return _sort_key(self.value(row, col))
        if role == RUN_ID_ROLE:
            return self.runs[row].id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, fixed)
        if role == Qt.ItemDataRole.TextAlignmentRole and fixed not in _LEFT:
            if isinstance(self.value(row, col), int | float):
                return _RIGHT
        return None

    def _display(self, row: int, col: int) -> str:
        r = self.runs[row]
        fixed = self.fixed(col)
        if fixed is None:
            return format_value(self.value(row, col))
        own = getattr(r, "cell", None)  # a row that stands for a group says its own cells
        if own is not None and own(fixed) is not None:  # (mean ± sd: core.variants)
            return own(fixed)
        if fixed == "★":
            return "★" if r.starred else "☆"
        if fixed == "Best val (epoch)":
            if r.best_value is None:
                return "—"
            return f"{r.best_value:.4f}" + (f" ({r.best_epoch})" if r.best_epoch else "")
        if fixed == "Test":
            return "—" if r.test_value is None else f"{r.test_value:.4f}"
        if fixed == "Time":
            return _seconds(r.seconds)
        if fixed == "Note":
            return r.note.splitlines()[0] if r.note else ""
        if fixed == "When":
            return time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
        return str(self.value(row, col))

    def _tooltip(self, row: int, fixed: str | None) -> str | None:
        r = self.runs[row]
        metric = r.metric_name or "metric"
        if fixed == "Best val (epoch)":
            return f"best validation {metric}, and the epoch it was reached"
        if fixed == "Test":
            return f"test {metric}"
        if fixed == "Note":
            return r.note or "double-click to write a note"
        if fixed == "Status" and r.message:
            return r.message
        if fixed == "Show":
            return "tick to overlay this run's curves"
        if fixed == "Name":  # the date, whether or not the When column is shown
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
            return f"{r.label}, trained {when}; double-click to rename"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        r = self.runs[index.row()]
        fixed = self.fixed(index.column())
        if role == Qt.ItemDataRole.CheckStateRole and fixed == "Show":
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            (self.checked.add if on else self.checked.discard)(r.id)
            self.dataChanged.emit(index, index, [role])
            self.checkedChanged.emit()
            return True
        if role == Qt.ItemDataRole.EditRole and fixed in ("Name", "Note"):
            field = fixed.lower()
            text = str(value).strip() if field == "name" else str(value)
            self.update_run(r.id, **{field: text})
            self.edited.emit(r.id, field, text)
            return True
        return False

    def column_of(self, name: str) -> int:
        """The index of a fixed column by its heading."""
        if name in LEADING:
            return LEADING.index(name)
        return len(LEADING) + len(self.keys) + TRAILING.index(name)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by a column's plain values (missing ones last)."""
        if not self.runs or not 0 <= column < self.columnCount():
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [self.runs[i.row()].id for i in old]
        keys = [_sort_key(self.value(i, column)) for i in range(len(self.runs))]
        desc = order == Qt.SortOrder.DescendingOrder
        present = [i for i in range(len(keys)) if keys[i][0] < 2]
        missing = [i for i in range(len(keys)) if keys[i][0] == 2]
        present.sort(key=keys.__getitem__, reverse=desc)
        order_rows = present + missing
        self.runs = [self.runs[i] for i in order_rows]
        self.settings = [self.settings[i] for i in order_rows]
        self.search = [self.search[i] for i in order_rows]
        self._cells = {}
        where = {r.id: i for i, r in enumerate(self.runs)}
        self.changePersistentIndexList(
            old, [self.index(where[rid], i.column()) for rid, i in zip(old_ids, old)]
        )
        self.layoutChanged.emit()


class RunsFilterProxy(QSortFilterProxyModel):
    """Filters rows by text (every word must appear in the run's name, kind, status,
    note or settings, e.g. "lr=0.01 finished"); sorting is the model's own."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._words: list[str] = []
        self._accepted: set[int] | None = None  # ids of the runs that match (None: all)
        self._only: set[int] | None = None  # a sweep's brushed trials (None: no limit)
        self.setSortRole(SORT_ROLE)

    def set_only(self, ids: set[int] | None) -> None:
        """Besides the text, show only these runs (a sweep's brushed trials); None: all."""
        self._only = None if ids is None else set(ids)
        self.set_text(" ".join(self._words))

    def set_text(self, text: str) -> None:
        model = self.sourceModel()
        words = text.lower().split()
        accepted = None
        if words:
            accepted = {
                r.id
                for r, t in zip(model.runs, model.search)
                if all(w in t or w in model.common for w in words)
            }
        if self._only is not None:
            accepted = set(self._only) if accepted is None else accepted & self._only
        self.beginFilterChange()
        self._words, self._accepted = words, accepted
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        if accepted is None:
            model.set_visible_rows(None)
        else:
            model.set_visible_rows([i for i, r in enumerate(model.runs) if r.id in accepted])

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._accepted is None:
            return True
        return self.sourceModel().runs[source_row].id in self._accepted

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)
