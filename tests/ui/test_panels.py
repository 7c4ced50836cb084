"""The three editing panels, driven as a user drives them: by objectName, clicks and keys."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_helpers import find, type_into
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QTextDocument  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QTableWidget,
    QWidget,
)

from desktop_app.core.specs.data import DataSpec  # noqa: E402
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.train import TrainSpec
from desktop_app.ui.panels import architecture, dataset, optimizer  # noqa: E402
from desktop_app.ui.panels.architecture import ArchitecturePanel  # noqa: E402
from desktop_app.ui.panels.dataset import DatasetPanel  # noqa: E402
from desktop_app.ui.panels.optimizer import OptimizerPanel  # noqa: E402
from desktop_app.ui.panels.preview import PreviewResult  # noqa: E402


@pytest.fixture
def data_panel(qtbot):
    panel = DatasetPanel()
    qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
    panel.resize(360, 900)
    panel.show()
    yield panel
    panel.shutdown()


@pytest.fixture
def arch_panel(qtbot):
    panel = ArchitecturePanel()
    qtbot.addWidget(panel)
    panel.resize(360, 800)
    panel.set_io(2, 1, "binary")
    panel.show()
    return panel


@pytest.fixture
def opt_panel(qtbot):
    panel = OptimizerPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 1200)
    panel.show()
    return panel


def choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} does not offer {data!r}"
    combo.setCurrentIndex(index)


def plain(label: QLabel) -> str:
    """A rich-text label's text as a reader sees it."""
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText().replace("\xa0", " ")


def wait_preview(qtbot, panel: DatasetPanel) -> None:
    qtbot.waitUntil(lambda: not panel.preview.is_busy(), timeout=30_000)


# --- dataset ---------------------------------------------------------------------------


def test_choosing_moons_updates_spec_controls_and_preview(qtbot, data_panel):
    combo = find(data_panel, QComboBox, "datasetCombo")
    assert combo.currentData() == "classification"
    emitted = []
    data_panel.changed.connect(lambda: emitted.append(1))
    with qtbot.waitSignal(data_panel.changed, timeout=1000):
        qtbot.keyClick(combo, Qt.Key.Key_Down)  # the next catalog entry: Two moons
    assert data_panel.spec().dataset == "moons"
    assert len(emitted) == 1
    assert not find(data_panel, QAbstractSpinBox, "featuresSpin").isEnabled()
    assert find(data_panel, QAbstractSpinBox, "featuresSpin").value() == 2
    assert not find(data_panel, QAbstractSpinBox, "classesSpin").isEnabled()
    assert find(data_panel, QAbstractSpinBox, "noiseSpin").isEnabled()
    assert find(data_panel, QAbstractSpinBox, "noiseSpin").value() == pytest.approx(0.2)
    assert find(data_panel, QAbstractSpinBox, "samplesSpin").isEnabled()
    assert "interleaving" in find(data_panel, QLabel, "datasetDescriptionLabel").text()

    summary = find(data_panel, QLabel, "previewSummaryLabel")
    qtbot.waitUntil(
        lambda: "1,000</b> rows" in summary.text() and "2</b> features" in summary.text(),
        timeout=30_000,
    )
    wait_preview(qtbot, data_panel)
    balance = plain(find(data_panel, QLabel, "previewBalanceLabel"))
    assert "class 0: 500 = 50.0 %" in balance and "class 1: 500 = 50.0 %" in balance
    plot = find(data_panel, QWidget, "previewPlot")
    assert plot.isVisible()
    xs, _ = data_panel.preview.scatter.getData()
    assert len(xs) == 1000


def test_typing_samples_updates_split_counts(qtbot, data_panel):
    choose(find(data_panel, QComboBox, "datasetCombo"), "moons")
    with qtbot.waitSignal(data_panel.changed, timeout=1000):
        type_into(qtbot, find(data_panel, QAbstractSpinBox, "samplesSpin"), "500")
    assert data_panel.spec().n_samples == 500
    counts = find(data_panel, QLabel, "splitCountsLabel").text()
    assert counts == "Train 350 · validation 50 · test 100 (of 500)"
    with qtbot.waitSignal(data_panel.changed, timeout=1000):
        type_into(qtbot, find(data_panel, QAbstractSpinBox, "valSpin"), "20")
    assert data_panel.spec().val_fraction == pytest.approx(0.2)
    assert find(data_panel, QLabel, "splitCountsLabel").text().startswith("Train 300 ")


