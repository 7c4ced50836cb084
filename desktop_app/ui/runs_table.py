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
from dataclasses import dataclass
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
    flatten_settings,
    format_value,
    short_names,
)
from desktop_app.core.runs.records import RunSummary

RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

SHOW, STAR, NAME, KIND, STATUS = range(5)
LEADING = ("Show", "★", "Name", "Kind", "Status")
TRAILING = ("Best val (epoch)", "Test", "Time", "Note", "When")
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


@dataclass
class PreparedRuns:
    """Runs with their flattened settings and search text: worked out off the GUI thread
    (prepare_runs in the loading job), then handed to the model as they are."""

    runs: list[RunSummary]
    settings: list[dict[str, Any]]
    search: list[str]  # per run: its own words and the settings that differ
    common: str  # the settings every run shares, as `lr=0.01` words
    varying: list[str]  # the setting paths that differ between the runs


def prepare_runs(runs: list[RunSummary]) -> PreparedRuns:
    """Flatten each run's settings and build what the text filter matches. A setting the
    runs share is written once (`common`), not a thousand times."""
    settings = [flatten_settings(r.project_data) for r in runs]
    varying = differing_keys(settings)
    common = " ".join(setting_words(settings[0], None, set(varying))) if settings else ""
    search = [search_text(r, s, varying) for r, s in zip(runs, settings)]
    return PreparedRuns(list(runs), settings, search, common.lower(), varying)


def setting_words(s: dict, keys: list[str] | None, skip: set[str] = frozenset()) -> list[str]:
    chosen = s if keys is None else {k: s.get(k, MISSING) for k in keys}
    return [f"{k.rsplit('.', 1)[-1]}={format_value(v)}" for k, v in chosen.items() if k not in skip]


def search_text(r: RunSummary, s: dict, varying: list[str]) -> str:
    """What the filter matches in one run: id, name, kind, status, note, group, and its
    values of the settings that differ (`lr=0.01`)."""
    bits = [str(r.id), r.label, r.kind, r.status, r.note, r.group_id or ""]
    return " ".join(bits + setting_words(s, varying)).lower()


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
        self._visible = None if rows is None else {self.runs[i].id for i in rows}
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
        n = len(LEADING)
        if role == Qt.ItemDataRole.DisplayRole:
            if section < n:
                return LEADING[section]
            if section < n + len(self.keys):
                return self.names[self.keys[section - n]]
            return TRAILING[section - n - len(self.keys)]
        if role == Qt.ItemDataRole.ToolTipRole and n <= section < n + len(self.keys):
            return self.keys[section - n]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == SHOW:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        if self._trailing(index.column()) == "Note" or index.column() == NAME:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def _trailing(self, column: int) -> str | None:
        i = column - len(LEADING) - len(self.keys)
        return TRAILING[i] if 0 <= i < len(TRAILING) else None

    def value(self, row: int, column: int) -> Any:
        """The plain value of a cell (what sorting compares)."""
        r = self.runs[row]
        if column == SHOW:
            return r.id
        if column == STAR:
            return int(r.starred)
        if column == NAME:
            return r.label
        if column == KIND:
            return r.kind
        if column == STATUS:
            return r.status
        n = len(LEADING)
        if column < n + len(self.keys):
            return self.settings[row].get(self.keys[column - n], MISSING)
        t = self._trailing(column)
        if t == "Best val (epoch)":
            return r.best_value
        if t == "Test":
            return r.test_value
        if t == "Time":
            return r.seconds
        if t == "Note":
            return r.note
        return r.created

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
        if role == Qt.ItemDataRole.EditRole:
            r = self.runs[row]
            return r.name if col == NAME else r.note if self._trailing(col) == "Note" else None
        if role == Qt.ItemDataRole.CheckStateRole and col == SHOW:
            on = self.runs[row].id in self.checked
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == SORT_ROLE:
            return _sort_key(self.value(row, col))
        if role == RUN_ID_ROLE:
            return self.runs[row].id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= len(LEADING):
            if isinstance(self.value(row, col), int | float):
                return _RIGHT
        return None

    def _display(self, row: int, col: int) -> str:
        r = self.runs[row]
        if col == SHOW:
            return str(r.id)
        if col == STAR:
            return "★" if r.starred else "☆"
        if col in (NAME, KIND, STATUS):
            return str(self.value(row, col))
        n = len(LEADING)
        if col < n + len(self.keys):
            return format_value(self.value(row, col))
        t = self._trailing(col)
        if t == "Best val (epoch)":
            if r.best_value is None:
                return "—"
            return f"{r.best_value:.4f}" + (f" ({r.best_epoch})" if r.best_epoch else "")
        if t == "Test":
            return "—" if r.test_value is None else f"{r.test_value:.4f}"
        if t == "Time":
            return _seconds(r.seconds)
        if t == "Note":
            return r.note.splitlines()[0] if r.note else ""
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))

    def _tooltip(self, row: int, col: int) -> str | None:
        r = self.runs[row]
        t = self._trailing(col)
        metric = r.metric_name or "metric"
        if t == "Best val (epoch)":
            return f"best validation {metric}, and the epoch it was reached"
        if t == "Test":
            return f"test {metric}"
        if t == "Note":
            return r.note or "double-click to write a note"
        if col == STATUS and r.message:
            return r.message
        if col == SHOW:
            return "tick to overlay this run's curves"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        r = self.runs[index.row()]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == SHOW:
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            (self.checked.add if on else self.checked.discard)(r.id)
            self.dataChanged.emit(index, index, [role])
            self.checkedChanged.emit()
            return True
        if role == Qt.ItemDataRole.EditRole:
            field = "name" if index.column() == NAME else "note"
            if field == "note" and self._trailing(index.column()) != "Note":
                return False
            text = str(value).strip() if field == "name" else str(value)
            self.update_run(r.id, **{field: text})
            self.edited.emit(r.id, field, text)
            return True
        return False

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
        self.setSortRole(SORT_ROLE)

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
