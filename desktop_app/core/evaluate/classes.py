"""The per-class table (precision, recall, F1, support; accuracy and balanced accuracy)
and, for two classes, the same at any decision threshold without going over the rows
again: the scores of each class sorted once, so a threshold is two binary searches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ClassTable:
    """One row per class; averages as scikit-learn's classification_report gives them."""

    class_names: list[str]
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray  # int64: true rows of each class
    accuracy: float
    balanced_accuracy: float | None  # mean recall over the classes present

    @property
    def total(self) -> int:
        return int(self.support.sum())

    def macro(self) -> tuple[float, float, float]:
        return float(self.precision.mean()), float(self.recall.mean()), float(self.f1.mean())

    def weighted(self) -> tuple[float, float, float]:
        w = self.support / max(self.total, 1)
        return float(self.precision @ w), float(self.recall @ w), float(self.f1 @ w)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows: true class, columns: predicted class (as scikit-learn's confusion_matrix)."""
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def class_table(y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str]) -> ClassTable:
    """scikit-learn's per-class precision, recall, F1 and support (0 where undefined)."""
    from sklearn import metrics as skm

    labels = list(range(len(class_names)))
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = s > 0
    return ClassTable(
        list(class_names),
        p.astype(np.float64),
        r.astype(np.float64),
        f.astype(np.float64),
        s.astype(np.int64),
        float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0,
        float(r[present].mean()) if present.any() else None,
    )


def table_from_confusion(cm: np.ndarray, class_names: list[str]) -> ClassTable:
    """The same table from a confusion matrix (what the threshold control needs)."""
    cm = np.asarray(cm, dtype=np.int64)
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0).astype(np.float64)
    support = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    pr = precision + recall
    f1 = np.divide(2 * precision * recall, pr, out=np.zeros_like(tp), where=pr > 0)
    total = int(cm.sum())
    present = support > 0
    return ClassTable(
        list(class_names),
        precision,
        recall,
        f1,
        support.astype(np.int64),
        float(tp.sum() / total) if total else 0.0,
        float(recall[present].mean()) if present.any() else None,
    )


class ThresholdCounts:
    """A binary model's test scores, sorted per true class: the confusion matrix at
    any threshold t (class 1 predicted where P(class 1) >= t) in O(log n)."""

    def __init__(self, y_true: np.ndarray, p1: np.ndarray):
        y = np.asarray(y_true).reshape(-1).astype(bool)
        p = np.asarray(p1, dtype=np.float64).reshape(-1)
        self.positives = np.sort(p[y])
        self.negatives = np.sort(p[~y])

    def matrix(self, threshold: float) -> np.ndarray:
        t = float(threshold)
        n_pos, n_neg = len(self.positives), len(self.negatives)
        tp = n_pos - int(np.searchsorted(self.positives, t, side="left"))
        fp = n_neg - int(np.searchsorted(self.negatives, t, side="left"))
        return np.array([[n_neg - fp, fp], [n_pos - tp, tp]], dtype=np.int64)

    def rates(self, threshold: float) -> tuple[float, float]:
        """(false-positive rate, true-positive rate) at the threshold: its ROC point."""
        (tn, fp), (fn, tp) = self.matrix(threshold)
        return fp / max(tn + fp, 1), tp / max(tp + fn, 1)
