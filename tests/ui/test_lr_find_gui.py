"""Run ▸ Find learning rate…: the test runs in the background with a progress dialog and
Cancel, its answer shows loss against rate with the suggestion, and "Use this rate" puts
the rate into the project (Optimizer panel, Session, title) while nothing else changes:
no run starts, no model or history appears."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from gui_helpers import click, find
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDialog,
    QLabel,
    QPushButton,
    QWidget,
)

import desktop_app.core.lr_find as lr_find
from desktop_app.core.lr_curve import DIVERGED, LOW, LrFindResult
from desktop_app.core.specs.project import Project
from desktop_app.ui.action_state import enablement
from desktop_app.ui.run_state import RunState

SMALL = ["data.n_samples=300", "train.device=cpu"]


def open_result(qtbot, w) -> QDialog:
    w.actions["actionFindLearningRate"].trigger()
    qtbot.waitUntil(
        lambda: (d := w.findChild(QDialog, "lrFindDialog")) is not None and d.isVisible(),
        timeout=60_000,
    )
    return w.findChild(QDialog, "lrFindDialog")


def test_the_user_finds_a_rate_and_uses_it(qtbot, make_main_window):
    w = make_main_window(Project().with_overrides(SMALL))
    started = []
    w.controller.started.connect(lambda *a: started.append(a))
    assert w.actions["actionFindLearningRate"].isEnabled()
    assert not w.session.modified
    dialog = open_result(qtbot, w)

    plot = find(dialog, QWidget, "lrFindPlot")
    items = {c.objectName(): c for c in plot.getPlotItem().listDataItems()}
    log_lrs, smoothed = items["smoothedLossCurve"].getData()
    assert len(log_lrs) > 50 and np.all(np.isfinite(smoothed))
    assert log_lrs[0] == pytest.approx(-7)  # from 1e-7 up
    assert plot.getPlotItem().getAxis("bottom").logMode  # a logarithmic rate axis
    x, _ = items["suggestionMarker"].getData()  # in log mode: log10 of the rate
    suggestion = float(np.round(10 ** x[0], 12))
    assert 1e-5 < suggestion < 1.0
    assert f"{suggestion:g}" in find(dialog, QLabel, "suggestionLabel").text()
    confidence = find(dialog, QLabel, "confidenceLabel").text()
    assert "confidence" in confidence and len(confidence) > 40  # the level and the reason
    assert "0.01" in find(dialog, QLabel, "currentRateLabel").text()
    w_, h_ = dialog.frameGeometry().width(), dialog.frameGeometry().height()
    assert w_ <= 1366 and h_ <= 700, (w_, h_)

    click(qtbot, find(dialog, QPushButton, "useRateButton"))
    qtbot.waitUntil(lambda: not dialog.isVisible())
    spin = find(w.optimizer_panel, QAbstractSpinBox, "lrSpin")
    assert spin.value() == pytest.approx(suggestion)
    assert w.session.project.train.lr == pytest.approx(suggestion)
    assert w.session.modified and w.windowTitle().endswith("*")
    assert f"Learning rate set to {suggestion:g}" in w.statusBar().currentMessage()
    # Nothing but the rate changed: no run, no model, no history.
    assert started == [] and w.controller.state is RunState.IDLE
    assert w.session.model is None and len(w.history.steps) == 0
    assert w.session.project.model_copy(update={"train": w.session.saved.train}) == (
        w.session.saved
    )


def test_enter_uses_the_rate_and_escape_leaves_the_project_alone(qtbot, make_main_window):
    w = make_main_window(Project().with_overrides(SMALL))
    dialog = open_result(qtbot, w)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not w.session.modified and w.session.project.train.lr == 0.01
    dialog = open_result(qtbot, w)
    rate = float(find(dialog, QLabel, "suggestionLabel").text().split(":")[1].strip("</b> "))
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Use this rate is the default button
    qtbot.waitUntil(lambda: w.session.project.train.lr == pytest.approx(rate))


def test_a_table_project_is_read_first_then_tested(qtbot, make_main_window, tmp_path):
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import load_project_data, table_project

    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{int(a + b > 0)}" for a, b in rng.standard_normal((200, 2))]
    (tmp_path / "t.csv").write_text("a,b,label\n" + "\n".join(rows) + "\n")
    spec = TableSpec(path=str(tmp_path / "t.csv"), target="label")
    project, _ = load_project_data(table_project(spec).with_overrides(["train.batch_size=16"]))
    w = make_main_window(project)
    dialog = open_result(qtbot, w)
    assert "Suggested learning rate" in find(dialog, QLabel, "suggestionLabel").text()
    assert "of 200 steps" in find(dialog, QLabel, "stopLabel").text()
    click(qtbot, find(dialog, QPushButton, "closeButton"))
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert w.session.project.data.table.n_rows == 200


def slow_test(cancel, progress):
    """A stand-in for the range test that runs until it is cancelled (10 s at most)."""
    end = time.monotonic() + 10
    i = 0
    while time.monotonic() < end:
        if cancel():
            from desktop_app.core.tabular.detect import Cancelled

            raise Cancelled()
        i += 1
        progress(min(0.99, i / 2000))
        time.sleep(0.005)
    raise AssertionError("never cancelled")


def test_cancel_stops_the_test_and_nothing_changes(qtbot, make_main_window, monkeypatch):
    running = threading.Event()

    def fake(project, data=None, cancel=None, progress=None, **kwargs):
        running.set()
        return slow_test(cancel, progress)

    monkeypatch.setattr(lr_find, "find_learning_rate", fake)
    w = make_main_window(Project().with_overrides(SMALL))
    w.actions["actionFindLearningRate"].trigger()
    qtbot.waitUntil(running.is_set, timeout=30_000)
    # While it runs, nothing that would change the project or train is offered.
    for name in ("actionFindLearningRate", "actionTrain", "actionOpen", "actionNew"):
        assert not w.actions[name].isEnabled(), name
    progress = w.findChild(QDialog, "lrFindProgress")
    qtbot.waitUntil(lambda: progress.isVisible(), timeout=10_000)
    cancel = next(b for b in progress.findChildren(QPushButton) if "Cancel" in b.text())
    click(qtbot, cancel)
    qtbot.waitUntil(lambda: "cancelled" in w.statusBar().currentMessage(), timeout=10_000)
    qtbot.waitUntil(lambda: w.actions["actionFindLearningRate"].isEnabled())
    assert w.findChild(QDialog, "lrFindDialog") is None
    assert not w.session.modified and w.session.project.train.lr == 0.01
    assert w.banner.text() == ""


def test_a_failed_test_is_shown_in_the_banner(qtbot, make_main_window, monkeypatch):
    from desktop_app.core.errors import TrainingError

    def fails(*args, **kwargs):
        raise TrainingError("the device ran out of memory; use a smaller batch size")

    monkeypatch.setattr(lr_find, "find_learning_rate", fails)
    w = make_main_window(Project().with_overrides(SMALL))
    w.actions["actionFindLearningRate"].trigger()
    qtbot.waitUntil(lambda: "learning-rate test failed" in w.banner.text(), timeout=30_000)
    assert "ran out of memory; use a smaller batch size" in w.banner.text()
    assert w.findChild(QDialog, "lrFindDialog") is None
    assert w.actions["actionFindLearningRate"].isEnabled()


def test_without_a_suggestion_the_dialog_says_why_and_offers_no_rate(qtbot):
    from desktop_app.ui.views.lr_find import LrFindDialog

    result = LrFindResult(
        lrs=np.geomspace(1e-7, 1e-3, 40),
        losses=np.linspace(1.0, 1.2, 40),
        smoothed=np.linspace(1.0, 1.2, 40),
        suggestion=None,
        confidence=LOW,
        reason="The loss did not fall anywhere in the range",
        stop_reason=DIVERGED,
        steps_planned=200,
    )
    dialog = LrFindDialog(result, 0.01)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not find(dialog, QPushButton, "useRateButton").isEnabled()
    assert "No learning rate to suggest" in find(dialog, QLabel, "suggestionLabel").text()
    assert "did not fall" in find(dialog, QLabel, "confidenceLabel").text()
    for button in dialog.findChildren(QPushButton):
        assert button.objectName() and button.accessibleName(), button.text()
    assert QApplication.activeModalWidget() is None  # shown, not blocking anything


@pytest.mark.parametrize("run", [RunState.RUNNING, RunState.PAUSED, RunState.STOPPING])
def test_the_action_waits_while_a_run_is_live(run):
    facts = type("S", (), {"project": Project(), "model": None, "problem": ""})()
    assert not enablement(run, frozenset(), facts)["actionFindLearningRate"]


@pytest.mark.parametrize("job", ["model-file", "table", "lr-find"])
def test_the_action_waits_while_a_file_is_read_or_a_test_runs(job):
    facts = type("S", (), {"project": Project(), "model": None, "problem": ""})()
    e = enablement(RunState.IDLE, frozenset({job}), facts)
    assert not e["actionFindLearningRate"] and not e["actionTrain"] and not e["actionOpen"]
    assert enablement(RunState.IDLE, frozenset(), facts)["actionFindLearningRate"]


def test_the_action_needs_a_project_that_can_train():
    facts = type("S", (), {"project": None, "model": None, "problem": "fix the rate"})()
    assert not enablement(RunState.IDLE, frozenset(), facts)["actionFindLearningRate"]


def test_back_to_back_tests_share_one_progress_dialog_that_is_never_deleted(
    qtbot, make_main_window, monkeypatch
):
    """A window-modal progress dialog runs the event loop inside setValue(); deleting
    the last test's dialog there while the next test's one was updating crashed the app
    (a segfault in QProgressDialog::setValue, on a busy machine). Every test now reuses
    one dialog, shown at once here so that setValue() does process events."""
    from PySide6.QtWidgets import QDialog, QProgressDialog

    import desktop_app.ui.dialogs as dialogs

    monkeypatch.setattr(dialogs, "SHOW_PROGRESS_AFTER_MS", 0)
    w = make_main_window(Project().with_overrides(SMALL))
    seen = []
    for _ in range(3):
        dialog = open_result(qtbot, w)
        progress = w.findChildren(QProgressDialog, "lrFindProgress")
        seen.append(progress)
        assert not progress[0].isVisible()  # hidden again once the answer came
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not w.findChild(QDialog, "lrFindDialog"))
    assert all(len(p) == 1 for p in seen) and seen[0][0] is seen[1][0] is seen[2][0]
