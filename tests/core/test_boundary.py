"""The decision-boundary grid: covers the data, gives probabilities, agrees with the model,
and for many features lies on a plane that shows what separates the classes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop_app.core.boundary import (
    NOT_SHOWN,
    BoundarySource,
    HeatGrid,
    grid_bounds,
    grid_points,
    probabilities,
    training_points,
    unavailable_reason,
)
from desktop_app.core.engine import Trainer
from desktop_app.core.evaluation import predict_prepared
from desktop_app.core.planes import FEATURES, PlaneChoice
from desktop_app.core.prepared import prepare_arrays
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec


def _trained(dataset: str, **data) -> Trainer:
    p = Project(
        name=dataset,
        data=DataSpec(dataset=dataset, **data),
        model=ModelSpec(hidden=[LayerSpec(units=16)]),
        train=TrainSpec(epochs=40, early_stopping=False),
    )
    t = Trainer(p)
    t.fit()
    return t


@pytest.fixture(scope="module")
def moons() -> Trainer:
    return _trained("moons")


def _grid(trainer, choice=None):
    d = trainer.data
    return BoundarySource.of(d.prep, d.x_train, d.y_train).grid(trainer.model, choice)


def test_grid_covers_the_training_data_in_original_units(moons):
    d = moons.data
    points, labels = training_points(d.prep, d.x_train, d.y_train)
    raw = d.x_train * d.prep.scale + d.prep.mean  # the data as in the dataset preview
    assert points.min(axis=0) == pytest.approx(raw.min(axis=0), abs=1e-4)
    assert points.max(axis=0) == pytest.approx(raw.max(axis=0), abs=1e-4)
    (x0, x1), (y0, y1) = grid_bounds(raw)
    assert x0 < raw[:, 0].min() and x1 > raw[:, 0].max()
    assert y0 < raw[:, 1].min() and y1 > raw[:, 1].max()
    g = _grid(moons)
    assert g.probabilities.shape == (80, 80, 2)
    assert g.x_range == pytest.approx((x0, x1)) and g.y_range == pytest.approx((y0, y1))
    np.testing.assert_allclose(g.points, points, atol=1e-4)
    cells = grid_points((x0, x1), (y0, y1), 80)
    assert cells.shape == (6400, 2)
    assert cells[:, 0].min() > x0 and cells[:, 1].max() < y1


def test_two_feature_data_keeps_its_own_plane_whatever_is_chosen(moons):
    """Two features have one plane: the features themselves in their units, no caption,
    equal scales, and the model evaluated exactly at the raw grid points."""
    for choice in (None, PlaneChoice(), PlaneChoice(FEATURES, "x2", "x1")):
        g = _grid(moons, choice)
        assert (g.x_label, g.y_label, g.caption) == ("x1", "x2", "")
        assert g.equal_scale
        raw = grid_points(g.x_range, g.y_range, 80)
        direct = probabilities(moons.model, moons.data.prep, raw).reshape(80, 80, 2)
        np.testing.assert_allclose(g.probabilities, direct, atol=1e-5)


def test_moons_boundary_classifies_the_training_points_like_the_model(moons):
    d = moons.data
    points, labels = training_points(d.prep, d.x_train, d.y_train)
    moons.model.train()
    g = _grid(moons)
    assert moons.model.training  # evaluation put the model back in training mode
    p1 = predict_prepared(moons.model, d.task, d.prep.transform(points), "cpu")
    predicted = (p1 >= 0.5).astype(int)
    confident = np.abs(p1 - 0.5) > 0.2  # cells are 1/80 of the plane: skip the boundary
    assert confident.sum() > 0.8 * len(points)
    on_grid = np.array([g.class_at(x, y) for x, y in points[confident]])
    assert (on_grid == predicted[confident]).mean() > 0.98
    assert (predicted == labels).mean() > 0.9  # and the model learned the moons


def test_multiclass_probabilities_are_in_0_1_and_sum_to_1():
    p = Project(
        name="three",
        data=DataSpec(dataset="spiral"),
        model=ModelSpec(hidden=[LayerSpec(units=8)]),
        train=TrainSpec(epochs=3),
    )
    t = Trainer(p)
    t.fit()
    d = t.data
    assert unavailable_reason(d.task, d.n_features) is None
    probs = _grid(t).probabilities
    assert probs.shape == (80, 80, 3)
    assert probs.min() >= 0 and probs.max() <= 1
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)


def test_multiclass_on_many_features_gets_its_boundary_on_the_pca_plane():
    p = Project(
        name="four",
        data=DataSpec(dataset="classification", n_classes=4, n_informative=6, n_features=12),
        model=ModelSpec(hidden=[LayerSpec(units=8)]),
        train=TrainSpec(epochs=2),
    )
    t = Trainer(p)
    t.fit()
    g = _grid(t)
    assert g.probabilities.shape == (80, 80, 4)
    np.testing.assert_allclose(g.probabilities.sum(axis=-1), 1.0, atol=1e-5)
    assert g.x_label.startswith("PC1") and set(np.unique(g.labels)) == {0, 1, 2, 3}


def test_every_classifier_of_two_or_more_features_and_every_regression_gets_a_picture():
    assert unavailable_reason("binary", 20) is None
    assert unavailable_reason("multiclass", 64) is None
    assert unavailable_reason("regression", 10) is None
    assert unavailable_reason("regression", 1) is None
    assert unavailable_reason("binary", 1) == NOT_SHOWN


# ---------------------------------------------------------------- many features
W = np.array([1.0, -1.0, 0.0, 0.0, 0.0]) / np.sqrt(2)  # the separating direction


def _separable(n: int = 3000, seed: int = 0, task: str = "binary"):
    """Five features; the data spreads most along W (so W is the first principal
    component, also after standardisation: features 1 and 2 are alike in spread) and
    the class is the side of W a point lies on. A fifth feature is in other units."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    x += np.outer(4.0 * rng.normal(size=n), W)
    x[:, 4] = 100 + 50 * x[:, 4]
    y = (x @ W > 0).astype(np.int64) if task == "binary" else x @ W
    names = ["a", "b", "c", "d", "e"]
    spec = DataSpec(dataset="classification", val_fraction=0.0, test_fraction=0.0)
    classes = ["left", "right"] if task == "binary" else []
    return prepare_arrays(x, y, spec, names, classes, task)


