"""The plots' grid lies under the data: a curve that runs along a grid line is seen.

pyqtgraph draws the grid with the axes, above the data; with the grid opaque, a flat
learning rate (the default: a constant schedule) that sat on a tick value, as 0.001 and
0.01 do, was painted over and the learning-rate plot looked empty.
"""

from __future__ import annotations

import numpy as np
from gui_helpers import click, find
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QToolButton

from desktop_app.ui.plots.parts import PURPLE


def _purple_share(plot, value: float, x0: float, x1: float) -> float:
    """The share of pixel columns between data x0 and x1 that show the curve's colour on
    the row of `value` (or the rows beside it, for antialiasing)."""
    view = plot.plot_widget
    image = view.viewport().grab().toImage()

    def at(x: float, y: float):
        p = view.mapFromScene(plot.plot_item.vb.mapViewToScene(QPointF(x, y)))
        return p.x(), p.y()

    (left, row), (right, _) = at(x0, value), at(x1, value)
    target = np.array([int(PURPLE[i : i + 2], 16) for i in (1, 3, 5)])
    hits = 0
    columns = range(left + 3, right - 3)
    for col in columns:
        near = []
        for r in (row - 1, row, row + 1):
            c = image.pixelColor(col, r)
            near.append(np.abs(np.array([c.red(), c.green(), c.blue()]) - target).max())
        hits += min(near) < 60
    return hits / max(1, len(columns))


def test_a_flat_learning_rate_on_a_grid_line_is_drawn(qtbot, main_window):
    w = main_window  # the default project: Adam at a constant learning rate
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    plot = w.plots.lr
    steps = w.history.steps.view()

    def drawn_to_the_end() -> bool:
        xs = plot.curve.getData()[0]
        return xs is not None and len(xs) > 0 and xs[-1] == steps[-1]

    qtbot.waitUntil(drawn_to_the_end, timeout=5000)
    qtbot.wait(100)  # and painted
    lr = float(w.history.lrs.view()[0])
    assert np.all(w.history.lrs.view() == lr)  # flat
    # The line lies on a grid line: a major tick of the vertical axis.
    axis = plot.plot_item.getAxis("left")
    (y0, y1) = plot.plot_item.vb.viewRange()[1]
    ticks = axis.tickValues(y0, y1, axis.height())[0][1]
    assert any(abs(t - lr) < 1e-12 for t in ticks), (lr, ticks)
    share = _purple_share(plot, lr, float(steps[0]), float(steps[-1]))
    assert share > 0.8, f"the learning-rate line shows in {share:.0%} of its length"
