"""End-to-end: a user shapes a project in the window, trains it, pauses, stops, closes.

Widgets are found by objectName and driven with clicks and keys; waits are on signals
emitted in the GUI thread or on GUI state.
"""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest
from gui_helpers import BOTH_MODES, click, find
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
)

from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.ui.run_state import RunState
from desktop_app.ui.tracking import active_timers, running_threads

# A run long enough to pause, stop or close in the middle of (minutes if left alone).
LONG = Project(
    name="Long run",
    data=DataSpec(dataset="classification", n_samples=20_000),
    model=ModelSpec(hidden=[LayerSpec(units=16)]),
    train=TrainSpec(batch_size=16, epochs=1000, early_stopping=False),
)


def choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} does not offer {data!r}"
    combo.setCurrentIndex(index)


def type_into(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def percent(label: QLabel) -> float:
    m = re.fullmatch(r"\s*([0-9.]+)\s*%\s*", label.text())
    assert m, f"{label.objectName()} shows {label.text()!r}, not a percentage"
    return float(m.group(1))


def start_long_run(qtbot, w) -> None:
    with qtbot.waitSignal(w.controller.started, timeout=30_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    qtbot.waitUntil(lambda: len(w.history.steps) > 100, timeout=30_000)


@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_user_trains_moons_with_sgd_momentum_and_reads_accuracy(qtbot, main_window):
    w = main_window
    choose(find(w, QComboBox, "datasetCombo"), "moons")
    click(qtbot, find(w, QPushButton, "addLayerButton"))
    choose(find(w, QComboBox, "optimizerCombo"), "sgd")
    type_into(qtbot, find(w, QAbstractSpinBox, "momentumSpin"), "0.9")

    p = w.session.project
    assert p is not None, w.project_message.text()
    assert p.data.dataset == "moons"
    assert len(p.model.hidden) == 2
    assert (p.train.optimizer, p.train.momentum) == ("sgd", 0.9)
    train = find(w, QToolButton, "trainButton")
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        click(qtbot, train)
        assert w.controller.state in (RunState.RUNNING, RunState.IDLE)
    outcome = done.args[0]
    assert outcome.run.project.train.optimizer == "sgd"
    assert percent(find(w, QLabel, "metric_accuracy")) >= 90.0
    assert find(w, QLabel, "metric_f1").isVisible()
    assert not find(w, QLabel, "metric_r2").isVisible()
    # The live plots got the whole run, and the status bar says how it ended.
    assert len(w.history.steps) == outcome.run.steps
    assert len(w.history.epochs) == outcome.run.epochs_run
    last = float(w.history.steps.view()[-1])

    def shown() -> bool:  # the curve and the axes show this run's steps
        xs, _ = w.plots.loss.raw_curve.getData()
        (x0, x1), _ = w.plots.loss.plot_item.viewRange()
        return xs is not None and len(xs) > 0 and x0 <= last <= x1

    qtbot.waitUntil(shown, timeout=3000)
    qtbot.waitUntil(lambda: not w.plots.loss.is_dirty)
    x, _ = w.plots.loss.raw_curve.getOriginalDataset()
    assert len(x) == outcome.run.steps
    assert "accuracy" in find(w, QLabel, "progressLabel").text()
    assert "cpu" in find(w, QLabel, "deviceLabel").text()
    # which step trained it: this network and optimizer take the fast path
    assert find(w, QLabel, "deviceLabel").text().endswith(", fast path")
    assert "on cpu, fast path." in w.results_panel.summary_label.text()
    assert train.isEnabled()


def test_panels_are_locked_during_a_run_and_unlocked_after(qtbot, make_main_window):
    w = make_main_window(LONG)
    start_long_run(qtbot, w)
    combo = find(w, QComboBox, "datasetCombo")
    assert not combo.isEnabled()
    assert not find(w, QPushButton, "addLayerButton").isEnabled()
    assert not find(w, QComboBox, "optimizerCombo").isEnabled()
    assert not find(w, QToolButton, "trainButton").isEnabled()
    with qtbot.waitSignal(w.controller.finished, timeout=10_000):
        click(qtbot, find(w, QToolButton, "stopButton"))
    assert combo.isEnabled()
    assert find(w, QComboBox, "optimizerCombo").isEnabled()


def test_stop_mid_run_returns_to_idle_within_a_second(qtbot, make_main_window):
    w = make_main_window(LONG)
    start_long_run(qtbot, w)
    assert "epoch" in find(w, QLabel, "progressLabel").text()
    t0 = time.perf_counter()
    click(qtbot, find(w, QToolButton, "stopButton"))
    qtbot.waitUntil(lambda: w.controller.state is RunState.IDLE, timeout=1000)
    assert time.perf_counter() - t0 < 1.0
    assert not w.controller.is_thread_running()
    assert find(w, QToolButton, "trainButton").isEnabled()
    assert "stopped by you" in find(w, QLabel, "resultsSummary").text()
    assert find(w, QLabel, "progressLabel").text().startswith("Stopped")


@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_pause_then_resume_continues_the_same_history(qtbot, make_main_window):
    w = make_main_window(LONG)
    start_long_run(qtbot, w)
    pause = find(w, QToolButton, "pauseButton")
    click(qtbot, pause)
    assert w.controller.state is RunState.PAUSED
    assert w.pause_action.text().replace("&", "") == "Resume"
    assert find(w, QLabel, "progressLabel").text().startswith("Paused")
    qtbot.wait(200)  # updates already queued before the pause arrive
    before = len(w.history.steps)
    qtbot.wait(400)
    assert len(w.history.steps) == before, "training went on while paused"

    click(qtbot, pause)  # Resume
    assert w.controller.state is RunState.RUNNING
    qtbot.waitUntil(lambda: len(w.history.steps) > before + 200, timeout=30_000)
    with qtbot.waitSignal(w.controller.finished, timeout=10_000) as done:
        click(qtbot, find(w, QToolButton, "stopButton"))
    steps = w.history.steps.view()
    assert steps[0] == 1
    assert np.all(np.diff(steps) == 1), "step numbers jumped or repeated across the pause"
    engine_steps = done.args[0].run.history.steps
    assert np.array_equal(steps, engine_steps)


def test_closing_mid_run_asks_then_stops_and_leaves_nothing_running(
    qtbot, make_main_window, monkeypatch
):
    w = make_main_window(LONG)
    start_long_run(qtbot, w)
    asked = []

    def answer(choice):
        def question(box):
            asked.append(box.windowTitle())
            return choice

        return question

    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.StandardButton.No))
    w.close()
    assert asked and w.isVisible() and w.controller.state is RunState.RUNNING

    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.StandardButton.Yes))
    w.close()
    assert len(asked) == 2
    assert not w.isVisible()
    assert not w.controller.is_thread_running()
    assert running_threads() == []
    left = [f"{t.parent().objectName()}/{t.objectName()}" for t in active_timers()]
    assert left == []  # a plot's paint held back just before the close included