def test_invalid_split_is_marked_at_the_controls_and_spec_kept(qtbot, data_panel):
    val = find(data_panel, QAbstractSpinBox, "valSpin")
    test = find(data_panel, QAbstractSpinBox, "testSpin")
    type_into(qtbot, val, "60")
    assert data_panel.is_valid() and data_panel.spec().val_fraction == pytest.approx(0.6)
    with qtbot.waitSignal(data_panel.validityChanged, timeout=1000) as blocker:
        type_into(qtbot, test, "50")
    assert blocker.args == [False]
    assert not data_panel.is_valid()
    error = find(data_panel, QLabel, "datasetErrorLabel")
    assert error.isVisible() and "leaves no training data" in error.text()
    assert val.property("invalid") and test.property("invalid")
    assert "leaves no training data" in test.toolTip()
    assert data_panel.spec().test_fraction == pytest.approx(0.2)  # last valid spec kept
    with qtbot.waitSignal(data_panel.changed, timeout=1000):
        type_into(qtbot, test, "10")
    assert data_panel.is_valid() and not error.isVisible()
    assert not val.property("invalid") and not test.property("invalid")
    assert data_panel.spec().test_fraction == pytest.approx(0.1)


def test_impossible_classification_names_the_fix(qtbot, data_panel):
    classes = find(data_panel, QAbstractSpinBox, "classesSpin")
    assert classes.isEnabled() and find(data_panel, QAbstractSpinBox, "featuresSpin").isEnabled()
    type_into(qtbot, classes, "5")
    assert not data_panel.is_valid()
    assert "set n_informative to at least 4" in find(data_panel, QLabel, "datasetErrorLabel").text()
    assert find(data_panel, QAbstractSpinBox, "informativeSpin").property("invalid")
    with qtbot.waitSignal(data_panel.changed, timeout=1000):
        type_into(qtbot, find(data_panel, QAbstractSpinBox, "informativeSpin"), "4")
    assert data_panel.is_valid()
    assert (data_panel.spec().n_classes, data_panel.spec().n_informative) == (5, 4)
    assert data_panel.spec().task == "multiclass"


def test_real_dataset_fixes_its_size_and_regression_plots_targets(qtbot, data_panel):
    combo = find(data_panel, QComboBox, "datasetCombo")
    choose(combo, "iris")
    samples = find(data_panel, QAbstractSpinBox, "samplesSpin")
    assert not samples.isEnabled() and samples.value() == 150
    assert not find(data_panel, QAbstractSpinBox, "noiseSpin").isEnabled()
    assert find(data_panel, QAbstractSpinBox, "dataSeedSpin").isEnabled()
    assert find(data_panel, QLabel, "splitCountsLabel").text().endswith("(of 150)")
    wait_preview(qtbot, data_panel)
    assert "setosa: 50 = 33.3 %" in plain(find(data_panel, QLabel, "previewBalanceLabel"))
    plot = data_panel.findChild(QWidget, "previewPlot")  # made for the first scatter
    assert plot is None or not plot.isVisible()  # 4 features: no scatter
    choose(combo, "sine")
    wait_preview(qtbot, data_panel)
    assert "Target range" in find(data_panel, QLabel, "previewBalanceLabel").text()
    assert find(data_panel, QWidget, "previewPlot").isVisible()


def test_defaults_follow_edits_and_io_for_other_panels(qtbot, data_panel):
    choose(find(data_panel, QComboBox, "datasetCombo"), "regression")
    informative = find(data_panel, QAbstractSpinBox, "informativeSpin")
    assert informative.value() == 10  # make_regression default: all features informative
    type_into(qtbot, find(data_panel, QAbstractSpinBox, "featuresSpin"), "5")
    assert informative.value() == 5 and data_panel.spec().n_informative is None
    assert data_panel.io() == (5, 1, "regression")
    assert data_panel.split_sizes() == (700, 100, 200)
    choose(find(data_panel, QComboBox, "datasetCombo"), "digits")
    assert data_panel.io() == (64, 10, "multiclass")


