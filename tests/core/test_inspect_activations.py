"""The numbers behind the views inside the network: a hidden layer's activation space
(PCA of its outputs for the test rows) and each unit's map over a two-feature plane.
What a learner relies on: the picture is the layer's real geometry, it does not mirror
at random while training goes, looking never changes the training, and each thumbnail
is what that unit computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from torch import nn

from desktop_app.core.boundary import grid_bounds, grid_points
from desktop_app.core.inspect.activations import (
    NO_HIDDEN,
    NO_SPREAD,
    ActivationSampler,
    activation_space,
    hidden_layers,
    spread_rows,
)
from desktop_app.core.inspect.neuron_maps import NeuronPlane, unavailable_reason
from desktop_app.core.model import build_model
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.model import LayerSpec, ModelSpec


def _model(*layers: LayerSpec, n_inputs: int = 20, n_outputs: int = 1, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(ModelSpec(hidden=list(layers)), n_inputs, n_outputs)


def _rows(n: int = 200, d: int = 20, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def _hidden_output(model, x, upto: int) -> np.ndarray:
    """The layer's outputs computed the plain way, to compare against."""
    model.eval()
    with torch.no_grad():
        return model[: upto + 1](torch.from_numpy(x)).double().numpy()


def test_hidden_layers_are_named_as_a_learner_reads_the_network():
    model = _model(
        LayerSpec(units=10),
        LayerSpec(units=5, activation="tanh", batch_norm=True, dropout=0.2),
        LayerSpec(units=1, activation="identity"),
        n_outputs=3,
    )
    layers = hidden_layers(model)
    assert [layer.name for layer in layers] == [
        "hidden 1 (ReLU, 10 units)",
        "hidden 2 (batch norm, tanh, 5 units)",
        "hidden 3 (linear, 1 unit)",
    ]
    assert [layer.width for layer in layers] == [10, 5, 1]
    assert [layer.index for layer in layers] == [0, 1, 2]
    assert [layer.signed for layer in layers] == [False, True, True]
    # The captured output is after the activation, not the dropout (off at test time).
    assert isinstance(model[layers[1].module], nn.Tanh)
    assert hidden_layers(_model()) == []  # no hidden layers: nothing to choose


def test_projection_is_the_layers_pca_as_sklearn_computes_it():
    model = _model(LayerSpec(units=10))
    x = _rows()
    space = activation_space(model, x, 0)
    a = _hidden_output(model, x, hidden_layers(model)[0].module)
    ref = PCA(n_components=2).fit(a)
    assert space.explained == pytest.approx(ref.explained_variance_ratio_, rel=1e-6)
    expected = ref.transform(a)
    for j in range(2):  # the same axes, up to the sign PCA leaves open
        sign = np.sign(expected[:, j] @ space.points[:, j])
        assert space.points[:, j] == pytest.approx(sign * expected[:, j], abs=1e-6)
    assert space.mean == pytest.approx(a.mean(axis=0))
    assert space.axis_labels == (
        f"PC1 ({100 * ref.explained_variance_ratio_[0]:.0f}%)",
        f"PC2 ({100 * ref.explained_variance_ratio_[1]:.0f}%)",
    )
    for value in (space.points, space.explained, space.basis, space.mean):
        assert type(value) is np.ndarray  # nothing of torch reaches the GUI


