"""A model's raw outputs -> probabilities and predicted classes: the one rule.

Training metrics, test metrics, predictions and the decision boundary all read a
network's outputs through these functions, so they cannot disagree about which class a
row belongs to. Binary models have one output (a logit): P(class 1) is its sigmoid and
class 1 is predicted where that is at least 0.5. Multiclass models have one logit per
class: probabilities are their softmax and the most probable class is predicted.
Regression outputs are values (standardised units) and pass through unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    import torch


def to_probabilities(out: torch.Tensor, task: str) -> torch.Tensor:
    """(n,) P(class 1) for binary, (n, k) class probabilities for multiclass, (n,)
    values for regression, from the network's (n, 1) or (n, k) outputs."""
    import torch

    if task == BINARY:
        return torch.sigmoid(out.squeeze(-1))
    if task == MULTICLASS:
        return torch.softmax(out, dim=-1)
    return out.squeeze(-1)


def class_probabilities(p: np.ndarray, task: str) -> np.ndarray:
    """(n, k) rows of class probabilities from to_probabilities()' output (as numpy):
    binary P(class 1) becomes the two columns P(class 0), P(class 1)."""
    if task == BINARY:
        p1 = p.reshape(-1)
        return np.column_stack([1 - p1, p1])
    return p.reshape(len(p), -1)


def predicted_classes(p, task: str):
    """The predicted class of each row from to_probabilities()' output (a numpy array
    or a torch tensor; binary gives booleans, True for class 1)."""
    if task == BINARY:
        return p.reshape(-1) >= 0.5
    return p.argmax(-1)