def test_set_spec_fills_widgets_silently(qtbot, data_panel):
    spec = DataSpec(dataset="blobs", n_samples=300, n_classes=4, noise=0.5, seed=7)
    with qtbot.assertNotEmitted(data_panel.changed):
        data_panel.set_spec(spec)
    assert data_panel.spec() == spec
    assert find(data_panel, QComboBox, "datasetCombo").currentData() == "blobs"
    assert find(data_panel, QAbstractSpinBox, "classesSpin").value() == 4
    assert find(data_panel, QAbstractSpinBox, "dataSeedSpin").value() == 7
    assert not find(data_panel, QAbstractSpinBox, "informativeSpin").isEnabled()


def test_stale_preview_results_are_dropped(qtbot, data_panel):
    wait_preview(qtbot, data_panel)
    preview = data_panel.preview
    current = preview.last_result
    stale = PreviewResult(rows=7, features=2, classes=2, task="binary", generated=7)
    preview._on_done(preview._generation - 1, stale)
    assert preview.last_result is current
    assert "7</b> rows" not in find(data_panel, QLabel, "previewSummaryLabel").text()


def test_dataset_lock_disables_editing_and_unlock_restores_it(qtbot, data_panel):
    choose(find(data_panel, QComboBox, "datasetCombo"), "moons")
    data_panel.set_locked(True)
    for name in ("datasetCombo", "samplesSpin", "noiseSpin", "valSpin", "standardizeCheck"):
        assert not find(data_panel, QWidget, name).isEnabled(), name
    data_panel.set_locked(False)
    assert find(data_panel, QWidget, "samplesSpin").isEnabled()
    assert not find(data_panel, QWidget, "featuresSpin").isEnabled()  # moons fixes it


# --- architecture -------------------------------------------------------------------------


def test_layers_add_edit_reorder_remove_with_live_parameter_count(qtbot, arch_panel):
    params = find(arch_panel, QLabel, "paramCountLabel")
    assert "41</b>" in params.text()  # 2→10→1: 30 + 11
    table = find(arch_panel, QTableWidget, "layerTable")
    with qtbot.waitSignal(arch_panel.changed, timeout=1000):
        qtbot.mouseClick(find(arch_panel, QPushButton, "addLayerButton"), Qt.MouseButton.LeftButton)
    assert table.rowCount() == 2 and table.currentRow() == 1
    with qtbot.waitSignal(arch_panel.changed, timeout=1000):
        type_into(qtbot, find(arch_panel, QAbstractSpinBox, "unitsSpin"), "32")
    choose(find(arch_panel, QComboBox, "activationCombo"), "tanh")
    spec = arch_panel.spec()
    assert [(h.units, h.activation) for h in spec.hidden] == [(10, "relu"), (32, "tanh")]
    assert "415</b>" in params.text()  # 2·10+10 + 10·32+32 + 32+1
    assert table.item(1, 0).text() == "32" and table.item(1, 1).text() == "tanh"

    qtbot.mouseClick(find(arch_panel, QPushButton, "moveLayerUpButton"), Qt.MouseButton.LeftButton)
    assert [h.units for h in arch_panel.spec().hidden] == [32, 10]
    assert "437</b>" in params.text()  # 2·32+32 + 32·10+10 + 10+1
    assert table.currentRow() == 0
    assert not find(arch_panel, QPushButton, "moveLayerUpButton").isEnabled()

    qtbot.mouseClick(
        find(arch_panel, QPushButton, "moveLayerDownButton"), Qt.MouseButton.LeftButton
    )
    assert [h.units for h in arch_panel.spec().hidden] == [10, 32]

    find(arch_panel, QCheckBox, "batchNormCheck").click()
    type_into(qtbot, find(arch_panel, QAbstractSpinBox, "dropoutSpin"), "0.25")
    last = arch_panel.spec().hidden[1]
    assert last.batch_norm and last.dropout == pytest.approx(0.25)
    assert "479</b>" in params.text()  # batch norm adds 2 × 32

    table.selectRow(0)
    qtbot.mouseClick(find(arch_panel, QPushButton, "removeLayerButton"), Qt.MouseButton.LeftButton)
    assert [h.units for h in arch_panel.spec().hidden] == [32]
    assert "193</b>" in params.text()  # 2·32+32+64 + 33
    qtbot.mouseClick(find(arch_panel, QPushButton, "removeLayerButton"), Qt.MouseButton.LeftButton)
    assert arch_panel.spec().hidden == []
    assert "3</b>" in params.text()
    note = find(arch_panel, QLabel, "architectureNoteLabel")
    assert note.isVisible() and "linear model" in note.text()
    assert not find(arch_panel, QPushButton, "removeLayerButton").isEnabled()


