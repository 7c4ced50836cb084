"""The Import table dialog: a CSV/TSV file's (or an Excel workbook's) first rows, what was detected, the user's
choices; Import reads the whole file in the background and makes it the project's data.

Opened by the Dataset panel (importTableButton; changeTableButton reopens it on the
current table), File ▸ Import table… (actionImportTable, Ctrl+I), a dropped .csv/.tsv/
.xlsx file, or `MainWindow.import_table(path)`. The preview reads only the first megabyte
(of a workbook: the first rows of its first worksheet), on a background thread, again
whenever the delimiter, encoding or header choice changes. For a workbook the delimiter
and encoding controls are hidden and importSheetLabel names the worksheet read.

objectNames: importDialog; importFileLabel, importChooseFileButton, importDetectedLabel;
delimiterCombo, encodingCombo, importSheetLabel (workbooks), headerCheck; importPreviewTable (PreviewModel), columnsTable
(import_columns.ColumnList: feature ticks, typeCombo_<i>); targetCombo, taskCombo,
inferredTaskLabel, missingCombo, importValSpin, importTestSpin; importErrorLabel (red: what
is wrong and how to fix it), importStatusLabel, importProgress; importOkButton,
importCancelButton (while reading it cancels the reading, and the dialog stays open).
Nothing changes in the window until the whole file has been read without error.

This module: the preview, format changes, Import and the window glue; the choices made on
the preview (target, features, types, validation) are import_choices.ImportChoices', the
controls import_form.ImportForm's, both mixins of ImportTableDialog.
"""

from __future__ import annotations

import codecs
import html
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QDialog, QFileDialog

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.messages import format_validation_error
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.ui.import_choices import ImportChoices
from desktop_app.ui.import_columns import KIND_TEXT
from desktop_app.ui.import_form import (
    DELIMITERS,
    ENCODING_DEBOUNCE_MS,
    TABLE_FILTER,
    WORKBOOK_SUFFIXES,
    ImportForm,
)
from desktop_app.ui.table_loader import Background, LoadedTable, TableLoader
from desktop_app.ui.widgets import show_error


