"""One model on one test split, judged: the predictions once, then the per-class table,
the curves, the threshold counts, the residuals, the rows and their losses; and the
listings of rows behind a confusion-matrix cell or with the largest losses.

`evaluate_split` is the one entry point (the Evaluation window's background job and
the benchmark call it); `evaluate_outputs` does the same from outputs already computed,
so that it can be checked without a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.catalog import BINARY, REGRESSION
from desktop_app.core.errors import DataError
from desktop_app.core.evaluate.classes import (
    ClassTable,
    ThresholdCounts,
    class_table,
    confusion,
    table_from_confusion,
)
from desktop_app.core.evaluate.curves import ClassCurve, class_curves, macro_roc_auc
from desktop_app.core.evaluate.importance import Predict
from desktop_app.core.evaluate.rows import Listing, RawRows, fmt, largest, raw_rows, row_losses
from desktop_app.core.prepared import Preprocessing

HISTOGRAM_BINS = 40


@dataclass
class Evaluation:
    """What the Evaluation window shows. Classification: `outputs` are (n, k) class
    probabilities and `y_true` class indices; regression: `outputs` are predictions and
    `y_true` actual values, both in the target's units."""

    task: str
    class_names: list[str]
    y_true: np.ndarray
    outputs: np.ndarray
    losses: np.ndarray
    raw: RawRows
    table: ClassTable | None = None
    matrix: np.ndarray | None = None  # the confusion matrix at the default rule
    curves: list[ClassCurve] = field(default_factory=list)
    roc_auc: float | None = None  # two classes: class 1's; several: the macro average
    threshold: ThresholdCounts | None = None  # two classes only
    residuals: np.ndarray | None = None  # regression: actual minus predicted
    histogram: tuple[np.ndarray, np.ndarray] | None = None  # (counts, bin edges)

    @property
    def n_rows(self) -> int:
        return len(self.y_true)

    @property
    def classify(self) -> bool:
        return self.task != REGRESSION

    @property
    def plotted_curves(self) -> list[ClassCurve]:
        """The curves to draw: class 1's for two classes (the other mirrors it)."""
        return self.curves[1:] if len(self.class_names) == 2 else self.curves

    def predicted(self, threshold: float = 0.5) -> np.ndarray:
        """Predicted class indices; for two classes, class 1 where P(class 1) >= threshold."""
        if self.task == BINARY:
            return (self.outputs[:, 1] >= threshold).astype(np.int64)
        return self.outputs.argmax(axis=1)

    def matrix_at(self, threshold: float) -> np.ndarray:
        if self.threshold is None:
            assert self.matrix is not None
            return self.matrix
        return self.threshold.matrix(threshold)

    def table_at(self, threshold: float) -> ClassTable:
        if self.threshold is None:
            assert self.table is not None
            return self.table
        return table_from_confusion(self.threshold.matrix(threshold), self.class_names)

    def cell_rows(self, true_class: int, predicted_class: int, threshold: float = 0.5):
        """Indices of the test rows of one confusion-matrix cell, in test-split order."""
        pred = self.predicted(threshold)
        return np.flatnonzero((self.y_true == true_class) & (pred == predicted_class))

    def largest_losses(self, n: int) -> np.ndarray:
        return largest(self.losses, n)

    def listing(self, rows: np.ndarray, threshold: float = 0.5) -> Listing:
        """The rows as text: test row number (1-based), input columns in the data's own
        units, then the truth, the prediction, the probabilities (or the error) and the
        loss."""
        rows = np.asarray(rows, dtype=np.int64)
        header = ["test row", *self.raw.names]
        cols = [fmt(values[rows]) for values in self.raw.values]
        if self.classify:
            names = np.array(self.class_names, dtype=object)
            header += ["true class", "predicted class"]
            header += [f"P({c})" for c in self.class_names]
            header += ["loss (cross-entropy)"]
            cols.append(fmt(names[self.y_true[rows]]))
            cols.append(fmt(names[self.predicted(threshold)[rows]]))
            cols += [fmt(self.outputs[rows, k]) for k in range(len(names))]
        else:
            header += ["actual", "predicted", "error (actual − predicted)", "squared error"]
            cols.append(fmt(self.y_true[rows]))
            cols.append(fmt(self.outputs[rows]))
            cols.append(fmt(self.residuals[rows]))
        cols.append(fmt(self.losses[rows]))
        body = [[str(r + 1) for r in rows], *cols]
        return Listing(header, [list(cells) for cells in zip(*body)])


