"""While a run streams data, the GUI thread's work comes in short pieces.

On a busy 2-core machine a 10 ms timer in the GUI thread ran up to 19 ms late during
training: a plot's redraw and its paint ran in one stretch, the next plot's followed
straight after, and the status bar's progress bar painted the whole window there and
then whenever it moved. Timers and input due in between waited for all of it.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.plots.loss import LossPlot
from desktop_app.ui.plots.metrics import MetricPlot
from desktop_app.ui.run_reports import ProgressUpdate
from desktop_app.ui.status import RunStatusBar


class PaintLog(QObject):
    """The paint events each watched widget received, each with `state()` at the time."""

    def __init__(self, widgets: dict[str, QWidget], state=dict):
        super().__init__()
        self.log: list[tuple[str, float, dict]] = []  # (name, time, state)
        self._names = {id(w): name for name, w in widgets.items()}
        self._state = state
        for w in widgets.values():
            w.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.log.append((self._names[id(obj)], time.perf_counter(), self._state()))
        return False

    def of(self, name: str) -> list[tuple[float, dict]]:
        return [(t, state) for n, t, state in self.log if n == name]


def _epoch(n: int, steps_per_epoch: int) -> dict:
    loss = 0.3 + 0.3 / n
    return {
        "epoch": n,
        "step": n * steps_per_epoch,
        "train_loss": loss,
        "val_loss": loss + 0.02,
        "train_metric": 0.9,
        "val_metric": 0.88 + 0.001 * n,
        "lr": 1e-3,
    }


def test_plots_fed_together_redraw_in_turns_and_paint_after_their_redraw(qtbot):
    history = LiveHistory()
    window = QWidget()
    qtbot.addWidget(window)
    loss, metric = LossPlot(history, window), MetricPlot(history, window)
    loss.setGeometry(0, 0, 600, 300)
    metric.setGeometry(0, 300, 600, 300)
    window.resize(600, 600)
    window.show()
    qtbot.waitExposed(window)
    history.clear()  # a live run

    def redraws() -> dict[str, int]:
        return {"loss": loss.redraw_count, "metric": metric.redraw_count}

    paints = PaintLog(
        {"loss": loss.plot_widget.viewport(), "metric": metric.plot_widget.viewport()}, redraws
    )
    rng = np.random.default_rng(0)

    def feed_epoch(n: int) -> tuple[int, int]:
        """Epoch n's data reaches both plots at the same moment; (loss, metric) redraws
        once both plots have redrawn and painted it."""
        steps = np.arange((n - 1) * 100 + 1, n * 100 + 1)
        history.add_batches(steps, 0.5 + 0.1 * rng.random(100), np.full(100, 1e-3))
        history.add_epochs([_epoch(n, 100)])
        redraws = loss.redraw_count, metric.redraw_count
        qtbot.waitUntil(
            lambda: loss.redraw_count > redraws[0] and metric.redraw_count > redraws[1],
            timeout=5000,
        )
        qtbot.wait(200)  # the paints that follow, and any they bring
        return loss.redraw_count - redraws[0], metric.redraw_count - redraws[1]

    feed_epoch(1)  # the first paints of the fresh plots settle
    for n in range(2, 5):
        paints.log.clear()
        before = redraws()
        assert feed_epoch(n) == (1, 1)
        # Each plot's first paint showing its new data (its own redraw done by then) ...
        shown = {
            name: next((t, s) for t, s in paints.of(name) if s[name] > before[name])
            for name in before
        }
        done = min(shown, key=lambda name: shown[name][0])
        then = "metric" if done == "loss" else "loss"
        # ... came, for the plot that went first, before the other plot had redrawn.
        assert shown[done][1][then] == before[then], paints.log
    for plot in (loss, metric):
        assert plot.plot_widget.updatesEnabled()  # never left unable to paint
        plot.stop_updates()


def test_the_progress_bar_moves_without_painting_the_window_at_once(qtbot):
    class Info:
        epochs, total_steps, device, threads = 3, 3000, "cpu", 2

    bar_owner = RunStatusBar()
    qtbot.addWidget(bar_owner)
    bar_owner.resize(900, 30)
    bar_owner.show()
    qtbot.waitExposed(bar_owner)
    bar_owner.started(Info())
    QApplication.processEvents()
    paints = PaintLog({"bar": bar_owner.progress_bar})
    update = ProgressUpdate(
        steps=np.arange(1, 1501),
        losses=np.full(1500, 0.4),
        lrs=np.full(1500, 1e-3),
        epoch=2,
        step=1500,
        total_steps=3000,
        active_seconds=1.5,
        samples_per_second=1000.0,
        seconds_left=1.5,
    )
    bar_owner.progress(update, running=True)
    # The bar stands at half way, and is painted with the rest of the window, later:
    # a repaint there and then would also paint every plot waiting to be painted.
    assert bar_owner.progress_bar.value() == 1500
    assert paints.log == []
    qtbot.waitUntil(lambda: len(paints.log) > 0, timeout=2000)


def test_the_end_of_a_run_paints_nothing_at_once_and_draws_the_boundary_in_its_turn(
    qtbot, make_main_window
):
    """A run's end used to be one 15-20 ms stretch: the results, the final boundary drawn
    there and then, and the progress bar's new range repainting the window at once."""
    from gui_helpers import click, find
    from PySide6.QtWidgets import QToolButton

    from desktop_app.core.specs.data import DataSpec
    from desktop_app.core.specs.project import Project

    w = make_main_window(Project(name="Moons", data=DataSpec(dataset="moons", n_samples=400)))
    boundary = w.plots.boundary
    paints = PaintLog(
        {"bar": w.status.progress_bar, "boundary": boundary.plot_widget.viewport()},
        state=lambda: {"dirty": boundary.is_dirty},
    )
    at_end = {}

    def ended(_outcome) -> None:  # connected last: after every slot of the window's
        at_end["paints"] = list(paints.log)
        at_end["boundary_dirty"] = boundary.is_dirty

    w.controller.state_changed.connect(
        lambda state: paints.log.clear() if state == "idle" else None
    )
    w.controller.finished.connect(ended)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert at_end["paints"] == []  # nothing painted inside the end-of-run slots
    assert at_end["boundary_dirty"]  # the final boundary waits for its turn
    qtbot.waitUntil(lambda: not boundary.is_dirty, timeout=3000)
    qtbot.waitUntil(lambda: any(not s["dirty"] for _, s in paints.of("boundary")), timeout=3000)
    qtbot.waitUntil(lambda: len(paints.of("bar")) > 0, timeout=3000)
    assert w.status.progress_bar.value() == w.status.progress_bar.maximum()