def _linear(prep, direction: np.ndarray, scale: float = 5.0) -> torch.nn.Module:
    """A hand-set model whose output is `scale` times the raw inputs' projection on
    `direction` (written in the standardised inputs the model sees)."""
    model = torch.nn.Linear(5, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(scale * direction * prep.scale, dtype=torch.float32)[None])
        model.bias.copy_(torch.tensor([scale * float(prep.mean @ direction)], dtype=torch.float32))
    return model


def test_the_pca_plane_shows_the_split_along_a_known_separating_direction():
    d = _separable()
    source = BoundarySource.of(d.prep, d.x_train, d.y_train)
    g = source.grid(_linear(d.prep, W))
    assert g.x_label.startswith("PC1 (") and g.x_label.endswith("% of variance)")
    assert g.y_label.startswith("PC2 (")
    assert g.caption.startswith("Plane of the first two principal components (")
    assert "other directions held at the mean" in g.caption
    # W (in the standardised space) lies in the plane: the grid's classes split along
    # its projection there, i.e. on either side of the line through the mean across it.
    plane, coords = source.plane()
    w_std = W * d.prep.scale
    w_std /= np.linalg.norm(w_std)
    in_plane = plane.axes @ w_std
    assert np.linalg.norm(in_plane) > 0.99  # the direction lies in the plane
    cells = grid_points(g.x_range, g.y_range, 80)
    side = (cells @ in_plane).reshape(80, 80)
    away = np.abs(side) > 0.2
    assert away.mean() > 0.9
    np.testing.assert_array_equal(g.classes[away], (side[away] > 0).astype(int))
    # The training points projected onto the plane fall on their own class's side.
    assert (((coords @ in_plane) > 0).astype(int) == g.labels).mean() > 0.99
    assert len(g.points) == len(g.labels) == len(d.x_train) // 2  # sampled to 2000 at most


