"""The one sample a step-through follows: typed in the data's units, or a row of a
prepared split; kept both as the user reads it and as the model's scaled inputs.

A typed value that is not a number, or a target that is no class of the model, raises
DataError naming the field, so the dialog can say what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.errors import DataError
from desktop_app.core.prepared import Preprocessing


@dataclass
class Sample:
    raw: np.ndarray  # feature values in the data's units (model feature order)
    x: np.ndarray  # the model's inputs: scaled as in training
    target: float  # a class index, or the target in its own units
    target_model: float  # what the loss compares with: the class, or the scaled target
    source: str  # "training row 3", "typed values"


def _num(text, what: str) -> float:
    try:
        v = float(str(text).strip())
    except ValueError:
        shown = str(text).strip()
        raise DataError(
            f"{what}: {shown!r} is not a number; type a number such as 0.5"
            if shown
            else f"{what} is empty; type a number such as 0.5"
        ) from None
    if not math.isfinite(v):
        raise DataError(f"{what}: {text!r} is not a finite number; type an ordinary number")
    return v


def _model_target(prep: Preprocessing, target: float) -> float:
    if prep.task == REGRESSION:
        return (target - prep.target_mean) / prep.target_scale
    return target


def sample_from_values(prep: Preprocessing, values: Sequence, target) -> Sample:
    """A sample typed in the data's units; target: a class name or index, or a number."""
    if len(values) != prep.n_features:
        raise DataError(f"give {prep.n_features} feature values, one per input; got {len(values)}")
    raw = np.array([_num(v, f"feature {n!r}") for v, n in zip(values, prep.feature_names)])
    if prep.task == REGRESSION:
        y = _num(target, "the target")
    else:
        names = list(prep.class_names)
        if str(target) in names:
            y = float(names.index(str(target)))
        elif (
            isinstance(target, int | float | np.integer | np.floating)
            and float(target).is_integer()
            and 0 <= int(target) < len(names)
        ):
            y = float(target)
        else:
            raise DataError(
                f"the target {str(target)!r} is not a class of this model; pick one of: "
                f"{', '.join(names)}"
            )
    x = prep.transform(raw.reshape(1, -1))[0]
    if not np.isfinite(x).all():
        bad = prep.feature_names[int(np.argmin(np.isfinite(x)))]
        raise DataError(f"feature {bad!r} is too large for the model's 32-bit inputs")
    return Sample(raw, x, y, _model_target(prep, y), "typed values")


def sample_from_rows(
    prep: Preprocessing, x: np.ndarray, y: np.ndarray, row: int, split: str
) -> Sample:
    """Row `row` (0-based) of a prepared split (x scaled, y a class or scaled target)."""
    if not 0 <= row < len(x):
        raise DataError(f"the {split} split has rows 1 to {len(x)}; row {row + 1} is not one")
    xs = np.asarray(x[row], dtype=np.float32)
    raw = xs.astype(np.float64)
    if prep.mean is not None and prep.scale is not None:
        raw = raw * prep.scale + prep.mean
    y_model = float(y[row])
    target = y_model * prep.target_scale + prep.target_mean if prep.task == REGRESSION else y_model
    return Sample(raw, xs, target, y_model, f"{split} row {row + 1}")
