"""The decision boundary plot: a user trains moons and watches the boundary form; a
project with many features gets its boundary on a plane the user can choose; a
regression gets its fitted curve or a heat map of the predicted value."""

from __future__ import annotations

import numpy as np
from gui_helpers import find, type_into
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QMessageBox,
    QToolButton,
    QWidget,
)

from desktop_app.core.boundary import BoundarySource, HeatGrid
from desktop_app.core.planes import FEATURES, PCA
from desktop_app.ui.plots.boundary import EMPTY_NOTE


def choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} does not offer {data!r}"
    combo.setCurrentIndex(index)


def pick(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{combo.objectName()} does not offer {text!r}"
    combo.setCurrentIndex(index)


def axis_label(plot, side: str) -> str:
    return plot.plot_item.getAxis(side).labelText


def train(qtbot, w):
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        qtbot.mouseClick(find(w, QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    return done.args[0]


def test_moons_boundary_forms_live_and_matches_the_model(qtbot, main_window):
    from desktop_app.core.predict import predict_rows
    from desktop_app.ui.plots.class_colours import CLASS_COLORS

    w = main_window
    choose(find(w, QComboBox, "datasetCombo"), "moons")
    plot = w.findChild(QWidget, "boundaryPlot")
    assert plot is not None
    note = find(w, QLabel, "boundaryNote")
    live = []  # progress updates that carried a new boundary grid
    w.controller.progress.connect(lambda u: live.append(u.boundary is not None))
    # Slow motion, as a user watching it would set it: at full speed the run can end
    # before a second view update (5 a second) on a quiet machine.
    type_into(qtbot, find(w, QAbstractSpinBox, "paceSpin"), "500")
    outcome = train(qtbot, w)
    assert sum(live) >= 2, "the boundary was not updated during the run"
    assert plot.update_count > 1
    assert not note.isVisible()
    qtbot.waitUntil(lambda: not plot.is_dirty)
    image = plot.image.image
    assert image is not None and image.shape == (80, 80, 3)
    assert image.std() > 10  # not a blank picture: two coloured regions

    # The shading at training points matches the model's own predictions there.
    g = plot.grid
    points = g.points[:: max(1, len(g.points) // 40)]
    result = predict_rows(outcome.model, points)
    sure = result.probabilities.max(axis=1) > 0.8  # away from the boundary line
    assert sure.sum() >= 10
    for (x, y), label in zip(points[sure], result.labels[sure], strict=True):
        assert plot.class_at(x, y) == label
        (x0, x1), (y0, y1) = g.x_range, g.y_range
        i = min(79, int((x - x0) / (x1 - x0) * 80))
        j = min(79, int((y - y0) / (y1 - y0) * 80))
        ink = 255.0 - image[j, i].astype(float)  # how the pixel departs from white
        tints = 255.0 - CLASS_COLORS[:2]
        cos = tints @ ink / (np.linalg.norm(tints, axis=1) * np.linalg.norm(ink) + 1e-9)
        assert int(cos.argmax()) == label


def test_the_default_twenty_feature_project_shows_its_boundary_on_the_pca_plane(qtbot, main_window):
    w = main_window
    assert w.session.project.data.dataset == "classification"
    assert w.session.project.data.features == 20
    plot = w.plots.boundary
    note = find(w, QLabel, "boundaryNote")
    assert plot.isVisible() and note.text() == EMPTY_NOTE  # said before any run
    combo = find(w, QComboBox, "boundaryPlaneCombo")
    assert combo.isVisible() and combo.currentData() == PCA and combo.accessibleName()
    outcome = train(qtbot, w)
    assert outcome.boundary is not None and plot.update_count >= 1
    qtbot.waitUntil(lambda: not plot.is_dirty)
    assert plot.plot_widget.isVisible() and not note.isVisible()
    assert axis_label(plot, "bottom").startswith("PC1 (")
    assert axis_label(plot, "left").startswith("PC2 (")
    caption = find(w, QLabel, "boundaryCaption")
    assert caption.isVisible()
    assert caption.text().startswith("Plane of the first two principal components (")
    assert caption.text().endswith("other directions held at the mean")
    image = plot.image.image
    assert image is not None and image.shape == (80, 80, 3) and image.std() > 5
    assert len(plot.grid.points) == len(plot.grid.labels) > 100  # samples, projected


def test_choosing_two_features_after_a_run_redraws_the_final_model_on_them(qtbot, main_window):
    w = main_window
    plot = w.plots.boundary
    outcome = train(qtbot, w)
    qtbot.waitUntil(lambda: plot.grid is not None and not plot.is_dirty)
    before = plot.grid
    x_combo = find(w, QComboBox, "boundaryXFeature")
    y_combo = find(w, QComboBox, "boundaryYFeature")
    assert not x_combo.isVisible()
    choose(find(w, QComboBox, "boundaryPlaneCombo"), FEATURES)
    assert x_combo.isVisible() and y_combo.isVisible()
    assert x_combo.count() == 20 and x_combo.accessibleName() and y_combo.accessibleName()
    pick(x_combo, "x3")
    pick(y_combo, "x7")
    qtbot.waitUntil(lambda: plot.grid.choice.x == "x3" and plot.grid.choice.y == "x7")
    qtbot.waitUntil(lambda: not plot.is_dirty)
    assert (axis_label(plot, "bottom"), axis_label(plot, "left")) == ("x3", "x7")
    caption = find(w, QLabel, "boundaryCaption")
    assert caption.text() == "Features x3 and x7; the other 18 held at their mean"
    g = plot.grid
    assert g.x_range != before.x_range
    assert not np.allclose(g.probabilities, before.probabilities)
    d = outcome.model  # the final model on that plane, as core draws it
    raw = g.points  # the training samples in x3's and x7's own units
    assert raw.shape[1] == 2 and g.x_range[0] < raw[:, 0].min()
    source = g.source
    assert isinstance(source, BoundarySource)
    again = source.grid(d.model, g.choice)
    np.testing.assert_allclose(g.probabilities, again.probabilities, atol=1e-6)
    # Picking the feature already up for across swaps the two.
    pick(x_combo, "x7")
    qtbot.waitUntil(lambda: plot.grid.choice.x == "x7")
    assert y_combo.currentText() == "x3" and axis_label(plot, "left") == "x3"
    # Back to the principal components.
    choose(find(w, QComboBox, "boundaryPlaneCombo"), PCA)
    qtbot.waitUntil(lambda: plot.grid.choice.kind == PCA)
    qtbot.waitUntil(lambda: not plot.is_dirty)
    assert axis_label(plot, "bottom").startswith("PC1 (") and not x_combo.isVisible()
    np.testing.assert_allclose(plot.grid.probabilities, before.probabilities, atol=1e-6)


def test_a_plane_chosen_during_a_run_is_drawn_from_the_next_update(qtbot, make_main_window):
    from desktop_app.core.specs.project import Project
    from desktop_app.core.specs.train import TrainSpec

    w = make_main_window(Project(train=TrainSpec(epochs=500, early_stopping=False)))
    plot = w.plots.boundary
    qtbot.mouseClick(find(w, QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: plot.grid is not None, timeout=30_000)
    assert plot.grid.choice.kind == PCA
    choose(find(w, QComboBox, "boundaryPlaneCombo"), FEATURES)
    pick(find(w, QComboBox, "boundaryYFeature"), "x5")
    qtbot.waitUntil(
        lambda: plot.grid.choice.kind == FEATURES and plot.grid.choice.y == "x5", timeout=10_000
    )
    assert w.controller.busy  # drawn by the training thread, mid-run
    with qtbot.waitSignal(w.controller.finished, timeout=30_000):
        qtbot.mouseClick(find(w, QToolButton, "stopButton"), Qt.MouseButton.LeftButton)
    assert plot.grid.choice.y == "x5"  # and the final boundary on the same plane,
    # drawn in the next turn after the run's end (not in the end-of-run slots)
    qtbot.waitUntil(lambda: axis_label(plot, "left") == "x5", timeout=1000)


def test_regression_on_many_features_shows_a_heat_map_of_the_prediction(qtbot, main_window):
    w = main_window
    choose(find(w, QComboBox, "datasetCombo"), "regression")
    plot = w.plots.boundary
    assert plot.isVisible() and "Predicted value" in plot.title_label.text()
    train(qtbot, w)
    qtbot.waitUntil(lambda: plot.grid is not None and not plot.is_dirty)
    assert isinstance(plot.grid, HeatGrid)
    image = plot.image.image
    assert image.shape == (80, 80, 3) and image.std() > 5
    caption = find(w, QLabel, "boundaryCaption").text()
    assert caption.startswith("The predicted target by colour, on the plane of the first two")
    assert axis_label(plot, "bottom").startswith("PC1 (")


def test_file_new_clears_the_boundary(qtbot, main_window, monkeypatch):
    w = main_window
    discard = QMessageBox.StandardButton.Discard  # the unsaved moons edit is let go
    monkeypatch.setattr(QMessageBox, "exec", lambda box: discard)
    choose(find(w, QComboBox, "datasetCombo"), "moons")
    train(qtbot, w)
    assert w.plots.boundary.grid is not None
    w.actions["actionNew"].trigger()
    qtbot.waitUntil(lambda: w.plots.boundary.grid is None)
    note = find(w, QLabel, "boundaryNote")
    assert note.isVisible()
    # The new (default, 20-feature) project gets one on its first run.
    assert note.text() == EMPTY_NOTE


def test_a_loaded_moons_model_shows_its_final_boundary(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    from desktop_app.core.specs.data import DataSpec
    from desktop_app.core.specs.project import Project

    w = make_main_window(Project(name="Moons", data=DataSpec(dataset="moons")))
    train(qtbot, w)
    trained = w.plots.boundary.grid
    path = tmp_path / "moons.safetensors"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    w.findChild(QAction, "actionSaveModel").trigger()
    qtbot.waitUntil(lambda: not w.jobs.busy and path.exists(), timeout=60_000)

    w2 = make_main_window()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    w2.findChild(QAction, "actionLoadModel").trigger()
    qtbot.waitUntil(lambda: w2.plots.boundary.grid is not None, timeout=60_000)
    loaded = w2.plots.boundary.grid
    assert find(w2, QLabel, "boundaryNote").isHidden()
    np.testing.assert_allclose(loaded.probabilities, trained.probabilities, atol=1e-5)


def test_sine_shows_the_fitted_curve_over_the_data_live(qtbot, main_window):
    """The sine dataset promises "watch a network bend a curve": a one-feature regression
    draws the model's prediction line over the training points, live (issue 10, bug 12)."""
    w = main_window
    choose(find(w, QComboBox, "datasetCombo"), "sine")
    plot = w.plots.boundary
    assert plot.isVisible() and "Fitted curve" in plot.title_label.text()
    live = []
    w.controller.progress.connect(lambda u: live.append(u.boundary is not None))
    # Slow motion, as a user watching it would set it: at full speed the run can end
    # before a second view update (5 a second) on a quiet machine.
    type_into(qtbot, find(w, QAbstractSpinBox, "paceSpin"), "500")
    outcome = train(qtbot, w)
    assert sum(live) >= 1
    qtbot.waitUntil(lambda: not plot.is_dirty)
    xs, ys = plot.curve.getData()
    assert xs is not None and len(xs) == 200
    points = plot.grid.points
    assert len(points) > 100 and points[:, 0].min() >= -3.1 and points[:, 0].max() <= 3.1
    # The curve is the model's: it follows sin(x) where the data is.
    inside = (xs > -2.5) & (xs < 2.5)
    assert np.abs(ys[inside] - np.sin(xs[inside])).mean() < 0.3
    assert outcome.boundary is not None


def test_the_boundary_pane_does_not_flicker_at_each_run(qtbot, main_window):
    """The pane keeps its place through a run (it used to open and close at each start,
    which cost the GUI thread the whole run: the 10 ms timer's p99 went from ~6 to
    ~25 ms in benchmarks/bench_gui.py)."""
    w = main_window
    changes = []
    w.plots.boundary.applicabilityChanged.connect(changes.append)
    assert w.plots.boundary.isVisible()
    train(qtbot, w)
    assert changes == [] and w.plots.boundary.isVisible()
    w.actions["actionNew"].trigger()  # nothing unsaved: New asks nothing
    assert changes == []


def test_a_loaded_twenty_feature_model_is_drawn_on_the_plane_chosen(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    w = make_main_window()
    train(qtbot, w)
    path = tmp_path / "wide.safetensors"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    w.findChild(QAction, "actionSaveModel").trigger()
    qtbot.waitUntil(lambda: not w.jobs.busy and path.exists(), timeout=60_000)

    w2 = make_main_window()
    choose(find(w2, QComboBox, "boundaryPlaneCombo"), FEATURES)  # before any names
    assert not find(w2, QComboBox, "boundaryXFeature").isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    w2.findChild(QAction, "actionLoadModel").trigger()
    plot = w2.plots.boundary
    qtbot.waitUntil(lambda: plot.grid is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not plot.is_dirty)
    assert plot.grid.choice.kind == FEATURES  # the first two features, as none was named
    assert (axis_label(plot, "bottom"), axis_label(plot, "left")) == ("x1", "x2")
    x_combo = find(w2, QComboBox, "boundaryXFeature")
    assert x_combo.isEnabled() and x_combo.currentText() == "x1"
    pick(find(w2, QComboBox, "boundaryYFeature"), "x9")
    qtbot.waitUntil(lambda: plot.grid.choice.y == "x9")
    assert find(w2, QLabel, "boundaryCaption").text().startswith("Features x1 and x9;")


def test_only_the_tab_on_screen_is_computed_during_a_run(qtbot, make_main_window):
    """The training thread spends no time on views nobody sees: with the Training tab on
    screen the updates carry the boundary and no network numbers; on the Inside tab the
    other way round, from the first update after the switch."""
    from PySide6.QtWidgets import QTabWidget

    from desktop_app.core.specs.data import DataSpec
    from desktop_app.core.specs.project import Project
    from desktop_app.core.specs.train import TrainSpec

    # Long enough to outlast both halves on a busy machine; the test stops it.
    project = Project(
        data=DataSpec(n_samples=20_000), train=TrainSpec(epochs=500, early_stopping=False)
    )
    w = make_main_window(project)
    tabs = find(w, QTabWidget, "centralTabs")
    seen = []
    w.controller.progress.connect(
        lambda u: seen.append((tabs.currentIndex(), u.boundary is not None, u.inside is not None))
    )
    qtbot.mouseClick(find(w, QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sum(b for _, b, _ in seen) >= 4, timeout=30_000)
    # The start and the end of epoch 1 bring both pictures; the rest, the boundary only.
    training = [(b, i) for _, b, i in seen if b or i][2:]
    assert training and all(b and not i for b, i in training), training
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert tabs.currentIndex() == 1
    start = len(seen)
    qtbot.waitUntil(lambda: sum(i for _, _, i in seen[start:]) >= 3, timeout=30_000)
    inside = [(b, i) for _, b, i in seen[start + 1 :] if b or i]  # +1: one may be on its way
    with qtbot.waitSignal(w.controller.finished, timeout=30_000):
        qtbot.mouseClick(find(w, QToolButton, "stopButton"), Qt.MouseButton.LeftButton)
    assert inside and all(i and not b for b, i in inside), inside
    assert seen[-1][1:] == (True, True)  # the end of the run: both, for either tab