def test_two_picked_features_in_their_units_with_the_others_at_their_mean():
    d = _separable()
    source = BoundarySource.of(d.prep, d.x_train, d.y_train)
    plane, coords = source.plane(PlaneChoice(FEATURES, "e", "a"))
    g = source.grid(_linear(d.prep, W), PlaneChoice(FEATURES, "e", "a"))
    assert (g.x_label, g.y_label) == ("e", "a")
    assert g.caption == "Features e and a; the other 3 held at their mean"
    assert not g.equal_scale  # e spans ~300 units, a ~25: each axis gets its own scale
    raw_train = d.x_train * d.prep.scale + d.prep.mean
    np.testing.assert_allclose(coords[:, 0], raw_train[::2, 4], rtol=1e-5)
    np.testing.assert_allclose(coords[:, 1], raw_train[::2, 0], rtol=1e-5, atol=1e-5)
    cells = grid_points(g.x_range, g.y_range, 80)
    raw = plane.inputs(cells) * d.prep.scale + d.prep.mean  # the grid in original units
    np.testing.assert_allclose(raw[:, [4, 0]], cells, rtol=1e-5, atol=1e-4)
    for j in (1, 2, 3):  # b, c, d: at their training mean everywhere
        np.testing.assert_allclose(raw[:, j], raw_train[:, j].mean(), atol=1e-4)
    assert g.x_range[0] < raw_train[:, 4].min() and g.x_range[1] > raw_train[:, 4].max()
    # A name the data lacks (another project's pick) falls back to the first features.
    assert source.grid(_linear(d.prep, W), PlaneChoice(FEATURES, "zz", "a")).x_label == "a"
    assert source.grid(_linear(d.prep, W), PlaneChoice(FEATURES, "zz", "a")).y_label == "b"


def test_regression_on_many_features_draws_the_predicted_value_as_a_heat_map():
    d = _separable(task="regression")
    source = BoundarySource.of(d.prep, d.x_train, d.y_train)
    model = _linear(d.prep, W, scale=1.0 / d.prep.target_scale)
    with torch.no_grad():  # back to standardised targets: out = (x.W - mean) / scale
        model.bias -= d.prep.target_mean / d.prep.target_scale
    g = source.grid(model)
    assert isinstance(g, HeatGrid) and g.values.shape == (80, 80)
    assert g.caption.startswith("The predicted target by colour, on the plane of the first two")
    plane, coords = source.plane()
    raw = plane.inputs(grid_points(g.x_range, g.y_range, 80)) * d.prep.scale + d.prep.mean
    np.testing.assert_allclose(g.values.reshape(-1), raw @ W, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(
        g.targets, (d.x_train[::2] * d.prep.scale + d.prep.mean) @ W, atol=1e-3
    )
    assert g.value_at(*coords[0]) == pytest.approx(g.targets[0], abs=0.5)


def test_default_project_boundary_is_cheap_enough_for_the_training_thread():
    """80 x 80 on the default 20-feature project's MLP: well under the relay's budget
    (measured here: about 0.6 ms; the bound allows for a busy test machine)."""
    import time

    t = Trainer(Project())
    t.fit(1)
    d = t.data
    source = BoundarySource.of(d.prep, d.x_train, d.y_train)
    assert source.grid(t.model).probabilities.shape == (80, 80, 2)
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        source.grid(t.model)
        times.append(time.perf_counter() - t0)
    assert float(np.median(times)) < 0.02
