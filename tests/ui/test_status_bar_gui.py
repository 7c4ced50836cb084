"""The status bar's busy indicator ends with the preparation it stands for.

Qt's Fusion style stopped its busy animation only on painting a bar with some progress,
so a run that failed or was stopped while its data was prepared left an idle window
repainting its status bar 60 times a second, until the next run.
"""

from __future__ import annotations

import threading

import pytest
from gui_helpers import click, find
from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtWidgets import QLabel, QProgressBar, QToolButton

import desktop_app.core.data as data
from desktop_app.core.errors import DataError
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec


class PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self, widget):
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


@pytest.mark.parametrize("ending", ["failure", "stop"])
def test_an_idle_window_stops_repainting_after_a_run_ends_while_preparing(
    qtbot, make_main_window, monkeypatch, ending
):
    entered, release = threading.Event(), threading.Event()

    def slow_generate(spec):  # a generation that takes a while, then fails
        entered.set()
        release.wait(60)
        raise DataError("the generator ran out of room; use fewer samples")

    monkeypatch.setattr(data, "generate", slow_generate)
    w = make_main_window(Project(data=DataSpec(dataset="moons"), train=TrainSpec(epochs=5)))
    bar = find(w, QProgressBar, "trainingProgress")
    paints = PaintCounter(bar)
    try:
        click(qtbot, find(w, QToolButton, "trainButton"))
        assert entered.wait(30), "training never reached data preparation"
        # While the data is prepared, the bar is a busy indicator, and it moves.
        assert bar.maximum() == bar.minimum() == 0
        qtbot.waitUntil(lambda: paints.count >= 5, timeout=5000)
        with qtbot.waitSignal(w.controller.failed, timeout=30_000):
            if ending == "stop":
                click(qtbot, find(w, QToolButton, "stopButton"))
            release.set()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not w.controller.is_thread_running(), timeout=10_000)
    assert bar.maximum() > bar.minimum(), "the bar is still a busy indicator"
    qtbot.wait(300)  # what the end of the run repaints
    paints.count = 0
    qtbot.wait(1000)
    assert paints.count <= 2, f"an idle status bar repainted {paints.count} times in a second"


def test_the_progress_text_starts_at_the_same_place_while_it_changes(qtbot, make_main_window):
    """The status bar's figures are right-aligned: a label sized to each new text moved
    where the text starts, left and right, four times a second, and laid the bar out
    again each time. During a run the label keeps its width (growing when a text needs
    more); when the run is over it fits its last words."""
    from desktop_app.core.specs.model import LayerSpec, ModelSpec
    from desktop_app.ui.run_state import RunState

    long_run = Project(
        data=DataSpec(dataset="classification", n_samples=20_000),
        model=ModelSpec(hidden=[LayerSpec(units=16)]),
        train=TrainSpec(batch_size=16, epochs=1000, early_stopping=False),
    )
    w = make_main_window(long_run)
    bar = find(w, QProgressBar, "trainingProgress")
    label = find(w, QLabel, "progressLabel")
    status = w.statusBar()

    def text_start_from_the_bar() -> int:  # the labels right of the bar may grow
        return bar.mapTo(status, QPoint(0, 0)).x() - label.mapTo(status, QPoint(0, 0)).x()

    with qtbot.waitSignal(w.controller.started, timeout=30_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=30_000)
    pause = find(w, QToolButton, "pauseButton")
    click(qtbot, pause)
    assert label.text().startswith("Paused — ")  # the longest text of a run
    qtbot.wait(50)  # the layout
    assert label.width() >= label.sizeHint().width(), f"{label.text()!r} is cut"
    paused_at = text_start_from_the_bar()
    click(qtbot, pause)  # Resume: the text is shorter again
    assert w.controller.state is RunState.RUNNING
    shown = bar.value()
    qtbot.waitUntil(lambda: bar.value() > shown and not label.text().startswith("Paused"))
    qtbot.wait(50)  # the layout
    assert label.width() >= label.sizeHint().width(), f"{label.text()!r} is cut"
    assert text_start_from_the_bar() == paused_at, "the text moved as it shrank"
    with qtbot.waitSignal(w.controller.finished, timeout=10_000):
        click(qtbot, find(w, QToolButton, "stopButton"))
    # Over: the label fits its last words, with no room kept for the run's longest text.
    assert label.text().startswith("Stopped")
    qtbot.waitUntil(lambda: label.width() == label.sizeHint().width(), timeout=2000)
