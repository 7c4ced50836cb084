"""Test-split metrics, computed by scikit-learn so that they match what users know."""

from __future__ import annotations

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS
from desktop_app.core.outputs import class_probabilities, predicted_classes


def classification_metrics(
    y_true: np.ndarray, proba: np.ndarray, task: str, n_classes: int
) -> dict:
    """Accuracy, macro precision/recall/F1, confusion matrix, ROC AUC and log loss.

    proba: P(class 1) per row for binary, or one row of class probabilities for multiclass.
    """
    from sklearn import metrics as skm

    y_true = np.asarray(y_true).reshape(-1).astype(np.int64)
    labels = list(range(n_classes))
    if task == BINARY:
        p1 = np.clip(np.asarray(proba, dtype=np.float64).reshape(-1), 1e-7, 1 - 1e-7)
        full = class_probabilities(p1, task)
        y_pred = predicted_classes(p1, task).astype(np.int64)
    else:
        full = np.clip(np.asarray(proba, dtype=np.float64), 1e-7, 1.0)
        full = full / full.sum(axis=1, keepdims=True)
        y_pred = predicted_classes(full, task)
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(
            skm.precision_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)
        ),
        "recall": float(
            skm.recall_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)
        ),
        "f1": float(skm.f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)),
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "log_loss": float(skm.log_loss(y_true, full, labels=labels)),
    }
    present = np.unique(y_true)
    if len(present) < 2:
        out["roc_auc"] = None  # undefined with one class in the test split
    elif task == BINARY:
        out["roc_auc"] = float(skm.roc_auc_score(y_true, full[:, 1]))
    elif n_classes == 2:  # a 2-class multiclass (softmax) model: P(class 1) is column 1
        out["roc_auc"] = float(skm.roc_auc_score(y_true, full[:, 1]))
    elif task == MULTICLASS and len(present) == n_classes:
        out["roc_auc"] = float(skm.roc_auc_score(y_true, full, multi_class="ovr", labels=labels))
    else:
        out["roc_auc"] = None  # one-vs-rest needs every class in the test split
    out.update(class_summary(y_true, y_pred, full, n_classes))
    return out


def class_summary(y_true: np.ndarray, y_pred: np.ndarray, full: np.ndarray, n_classes: int) -> dict:
    """The per-class table and the areas under the curves, as flat lists of numbers (one
    per class), so that a model file keeps them in its test metrics and older versions of
    Odyssey, which accept only numbers and lists there, still open the file.

    balanced_accuracy: mean recall over the classes present in the test split;
    class_roc_auc / class_average_precision: each class against the rest (None for a
    class absent from the test split); average_precision: the area under the
    precision-recall curve (scikit-learn's average precision) of class 1 for two
    classes, else the mean over the classes present.
    """
    from sklearn import metrics as skm

    labels = list(range(n_classes))
    p, r, f, support = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    present = support > 0
    roc, ap = [], []
    for c in labels:
        is_c = y_true == c
        both = 0 < int(is_c.sum()) < len(y_true)
        roc.append(float(skm.roc_auc_score(is_c, full[:, c])) if both else None)
        ap.append(float(skm.average_precision_score(is_c, full[:, c])) if both else None)
    defined = [v for v in ap if v is not None]
    if n_classes == 2:
        average_precision = ap[1]
    else:
        average_precision = float(np.mean(defined)) if defined else None
    return {
        "balanced_accuracy": float(r[present].mean()) if present.any() else None,
        "average_precision": average_precision,
        "class_precision": [float(v) for v in p],
        "class_recall": [float(v) for v in r],
        "class_f1": [float(v) for v in f],
        "class_support": [int(v) for v in support],
        "class_roc_auc": roc,
        "class_average_precision": ap,
    }


# Test metrics that hold one value per class (lists), not one number.
PER_CLASS = (
    "class_precision",
    "class_recall",
    "class_f1",
    "class_support",
    "class_roc_auc",
    "class_average_precision",
)


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    from sklearn import metrics as skm

    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    mse = float(skm.mean_squared_error(y_true, y_pred))
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "r2": float(skm.r2_score(y_true, y_pred)) if len(y_true) > 1 else None,
    }


HEADLINE = {"binary": "accuracy", "multiclass": "accuracy", "regression": "r2"}
