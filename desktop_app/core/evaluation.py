"""A model on prepared (already standardised) rows: its predictions, its test metrics, and
the per-epoch loss and metric the training loop logs (on the device, no copies back)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.errors import TrainingError
from desktop_app.core.metrics import classification_metrics, regression_metrics
from desktop_app.core.outputs import predicted_classes, to_probabilities
from desktop_app.core.prepared import PreparedData


def evaluate(model: nn.Module, d: PreparedData, x: np.ndarray, y: np.ndarray, device) -> dict:
    """Metrics of a model on prepared (already standardised) rows."""
    out = predict_prepared(model, d.task, x, device)
    if not np.isfinite(out).all():  # scikit-learn would raise on NaN
        raise TrainingError(
            "the network's outputs on the test split are not finite numbers (its weights "
            "overflowed); try a lower learning rate, gradient clipping or standardised inputs"
        )
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


def targets_tensor(a: np.ndarray, device, classify_target: bool = False) -> torch.Tensor:
    """Rows or targets as a tensor on `device`: float, and (N, 1) for one output column,
    except class indices (multiclass targets)."""
    t = torch.from_numpy(np.ascontiguousarray(a))
    if not classify_target:
        t = t.float()  # BCE and regression losses want float targets
        if t.dim() == 1:
            t = t.unsqueeze(1)  # (N, 1) to match the model's single output column
    return t.to(device)


@torch.no_grad()
def _outputs(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    chunk = 65536
    if len(x) <= chunk:
        return model(x)
    return torch.cat([model(x[i : i + chunk]) for i in range(0, len(x), chunk)])


def loss_and_metric(
    model: nn.Module, loss_fn, task: str, x: torch.Tensor, y: torch.Tensor
) -> tuple[float | None, float | None]:
    """The loss and the headline metric (accuracy, or R²) on tensors already on the
    device: what each epoch logs. (None, None) for no rows."""
    if len(x) == 0:
        return None, None
    out = _outputs(model, x)
    loss = float(loss_fn(out, y))
    if task in (BINARY, MULTICLASS):
        predicted = predicted_classes(to_probabilities(out, task), task)
        metric = float((predicted.to(y.dtype) == y.reshape(-1)).float().mean())
    else:
        ss_res = float(((out - y) ** 2).sum())
        ss_tot = float(((y - y.mean()) ** 2).sum())
        metric = 1.0 - ss_res / ss_tot if ss_tot > 0 else None
    return loss, metric
