"""What a model relies on: permutation importance of each input column and the partial
dependence of the predictions on one column, on the test split.

A column of an imported table is one group of model inputs (a category column is its
one-hot block), so a column is shuffled, or set, as a whole: its importance is that of
the column the user knows, not of one category. Both work on the prepared rows
through `predict` (prepared rows -> class probabilities, or values in the target's
units), so they need no torch here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desktop_app.core.catalog import BINARY, REGRESSION
from desktop_app.core.errors import OdysseyError
from desktop_app.core.prepared import Preprocessing

Predict = Callable[[np.ndarray], np.ndarray]
Progress = Callable[[float], None] | None
Cancel = Callable[[], bool] | None

MAX_ROWS = 10_000  # test rows shuffled (a seeded sample of larger test splits)
PD_ROWS = 2_000  # rows averaged for partial dependence
PD_POINTS = 25  # values of a numeric column


class EvaluationCancelled(OdysseyError):
    """The user closed the window or asked for something else meanwhile."""


@dataclass
class ColumnGroup:
    """An input column and the model inputs (columns of the prepared rows) it became."""

    name: str
    kind: str  # numeric, boolean or categorical
    inputs: np.ndarray  # int64 indices into the prepared rows
    categories: list[str]


def column_groups(prep: Preprocessing) -> list[ColumnGroup]:
    if prep.raw_columns is None:
        return [
            ColumnGroup(n, "numeric", np.array([j]), []) for j, n in enumerate(prep.feature_names)
        ]
    groups, j = [], 0
    for rc in prep.raw_columns:
        width = len(rc.categories) if rc.kind == "categorical" else 1
        groups.append(ColumnGroup(rc.name, rc.kind, np.arange(j, j + width), list(rc.categories)))
        j += width
    return groups


def score(task: str, y_true: np.ndarray, outputs: np.ndarray) -> float:
    """The headline metric: accuracy (class 1 where P >= 0.5 for two classes), or R²."""
    if task == REGRESSION:
        y = np.asarray(y_true, dtype=np.float64)
        ss_tot = float(((y - y.mean()) ** 2).sum())
        ss_res = float(((y - outputs) ** 2).sum())
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    if task == BINARY:
        pred = outputs[:, 1] >= 0.5
    else:
        pred = outputs.argmax(axis=1)
    return float(np.mean(pred == np.asarray(y_true)))


@dataclass
class Importance:
    """Drop of the headline metric when a column is shuffled, over `repeats` shuffles."""

    names: list[str]
    scores: np.ndarray  # (columns, repeats): baseline minus the shuffled score
    baseline: float
    metric: str  # accuracy or r2
    n_rows: int  # test rows used
    n_test: int

    @property
    def mean(self) -> np.ndarray:
        return self.scores.mean(axis=1)

    @property
    def std(self) -> np.ndarray:
        return self.scores.std(axis=1)

    def order(self) -> np.ndarray:
        """Columns from the most important down."""
        return np.argsort(-self.mean, kind="stable")


def sample_rows(n: int, limit: int, seed: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def permutation_importance(
    predict: Predict,
    task: str,
    x: np.ndarray,
    y: np.ndarray,
    groups: list[ColumnGroup],
    repeats: int = 5,
    max_rows: int = MAX_ROWS,
    seed: int = 0,
    progress: Progress = None,
    cancel: Cancel = None,
) -> Importance:
    """Shuffle each column group's values across the rows `repeats` times. y: what
    `predict` is scored against: class indices, or values in the target's units (an
    Evaluation's y_true), not the standardised targets of PreparedData."""
    rows = sample_rows(len(x), max_rows, seed)
    xs = np.ascontiguousarray(x[rows], dtype=np.float32)
    ys = np.asarray(y)[rows]
    rng = np.random.default_rng(seed + 1)
    baseline = score(task, ys, predict(xs))
    work = xs.copy()
    out = np.zeros((len(groups), repeats))
    for g, group in enumerate(groups):
        cols = group.inputs
        for r in range(repeats):
            if cancel is not None and cancel():
                raise EvaluationCancelled("the evaluation was cancelled")
            work[:, cols] = xs[rng.permutation(len(xs))][:, cols]
            out[g, r] = baseline - score(task, ys, predict(work))
        work[:, cols] = xs[:, cols]
        if progress is not None:
            progress((g + 1) / max(len(groups), 1))
    metric = "r2" if task == REGRESSION else "accuracy"
    return Importance([gr.name for gr in groups], out, baseline, metric, len(xs), len(x))


@dataclass
class PartialDependence:
    """The mean prediction over test rows with one column set to each value in turn."""

    column: str
    kind: str
    grid: np.ndarray  # numeric values (original units); 0..k-1 for categories
    labels: list[str]  # the values as text (categories, true/false, numbers)
    mean: np.ndarray  # (values, outputs): class probabilities, or (values, 1) values
    output_names: list[str]
    n_rows: int


def partial_dependence(
    predict: Predict,
    prep: Preprocessing,
    x: np.ndarray,
    group: ColumnGroup,
    output_names: list[str],
    points: int = PD_POINTS,
    max_rows: int = PD_ROWS,
    seed: int = 0,
) -> PartialDependence:
    """For a numeric column, `points` values between its 5th and 95th percentiles on
    the test rows; for a yes/no column false and true; for categories each category."""
    rows = sample_rows(len(x), max_rows, seed)
    xs = np.ascontiguousarray(x[rows], dtype=np.float32)
    cols = group.inputs
    mean = prep.mean[cols].astype(np.float64) if prep.mean is not None else np.zeros(len(cols))
    scale = prep.scale[cols].astype(np.float64) if prep.scale is not None else np.ones(len(cols))
    if group.kind == "categorical":
        encoded = np.eye(len(cols))
        grid = np.arange(len(cols), dtype=np.float64)
        labels = list(group.categories)
    elif group.kind == "boolean":
        encoded = np.array([[0.0], [1.0]])
        grid = np.array([0.0, 1.0])
        labels = ["false", "true"]
    else:
        raw = xs[:, cols[0]].astype(np.float64) * scale[0] + mean[0]
        uniq = np.unique(raw)
        if len(uniq) <= points:
            grid = uniq
        else:
            grid = np.unique(np.quantile(raw, np.linspace(0.05, 0.95, points)))
        encoded = grid[:, None]
        labels = [f"{v:.4g}" for v in grid]
    stacked = np.repeat(xs[None], len(grid), axis=0)  # (values, rows, inputs)
    stacked[:, :, cols] = ((encoded - mean) / scale).astype(np.float32)[:, None, :]
    outputs = predict(stacked.reshape(-1, xs.shape[1]))
    outputs = np.asarray(outputs, dtype=np.float64).reshape(len(grid), len(xs), -1)
    return PartialDependence(
        group.name, group.kind, grid, labels, outputs.mean(axis=1), list(output_names), len(xs)
    )
