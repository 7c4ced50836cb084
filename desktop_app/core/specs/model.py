"""ModelSpec and LayerSpec: the network's hidden layers; its size without building it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.specs.base import Spec

Activation = Literal["relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "identity"]

ACTIVATIONS: tuple[str, ...] = Activation.__args__  # type: ignore[attr-defined]
# Far beyond any network this app trains well; a file claiming a million layers would
# build a million modules (7.6 GB) before any memory check could count them.
MAX_HIDDEN_LAYERS = 1000


class LayerSpec(Spec):
    """One hidden layer: a fully connected layer, then its activation."""

    units: int = Field(10, gt=0, le=1_000_000, description="Neurons in the layer.")
    activation: Activation = "relu"
    dropout: float = Field(0.0, ge=0, lt=1, description="Share of units dropped in training.")
    batch_norm: bool = False


class ModelSpec(Spec):
    """A multi-layer perceptron; input and output sizes follow from the data and task."""

    hidden: list[LayerSpec] = Field(
        default_factory=lambda: [LayerSpec(units=10)], max_length=MAX_HIDDEN_LAYERS
    )


def count_parameters(spec: ModelSpec, n_inputs: int, n_outputs: int) -> int:
    """Trainable parameters of the MLP a ModelSpec describes, without building it (and
    without importing torch, so the GUI can show it live)."""
    total, width = 0, n_inputs
    for layer in spec.hidden:
        total += width * layer.units + layer.units
        if layer.batch_norm:
            total += 2 * layer.units
        width = layer.units
    return total + width * n_outputs + n_outputs


def output_activation(task: str) -> str:
    """What turns the network's last layer into an answer for this task."""
    return {BINARY: "sigmoid", MULTICLASS: "softmax", REGRESSION: "linear"}[task]
