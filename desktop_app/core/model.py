"""ModelSpec -> torch.nn.Module, with a parameter count and a layer summary.

The network outputs logits (or standardised values for regression); sigmoid or softmax
is applied only where probabilities are asked for, so the loss can use the numerically
stable *WithLogits / cross-entropy forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from desktop_app.core.specs.model import ModelSpec

__all__ = ["build_model", "summary", "LayerRow", "activation_name", "layer_groups"]

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}


def activation_name(module: nn.Module) -> str | None:
    """The spec's name of an activation module build_model makes ("relu", ...), or None
    for a module that is not one (a Linear, batch norm, dropout)."""
    for name, cls in _ACTIVATIONS.items():
        if type(module) is cls and name != "identity":
            return name
    return None


def layer_groups(model: nn.Sequential) -> list[list[nn.Module]]:
    """The network as a learner reads its layers: each Linear with the modules after it
    (batch norm, activation, dropout) up to the next Linear."""
    groups: list[list[nn.Module]] = []
    for m in model:
        if isinstance(m, nn.Linear):
            groups.append([m])
        elif groups:
            groups[-1].append(m)
        else:
            raise ValueError(f"the network starts with {type(m).__name__}, not a Linear layer")
    return groups


def build_model(spec: ModelSpec, n_inputs: int, n_outputs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_inputs
    for layer in spec.hidden:
        layers.append(nn.Linear(width, layer.units))
        if layer.batch_norm:
            layers.append(nn.BatchNorm1d(layer.units))
        if layer.activation != "identity":
            layers.append(_ACTIVATIONS[layer.activation]())
        if layer.dropout > 0:
            layers.append(nn.Dropout(layer.dropout))
        width = layer.units
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class LayerRow:
    name: str
    shape: str
    params: int


def summary(spec: ModelSpec, n_inputs: int, n_outputs: int, output: str) -> list[LayerRow]:
    """One row per layer as a learner reads the network: input, hidden layers, output."""
    rows = [LayerRow("Input", f"{n_inputs}", 0)]
    width = n_inputs
    for i, layer in enumerate(spec.hidden, 1):
        extras = [layer.activation]
        if layer.batch_norm:
            extras.append("batch norm")
        if layer.dropout:
            extras.append(f"dropout {layer.dropout:g}")
        params = width * layer.units + layer.units + (2 * layer.units if layer.batch_norm else 0)
        rows.append(
            LayerRow(f"Hidden {i} ({', '.join(extras)})", f"{width} → {layer.units}", params)
        )
        width = layer.units
    rows.append(
        LayerRow(f"Output ({output})", f"{width} → {n_outputs}", width * n_outputs + n_outputs)
    )
    return rows


def predict_outputs(model: nn.Module, x: torch.Tensor, task: str) -> torch.Tensor:
    """Probabilities (classification) or standardised values (regression), no grad."""
    model.eval()
    with torch.no_grad():
        out = model(x)
    if task == "binary":
        return torch.sigmoid(out.squeeze(-1))
    if task == "multiclass":
        return torch.softmax(out, dim=-1)
    return out.squeeze(-1)
