"""Prepared data: the split arrays a run trains on and the Preprocessing fitted on the
training split only (kept in the model file, so exactly the same transform applies when
the model predicts later). A leaf: the catalog (core.data) and the table reader
(core.tabular) both build these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS, split_sizes
from desktop_app.core.errors import DataError, PreparationStopped
from desktop_app.core.row_blocks import mean_std, standardize
from desktop_app.core.specs.data import DataSpec


@dataclass
class RawColumn:
    """One column of a user's table as the model saw it before encoding.

    kind: numeric (one input), boolean (one input, 1/0) or categorical (one input per
    category, named "column=category"). fill: the value used where the column is empty
    (None: rows with gaps were dropped, so a gap at prediction time is an error).
    """

    name: str
    kind: str
    categories: list[str] = field(default_factory=list)
    fill: float | str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "categories": list(self.categories),
            "fill": self.fill,
        }

    @classmethod
    def from_dict(cls, d: dict) -> RawColumn:
        kind = str(d["kind"])
        if kind not in ("numeric", "boolean", "categorical"):
            raise DataError(f"unknown raw column kind {kind!r} in the saved preprocessing")
        fill = d.get("fill")
        if fill is not None and not isinstance(fill, int | float | str):
            raise DataError(f"bad fill value {fill!r} in the saved preprocessing")
        return cls(
            name=str(d["name"]),
            kind=kind,
            categories=[str(c) for c in d.get("categories", [])],
            fill=fill,
        )


@dataclass
class Preprocessing:
    """Everything needed to turn raw feature rows into model inputs and outputs back.

    For an imported table, raw_columns describe its feature columns before encoding,
    so that tabular.raw_rows.transform_raw can take rows of the original file.
    """

    task: str
    feature_names: list[str]
    class_names: list[str] = field(default_factory=list)
    mean: np.ndarray | None = None  # feature means (None: not standardised)
    scale: np.ndarray | None = None
    target_mean: float = 0.0  # regression targets are standardised for training
    target_scale: float = 1.0
    raw_columns: list[RawColumn] | None = None  # None: not a table (catalog dataset)
    target_column: str | None = None
    missing: str | None = None  # the table's missing-value policy

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_outputs(self) -> int:
        return len(self.class_names) if self.task == MULTICLASS else 1

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Rows -> standardised float32 model inputs. A value beyond float32's range
        becomes inf here (no warning): the predictor names it (core.predict)."""
        with np.errstate(over="ignore"):
            x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise DataError(
                f"expected rows of {self.n_features} features "
                f"({', '.join(self.feature_names[:8])}{'…' if self.n_features > 8 else ''}), "
                f"got shape {tuple(x.shape)}"
            )
        if self.mean is not None and self.scale is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                x = (x - self.mean) / self.scale
        return x.astype(np.float32, copy=False)

    def to_dict(self) -> dict:
        d = {
            "task": self.task,
            "feature_names": list(self.feature_names),
            "class_names": list(self.class_names),
            "mean": None if self.mean is None else [float(v) for v in self.mean],
            "scale": None if self.scale is None else [float(v) for v in self.scale],
            "target_mean": float(self.target_mean),
            "target_scale": float(self.target_scale),
        }
        if self.raw_columns is not None:
            d["raw"] = {
                "columns": [c.to_dict() for c in self.raw_columns],
                "target": self.target_column,
                "missing": self.missing,
            }
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Preprocessing:
        mean = d.get("mean")
        scale = d.get("scale")
        raw = d.get("raw")  # absent in files written before tables existed
        return cls(
            task=str(d["task"]),
            feature_names=[str(v) for v in d["feature_names"]],
            class_names=[str(v) for v in d.get("class_names", [])],
            mean=None if mean is None else np.asarray(mean, dtype=np.float32),
            scale=None if scale is None else np.asarray(scale, dtype=np.float32),
            target_mean=float(d.get("target_mean", 0.0)),
            target_scale=float(d.get("target_scale", 1.0)),
            raw_columns=None if raw is None else [RawColumn.from_dict(c) for c in raw["columns"]],
            target_column=None if raw is None else raw.get("target"),
            missing=None if raw is None else raw.get("missing"),
        )


@dataclass
class PreparedData:
    """Splits ready for training: float32 features; int64 classes or float32 targets.

    y_* for regression are standardised; raw_y_* keep the original units for metrics.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    prep: Preprocessing

    @property
    def task(self) -> str:
        return self.prep.task

    @property
    def n_features(self) -> int:
        return self.prep.n_features

    @property
    def n_outputs(self) -> int:
        return self.prep.n_outputs


def same_preprocessing(a: Preprocessing, b: Preprocessing) -> bool:
    """Whether re-prepared data matches a saved model's (same split, same scaling): the
    condition for continuing its training, or showing its results, on today's data."""
    if (a.task, a.feature_names, a.class_names) != (b.task, b.feature_names, b.class_names):
        return False
    for x, y in ((a.mean, b.mean), (a.scale, b.scale)):
        if (x is None) != (y is None) or (
            x is not None and not np.allclose(x, y, rtol=1e-5, atol=1e-6)
        ):
            return False
    return bool(
        np.isclose(a.target_mean, b.target_mean) and np.isclose(a.target_scale, b.target_scale)
    )


