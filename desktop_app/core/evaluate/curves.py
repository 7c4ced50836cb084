"""ROC and precision-recall curves, each class against the rest, with their areas.

A curve has a point per distinct score (up to the number of test rows); what is kept
for drawing is thinned to at most `max_points`, while the areas come from every point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ClassCurve:
    """One class against the rest; the areas are None when the test split lacks the
    class or has only it."""

    name: str
    positives: int  # test rows of this class
    fpr: np.ndarray
    tpr: np.ndarray
    roc_auc: float | None
    recall: np.ndarray
    precision: np.ndarray
    average_precision: float | None


def class_curves(
    y_true: np.ndarray, full: np.ndarray, class_names: list[str], max_points: int = 2000
) -> list[ClassCurve]:
    """Curves of every class (n, k probabilities), each against the rest (for two
    classes, class 1's is the usual ROC curve of a binary model)."""
    from sklearn import metrics as skm

    y = np.asarray(y_true).reshape(-1)
    out = []
    for c in range(len(class_names)):
        is_c = y == c
        n_c = int(is_c.sum())
        empty = np.zeros(0)
        if not 0 < n_c < len(y):
            out.append(ClassCurve(class_names[c], n_c, empty, empty, None, empty, empty, None))
            continue
        scores = full[:, c]
        fpr, tpr, _ = skm.roc_curve(is_c, scores)
        precision, recall, _ = skm.precision_recall_curve(is_c, scores)
        out.append(
            ClassCurve(
                class_names[c],
                n_c,
                *thin(fpr, tpr, max_points),
                float(skm.auc(fpr, tpr)),
                *thin(recall, precision, max_points),
                # scikit-learn's average_precision_score, from the curve at hand
                float(-np.sum(np.diff(recall) * precision[:-1])),
            )
        )
    return out


def macro_roc_auc(curves: list[ClassCurve]) -> float | None:
    """The mean of the classes' ROC AUCs (scikit-learn's one-vs-rest macro average)."""
    values = [c.roc_auc for c in curves if c.roc_auc is not None]
    return float(np.mean(values)) if values and len(values) == len(curves) else None


def thin(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most max_points of a curve, evenly spaced along it, first and last kept."""
    if len(x) <= max_points:
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return np.asarray(x[keep], dtype=np.float64), np.asarray(y[keep], dtype=np.float64)
