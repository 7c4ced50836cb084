"""The Dataset panel: which data, how much, how it is split, and a live preview.

Contract with the main window: `changed` (emitted once per user edit that changes the
spec), `validityChanged(bool)`, `spec()`, `set_spec()`, `set_locked()`, `is_valid()`,
`shutdown()` (stop the preview worker; call it before the window closes), and two
conveniences: `io()` -> (n_inputs, n_outputs, task) for ArchitecturePanel.set_io and
`split_sizes()` -> (n_train, n_val, n_test) for OptimizerPanel.set_data_sizes.

objectNames (for tests and automation):
    datasetCombo, datasetDescriptionLabel, importTableButton,
    samplesSpin, noiseSpin, featuresSpin, informativeSpin, classesSpin, dataSeedSpin,
    valSpin, testSpin, splitCountsLabel, standardizeCheck, datasetErrorLabel,
    datasetPreview (with previewSummaryLabel, previewBalanceLabel, previewStatusLabel,
    previewPlot inside).
A parameter the chosen dataset does not use is disabled and shows the value in effect.

Your own table: importTableButton emits `importRequested` (the window opens the import
dialog). A table project (dataset "table") shows tableBox (table_box.TableBox: file, rows,
inputs, target, task; changeTableButton emits `changeTableRequested`) instead of the
synthetic parameters and the preview; the combo then offers the table as its last entry,
and choosing a catalog dataset switches back (the table stays in the combo to return to).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.catalog import CATALOG, TABLE, dataset_info, split_sizes
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.messages import validation_message
from desktop_app.core.specs.table import TableSpec
from desktop_app.ui.panels.preview import DatasetPreview
from desktop_app.ui.panels.table_box import TableBox
from desktop_app.ui.spin_boxes import make_double_spin, make_spin
from desktop_app.ui.widgets import describe, error_label, mark_invalid, scrolling_column, show_error

# DataSpec field -> (objectName, accessible name, tooltip)
_PARAMS = {
    "n_samples": (
        "samplesSpin",
        "Number of samples",
        "How many examples to generate. More data usually means a better, less "
        "overfitted model, at the cost of slower epochs.",
    ),
    "noise": (
        "noiseSpin",
        "Noise",
        "How much randomness blurs the pattern. With more noise the classes overlap and "
        "even a perfect model makes mistakes.",
    ),
    "n_features": (
        "featuresSpin",
        "Number of features",
        "Input columns per example: the size of the network's input layer.",
    ),
    "n_informative": (
        "informativeSpin",
        "Informative features",
        "How many features actually carry information about the target; the rest are "
        "noise (or copies) the network must learn to ignore.",
    ),
    "n_classes": (
        "classesSpin",
        "Number of classes",
        "How many categories to tell apart. Two classes is binary classification "
        "(one sigmoid output); more needs one softmax output per class.",
    ),
    "seed": (
        "dataSeedSpin",
        "Data seed",
        "Fixes the random numbers used to generate and split the data, so the same "
        "seed always gives the same dataset.",
    ),
}


def _generation_key(spec: DataSpec) -> tuple:
    """What the generated rows depend on (the split and scaling do not change them)."""
    return (
        spec.dataset,
        spec.total_samples,
        spec.noise_level,
        spec.features,
        spec.informative,
        spec.classes,
        spec.seed,
    )


class DatasetPanel(QWidget):
    """Edits a DataSpec; keeps the last valid one while a control holds a bad value."""

    changed = Signal()
    validityChanged = Signal(bool)  # noqa: N815 (Qt naming)
    importRequested = Signal()  # noqa: N815 the user asks to import a CSV/TSV file
    changeTableRequested = Signal()  # noqa: N815 the user asks to change the table's import

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        self._spec = DataSpec()
        self._values: dict = self._spec.model_dump()
        self._valid = True
        self._filling = False
        self._preview_started = False
        self._last_table: TableSpec | None = None  # the combo offers it to return to
        self._build()
        self._fill()

    # --- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.combo = describe(
            QComboBox(),
            "datasetCombo",
            "Dataset",
            "The data the network learns from. Synthetic sets are generated with the "
            "parameters below; real sets are fixed tables.",
        )
        for i, info in enumerate(CATALOG.values()):
            self.combo.addItem(info.title, info.name)
            self.combo.setItemData(i, info.description, Qt.ItemDataRole.ToolTipRole)
        self.description = QLabel()
        self.description.setObjectName("datasetDescriptionLabel")
        self.description.setAccessibleName("Dataset description")
        self.description.setWordWrap(True)
        self.import_button = describe(
            QPushButton("Import table…"),
            "importTableButton",
            "Import a table",
            "Train on your own data: a CSV or TSV file or an Excel workbook with one row per "
            "example, a column to predict and columns to learn from.",
        )
        self.import_button.clicked.connect(self.importRequested)
        self.table_box = TableBox()
        self.table_box.change_button.clicked.connect(self.changeTableRequested)

        self.spins = {
            "n_samples": make_spin(1, 10_000_000, 100),
            "noise": make_double_spin(0, 100, 0.05, 3),
            "n_features": make_spin(1, 10_000),
            "n_informative": make_spin(1, 10_000),
            "n_classes": make_spin(2, 1000),
            "seed": make_spin(0, 2**31 - 1),
        }
        for key, spin in self.spins.items():
            describe(spin, *_PARAMS[key])
            spin.valueChanged.connect(self._on_param_edited)

        self.val_spin = describe(
            make_double_spin(0, 95, 5, 1, " %"),
            "valSpin",
            "Validation share",
            "Data held back during training to check how well the network generalises "
            "each epoch; early stopping and learning-rate plateaus watch it.",
        )
        self.test_spin = describe(
            make_double_spin(0, 95, 5, 1, " %"),
            "testSpin",
            "Test share",
            "Data kept aside until training ends, for an honest final score on examples "
            "the network (and you) never tuned on.",
        )
        for spin in (self.val_spin, self.test_spin):
            spin.valueChanged.connect(self._on_split_edited)
        self.split_label = QLabel()
        self.split_label.setObjectName("splitCountsLabel")
        self.split_label.setAccessibleName("Train, validation and test sizes")
        self.split_label.setWordWrap(True)
        self.standardize = describe(
            QCheckBox("Standardise features"),
            "standardizeCheck",
            "Standardise features",
            "Shift and scale every feature to mean 0 and spread 1 (fitted on the training "
            "split only). Networks learn much faster when inputs share one scale.",
        )
        self.standardize.toggled.connect(self._on_standardize)
        self.errors = error_label("datasetErrorLabel")
        self.combo.currentIndexChanged.connect(self._on_dataset)

        data_box = QGroupBox("Dataset")
        data_form = QFormLayout(data_box)
        data_form.addRow(self.combo)
        data_form.addRow(self.description)
        data_form.addRow(self.import_button)
        param_box = self.param_box = QGroupBox("Parameters")
        self.param_form = QFormLayout(param_box)
        labels = ("Samples", "Noise", "Features", "Informative", "Classes", "Seed")
        for label, spin in zip(labels, self.spins.values()):
            self.param_form.addRow(label, spin)
        split_box = QGroupBox("Split and scaling")
        split_form = QFormLayout(split_box)
        split_form.addRow("Validation", self.val_spin)
        split_form.addRow("Test", self.test_spin)
        split_form.addRow(self.split_label)
        split_form.addRow(self.standardize)
        self.preview = DatasetPreview()
        self.preview.setObjectName("datasetPreview")
        preview_box = self.preview_box = QGroupBox("Preview")
        QVBoxLayout(preview_box).addWidget(self.preview)
        self._editors = (data_box, self.table_box, param_box, split_box)

        scrolling_column(self, (*self._editors, self.errors, preview_box), stretch_last=True)

    # --- public API --------------------------------------------------------------------
    def spec(self) -> DataSpec:
        return self._spec

    def set_spec(self, spec: DataSpec) -> None:
        self._spec = spec
        self._values = spec.model_dump()
        self._values["table"] = spec.table  # kept as the model (properties read it)
        if spec.table is not None:
            self._last_table = spec.table
        self._set_valid(True, None, ())
        self._fill()
        self._request_preview(spec)

    def set_locked(self, locked: bool) -> None:
        for box in self._editors:
            box.setEnabled(not locked)

    def is_valid(self) -> bool:
        return self._valid

    def shutdown(self) -> None:
        self.preview.shutdown()

    def io(self) -> tuple[int, int, str]:
        """(n_inputs, n_outputs, task) of the current spec, for ArchitecturePanel.set_io."""
        spec = self._spec
        return spec.features, spec.classes if spec.task == "multiclass" else 1, spec.task

    def split_sizes(self) -> tuple[int, int, int]:
        """(n_train, n_val, n_test) of the current spec, for OptimizerPanel.set_data_sizes."""
        spec = self._spec
        return split_sizes(spec.total_samples, spec.val_fraction, spec.test_fraction)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._preview_started:  # nothing slow before the panel is on screen
            self.request_preview()

    def request_preview(self) -> None:
        """Start the preview now even if the panel is not shown (tests, headless use)."""
        self._preview_started = True
        self._request_preview(self._spec)

    def _request_preview(self, spec: DataSpec) -> None:
        if self._preview_started and spec.table is None:  # a table shows its summary
            self.preview.request(spec)

    # --- filling widgets from values ---------------------------------------------------
    def _fill(self) -> None:
        self._filling = True
        try:
            v = self._values
            self._sync_table_item()
            index = self.combo.findData(v["dataset"])
            self.combo.setCurrentIndex(index)
            info = dataset_info(v["dataset"])
            table = v["dataset"] == TABLE
            self.table_box.setVisible(table)
            self.table_box.show_table(v.get("table"))
            self.param_box.setVisible(not table)
            self.preview_box.setVisible(not table)
            self.description.setText(info.description)
            self.combo.setToolTip(f"{self.combo.property('baseToolTip')}\n\n{info.description}")
            effective = DataSpec.model_construct(**v)  # properties work unvalidated
            shown = {
                "n_samples": effective.total_samples,
                "noise": effective.noise_level,
                "n_features": effective.features,
                "n_informative": effective.informative,
                "n_classes": max(effective.classes, 2),
                "seed": v["seed"],
            }
            for key, spin in self.spins.items():
                spin.setValue(shown[key])
                used = key in info.params
                spin.setEnabled(used)
                if key == "n_classes" and not used and effective.classes == 0:
                    spin.setSpecialValueText("—")
                    spin.setMinimum(1)
                    spin.setValue(1)
                    spin.setEnabled(False)
                elif key == "n_classes":
                    spin.setSpecialValueText("")
                    spin.setMinimum(2)
                why = "" if used else "\n\n(Fixed by this dataset: it does not use this setting.)"
                if not spin.property("invalid"):
                    spin.setToolTip(spin.property("baseToolTip") + why)
            self.val_spin.setValue(100 * v["val_fraction"])
            self.test_spin.setValue(100 * v["test_fraction"])
            self.standardize.setChecked(bool(v["standardize"]))
            self._update_split_label()
        finally:
            self._filling = False

    def _sync_table_item(self) -> None:
        """The combo's last entry: the imported table, while there is one."""
        index = self.combo.findData(TABLE)
        if self._last_table is None:
            if index >= 0:
                self.combo.removeItem(index)
            return
        text = f"Your table: {Path(self._last_table.path).name}"
        if index < 0:
            self.combo.addItem(text, TABLE)
            index = self.combo.count() - 1
        self.combo.setItemText(index, text)
        self.combo.setItemData(index, self._last_table.path, Qt.ItemDataRole.ToolTipRole)

    def _update_split_label(self) -> None:
        v = self._values
        effective = DataSpec.model_construct(**v)
        n = effective.total_samples
        tr, va, te = split_sizes(n, v["val_fraction"], v["test_fraction"])
        train = f"{tr:,}" if tr > 0 else "none"
        self.split_label.setText(f"Train {train} · validation {va:,} · test {te:,} (of {n:,})")

    # --- edits -------------------------------------------------------------------------
    @Slot(int)
    def _on_dataset(self, index: int) -> None:
        if self._filling or index < 0:
            return
        name = self.combo.itemData(index)
        # A new dataset starts from its own defaults for the dataset-specific settings.
        self._values.update(
            dataset=name, noise=None, n_features=None, n_informative=None, n_classes=None
        )
        self._values["table"] = self._last_table if name == TABLE else None
        self._fill()
        self._commit(self.combo)

    @Slot()
    def _on_param_edited(self) -> None:
        if self._filling:
            return
        spin = self.sender()
        for key, widget in self.spins.items():
            if widget is spin:
                self._values[key] = widget.value()
                self._fill()  # other spins show effective values that may follow this one
                self._commit(widget)
                return

    @Slot()
    def _on_split_edited(self) -> None:
        if self._filling:
            return
        self._values["val_fraction"] = round(self.val_spin.value() / 100, 6)
        self._values["test_fraction"] = round(self.test_spin.value() / 100, 6)
        self._update_split_label()
        self._commit(self.sender())

    @Slot(bool)
    def _on_standardize(self, checked: bool) -> None:
        if self._filling:
            return
        self._values["standardize"] = checked
        self._commit(self.standardize)

    def _commit(self, edited: QWidget) -> None:
        self._update_split_label()
        try:
            spec = DataSpec.model_validate(self._values)
        except ValidationError as exc:
            message = validation_message(exc)
            self._set_valid(False, message, self._culprits(exc, edited))
            return
        self._set_valid(True, None, ())
        if spec != self._spec:
            regenerate = _generation_key(spec) != _generation_key(self._spec)
            self._spec = spec
            self.changed.emit()
            if regenerate:
                self._request_preview(spec)

    def _culprits(self, exc: ValidationError, edited: QWidget) -> list[QWidget]:
        """The controls a validation failure is about: named fields, words, the edit."""
        widgets = {**self.spins, "val_fraction": self.val_spin, "test_fraction": self.test_spin}
        found: list[QWidget] = []
        for err in exc.errors():
            loc = err["loc"][0] if err["loc"] else None
            if loc in widgets:
                found.append(widgets[loc])
            msg = str(err["msg"])
            for word, keys in (
                ("validation", ("val_fraction", "test_fraction")),
                ("training samples", ("n_samples", "val_fraction", "test_fraction")),
                ("n_informative", ("n_informative",)),
                ("informative features", ("n_informative", "n_classes")),
                ("n_features", ("n_features",)),
                ("features, got", ("n_features",)),
            ):
                if word in msg:
                    found.extend(widgets[k] for k in keys if widgets[k].isEnabled())
        if edited is not None and edited is not self.combo and edited not in found:
            found.append(edited)
        return found

    def _set_valid(self, valid: bool, message: str | None, culprits) -> None:
        for widget in (*self.spins.values(), self.val_spin, self.test_spin):
            mark_invalid(widget, message if widget in culprits else None)
        show_error(self.errors, message)
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
