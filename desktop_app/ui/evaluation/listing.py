"""A listing of test rows in a table view, with Export CSV: the first MAX_SHOWN rows
are shown; the export writes every row, formatted and written on a background job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.widgets import describe

MAX_SHOWN = 1000


class ListingModel(QAbstractTableModel):
    """core.evaluate.rows.Listing as a read-only table model."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header: list[str] = []
        self.rows: list[list[str]] = []

    def set_listing(self, listing) -> None:
        self.beginResetModel()
        self.header = list(listing.header) if listing is not None else []
        self.rows = list(listing.rows) if listing is not None else []
        self.endResetModel()

    def rowCount(self, parent=None) -> int:  # noqa: N802 (Qt override)
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:  # noqa: N802 (Qt override)
        return 0 if parent is not None and parent.isValid() else len(self.header)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self.rows[index.row()][index.column()]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and section < len(self.header):
            return self.header[section]
        return None


class ListingBox(QWidget):
    """A caption, the rows and an Export CSV button. `key` prefixes the objectNames:
    <key>Caption, <key>Rows, <key>Export."""

    def __init__(self, key: str, title: str, jobs: JobRunner, report: Callable[[str], None]):
        super().__init__()
        self.key, self.title, self.jobs, self.report = key, title, jobs, report
        self.make_full: Callable[[], object] | None = None  # the listing of every row
        self.caption = describe(QLabel(""), f"{key}Caption", f"{title}: what is listed")
        self.caption.setWordWrap(True)
        self.model = ListingModel(self)
        self.view = describe(QTableView(), f"{key}Rows", title, f"{title}: one test row a line.")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(40)  # fit columns to 40 rows, not all of them
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.export_button = describe(
            QPushButton("Export CSV…"),
            f"{key}Export",
            f"Export {title.lower()} as CSV",
            "Write every listed row (not only the rows shown) to a CSV file.",
        )
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.ask_export)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

    def show_rows(self, preview, total: int, caption: str, make_full) -> None:
        """preview: the Listing of the first rows; make_full(): the Listing of all
        `total` rows (called on the export's job thread)."""
        self.model.set_listing(preview)
        self.make_full = make_full
        more = f" (the first {len(preview.rows):,} shown; Export CSV writes all)"
        self.caption.setText(caption + (more if total > len(preview.rows) else ""))
        self.export_button.setEnabled(total > 0)
        self.view.resizeColumnsToContents()

    def clear(self, caption: str) -> None:
        self.model.set_listing(None)
        self.make_full = None
        self.caption.setText(caption)
        self.export_button.setEnabled(False)

    def ask_export(self) -> None:
        if self.make_full is None:
            return
        from desktop_app.ui.settings import AppSettings

        settings = AppSettings()
        folder = settings.recent("export_folder", str(Path.home()))
        default = str(Path(folder) / f"{self.key}.csv")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", default, "CSV (*.csv)")
        if path:
            settings.set_recent("export_folder", str(Path(path).parent))
            self.export(path if path.lower().endswith(".csv") else path + ".csv")

    def export(self, path: str) -> None:
        """Write every listed row to `path` in the background."""
        make_full = self.make_full
        if make_full is None:
            return

        def write(_progress, _cancelled):
            from desktop_app.core.evaluate.rows import write_listing_csv

            listing = make_full()
            write_listing_csv(path, listing)
            return len(listing.rows)

        self.report(f"Writing {path}…")
        self.jobs.submit(
            write,
            lambda n: self.report(f"Wrote {n:,} rows to {path}."),
            lambda exc: self.report(f"Could not write {path}: {error_message(exc)}"),
            kind=f"{self.key}-csv",
        )