class ImportTableDialog(ImportChoices, ImportForm, QDialog):
    """See the module docstring. `imported(LoadedTable)` is emitted once, on success."""

    imported = Signal(object)

    def __init__(self, path, base: Project, loader: TableLoader, initial=None, parent=None):
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import a table")
        self.path = Path(path)
        self.base, self.loader, self.name = base, loader, None
        self.preview = None  # tabular.TablePreview, kinds as shown (with the user's types)
        self.result_table: LoadedTable | None = None
        init: TableSpec | None = initial
        self._format = {
            "delimiter": init.delimiter if init else None,
            "encoding": init.encoding if init else None,
            "header": init.header if init else None,
        }
        self._types: dict[str, str] = dict(init.column_types) if init else {}
        self._target = init.target if init else None
        self._features: set[str] | None = set(init.features) if init and init.features else None
        self._detected: dict[str, str] = {}
        self._target_problem: tuple[str, bool] | None = None  # (message, blocks Import)
        self._loading = False
        self._filling = False
        self.previews = Background(self)
        self._encoding_timer = QTimer(self)
        self._encoding_timer.setSingleShot(True)
        self._encoding_timer.setInterval(ENCODING_DEBOUNCE_MS)
        self._encoding_timer.timeout.connect(self._on_encoding_typed)
        self._build()
        if init is not None:
            self.task_combo.setCurrentIndex(self.task_combo.findData(init.task))
            self.missing_combo.setCurrentIndex(self.missing_combo.findData(init.missing))
        self.resize(980, 720)
        self._request_preview()

    # ------------------------------------------------------------------ preview
    def _request_preview(self) -> None:
        path, fmt = self.path, dict(self._format)
        size = f" ({path.stat().st_size:,} bytes)" if path.is_file() else ""
        self.file_label.setText(f"<b>{path.name}</b>{size} — {path.parent}")
        self._show_workbook_controls(path.suffix.lower() in WORKBOOK_SUFFIXES)

        def read(_progress, _cancel):
            from desktop_app.core.tabular.reader import preview_table

            return preview_table(path, **fmt)

        self.status_label.setText("Reading the first rows…")
        self.ok_button.setEnabled(False)
        self.previews.submit(read, self._on_preview, self._on_preview_failed)

    def _on_preview(self, preview) -> None:
        self.preview = preview
        self._detected = {c.name: c.kind for c in preview.columns}
        self._types = {k: v for k, v in self._types.items() if k in self._detected}
        for col in preview.columns:
            col.kind = self._types.get(col.name, col.kind)
        names = preview.column_names
        self._filling = True
        try:
            if not preview.sheet:  # a workbook has neither
                self.delimiter_combo.setCurrentIndex(
                    self.delimiter_combo.findData(preview.delimiter)
                )
                self.encoding_combo.setEditText(preview.encoding)
            self.header_check.setChecked(preview.header)
            self.target_combo.clear()
            for col in preview.columns:
                self.target_combo.addItem(f"{col.name}  ({KIND_TEXT[col.kind]})", col.name)
            if self._target not in names:
                self._target = preview.default_target or names[-1]
            self.target_combo.setCurrentIndex(names.index(self._target))
        finally:
            self._filling = False
        if self._features is not None:
            self._features &= set(names)
        self.model.set_table(names, [c.kind for c in preview.columns], preview.rows)
        self.columns.set_columns(preview.columns, self._detected)
        self.status_label.setText("")
        self._describe_detection()
        self._refresh()

    def _on_preview_failed(self, exc: BaseException) -> None:
        self.preview = None
        self.model.set_table([], [], [])
        self.columns.set_columns([], {})
        self.target_combo.clear()
        self.detected_label.setText("")
        self.status_label.setText("")
        show_error(self.errors, _message(exc))
        self.ok_button.setEnabled(False)

    def _describe_detection(self) -> None:
        p = self.preview
        rows = f"{p.estimated_rows:,} rows" if p.complete else f"about {p.estimated_rows:,} rows"
        if p.sheet:
            sheet = html.escape(p.sheet)
            of = f" (the first of {len(p.sheets)})" if len(p.sheets) > 1 else ""
            self.sheet_label.setText(f"Worksheet: <b>{sheet}</b>{of}")
            fmt = f"Excel workbook, worksheet <b>{sheet}</b>{of}"
        else:
            delimiter = dict(DELIMITERS).get(p.delimiter, repr(p.delimiter))
            fmt = f"<b>{delimiter.lower()}</b> delimiter · <b>{p.encoding}</b> encoding"
        text = (
            f"Detected: {fmt} · {'a header row' if p.header else 'no header row'} · "
            f"{len(p.columns)} columns · {rows}"
        )
        if len(p.sheets) > 1:
            others = ", ".join(html.escape(s) for s in p.sheets[1:6])
            more = ", …" if len(p.sheets) > 6 else ""
            text += (
                f"<br><i>Only the first worksheet is read; not {others}{more}. Move the "
                "table to the first worksheet to import it.</i>"
            )
        if p.encoding_note:
            text += f"<br><i>Encoding: {p.encoding_note}</i>"
        self.detected_label.setText(text)

    # ------------------------------------------------------------------ format changes
    @Slot(int)
    def _on_delimiter(self, _index: int) -> None:
        if not self._filling:
            self._format["delimiter"] = self.delimiter_combo.currentData()
            self._request_preview()

    @Slot(bool)
    def _on_header(self, checked: bool) -> None:
        if not self._filling:
            self._format["header"] = checked
            self._request_preview()

    @Slot(str)
    def _on_encoding_edited(self, _text: str) -> None:
        if not self._filling:
            self._encoding_timer.start()

    @Slot()
    def _on_encoding_typed(self) -> None:
        text = self.encoding_combo.currentText().strip()
        try:
            codecs.lookup(text)
        except LookupError:
            show_error(
                self.errors,
                f"Encoding {text!r} is unknown; choose one from the list (e.g. utf-8, cp1252 "
                "or latin-1).",
            )
            self.ok_button.setEnabled(False)
            return
        if text != (self.preview.encoding if self.preview else None):
            self._format["encoding"] = text
            self._request_preview()
        else:
            self._validate()  # back to the encoding shown: clear the message

    @Slot()
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a table", str(self.path.parent), TABLE_FILTER
        )
        if path:
            self.path = Path(path)
            self._format = {"delimiter": None, "encoding": None, "header": None}
            self._types, self._target, self._features = {}, None, None
            self._request_preview()

    # ------------------------------------------------------------------ import
    def build_project(self) -> Project:
        """The project the choices describe (validation errors raise)."""
        from desktop_app.core.tabular.prepare import table_project

        features = sorted(self._chosen_features(), key=self.preview.column_names.index)
        spec = self.preview.make_spec(
            self._target,
            features or None,  # none usable: the reader says why
            self.task_combo.currentData(),
            self.missing_combo.currentData(),
            self._types,
        )
        data = self.base.data.model_copy(
            update={
                "val_fraction": round(self.val_spin.value() / 100, 6),
                "test_fraction": round(self.test_spin.value() / 100, 6),
            }
        )
        return table_project(spec, self.base.model_copy(update={"data": data}), self.name)

    @Slot()
    def _import(self) -> None:
        if self._loading or self.preview is None or not self._validate():
            return
        try:
            project = self.build_project()
        except ValidationError as exc:
            show_error(
                self.errors, format_validation_error(exc, "import").removeprefix("invalid import: ")
            )
            return
        except OdysseyError as exc:
            show_error(self.errors, str(exc))
            return
        self._set_loading(True)
        self.loader.load(
            project, self._loaded, self._load_failed, self._load_progress, fit_batch_size=True
        )

    def _set_loading(self, loading: bool) -> None:
        self._loading = loading
        for widget in self._editors:
            widget.setEnabled(not loading)
        self.progress.setValue(0)
        self.progress.setVisible(loading)
        show_error(self.errors, None)
        self.status_label.setText(f"Reading {self.path.name}…" if loading else "")
        self._validate()

    def _load_progress(self, fraction: float) -> None:
        self.progress.setValue(int(1000 * fraction))

    def _loaded(self, result: LoadedTable) -> None:
        self._set_loading(False)
        self.result_table = result
        self.imported.emit(result)
        self.accept()

    def _load_failed(self, exc: BaseException) -> None:
        from desktop_app.core.tabular.detect import Cancelled

        self._set_loading(False)
        if isinstance(exc, Cancelled):
            self.status_label.setText("Reading cancelled; nothing was changed.")
        else:
            show_error(self.errors, _message(exc))

    def reject(self) -> None:
        if self._loading:  # Cancel while reading stops the reading; the dialog stays
            self.status_label.setText("Cancelling…")
            self.loader.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._encoding_timer.stop()
        self.previews.shutdown()
        super().done(result)

    def shutdown(self) -> None:
        """Stop the preview thread (the window's loader is stopped by the window)."""
        self._encoding_timer.stop()
        self.previews.shutdown()


