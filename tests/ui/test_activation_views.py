"""The views inside the network, on their own: a learner picks a hidden layer and sees
the test rows as it places them, coloured by class; on two-feature data each unit's map
sits in a column per layer, each thumbnail saying which unit it is; where a view has
nothing to show, a note says why."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel
from torch import nn

from desktop_app.core.inspect.activations import (
    NO_HIDDEN,
    NO_SPREAD,
    activation_space,
    hidden_layers,
)
from desktop_app.core.inspect.neuron_maps import NeuronPlane, unavailable_reason
from desktop_app.core.model import build_model
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.ui.plots.class_colours import CLASS_COLORS
from desktop_app.ui.views.activation_space import EMPTY_NOTE, ActivationSpaceView
from desktop_app.ui.views.neuron_maps import THUMB, NeuronMapsView


def _model(*units: int, activation: str = "relu", n_inputs: int = 20, n_outputs: int = 1):
    torch.manual_seed(0)
    spec = ModelSpec(hidden=[LayerSpec(units=u, activation=activation) for u in units])
    return build_model(spec, n_inputs, n_outputs)


def _rows(n: int = 200, d: int = 20) -> np.ndarray:
    return np.random.default_rng(3).normal(size=(n, d)).astype(np.float32)


@pytest.fixture
def space_view(qtbot):
    view = ActivationSpaceView()
    qtbot.addWidget(view, before_close_func=lambda v: v.stop_updates())
    view.resize(520, 420)
    view.show()
    qtbot.waitExposed(view)
    return view


def _drawn(qtbot, view) -> None:
    qtbot.waitUntil(lambda: not view.is_dirty and view.redraw_count > 0)


def _colour(brush) -> tuple[int, int, int]:
    c = brush.color()
    return c.red(), c.green(), c.blue()


# ---------------------------------------------------------------------- activation space
def test_the_test_rows_are_drawn_where_the_layer_puts_them_coloured_by_class(qtbot, space_view):
    model = _model(10, 6)
    x = _rows()
    labels = (x[:, 0] > 0).astype(np.int64)
    space_view.set_layers(hidden_layers(model))
    space = activation_space(model, x, 0)
    space_view.show_space(space, labels, ["no", "yes"])
    _drawn(qtbot, space_view)

    xs, ys = space_view.scatter.getData()
    assert xs == pytest.approx(space.points[:, 0]) and ys == pytest.approx(space.points[:, 1])
    brushes = space_view.scatter.data["brush"]
    for c in (0, 1):  # each row in its class's colour, the boundary plot's colours
        row = int(np.flatnonzero(labels == c)[0])
        assert _colour(brushes[row]) == tuple(int(v) for v in CLASS_COLORS[c])
    legend = [label.text for _, label in space_view.legend.items]
    assert legend == ["no", "yes"] and space_view.legend.isVisible()
    # The next sample of the same rows (a fresh array each time) reuses the colours and
    # the legend: rebuilding them made every redraw four times as costly.
    entries = list(space_view.legend.items)
    space_view.show_space(activation_space(model, x, 0, space.basis), labels.copy(), ["no", "yes"])
    _drawn(qtbot, space_view)
    assert space_view.scatter.data["brush"][0] is brushes[0]
    assert list(space_view.legend.items) == entries
    bottom = space_view.plot_item.getAxis("bottom").labelText
    left = space_view.plot_item.getAxis("left").labelText
    assert (bottom, left) == space.axis_labels
    assert bottom.startswith("PC1 (") and bottom.endswith("%)")
    assert space_view.plot_widget.isVisible()
    assert not space_view.findChild(QLabel, "activationSpaceNote").isVisible()
    assert "row 1: " in space_view.describe_nearest(*space.points[0])
    assert space_view.describe_nearest(*space.points[0]).startswith(
        f"row 1: {['no', 'yes'][labels[0]]}"
    )


def test_picking_a_layer_in_the_combo_asks_for_that_layer(qtbot, space_view):
    model = _model(10, 6, 3)
    combo = space_view.findChild(QComboBox, "activationLayerCombo")
    assert combo is not None and combo.accessibleName()
    with qtbot.assertNotEmitted(space_view.layerChosen):  # filling it is not a choice
        space_view.set_layers(hidden_layers(model))
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "hidden 1 (ReLU, 10 units)",
        "hidden 2 (ReLU, 6 units)",
        "hidden 3 (ReLU, 3 units)",
    ]
    combo.setFocus()
    with qtbot.waitSignal(space_view.layerChosen) as chosen:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert chosen.args == [1]
    with qtbot.waitSignal(space_view.layerChosen) as chosen:
        combo.setCurrentIndex(2)
    assert chosen.args == [2] and space_view.current_layer == 2
    # The sampler answers with that layer's projection, and the view shows it.
    space = activation_space(model, _rows(), chosen.args[0])
    space_view.show_space(space, np.zeros(200), ["a", "b"])
    _drawn(qtbot, space_view)
    assert space_view.space.layer.name == "hidden 3 (ReLU, 3 units)"


def test_long_layer_names_do_not_widen_the_view(qtbot, space_view):
    wide = build_model(
        ModelSpec(hidden=[LayerSpec(units=100, activation="leaky_relu", batch_norm=True)] * 3),
        20,
        1,
    )
    space_view.set_layers(hidden_layers(wide))
    combo = space_view.findChild(QComboBox, "activationLayerCombo")
    assert combo.itemText(2) == "hidden 3 (batch norm, leaky ReLU, 100 units)"
    assert combo.itemData(2, Qt.ItemDataRole.ToolTipRole) == combo.itemText(2)
    assert space_view.minimumSizeHint().width() <= 360  # half of a 1366-pixel window


def test_regression_rows_are_coloured_by_target_with_a_colour_bar(qtbot, space_view):
    model = _model(8)
    x = _rows()
    target = x[:, 1] * 10.0 + 5.0
    space_view.set_layers(hidden_layers(model))
    space_view.show_space(activation_space(model, x, 0), target, [])
    _drawn(qtbot, space_view)
    assert space_view.color_bar.isVisible() and not space_view.legend.isVisible()
    assert space_view.color_bar.levels() == pytest.approx((target.min(), target.max()))
    brushes = space_view.scatter.data["brush"]
    cmap = space_view.cmap
    top = cmap.mapToQColor(1.0)
    bottom = cmap.mapToQColor(0.0)
    assert _colour(brushes[int(target.argmax())]) == (top.red(), top.green(), top.blue())
    assert _colour(brushes[int(target.argmin())]) == (
        bottom.red(),
        bottom.green(),
        bottom.blue(),
    )
    assert "target" in space_view.describe_nearest(0, 0)


def test_a_one_unit_layer_is_shown_against_the_row_number_without_equal_scales(qtbot, space_view):
    model = _model(1, activation="tanh")
    space_view.set_layers(hidden_layers(model))
    space_view.show_space(activation_space(model, _rows(50), 0), np.zeros(50), ["a", "b"])
    _drawn(qtbot, space_view)
    assert space_view.plot_item.getAxis("bottom").labelText == "unit output"
    assert space_view.plot_item.getAxis("left").labelText == "test row"
    assert not space_view.plot_item.vb.state["aspectLocked"]
    # Rows without labels (none sent yet): one colour, and no legend to mislead.
    space_view.show_space(activation_space(model, _rows(50), 0))
    _drawn(qtbot, space_view)
    default = space_view.scatter.opts["brush"]  # what a point without its own brush gets
    colours = {_colour(b or default) for b in space_view.scatter.data["brush"]}
    assert len(colours) == 1 and not space_view.legend.isVisible()


def test_the_activation_space_says_why_when_there_is_nothing_to_see(qtbot, space_view):
    note = space_view.findChild(QLabel, "activationSpaceNote")
    assert note.isVisible() and note.text() == EMPTY_NOTE
    assert not space_view.plot_widget.isVisible()
    space_view.set_layers([])  # a network without hidden layers
    assert note.text() == NO_HIDDEN and note.isVisible()
    assert not space_view.findChild(QComboBox, "activationLayerCombo").isEnabled()

    dead = _model(5)
    with torch.no_grad():
        dead[0].bias.fill_(-100.0)  # every ReLU outputs 0: all rows on one point
    space_view.set_layers(hidden_layers(dead))
    space_view.show_space(activation_space(dead, _rows(), 0), np.zeros(200), ["a", "b"])
    _drawn(qtbot, space_view)
    assert note.isVisible() and note.text() == NO_SPREAD
    assert space_view.plot_widget.isVisible()  # the dot is still drawn, with the reason
    (x0, x1), (y0, y1) = space_view.plot_item.vb.viewRange()
    assert x1 - x0 > 0.5 and y1 - y0 > 0.5  # on a readable scale, not float noise
    space_view.clear()
    assert note.text() == EMPTY_NOTE and not space_view.plot_widget.isVisible()
    assert space_view.scatter.getData()[0].size == 0


# ---------------------------------------------------------------------- neuron maps
def _prep() -> Preprocessing:
    return Preprocessing(
        task="binary",
        feature_names=["width", "height"],
        class_names=["blue", "orange"],
        mean=np.zeros(2, np.float32),
        scale=np.ones(2, np.float32),
    )


def _plane_network() -> nn.Sequential:
    """2 -> 2 (tanh) -> 3 (ReLU) -> 1: unit 1 of layer 1 is tanh(height), unit 2
    tanh(width), so their maps' colours say which way the axes run."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
        model[0].bias.zero_()
    return model


