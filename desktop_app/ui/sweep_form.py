"""The sweep dialog's choices: the parameters to search (a field path as `odyssey
train --set` takes it, a kind, and LOW:HIGH or A,B,C), the method, the metric, trials,
workers, where trials run (local processes or a Ray cluster) and the sweep's name."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.sweep_worker import SweepRequest
from desktop_app.ui.widgets import describe

FIELDS = (
    "train.lr",
    "train.batch_size",
    "train.weight_decay",
    "train.momentum",
    "train.optimizer",
    "train.epochs",
    "model.hidden.0.units",
    "model.hidden.0.activation",
    "model.hidden.0.dropout",
)
KIND_LABELS = {
    "loguniform": "log range",
    "uniform": "range",
    "int": "whole numbers",
    "choice": "choices",
}
DEFAULT_ROWS = (
    ("train.lr", "loguniform", "1e-4:1e-1"),
    ("model.hidden.0.units", "choice", "8,16,32"),
)


class ParamRow(QWidget):
    """One searched setting: field, kind, range or choices, and a remove button."""

    removeRequested = Signal(object)

    def __init__(self, index: int, field: str, kind: str, text: str):
        super().__init__()
        self.field = describe(QComboBox(), f"paramField{index}", f"Parameter {index + 1}: field")
        self.field.setEditable(True)
        self.field.addItems(FIELDS)
        self.field.setCurrentText(field)
        self.field.setToolTip("A project field, as for odyssey train --set (e.g. train.lr)")
        self.kind = describe(QComboBox(), f"paramKind{index}", f"Parameter {index + 1}: kind")
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(list(KIND_LABELS).index(kind))
        self.values = describe(
            QLineEdit(text),
            f"paramRange{index}",
            f"Parameter {index + 1}: range or choices",
            "LOW:HIGH for a range (log range: both above 0), or A,B,C for choices",
        )
        self.remove = describe(
            QPushButton("Remove"), f"paramRemove{index}", f"Remove parameter {index + 1}"
        )
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.values.setMinimumWidth(110)
        layout.addWidget(self.field, 3)
        layout.addWidget(self.kind, 2)
        layout.addWidget(self.values, 3)
        layout.addWidget(self.remove)

    def spec_text(self) -> str:
        return f"{self.field.currentText().strip()}={self.kind.currentData()}:{self.values.text()}"


class SweepForm(QWidget):
    """The sweep's choices; `request()` turns them into a SweepRequest."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sweepForm")
        self.rows: list[ParamRow] = []
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        params_box = QGroupBox("Settings to search")
        self.params_layout = QVBoxLayout(params_box)
        for field, kind, text in DEFAULT_ROWS:
            self._add_row(field, kind, text)
        self.add_button = describe(
            QPushButton("Add parameter"), "addParamButton", "Add a parameter to search"
        )
        self.add_button.clicked.connect(
            lambda: self._add_row("train.weight_decay", "uniform", "0:0.01")
        )
        col.addWidget(params_box)
        col.addWidget(self.add_button)

        form = QFormLayout()
        self.method = describe(QComboBox(), "sweepMethod", "Search method")
        for label, key in (("Optuna TPE", "tpe"), ("Random", "random"), ("Grid", "grid")):
            self.method.addItem(label, key)
        self.metric = describe(QComboBox(), "sweepMetric", "Judge trials by")
        self.metric.addItem("validation loss (lower is better)", "val_loss")
        self.metric.addItem("validation accuracy / R² (higher is better)", "val_metric")
        self.trials_spin = describe(QSpinBox(), "sweepTrials", "Trials")
        self.trials_spin.setRange(1, 100_000)
        self.trials_spin.setValue(50)
        self.workers_spin = describe(QSpinBox(), "sweepWorkers", "Workers: trials at once")
        self.workers_spin.setRange(1, 256)
        self.workers_spin.setValue(2)
        self.backend = describe(QComboBox(), "sweepBackend", "Where trials run")
        self.backend.addItem("this computer (worker processes)", "local")
        self.backend.addItem("a Ray cluster", "ray")
        self.address = describe(
            QLineEdit(),
            "sweepAddress",
            "Ray cluster address",
            "e.g. 192.168.1.5:6379 or auto; empty: a Ray instance on this computer",
        )
        self.address.setEnabled(False)
        self.backend.currentIndexChanged.connect(
            lambda: self.address.setEnabled(self.backend.currentData() == "ray")
        )
        self.name_edit = describe(QLineEdit(), "sweepName", "Sweep name", "empty: sweep-DATE-TIME")
        self.prune = describe(
            QCheckBox("Prune weak trials"), "sweepPrune", "Prune weak trials early"
        )
        self.prune.setChecked(True)
        for label, widget in (
            ("&Method", self.method),
            ("Judge &by", self.metric),
            ("&Trials", self.trials_spin),
            ("&Workers", self.workers_spin),
            ("&Run on", self.backend),
            ("Ray &address", self.address),
            ("&Name", self.name_edit),
        ):
            form.addRow(label, widget)
        form.addRow("", self.prune)
        col.addLayout(form)

    def _add_row(self, field: str, kind: str, text: str) -> None:
        row = ParamRow(len(self.rows), field, kind, text)
        row.removeRequested.connect(self._remove_row)
        self.rows.append(row)
        self.params_layout.addWidget(row)

    @Slot(object)
    def _remove_row(self, row: ParamRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()

    def param_texts(self) -> list[str]:
        return [row.spec_text() for row in self.rows]

    def request(self, data_setting, **kwargs) -> SweepRequest:
        """What the choices ask for (`kwargs`: the project and params, or resume)."""
        return SweepRequest(
            method=self.method.currentData(),
            metric=self.metric.currentData(),
            trials=self.trials_spin.value(),
            workers=self.workers_spin.value(),
            prune=self.prune.isChecked(),
            backend=self.backend.currentData(),
            address=self.address.text().strip() or None,
            data_setting=data_setting,
            **kwargs,
        )