def test_wide_layers_have_no_small_cap(qtbot, arch_panel):
    type_into(qtbot, find(arch_panel, QAbstractSpinBox, "unitsSpin"), "100000")
    assert arch_panel.spec().hidden[0].units == 100_000
    view = find(arch_panel, QWidget, "networkView")
    assert [layer.units for layer in view.layers()] == [2, 100_000, 1]
    assert not view.grab().toImage().isNull()


def test_set_io_shows_fixed_input_output_and_drawing(qtbot, arch_panel):
    arch_panel.set_spec(ModelSpec(hidden=[LayerSpec(units=8), LayerSpec(units=40)]))
    arch_panel.set_io(64, 10, "multiclass")
    assert "64</b> features" in find(arch_panel, QLabel, "inputLayerLabel").text()
    out = find(arch_panel, QLabel, "outputLayerLabel").text()
    assert "10</b> units" in out and "softmax" in out
    assert arch_panel.parameter_count() == 64 * 8 + 8 + 8 * 40 + 40 + 40 * 10 + 10
    layers = find(arch_panel, QWidget, "networkView").layers()
    assert [(lay.kind, lay.units) for lay in layers] == [
        ("input", 64),
        ("hidden", 8),
        ("hidden", 40),
        ("output", 10),
    ]
    arch_panel.set_io(1, 1, "regression")
    assert "linear" in find(arch_panel, QLabel, "outputLayerLabel").text()


def test_parameter_count_matches_the_built_torch_model():
    from desktop_app.core import model as core_model
    from desktop_app.core.specs import model as spec_model

    specs = [
        ModelSpec(hidden=[]),
        ModelSpec(hidden=[LayerSpec(units=5, batch_norm=True), LayerSpec(units=3, dropout=0.5)]),
        ModelSpec(hidden=[LayerSpec(units=17, activation="tanh")]),
    ]
    for spec in specs:
        for n_in, n_out in ((2, 1), (13, 3)):
            built = core_model.build_model(spec, n_in, n_out)
            real = sum(p.numel() for p in built.parameters() if p.requires_grad)
            assert architecture.count_parameters(spec, n_in, n_out) == real
            assert spec_model.count_parameters(spec, n_in, n_out) == real
    for task in ("binary", "multiclass", "regression"):
        assert architecture.output_activation(task) == spec_model.output_activation(task)


def test_architecture_lock(qtbot, arch_panel):
    arch_panel.set_locked(True)
    for name in ("addLayerButton", "removeLayerButton", "unitsSpin", "activationCombo"):
        assert not find(arch_panel, QWidget, name).isEnabled(), name
    arch_panel.set_locked(False)
    assert find(arch_panel, QWidget, "addLayerButton").isEnabled()
    assert find(arch_panel, QWidget, "unitsSpin").isEnabled()


# --- optimizer ------------------------------------------------------------------------------


def test_optimizer_shows_only_its_own_parameters(qtbot, opt_panel):
    combo = find(opt_panel, QComboBox, "optimizerCombo")
    with qtbot.waitSignal(opt_panel.changed, timeout=1000):
        choose(combo, "sgd")
    assert opt_panel.spec().optimizer == "sgd"
    assert find(opt_panel, QWidget, "momentumSpin").isVisible()
    assert find(opt_panel, QWidget, "nesterovCheck").isVisible()
    assert not find(opt_panel, QWidget, "beta1Spin").isVisible()
    assert not find(opt_panel, QWidget, "beta2Spin").isVisible()
    choose(combo, "adamw")
    assert find(opt_panel, QWidget, "beta1Spin").isVisible()
    assert not find(opt_panel, QWidget, "momentumSpin").isVisible()
    choose(combo, "rmsprop")
    assert find(opt_panel, QWidget, "momentumSpin").isVisible()
    assert not find(opt_panel, QWidget, "nesterovCheck").isVisible()
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "momentumSpin"), "0.5")
    assert opt_panel.spec().momentum == pytest.approx(0.5)


