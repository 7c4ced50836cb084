"""Baselines: simple scikit-learn models on exactly the project's split and preprocessing
(the same PreparedData the network trains on: the seeded split, the scaling fitted on the
training rows), so the user sees whether the network beats them.

Classification: LogisticRegression and HistGradientBoostingClassifier; regression:
LinearRegression and HistGradientBoostingRegressor. Each is fitted on the training rows
only (boosting without its own early-stopping split, seeded by train.seed; on one thread
unless train.threads says otherwise) and scored on the validation and test rows with the
metrics the network's runs use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS
from desktop_app.core.metrics import HEADLINE, classification_metrics, regression_metrics
from desktop_app.core.prepared import PreparedData
from desktop_app.core.specs.project import Project

LINEAR, BOOSTED = "linear", "boosted"
BASELINES = (LINEAR, BOOSTED)
TITLES = {
    (LINEAR, True): "logistic regression",
    (LINEAR, False): "linear regression",
    (BOOSTED, True): "gradient-boosted trees",
    (BOOSTED, False): "gradient-boosted trees",
}


@dataclass
class BaselineResult:
    """One fitted baseline: its validation and test metrics and how long it took."""

    key: str  # linear or boosted
    name: str  # what a user reads: "logistic regression"
    estimator: str  # the scikit-learn class
    task: str
    metric_name: str
    val_loss: float | None  # log loss, or the project's loss on standardised targets
    val_metrics: dict
    test_metrics: dict
    seconds: float

    @property
    def val_metric(self) -> float | None:
        return self.val_metrics.get(self.metric_name)

    @property
    def test_metric(self) -> float | None:
        return self.test_metrics.get(self.metric_name)


def make_estimator(key: str, classify: bool, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression

    if key == LINEAR:
        return LogisticRegression(max_iter=1000) if classify else LinearRegression()
    cls = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
    return cls(early_stopping=False, random_state=seed)


def _proba(est, x: np.ndarray, n_classes: int, task: str) -> np.ndarray:
    """Class probabilities with one column per class of the project (a class absent from
    the training rows gets probability 0), or P(class 1) for a binary task."""
    p = est.predict_proba(x)
    full = np.zeros((len(x), n_classes))
    full[:, est.classes_.astype(np.int64)] = p
    return full[:, 1] if task == BINARY else full


def _regression_loss(project: Project, pred: np.ndarray, y: np.ndarray) -> float:
    import torch

    from desktop_app.core.training_parts import make_loss

    loss = make_loss(project)
    return float(loss(torch.from_numpy(pred).float(), torch.from_numpy(y).float()))


def _score(project, est, d: PreparedData, x, y) -> tuple[dict, float | None]:
    if len(x) == 0:
        return {}, None
    task, prep = d.task, d.prep
    if task in (BINARY, MULTICLASS):
        m = classification_metrics(
            y, _proba(est, x, len(prep.class_names), task), task, len(prep.class_names)
        )
        return m, m["log_loss"]
    pred = est.predict(x).astype(np.float64)
    yy = np.asarray(y, np.float64)
    scale, mean = prep.target_scale, prep.target_mean
    return regression_metrics(yy * scale + mean, pred * scale + mean), _regression_loss(
        project, pred, yy
    )


def fit_baseline(project: Project, d: PreparedData, key: str) -> BaselineResult:
    """Fit one baseline on d's training rows; score it on validation and test rows."""
    classify = d.task in (BINARY, MULTICLASS)
    from threadpoolctl import threadpool_limits

    est = make_estimator(key, classify, project.train.seed)
    start = time.perf_counter()
    # One OpenMP thread: on a shared or small machine boosting's thread pool spins
    # (measured here: 0.7 s on one thread, 8 s on two busy cores for the default project).
    with threadpool_limits(project.train.threads or 1):
        est.fit(d.x_train, d.y_train)
    val_metrics, val_loss = _score(project, est, d, d.x_val, d.y_val)
    test_metrics, _ = _score(project, est, d, d.x_test, d.y_test)
    return BaselineResult(
        key,
        TITLES[(key, classify)],
        type(est).__name__,
        d.task,
        HEADLINE[d.task],
        val_loss,
        val_metrics,
        test_metrics,
        time.perf_counter() - start,
    )


def run_baselines(
    project: Project,
    data: PreparedData | None = None,
    keys: tuple[str, ...] = BASELINES,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[BaselineResult]:
    """Every baseline on the project's data (prepared here unless given)."""
    from desktop_app.core.data import prepare

    d = data if data is not None else prepare(project.data)
    out = []
    for i, key in enumerate(keys):
        if cancel is not None and cancel():
            break
        out.append(fit_baseline(project, d, key))
        if progress is not None:
            progress((i + 1) / len(keys))
    return out
