"""Run ▸ Sweep…: the user sets up a small sweep, starts it, watches trials arrive in the
parallel-coordinates plot without the window blocking, brushes an axis, and sees the
trials in the run store; a bad parameter is named and nothing starts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QSpinBox

from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.record import group_id_for
from desktop_app.ui.runs_table import RUN_ID_ROLE

TINY = ["data.n_samples=200", "train.epochs=4", "train.early_stopping=false", "train.device=cpu"]


def find(parent, cls, name):
    widget = parent.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    assert widget.accessibleName(), f"{name} has no accessible name"
    return widget


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def open_dialog(qtbot, w) -> QDialog:
    w.actions["actionSweep"].trigger()
    dialog = w.findChild(QDialog, "sweepDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_the_user_runs_a_small_sweep_from_the_dialog(qtbot, make_main_window):
    w = make_main_window(Project().with_overrides(TINY))
    dialog = open_dialog(qtbot, w)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    # The second default row (hidden units) is removed; the rate gets a narrower range.
    qtbot.mouseClick(find(dialog, QPushButton, "paramRemove1"), Qt.MouseButton.LeftButton)
    type_into(qtbot, find(dialog, QLineEdit, "paramRange0"), "1e-3:1e-1")
    trials = find(dialog, QSpinBox, "sweepTrials")
    trials.setFocus()
    trials.selectAll()
    qtbot.keyClicks(trials, "3")
    qtbot.keyClick(trials, Qt.Key.Key_Tab)
    assert trials.value() == 3
    method = find(dialog, QComboBox, "sweepMethod")
    method.setCurrentIndex(method.findData("random"))
    type_into(qtbot, find(dialog, QLineEdit, "sweepName"), "gui-sweep")
    with qtbot.waitSignal(dialog.parallel.brushed, timeout=120_000):
        qtbot.mouseClick(find(dialog, QPushButton, "sweepStart"), Qt.MouseButton.LeftButton)
        assert find(dialog, QPushButton, "sweepStop").isEnabled()
        assert not find(dialog, QPushButton, "sweepStart").isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    status = find(dialog, QLabel, "sweepStatus").text()
    assert "gui-sweep finished: 3/3 trials" in status, status
    assert "Best so far: trial #" in find(dialog, QLabel, "sweepBest").text()
    assert len(dialog.parallel.numbers) == 3
    assert dialog.parallel.axes[0].log  # the log range is drawn on a log axis

    store = RunStore.default()
    runs = store.list_runs(group=group_id_for("gui-sweep"))
    assert len(runs) == 3 and {r.kind for r in runs} == {"trial"}
    store.close()
    # The Runs tab lists the trials once the sweep has ended.
    qtbot.waitUntil(
        lambda: {r.name for r in w.runs_panel.model.runs} >= {r.name for r in runs},
        timeout=30_000,
    )
    table = w.runs_panel.proxy
    assert table.rowCount() == 3

    # Brushing the metric axis to its lower half keeps only the better trials, in the
    # plot and in the Runs tab's table.
    dialog.parallel.set_brush(1, 0.0, 0.5)
    kept = dialog.parallel.kept_numbers
    assert 1 <= len(kept) < 3
    assert f"{len(kept)} of 3 trials" in find(dialog, QLabel, "sweepBrushed").text()
    assert table.rowCount() == len(kept)
    shown = {table.index(r, 0).data(RUN_ID_ROLE) for r in range(len(kept))}
    assert shown == {r.id for r in runs if r.name in {f"gui-sweep #{n}" for n in kept}}
    qtbot.mouseClick(find(dialog, QPushButton, "sweepClearBrush"), Qt.MouseButton.LeftButton)
    assert len(dialog.parallel.kept_numbers) == 3
    assert table.rowCount() == 3


def test_a_bad_parameter_is_named_and_nothing_starts(qtbot, make_main_window):
    w = make_main_window(Project().with_overrides(TINY))
    dialog = open_dialog(qtbot, w)
    field = find(dialog, QComboBox, "paramField0")
    field.setCurrentText("train.lrr")
    qtbot.mouseClick(find(dialog, QPushButton, "sweepStart"), Qt.MouseButton.LeftButton)
    assert not dialog.running
    assert "'train.lrr' is not a field" in find(dialog, QLabel, "sweepError").text()


def test_stop_then_resume_from_the_dialog(qtbot, make_main_window):
    # Trials long enough (a second or so) that Stop lands while they train: the
    # workers start in milliseconds from the fork server.
    w = make_main_window(Project().with_overrides([*TINY, "train.epochs=3000"]))
    dialog = open_dialog(qtbot, w)
    qtbot.mouseClick(find(dialog, QPushButton, "paramRemove1"), Qt.MouseButton.LeftButton)
    trials = find(dialog, QSpinBox, "sweepTrials")
    trials.setValue(2)
    type_into(qtbot, find(dialog, QLineEdit, "sweepName"), "stop-me")
    stop = find(dialog, QPushButton, "sweepStop")
    with qtbot.waitSignal(dialog.trialStarted, timeout=60_000):
        qtbot.mouseClick(find(dialog, QPushButton, "sweepStart"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)  # before any trial can finish
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    status = find(dialog, QLabel, "sweepStatus").text()
    assert "stop-me stopped: 0/2 trials" in status and "Resume" in status, status

    assert find(dialog, QComboBox, "sweepResumeName").currentText() == "stop-me"
    qtbot.mouseClick(find(dialog, QPushButton, "sweepResume"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    status = find(dialog, QLabel, "sweepStatus").text()
    assert "stop-me finished: 2/2 trials (2 complete" in status, status


def test_each_axis_names_its_choices_and_a_range_its_ends_and_middle():
    from desktop_app.ui.plots.sweep_plots import Axis

    units = Axis("model.hidden.0.units", 0, 2, categories=("8", "16", "32"))
    assert [units.label_at(w) for w in units.tick_positions()] == ["8", "16", "32"]
    lr = Axis("train.lr", 1e-4, 1e-1, log=True)
    assert [lr.label_at(w) for w in lr.tick_positions()] == ["0.0001", "0.00316", "0.1"]
