"""The main window around a run: startup, settings, validation, plots, exports, hooks."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from gui_helpers import find, type_into
from PySide6.QtCore import QByteArray, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QToolButton,
)

from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.ui.live_history import GrowingArray, LiveHistory
from desktop_app.ui.plots.loss import LossPlot, ema_debiased
from desktop_app.ui.plots.parts import MarkerSet, PeakEnvelope
from desktop_app.ui.settings import AppSettings

REPO = Path(__file__).resolve().parents[2]


def train_once(qtbot, w):
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        qtbot.mouseClick(find(w, QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not any(p.is_dirty for p in w.plots.all))
    return done.args[0]


# ---------------------------------------------------------------------------- startup
def test_fresh_start_shows_default_project_ready_to_train(main_window):
    w = main_window
    assert w.windowTitle() == "Odyssey — Classic first example"
    assert find(w, QToolButton, "trainButton").isEnabled()
    assert not find(w, QLabel, "projectMessage").isVisible()
    assert w.session.project == Project()
    for name in ("datasetDock", "architectureDock", "optimizerDock", "resultsDock"):
        assert find(w, QDockWidget, name) is not None
    train = w.train_action
    assert "Ctrl+Return" in [s.toString() for s in train.shortcuts()]
    assert "Esc" in [s.toString() for s in w.stop_action.shortcuts()]
    assert not w.pause_action.isEnabled() and not w.stop_action.isEnabled()


def test_app_paints_before_torch_is_imported_then_lists_devices(tmp_path):
    """run_app end to end in a fresh process: the first paint happens with neither torch
    nor scikit-learn imported, and without PySide6 reading each module's source; the
    device list arrives afterwards; exit status 0."""
    script = textwrap.dedent(
        """
        import inspect, json, sys, time
        from PySide6.QtCore import QEvent, QObject, QTimer
        import desktop_app.app as appmod

        result = {}
        scans = []  # modules whose source was read while the window was being built
        read_source = inspect.getsource
        def counting(obj):
            scans.append(getattr(obj, "__name__", "?"))
            return read_source(obj)
        inspect.getsource = counting
        original = appmod.create_main_window

        class FirstPaint(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint and "torch" not in result:
                    result["torch"] = "torch" in sys.modules
                    result["sklearn"] = "sklearn" in sys.modules
                    result["scans"] = scans[:5] + [len(scans)]
                    result["pyqtgraph"] = "pyqtgraph" in sys.modules
                    result["inside_built"] = obj.inside.built
                    result["plots_built"] = obj.plots.is_built
                    QTimer.singleShot(50, poll)
                return False

        def poll():
            w = window[0]
            if w.devices is None:
                QTimer.singleShot(50, poll)
                return
            combo = w.optimizer_panel.findChild(QObject, "deviceCombo")
            result["devices"] = [combo.itemData(i) for i in range(combo.count())]
            result["title"] = w.windowTitle()
            result["plots_later"] = [
                p.objectName() for p in w.plots.all if p.isVisible() and p.width() > 100
            ]
            w.close()

        window = []
        def create(argv):
            w = original(argv)
            window.append(w)
            f = FirstPaint(w)
            w.installEventFilter(f)
            w._paint_filter = f
            return w

        appmod.create_main_window = create
        rc = appmod.run_app([])
        print("RESULT " + json.dumps(result))
        sys.exit(rc)
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ODYSSEY_SETTINGS_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [s for s in proc.stdout.splitlines() if s.startswith("RESULT ")][-1]
    result = json.loads(line[len("RESULT ") :])
    assert result["torch"] is False, "torch was imported before the window painted"
    assert result["sklearn"] is False, "scikit-learn was imported before the window painted"
    # PySide6 reads every module's source after import unless told not to (qt_startup):
    # about 50 ms of the start. The window's modules came after.
    assert result["scans"] == [0], f"module sources read at startup: {result['scans']}"
    # pyqtgraph itself (about 110 ms to import) comes after the first paint, with the
    # plots: the hidden Inside the network tab builds its views then, and so does the
    # Training tab its plots (about 70 ms of pyqtgraph set-up); then they show.
    assert result["pyqtgraph"] is False, "pyqtgraph was imported before the window painted"
    assert result["inside_built"] is False
    assert result["plots_built"] is False
    assert result["plots_later"] == ["lossPlot", "metricPlot", "lrPlot", "boundaryPlot"], result
    assert "cpu" in result["devices"]
    assert result["title"] == "Odyssey — Classic first example"


def test_devices_fill_the_device_combo_after_startup(qtbot, main_window):
    w = main_window
    qtbot.waitUntil(lambda: w.devices is not None, timeout=60_000)
    combo = find(w, QComboBox, "deviceCombo")
    ids = [combo.itemData(i) for i in range(combo.count())]
    assert "auto" in ids and "cpu" in ids
    assert "cpu" in find(w, QLabel, "deviceLabel").text()


def test_a_device_not_present_blocks_train_with_a_message(qtbot, make_main_window):
    w = make_main_window(Project(train=TrainSpec(device="cuda:7")))
    qtbot.waitUntil(lambda: w.devices is not None, timeout=60_000)
    message = find(w, QLabel, "projectMessage")
    qtbot.waitUntil(message.isVisible)
    assert message.text()
    assert not find(w, QToolButton, "trainButton").isEnabled()
    assert "Cannot train yet" in w.train_action.toolTip()


# ---------------------------------------------------------------------------- settings
def test_settings_are_isolated_in_the_test_folder(isolated_settings):
    s = AppSettings()
    assert Path(s.file_name()).parent == isolated_settings
    s.set_recent("smoothing", 0.8)
    s.sync()
    assert AppSettings().recent_float("smoothing", 0.6) == pytest.approx(0.8)


def test_reopens_the_last_project_and_layout(qtbot, make_main_window):
    project = Project(name="My moons", data=DataSpec(dataset="moons", n_samples=400))
    w = make_main_window(project)
    find(w, QDockWidget, "architectureDock").hide()
    w.plots.loss.smoothing_spin.setValue(0.9)
    find(w, QCheckBox, "lossLogScale").setChecked(True)
    w.resize(1250, 720)  # the docks' minimum widths bound the width on the small
    # offscreen screen, so the restored height is what this checks
    w.close()

    w2 = make_main_window()
    assert w2.windowTitle() == "Odyssey — My moons"
    assert w2.session.project.data.dataset == "moons"
    assert find(w2, QComboBox, "datasetCombo").currentData() == "moons"
    assert not find(w2, QDockWidget, "architectureDock").isVisible()
    assert find(w2, QDockWidget, "datasetDock").isVisible()
    assert w2.plots.loss.smoothing == pytest.approx(0.9)
    assert find(w2, QCheckBox, "lossLogScale").isChecked()
    assert w2.height() == 720


def test_damaged_saved_project_and_layout_fall_back_to_defaults(qtbot, make_main_window):
    s = AppSettings()
    s.qsettings.setValue("project/last", '{"name": "x", "data": {"dataset": "nope"}}')
    s.save_window(QByteArray(b"garbage"), QByteArray(b"garbage"))
    s.sync()
    w = make_main_window()
    assert w.session.project == Project()
    assert find(w, QDockWidget, "datasetDock").isVisible()


# ---------------------------------------------------------------------------- validation
def test_invalid_values_disable_train_and_say_why(qtbot, main_window):
    w = main_window
    train = find(w, QToolButton, "trainButton")
    type_into(qtbot, find(w, QAbstractSpinBox, "batchSizeSpin"), "5000")
    message = find(w, QLabel, "projectMessage")
    assert not train.isEnabled()
    qtbot.waitUntil(message.isVisible)  # the toolbar lays it out on the next pass
    assert "Optimizer" in message.text()
    assert w.session.project is None
    type_into(qtbot, find(w, QAbstractSpinBox, "batchSizeSpin"), "32")
    assert train.isEnabled()
    qtbot.waitUntil(lambda: not message.isVisible())
    assert w.session.project.train.batch_size == 32


def test_project_level_problem_is_named_next_to_train(qtbot, main_window, monkeypatch):
    """A combination no single panel sees (here: batch larger than the training split)
    is caught when the Project is built and shown next to Train."""
    w = main_window
    monkeypatch.setattr(w.optimizer_panel, "spec", lambda: TrainSpec(batch_size=5000))
    monkeypatch.setattr(w.optimizer_panel, "is_valid", lambda: True)
    w.form.revalidate()
    text = find(w, QLabel, "projectMessage").text()
    assert "batch_size 5000" in text and "at most 700" in text
    assert not find(w, QToolButton, "trainButton").isEnabled()


# ---------------------------------------------------------------------------- plots
def test_plots_show_markers_hover_log_scale_and_smoothing(qtbot, main_window):
    w = main_window
    outcome = train_once(qtbot, w)
    assert outcome.run.stop_reason == "early_stopping"  # the default project stops early
    loss = w.plots.loss
    best_step = w.history.step_of_epoch(outcome.run.best_epoch)
    assert loss.best_markers.positions() == [(best_step, f"best (epoch {outcome.run.best_epoch})")]
    assert loss.stop_markers.positions() == [(w.history.epochs[-1]["step"], "early stop")]
    assert w.plots.metric.best_markers.positions()[0][0] == outcome.run.best_epoch

    # Hover: the read-out names the step under the mouse and its loss.
    step = 40
    y = float(w.history.losses.view()[step - 1])
    pw = loss.plot_widget

    def hover_over_step() -> bool:
        # As a person would: point at the step where it is on screen now (a late redraw
        # on a busy machine may still move the view), then read the read-out.
        scene_point = loss.plot_item.vb.mapViewToScene(QPointF(step, y))
        qtbot.mouseMove(pw.viewport(), pw.mapFromScene(scene_point))
        return find(w, QLabel, "lossReadout").text().startswith(f"step {step} ")

    qtbot.waitUntil(hover_over_step, timeout=10_000)
    assert f"loss {y:.4g}" in find(w, QLabel, "lossReadout").text()

    # Log scale really is logarithmic (pyqtgraph's log mode, not relabelled ticks).
    qtbot.mouseClick(find(w, QCheckBox, "lossLogScale"), Qt.MouseButton.LeftButton)
    assert loss.plot_item.ctrl.logYCheck.isChecked()
    qtbot.waitUntil(lambda: loss.plot_item.vb.viewRange()[1][1] < 1.0)  # log10(loss) < 1

    # Smoothing 0 draws the raw losses; the default is TensorBoard's 0.6.
    assert find(w, QDoubleSpinBox, "lossSmoothing").value() == pytest.approx(0.6)
    find(w, QDoubleSpinBox, "lossSmoothing").setValue(0.0)
    assert np.array_equal(loss.smoothed, w.history.losses.view())


def test_exports_png_per_plot_and_history_csv(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    outcome = train_once(qtbot, w)
    target = tmp_path / "loss"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PNG (*.png)")
    )
    qtbot.mouseClick(find(w, QToolButton, "lossExportPng"), Qt.MouseButton.LeftButton)
    image = QImage(str(target) + ".png")
    assert not image.isNull() and image.width() == 1200

    csv_path = tmp_path / "history.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(csv_path), ""))
    w.actions["actionExportCsv"].trigger()
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == outcome.run.epochs_run
    assert rows[0]["epoch"] == "1" and float(rows[-1]["train_loss"]) > 0
    assert float(rows[-1]["val_metric"]) == pytest.approx(w.history.epochs[-1]["val_metric"])

    steps_path = tmp_path / "steps.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(steps_path), ""))
    w.actions["actionExportSteps"].trigger()
    rows = list(csv.DictReader(steps_path.open()))
    assert len(rows) == outcome.run.steps
    assert set(rows[0]) == {"step", "loss", "lr", "smoothed_loss"}


def test_project_round_trips_through_save_and_open(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    path = tmp_path / "p.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    w.actions["actionSaveAs"].trigger()
    assert Project.load(path) == w.session.project
    changed = Project.load(path).model_copy(update={"name": "Loaded"})
    path.write_text(changed.to_json())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    w.actions["actionOpen"].trigger()
    assert w.windowTitle() == "Odyssey — Loaded"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not w.files.open_file(bad)
    assert "not valid JSON" in find(w, QLabel, "errorBannerText").text()
    assert w.windowTitle() == "Odyssey — Loaded"


def test_million_point_loss_plot_is_downsampled(qtbot):
    history = LiveHistory()
    plot = LossPlot(history)
    qtbot.addWidget(plot)
    plot.resize(900, 400)
    plot.show()
    qtbot.waitExposed(plot)
    n = 1_000_000
    history.clear()
    history.add_batches(np.arange(1, n + 1), np.exp(-np.arange(n) / 2e5) + 0.01, np.full(n, 0.1))
    assert history.steps.capacity >= n and history.steps.capacity < 2.1 * n
    plot.redraw_now()
    # Once the view has ranged to the data, what is drawn is peak-downsampled: from a
    # per-block envelope kept as data arrives, then to the screen's width.
    qtbot.waitUntil(lambda: len(plot.raw_curve.getData()[0]) < 20_000, timeout=5000)
    envelope_x, envelope_y = plot.raw_curve.getOriginalDataset()
    assert len(envelope_x) <= 2 * PeakEnvelope.LOD_POINTS + 64
    losses = history.losses.view()
    assert envelope_y.max() == losses.max() and envelope_y.min() == losses.min()
    # Zoomed in by the user: every point in view is drawn, nothing averaged away.
    plot.plot_item.vb.setXRange(500_000, 500_100, padding=0)
    plot.plot_item.vb.sigRangeChangedManually.emit([True, True])
    plot.redraw_now()
    assert plot.raw_curve.getOriginalDataset()[0].shape == (n,)
    shown_x, shown_y = plot.raw_curve.getData()
    inside = (shown_x >= 500_000) & (shown_x <= 500_100)
    assert np.array_equal(shown_y[inside], losses[499_999:500_100])
    plot.stop_updates()


def test_growing_array_doubles_and_keeps_values():
    a = GrowingArray(np.float64, capacity=4)
    a.extend([1, 2, 3])
    a.extend(np.arange(4, 11))
    assert a.capacity == 16
    assert a.view().tolist() == list(map(float, range(1, 11)))


@pytest.mark.parametrize("weight", [0.0, 0.01, 0.6, 0.99, 0.999])
def test_ema_matches_tensorboards_debiased_smoothing(weight):
    rng = np.random.default_rng(0)
    values = rng.random(3000) * 5
    expected, last, n = [], 0.0, 0
    for v in values:  # TensorBoard's loop
        last = last * weight + (1 - weight) * v
        n += 1
        expected.append(last / (1 - weight**n) if weight > 0 else v)
    whole, _, _ = ema_debiased(values, weight)
    first, s_last, s_count = ema_debiased(values[:1234], weight)
    rest, _, _ = ema_debiased(values[1234:], weight, s_last, s_count)
    np.testing.assert_allclose(whole, expected, rtol=1e-9)
    np.testing.assert_allclose(np.concatenate([first, rest]), expected, rtol=1e-9)
    assert whole[0] == pytest.approx(values[0])  # de-biased: no pull towards 0


# ---------------------------------------------------------------------------- app
def test_uncaught_exceptions_show_a_dialog_and_the_app_keeps_running(qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from desktop_app import app as appmod
    from desktop_app.ui import dialogs

    shown = []
    monkeypatch.setattr(dialogs, "show_unexpected_error", lambda *a: shown.append(a[1:]))
    handler = appmod.ExceptionHandler(QApplication.instance())
    try:
        raise ValueError("boom in a slot")
    except ValueError as exc:
        handler.handle(type(exc), exc, exc.__traceback__)
    assert shown and "ValueError: boom in a slot" in shown[0][0]
    assert "Traceback" in shown[0][1]

    def worker():
        raise KeyError("from a thread")

    t = threading.Thread(target=worker)
    old = threading.excepthook
    threading.excepthook = handler.thread_hook
    try:
        t.start()
        t.join()
    finally:
        threading.excepthook = old
    qtbot.waitUntil(lambda: len(shown) == 2)  # queued to the GUI thread
    assert "from a thread" in shown[1][0]
    handler.deleteLater()


def test_icon_is_found_in_a_checkout_and_a_frozen_bundle(qtbot, tmp_path, monkeypatch):
    from desktop_app.ui import resources

    assert resources.resource_path("odyssey.svg").is_file()
    assert not resources.app_icon().isNull()
    bundle = tmp_path / "bundle"
    (bundle / "desktop_app" / "resources").mkdir(parents=True)
    (bundle / "desktop_app" / "resources" / "odyssey.svg").write_bytes(
        resources.resource_path("odyssey.svg").read_bytes()
    )
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources.resources_dir() == bundle / "desktop_app" / "resources"
    assert not resources.app_icon().isNull()


def test_every_window_control_is_named_and_explained(main_window):
    from PySide6.QtWidgets import QAbstractButton

    w = main_window
    names = [
        "trainButton",
        "pauseButton",
        "stopButton",
        "lossSmoothing",
        "lossLogScale",
        "lossExportPng",
        "lossAutoRange",
        "metricLogScale",
        "lrLogScale",
        "errorBannerClose",
    ]
    for name in names:
        widget = w.findChild(QAbstractButton, name) or w.findChild(QDoubleSpinBox, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
        assert widget.toolTip(), name


def test_peak_envelope_built_in_blocks_equals_one_built_at_once(monkeypatch):
    monkeypatch.setattr(PeakEnvelope, "LOD_POINTS", 1000)
    rng = np.random.default_rng(1)
    x = np.arange(1, 50_001, dtype=np.float64)
    y = rng.random(50_000)
    live = PeakEnvelope()
    for end in range(0, 50_001, 777):  # blocks arrive; the block size doubles on the way
        live.view(x[:end], y[:end])
    got = live.view(x, y)
    fresh = PeakEnvelope().view(x, y)
    assert live.block == 64  # the smallest power of two with 50,000 / block ≤ 1,000
    np.testing.assert_array_equal(got[0], fresh[0])
    np.testing.assert_array_equal(got[1], fresh[1])
    # Every block's extremes survive: the envelope never hides a spike.
    assert got[1].max() == y.max() and got[1].min() == y.min()


def test_a_marker_shown_again_reads_its_new_label(qtbot):
    """Train iris, File > New, train again: the best-epoch line moved to epoch 6 but its
    label still read "best (epoch 66)" (a hidden label ignores new text)."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.show()
    markers = MarkerSet(plot.getPlotItem(), "#2ca02c")
    markers.set([(660.0, "best (epoch 66)")])
    markers.set([])  # File > New: no run shown
    markers.set([(60.0, "best (epoch 6)")])
    line = markers.lines[0]
    assert line.isVisible() and line.value() == 60.0
    assert line.label.toPlainText() == "best (epoch 6)"


def test_exports_before_any_run_say_there_is_nothing_yet(qtbot, main_window):
    """No empty CSV and no file dialog: the banner says what to do first."""
    w = main_window
    for name, what in (("actionExportCsv", "history"), ("actionExportSteps", "per-step losses")):
        w.actions[name].trigger()
        assert w.banner.isVisible()
        assert f"no {what} to export yet" in w.banner.text() and "train" in w.banner.text()


def test_short_durations_read_in_milliseconds_never_zero_seconds():
    from desktop_app.ui.status import format_duration

    assert format_duration(0.04) == "40 ms"
    assert format_duration(0.0004) == "0 ms"
    assert format_duration(0.25) == "0.2 s" or format_duration(0.25) == "0.3 s"
    assert format_duration(75) == "1:15"


def test_marker_labels_neither_merge_nor_sit_on_the_legend(qtbot, make_main_window):
    """LR-drop labels a few epochs apart printed over each other ("drop (epoch 21) 1)"),
    and the best-epoch label sat on the legend: neighbouring labels now step down in turn,
    one too close to the last at its height keeps its line but not its text, and the
    best-epoch label sits below the legend."""
    project = Project(
        name="Drops",
        data=DataSpec(dataset="moons", n_samples=400),
        train=TrainSpec(epochs=30, schedule="step", step_size=3, gamma=0.7, early_stopping=False),
    )
    w = make_main_window(project)
    w.resize(1300, 760)
    train_once(qtbot, w)
    loss, lr = w.plots.loss, w.plots.lr
    qtbot.waitUntil(lambda: not loss.is_dirty and not lr.is_dirty, timeout=5000)
    for markers in (loss.lr_markers, lr.drop_markers):
        shown = [ln for ln in markers.lines if ln.isVisible()]
        assert len(shown) == 9  # every drop keeps its line
        by_height: dict[float, list[float]] = {}
        for ln in shown:
            if ln.label.isVisible():
                by_height.setdefault(round(ln.label.orthoPos, 3), []).append(ln.value())
        assert len(by_height) >= 2  # neighbours at different heights
        qtbot.wait(20)  # labels are placed once the view has settled
        markers.plot_item.getViewWidget().repaint()  # and brought up to date as they paint
        boxes = [ln.label.sceneBoundingRect() for ln in shown if ln.label.isVisible()]
        assert len(boxes) >= 3  # a few keep their text
        for i, a in enumerate(boxes):  # and no label prints over another
            assert not any(a.intersects(b) for b in boxes[i + 1 :]), (a, boxes)
    loss.plot_widget.repaint()
    best = [ln for ln in loss.best_markers.lines if ln.isVisible()][0]
    best.label.updatePosition()
    label, legend = best.label.sceneBoundingRect(), loss.legend.sceneBoundingRect()
    assert label.top() >= legend.bottom() or label.bottom() <= legend.top()


def _long_run(n: int = 120_000, per_epoch: int = 1000, seed: int = 0):
    """A long run's losses: a slow fall, noise, and a few huge spikes at the start."""
    rng = np.random.default_rng(seed)
    steps = np.arange(1, n + 1)
    losses = 0.2 + 0.5 * np.exp(-steps / 3e4) + rng.normal(0, 0.05, n).clip(-0.15, 0.15)
    losses[:40:7] = 40.0  # the first steps' spikes
    epochs = [
        {"epoch": e, "step": e * per_epoch, "train_loss": 0.3, "val_loss": 0.35,
         "train_metric": 0.8, "val_metric": 0.8, "lr": 0.1, "seconds": 0.1}
        for e in range(1, n // per_epoch + 1)
    ]  # fmt: skip
    return steps, losses, epochs


def test_the_loss_plot_stays_readable_at_100k_steps(qtbot):
    """Past ~10k steps the smoothed curve was a solid band and a few early spikes set the
    y range; now the spikes are ignored (by default), the smoothed curve is a line, and
    the axis can count epochs."""
    history = LiveHistory()
    plot = LossPlot(history)
    qtbot.addWidget(plot)
    plot.resize(900, 400)
    plot.show()
    qtbot.waitExposed(plot)
    steps, losses, epochs = _long_run()
    history.clear()
    history.add_batches(steps, losses, np.full(len(steps), 0.1))
    history.add_epochs(epochs)
    history.end_run("completed", None)
    plot.redraw_now()
    qtbot.waitUntil(lambda: not plot.is_dirty, timeout=5000)

    _, (y0, y1) = plot.plot_item.viewRange()
    assert plot.outliers_check.isChecked()
    assert y1 < 2.0 and y0 > 0.0  # the spikes of 40 no longer flatten the curve
    xs, ys = plot.smooth_curve.getData()
    assert len(xs) <= 2 * plot.plot_widget.width()
    jitter = np.abs(np.diff(ys[20:])).max()  # past the spikes at the very start
    assert jitter < 0.02, jitter  # a line: the raw noise is ±0.15
    assert np.all(np.diff(xs) > 0)

    plot.outliers_check.setChecked(False)  # every point in range again
    plot.redraw_now()
    _, (y0, y1) = plot.plot_item.viewRange()
    assert y1 >= 40.0

    plot.epoch_check.setChecked(True)
    plot.redraw_now()
    axis = plot.step_axis
    assert axis.steps_per_epoch == 1000
    assert axis.labelText == "epoch"
    ticks = axis.tickValues(0, 120_000, 800)
    assert all(v % 1000 == 0 for _, values in ticks for v in values)  # at whole epochs
    assert axis.tickStrings([20_000.0, 40_000.0], 1.0, 20_000.0) == ["20", "40"]


def test_an_offscreen_self_test_prints_nothing_on_stderr(tmp_path):
    """Every offscreen --self-test printed Qt's "This plugin does not support
    propagateSizeHints()" (issue 10, bug 15)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ODYSSEY_SETTINGS_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--self-test"],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout
    assert proc.stderr.strip() == "", proc.stderr
