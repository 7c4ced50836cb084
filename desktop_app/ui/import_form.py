"""The import dialog's widgets and layout (the dialog's logic is in import_dialog.py and
import_choices.py).

ImportForm plays the role of a Qt Designer form: it creates the controls named in
import_dialog's docstring and lays them out on the dialog; the dialog connects them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
)

from desktop_app.ui.import_columns import ColumnList, PreviewModel
from desktop_app.ui.spin_boxes import make_double_spin
from desktop_app.ui.widgets import describe, error_label

DELIMITERS = ((",", "Comma ( , )"), (";", "Semicolon ( ; )"), ("\t", "Tab"), ("|", "Pipe ( | )"))
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16")
TASKS = (
    ("auto", "Automatic"),
    ("binary", "Binary: two classes"),
    ("multiclass", "Several classes (softmax)"),
    ("regression", "Regression: a number"),
)
TASK_WORDS = {"binary": "binary", "multiclass": "several classes", "regression": "regression"}
MISSING = (
    ("drop", "Drop rows with empty cells"),
    ("mean", "Fill with the column's mean"),
    ("median", "Fill with the column's median"),
    ("most_frequent", "Fill with the most frequent value"),
)
TABLE_FILTER = (
    "Tables (*.csv *.tsv *.txt *.xlsx *.xlsm *.parquet *.feather);;Text tables (*.csv *.tsv "
    "*.txt);;Excel workbooks (*.xlsx *.xlsm);;Parquet and Feather (*.parquet *.feather);;"
    "All files (*)"
)
ENCODING_DEBOUNCE_MS = 400
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # as core.tabular.detect's (read cell by cell)


def _combo(name, accessible, tip, items) -> QComboBox:
    combo = describe(QComboBox(), name, accessible, tip)
    for data, text in items:
        combo.addItem(text, data)
    return combo


class ImportForm:
    """The import dialog's controls, laid out on `dialog`."""

    def __init__(self, dialog: QDialog, val_fraction: float, test_fraction: float):
        self.filling = False  # True while the dialog fills controls from a preview
        self.file_label = QLabel()
        self.file_label.setObjectName("importFileLabel")
        self.file_label.setAccessibleName("File")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = choose = describe(
            QPushButton("Choose another file…"),
            "importChooseFileButton",
            "Choose another file",
            "Import a different CSV, TSV or Excel (.xlsx) file instead.",
        )
        self.detected_label = QLabel()
        self.detected_label.setObjectName("importDetectedLabel")
        self.detected_label.setAccessibleName("What was detected")
        self.detected_label.setWordWrap(True)
        self.delimiter_combo = _combo(
            "delimiterCombo",
            "Delimiter",
            "The character between the values of a row. Detected from the file; change "
            "it if the preview shows everything in one column.",
            DELIMITERS,
        )
        self.encoding_combo = _combo(
            "encodingCombo",
            "Encoding",
            "How the file's bytes become letters. UTF-8 is today's standard; files saved "
            "by older Windows programs are often cp1252 (Western European) or Latin-1.",
            [(e, e) for e in ENCODINGS],
        )
        self.encoding_combo.setEditable(True)
        self.header_check = describe(
            QCheckBox("First row holds the column names"),
            "headerCheck",
            "Header row",
            "Whether the file's first row names the columns. Untick it if the first row "
            "already holds data; the columns are then called column1, column2, …",
        )
        self.sheet_label = QLabel()
        self.sheet_label.setObjectName("importSheetLabel")
        self.sheet_label.setAccessibleName("Worksheet read")
        self.sheet_label.setToolTip(
            "A workbook's first worksheet is read; move the table there to import it. "
            "Delimiter and encoding do not apply to a workbook."
        )
        self.sheet_label.setVisible(False)

        self.model = PreviewModel(dialog)
        self.table = describe(
            QTableView(),
            "importPreviewTable",
            "Preview of the first rows",
            "The file's first rows as Odyssey reads them. The target column is "
            "highlighted; greyed columns are not used as inputs.",
        )
        self.table.setModel(self.model)
        self.table.horizontalHeader().setDefaultSectionSize(110)
        self.columns = ColumnList()

        self.target_combo = describe(
            QComboBox(),
            "targetCombo",
            "Target column",
            "The column the network learns to predict. Every other usable column can be "
            "an input (a feature).",
        )
        self.task_combo = _combo(
            "taskCombo",
            "Task",
            "What kind of prediction: inferred from the target column (two values: "
            "binary; a few integers or any text: several classes; other numbers: "
            "regression). Choose another to override it.",
            TASKS,
        )
        self.inferred_label = QLabel()
        self.inferred_label.setObjectName("inferredTaskLabel")
        self.inferred_label.setAccessibleName("Inferred task")
        self.inferred_label.setWordWrap(True)
        self.missing_combo = _combo(
            "missingCombo",
            "Missing values",
            "What to do with empty feature cells (blank, NA, ?): drop those rows, or fill "
            "them from the training rows (mean, median or most frequent value; a "
            "category column always takes its most frequent category).",
            MISSING,
        )
        self.sense_label = QLabel()
        self.sense_label.setObjectName("importSenseLabel")
        self.sense_label.setAccessibleName("What Odyssey noticed in the data")
        self.sense_label.setWordWrap(True)
        self.sense_label.setTextFormat(Qt.TextFormat.RichText)
        self.keep_button = describe(
            QPushButton("Use the left-out columns"),
            "importKeepLeftOutButton",
            "Use the left-out columns",
            "Tick the columns left out as likely leakage, identifiers or mostly empty, "
            "to use them as features after all.",
        )
        self.fill_button = describe(
            QPushButton("Fill gaps instead"),
            "importFillGapsButton",
            "Fill gaps instead of dropping rows",
            "Fill empty cells with the column's median (most frequent category) instead "
            "of dropping the rows that have them.",
        )
        self.weight_check = describe(
            QCheckBox("Weight the loss by class"),
            "importClassWeightCheck",
            "Weight the loss by class",
            "Count each class's rows by n / (classes × its count) in the loss, so that a "
            "rare class matters as much as a common one (training: class weight balanced).",
        )
        sense_buttons = QHBoxLayout()
        for widget in (self.keep_button, self.fill_button, self.weight_check):
            widget.setVisible(False)
            sense_buttons.addWidget(widget)
        sense_buttons.addStretch(1)
        self.val_spin = describe(
            make_double_spin(0, 95, 5, 1, " %"),
            "importValSpin",
            "Validation share",
            "Rows held back to check generalisation each epoch (early stopping watches them).",
        )
        self.test_spin = describe(
            make_double_spin(0, 95, 5, 1, " %"),
            "importTestSpin",
            "Test share",
            "Rows kept aside until training ends, for an honest final score.",
        )
        self.val_spin.setValue(100 * val_fraction)
        self.test_spin.setValue(100 * test_fraction)

        self.errors = error_label("importErrorLabel")
        self.errors.setAccessibleName("What is wrong with the table")
        self.status_label = QLabel()
        self.status_label.setObjectName("importStatusLabel")
        self.status_label.setAccessibleName("Import status")
        self.status_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setAccessibleName("Reading progress")
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        describe(
            self.ok_button,
            "importOkButton",
            "Import",
            "Read the whole file with these choices and train on it.",
        )
        self.ok_button.setText("Import")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        describe(
            self.cancel_button,
            "importCancelButton",
            "Cancel",
            "Close without changing the project; while the file is read, stop reading.",
        )

        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(choose)
        fmt = QHBoxLayout()
        self.text_only = []  # controls that apply to text files, hidden for a workbook
        for label, widget in (
            ("Delimiter", self.delimiter_combo),
            ("Encoding", self.encoding_combo),
        ):
            caption = QLabel(label)
            fmt.addWidget(caption)
            fmt.addWidget(widget)
            self.text_only += [caption, widget]
        fmt.addWidget(self.sheet_label)
        fmt.addWidget(self.header_check)
        fmt.addStretch(1)
        choices = QGroupBox("What to learn")
        form = QFormLayout(choices)
        form.addRow("Target", self.target_combo)
        form.addRow("Task", self.task_combo)
        form.addRow(self.inferred_label)
        form.addRow("Missing values", self.missing_combo)
        form.addRow("Validation", self.val_spin)
        form.addRow("Test", self.test_spin)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.columns)
        lower.addWidget(choices)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        self.editors = (self.delimiter_combo, self.encoding_combo, self.header_check, lower)
        layout = QVBoxLayout(dialog)
        layout.addLayout(top)
        layout.addWidget(self.detected_label)
        layout.addLayout(fmt)
        layout.addWidget(split, 1)
        layout.addWidget(self.sense_label)  # full width: the notes need the room
        layout.addLayout(sense_buttons)
        layout.addWidget(self.errors)
        layout.addWidget(self.status_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    def show_workbook_controls(self, workbook: bool) -> None:
        """A workbook has no delimiter or encoding: those controls give way to the name
        of the worksheet read."""
        for widget in self.text_only:
            widget.setVisible(not workbook)
        self.sheet_label.setVisible(workbook)
        if not workbook:
            self.sheet_label.setText("")
