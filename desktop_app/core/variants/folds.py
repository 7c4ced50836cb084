"""k-fold cross-validation data: the project's training and validation rows cut into k
folds (stratified for classification), each fold the validation split once; the test
split stays held out and the same in every fold. Each fold's scaling is fitted on its
own training rows, by the same prepare_arrays the project's data comes from."""

from __future__ import annotations

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS
from desktop_app.core.errors import DataError
from desktop_app.core.prepared import PreparedData, Preprocessing, prepare_arrays
from desktop_app.core.specs.data import DataSpec

MAX_FOLDS = 20


def _raw(x: np.ndarray, prep: Preprocessing) -> np.ndarray:
    if prep.mean is None or prep.scale is None:
        return np.asarray(x, dtype=np.float32)
    return (x * prep.scale + prep.mean).astype(np.float32)


def _raw_y(y: np.ndarray, prep: Preprocessing) -> np.ndarray:
    if prep.task in (BINARY, MULTICLASS):
        return y
    return (np.asarray(y, np.float64) * prep.target_scale + prep.target_mean).astype(np.float32)


def fold_indices(
    y: np.ndarray, task: str, k: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, validation) row indices into y for each of k folds; the validation folds
    are disjoint and together cover every row."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if not 2 <= k <= MAX_FOLDS:
        raise DataError(f"--folds {k}: give 2 to {MAX_FOLDS} folds")
    if k > len(y):
        raise DataError(
            f"{k} folds need at least {k} training and validation rows; there are {len(y)}"
        )
    if task in (BINARY, MULTICLASS):
        counts = np.bincount(np.asarray(y, np.int64))
        counts = counts[counts > 0]
        if counts.min() < k:
            raise DataError(
                f"{k} stratified folds need at least {k} rows of every class among the "
                f"training and validation rows; the rarest class has {int(counts.min())}. "
                "Use fewer folds"
            )
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    return [(np.sort(a), np.sort(b)) for a, b in splitter.split(np.zeros(len(y)), y)]


def fold_data(d: PreparedData, spec: DataSpec, k: int) -> list[PreparedData]:
    """The k folds of the project's prepared data (d), seeded by the data seed."""
    prep = d.prep
    pool_x = np.concatenate([_raw(d.x_train, prep), _raw(d.x_val, prep)])
    pool_y = np.concatenate([_raw_y(d.y_train, prep), _raw_y(d.y_val, prep)])
    test_x, test_y = _raw(d.x_test, prep), _raw_y(d.y_test, prep)
    x = np.concatenate([pool_x, test_x])
    y = np.concatenate([pool_y, test_y])
    test_idx = np.arange(len(pool_y), len(y))
    out = []
    for train_idx, val_idx in fold_indices(pool_y, prep.task, k, spec.seed):
        fold = prepare_arrays(
            x,
            y,
            spec,
            list(prep.feature_names),
            list(prep.class_names),
            prep.task,
            indices=(train_idx, val_idx, test_idx),
        )
        fold.prep.raw_columns = prep.raw_columns
        fold.prep.target_column = prep.target_column
        fold.prep.missing = prep.missing
        out.append(fold)
    return out