def _message(exc: BaseException) -> str:
    if isinstance(exc, OdysseyError):
        return str(exc)
    from desktop_app.ui.jobs import job_error_message

    return f"The file could not be read: {job_error_message(exc)}"


# ---------------------------------------------------------------------------- window glue
def open_import_dialog(window, path=None, initial: TableSpec | None = None):
    """MainWindow.import_table / change_table: ask for a file if none is given, then
    open the dialog (window-modal, not blocking). Returns it, or None."""
    if window.controller.busy:
        window.banner.show_message("Stop the training before importing a table.")
        return None
    if window.table_loader.busy:
        window.banner.show_message("A table is being read; wait for it or cancel it first.")
        return None
    if path is None and initial is None:
        folder = window.settings.recent("table_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(window, "Import a table", folder, TABLE_FILTER)
        if not path:
            return None
    path = Path(path) if path is not None else initial.resolved(None)
    window.settings.set_recent("table_folder", str(path.parent))
    old = getattr(window, "import_dialog", None)
    if old is not None:
        old.shutdown()
        old.close()
    base = window.project or Project()
    dialog = ImportTableDialog(path, base, window.table_loader, initial, window)
    dialog.name = window.project_name if window.project_path else None
    dialog.imported.connect(lambda result: apply_import(window, result))
    window.import_dialog = dialog
    dialog.open()
    return dialog


def apply_import(window, result: LoadedTable) -> None:
    """The imported table becomes the project's data (model and training choices stay)."""
    window.set_project(result.project)
    t = result.project.data.table
    task = t.inferred_task or "?"
    classes = f", {t.n_classes} classes" if t.n_classes else ""
    text = f"Imported {Path(t.path).name}: {t.n_rows:,} rows, {t.n_inputs} inputs, {task}{classes}"
    if result.notes:
        text += " (" + "; ".join(result.notes) + ")"
    window.status.showMessage(text, 15_000)
    window.dataset_dock.show()
    window.dataset_dock.raise_()
