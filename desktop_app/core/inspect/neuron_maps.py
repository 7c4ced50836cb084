"""Neuron maps: what every unit computes over the plane of two features.

TensorFlow Playground's signature view: for two-feature data each hidden unit's output,
drawn as a small heat map over the input plane, shows the piece of the boundary that
unit contributes (a line for the first layer, bends and bands deeper in), and the
output's map is the decision boundary itself. The plane is the decision boundary's
(core.boundary: the training data's span in original units, through the saved
preprocessing), but coarse: 32 x 32 cells are enough for a thumbnail and keep the one
batched forward pass, which captures every layer's output at once, near a millisecond,
so the training thread can afford it a few times a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop_app.core.boundary import grid_bounds, grid_points, original_units
from desktop_app.core.catalog import BINARY, MULTICLASS
from desktop_app.core.inspect.activations import (
    LayerInfo,
    evaluating,
    hidden_layers,
    layer_outputs,
)

MAP_SIZE = 32  # cells per axis of each unit's map
UNIT_LIMIT = 64  # units mapped per layer: a thumbnail column, and a few KB per look each
NOT_TWO_FEATURES = (
    "Neuron maps show what each unit computes over the plane of two input features; "
    "this data has {n} feature{s}."
)


@dataclass
class UnitMaps:
    """One layer's maps: values (units, ny, nx) float32 with rows along the second
    feature (row 0 at its low end), and each unit's lowest and highest value there.
    A layer wider than the unit limit has maps of its first units only (`shown` of
    `layer.width`)."""

    layer: LayerInfo
    values: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def shown(self) -> int:
        return int(self.values.shape[0])

    @property
    def limit(self) -> float:
        """The largest |value| in the layer: one colour scale for all its units, so a
        unit that barely changes looks faint next to one that does the work."""
        return float(max(np.abs(self.lo).max(initial=0.0), np.abs(self.hi).max(initial=0.0)))


@dataclass
class NeuronMaps:
    """Every hidden unit's map and the output's, over one grid of the input plane.

    The output is the network's raw output: logits for classification (0 is the
    decision boundary: above it, class 1 for binary data), standardised predictions for
    regression."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    layers: list[UnitMaps]
    output: UnitMaps
    task: str
    feature_names: list[str]
    class_names: list[str]


def unavailable_reason(n_features: int) -> str | None:
    """Why this data gets no neuron maps, or None when it does."""
    if n_features == 2:
        return None
    return NOT_TWO_FEATURES.format(n=n_features, s="s" * (n_features != 1))


def output_layer(model, n_hidden: int) -> LayerInfo:
    """The output as a LayerInfo, so its map is captured in the same pass."""
    last = len(model) - 1
    width = int(model[last].out_features)
    return LayerInfo(n_hidden, "output", width, "Identity", last, signed=True)


def output_meaning(task: str, class_names: list[str], unit: int) -> str:
    """What an output unit's value says, for its tooltip."""
    if task == BINARY:
        name = class_names[1] if len(class_names) > 1 else "class 1"
        return f"logit: above 0 the model predicts {name}; 0 (white) is the boundary"
    if task == MULTICLASS:
        name = class_names[unit] if unit < len(class_names) else f"class {unit + 1}"
        return f"logit of {name}: where it is the highest, {name} is predicted"
    return "the prediction, in standardised units (0 is the targets' mean)"


def unit_maps(layer: LayerInfo, outputs: np.ndarray, size: int, limit: int) -> UnitMaps:
    kept = outputs[:, :limit]
    values = kept.T.reshape(kept.shape[1], size, size).astype(np.float32)
    return UnitMaps(layer, values, values.min(axis=(1, 2)), values.max(axis=(1, 2)))


@dataclass
class NeuronPlane:
    """The plane of a run's training data, set up once (grid made and prepared), then
    `maps(model)` for any state of the model, as core.boundary.BoundaryPlane does for
    the boundary."""

    prep: object  # core.prepared.Preprocessing
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    grid: np.ndarray  # (size * size, 2) prepared model inputs, float32
    size: int = MAP_SIZE
    unit_limit: int = UNIT_LIMIT

    @classmethod
    def of(cls, prep, x_train: np.ndarray, size: int = MAP_SIZE) -> NeuronPlane | None:
        """The plane of this (prepared) training data, or None: not two features, or
        no rows to span it."""
        if unavailable_reason(prep.n_features) or not len(x_train):
            return None
        x_range, y_range = grid_bounds(original_units(prep, x_train))
        grid = prep.transform(grid_points(x_range, y_range, size))
        return cls(prep, x_range, y_range, np.ascontiguousarray(grid), size)

    def maps(self, model) -> NeuronMaps:
        """Every unit's map now: one forward pass of the whole grid; the model's
        training flags are left as they were."""
        layers = hidden_layers(model)
        wanted = [*layers, output_layer(model, len(layers))]
        with evaluating(model):
            outputs = layer_outputs(model, self.grid, wanted)
        maps = [
            unit_maps(layer, out, self.size, self.unit_limit)
            for layer, out in zip(wanted, outputs, strict=True)
        ]
        return NeuronMaps(
            x_range=self.x_range,
            y_range=self.y_range,
            layers=maps[:-1],
            output=maps[-1],
            task=self.prep.task,
            feature_names=list(self.prep.feature_names),
            class_names=list(self.prep.class_names),
        )