def prepare_arrays(
    x: np.ndarray,
    y: np.ndarray,
    spec: DataSpec,
    feature_names: list[str],
    class_names: list[str],
    task: str,
    indices: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    owned: bool = False,
    cancel: Callable[[], bool] | None = None,
) -> PreparedData:
    """Split raw arrays (stratified for classification) and fit the preprocessing.

    indices: the (train, val, test) split_indices() already computed for these rows.
    owned: x is the caller's to give away; splits that are runs of rows become views of
    it and are scaled in place (a table orders its rows by split, so nothing is copied).
    Peak memory is x plus its three splits (x alone when owned): scaling works in place
    and in row blocks.
    cancel: asked between blocks; True raises PreparationStopped (Stop, or the window
    closing, must not wait for millions of rows).
    """

    def check() -> None:
        if cancel is not None and cancel():
            raise PreparationStopped()

    x = np.asarray(x, dtype=np.float32)
    check()
    classify = task in (BINARY, MULTICLASS)
    y = np.asarray(y, dtype=np.int64 if classify else np.float32)
    train_idx, val_idx, test_idx = indices if indices is not None else split_indices(y, spec, task)
    x_train, x_val, x_test = (_rows(x, i, owned) for i in (train_idx, val_idx, test_idx))
    y_train, y_val, y_test = y[train_idx], y[val_idx], y[test_idx]
    prep = Preprocessing(task=task, feature_names=feature_names, class_names=class_names)
    if spec.standardize:
        mean, scale = mean_std(x_train)
        scale[scale < 1e-12] = 1.0
        prep.mean, prep.scale = mean.astype(np.float32), scale.astype(np.float32)
        for a in (x_train, x_val, x_test):  # copies, or owned views: scale in place
            standardize(a, prep.mean, prep.scale, check)
    check()
    if not classify:
        prep.target_mean = float(y_train.mean())
        prep.target_scale = float(y_train.std()) or 1.0
        y_train, y_val, y_test = (
            ((a - prep.target_mean) / prep.target_scale).astype(np.float32)
            for a in (y_train, y_val, y_test)
        )
    return PreparedData(
        np.ascontiguousarray(x_train),
        y_train,
        np.ascontiguousarray(x_val),
        y_val,
        np.ascontiguousarray(x_test),
        y_test,
        prep,
    )


def _rows(x: np.ndarray, idx: np.ndarray, owned: bool) -> np.ndarray:
    """x[idx]; a view when x is the caller's to give away and idx is a run of rows."""
    if owned and len(idx) and idx[-1] - idx[0] + 1 == len(idx):
        return x[idx[0] : idx[-1] + 1]
    return x[idx]


def split_indices(
    y: np.ndarray, spec: DataSpec, task: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted train, validation and test row indices (stratified for classification);
    the one split prepare_arrays uses, available before the features exist (a table fits
    its fill values on the training rows)."""
    n = len(y)
    n_train, n_val, n_test = split_sizes(n, spec.val_fraction, spec.test_fraction)
    classify = task in (BINARY, MULTICLASS)
    idx = np.arange(n)
    try:
        rest, test_idx = _split(idx, y, n_test, classify, spec.seed)
        train_idx, val_idx = _split(rest, y, n_val, classify, spec.seed + 1)
    except ValueError as exc:
        raise DataError(
            f"cannot split {n} samples into {n_train} train / {n_val} validation / "
            f"{n_test} test: {exc}. Use more samples or other split shares."
        ) from None
    return train_idx, val_idx, test_idx


def _split(idx: np.ndarray, y: np.ndarray, n_out: int, classify: bool, seed: int):
    from sklearn.model_selection import train_test_split

    if n_out == 0:
        return idx, idx[:0]
    strat = y[idx] if classify else None
    if classify:
        parts = _stratified_split(idx, strat, n_out, seed)
        if parts is not None:
            return parts
    a, b = train_test_split(idx, test_size=n_out, random_state=seed, stratify=strat)
    return np.sort(a), np.sort(b)


def _stratified_split(idx: np.ndarray, strat: np.ndarray, n_out: int, seed: int):
    """The rows sklearn's stratified train_test_split(idx, test_size=n_out,
    random_state=seed) keeps and holds out, sorted, in a tenth of its time on a large
    table: it gathers a million row numbers into Python lists, this stays in numpy. The
    same RandomState draws come in the same order, so the rows are the same (a test
    compares the two on many splits). None where sklearn must answer instead: a class
    with one row, fewer rows than classes on a side (its messages), or an sklearn
    without the helper used."""
    try:  # sklearn's own per-class counts, so that each side gets exactly its rows
        from sklearn.utils.extmath import _approximate_mode
    except ImportError:
        return None
    n = len(strat)
    if not 0 < n_out < n:
        return None
    if strat.dtype.kind in "iu" and strat.min() >= 0:
        counts = np.bincount(strat)
        present = np.flatnonzero(counts)
        code = np.zeros(len(counts), dtype=np.int16 if len(counts) < 2**15 else np.int64)
        code[present] = np.arange(len(present))
        codes, counts = code[strat], counts[present]
    else:
        _, codes, counts = np.unique(strat, return_inverse=True, return_counts=True)
    n_train, n_classes = n - n_out, len(counts)
    if counts.min() < 2 or n_train < n_classes or n_out < n_classes:
        return None
    # Stable: each class's rows in file order, as sklearn lists them (radix on int16).
    per_class = np.split(np.argsort(codes, kind="stable"), np.cumsum(counts)[:-1])
    rng = np.random.RandomState(seed)
    n_keep = _approximate_mode(counts, n_train, rng)
    n_held = _approximate_mode(counts - n_keep, n_out, rng)
    side = np.zeros(n, dtype=np.int8)  # 1 kept, 2 held out (sorted by a scan, not a sort)
    for rows, count, k, h in zip(per_class, counts, n_keep, n_held):
        shuffled = rows.take(rng.permutation(count), mode="clip")
        side[shuffled[:k]] = 1
        side[shuffled[k : k + h]] = 2
    return idx[side == 1], idx[side == 2]
