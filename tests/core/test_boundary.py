"""The decision-boundary grid: covers the data, gives probabilities, agrees with the model."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.boundary import (
    NOT_SHOWN,
    decision_grid,
    grid_bounds,
    grid_points,
    training_points,
    unavailable_reason,
)
from desktop_app.core.engine import Trainer
from desktop_app.core.evaluation import predict_prepared
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


def test_grid_covers_the_training_data_in_original_units(moons):
    d = moons.data
    points, labels = training_points(d.prep, d.x_train, d.y_train)
    raw = d.x_train * d.prep.scale + d.prep.mean  # the data as in the dataset preview
    assert points.min(axis=0) == pytest.approx(raw.min(axis=0), abs=1e-4)
    assert points.max(axis=0) == pytest.approx(raw.max(axis=0), abs=1e-4)
    (x0, x1), (y0, y1) = grid_bounds(raw)
    assert x0 < raw[:, 0].min() and x1 > raw[:, 0].max()
    assert y0 < raw[:, 1].min() and y1 > raw[:, 1].max()
    g = decision_grid(moons.model, d.prep, points, labels)
    assert g.probabilities.shape == (80, 80, 2)
    assert g.x_range == pytest.approx((x0, x1)) and g.y_range == pytest.approx((y0, y1))
    cells = grid_points((x0, x1), (y0, y1), 80)
    assert cells.shape == (6400, 2)
    assert cells[:, 0].min() > x0 and cells[:, 1].max() < y1


def test_moons_boundary_classifies_the_training_points_like_the_model(moons):
    d = moons.data
    points, labels = training_points(d.prep, d.x_train, d.y_train)
    moons.model.train()
    g = decision_grid(moons.model, d.prep, points, labels)
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
    points, labels = training_points(d.prep, d.x_train, d.y_train)
    g = decision_grid(t.model, d.prep, points, labels)
    probs = g.probabilities
    assert probs.shape == (80, 80, 3)
    assert probs.min() >= 0 and probs.max() <= 1
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)
    assert g.classes.shape == (80, 80)


def test_no_boundary_for_many_features_or_regression():
    assert unavailable_reason("binary", 20) == NOT_SHOWN
    assert unavailable_reason("regression", 2) == NOT_SHOWN
    assert unavailable_reason("multiclass", 2) is None
