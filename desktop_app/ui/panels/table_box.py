"""The Dataset panel's summary of an imported table (shown instead of the synthetic
parameters): file, rows, inputs, target, task and classes, the import choices, and a
Change… button (changeTableButton) that reopens the import dialog.

objectNames: tableBox, tableFileLabel, tableSummaryLabel, changeTableButton.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout

from desktop_app.core.specs.table import TableSpec
from desktop_app.ui.widgets import describe

TASK_TEXT = {
    "binary": "binary classification",
    "multiclass": "classification, several classes",
    "regression": "regression (predict a number)",
}
MISSING_TEXT = {
    "drop": "rows with empty cells dropped",
    "mean": "empty cells filled with the mean",
    "median": "empty cells filled with the median",
    "most_frequent": "empty cells filled with the most frequent value",
}


def table_summary(t: TableSpec) -> str:
    """What a user wants to know about an imported table, as rich text."""
    task = t.resolved_task
    parts = []
    if t.n_rows is not None:
        parts.append(f"<b>{t.n_rows:,}</b> rows · <b>{t.n_inputs}</b> inputs")
    else:
        parts.append("not read yet: Train reads it")
    target = f"Target <b>{escape(t.target)}</b>"
    if task:
        target += f": {TASK_TEXT[task]}"
        if task != "regression" and t.n_classes:
            target += f", {t.n_classes} classes"
    if t.task != "auto":
        target += " (chosen)"
    parts.append(target)
    feats = "all usable columns" if t.features is None else f"{len(t.features)} columns"
    parts.append(f"Features: {feats}; {MISSING_TEXT[t.missing]}")
    return "<br>".join(parts)


class TableBox(QGroupBox):
    """Shows a TableSpec; the panel owns it and forwards the Change… button."""

    def __init__(self, parent=None):
        super().__init__("Your table", parent)
        self.setObjectName("tableBox")
        self.file_label = QLabel()
        self.file_label.setObjectName("tableFileLabel")
        self.file_label.setAccessibleName("Table file")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setObjectName("tableSummaryLabel")
        self.summary.setAccessibleName("Table summary")
        self.summary.setWordWrap(True)
        self.change_button = describe(
            QPushButton("Change…"),
            "changeTableButton",
            "Change the table's import",
            "Reopen the import dialog on this file: another target, other features or "
            "column types, the missing-value policy or the task.",
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.summary)
        layout.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignLeft)

    def show_table(self, t: TableSpec | None) -> None:
        if t is None:
            self.file_label.setText("")
            self.summary.setText("")
            return
        path = Path(t.path)
        self.file_label.setText(f"<b>{escape(path.name)}</b>")
        self.file_label.setToolTip(str(path))
        self.summary.setText(table_summary(t))