def test_rows_on_a_line_give_one_axis_all_the_variance():
    """A hand example: a linear layer maps rows t*(1, 2) to t*(1, 2) + b, so every row
    lies on one line through the layer's space; PC1 is that line and PC2 is empty."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.eye(2))
        model[0].bias.copy_(torch.tensor([3.0, -1.0]))
    t = np.linspace(-2, 2, 9)
    x = np.column_stack([t, 2 * t]).astype(np.float32)
    space = activation_space(model, x, 0)
    assert space.explained == pytest.approx([1.0, 0.0], abs=1e-9)
    # PC1 is the unit vector along (1, 2), pointing where its largest loading is positive.
    assert space.basis[0] == pytest.approx(np.array([1, 2]) / np.sqrt(5), abs=1e-6)
    assert space.points[:, 0] == pytest.approx(t * np.sqrt(5), abs=1e-5)
    assert space.points[:, 1] == pytest.approx(0, abs=1e-6)
    assert space.mean == pytest.approx([3.0, -1.0], abs=1e-6)


def test_axes_keep_their_orientation_while_the_network_trains():
    """A live view must not mirror: each call's axes point the way the previous call's
    did, whatever sign the SVD picked, so the cloud moves smoothly."""
    model = _model(LayerSpec(units=10, activation="tanh"))
    x = _rows()
    y = torch.from_numpy((x[:, 0] + x[:, 1] > 0).astype(np.float32))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    space = activation_space(model, x, 0)
    for _ in range(30):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(
            model(torch.from_numpy(x)).squeeze(-1), y
        ).backward()
        opt.step()
        new = activation_space(model, x, 0, basis=space.basis)
        for j in range(2):
            assert new.basis[j] @ space.basis[j] > 0
            assert np.corrcoef(new.points[:, j], space.points[:, j])[0, 1] > 0.9
        space = new
    # Handed the mirror image of its own axes, it turns to match them.
    mirrored = activation_space(model, x, 0, basis=-space.basis)
    assert mirrored.basis == pytest.approx(-space.basis)
    assert mirrored.points == pytest.approx(-space.points)
    # A basis from another layer (another width) is ignored, not misapplied.
    other = activation_space(model, x, 0, basis=np.ones((2, 3)))
    assert other.basis == pytest.approx(activation_space(model, x, 0).basis)


def test_looking_inside_leaves_training_as_it_was():
    model = _model(LayerSpec(units=8, batch_norm=True, dropout=0.5))
    model.train()
    model[3].eval()  # a module the trainer set apart keeps its own flag
    bn = model[1]
    before = bn.running_mean.clone(), bn.num_batches_tracked.clone()
    x = torch.from_numpy(_rows(50))
    first = activation_space(model, x, 0)
    again = activation_space(model, x, 0)
    assert model.training and model[0].training and bn.training
    assert not model[3].training
    assert torch.equal(bn.running_mean, before[0])  # no batch statistics were taken
    assert torch.equal(bn.num_batches_tracked, before[1])
    assert again.points == pytest.approx(first.points)  # dropout was off: deterministic
    assert all(p.grad is None for p in model.parameters())


def test_a_one_unit_layer_is_its_value_against_the_row_number():
    model = _model(LayerSpec(units=1, activation="tanh"))
    x = _rows(40)
    space = activation_space(model, x, 0)
    expected = _hidden_output(model, x, hidden_layers(model)[0].module)[:, 0]
    assert space.points[:, 0] == pytest.approx(expected, abs=1e-6)  # not centred: its value
    assert space.points[:, 1] == pytest.approx(np.arange(40))
    assert space.axis_labels == ("unit output", "test row")
    assert space.note == ""


def test_a_dead_layer_says_why_its_picture_is_a_dot():
    model = _model(LayerSpec(units=6), LayerSpec(units=4))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every ReLU of the first layer outputs 0
    space = activation_space(model, _rows(30), 0)
    assert space.note == NO_SPREAD
    assert not space.points.any() and not space.explained.any()
    assert activation_space(model, _rows(30), 1).note == NO_SPREAD  # constant downstream


def test_a_layer_that_is_not_there_is_named_in_the_error():
    model = _model(LayerSpec(units=4), LayerSpec(units=3))
    with pytest.raises(ValueError, match=r"layer 2 does not exist.*2 hidden layers"):
        activation_space(model, _rows(5), 2)
    with pytest.raises(ValueError, match=NO_HIDDEN):
        activation_space(_model(), _rows(5), 0)


def test_spread_rows_are_few_even_and_fixed():
    assert spread_rows(5, 10).tolist() == [0, 1, 2, 3, 4]
    rows = spread_rows(10_000, 300)
    assert len(rows) == 300 and rows[0] == 0 and rows[-1] == 9_999
    assert np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, spread_rows(10_000, 300))


# ---------------------------------------------------------------------- neuron maps
def _two_feature_prep(task: str = "binary") -> Preprocessing:
    return Preprocessing(
        task=task,
        feature_names=["x1", "x2"],
        class_names=["blue", "orange"] if task == "binary" else [],
        mean=np.array([1.0, -2.0], np.float32),
        scale=np.array([2.0, 0.5], np.float32),
    )


def _hand_set_network() -> nn.Sequential:
    """2 -> 2 (tanh) -> 2 (ReLU) -> 1, every weight chosen by hand."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.5, -1.0]]))
        model[0].bias.copy_(torch.tensor([0.0, 0.25]))
        model[2].weight.copy_(torch.tensor([[2.0, -1.0], [-1.0, -1.0]]))
        model[2].bias.copy_(torch.tensor([0.1, 0.0]))
        model[4].weight.copy_(torch.tensor([[1.0, -3.0]]))
        model[4].bias.copy_(torch.tensor([-0.5]))
    return model


