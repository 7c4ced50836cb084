"""The Import table dialog: a CSV/TSV file's (or an Excel workbook's) first rows, what was detected, the user's
choices; Import reads the whole file in the background and makes it the project's data.

Opened by the Dataset panel (importTableButton; changeTableButton reopens it on the
current table), File ▸ Import table… (actionImportTable, Ctrl+I), a dropped .csv/.tsv/
.xlsx file, or `commands.tables.TableCommands.import_table(path)`. The preview reads only the first megabyte
(of a workbook: the first rows of its first worksheet), on a background thread, again
whenever the delimiter, encoding or header choice changes. For a workbook the delimiter
and encoding controls are hidden and importSheetLabel names the worksheet read.

objectNames: importDialog; importFileLabel, importChooseFileButton, importDetectedLabel;
delimiterCombo, encodingCombo, importSheetLabel (workbooks), headerCheck; importPreviewTable (PreviewModel), columnsTable
(import_columns.ColumnList: feature ticks, typeCombo_<i>); targetCombo, taskCombo,
inferredTaskLabel, missingCombo, importSenseLabel (data sense: likely leakage, identifiers,
mostly empty columns, rows dropped, class imbalance), importKeepLeftOutButton,
importFillGapsButton, importClassWeightCheck, importValSpin, importTestSpin; importErrorLabel (red: what
is wrong and how to fix it), importStatusLabel, importProgress; importOkButton,
importCancelButton (while reading it cancels the reading, and the dialog stays open).
Nothing changes in the window until the whole file has been read without error.

This module: the preview, format changes and Import; the choices made on the preview
(target, features, types, validation) are import_choices.ImportChoices', the controls
import_form.ImportForm's; the dialog composes both.
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
from desktop_app.ui.import_form import (
    DELIMITERS,
    ENCODING_DEBOUNCE_MS,
    TABLE_FILTER,
    WORKBOOK_SUFFIXES,
    ImportForm,
)
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.table_loader import LoadedTable, TableLoader
from desktop_app.ui.widgets import show_error


class ImportTableDialog(QDialog):
    """See the module docstring. `imported(LoadedTable)` is emitted once, on success."""

    imported = Signal(object)

    def __init__(self, path, base: Project, loader: TableLoader, initial=None, parent=None):
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import a table")
        self.path = Path(path)
        self.base, self.loader, self.name = base, loader, None
        init: TableSpec | None = initial
        self._format = {
            "delimiter": init.delimiter if init else None,
            "encoding": init.encoding if init else None,
            "header": init.header if init else None,
        }
        self.previews = JobRunner(self, "importPreviewJobs")
        self._encoding_timer = QTimer(self)
        self._encoding_timer.setSingleShot(True)
        self._encoding_timer.setInterval(ENCODING_DEBOUNCE_MS)
        self._encoding_timer.timeout.connect(self._on_encoding_typed)
        self.form = f = ImportForm(self, base.data.val_fraction, base.data.test_fraction)
        self.choices = ImportChoices(f, init, self)
        f.choose_button.clicked.connect(self._choose_file)
        f.delimiter_combo.currentIndexChanged.connect(self._on_delimiter)
        f.encoding_combo.editTextChanged.connect(self._on_encoding_edited)
        f.header_check.toggled.connect(self._on_header)
        f.buttons.accepted.connect(self._import)
        f.buttons.rejected.connect(self.reject)
        if init is not None:
            f.task_combo.setCurrentIndex(f.task_combo.findData(init.task))
            f.missing_combo.setCurrentIndex(f.missing_combo.findData(init.missing))
        f.weight_check.setChecked(base.train.class_weight == "balanced")
        self.resize(980, 720)
        self._request_preview()

    @property
    def preview(self):
        """The file's first rows as last read (tabular.TablePreview), or None."""
        return self.choices.preview

    # ------------------------------------------------------------------ preview
    def _request_preview(self) -> None:
        path, fmt, f = self.path, dict(self._format), self.form
        size = f" ({path.stat().st_size:,} bytes)" if path.is_file() else ""
        f.file_label.setText(f"<b>{path.name}</b>{size} — {path.parent}")
        f.show_workbook_controls(path.suffix.lower() in WORKBOOK_SUFFIXES)

        def read(_progress, _cancel):
            from desktop_app.core.tabular.reader import preview_table

            return preview_table(path, **fmt)

        f.status_label.setText("Reading the first rows…")
        f.ok_button.setEnabled(False)
        self.previews.submit(
            read, self._on_preview, self._on_preview_failed, kind="preview", supersede=True
        )

    def _on_preview(self, preview) -> None:
        f = self.form
        f.filling = True
        try:
            if not preview.sheet:  # a workbook has neither
                f.delimiter_combo.setCurrentIndex(f.delimiter_combo.findData(preview.delimiter))
                f.encoding_combo.setEditText(preview.encoding)
            f.header_check.setChecked(preview.header)
        finally:
            f.filling = False
        f.status_label.setText("")
        self._describe_detection(preview)
        self.choices.show_preview(preview)

    def _on_preview_failed(self, exc: BaseException) -> None:
        f = self.form
        self.choices.clear_preview()
        f.detected_label.setText("")
        f.status_label.setText("")
        show_error(f.errors, _message(exc))
        f.ok_button.setEnabled(False)

    def _describe_detection(self, p) -> None:
        rows = f"{p.estimated_rows:,} rows" if p.complete else f"about {p.estimated_rows:,} rows"
        if p.sheet:
            sheet = html.escape(p.sheet)
            of = f" (the first of {len(p.sheets)})" if len(p.sheets) > 1 else ""
            self.form.sheet_label.setText(f"Worksheet: <b>{sheet}</b>{of}")
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
        self.form.detected_label.setText(text)

    # ------------------------------------------------------------------ format changes
    @Slot(int)
    def _on_delimiter(self, _index: int) -> None:
        if not self.form.filling:
            self._format["delimiter"] = self.form.delimiter_combo.currentData()
            self._request_preview()

    @Slot(bool)
    def _on_header(self, checked: bool) -> None:
        if not self.form.filling:
            self._format["header"] = checked
            self._request_preview()

    @Slot(str)
    def _on_encoding_edited(self, _text: str) -> None:
        if not self.form.filling:
            self._encoding_timer.start()

    @Slot()
    def _on_encoding_typed(self) -> None:
        text = self.form.encoding_combo.currentText().strip()
        try:
            codecs.lookup(text)
        except LookupError:
            show_error(
                self.form.errors,
                f"Encoding {text!r} is unknown; choose one from the list (e.g. utf-8, cp1252 "
                "or latin-1).",
            )
            self.form.ok_button.setEnabled(False)
            return
        if text != (self.preview.encoding if self.preview else None):
            self._format["encoding"] = text
            self._request_preview()
        else:
            self.choices.validate()  # back to the encoding shown: clear the message

    @Slot()
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a table", str(self.path.parent), TABLE_FILTER
        )
        if path:
            self.path = Path(path)
            self._format = {"delimiter": None, "encoding": None, "header": None}
            self.choices.forget()
            self._request_preview()

    # ------------------------------------------------------------------ import
    def build_project(self) -> Project:
        """The project the choices describe (validation errors raise)."""
        from desktop_app.core.tabular.prepare import table_project

        c, f = self.choices, self.form
        features = sorted(c.chosen_features(), key=self.preview.column_names.index)
        spec = self.preview.make_spec(
            c.target,
            features or None,  # none usable: the reader says why
            f.task_combo.currentData(),
            f.missing_combo.currentData(),
            c.types,
        )
        data = self.base.data.model_copy(
            update={
                "val_fraction": round(f.val_spin.value() / 100, 6),
                "test_fraction": round(f.test_spin.value() / 100, 6),
            }
        )
        base = self.base.model_copy(update={"data": data})
        if not f.weight_check.isHidden():
            weight = "balanced" if f.weight_check.isChecked() else "none"
            train = base.train.model_copy(update={"class_weight": weight})
            base = base.model_copy(update={"train": train})
        return table_project(spec, base, self.name)

    @Slot()
    def _import(self) -> None:
        if self.choices.loading or self.preview is None or not self.choices.validate():
            return
        try:
            project = self.build_project()
        except ValidationError as exc:
            show_error(
                self.form.errors,
                format_validation_error(exc, "import").removeprefix("invalid import: "),
            )
            return
        except OdysseyError as exc:
            show_error(self.form.errors, str(exc))
            return
        self._set_loading(True)
        self.loader.load(
            project, self._loaded, self._load_failed, self._load_progress, fit_batch_size=True
        )

    def _set_loading(self, loading: bool) -> None:
        f = self.form
        self.choices.loading = loading
        for widget in f.editors:
            widget.setEnabled(not loading)
        f.progress.setValue(0)
        f.progress.setVisible(loading)
        show_error(f.errors, None)
        f.status_label.setText(f"Reading {self.path.name}…" if loading else "")
        self.choices.validate()

    def _load_progress(self, fraction: float) -> None:
        self.form.progress.setValue(int(1000 * fraction))

    def _loaded(self, result: LoadedTable) -> None:
        self._set_loading(False)
        self.imported.emit(result)
        self.accept()

    def _load_failed(self, exc: BaseException) -> None:
        from desktop_app.core.tabular.detect import Cancelled

        self._set_loading(False)
        if isinstance(exc, Cancelled):
            self.form.status_label.setText("Reading cancelled; nothing was changed.")
        else:
            show_error(self.form.errors, _message(exc))

    def reject(self) -> None:
        if self.choices.loading:  # Cancel while reading stops the reading; the dialog stays
            self.form.status_label.setText("Cancelling…")
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
    return f"The file could not be read: {error_message(exc)}"
