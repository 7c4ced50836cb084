"""A marker's label (best epoch, early stop) is read against the curves it marks, so it
must not sit on them: after the default project's run, the loss plot's "best (epoch 6)"
covered the validation curve it pointed at. Each label now moves up or down its line to
where no curve and no legend is."""

from __future__ import annotations

import numpy as np
from gui_helpers import find
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolButton

from desktop_app.ui.plots.label_room import choose_height, y_range_near


def covered(plot, markers, curve) -> list[str]:
    """Where `curve` runs through the box of one of `markers`' labels, in pixels."""
    vb = plot.plot_item.vb
    x, y = curve.getData()
    hits = []
    for line in markers.lines:
        if not (line.isVisible() and line.label.isVisible() and line.label.format):
            continue
        box = line.label.sceneBoundingRect().adjusted(1, 1, -1, -1)
        left = vb.mapSceneToView(QPointF(box.left(), 0)).x()
        right = vb.mapSceneToView(QPointF(box.right(), 0)).x()
        for xv in np.linspace(left, right, 25):
            yv = np.interp(xv, x, y, left=np.nan, right=np.nan)
            if np.isfinite(yv):
                point = vb.mapViewToScene(QPointF(xv, yv))
                if box.contains(point):
                    hits.append(f"{line.label.format!r} over the curve at x={xv:.1f}")
                    break
    return hits


def test_best_and_stop_labels_keep_off_the_curves_they_mark(qtbot, main_window):
    w = main_window
    w.resize(1297, 706)  # the laptop window (1366x768 less the desktop's bars)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        qtbot.mouseClick(find(w, QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    assert done.args[0].run.stop_reason == "early_stopping"
    qtbot.waitUntil(lambda: not any(p.is_dirty for p in w.plots.all))
    qtbot.wait(50)
    loss, metric = w.plots.loss, w.plots.metric
    for plot in (loss, metric):
        plot.plot_widget.repaint()
    problems = []
    for plot, curves in ((loss, (loss.val_curve, loss.train_curve)),
                         (metric, (metric.val_curve, metric.train_curve))):  # fmt: skip
        for markers in (plot.best_markers, plot.stop_markers):
            for curve in curves:
                problems += covered(plot, markers, curve)
            label = [ln.label for ln in markers.lines if ln.isVisible()][0]
            assert label.format  # each has its text
            legend = plot.legend.sceneBoundingRect()
            assert not label.sceneBoundingRect().intersects(legend), label.format
    assert problems == []


def test_a_label_goes_where_the_curves_are_not_and_stays_put_when_clear():
    # A curve across the middle: the label (0.04 below its anchor, 0.04 above) leaves it.
    middle = [(0.45, 0.6, 1.0)]
    h = choose_height(0.54, 0.04, 0.04, middle)
    assert not (h - 0.04 < 0.6 + 0.02 and h + 0.04 > 0.45 - 0.02)
    assert choose_height(0.54, 0.04, 0.04, [(0.1, 0.2, 1.0)]) == 0.54  # clear: unmoved
    # Everything taken: it stays where it was meant to be.
    assert choose_height(0.54, 0.04, 0.04, [(0.0, 1.0, 1.0)]) == 0.54
    # The legend (weighted heavily) wins over a faint band.
    h = choose_height(0.9, 0.04, 0.04, [(0.8, 1.0, 5.0), (0.0, 0.5, 0.3)])
    assert h + 0.04 <= 0.8 - 0.02 or h - 0.04 >= 1.0


def test_the_span_of_a_curve_near_a_label_counts_the_segments_crossing_its_ends():
    x = np.array([0.0, 10.0, 20.0])
    y = np.array([0.0, 1.0, 5.0])
    assert y_range_near(x, y, 12.0, 14.0) == (1.0, 5.0)  # between two points
    assert y_range_near(x, y, 30.0, 40.0) is None  # past the curve's end
    assert y_range_near(np.array([]), np.array([]), 0.0, 1.0) is None