@pytest.fixture
def maps_view(qtbot):
    view = NeuronMapsView(budget=1.0)  # draw every update: the tests count draws
    qtbot.addWidget(view, before_close_func=lambda v: v.stop_updates())
    view.resize(300, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def _plane():
    corners = np.array([[-2.0, -2.0], [2.0, 2.0]], np.float32)
    return NeuronPlane.of(_prep(), corners)


def _pixel(view, layer: int, unit: int, x: float, y: float) -> tuple[int, int, int]:
    """The colour at (x, y) of a thumbnail, as shares of its width and height from the
    top left."""
    image = view.thumbnail(layer, unit).pixmap().toImage()
    c = image.pixelColor(int(x * (image.width() - 1)), int(y * (image.height() - 1)))
    return c.red(), c.green(), c.blue()


def test_every_unit_gets_a_thumbnail_in_its_layers_column_with_its_name(qtbot, maps_view):
    maps_view.show_maps(_plane().maps(_plane_network()))
    assert maps_view.draw_count == 1
    assert [len(c.thumbs) for c in maps_view.columns] == [2, 3, 1]
    assert [c.header.text() for c in maps_view.columns] == ["layer 1", "layer 2", "output"]
    thumb = maps_view.thumbnail(0, 1)
    assert thumb.pixmap().width() == THUMB
    qtbot.waitUntil(thumb.isVisible)  # new columns are shown by the event loop
    assert thumb.toolTip().startswith("layer 1, unit 2: ")
    assert maps_view.thumbnail(1, 2).toolTip().startswith("layer 2, unit 3: ")
    assert thumb.accessibleName() == thumb.toolTip()
    out = maps_view.thumbnail(2, 0).toolTip()
    assert out.startswith("output, unit 1 (") and "orange" in out and "boundary" in out
    assert maps_view.findChild(QLabel, "neuronMapsAxes").text() == "→ width   ↑ height"
    assert not maps_view.findChild(QLabel, "neuronMapsNote").isVisible()


def test_a_view_beside_a_greedy_neighbour_still_shows_every_column(qtbot):
    from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

    host = QWidget()
    qtbot.addWidget(host, before_close_func=lambda h: view.stop_updates())
    layout = QHBoxLayout(host)
    view = NeuronMapsView(budget=1.0)
    greedy = QLabel("the activation space")
    greedy.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    greedy.setMinimumWidth(560)  # it would take all but about 100 px
    layout.addWidget(view)
    layout.addWidget(greedy, 1)
    host.resize(700, 500)
    host.show()
    qtbot.waitExposed(host)
    view.show_maps(_plane().maps(_plane_network()))
    output = view.thumbnail(2, 0)
    qtbot.waitUntil(lambda: view.scroll.viewport().width() >= view.grid.sizeHint().width())
    qtbot.waitUntil(
        lambda: output.isVisible() and output.visibleRegion().boundingRect().size() == output.size()
    )  # whole, not cut by the view's edge


def test_thumbnail_colours_follow_the_units_sign_and_the_plane_s_axes(qtbot, maps_view):
    maps_view.show_maps(_plane().maps(_plane_network()))
    blue, orange = (tuple(int(v) for v in CLASS_COLORS[i]) for i in (0, 1))

    def near(rgb, target):
        return max(abs(a - b) for a, b in zip(rgb, target)) < 40

    # tanh(height): blue (negative) at the bottom, orange at the top, white between.
    assert near(_pixel(maps_view, 0, 0, 0.5, 0.02), orange)
    assert near(_pixel(maps_view, 0, 0, 0.5, 0.98), blue)
    assert near(_pixel(maps_view, 0, 0, 0.5, 0.5), (255, 255, 255))
    # tanh(width): blue on the left, orange on the right.
    assert near(_pixel(maps_view, 0, 1, 0.02, 0.5), blue)
    assert near(_pixel(maps_view, 0, 1, 0.98, 0.5), orange)
    # ReLU units never go below 0: white to orange, never blue.
    for unit in range(3):
        for x in (0.02, 0.5, 0.98):
            for y in (0.02, 0.5, 0.98):
                r, g, b = _pixel(maps_view, 1, unit, x, y)
                assert r >= b


def test_maps_of_another_network_rebuild_the_columns(qtbot, maps_view):
    maps_view.show_maps(_plane().maps(_plane_network()))
    torch.manual_seed(0)
    wider = build_model(ModelSpec(hidden=[LayerSpec(units=5, activation="tanh")]), 2, 3)
    prep = _prep()
    prep.task, prep.class_names = "multiclass", ["a", "b", "c"]
    plane = NeuronPlane.of(prep, np.array([[-1.0, -1.0], [1.0, 1.0]], np.float32))
    maps_view.show_maps(plane.maps(wider))
    assert [len(c.thumbs) for c in maps_view.columns] == [5, 3]
    assert "logit of c" in maps_view.thumbnail(1, 2).toolTip()


def test_a_hidden_view_draws_only_the_newest_maps_when_shown(qtbot):
    view = NeuronMapsView()
    qtbot.addWidget(view, before_close_func=lambda v: v.stop_updates())
    plane, model = _plane(), _plane_network()
    for _ in range(3):
        view.show_maps(plane.maps(model))
    assert view.update_count == 3 and view.draw_count == 0
    view.show()
    qtbot.waitExposed(view)
    assert view.draw_count == 1


def test_maps_that_arrive_faster_than_the_budget_allows_wait_and_the_newest_is_drawn(
    qtbot, maps_view
):
    # A draw then waits 20 times its CPU cost: far longer than the updates below take to
    # arrive, far shorter than the test's wait. (At 0.0005, a draw of 3 ms, as on a
    # loaded machine, waited 6 s, past the 5 s the test allowed.)
    maps_view.budget = 0.05
    model = _plane_network()
    plane = _plane()
    maps_view.show_maps(plane.maps(model))
    for scale in (2.0, 3.0, 4.0):
        with torch.no_grad():
            model[0].weight.mul_(scale)
        newest = plane.maps(model)
        maps_view.show_maps(newest)
    assert maps_view.update_count == 4 and maps_view.draw_count < 4
    qtbot.waitUntil(lambda: maps_view.draw_count >= 2, timeout=5000)
    qtbot.waitUntil(lambda: not maps_view.is_waiting)
    assert maps_view.maps is newest


def test_the_maps_say_why_not_for_data_without_two_features(qtbot, maps_view):
    note = maps_view.findChild(QLabel, "neuronMapsNote")
    maps_view.prepare_for(5)
    assert note.isVisible() and note.text() == unavailable_reason(5)
    assert not maps_view.scroll.isVisible()
    maps_view.prepare_for(2)
    assert note.text().startswith("Each hidden unit's map")


def test_many_units_scroll_inside_a_compact_view(qtbot, maps_view):
    torch.manual_seed(0)
    big = build_model(ModelSpec(hidden=[LayerSpec(units=100)] * 4), 2, 1)
    maps_view.show_maps(_plane().maps(big))
    assert len(maps_view.columns) == 5
    column = maps_view.columns[0]
    assert len(column.thumbs) == 64  # the first 64 of 100 units, and a word on the rest
    assert column.more.text() == "+36 more" and not column.more.isHidden()
    assert "first 64 of 100 units" in column.header.toolTip()
    assert maps_view.columns[4].more.isHidden()  # the output's one unit is all there
    hint = maps_view.sizeHint()
    assert hint.width() <= 360 and hint.height() <= 400  # beside a network on 1366x768
    assert maps_view.minimumSizeHint().height() < 300
    qtbot.waitUntil(lambda: maps_view.scroll.verticalScrollBar().maximum() > 0)  # the rest scrolls
    assert maps_view.width() == 300  # the view did not grow to hold them
