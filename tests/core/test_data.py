"""Every catalog entry loads with the right shapes and task; splits and scaling are honest."""

import numpy as np
import pytest

from desktop_app.core.catalog import CATALOG
from desktop_app.core.data import prepare
from desktop_app.core.specs.data import DataSpec


@pytest.mark.parametrize("name", list(CATALOG))
def test_catalog_entry_loads(name):
    spec = DataSpec(dataset=name, n_samples=300)
    d = prepare(spec)
    info = CATALOG[name]
    n = spec.total_samples
    assert len(d.x_train) + len(d.x_val) + len(d.x_test) == n
    assert d.x_train.shape[1] == spec.features == len(d.prep.feature_names)
    assert d.x_train.dtype == np.float32
    assert d.task == spec.task
    if info.task == "regression":
        assert d.prep.class_names == []
        assert d.y_train.dtype == np.float32
    else:
        assert len(d.prep.class_names) == spec.classes
        assert set(np.unique(d.y_train)) == set(range(spec.classes))
    if info.kind == "real":
        assert n == info.n_samples


def test_task_follows_class_count():
    assert DataSpec(dataset="classification", n_classes=3, n_informative=3).task == "multiclass"
    assert DataSpec(dataset="blobs", n_classes=2).task == "binary"


def test_real_sets_keep_names():
    d = prepare(DataSpec(dataset="iris"))
    assert d.prep.class_names == ["setosa", "versicolor", "virginica"]
    assert d.prep.feature_names[0] == "sepal length (cm)"


def test_split_is_stratified_and_fixed_by_seed():
    spec = DataSpec(dataset="classification", n_samples=1000, val_fraction=0.1, test_fraction=0.2)
    a, b = prepare(spec), prepare(spec)
    assert np.array_equal(a.x_test, b.x_test)
    assert (len(a.x_train), len(a.x_val), len(a.x_test)) == (700, 100, 200)
    assert abs(a.y_test.mean() - a.y_train.mean()) < 0.02  # class balance preserved
    c = prepare(spec.model_copy(update={"seed": 7}))
    assert not np.array_equal(a.x_test, c.x_test)


def test_scaler_is_fitted_on_training_split_only():
    d = prepare(DataSpec(dataset="wine"))
    assert np.allclose(d.x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(d.x_train.std(axis=0), 1, atol=1e-3)
    assert not np.allclose(d.x_test.mean(axis=0), 0, atol=1e-3)
    raw_unscaled = prepare(DataSpec(dataset="wine", standardize=False))
    assert np.allclose(d.prep.transform(raw_unscaled.x_test), d.x_test, atol=1e-5)


def test_regression_targets_are_standardised_on_train():
    d = prepare(DataSpec(dataset="diabetes"))
    assert abs(float(d.y_train.mean())) < 1e-5
    assert d.prep.target_scale > 10  # original units kept for reporting


def test_transform_rejects_wrong_width():
    d = prepare(DataSpec(dataset="iris"))
    with pytest.raises(Exception, match="expected rows of 4 features"):
        d.prep.transform(np.zeros((2, 3)))