def test_losses_follow_the_task(qtbot, opt_panel):
    loss = find(opt_panel, QComboBox, "lossCombo")
    opt_panel.set_task("multiclass")
    assert [loss.itemData(i) for i in range(loss.count())] == ["auto", "cross_entropy"]
    assert find(opt_panel, QWidget, "labelSmoothingSpin").isVisible()
    opt_panel.set_task("regression")
    assert [loss.itemData(i) for i in range(loss.count())] == ["auto", "mse", "mae", "huber"]
    assert not find(opt_panel, QWidget, "labelSmoothingSpin").isVisible()
    choose(loss, "huber")
    assert opt_panel.spec().loss == "huber"
    assert find(opt_panel, QWidget, "huberDeltaSpin").isVisible()
    with qtbot.waitSignal(opt_panel.changed, timeout=1000):
        opt_panel.set_task("binary")  # huber no longer fits: back to auto
    assert opt_panel.spec().loss == "auto" and loss.currentData() == "auto"
    assert opt_panel.is_valid()


def test_learning_rate_spin_and_log_slider(qtbot, opt_panel):
    spin = find(opt_panel, QAbstractSpinBox, "lrSpin")
    slider = find(opt_panel, QSlider, "lrSlider")
    with qtbot.waitSignal(opt_panel.changed, timeout=1000):
        type_into(qtbot, spin, "3e-4")
    assert opt_panel.spec().lr == pytest.approx(3e-4)
    assert spin.text() == "3e-4"
    assert slider.value() == round((-4 + 0.4771 + 6) * 100)
    slider.setValue(500)  # 10 ** (-6 + 5)
    assert opt_panel.spec().lr == pytest.approx(0.1)
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # 1-2-5 ladder
    assert opt_panel.spec().lr == pytest.approx(0.2)


def test_schedule_parameters_and_milestones(qtbot, opt_panel):
    schedule = find(opt_panel, QComboBox, "scheduleCombo")
    choose(schedule, "step")
    assert find(opt_panel, QWidget, "stepSizeSpin").isVisible()
    assert find(opt_panel, QWidget, "gammaSpin").isVisible()
    assert not find(opt_panel, QWidget, "milestonesEdit").isVisible()
    choose(schedule, "multistep")
    edit = find(opt_panel, QLineEdit, "milestonesEdit")
    assert edit.isVisible() and not find(opt_panel, QWidget, "stepSizeSpin").isVisible()
    edit.selectAll()
    qtbot.keyClicks(edit, "60, 30")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert not opt_panel.is_valid() and edit.property("invalid")
    assert "increasing order" in find(opt_panel, QLabel, "optimizerErrorLabel").text()
    edit.selectAll()
    qtbot.keyClicks(edit, "10, 2x")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "whole epoch numbers" in find(opt_panel, QLabel, "optimizerErrorLabel").text()
    edit.selectAll()
    qtbot.keyClicks(edit, "10, 20")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert opt_panel.is_valid() and opt_panel.spec().milestones == [10, 20]
    choose(schedule, "plateau")
    for name in ("plateauPatienceSpin", "gammaSpin", "minLrSpin"):
        assert find(opt_panel, QWidget, name).isVisible(), name
    choose(schedule, "onecycle")
    for name in ("plateauPatienceSpin", "gammaSpin", "minLrSpin", "stepSizeSpin"):
        assert not find(opt_panel, QWidget, name).isVisible(), name


def test_nesterov_without_momentum_is_flagged(qtbot, opt_panel):
    choose(find(opt_panel, QComboBox, "optimizerCombo"), "sgd")
    find(opt_panel, QCheckBox, "nesterovCheck").click()
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "momentumSpin"), "0")
    assert not opt_panel.is_valid()
    assert find(opt_panel, QWidget, "nesterovCheck").property("invalid")
    assert opt_panel.spec().momentum == pytest.approx(0.9)  # last valid kept
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "momentumSpin"), "0.8")
    assert opt_panel.is_valid() and opt_panel.spec().nesterov