def evaluate_outputs(
    prep: Preprocessing, x: np.ndarray, y: np.ndarray, outputs: np.ndarray
) -> Evaluation:
    """From the prepared test rows, their prepared targets and the model's outputs
    (class probabilities as core.evaluation.predict_prepared gives them, or values in
    standardised units)."""
    task = prep.task
    if len(y) == 0:
        raise DataError("the test split is empty, so there is nothing to evaluate")
    raw = raw_rows(prep, x)
    if task == REGRESSION:
        actual = np.asarray(y, np.float64).reshape(-1) * prep.target_scale + prep.target_mean
        predicted = np.asarray(outputs, np.float64).reshape(-1) * prep.target_scale
        predicted = predicted + prep.target_mean
        residuals = actual - predicted
        counts, edges = np.histogram(residuals, bins=HISTOGRAM_BINS)
        return Evaluation(
            task,
            [],
            actual,
            predicted,
            row_losses(task, actual, predicted),
            raw,
            residuals=residuals,
            histogram=(counts, edges),
        )
    names = list(prep.class_names)
    y_true = np.asarray(y, dtype=np.int64).reshape(-1)
    out = np.asarray(outputs, dtype=np.float64)
    full = np.column_stack([1 - out.reshape(-1), out.reshape(-1)]) if task == BINARY else out
    ev = Evaluation(task, names, y_true, full, row_losses(task, y_true, full), raw)
    pred = ev.predicted()
    ev.table = class_table(y_true, pred, names)
    ev.matrix = confusion(y_true, pred, len(names))
    ev.curves = class_curves(y_true, full, names)
    ev.roc_auc = ev.curves[1].roc_auc if len(names) == 2 else macro_roc_auc(ev.curves)
    if task == BINARY:
        ev.threshold = ThresholdCounts(y_true, full[:, 1])
    return ev


def predictor(model, prep: Preprocessing, device="cpu") -> Predict:
    """Prepared rows -> class probabilities (n, k), or values in the target's units:
    what permutation importance and partial dependence ask the model."""
    from desktop_app.core.evaluation import predict_prepared

    def predict(x: np.ndarray) -> np.ndarray:
        out = predict_prepared(model, prep.task, x, device)
        if prep.task == BINARY:
            return np.column_stack([1 - out, out])
        if prep.task == REGRESSION:
            return out * prep.target_scale + prep.target_mean
        return out

    return predict


def test_split_of(loaded) -> tuple[np.ndarray, np.ndarray]:
    """A saved model's test split, prepared again from its project's data (generated
    again, or its table read again), checked to be the split it was trained with."""
    from desktop_app.core.data import prepare
    from desktop_app.core.prepared import same_preprocessing

    d = prepare(loaded.project.data)
    if not same_preprocessing(d.prep, loaded.preprocessing):
        raise DataError(
            "the model's data no longer prepares as it did when it was trained (the table "
            "or its settings changed), so its test split cannot be rebuilt"
        )
    return d.x_test, d.y_test


def evaluate_split(model, prep: Preprocessing, x: np.ndarray, y: np.ndarray, device="cpu"):
    """The model's Evaluation on prepared test rows (predicted in blocks, no gradients)."""
    from desktop_app.core.evaluation import predict_prepared

    return evaluate_outputs(prep, x, y, predict_prepared(model, prep.task, x, device))