def test_closing_mid_run_with_unsaved_changes_asks_once_while_the_run_waits(
    qtbot, make_main_window, monkeypatch
):
    """One question covers the run and the unsaved changes, and the run is paused while
    it is asked; Cancel lets it go on (it used to ask twice, training behind both)."""
    w = make_main_window(LONG)
    type_into(qtbot, find(w, QAbstractSpinBox, "batchSizeSpin"), "32")  # an unsaved edit
    assert w.session.modified
    start_long_run(qtbot, w)
    asked = []

    def answer(choice):
        def question(box):
            qtbot.wait(200)  # updates sent before the pause arrive
            steps = len(w.history.steps)
            qtbot.wait(300)  # the run must not go on behind the question
            QApplication.processEvents()
            asked.append((w.controller.state, len(w.history.steps) - steps, box.text()))
            return choice

        return question

    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.StandardButton.Cancel))
    w.close()
    assert len(asked) == 1 and w.isVisible()
    state, more_steps, text = asked[0]
    assert state is RunState.PAUSED and more_steps == 0
    assert "not saved" in text and "Training is still running" in text
    assert w.controller.state is RunState.RUNNING  # Cancel: the run goes on

    asked.clear()
    monkeypatch.setattr(QMessageBox, "exec", answer(QMessageBox.StandardButton.Discard))
    w.close()
    assert len(asked) == 1
    assert not w.isVisible()
    assert not w.controller.is_thread_running()


