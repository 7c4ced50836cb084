"""Closing the window while the worker prepares a large dataset (issue 15): it froze
~35 s, then "QThread: Destroyed while thread 'odyssey-training-1' is still running" and
SIGABRT. Data preparation now hears Stop, so the window closes at once."""

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QToolButton

import desktop_app.core.data as data
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec


def test_closing_while_the_data_is_generated_stops_at_once(qtbot, make_main_window, monkeypatch):
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()
    real = data.generate

    def slow_generate(spec):  # stands in for make_classification on 10 million rows
        entered.set()
        release.wait(60)
        returned.set()
        return real(spec)

    monkeypatch.setattr(data, "generate", slow_generate)
    w = make_main_window(
        Project(data=DataSpec(dataset="moons", n_samples=200), train=TrainSpec(epochs=5))
    )
    try:
        qtbot.mouseClick(w.findChild(QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
        assert entered.wait(30), "training never reached data preparation"
        monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
        w.close()
        assert not w.isVisible()
        assert not w.controller.is_thread_running()
        # Closed while the generation still runs: the window did not wait for it.
        assert not returned.is_set()
    finally:
        release.set()
