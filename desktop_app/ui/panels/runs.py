"""The Runs tab: every recorded run in a sortable, filterable table, and the curves of
the ticked ones overlaid.

A panel: it shows runs and emits what the user asked for (rename, note, star, delete,
open a run's project or model, save the runs as CSV, change the recording settings); the
window's RecordedRuns (ui/commands/recorded_runs.py) does it and feeds the panel back.

objectNames: runsPanel, runsFilter, runsDifferencesOnly, runsStar, runsRename, runsNote,
runsDelete, runsOpenProject, runsOpenModel, runsRefresh, runsExport, runsCount, runsTable,
runsSplitter; runsSettings and its menu (ui/panels/runs_settings.py), runsTableColumnsMenu
(ui/header_columns.py), runCurves (ui/plots/run_curves.py).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.runs.compare import curve_label
from desktop_app.core.runs.records import RunRecord, RunSummary
from desktop_app.core.runs.table_rows import PreparedRuns
from desktop_app.ui.header_columns import ColumnChooser
from desktop_app.ui.panels.runs_settings import RecordingSettings
from desktop_app.ui.plots.run_curves import RunCurves
from desktop_app.ui.runs_table import NAME, STAR, RunsFilterProxy, RunsTableModel

# Widths of the leading columns: Show, ★, Name, Status, Best val (epoch), Test, Time; then
# of the trailing ones. Without When (hidden at first) they fit a 1366-pixel screen's tab.
WIDTHS = (50, 26, 124, 70, 112, 58, 56)
TRAILING_WIDTHS = {"Kind": 64, "Note": 50, "When": 110}  # the last shown stretches
OPTIONAL = ("Status", "Best val (epoch)", "Test", "Time", "Kind", "Note", "When")
MAX_CURVES = 10  # ticked runs beyond this are not overlaid (colours would repeat)


class RunsPanel(QWidget):
    refreshRequested = Signal()
    curvesWanted = Signal(list)  # ids of the ticked runs
    renameRequested = Signal(int, str)
    noteRequested = Signal(int, str)
    starRequested = Signal(int, bool)
    deleteRequested = Signal(list)  # ids, confirmed by the user
    openProjectRequested = Signal(object)  # a RunSummary
    openModelRequested = Signal(object)  # a RunSummary with a kept model file
    recordingChanged = Signal(bool)
    keepModelsChanged = Signal(int)
    folderChanged = Signal(str)
    exportRequested = Signal(str, list)  # a CSV path, the runs shown in the table's order

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.setAccessibleName("Recorded runs")
        self.model = RunsTableModel(self)
        self.proxy = RunsFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter = QLineEdit()
        self.filter.setObjectName("runsFilter")
        self.filter.setAccessibleName("Filter runs")
        self.filter.setPlaceholderText("Filter: words in the name, note or settings (lr=0.01)")
        self.filter.setClearButtonEnabled(True)
        self.differences = QCheckBox("&Differences only")
        self.differences.setObjectName("runsDifferencesOnly")
        self.differences.setAccessibleName("Show only the settings that differ")
        self.differences.setToolTip(
            "Columns for the settings that differ between the runs shown; off: every setting"
        )
        self.differences.setChecked(True)
        self.star = self._button(
            "runsStar",
            "Star",
            "Star or unstar the selected runs (a starred run's model file is always kept)",
        )
        self.rename = self._button("runsRename", "Rename", "Rename the selected run (F2)")
        self.note = self._button("runsNote", "Note", "Write a note on the selected run")
        self.delete = self._button("runsDelete", "Delete", "Delete the selected runs")
        self.open_project = self._button(
            "runsOpenProject", "Open project", "Open the selected run's project in the panels"
        )
        self.open_model = self._button(
            "runsOpenModel", "Open model", "Load the selected run's kept model file"
        )
        self.refresh = self._button("runsRefresh", "Refresh", "Read the run list again")
        self.export = self._button(
            "runsExport", "CSV…", "Save the runs shown (results and settings) as a CSV table"
        )
        self.export.setAccessibleName("Export the runs as CSV")
        self.recording_settings = RecordingSettings(self)
        self.settings_button = self.recording_settings.button
        self.record_action = self.recording_settings.record_action
        self.recording_settings.recordingChanged.connect(self.recordingChanged)
        self.recording_settings.keepModelsChanged.connect(self.keepModelsChanged)
        self.recording_settings.folderChanged.connect(self.folderChanged)
        self.count = QLabel()
        self.count.setObjectName("runsCount")
        self.count.setToolTip(
            "Tick runs to overlay their curves; double-click a name or a note to edit it"
        )
        self.count.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setAccessibleName("Runs table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        # A long name keeps both ends in view: "sweep-2026…153401 #3", not "sweep-202612…".
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)  # one line a row: a wrapped end would be hidden
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(90)
        header.setStretchLastSection(True)
        self.columns = ColumnChooser(self.table, OPTIONAL, hidden=("When",))
        self.columns.menu.setTitle("&Columns")
        self.recording_settings.add_columns_menu(self.columns.menu)
        self.curves = RunCurves()

        # Two rows, so that the tab is no wider than the plots it sits beside.
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for w in (self.differences, self.refresh, self.export, self.settings_button):
            bar.addWidget(w)
        edits = QHBoxLayout()
        for b in (
            self.star,
            self.rename,
            self.note,
            self.delete,
            self.open_project,
            self.open_model,
        ):
            edits.addWidget(b)
        edits.addWidget(self.count, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("runsSplitter")
        split.addWidget(self.table)
        split.addWidget(self.curves)
        self.split = split
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addLayout(bar)
        box.addLayout(edits)
        box.addWidget(split, 1)

        self.filter.textChanged.connect(self._on_filter)
        self.differences.toggled.connect(self._on_differences)
        self.model.checkedChanged.connect(self._on_checked)
        self.model.edited.connect(self._on_edited)
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.clicked.connect(self._on_clicked)
        self.star.clicked.connect(self._on_star)
        self.rename.clicked.connect(lambda: self._edit(NAME))
        self.note.clicked.connect(lambda: self._edit(self._note_column()))
        self.delete.clicked.connect(self._on_delete)
        self.open_project.clicked.connect(self._on_open_project)
        self.open_model.clicked.connect(self._on_open_model)
        self.refresh.clicked.connect(self.refreshRequested)
        self.export.clicked.connect(self._on_export)
        self._update_buttons()
        self._update_count()
        self._shown_once = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown_once:  # the list is read when the tab is first looked at
            self._shown_once = True
            self.refreshRequested.emit()
            QTimer.singleShot(0, self, self.fit_panes)

    def fit_panes(self) -> None:
        """The curves below get the larger share (on a laptop a smaller one left them too
        short for their legend); also View ▸ Reset layout."""
        self.split.setCollapsible(0, True)
        self.split.setCollapsible(1, True)
        height = max(1, sum(self.split.sizes()))
        self.split.setSizes([int(height * 0.42), height - int(height * 0.42)])

    def _button(self, name: str, text: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setObjectName(name)
        b.setText(text)
        b.setToolTip(tip)
        b.setAccessibleName(text)
        return b

    # ------------------------------------------------------------------ fed by the window
    def set_runs(self, runs: list[RunSummary] | PreparedRuns) -> None:
        """Show these runs (newest first unless the user sorted otherwise)."""
        header = self.table.horizontalHeader()
        self.model.set_runs(runs)
        self.proxy.set_text(self.filter.text())
        if 0 <= header.sortIndicatorSection() < self.model.columnCount():
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._update_count()
        self._on_checked()

    def show_only(self, ids: list[int] | None) -> None:
        """Show only these runs (a sweep's trials inside its dialog's brushes); None:
        every run that matches the filter text."""
        self.proxy.set_only(None if ids is None else set(ids))
        self._update_count()
        self._on_checked()

    def set_settings(self, recording: bool, keep_models: int, folder: str) -> None:
        self.recording_settings.set_settings(recording, keep_models, folder)

    def show_curves(self, records: list[RunRecord]) -> None:
        keys = self.model.differing()
        labels = {}
        for rec in records:
            row = self.model.row_of(rec.id)
            settings = self.model.settings[row] if row is not None else {}
            labels[rec.id] = curve_label(rec.label, settings, keys)
        self.curves.set_runs(records, labels)

    def ticked(self) -> list[int]:
        """Ticked runs, in table order (at most MAX_CURVES)."""
        order = [r.id for r in self.model.runs if r.id in self.model.checked]
        return order[:MAX_CURVES]

    def selected_runs(self) -> list[RunSummary]:
        rows = sorted(
            {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        )
        return [self.model.run_at(r) for r in rows]

    # ------------------------------------------------------------------ reactions
    @Slot(str)
    def _on_filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()
        self._on_checked()  # labels say what differs among the runs shown

    @Slot(bool)
    def _on_differences(self, on: bool) -> None:
        self.model.set_differences_only(on)

    @Slot()
    def _after_reset(self) -> None:
        header = self.table.horizontalHeader()
        for i, width in enumerate(WIDTHS):  # a reset forgets the sizes: these fit the text
            header.resizeSection(i, width)
        for name, width in TRAILING_WIDTHS.items():
            header.resizeSection(self.model.column_of(name), width)
        self._update_buttons()

    @Slot()
    def _on_checked(self) -> None:
        self.curvesWanted.emit(self.ticked())

    def _on_edited(self, run_id: int, field: str, value) -> None:
        if field == "name":
            self.renameRequested.emit(run_id, value)
        elif field == "note":
            self.noteRequested.emit(run_id, value)
        self._on_checked()

    def _on_clicked(self, index: QModelIndex) -> None:
        if self.proxy.mapToSource(index).column() == STAR:
            run = self.model.run_at(self.proxy.mapToSource(index).row())
            self._set_star([run], not run.starred)

    def _on_star(self) -> None:
        runs = self.selected_runs()
        if runs:
            self._set_star(runs, not all(r.starred for r in runs))

    def _set_star(self, runs: list[RunSummary], on: bool) -> None:
        for r in runs:
            self.model.update_run(r.id, starred=on)
            self.starRequested.emit(r.id, on)

    def _note_column(self) -> int:
        return self.model.column_of("Note")

    def _edit(self, column: int) -> None:
        current = self.table.currentIndex()
        if not current.isValid():
            return
        index = self.proxy.index(current.row(), column)
        self.columns.reveal(self.model.fixed(column) or "")  # Note when it is hidden
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def _on_delete(self) -> None:
        runs = self.selected_runs()
        if not runs:
            return
        names = ", ".join(r.label for r in runs[:5]) + (" …" if len(runs) > 5 else "")
        answer = QMessageBox.question(
            self,
            "Delete runs",
            f"Delete {len(runs)} run(s): {names}?\n\nTheir curves and kept model files are "
            "deleted too. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            ids = [r.id for r in runs]
            self.model.remove_runs(set(ids))
            self._update_count()
            self.deleteRequested.emit(ids)

    def _on_open_project(self) -> None:
        runs = self.selected_runs()
        if len(runs) == 1:
            self.openProjectRequested.emit(runs[0])

    def _on_open_model(self) -> None:
        runs = self.selected_runs()
        if len(runs) == 1 and runs[0].model_path:
            self.openModelRequested.emit(runs[0])

    def shown_runs(self) -> list[RunSummary]:
        """The runs the filter lets through, in the table's order."""
        rows = (
            self.proxy.mapToSource(self.proxy.index(i, 0)).row()
            for i in range(self.proxy.rowCount())
        )
        return [self.model.run_at(r) for r in rows]

    def _on_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the runs as CSV", "runs.csv", "CSV table (*.csv);;All files (*)"
        )
        if path:
            self.exportRequested.emit(path, self.shown_runs())

    @Slot()
    def _update_buttons(self, *_args) -> None:
        runs = self.selected_runs()
        one = len(runs) == 1
        for b in (self.star, self.delete):
            b.setEnabled(bool(runs))
        for b in (self.rename, self.note, self.open_project):
            b.setEnabled(one)
        self.open_model.setEnabled(one and bool(runs[0].model_path))
        if one and not runs[0].model_path:
            self.open_model.setToolTip("This run's model file was not kept")
        else:
            self.open_model.setToolTip("Load the selected run's kept model file")

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        text = f"{total} run{'s' if total != 1 else ''}"
        if shown != total:
            text += f", {shown} shown"
        self.count.setText(text + " · tick to overlay curves")
