"""The train/validation/test split: the same rows as sklearn's stratified train_test_split,
which every saved project was split with, so a project opened again trains on the rows it
trained on before."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from desktop_app.core.catalog import split_sizes
from desktop_app.core.errors import DataError
from desktop_app.core.prepared import split_indices
from desktop_app.core.specs.data import DataSpec


def sklearn_split(y, spec, task):
    """The split as it was made before: two calls of train_test_split, sorted."""
    n_train, n_val, n_test = split_sizes(len(y), spec.val_fraction, spec.test_fraction)
    strat = task in ("binary", "multiclass")
    idx = np.arange(len(y))
    rest, test = train_test_split(
        idx, test_size=n_test, random_state=spec.seed, stratify=y if strat else None
    )
    rest = np.sort(rest)
    train, val = train_test_split(
        rest, test_size=n_val, random_state=spec.seed + 1, stratify=y[rest] if strat else None
    )
    return np.sort(train), np.sort(val), np.sort(test)


def labels(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "balanced":
        return rng.integers(0, 2, n)
    if kind == "imbalanced":
        return (rng.random(n) < 0.07).astype(np.int64)
    if kind == "many classes":
        return rng.integers(0, 9, n)
    if kind == "ties":  # equal counts: sklearn breaks the ties with the same draws
        return np.repeat(np.arange(4), n // 4)
    if kind == "gaps in the codes":  # classes 1, 5, 6 only
        return rng.choice(np.array([1, 5, 6]), n)
    if kind == "float labels":  # a catalog dataset's 0.0/1.0 targets
        return rng.integers(0, 2, n).astype(np.float32)
    raise AssertionError(kind)


KINDS = ["balanced", "imbalanced", "many classes", "ties", "gaps in the codes", "float labels"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "n,seed,val,test",
    [(40, 0, 0.2, 0.2), (1003, 42, 0.15, 0.15), (20_000, 7, 0.1, 0.3), (997, 123, 0.3, 0.05)],
)
def test_a_classification_split_keeps_exactly_the_rows_sklearn_chose(kind, n, seed, val, test):
    y = labels(kind, n, seed)
    spec = DataSpec(seed=seed, val_fraction=val, test_fraction=test)
    task = "multiclass" if len(np.unique(y)) > 2 else "binary"
    try:
        wanted = sklearn_split(y, spec, task)
    except ValueError as exc:  # too few rows for so many classes: the same answer
        with pytest.raises(DataError, match=str(exc).split(".")[0]):
            split_indices(y, spec, task)
        return
    ours = split_indices(y, spec, task)
    for got, want in zip(ours, wanted):
        np.testing.assert_array_equal(got, want)
    assert len(np.unique(np.concatenate(ours))) == sum(map(len, ours)) == len(y)  # each once


def test_a_regression_split_is_unchanged_too():
    y = np.random.default_rng(3).normal(size=500).astype(np.float32)
    spec = DataSpec(seed=9)
    for got, want in zip(
        split_indices(y, spec, "regression"), sklearn_split(y, spec, "regression")
    ):
        np.testing.assert_array_equal(got, want)


def test_a_class_too_small_to_split_still_says_which_and_why():
    y = np.array([0] * 30 + [1] * 30 + [2])
    with pytest.raises(DataError, match=r"cannot split 61 samples.*only 1 member.*\[2\]"):
        split_indices(y, DataSpec(), "multiclass")