@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_nan_loss_shows_its_message_and_the_next_train_works(qtbot, main_window):
    w = main_window
    choose(find(w, QComboBox, "datasetCombo"), "regression")
    choose(find(w, QComboBox, "optimizerCombo"), "sgd")
    type_into(qtbot, find(w, QAbstractSpinBox, "lrSpin"), "10")  # the most it offers
    assert w.session.project is not None, w.project_message.text()
    assert w.session.project.train.lr == 10
    before = w.session.project
    with qtbot.waitSignal(w.controller.failed, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    banner = find(w, QLabel, "errorBannerText")
    assert banner.isVisible()
    assert "NaN" in banner.text() and "learning rate" in banner.text()
    assert "failed" in find(w, QLabel, "progressLabel").text()
    assert w.session.project == before, "a failed run must leave the project untouched"
    assert w.controller.state is RunState.IDLE
    # The steps that ran before the loss exploded are on the plot, with their losses.
    assert len(w.history.steps) > 0
    assert w.history.steps.view()[0] == 1 and np.isfinite(w.history.losses.view()).all()
    last = float(w.history.steps.view()[-1])

    def shown() -> bool:  # the curve and the axes show this run's steps
        xs, _ = w.plots.loss.raw_curve.getData()
        (x0, x1), _ = w.plots.loss.plot_item.viewRange()
        return xs is not None and len(xs) > 0 and x0 <= last <= x1

    qtbot.waitUntil(shown, timeout=3000)

    type_into(qtbot, find(w, QAbstractSpinBox, "lrSpin"), "0.001")
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert not banner.isVisible()
    assert find(w, QLabel, "metric_r2").isVisible()
    assert w.results_panel.stack.currentWidget() is w.results_panel.scatter


def test_unexpected_error_in_a_run_is_shown_and_the_app_keeps_working(
    qtbot, main_window, monkeypatch
):
    from desktop_app.core import engine

    def broken_fit(self, epochs=None):
        raise RuntimeError("simulated failure deep in the loop")

    w = main_window
    monkeypatch.setattr(engine.Trainer, "fit", broken_fit)
    with qtbot.waitSignal(w.controller.failed, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    text = find(w, QLabel, "errorBannerText").text()
    assert "unexpected error" in text and "RuntimeError" in text and "simulated" in text
    monkeypatch.undo()
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))


def test_missing_device_is_reported_clearly(qtbot, main_window):
    w = main_window
    project = Project(train=TrainSpec(device="cuda:7"))
    with qtbot.waitSignal(w.controller.failed, timeout=60_000) as failed:
        w.controller.start(project)
    assert "cuda:7" in failed.args[0]
    assert "cuda:7" in find(w, QLabel, "errorBannerText").text()
    assert w.controller.state is RunState.IDLE


def test_results_are_marked_as_previous_run_after_an_edit(qtbot, main_window):
    w = main_window
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    status = find(w, QLabel, "resultsStatus")
    assert "last run" in status.text()
    type_into(qtbot, find(w, QAbstractSpinBox, "epochsSpin"), "50")
    assert "previous run" in status.text()
    type_into(qtbot, find(w, QAbstractSpinBox, "epochsSpin"), "100")  # back as it was
    assert "previous run" not in status.text()


def test_worker_coalesces_updates_and_delivers_them_in_the_gui_thread(qtbot, make_main_window):
    project = LONG.model_copy(update={"train": LONG.train.model_copy(update={"epochs": 3})})
    # ~2,600 steps
    w = make_main_window(project)
    seen = {"progress": 0, "threads": set()}
    gui = QApplication.instance().thread()

    def count(update):
        seen["progress"] += 1
        seen["threads"].add(QThread.currentThread() is gui)

    w.controller.progress.connect(count)  # a GUI-thread signal: lambdas are fine here
    t0 = time.perf_counter()
    with qtbot.waitSignal(w.controller.finished, timeout=120_000) as done:
        click(qtbot, find(w, QToolButton, "trainButton"))
    elapsed = time.perf_counter() - t0
    steps = done.args[0].run.steps
    assert steps > 2000
    assert seen["threads"] == {True}
    # At most one update per 50 ms (plus the final ones), never one per batch.
    assert seen["progress"] <= elapsed / 0.05 + 3
    assert seen["progress"] < steps / 20
    assert threading.active_count() >= 1


