"""Activation space: how a hidden layer arranges the test rows, seen in two dimensions.

A layer of ten units places every row at a point in ten dimensions; principal component
analysis (PCA) picks the plane of that cloud with the most spread, so a learner can
watch the classes pull apart layer by layer as training goes. The training thread calls
`activation_space` a few times a second on a few hundred test rows: one forward pass up
to the chosen layer and an SVD of a (rows x units) matrix, well under a millisecond for
the default network.

PCA fixes each axis only up to its sign, and an SVD may return either sign from one
call to the next, which would mirror the picture at random while the user watches. So a
caller passes the previous call's `basis` back in and each new axis is turned to point
the same way as the old one (positive dot product). Without one (the first call), each
axis is turned so its largest loading is positive, which is at least repeatable for the
same weights. Two axes whose variances cross can still swap places (PC1 is always the
larger); that is a real change in the layer, not noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from desktop_app.core.catalog import REGRESSION

ROW_LIMIT = 300  # test rows projected: enough to see classes, cheap to send each time

# How the engine's activation modules read in a layer's name (core/model.py builds them).
ACTIVATION_NAMES = {
    "ReLU": "ReLU",
    "LeakyReLU": "leaky ReLU",
    "ELU": "ELU",
    "GELU": "GELU",
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
}
# Activations whose output is never negative: their maps need no colour below zero.
NON_NEGATIVE = {"ReLU", "Sigmoid"}

NO_HIDDEN = "This network has no hidden layers: its inputs go straight to the output."
NO_SPREAD = (
    "Every test row gives this layer the same output, so there is nothing to spread "
    "out (its units may all be dead: a ReLU that outputs 0 for every row)."
)


@dataclass(frozen=True)
class LayerInfo:
    """A hidden layer as the views name it.

    index: its place among the hidden layers (0 = the first), what `activation_space`
    takes. module: the position in the nn.Sequential whose output is the layer's output
    (after batch norm and the activation; dropout is off in eval mode). signed: whether
    its outputs can be negative (tanh, identity, ...) or not (ReLU, sigmoid)."""

    index: int
    name: str
    width: int
    activation: str
    module: int
    signed: bool


@dataclass
class ActivationSpace:
    """A hidden layer's activations for some rows, projected onto their first two
    principal axes. Plain numpy, so it can travel with the progress update.

    points: (rows, 2) float64, each row's coordinates on (PC1, PC2), centred at zero.
    explained: (2,) share of the layer's total variance along each axis (0 to 1).
    basis: (2, width) unit-length axes in the layer's space; pass it to the next call to
    keep the picture's orientation. mean: (width,) the centre the rows were taken from.
    axis_labels: what each axis shows, e.g. "PC1 (71%)"; a 1-unit layer has no plane,
    so its points are (the unit's output, the row's number) and the labels say so.
    note: why the picture says little ("" when it is fine).
    """

    layer: LayerInfo
    points: np.ndarray
    explained: np.ndarray
    basis: np.ndarray
    mean: np.ndarray
    axis_labels: tuple[str, str]
    note: str = ""


def hidden_layers(model) -> list[LayerInfo]:
    """The hidden layers of a network built by core.model.build_model: each starts at a
    Linear and runs up to the next one; the last Linear is the output, not listed."""
    from torch import nn

    modules = list(model)
    starts = [i for i, m in enumerate(modules) if isinstance(m, nn.Linear)]
    layers = []
    for n, (start, stop) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        kept = [i for i in range(start, stop) if not isinstance(modules[i], nn.Dropout)]
        kinds = [type(modules[i]).__name__ for i in kept[1:]]
        act = next((k for k in kinds if k in ACTIVATION_NAMES), "Identity")
        width = int(modules[start].out_features)
        words = ["batch norm"] if "BatchNorm1d" in kinds else []
        words += [ACTIVATION_NAMES.get(act, "linear"), f"{width} unit{'s' * (width != 1)}"]
        layers.append(
            LayerInfo(
                index=n,
                name=f"hidden {n + 1} ({', '.join(words)})",
                width=width,
                activation=act,
                module=kept[-1],
                signed=act not in NON_NEGATIVE,
            )
        )
    return layers


@contextmanager
def evaluating(model) -> Iterator[None]:
    """Eval mode and no autograd for a look inside, then every module's own training
    flag back as it was: the look runs between training steps and must not change them
    (dropout off, batch norm on its running statistics, as at test time)."""
    import torch

    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, training in modes:
            m.training = training


def as_input(model, x):
    """Rows as a float32 tensor on the model's device (a numpy array or a tensor)."""
    import torch

    param = next(model.parameters(), None)
    device = param.device if param is not None else "cpu"
    if isinstance(x, torch.Tensor):
        return x.to(device=device, dtype=torch.float32)
    return torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)


def layer_outputs(model, x, layers: list[LayerInfo]) -> list[np.ndarray]:
    """Each listed layer's outputs (rows, width) for rows x, from ONE pass through the
    network, stopping after the deepest one. The caller holds `evaluating(model)`."""
    wanted = {layer.module: k for k, layer in enumerate(layers)}
    out: list[np.ndarray | None] = [None] * len(layers)
    last = max(wanted, default=-1)
    h = as_input(model, x)
    for i, module in enumerate(model):
        if i > last:
            break
        h = module(h)
        if i in wanted:
            out[wanted[i]] = h.detach().cpu().numpy().astype(np.float64)
    return out  # type: ignore[return-value]


