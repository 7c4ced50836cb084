"""The TrainingController's state machine against a fake worker, without a window or
any training: a run's signals reach the window only while that run is the current one."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.core.specs.project import Project
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.run_reports import ProgressUpdate
from desktop_app.ui.run_state import RunState


class FakeWorker(QObject):
    """Has the TrainingWorker's signals; its run() does no work and ends its thread."""

    started = Signal(object)
    progress = Signal(object)
    epoch = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    made: list[FakeWorker] = []

    def __init__(self, project, timed, resume_from=None, epochs=None, data=None):
        super().__init__(None)
        self.project, self.timed = project, timed
        FakeWorker.made.append(self)

    @Slot()
    def run(self) -> None:
        QThread.currentThread().quit()


def update(step: int) -> ProgressUpdate:
    steps = np.array([step], dtype=np.int64)
    return ProgressUpdate(steps, np.ones(1), np.ones(1), 1, step, 10, 0.1, 1.0, None)


def test_a_stale_runs_signals_are_dropped_and_the_current_ones_pass(qtbot):
    FakeWorker.made.clear()
    c = TrainingController(worker_factory=FakeWorker)
    seen = {"progress": [], "finished": [], "failed": []}
    c.progress.connect(lambda u: seen["progress"].append(u.step))
    c.finished.connect(seen["finished"].append)
    c.failed.connect(seen["failed"].append)

    assert c.start(Project())
    first = FakeWorker.made[-1]
    assert c.state is RunState.RUNNING and not c.start(Project())  # one run at a time
    c.stop()
    assert c.state is RunState.STOPPING
    assert c.shutdown() and c.state is RunState.IDLE  # the first run is released

    assert c.start(Project())
    second = FakeWorker.made[-1]
    assert second is not first
    first.progress.emit(update(1))  # late signals of the released run
    first.finished.emit(object())
    first.failed.emit("old failure")
    assert seen == {"progress": [], "finished": [], "failed": []}
    assert c.state is RunState.RUNNING  # a stale "finished" does not end the new run

    second.progress.emit(update(2))
    assert seen["progress"] == [2]
    with qtbot.waitSignal(c.state_changed) as blocker:
        second.failed.emit("the second run failed")
    assert blocker.args == [RunState.IDLE.value]
    assert seen["failed"] == ["the second run failed"] and c.state is RunState.IDLE
    assert c.shutdown()


def test_pause_resume_and_stop_follow_the_state_machine(qtbot):
    c = TrainingController(worker_factory=FakeWorker)
    c.pause()
    assert c.state is RunState.IDLE  # nothing to pause
    assert c.start(Project())
    timed = FakeWorker.made[-1].timed
    c.toggle_pause()
    assert c.state is RunState.PAUSED and timed.paused
    c.toggle_pause()
    assert c.state is RunState.RUNNING and not timed.paused
    c.stop()
    assert c.state is RunState.STOPPING and timed.stop_requested
    assert c.shutdown() and c.state is RunState.IDLE