@pytest.mark.parametrize("dataset", ["iris"])
def test_multiclass_results_show_a_labelled_confusion_matrix(qtbot, main_window, dataset):
    w = main_window
    choose(find(w, QComboBox, "datasetCombo"), dataset)
    assert w.session.project is not None, w.project_message.text()
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    cm = w.results_panel.confusion
    assert w.results_panel.stack.currentWidget() is cm
    assert cm.class_names == ["setosa", "versicolor", "virginica"]
    assert cm.matrix.sum() == 30  # iris: 150 samples, 20% test split
    ticks = cm.plot_item.getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["setosa", "versicolor", "virginica"]
    assert [t.toPlainText() for t in cm.texts][:1] == [str(cm.matrix[0, 0])]


def test_run_errors_become_messages_that_say_what_to_do():
    from desktop_app.core.errors import DeviceError, NonFiniteLossError
    from desktop_app.ui.run_reports import user_message

    nan = user_message(NonFiniteLossError(epoch=2, step=17, lr=5.0))
    assert "epoch 2, step 17" in nan and "lower learning rate" in nan
    assert user_message(DeviceError("device 'cuda:3' does not exist")) == (
        "device 'cuda:3' does not exist"
    )
    oom = user_message(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert "ran out of memory" in oom and "smaller batch size" in oom
    assert "ran out of memory" in user_message(MemoryError())
    other = user_message(ZeroDivisionError("division by zero"))
    assert "ZeroDivisionError: division by zero" in other and "unchanged" in other


@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_step_one_batch_then_one_epoch_and_the_status_bar_agrees(qtbot, make_main_window):
    """TF Playground's step button: with no run, Step batch starts one that pauses after
    its first batch; each press adds one batch; Step epoch runs to the end of the epoch.
    The plots' history and the status bar show the same step."""
    project = Project(name="Steps", data=DataSpec(dataset="moons", n_samples=800))
    w = make_main_window(project)
    step_batch = find(w, QToolButton, "stepBatchButton")
    progress = find(w, QLabel, "progressLabel")
    assert step_batch.isEnabled()
    click(qtbot, step_batch)
    assert w.controller.state is RunState.PAUSED
    qtbot.waitUntil(lambda: len(w.history.steps) == 1, timeout=30_000)
    qtbot.wait(300)
    assert len(w.history.steps) == 1  # it holds after exactly one batch
    click(qtbot, step_batch)
    qtbot.waitUntil(lambda: len(w.history.steps) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: "2" in progress.text(), timeout=5_000)
    assert w.controller.state is RunState.PAUSED
    per_epoch = -(-int(800 * 0.7) // 64)  # the training split in batches of 64
    click(qtbot, find(w, QToolButton, "stepEpochButton"))
    qtbot.waitUntil(lambda: len(w.history.epochs) == 1, timeout=10_000)
    qtbot.wait(300)
    assert len(w.history.steps) == per_epoch  # paused again at the epoch's end
    assert w.controller.state is RunState.PAUSED
    assert f"{per_epoch}" in progress.text()
    with qtbot.waitSignal(w.controller.finished, timeout=10_000):
        click(qtbot, find(w, QToolButton, "stopButton"))


@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_slow_motion_paces_the_steps_and_full_speed_lifts_it(qtbot, make_main_window):
    w = make_main_window(Project(name="Slow", data=DataSpec(dataset="moons", n_samples=800)))
    pace = find(w, QAbstractSpinBox, "paceSpin")
    type_into(qtbot, pace, "20")
    assert w.controller.pace == 20
    click(qtbot, find(w, QToolButton, "trainButton"))
    qtbot.waitUntil(lambda: len(w.history.steps) >= 2, timeout=30_000)
    start, t0 = len(w.history.steps), time.perf_counter()
    qtbot.wait(1000)
    rate = (len(w.history.steps) - start) / (time.perf_counter() - t0)
    assert 5 <= rate <= 30, rate  # about 20 steps a second, each one shown
    type_into(qtbot, pace, "0")  # Full speed
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        pass
    assert w.controller.pace is None


def test_a_metric_target_set_in_the_panel_stops_the_run_and_is_marked(qtbot, make_main_window):
    project = Project(
        name="Target",
        data=DataSpec(dataset="moons", n_samples=600),
        train=TrainSpec(early_stopping=False),
    )
    w = make_main_window(project)
    type_into(qtbot, find(w, QAbstractSpinBox, "metricGoalSpin"), "0.85")
    assert w.session.project.train.val_metric_goal == 0.85
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        click(qtbot, find(w, QToolButton, "trainButton"))
    run = done.args[0].run
    assert run.stop_reason == "val_metric_goal" and run.epochs_run < 100
    summary = w.results_panel.summary_label.text()
    assert "the validation metric reached its target" in summary
    qtbot.waitUntil(lambda: not w.plots.metric.is_dirty and not w.plots.loss.is_dirty)
    assert [label for _, label in w.plots.loss.stop_markers.positions()] == ["metric target"]
    assert "Finished" in find(w, QLabel, "progressLabel").text()
    type_into(qtbot, find(w, QAbstractSpinBox, "metricGoalSpin"), "0")  # off again
    assert w.session.project.train.val_metric_goal is None


def test_during_a_new_run_results_and_status_say_where_they_belong(qtbot, make_main_window):
    """The last run's results are marked as the previous run's while a new one trains,
    and the time left says what early stopping may cut it to."""
    quick = Project(name="Quick", data=DataSpec(dataset="moons", n_samples=400))
    w = make_main_window(quick)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    status = find(w, QLabel, "resultsStatus")
    assert "last run" in status.text()
    long_es = LONG.model_copy(
        update={"train": LONG.train.model_copy(update={"early_stopping": True, "patience": 3})}
    )
    w.session.update(long_es)
    start_long_run(qtbot, w)
    assert "a new run is in progress" in status.text()
    progress = find(w, QLabel, "progressLabel")
    qtbot.waitUntil(lambda: "if no new best" in progress.text(), timeout=10_000)
    assert "left at most" in progress.text()
    with qtbot.waitSignal(w.controller.finished, timeout=30_000):
        click(qtbot, find(w, QToolButton, "stopButton"))
    assert "a new run is in progress" not in status.text()


def test_samples_per_second_after_resume_leaves_the_pause_out(qtbot, make_main_window):
    w = make_main_window(LONG)
    start_long_run(qtbot, w)
    relay_rate = []
    w.controller.progress.connect(lambda u: relay_rate.append(u.samples_per_second))
    qtbot.wait(800)
    before = relay_rate[-1]
    click(qtbot, find(w, QToolButton, "pauseButton"))
    qtbot.wait(1500)
    relay_rate.clear()
    click(qtbot, find(w, QToolButton, "pauseButton"))  # Resume
    qtbot.waitUntil(lambda: len(relay_rate) >= 3, timeout=10_000)
    after = relay_rate[0]
    assert after > 0.5 * before, (before, after)  # the 1.5 s pause is not in the rate
    with qtbot.waitSignal(w.controller.finished, timeout=30_000):
        click(qtbot, find(w, QToolButton, "stopButton"))


def test_a_network_too_big_to_train_here_disables_train_and_says_why(qtbot, make_main_window):
    from desktop_app.ui.run_reports import user_message

    big = ModelSpec(hidden=[LayerSpec(units=1_000_000), LayerSpec(units=1_000_000)])
    w = make_main_window(Project(name="Huge", model=big))
    assert not find(w, QToolButton, "trainButton").isEnabled()
    message = find(w, QLabel, "projectMessage").text()
    assert "parameters" in message and "use fewer or narrower hidden layers" in message
    assert w.session.project is not None  # still a project: it can be saved
    assert w.actions["actionSave"].isEnabled()
    allocator = RuntimeError(
        "DefaultCPUAllocator: can't allocate memory: you tried to allocate 4e12 bytes"
    )
    assert "ran out of memory" in user_message(allocator)
    assert "please report" not in user_message(allocator)
