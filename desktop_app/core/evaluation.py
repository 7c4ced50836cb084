"""A trained model on prepared (already standardised) rows: its predictions and test metrics."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.metrics import classification_metrics, regression_metrics
from desktop_app.core.outputs import to_probabilities
from desktop_app.core.prepared import PreparedData


def evaluate(model: nn.Module, d: PreparedData, x: np.ndarray, y: np.ndarray, device) -> dict:
    """Metrics of a model on prepared (already standardised) rows."""
    out = predict_prepared(model, d.task, x, device)
    if d.task == REGRESSION:
        scale, mean = d.prep.target_scale, d.prep.target_mean
        return regression_metrics(np.asarray(y) * scale + mean, out * scale + mean)
    return classification_metrics(y, out, d.task, len(d.prep.class_names))


@torch.no_grad()
def predict_prepared(model: nn.Module, task: str, x: np.ndarray, device) -> np.ndarray:
    """Probabilities (P(class 1) for binary) or standardised regression outputs."""
    model.eval()
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device)
    outs = []
    for i in range(0, max(len(xt), 1), 65536):
        outs.append(to_probabilities(model(xt[i : i + 65536]), task).cpu())
    return torch.cat(outs).numpy().astype(np.float64)


def actual_and_predicted(
    model: nn.Module, prep, x: np.ndarray, y: np.ndarray, device="cpu", limit: int = 5000
) -> tuple[np.ndarray, np.ndarray]:
    """A regression model's first `limit` rows: actual and predicted targets in the
    target's own units (for the predicted-against-actual plot)."""
    n = min(len(x), limit)
    pred = predict_prepared(model, prep.task, x[:n], device)
    scale, mean = prep.target_scale, prep.target_mean
    return np.asarray(y[:n], dtype=np.float64) * scale + mean, pred * scale + mean
