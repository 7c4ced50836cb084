"""The step-through's sample picker: a row of the training, validation or test data, or
values typed in the data's own units with the true target.

It knows the model's preprocessing (feature names, classes, the training means it
offers as typed defaults) and, once the dialog has read it, the prepared data; it hands
out a core Sample and says when the user chose another one (`changed`). A bad typed
value raises the core's DataError, which names the field.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.errors import OdysseyError
from desktop_app.core.inspect.step_update import number
from desktop_app.ui.widgets import describe

SOURCES = (("Training data", "training"), ("Validation data", "validation"), ("Test data", "test"))
TYPED = "Typed values"


class SampleBox(QGroupBox):
    """Where the step-through's sample comes from (see the module docstring)."""

    changed = Signal()  # the user picked another row or source, or pressed Use

    def __init__(self, prep, parent: QWidget | None = None):
        super().__init__("Sample", parent)
        self.setObjectName("stepSampleBox")
        self.prep = prep
        self.data = None  # core PreparedData, once the dialog has read it
        self._build()

    def _build(self) -> None:
        grid = QVBoxLayout(self)
        row = QHBoxLayout()
        self.source = describe(
            QComboBox(), "stepSource", "Where the sample comes from", "A data row or typed values"
        )
        for text, _split in SOURCES:
            self.source.addItem(text)
        self.source.addItem(TYPED)
        self.source.currentIndexChanged.connect(self._on_source)
        self.row = describe(
            QSpinBox(), "stepRow", "Row number", "The row of that split (1 is the first)"
        )
        self.row.setRange(1, 1)
        self.row.setKeyboardTracking(False)
        self.row.valueChanged.connect(self._on_row)
        self.row_count = describe(QLabel(""), "stepRowCount", "Rows in the split")
        self.row_count.setMinimumWidth(self.row_count.fontMetrics().horizontalAdvance("of 0000000"))
        row_label = QLabel("&Row")
        row_label.setBuddy(self.row)
        source_label = QLabel("&Sample from")
        source_label.setBuddy(self.source)
        for w in (source_label, self.source, row_label, self.row, self.row_count):
            row.addWidget(w)
        row.addStretch(1)
        grid.addLayout(row)
        self.status = describe(QLabel(""), "stepStatus", "About the model and the data")
        self.status.setWordWrap(True)
        grid.addWidget(self.status)
        self.typed = QWidget()
        form = QGridLayout(self.typed)
        form.setContentsMargins(0, 0, 0, 0)
        self.values: list[QLineEdit] = []
        defaults = self.prep.mean if self.prep.mean is not None else np.zeros(self.prep.n_features)
        for i, name in enumerate(self.prep.feature_names):
            edit = describe(QLineEdit(number(defaults[i])), f"stepValue_{i}", f"Value of {name}")
            edit.setToolTip(f"{name}, in the data's own units")
            label = QLabel(name)
            label.setBuddy(edit)
            form.addWidget(label, i // 3, 2 * (i % 3))
            form.addWidget(edit, i // 3, 2 * (i % 3) + 1)
            self.values.append(edit)
        if self.prep.task == REGRESSION:
            self.target = QLineEdit(number(self.prep.target_mean))
        else:
            self.target = QComboBox()
            self.target.addItems(self.prep.class_names)
        describe(self.target, "stepTarget", "True target", "The answer the loss compares with")
        target_label = QLabel("&Target")
        target_label.setBuddy(self.target)
        n = len(self.values)
        form.addWidget(target_label, n // 3 + 1, 0)
        form.addWidget(self.target, n // 3 + 1, 1)
        self.use = describe(
            QPushButton("&Use these values"),
            "stepUseValues",
            "Use these values",
            "Step through them",
        )
        self.use.clicked.connect(self.changed)
        form.addWidget(self.use, n // 3 + 1, 3)
        scroll = QScrollArea()
        scroll.setObjectName("stepValuesArea")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.typed)
        scroll.setMaximumHeight(130)
        self.typed_area = scroll
        scroll.hide()
        grid.addWidget(scroll)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def set_data(self, data) -> None:
        """The prepared data (None: it could not be read: only typed values remain)."""
        self.data = data
        if data is None:
            model = self.source.model()
            for i in range(len(SOURCES)):
                model.item(i).setEnabled(False)
            self.source.blockSignals(True)
            self.source.setCurrentText(TYPED)
            self.source.blockSignals(False)
        self._on_source()

    def sample(self):
        """The chosen core Sample; None while the data is still being read. Raises
        OdysseyError (naming the field) for a value that will not do."""
        from desktop_app.core.inspect.step_sample import sample_from_rows, sample_from_values

        split = self.split()
        if split is not None:
            x, y, name = split
            if len(x) == 0:
                raise OdysseyError(f"the {name} split is empty; pick another or type values")
            return sample_from_rows(self.prep, x, y, self.row.value() - 1, name)
        if self.source.currentText() != TYPED:
            return None
        if isinstance(self.target, QComboBox):
            target = self.target.currentText()
        else:
            target = self.target.text()
        return sample_from_values(self.prep, [e.text() for e in self.values], target)

    def split(self):
        """(x, y, name) of the chosen data split, or None for typed values."""
        i = self.source.currentIndex()
        if i >= len(SOURCES) or self.data is None:
            return None
        name = SOURCES[i][1]
        d = self.data
        return {
            "training": (d.x_train, d.y_train),
            "validation": (d.x_val, d.y_val),
            "test": (d.x_test, d.y_test),
        }[name] + (name,)

    @Slot()
    def _on_source(self) -> None:
        typed = self.source.currentText() == TYPED
        self.typed_area.setVisible(typed)
        self.row.setEnabled(not typed)
        split = self.split()
        if split is not None:
            n = len(split[0])
            self.row.blockSignals(True)
            self.row.setRange(1, max(n, 1))
            self.row.blockSignals(False)
            self.row_count.setText(f"of {n}")
        if typed or split is not None:
            self.changed.emit()

    @Slot()
    def _on_row(self) -> None:
        if self.split() is not None:
            self.changed.emit()