def test_training_controls_devices_and_cross_checks(qtbot, opt_panel):
    class Dev:  # the shape of core.devices.DeviceInfo, without importing torch here
        def __init__(self, id_: str, name: str) -> None:
            self.id, self.name = id_, name

    device = find(opt_panel, QComboBox, "deviceCombo")
    assert [device.itemData(i) for i in range(device.count())] == ["auto", "cpu"]
    opt_panel.set_devices([Dev("cpu", "CPU (2 cores)"), Dev("cuda:0", "CUDA 0: H200")])
    assert [device.itemText(i) for i in range(1, 3)] == ["CPU (2 cores)", "CUDA 0: H200"]
    choose(device, "cuda:0")
    assert opt_panel.spec().device == "cuda:0"
    opt_panel.set_spec(TrainSpec(device="cuda:3"))
    assert not opt_panel.is_valid() and device.property("invalid")
    assert "not found" in device.currentText()
    choose(device, "cpu")
    assert opt_panel.is_valid()

    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "batchSizeSpin"), "256")
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "epochsSpin"), "5")
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "seedSpin"), "3")
    spec = opt_panel.spec()
    assert (spec.batch_size, spec.epochs, spec.seed) == (256, 5, 3)
    opt_panel.set_data_sizes(100, 0)
    assert not opt_panel.is_valid()
    text = find(opt_panel, QLabel, "optimizerErrorLabel").text()
    assert "choose at most 100" in text and "validation split, which is empty" in text
    early = find(opt_panel, QCheckBox, "earlyStoppingCheck")
    early.click()
    assert not find(opt_panel, QWidget, "patienceSpin").isEnabled()
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "batchSizeSpin"), "32")
    assert opt_panel.is_valid() and not opt_panel.spec().early_stopping

    clip = find(opt_panel, QCheckBox, "gradClipCheck")
    assert not find(opt_panel, QWidget, "gradClipSpin").isEnabled()
    clip.click()
    assert opt_panel.spec().grad_clip == pytest.approx(1.0)
    type_into(qtbot, find(opt_panel, QAbstractSpinBox, "gradClipSpin"), "2.5")
    assert opt_panel.spec().grad_clip == pytest.approx(2.5)


def test_optimizer_set_spec_round_trip_and_lock(qtbot, opt_panel):
    spec = TrainSpec(
        optimizer="sgd", lr=0.05, momentum=0.7, nesterov=True, schedule="multistep",
        milestones=[5, 9], gamma=0.5, batch_size=16, epochs=7, patience=3, grad_clip=4.0,
    )  # fmt: skip
    with qtbot.assertNotEmitted(opt_panel.changed):
        opt_panel.set_spec(spec)
    assert opt_panel.spec() == spec
    assert find(opt_panel, QLineEdit, "milestonesEdit").text() == "5, 9"
    assert find(opt_panel, QCheckBox, "gradClipCheck").isChecked()
    opt_panel.set_locked(True)
    for name in ("optimizerCombo", "lrSpin", "lossCombo", "batchSizeSpin", "deviceCombo"):
        assert not find(opt_panel, QWidget, name).isEnabled(), name
    opt_panel.set_locked(False)
    assert find(opt_panel, QWidget, "lrSpin").isEnabled()


# --- all panels ---------------------------------------------------------------------------

INTERACTIVE = (
    QAbstractSpinBox,
    QComboBox,
    QCheckBox,
    QPushButton,
    QLineEdit,
    QSlider,
    QTableWidget,
)


def _interactive(panel: QWidget) -> list[QWidget]:
    found = []
    for w in panel.findChildren(QWidget):
        if not isinstance(w, INTERACTIVE):
            continue
        if isinstance(w.parent(), QAbstractSpinBox | QComboBox):  # a spin box's own line edit
            continue
        found.append(w)
    return found


def test_every_control_is_named_described_and_documented(qtbot, data_panel, arch_panel, opt_panel):
    names = []
    for panel, module in (
        (data_panel, dataset),
        (arch_panel, architecture),
        (opt_panel, optimizer),
    ):
        controls = _interactive(panel)
        assert len(controls) >= 6
        for w in controls:
            name = w.objectName()
            assert name, f"unnamed {type(w).__name__} in {type(panel).__name__}"
            assert w.accessibleName(), name
            assert len(w.toolTip()) > 20, name
            assert name in module.__doc__, f"{name} missing from {module.__name__}'s docstring"
            names.append(name)
    assert len(names) == len(set(names)), "objectNames must be unique across the panels"


