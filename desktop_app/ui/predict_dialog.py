"""Predict with the current model: type one row's values, or predict every row of a CSV.

Values are given in the data's own units (the saved preprocessing scales them, and a
table model encodes its categories), so the form has one field per input column by
name: a text field for numbers, a list of the known categories for a categorical
column, true/false for a yes/no column. Predicting a CSV runs in the background; the
table shows the first rows, Export writes them all. Every error is shown in the dialog.

objectNames: predictDialog, predictTabs; form: predictInput_<i> (in input_columns
order), predictButton, predictionLabel, probabilityTable; CSV: predictOpenCsv,
predictExport, predictCsvStatus, predictionsTable; predictError, predictClose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.errors import OdysseyError
from desktop_app.core.predict import input_columns
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.widgets import describe

MAX_SHOWN_ROWS = 1000  # rows shown in the table; Export writes every row


def _fmt(v: float) -> str:
    return f"{float(v):.6g}"


class PredictDialog(QDialog):
    """Predictions of one loaded or trained model (a persistence.LoadedModel)."""

    def __init__(self, loaded, settings=None, parent=None):
        super().__init__(parent)
        self.setObjectName("predictDialog")
        self.loaded = loaded
        self.settings = settings
        self.prep = loaded.preprocessing
        self.columns = input_columns(loaded)
        self.table_model = self.prep.raw_columns is not None
        self.csv_result = None  # (CsvRows, PredictionResult) of the last CSV
        self.jobs = JobRunner(self, "predictJobs")
        self.jobs.busy_changed.connect(self._on_busy)
        self.setWindowTitle(f"Predict with “{loaded.project.name}”")
        self.resize(640, 560)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("predictTabs")
        self.tabs.addTab(self._build_form_tab(), "Type values")
        self.tabs.addTab(self._build_csv_tab(), "From a CSV file")
        self.error_label = QLabel("")
        describe(self.error_label, "predictError", "Prediction error", "What went wrong.")
        self.error_label.setStyleSheet("color:#b3261e;")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        close = describe(QPushButton("Close"), "predictClose", "Close", "Close this window.")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error_label, 1)
        bottom.addWidget(close, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

    # ------------------------------------------------------------------ form
    def _build_form_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout()
        self.inputs: list[QWidget] = []
        raw = {c.name: c for c in self.prep.raw_columns or []}
        for i, name in enumerate(self.columns):
            col = raw.get(name)
            if col is not None and col.kind in ("categorical", "boolean"):
                field = QComboBox()
                items = list(col.categories) if col.kind == "categorical" else ["true", "false"]
                field.addItems(items)
                if col.fill is not None and str(col.fill) in items:
                    field.setCurrentText(str(col.fill))
                tip = f"“{name}”: one of the values the model saw in training."
            else:
                field = QLineEdit(self._default_number(name, col))
                tip = (
                    f"“{name}”: a number in the data's own units (the training mean is filled in)."
                )
            describe(field, f"predictInput_{i}", name, tip)
            label = QLabel(f"{name}:")
            label.setBuddy(field)
            form.addRow(label, field)
            self.inputs.append(field)
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)

        self.predict_button = describe(
            QPushButton("&Predict"),
            "predictButton",
            "Predict",
            "Predict from the values above.",
        )
        self.predict_button.setDefault(True)
        self.predict_button.clicked.connect(self.predict_typed)
        self.prediction_label = describe(
            QLabel("Type values, then press Predict."),
            "predictionLabel",
            "Prediction",
            "The model's prediction for the values above.",
        )
        self.prediction_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.probability_table = describe(
            QTableWidget(0, 3),
            "probabilityTable",
            "Class probabilities",
            "How likely the model thinks each class is.",
        )
        self.probability_table.setHorizontalHeaderLabels(["Class", "Probability", ""])
        self.probability_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.probability_table.verticalHeader().hide()
        self.probability_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.probability_table.setVisible(self.prep.task != REGRESSION)

        layout = QVBoxLayout(tab)
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        row.addWidget(self.predict_button)
        row.addWidget(self.prediction_label, 1)
        layout.addLayout(row)
        layout.addWidget(self.probability_table, 1)
        return tab

    def _default_number(self, name: str, col) -> str:
        if col is not None and isinstance(col.fill, int | float):
            return _fmt(col.fill)
        if self.prep.mean is not None and name in self.prep.feature_names:
            return _fmt(self.prep.mean[self.prep.feature_names.index(name)])
        return "0"

    def values(self) -> dict[str, str]:
        return {
            name: (w.currentText() if isinstance(w, QComboBox) else w.text().strip())
            for name, w in zip(self.columns, self.inputs)
        }

    def predict_typed(self) -> bool:
        """Predict the form's row; the result (or what is wrong) is shown."""
        from desktop_app.core.predict import predict_raw, predict_rows

        self.show_error("")
        self._clear_single()  # a new answer or an error: never the old answer beside it
        values = self.values()
        try:
            if self.table_model:
                result = predict_raw(self.loaded, [values])
            else:
                row = []
                for name, text in values.items():
                    try:
                        row.append(float(text))
                    except ValueError:
                        shown = f"“{text}”" if text else "empty"
                        raise OdysseyError(f"{name} is {shown}; type a number") from None
                result = predict_rows(self.loaded, np.array([row], dtype=np.float64))
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never a crash
            self.show_error(f"Cannot predict: {error_message(exc)}")
            return False
        self._show_single(result)
        return True

    def _clear_single(self) -> None:
        self.prediction_label.setText("")
        self.probability_table.setRowCount(0)

    def _show_single(self, result) -> None:
        table = self.probability_table
        if result.task == REGRESSION:
            self.prediction_label.setText(f"<b>Predicted value: {_fmt(result.values[0])}</b>")
            return
        probs = result.probabilities[0]
        best = int(result.labels[0])
        self.prediction_label.setText(
            f"<b>Predicted class: {result.class_names[best]}</b> ({100 * probs[best]:.1f}%)"
        )
        table.setRowCount(len(probs))
        for i, (name, p) in enumerate(zip(result.class_names, probs)):
            table.setItem(i, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(f"{100 * p:.2f}%")
            item.setData(Qt.ItemDataRole.UserRole, float(p))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(i, 1, item)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(round(1000 * float(p)))
            bar.setTextVisible(False)
            bar.setAccessibleName(f"Probability of {name}")
            table.setCellWidget(i, 2, bar)
        table.resizeColumnsToContents()

    # ------------------------------------------------------------------ CSV
    def _build_csv_tab(self) -> QWidget:
        tab = QWidget()
        self.open_csv_button = describe(
            QPushButton("&Open file…"),
            "predictOpenCsv",
            "Open a file of rows",
            "Predict every row of a CSV file or an Excel workbook (first worksheet) whose "
            "header names the columns: "
            + ", ".join(self.columns[:8])
            + ("…" if len(self.columns) > 8 else ""),
        )
        self.open_csv_button.clicked.connect(lambda: self.open_csv())
        self.export_button = describe(
            QPushButton("&Export…"),
            "predictExport",
            "Export predictions",
            "Save the rows with their predictions as a CSV file.",
        )
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export())
        self.csv_status = describe(
            QLabel("Open a CSV file with one row per sample."),
            "predictCsvStatus",
            "CSV status",
            "Which file was predicted, and notes about it.",
        )
        self.csv_status.setWordWrap(True)
        self.csv_table = describe(
            QTableWidget(0, 0),
            "predictionsTable",
            "Predictions",
            "The CSV's rows with the model's predictions.",
        )
        self.csv_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        row = QHBoxLayout()
        row.addWidget(self.open_csv_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.csv_status)
        layout.addWidget(self.csv_table, 1)
        return tab

    def _folder(self) -> str:
        if self.settings is None:
            return str(Path.home())
        return self.settings.recent("predict_folder", str(Path.home()))

    def _remember(self, path: str) -> None:
        if self.settings is not None:
            self.settings.set_recent("predict_folder", str(Path(path).resolve().parent))

    def open_csv(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self,
                "Predict the rows of a table",
                self._folder(),
                "Tables (*.csv *.tsv *.txt *.xlsx *.xlsm);;Text tables (*.csv *.tsv *.txt);;"
                "Excel workbooks (*.xlsx *.xlsm)",
            )
        if not path or self.jobs.busy:
            return False
        self._remember(path)
        self.show_error("")
        self.csv_status.setText(f"Predicting {Path(path).name}…")
        loaded = self.loaded

        def work(_progress, _cancelled):
            from desktop_app.core.predict import predict_csv

            return predict_csv(loaded, path)

        self.jobs.submit(work, self._show_csv, self._csv_failed)
        return True

    def _csv_failed(self, exc: BaseException) -> None:
        self.csv_status.setText("No predictions.")
        self.show_error(f"Cannot predict the CSV file: {error_message(exc)}")

    def _show_csv(self, payload) -> None:
        rows, result = payload
        self.csv_result = (rows, result)
        header = [*rows.header, *result.columns()]
        shown = min(len(rows.cells), MAX_SHOWN_ROWS)
        t = self.csv_table
        t.clear()
        t.setColumnCount(len(header))
        t.setHorizontalHeaderLabels(header)
        t.setRowCount(shown)
        for i in range(shown):
            pred = result.row(i)
            first = 0 if result.task == REGRESSION else 1  # a class name stays text
            if i not in result.skipped:
                pred = pred[:first] + [_fmt(float(v)) for v in pred[first:]]
            for j, text in enumerate([*rows.cells[i], *pred]):
                t.setItem(i, j, QTableWidgetItem(text))
        t.resizeColumnsToContents()
        done = len(rows.cells) - len(result.skipped)
        notes = [f"{done:,} rows of {rows.path.name} predicted"]
        if shown < len(rows.cells):
            notes.append(f"the first {shown:,} are shown; Export writes all of them")
        notes += rows.notes
        self.csv_status.setText("; ".join(notes) + ".")
        self.export_button.setEnabled(True)

    def export(self, path: str | None = None) -> bool:
        if self.csv_result is None or self.jobs.busy:
            return False
        rows, result = self.csv_result
        if not path:
            default = str(Path(self._folder()) / f"{rows.path.stem}-predictions.csv")
            path, _ = QFileDialog.getSaveFileName(
                self, "Export predictions", default, "CSV table (*.csv)"
            )
        if not path:
            return False
        if not path.lower().endswith(".csv"):
            path += ".csv"
        self._remember(path)

        def work(_progress, _cancelled):
            from desktop_app.core.predict import write_predictions_csv

            write_predictions_csv(path, rows, result)
            return path

        self.jobs.submit(work, self._exported, self._export_failed)
        return True

    def _exported(self, path: str) -> None:
        self.csv_status.setText(f"Wrote {len(self.csv_result[0].cells):,} predictions to {path}.")

    def _export_failed(self, exc: BaseException) -> None:
        self.show_error(f"Could not export the predictions: {error_message(exc)}")

    # ------------------------------------------------------------------ state
    @Slot()
    def _on_busy(self) -> None:
        busy = self.jobs.busy
        self.open_csv_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self.csv_result is not None)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def shutdown(self) -> bool:
        """Wait for a CSV being predicted or written (before the window closes)."""
        return self.jobs.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.jobs.wait()
        super().closeEvent(event)
