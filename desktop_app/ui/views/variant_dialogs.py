"""Run ▸ Repeat… and Run ▸ Race…: what to repeat (seeds or folds, how many) and what to
race (one setting and 2–4 values). Window-modal, opened with open() (never exec()); they
emit what was chosen and the command checks it (a bad value keeps the dialog open with
the reason under the fields)."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.widgets import describe

# The settings a race can vary, in words; values are typed, comma separated.
RACE_FIELDS = (
    ("train.lr", "Learning rate"),
    ("train.weight_decay", "Weight decay"),
    ("train.momentum", "Momentum (SGD, RMSprop)"),
    ("train.beta1", "Adam beta1"),
    ("train.optimizer", "Optimizer"),
    ("train.batch_size", "Batch size"),
    ("model.hidden.0.units", "Units in hidden layer 1"),
)


def _buttons(dialog: QDialog, ok_text: str, ok_name: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    describe(ok, ok_name, ok_text)
    describe(box.button(QDialogButtonBox.StandardButton.Cancel), f"{ok_name}Cancel", "Cancel")
    box.rejected.connect(dialog.reject)
    return box


class RepeatDialog(QDialog):
    """Seeds or folds, and how many."""

    chosen = Signal(str, int)  # "seeds" or "folds", the count

    def __init__(self, parent: QWidget | None = None, seed: int = 0):
        super().__init__(parent)
        self.setObjectName("repeatDialog")
        self.setAccessibleName("Repeat training")
        self.setWindowTitle("Repeat training")
        self.seeds = describe(
            QRadioButton(f"Over seeds ({seed}, {seed + 1}, …)"),
            "repeatSeedsRadio",
            "Repeat over seeds",
        )
        self.folds = describe(
            QRadioButton("k-fold cross-validation (training + validation rows; test held out)"),
            "repeatFoldsRadio",
            "Cross-validation folds",
        )
        self.seeds.setChecked(True)
        self.count = describe(QSpinBox(), "repeatCountSpin", "How many runs or folds")
        self.count.setRange(2, 100)
        self.count.setValue(5)
        self.seeds.toggled.connect(self._on_kind)
        text = QLabel(
            "Train the project several times and see the spread: mean ± sd of the best "
            "validation value, the test metric and the time, and a band in the Runs tab."
        )
        text.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.seeds)
        form.addRow(self.folds)
        form.addRow("Runs / folds:", self.count)
        buttons = _buttons(self, "Start", "repeatStartButton")
        buttons.accepted.connect(self._accept)
        box = QVBoxLayout(self)
        box.addWidget(text)
        box.addLayout(form)
        box.addWidget(buttons)
        self.setMaximumWidth(640)

    @Slot(bool)
    def _on_kind(self, seeds: bool) -> None:
        self.count.setMaximum(100 if seeds else 20)

    @Slot()
    def _accept(self) -> None:
        self.accept()
        self.chosen.emit("seeds" if self.seeds.isChecked() else "folds", self.count.value())


class RaceDialog(QDialog):
    """One setting and 2–4 values for it."""

    chosen = Signal(str, str)  # the field path, the values as typed

    def __init__(self, parent: QWidget | None = None, current: dict | None = None):
        """current: the project's value of each field (for the suggested values)."""
        super().__init__(parent)
        self.setObjectName("raceDialog")
        self.setAccessibleName("Race variants")
        self.setWindowTitle("Race variants")
        self.current = current or {}
        self.field = describe(QComboBox(), "raceFieldCombo", "Setting to vary")
        for path, title in RACE_FIELDS:
            self.field.addItem(title, path)
        self.values = describe(QLineEdit(), "raceValuesEdit", "Values, separated by commas")
        self.values.setPlaceholderText("e.g. 0.001, 0.003, 0.01, 0.03")
        self.problem = describe(QLabel(""), "raceProblemLabel", "What is wrong")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b")
        text = QLabel(
            "Train 2 to 4 variants side by side from the same initial weights and split, "
            "their curves overlaid live. Variants that differ only in optimizer settings "
            "train in one vectorised step; others one after another."
        )
        text.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Setting:", self.field)
        form.addRow("Values:", self.values)
        buttons = _buttons(self, "Start race", "raceStartButton")
        buttons.accepted.connect(self._accept)
        box = QVBoxLayout(self)
        box.addWidget(text)
        box.addLayout(form)
        box.addWidget(self.problem)
        box.addWidget(buttons)
        self.setMaximumWidth(640)
        self.field.currentIndexChanged.connect(self._suggest)
        self._suggest()

    @Slot()
    def _suggest(self) -> None:
        path = self.field.currentData()
        value = self.current.get(path)
        if path == "train.optimizer":
            text = "adam, sgd"
        elif isinstance(value, float) and value > 0:
            text = ", ".join(f"{value * f:g}" for f in (0.1, 0.3, 1, 3))
        elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
            text = ", ".join(str(max(1, value * f // 2)) for f in (1, 2, 4))
        elif path == "train.weight_decay":
            text = "0, 0.0001, 0.001, 0.01"
        else:
            text = "0, 0.5, 0.9"
        self.values.setText(text)
        self.problem.setText("")

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)

    @Slot()
    def _accept(self) -> None:
        self.chosen.emit(self.field.currentData(), self.values.text())