def test_each_unit_map_is_that_unit_computed_point_by_point():
    prep = _two_feature_prep()
    raw = np.array([[-3.0, -4.0], [5.0, 0.0], [1.0, -2.0]])  # original units
    plane = NeuronPlane.of(prep, prep.transform(raw), size=8)
    maps = plane.maps(_hand_set_network())
    (x0, x1), (y0, y1) = grid_bounds(raw)
    assert [*plane.x_range, *plane.y_range] == pytest.approx([x0, x1, y0, y1], abs=1e-5)
    points = grid_points(plane.x_range, plane.y_range, 8)
    xs = np.unique(points[:, 0])
    ys = np.unique(points[:, 1])
    assert [m.values.shape for m in maps.layers] == [(2, 8, 8), (2, 8, 8)]
    assert maps.output.values.shape == (1, 8, 8)
    for j, yv in enumerate(ys):  # rows run along the second feature, low end first
        for i, xv in enumerate(xs):
            a, b = (xv - 1.0) / 2.0, (yv + 2.0) / 0.5  # the saved standardisation
            h1 = [np.tanh(a), np.tanh(0.5 * a - b + 0.25)]
            h2 = [max(0.0, 2 * h1[0] - h1[1] + 0.1), max(0.0, -h1[0] - h1[1])]
            out = h2[0] - 3 * h2[1] - 0.5
            assert maps.layers[0].values[:, j, i] == pytest.approx(h1, abs=1e-5)
            assert maps.layers[1].values[:, j, i] == pytest.approx(h2, abs=1e-5)
            assert maps.output.values[0, j, i] == pytest.approx(out, abs=1e-5)
    first = maps.layers[0]
    assert first.lo == pytest.approx(first.values.min(axis=(1, 2)))
    assert first.hi == pytest.approx(first.values.max(axis=(1, 2)))
    assert first.limit == pytest.approx(np.abs(first.values).max())
    assert [m.layer.name for m in maps.layers] == [
        "hidden 1 (tanh, 2 units)",
        "hidden 2 (ReLU, 2 units)",
    ]
    assert maps.class_names == ["blue", "orange"] and maps.feature_names == ["x1", "x2"]


def test_neuron_maps_are_one_batched_pass_and_leave_the_model_as_it_was(monkeypatch):
    model = _hand_set_network()
    model.train()
    calls = []
    model[0].register_forward_hook(lambda m, i, o: calls.append(i[0].shape[0]))
    plane = NeuronPlane.of(_two_feature_prep(), np.zeros((4, 2), np.float32))
    plane.maps(model)
    assert calls == [32 * 32]  # the whole grid at once, not one pass per unit or cell
    assert model.training and all(m.training for m in model)


def test_data_without_two_features_gets_a_reason_not_maps():
    prep = Preprocessing(task="binary", feature_names=["a", "b", "c"], class_names=["0", "1"])
    assert NeuronPlane.of(prep, np.zeros((5, 3), np.float32)) is None
    assert unavailable_reason(3) == (
        "Neuron maps show what each unit computes over the plane of two input features; "
        "this data has 3 features."
    )
    assert "has 1 feature." in unavailable_reason(1)
    assert unavailable_reason(2) is None
    assert NeuronPlane.of(_two_feature_prep(), np.zeros((0, 2), np.float32)) is None


def test_the_sampler_keeps_rows_layer_and_orientation_between_looks():
    model = _model(LayerSpec(units=10), LayerSpec(units=4))
    x = _rows(1000)
    y = (x[:, 0] > 0).astype(np.int64)
    sampler = ActivationSampler.of(x, y, limit=120)
    assert len(sampler.x) == len(sampler.labels) == 120
    assert np.array_equal(sampler.labels, y[spread_rows(1000, 120)])  # rows and labels agree
    first = sampler.sample(model)
    assert first.layer.index == 0 and first.points.shape == (120, 2)
    assert sampler.sample(
        model,
    ).basis == pytest.approx(first.basis)
    # Mirror the remembered axes: the next look follows them, as it would after a flip.
    sampler.basis = -sampler.basis
    assert sampler.sample(model).points == pytest.approx(-first.points)
    sampler.choose(1)
    assert sampler.basis is None
    assert sampler.sample(model).layer.name == "hidden 2 (ReLU, 4 units)"
    sampler.choose(7)  # a layer the (new) network lacks: its last one
    assert sampler.sample(model).layer.index == 1
    assert sampler.sample(_model()) is None  # no hidden layers: nothing to sample


def test_a_wide_layer_maps_its_first_units_only():
    """A column of thumbnails shows a few dozen units; sending every unit of a wide layer
    a few times a second would cost more than it shows."""
    torch.manual_seed(0)
    model = build_model(ModelSpec(hidden=[LayerSpec(units=100, activation="tanh")]), 2, 1)
    plane = NeuronPlane.of(_two_feature_prep(), np.zeros((4, 2), np.float32), size=8)
    assert plane.unit_limit == 64
    wide = plane.maps(model).layers[0]
    assert wide.values.shape == (64, 8, 8) and wide.shown == 64 and wide.layer.width == 100
    plane.unit_limit = 1000
    full = plane.maps(model).layers[0]
    assert full.shown == 100
    assert wide.values == pytest.approx(full.values[:64])


def test_the_sampler_gives_regression_targets_in_the_datas_units():
    prep = Preprocessing(task="regression", feature_names=["a"], target_mean=50.0, target_scale=4.0)
    y = np.array([-1.0, 0.0, 2.0], np.float32)  # standardised, as the model trains on them
    sampler = ActivationSampler.of(np.zeros((3, 1), np.float32), y, prep=prep)
    assert sampler.labels == pytest.approx([46.0, 50.0, 58.0])
    classes = ActivationSampler.of(np.zeros((3, 1)), np.array([0, 1, 1]), prep=_two_feature_prep())
    assert classes.labels.tolist() == [0, 1, 1]