def test_importing_the_panels_does_not_import_torch():
    code = (
        "import desktop_app.ui.panels.dataset, desktop_app.ui.panels.architecture, "
        "desktop_app.ui.panels.optimizer, sys; "
        "from PySide6.QtWidgets import QApplication; app = QApplication([]); "
        "from desktop_app.ui.panels.dataset import DatasetPanel; "
        "from desktop_app.ui.panels.architecture import ArchitecturePanel; "
        "from desktop_app.ui.panels.optimizer import OptimizerPanel; "
        "a = ArchitecturePanel(); a.set_io(4, 3, 'multiclass'); DatasetPanel(); OptimizerPanel(); "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "assert 'sklearn' not in sys.modules, 'sklearn imported'"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr


def _wheel(widget, steps: int = 3) -> bool:
    """Turn the wheel over widget; True when it took the events (False: they go on to
    its parents, as Qt offers an ignored real wheel event to the scroll area)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.rect().center())
    taken = False
    for _ in range(steps):
        event = QWheelEvent(
            centre,
            QPointF(widget.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, -120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(widget, event)
        taken = taken or event.isAccepted()
    return taken


def test_the_wheel_scrolls_a_panel_without_editing_the_value_under_the_mouse(qtbot):
    """Scrolling past a spin box or combo must not change it (a width went from
    1,000,000 to 999,993); once the user clicks or tabs into it, the wheel edits it."""
    panel = DatasetPanel()
    qtbot.addWidget(panel, before_close_func=lambda p: p.shutdown())
    panel.resize(340, 300)  # shorter than its boxes: the column scrolls
    panel.show()
    qtbot.waitExposed(panel)
    samples = panel.findChild(QAbstractSpinBox, "samplesSpin")
    combo = panel.findChild(QComboBox, "datasetCombo")
    before, dataset = samples.value(), combo.currentIndex()
    assert not _wheel(samples) and not _wheel(combo)  # passed on to the scroll area
    assert samples.value() == before and combo.currentIndex() == dataset
    choose(combo, "moons")  # two features: a scatter, whose plot is made for it
    panel.request_preview()
    qtbot.waitUntil(lambda: panel.findChild(QWidget, "previewPlot") is not None, timeout=30_000)
    assert not _wheel(panel.findChild(QWidget, "previewPlot"))  # no zoom with no way back
    before = samples.value()
    samples.setFocus()
    qtbot.waitUntil(samples.hasFocus)
    assert _wheel(samples, 1)
    assert samples.value() != before  # a focused control takes the wheel


def test_tab_leaves_the_layer_table_for_the_buttons_and_editors(qtbot):
    """Keyboard users reach Add, Remove and the layer editor (Tab used to cycle the
    table's cells forever); the arrow keys still choose a layer."""
    from PySide6.QtWidgets import QApplication, QTableWidget

    panel = ArchitecturePanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    table = panel.findChild(QTableWidget, "layerTable")
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    seen = []
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget().objectName())
    assert "addLayerButton" in seen and "unitsSpin" in seen, seen
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is not table


@pytest.mark.parametrize(
    ("name", "typed", "bound"),
    [
        ("lrSpin", "100", "at most 10"),
        ("lrSpin", "-1", "at least"),
        ("batchSizeSpin", "0", "at least 1"),
    ],
)
def test_a_value_out_of_range_is_explained_not_silently_reverted(qtbot, name, typed, bound):
    """Learning rate -1 or 100, batch size 0: the box kept its value without a word
    (issue 10, bug 8); now it says what the range is and what it kept."""
    panel = OptimizerPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    spin = panel.findChild(QAbstractSpinBox, name)
    before = spin.value()
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), typed)
    assert spin.lineEdit().text().strip().startswith(typed)  # the keys were not swallowed
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == before
    assert bound in spin.last_rejection and f"{float(typed):g} was not taken" in spin.last_rejection
    assert spin.accessibleDescription() == spin.last_rejection


def test_panel_sections_fold_so_the_preview_is_reachable(qtbot):
    """Side panels fold into sections: folding Parameters brings the dataset preview up
    on a short screen; unfolding brings the parameters back."""
    from PySide6.QtWidgets import QToolButton

    panel = DatasetPanel()
    qtbot.addWidget(panel, before_close_func=lambda p: p.shutdown())
    panel.resize(340, 420)
    panel.show()
    qtbot.waitExposed(panel)
    header = panel.findChild(QToolButton, "sectionParameters")
    samples = panel.findChild(QAbstractSpinBox, "samplesSpin")
    preview = panel.findChild(QWidget, "datasetPreview")
    assert header is not None and header.accessibleName() == "Parameters section"
    assert samples.isVisible()
    y_before = preview.mapTo(panel, preview.rect().topLeft()).y()
    qtbot.mouseClick(header, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not samples.isVisible())
    assert header.isVisible()
    qtbot.waitUntil(lambda: preview.mapTo(panel, preview.rect().topLeft()).y() < y_before)
    qtbot.keyClick(header, Qt.Key.Key_Space)  # the keyboard unfolds it too
    qtbot.waitUntil(samples.isVisible)
