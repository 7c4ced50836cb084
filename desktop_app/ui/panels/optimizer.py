"""The Optimizer and training panel: how the network learns.

Contract with the main window: `changed`, `validityChanged(bool)`, `spec()`,
`set_spec()`, `set_task(task)`, `set_devices(devices)`, `set_data_sizes(n_train,
n_val)` (optional: lets the panel flag a batch larger than the training split, or early
stopping without a validation split), `set_locked()`, `is_valid()`.
`set_task` emits `changed` when it has to switch a loss that no longer fits to "auto".

objectNames (for tests and automation):
    optimizerCombo, lrEdit (holding lrSpin and lrSlider), momentumSpin, nesterovCheck,
    beta1Spin, beta2Spin, weightDecaySpin, l1Spin,
    lossCombo, labelSmoothingSpin, huberDeltaSpin,
    scheduleCombo, stepSizeSpin, milestonesEdit, gammaSpin, minLrSpin, plateauPatienceSpin,
    batchSizeSpin, epochsSpin, seedSpin, deviceCombo, gradClipCheck, gradClipSpin,
    earlyStoppingCheck, monitorCombo, patienceSpin, minDeltaSpin, restoreBestCheck,
    trainLossGoalSpin, valLossGoalSpin, metricGoalSpin, timeBudgetSpin, minGradNormSpin
    (the other stopping criteria; 0 shows "off"), optimizerErrorLabel.
Controls that do not apply to the current choice (Adam's betas under SGD, a schedule's
parameters under another schedule) are hidden with their labels.
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QWidget,
)

from desktop_app.core.specs.messages import training_problems, validation_message
from desktop_app.core.specs.train import DEFAULT_LOSS, LOSSES_FOR_TASK, TrainSpec
from desktop_app.ui.panels.optimizer_help import (
    DEVICE_AUTO_TIP,
    GOALS,
    LOSS_NAMES,
    OPTIMIZER_FIELDS,
    OPTIMIZER_NAMES,
    SCHEDULE_FIELDS,
    SCHEDULE_NAMES,
    TIPS,
)
from desktop_app.ui.spin_boxes import (
    LearningRateEdit,
    ScientificSpinBox,
    make_double_spin,
    make_spin,
)
from desktop_app.ui.widgets import describe, error_label, mark_invalid, scrolling_column, show_error


def parse_milestones(text: str) -> list[int]:
    """'30, 60' -> [30, 60]; raises ValueError with a message for the user."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ValueError(
            f"milestones {text!r}: write whole epoch numbers separated by commas, e.g. 30, 60"
        ) from None


