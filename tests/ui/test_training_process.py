"""Training in the child process (the app's default): what only it can get wrong.

The flows a user drives (train, pause, step, slow motion, stop, close, a failing run)
run in both modes in test_training_gui.py; here: the run store written from the other
process, a training process that dies mid-run, closing, and the token that carries the
window's changes down the pipe.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal

import pytest
from gui_helpers import click, find
from process_callbacks import WarnsAtTheStart
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QLabel, QMessageBox, QTableView, QToolButton

from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.ui.run_state import RunState
from desktop_app.ui.training_process import (
    ProcessGone,
    ProcessTrainingWorker,
    RemoteControl,
    TrainingProcess,
)

LONG = Project(
    name="Long run",
    data=DataSpec(dataset="classification", n_samples=20_000),
    model=ModelSpec(hidden=[LayerSpec(units=16)]),
    train=TrainSpec(batch_size=16, epochs=1000, early_stopping=False),
)


def training_processes() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "odyssey-training"]


@pytest.mark.parametrize("training_mode", ["process"], indirect=True)
def test_a_run_trained_in_the_process_is_recorded_and_listed(qtbot, make_main_window):
    w = make_main_window(Project(name="Moons", data=DataSpec(dataset="moons", n_samples=400)))
    qtbot.waitUntil(lambda: len(training_processes()) == 1, timeout=10_000)
    child = training_processes()[0]
    assert child.pid != os.getpid()
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        click(qtbot, find(w, QToolButton, "trainButton"))
    outcome = done.args[0]
    assert outcome.run.epochs_run > 0 and outcome.model is not None
    assert outcome.run.timing.device == "cpu"
    runs = w.recorded_runs.store().list_runs()
    assert [(r.status, r.source, r.epochs_run) for r in runs] == [
        ("finished", "gui", outcome.run.epochs_run)
    ]
    tabs = w.tabs
    index = next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Runs")
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    table = find(w, QTableView, "runsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == 1, timeout=10_000)
    # The same process trains the next run (it is kept warm), and the tab lists it.
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert training_processes() == [child]
    qtbot.waitUntil(lambda: table.model().rowCount() == 2, timeout=10_000)


@pytest.mark.parametrize("training_mode", ["process"], indirect=True)
def test_a_training_process_that_dies_mid_run_is_reported_and_train_works_again(
    qtbot, make_main_window
):
    w = make_main_window(LONG)
    with qtbot.waitSignal(w.controller.started, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    qtbot.waitUntil(lambda: len(w.history.steps) > 100, timeout=30_000)
    before = w.session.project
    (child,) = training_processes()
    with qtbot.waitSignal(w.controller.failed, timeout=10_000) as failed:
        os.kill(child.pid, signal.SIGKILL)  # as the system's out-of-memory killer does
    message = failed.args[0]
    assert "ended unexpectedly" in message and "out of memory" in message
    assert message in find(w, QLabel, "errorBannerText").text()
    assert w.controller.state is RunState.IDLE
    assert w.session.project == before
    assert find(w, QToolButton, "trainButton").isEnabled()
    # Train starts a fresh process, and the run trains.
    with qtbot.waitSignal(w.controller.started, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert [p.pid for p in training_processes()] != [child.pid]
    with qtbot.waitSignal(w.controller.finished, timeout=10_000) as done:
        click(qtbot, find(w, QToolButton, "stopButton"))
    assert done.args[0].run.stop_reason == "user"


@pytest.mark.parametrize("training_mode", ["process"], indirect=True)
def test_closing_mid_run_ends_the_training_process(qtbot, make_main_window, monkeypatch):
    w = make_main_window(LONG)
    with qtbot.waitSignal(w.controller.started, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert len(training_processes()) == 1
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    w.close()
    assert not w.isVisible()
    assert not w.controller.is_thread_running()
    assert training_processes() == []


def test_the_remote_token_hands_over_changes_made_before_the_run_with_it_in_order():
    """Step batch before Train (and the pace) must be on the process's token before the
    run's first step: they go with the run; changes made while it is handed over follow
    it; later ones are sent at once."""
    sent = []
    timed = RemoteControl()
    timed.set_pace(20)
    timed.boundary_shown = False
    timed.allow(1)
    assert timed.take_queued() == [
        ("call", "set_pace", (20,)),
        ("set", "boundary_shown", False),
        ("call", "allow", (1,)),
    ]
    timed.pause()  # while the run is being handed over: queued, sent after it
    assert sent == []
    timed.attach(sent.append)
    assert sent == [("call", "pause", ())]
    sent.clear()
    timed.run_epoch()  # Step epoch: resume, then pause at the epoch's end
    assert sent[-1] == ("set", "pause_at_epoch_end", True)
    assert ("call", "resume", ()) in sent
    assert timed.pause_at_epoch_end and not timed.paused  # the window's copy agrees


def test_a_change_sent_to_a_process_that_is_gone_is_dropped_quietly():
    def gone(_message):
        raise ProcessGone("broken pipe")

    timed = RemoteControl()
    timed.attach(gone)
    timed.stop()  # the run ends as failed; the worker says so: no error here
    assert timed.stop_requested


def test_a_change_never_starts_a_training_process():
    """Only a run starts one: a change (a tab switch, Stop) sent after the process died
    must not start a fresh process whose pipe the run's thread would then wait on."""
    host = TrainingProcess()
    with pytest.raises(ProcessGone):
        host.send(("call", "stop", ()))
    assert training_processes() == []


def test_what_a_run_logs_in_the_training_process_reaches_the_windows_log(qtbot, caplog):
    host = TrainingProcess()
    try:
        project = Project(name="Moons", data=DataSpec(dataset="moons", n_samples=200))
        project = project.model_copy(update={"train": TrainSpec(epochs=2)})
        worker = ProcessTrainingWorker(host, project, RemoteControl())
        worker.extra_callbacks = [WarnsAtTheStart()]
        thread = QThread()  # as the controller runs it: its run ends the thread's loop
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        with caplog.at_level(logging.INFO), qtbot.waitSignal(worker.finished, timeout=60_000):
            thread.start()
        assert thread.wait(10_000)
    finally:
        host.close()
    records = [r for r in caplog.records if r.name == "odyssey.test.child"]
    assert [r.levelno for r in records] == [logging.WARNING]
    message = records[0].getMessage()
    assert message.startswith("a warning from the run (process ")
    assert f"(process {os.getpid()})" not in message  # it was logged in the other process
