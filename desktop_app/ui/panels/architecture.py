"""The Architecture panel: hidden layers to add, remove, reorder and edit, and a drawing.

Contract with the main window: `changed`, `spec()`, `set_spec()`, `set_io(n_inputs,
n_outputs, task)`, `set_locked()`, `is_valid()`, `parameter_count()`.

objectNames (for tests and automation):
    inputLayerLabel, outputLayerLabel, layerTable, addLayerButton, removeLayerButton,
    moveLayerUpButton, moveLayerDownButton, unitsSpin, activationCombo, dropoutSpin,
    batchNormCheck, paramCountLabel, architectureNoteLabel, networkView.
The four editors (unitsSpin ... batchNormCheck) edit the layer selected in layerTable.

This module must not import torch (the window paints before torch loads), so the
parameter count and output activation mirror desktop_app.core.model's; a test checks
they agree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.specs.model import (
    ACTIVATIONS,
    LayerSpec,
    ModelSpec,
    count_parameters,
    output_activation,
)
from desktop_app.ui.panels.network_view import DrawnLayer, NetworkView
from desktop_app.ui.spin_boxes import make_double_spin, make_spin
from desktop_app.ui.widgets import describe, scrolling_column

MAX_UNITS = 1_000_000  # LayerSpec's own limit: no smaller cap in the GUI
LARGE_MODEL = 50_000_000  # parameters above which the panel warns about memory and speed

ACTIVATION_TIPS = {
    "relu": "ReLU, max(0, x): fast and the usual default for hidden layers.",
    "leaky_relu": "Leaky ReLU: like ReLU but lets a little signal through below zero, "
    "so neurons cannot get stuck at zero.",
    "elu": "ELU: smooth below zero, which keeps average activations near zero.",
    "gelu": "GELU: a smooth ReLU used by transformers.",
    "tanh": "tanh: squashes to −1…1; centred at zero, but saturates for large inputs.",
    "sigmoid": "Sigmoid: squashes to 0…1; saturates easily, so deep stacks learn slowly.",
    "identity": "Identity (none): the layer stays linear; stacked linear layers are "
    "still just one linear map.",
}
OUTPUT_TIPS = {
    "sigmoid": "one output squashed to a probability between 0 and 1",
    "softmax": "one output per class, turned into probabilities that add up to 1",
    "linear": "one output, the predicted number itself",
}


class ArchitecturePanel(QWidget):
    """Edits a ModelSpec; input and output sizes come from the data via set_io()."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("architecturePanel")
        self._layers: list[LayerSpec] = list(ModelSpec().hidden)
        self._n_inputs, self._n_outputs, self._task = 2, 1, "binary"
        self._filling = False
        self._build()
        self._refresh(select=0)

    # --- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.input_label = QLabel()
        self.input_label.setObjectName("inputLayerLabel")
        self.input_label.setAccessibleName("Input layer")
        self.input_label.setWordWrap(True)
        self.input_label.setToolTip(
            "One input per feature of the data: fixed by the dataset, not editable here."
        )
        self.output_label = QLabel()
        self.output_label.setObjectName("outputLayerLabel")
        self.output_label.setAccessibleName("Output layer")
        self.output_label.setWordWrap(True)
        self.output_label.setToolTip(
            "Fixed by the task: one sigmoid output for two classes, one softmax output per "
            "class for several, one linear output for regression."
        )

        self.table = describe(
            QTableWidget(0, 4),
            "layerTable",
            "Hidden layers",
            "The hidden layers between input and output, in order. Select one to edit it "
            "below. Hidden layers let the network build features of features.",
        )
        self.table.setHorizontalHeaderLabels(["Units", "Activation", "Dropout", "BN"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The arrow keys choose a layer; Tab leaves the table for the buttons and editors
        # (it used to walk the cells forever, so nothing after it was reachable).
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(110)
        self.table.itemSelectionChanged.connect(self._on_selection)

        def button(text: str, name: str, acc: str, tip: str) -> QPushButton:
            b = describe(QPushButton(text), name, acc, tip)
            b.setAutoDefault(False)
            b.setMinimumWidth(44)  # four buttons must fit a 300 px dock
            return b

        self.add_button = button(
            "Add",
            "addLayerButton",
            "Add hidden layer",
            "Insert a hidden layer after the selected one (a copy of it). More layers "
            "can model more complex patterns but train more slowly and may overfit.",
        )
        self.remove_button = button(
            "Remove",
            "removeLayerButton",
            "Remove hidden layer",
            "Delete the selected hidden layer. With none left the network is a linear "
            "model (logistic or linear regression).",
        )
        self.up_button = button(
            "Up", "moveLayerUpButton", "Move layer up", "Move the selected layer towards the input."
        )
        self.down_button = button(
            "Down",
            "moveLayerDownButton",
            "Move layer down",
            "Move the selected layer towards the output.",
        )
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.up_button.clicked.connect(self._move_up)
        self.down_button.clicked.connect(self._move_down)

        self.units = describe(
            make_spin(1, MAX_UNITS, 1),
            "unitsSpin",
            "Layer width",
            "Neurons in this layer. Wider layers can represent more, at the cost of more "
            "weights to learn (see the parameter count) and a higher risk of overfitting.",
        )
        self.activation = describe(
            QComboBox(),
            "activationCombo",
            "Activation",
            "The non-linear function applied to each neuron's output. Without it any stack "
            "of layers collapses into a single linear map and could only draw straight "
            "boundaries.",
        )
        for i, name in enumerate(ACTIVATIONS):
            self.activation.addItem(name, name)
            self.activation.setItemData(i, ACTIVATION_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.dropout = describe(
            make_double_spin(0, 0.95, 0.05, 2),
            "dropoutSpin",
            "Dropout",
            "During training, switch off this share of the layer's neurons at random each "
            "step, so the network cannot rely on any one of them: a guard against "
            "overfitting. 0 turns it off.",
        )
        self.batch_norm = describe(
            QCheckBox("Batch normalisation"),
            "batchNormCheck",
            "Batch normalisation",
            "Re-centre and re-scale this layer's outputs over each batch before the "
            "activation. Often lets deeper networks train faster with larger learning rates.",
        )
        self.units.valueChanged.connect(self._on_editor)
        self.activation.currentIndexChanged.connect(self._on_editor)
        self.dropout.valueChanged.connect(self._on_editor)
        self.batch_norm.toggled.connect(self._on_editor)

        self.param_label = QLabel()
        self.param_label.setObjectName("paramCountLabel")
        self.param_label.setAccessibleName("Parameter count")
        self.param_label.setToolTip(
            "Weights and biases the optimizer adjusts. Far more parameters than training "
            "samples makes memorising (overfitting) easy."
        )
        self.note = QLabel()
        self.note.setObjectName("architectureNoteLabel")
        self.note.setAccessibleName("Architecture note")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.view = NetworkView()

        io_box = QGroupBox("Input and output")
        io_form = QVBoxLayout(io_box)
        io_form.addWidget(self.input_label)
        io_form.addWidget(self.output_label)
        self.layers_box = QGroupBox("Hidden layers")
        layers_col = QVBoxLayout(self.layers_box)
        layers_col.addWidget(self.table)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        layers_col.addLayout(buttons)
        self.editor_box = QGroupBox("Selected layer")
        form = QFormLayout(self.editor_box)
        form.addRow("Width", self.units)
        form.addRow("Activation", self.activation)
        form.addRow("Dropout", self.dropout)
        form.addRow(self.batch_norm)
        drawing_box = QGroupBox("Network")
        drawing_col = QVBoxLayout(drawing_box)
        drawing_col.addWidget(self.param_label)
        drawing_col.addWidget(self.note)
        drawing_col.addWidget(self.view, 1)

        scrolling_column(
            self, (io_box, self.layers_box, self.editor_box, drawing_box), stretch_last=True
        )

    # --- public API --------------------------------------------------------------------
    def spec(self) -> ModelSpec:
        return ModelSpec(hidden=[layer.model_copy() for layer in self._layers])

    def set_spec(self, spec: ModelSpec) -> None:
        self._layers = [layer.model_copy() for layer in spec.hidden]
        self._refresh(select=0 if self._layers else -1)

    def set_io(self, n_inputs: int, n_outputs: int, task: str) -> None:
        self._n_inputs, self._n_outputs, self._task = n_inputs, n_outputs, task
        self._update_summary()

    def set_locked(self, locked: bool) -> None:
        self.layers_box.setEnabled(not locked)
        self.editor_box.setEnabled(not locked and self._row() >= 0)

    def is_valid(self) -> bool:
        return True  # every value the controls allow is a valid ModelSpec

    def parameter_count(self) -> int:
        return count_parameters(self.spec(), self._n_inputs, self._n_outputs)

    # --- view updates --------------------------------------------------------------------
    def _row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _refresh(self, select: int) -> None:
        """Rebuild the table from self._layers, select a row, update everything else."""
        self._filling = True
        try:
            self.table.setRowCount(len(self._layers))
            for r, layer in enumerate(self._layers):
                self._set_row(r, layer)
            if 0 <= select < len(self._layers):
                self.table.selectRow(select)
            else:
                self.table.clearSelection()
        finally:
            self._filling = False
        self._on_selection()
        self._update_summary()

    def _set_row(self, r: int, layer: LayerSpec) -> None:
        cells = (
            f"{layer.units:,}",
            layer.activation,
            f"{layer.dropout:g}" if layer.dropout else "–",
            "✓" if layer.batch_norm else "–",
        )
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(r, c, item)
        self.table.setVerticalHeaderItem(r, QTableWidgetItem(str(r + 1)))

    @Slot()
    def _on_selection(self) -> None:
        if self._filling:
            return
        row = self._row()
        n = len(self._layers)
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < n - 1)
        self.editor_box.setEnabled(row >= 0 and self.layers_box.isEnabled())
        self.editor_box.setTitle(f"Hidden layer {row + 1}" if row >= 0 else "Selected layer")
        if row < 0:
            return
        layer = self._layers[row]
        self._filling = True
        try:
            self.units.setValue(min(layer.units, MAX_UNITS))
            self.activation.setCurrentIndex(self.activation.findData(layer.activation))
            self.dropout.setValue(layer.dropout)
            self.batch_norm.setChecked(layer.batch_norm)
        finally:
            self._filling = False

    def _update_summary(self) -> None:
        out = output_activation(self._task)
        self.input_label.setText(f"Input layer: <b>{self._n_inputs:,}</b> features")
        unit = "unit" if self._n_outputs == 1 else "units"
        self.output_label.setText(
            f"Output layer: <b>{self._n_outputs:,}</b> {unit}, {out} ({OUTPUT_TIPS[out]})"
        )
        count = self.parameter_count()
        self.param_label.setText(f"Trainable parameters: <b>{count:,}</b>")
        notes = []
        if not self._layers:
            notes.append(
                "No hidden layers: this is a linear model, which can only draw straight "
                "boundaries (it cannot solve moons, circles or XOR)."
            )
        elif all(layer.activation == "identity" for layer in self._layers):
            notes.append(
                "Every hidden layer is linear (identity): together they are still one linear "
                "map. Choose a non-linear activation such as relu."
            )
        if count > LARGE_MODEL:
            notes.append(f"{count:,} parameters: training will be slow and may run out of memory.")
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))
        drawn = [DrawnLayer("Input", self._n_inputs, "", "input")]
        drawn += [
            DrawnLayer(f"Hidden {i}", layer.units, layer.activation)
            for i, layer in enumerate(self._layers, 1)
        ]
        drawn.append(DrawnLayer("Output", self._n_outputs, out, "output"))
        self.view.set_layers(drawn)

    # --- edits ---------------------------------------------------------------------------
    def _edited(self, select: int) -> None:
        self._refresh(select)
        self.changed.emit()

    @Slot()
    def _on_editor(self) -> None:
        row = self._row()
        if self._filling or row < 0:
            return
        layer = LayerSpec(
            units=self.units.value(),
            activation=self.activation.currentData(),
            dropout=round(self.dropout.value(), 4),
            batch_norm=self.batch_norm.isChecked(),
        )
        if layer == self._layers[row]:
            return
        self._layers[row] = layer
        self._filling = True
        try:
            self._set_row(row, layer)
        finally:
            self._filling = False
        self._update_summary()
        self.changed.emit()

    @Slot()
    def _add(self) -> None:
        row = self._row()
        template = self._layers[row] if row >= 0 else LayerSpec(units=10)
        at = row + 1 if row >= 0 else len(self._layers)
        self._layers.insert(at, template.model_copy())
        self._edited(at)

    @Slot()
    def _remove(self) -> None:
        row = self._row()
        if row < 0:
            return
        del self._layers[row]
        self._edited(min(row, len(self._layers) - 1))

    @Slot()
    def _move_up(self) -> None:
        row = self._row()
        if row <= 0:
            return
        self._layers[row - 1], self._layers[row] = self._layers[row], self._layers[row - 1]
        self._edited(row - 1)

    @Slot()
    def _move_down(self) -> None:
        row = self._row()
        if row < 0 or row >= len(self._layers) - 1:
            return
        self._layers[row + 1], self._layers[row] = self._layers[row], self._layers[row + 1]
        self._edited(row + 1)