class OptimizerPanel(QWidget):
    """Edits a TrainSpec; keeps the last valid one while a control holds a bad value."""

    changed = Signal()
    validityChanged = Signal(bool)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optimizerPanel")
        self._spec = TrainSpec()
        self._values: dict = self._spec.model_dump()
        self._task = "binary"
        self._devices: list | None = None  # None until set_devices() is called
        self._sizes: tuple[int, int] | None = None
        self._valid = True
        self._filling = False
        self._fields: dict[str, QWidget] = {}
        self._forms: dict[str, QFormLayout] = {}
        self._build()
        self._fill()

    # --- construction ------------------------------------------------------------------
    def _add(self, form: QFormLayout, label: str, key: str, widget: QWidget, name: str) -> None:
        describe(widget, name, label or key, TIPS[key])
        self._fields[key] = widget
        self._forms[key] = form
        if isinstance(widget, QCheckBox):
            form.addRow(widget)
            widget.toggled.connect(self._on_edit)
        else:
            form.addRow(label, widget)
            if isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._on_edit)
            elif isinstance(widget, QLineEdit):
                widget.editingFinished.connect(self._on_edit)
            elif isinstance(widget, LearningRateEdit):
                widget.valueChanged.connect(self._on_edit)
            else:
                widget.valueChanged.connect(self._on_edit)

    def _build(self) -> None:
        opt_box = QGroupBox("Optimizer")
        f = QFormLayout(opt_box)
        combo = QComboBox()
        for i, (key, (title, tip)) in enumerate(OPTIMIZER_NAMES.items()):
            combo.addItem(title, key)
            combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self._add(f, "Optimizer", "optimizer", combo, "optimizerCombo")
        self.lr = LearningRateEdit(1e-6, 10.0)
        self._add(f, "Learning rate", "lr", self.lr, "lrEdit")
        describe(self.lr.spin, "lrSpin", "Learning rate", TIPS["lr"])
        describe(self.lr.slider, "lrSlider", "Learning rate (log scale)", TIPS["lr"])
        self._add(f, "Momentum", "momentum", make_double_spin(0, 0.999, 0.05, 3), "momentumSpin")
        self._add(f, "", "nesterov", QCheckBox("Nesterov momentum"), "nesterovCheck")
        self._add(f, "Beta 1", "beta1", make_double_spin(0, 0.9999, 0.01, 4), "beta1Spin")
        self._add(f, "Beta 2", "beta2", make_double_spin(0, 0.9999, 0.001, 4), "beta2Spin")
        self._add(f, "Weight decay", "weight_decay", ScientificSpinBox(0, 10), "weightDecaySpin")
        self._add(f, "L1 penalty", "l1", ScientificSpinBox(0, 10), "l1Spin")

        loss_box = QGroupBox("Loss")
        f = QFormLayout(loss_box)
        self._add(f, "Loss", "loss", QComboBox(), "lossCombo")
        self._add(
            f,
            "Label smoothing",
            "label_smoothing",
            make_double_spin(0, 0.5, 0.05, 3),
            "labelSmoothingSpin",
        )
        self._add(
            f, "Huber delta", "huber_delta", make_double_spin(0.001, 1e6, 0.1, 3), "huberDeltaSpin"
        )

        sched_box = QGroupBox("Learning-rate schedule")
        f = QFormLayout(sched_box)
        combo = QComboBox()
        for i, (key, (title, tip)) in enumerate(SCHEDULE_NAMES.items()):
            combo.addItem(title, key)
            combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self._add(f, "Schedule", "schedule", combo, "scheduleCombo")
        self._add(
            f, "Step size", "step_size", make_spin(1, 1_000_000, 1, " epochs"), "stepSizeSpin"
        )
        milestones = QLineEdit()
        milestones.setPlaceholderText("e.g. 30, 60")
        self._add(f, "Milestones", "milestones", milestones, "milestonesEdit")
        self._add(f, "Gamma", "gamma", make_double_spin(0.001, 1, 0.05, 3), "gammaSpin")
        self._add(f, "Minimum LR", "min_lr", ScientificSpinBox(0, 10), "minLrSpin")
        self._add(
            f,
            "Patience",
            "plateau_patience",
            make_spin(0, 1_000_000, 1, " epochs"),
            "plateauPatienceSpin",
        )

        run_box = QGroupBox("Training")
        f = QFormLayout(run_box)
        self._add(f, "Batch size", "batch_size", make_spin(1, 10_000_000, 16), "batchSizeSpin")
        self._add(f, "Max epochs", "epochs", make_spin(1, 1_000_000, 10), "epochsSpin")
        self._add(f, "Seed", "seed", make_spin(0, 2**31 - 1), "seedSpin")
        self._add(f, "Device", "device", QComboBox(), "deviceCombo")
        self._add(f, "", "grad_clip_on", QCheckBox("Clip gradients"), "gradClipCheck")
        self._add(f, "Max norm", "grad_clip", make_double_spin(0.001, 1e6, 0.5, 3), "gradClipSpin")

        stop_box = QGroupBox("Early stopping")
        f = QFormLayout(stop_box)
        self._add(f, "", "early_stopping", QCheckBox("Stop early"), "earlyStoppingCheck")
        monitor = QComboBox()
        monitor.addItem("Validation loss", "val_loss")
        monitor.addItem("Validation metric (accuracy or R²)", "val_metric")
        self._add(f, "Monitor", "monitor", monitor, "monitorCombo")
        self._add(f, "Patience", "patience", make_spin(0, 1_000_000, 1, " epochs"), "patienceSpin")
        self._add(f, "Min delta", "min_delta", ScientificSpinBox(0, 1e6), "minDeltaSpin")
        self._add(f, "", "restore_best", QCheckBox("Restore best weights"), "restoreBestCheck")

        goals_box = QGroupBox("Other stopping criteria (0: off)")
        f = QFormLayout(goals_box)
        for label, key, widget, name in (
            ("Train loss goal", "train_loss_goal", ScientificSpinBox(0, 1e6), "trainLossGoalSpin"),
            ("Val. loss goal", "val_loss_goal", ScientificSpinBox(0, 1e6), "valLossGoalSpin"),
            ("Metric target", "val_metric_goal", make_double_spin(0, 1, 0.01, 3), "metricGoalSpin"),
            ("Time budget", "max_seconds", make_double_spin(0, 1e7, 10, 1, " s"), "timeBudgetSpin"),
            ("Min gradient", "min_grad_norm", ScientificSpinBox(0, 1e6), "minGradNormSpin"),
        ):
            widget.setSpecialValueText("off")
            self._add(f, label, key, widget, name)

        self.errors = error_label("optimizerErrorLabel")
        self._editors = (opt_box, loss_box, sched_box, run_box, stop_box, goals_box)
        scrolling_column(self, (*self._editors, self.errors))
        self._fill_devices()

    def widget(self, key: str) -> QWidget:
        """The control editing TrainSpec field `key` (tests and the main window)."""
        return self._fields[key]

    # --- public API --------------------------------------------------------------------
    def spec(self) -> TrainSpec:
        return self._spec

    def set_spec(self, spec: TrainSpec) -> None:
        self._spec = spec
        self._values = spec.model_dump()
        self._fill()
        self._validate(None, emit=False)

    def set_task(self, task: str) -> None:
        self._task = task
        switched = False
        loss = self._values["loss"]
        if loss != "auto" and loss not in LOSSES_FOR_TASK[task]:
            self._values["loss"] = "auto"
            switched = True
        self._fill()
        self._validate(self._fields["loss"], emit=switched)

    def set_devices(self, devices: list) -> None:
        """devices: DeviceInfo-like objects with .id and .name (core.devices)."""
        self._devices = [(str(d.id), str(d.name)) for d in devices]
        self._fill()
        self._validate(None, emit=False)

    def set_data_sizes(self, n_train: int, n_val: int) -> None:
        self._sizes = (n_train, n_val)
        self._validate(None, emit=False)

    def set_locked(self, locked: bool) -> None:
        for box in self._editors:
            box.setEnabled(not locked)

    def is_valid(self) -> bool:
        return self._valid

    # --- filling -------------------------------------------------------------------------
    def _fill_devices(self) -> None:
        combo: QComboBox = self._fields["device"]
        combo.clear()
        combo.addItem("auto (best available)", "auto")
        combo.setItemData(0, DEVICE_AUTO_TIP, Qt.ItemDataRole.ToolTipRole)
        for dev_id, name in self._devices or [("cpu", "CPU")]:
            combo.addItem(name, dev_id)
        current = self._values["device"]
        if combo.findData(current) < 0:
            suffix = " (not found on this machine)" if self._devices is not None else ""
            combo.addItem(current + suffix, current)
        combo.setCurrentIndex(combo.findData(current))

    def _fill_losses(self) -> None:
        combo: QComboBox = self._fields["loss"]
        combo.clear()
        auto = LOSS_NAMES[DEFAULT_LOSS[self._task]][0]
        combo.addItem(f"auto ({auto})", "auto")
        for key in LOSSES_FOR_TASK[self._task]:
            combo.addItem(LOSS_NAMES[key][0], key)
            combo.setItemData(combo.count() - 1, LOSS_NAMES[key][1], Qt.ItemDataRole.ToolTipRole)
        current = self._values["loss"]
        if combo.findData(current) < 0:
            combo.addItem(f"{LOSS_NAMES[current][0]} (does not fit this task)", current)
        combo.setCurrentIndex(combo.findData(current))

    def _fill(self) -> None:
        self._filling = True
        try:
            v, w = self._values, self._fields
            self._fill_losses()
            self._fill_devices()
            for key in ("optimizer", "schedule", "monitor"):
                w[key].setCurrentIndex(w[key].findData(v[key]))
            self.lr.setValue(v["lr"])
            for key in (
                "momentum", "beta1", "beta2", "weight_decay", "l1", "label_smoothing",
                "huber_delta", "step_size", "gamma", "min_lr", "plateau_patience",
                "batch_size", "epochs", "seed", "patience", "min_delta",
            ):  # fmt: skip
                w[key].setValue(v[key])
            for key in ("nesterov", "early_stopping", "restore_best"):
                w[key].setChecked(bool(v[key]))
            w["milestones"].setText(", ".join(str(m) for m in v["milestones"]))
            w["grad_clip_on"].setChecked(v["grad_clip"] is not None)
            w["grad_clip"].setValue(v["grad_clip"] if v["grad_clip"] is not None else 1.0)
            for key in GOALS:
                w[key].setValue(v[key] or 0.0)
        finally:
            self._filling = False
        self._update_visibility()

    def _update_visibility(self) -> None:
        v = self._values
        shown = OPTIMIZER_FIELDS[v["optimizer"]] | SCHEDULE_FIELDS[v["schedule"]]
        for key in ("momentum", "nesterov", "beta1", "beta2"):
            self._forms[key].setRowVisible(self._fields[key], key in shown)
        for key in ("step_size", "milestones", "gamma", "min_lr", "plateau_patience"):
            self._forms[key].setRowVisible(self._fields[key], key in shown)
        gamma_label = self._forms["gamma"].labelForField(self._fields["gamma"])
        if gamma_label is not None:
            gamma_label.setText("Factor" if v["schedule"] == "plateau" else "Gamma")
        resolved = DEFAULT_LOSS[self._task] if v["loss"] == "auto" else v["loss"]
        self._forms["loss"].setRowVisible(
            self._fields["label_smoothing"], resolved == "cross_entropy"
        )
        self._forms["loss"].setRowVisible(self._fields["huber_delta"], resolved == "huber")
        self._fields["grad_clip"].setEnabled(v["grad_clip"] is not None)
        for key in ("monitor", "patience", "min_delta", "restore_best"):
            self._fields[key].setEnabled(bool(v["early_stopping"]))

    # --- edits ---------------------------------------------------------------------------
    @Slot()
    def _on_edit(self) -> None:
        if self._filling:
            return
        sender = self.sender()
        key = next((k for k, w in self._fields.items() if w is sender), None)
        if key is None:
            return
        widget = self._fields[key]
        v = self._values
        if key in ("optimizer", "schedule", "monitor", "loss", "device"):
            v[key] = widget.currentData()
        elif key in ("nesterov", "early_stopping", "restore_best"):
            v[key] = widget.isChecked()
        elif key == "grad_clip_on":
            v["grad_clip"] = self._fields["grad_clip"].value() if widget.isChecked() else None
        elif key == "grad_clip":
            v["grad_clip"] = widget.value()
        elif key == "milestones":
            try:
                v["milestones"] = parse_milestones(widget.text())
            except ValueError as exc:
                self._set_valid(False, str(exc), [widget])
                return
        elif key in ("step_size", "plateau_patience", "batch_size", "epochs", "seed", "patience"):
            v[key] = int(widget.value())
        elif key in GOALS:
            v[key] = float(widget.value()) or None  # 0: the criterion is off
        else:
            v[key] = float(widget.value())
        self._update_visibility()
        self._validate(widget, emit=True)

    def _validate(self, edited: QWidget | None, emit: bool) -> None:
        try:
            spec = TrainSpec.model_validate(self._values)
        except ValidationError as exc:
            self._set_valid(False, validation_message(exc), self._culprits(exc, edited))
            return
        problems = self._cross_checks(spec)
        if problems:
            message = "; ".join(msg for msg, _ in problems)
            self._set_valid(False, message, [w for _, ws in problems for w in ws])
        else:
            self._set_valid(True, None, [])
        if spec != self._spec:
            self._spec = spec
            if emit:
                self.changed.emit()

    def _cross_checks(self, spec: TrainSpec) -> list[tuple[str, list[QWidget]]]:
        """Problems that need the task, the data sizes or the device list to see."""
        devices = None if self._devices is None else [d for d, _ in self._devices]
        problems = training_problems(spec, self._task, self._sizes, devices)
        return [(message, [self._fields[key]]) for message, key in problems]

    def _culprits(self, exc: ValidationError, edited: QWidget | None) -> list[QWidget]:
        found = []
        for err in exc.errors():
            loc = err["loc"][0] if err["loc"] else None
            if loc in self._fields:
                found.append(self._fields[loc])
            msg = str(err["msg"])
            if "Nesterov" in msg:
                found += [self._fields["nesterov"], self._fields["momentum"]]
            if "milestones" in msg:
                found.append(self._fields["milestones"])
        if edited is not None and edited not in found:
            found.append(edited)
        return found

    def _set_valid(self, valid: bool, message: str | None, culprits: list[QWidget]) -> None:
        for widget in self._fields.values():
            target = widget.spin if isinstance(widget, LearningRateEdit) else widget
            mark_invalid(target, message if widget in culprits else None)
        show_error(self.errors, message)
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