def spread_rows(n_rows: int, limit: int = ROW_LIMIT) -> np.ndarray:
    """Indices of at most `limit` rows evenly spread over `n_rows`, the same every call
    so that each point stays the same row while training goes on."""
    if n_rows <= limit:
        return np.arange(n_rows)
    return np.linspace(0, n_rows - 1, limit).round().astype(np.int64)


def principal_axes(a: np.ndarray, basis: np.ndarray | None = None):
    """(axes (2, width), variance shares (2,), mean (width,)) of the rows of `a`.

    Axes beyond what the data holds (one row, one unit, no spread) are zero. Signs
    follow `basis` when it has the same width, else the largest-loading rule."""
    n, width = a.shape
    mean = a.mean(axis=0) if n else np.zeros(width)
    centred = a - mean
    axes = np.zeros((2, width))
    shares = np.zeros(2)
    if n == 0:
        return axes, shares, mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    total = float(np.sum(s**2))
    if total <= 1e-12 * float(np.sum(a**2)):  # below float32 noise: no spread at all
        return axes, shares, mean
    k = min(2, len(s))
    axes[:k] = vt[:k]
    shares[:k] = s[:k] ** 2 / total
    for j in range(k):
        if basis is not None and basis.shape == axes.shape and np.any(basis[j]):
            flip = float(axes[j] @ basis[j]) < 0
        else:
            flip = axes[j, np.argmax(np.abs(axes[j]))] < 0
        if flip:
            axes[j] = -axes[j]
    return axes, shares, mean


def activation_space(model, x, layer_index: int, basis=None) -> ActivationSpace:
    """Layer `layer_index` (0 = the first hidden layer) for rows x (prepared inputs,
    numpy or tensor), projected by PCA; `basis`: the previous call's, to keep the axes
    pointing the same way. The model's training flags are left as they were."""
    layers = hidden_layers(model)
    if not layers:
        raise ValueError(NO_HIDDEN)
    if not 0 <= layer_index < len(layers):
        raise ValueError(
            f"layer {layer_index} does not exist: the network has {len(layers)} hidden "
            f"layer{'s' * (len(layers) != 1)} (0 to {len(layers) - 1})"
        )
    layer = layers[layer_index]
    with evaluating(model):
        (a,) = layer_outputs(model, x, [layer])
    if layer.width == 1:  # no plane to find: the unit's own value against the row
        values = a[:, 0]
        points = np.column_stack([values, np.arange(len(values), dtype=np.float64)])
        spread = len(values) > 1 and float(values.max() - values.min()) > 0
        return ActivationSpace(
            layer=layer,
            points=points,
            explained=np.array([1.0 if spread else 0.0, 0.0]),
            basis=np.array([[1.0], [0.0]]),
            mean=np.zeros(1),
            axis_labels=("unit output", "test row"),
            note="" if spread else NO_SPREAD,
        )
    axes, shares, mean = principal_axes(a, None if basis is None else np.asarray(basis))
    points = (a - mean) @ axes.T
    note = NO_SPREAD if not shares.any() and len(a) > 1 else ""
    return ActivationSpace(
        layer=layer,
        points=points,
        explained=shares,
        basis=axes,
        mean=mean,
        axis_labels=(f"PC1 ({100 * shares[0]:.0f}%)", f"PC2 ({100 * shares[1]:.0f}%)"),
        note=note,
    )


@dataclass
class ActivationSampler:
    """What the training thread keeps between looks: the rows (picked once, so each dot
    stays one row), the layer the user chose, and the last axes, so every projection is
    oriented like the one before. `choose` may be called from the GUI thread: it only
    rebinds two attributes, which the next `sample` reads."""

    x: np.ndarray  # prepared rows, at most ROW_LIMIT
    labels: np.ndarray  # their classes or targets, for the view's colours
    layer: int = 0
    basis: np.ndarray | None = None

    @classmethod
    def of(cls, x_test, y_test, prep=None, limit: int = ROW_LIMIT) -> ActivationSampler:
        """Up to `limit` test rows; with the run's preprocessing (core.prepared),
        regression targets go back to the data's units, as the colour bar reads them."""
        rows = spread_rows(len(x_test), limit)
        labels = np.asarray(y_test).reshape(-1)[rows]
        if prep is not None and prep.task == REGRESSION:
            labels = labels.astype(np.float64) * prep.target_scale + prep.target_mean
        return cls(np.asarray(x_test)[rows], labels)

    def choose(self, layer: int) -> None:
        """Project another hidden layer from the next sample on (its axes start afresh)."""
        self.basis = None
        self.layer = int(layer)

    def sample(self, model) -> ActivationSpace | None:
        """The chosen layer now; None when the network has no hidden layers or no rows.
        A layer past the last (another network) falls back to the last one."""
        n_hidden = len(hidden_layers(model))
        if not n_hidden or not len(self.x):
            return None
        layer = min(max(self.layer, 0), n_hidden - 1)
        space = activation_space(model, self.x, layer, self.basis)
        self.basis = space.basis
        return space
