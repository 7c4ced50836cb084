"""The network's numbers at one moment: weights, biases, one sample's z and a per layer,
and each layer's gradient health, from one forward pass over a small probe batch.

A "layer" here is what a learner calls one: a Linear layer with what follows it up to the
next Linear (batch norm, activation, dropout). z is the Linear's output (W·x + b), a the
layer's output as the model computes it in eval mode (dropout off, batch norm with its
running statistics).

Gradient health reads the gradients the optimizer used on the last step (`p.grad`,
still there after `optimizer.step()`), so sampling it costs the loop nothing but a few
norms. The update ratio is η·‖∇W‖/‖W‖ (the size of a plain gradient step relative to the
weights; about 1e-3 is the usual healthy figure). A ReLU-like unit is dead on the probe
batch when its output is zero for every row.

The training thread calls `inspect_network` a few times a second (ui/relay.py); it costs
well under a millisecond for the networks learners train. Plain numpy out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

PROBE_ROWS = 256  # training rows of the probe batch (dead units, the batch mean)
SAMPLE_ROWS = 64  # of them, the rows whose values are kept for the view to pick from
WEIGHT_LIMIT = 256  # a weight matrix larger than this per side is kept pooled
DEAD_KINDS = ("relu",)  # activations whose units can die (exactly zero output)
VANISHING_RATIO = 1e-5  # update ratio below which a layer has all but stopped learning
VANISHING_GAP = 0.01  # ... while a later layer still learns 100 times faster (a network
# that has converged has small gradients everywhere, which is no fault)
EXPLODING_RATIO = 0.1  # a plain step would change the weights by a tenth or more
DEAD_SHARE = 0.5  # warn when at least half of a layer's units are dead


@dataclass
class LayerValues:
    """One layer's parameters and its values on the probe's first rows and on average.

    Values are kept for the first SAMPLE_ROWS probe rows, so that the view can switch the
    sample it shows at once, also while the run is paused or after it ended."""

    name: str  # "Hidden 1", "Output"
    activation: str  # "relu", ..., "identity" (the output layer: its logits)
    weight: np.ndarray  # (out, in) float32; pooled to at most WEIGHT_LIMIT a side
    bias: np.ndarray  # (out,) float32 (zeros where the layer has none)
    z_rows: np.ndarray  # (rows, out) W·x + b
    a_rows: np.ndarray  # (rows, out) the layer's output
    z_mean: np.ndarray  # (out,) over the whole probe
    a_mean: np.ndarray  # (out,)
    pooled: bool = False  # weight holds block means of a larger matrix
    notes: list[str] = field(default_factory=list)  # "batch norm after W·x + b", ...

    @property
    def units(self) -> int:
        return int(self.z_mean.shape[0])

    def z(self, row: int | None) -> np.ndarray:
        """z for probe row `row` (None, or a row not kept: the mean)."""
        return self.z_rows[row] if row is not None and 0 <= row < len(self.z_rows) else self.z_mean

    def a(self, row: int | None) -> np.ndarray:
        return self.a_rows[row] if row is not None and 0 <= row < len(self.a_rows) else self.a_mean


@dataclass
class LayerHealth:
    """How one layer learns right now."""

    name: str
    weight_norm: float
    grad_norm: float | None  # None before the first step
    update_ratio: float | None  # lr·‖∇W‖/‖W‖
    dead_share: float | None  # ReLU layers: share of units never active on the probe


@dataclass
class NetworkSample:
    """What the views inside the network show at one step."""

    step: int
    input_rows: np.ndarray  # (rows, n_features) the probe's first rows (model inputs)
    input_mean: np.ndarray  # (n_features,)
    n_probe: int  # rows the means and dead units are taken over
    layers: list[LayerValues]
    health: list[LayerHealth]

    @property
    def rows(self) -> int:
        """Probe rows whose values are kept (the samples a view can pick)."""
        return int(len(self.input_rows))

    def inputs(self, row: int | None) -> np.ndarray:
        ok = row is not None and 0 <= row < self.rows
        return self.input_rows[row] if ok else self.input_mean

    def describe(self, row: int | None) -> str:
        if row is not None and 0 <= row < self.rows:
            return f"training row {row + 1}"
        return f"mean over {self.n_probe} training rows"

    @property
    def warnings(self) -> list[str]:
        return health_warnings(self.health)


def _activation_name(block) -> str:
    from desktop_app.core.model import activation_name

    names = [activation_name(m) for m in block[1:]]
    return next((n for n in names if n is not None), "identity")


def _pooled(w: np.ndarray, limit: int = WEIGHT_LIMIT) -> tuple[np.ndarray, bool]:
    """Block means of `w` so that neither side exceeds `limit` (a heat map of a wide layer
    needs no more cells than it has pixels)."""
    rows, cols = w.shape
    fr, fc = max(1, math.ceil(rows / limit)), max(1, math.ceil(cols / limit))
    if fr == 1 and fc == 1:
        return w, False
    pr, pc = -(-rows // fr) * fr, -(-cols // fc) * fc
    padded = np.full((pr, pc), np.nan, dtype=np.float32)
    padded[:rows, :cols] = w
    return np.nanmean(padded.reshape(pr // fr, fr, pc // fc, fc), axis=(1, 3)), True


def inspect_network(model, probe, lr: float = 0.0, step: int = 0) -> NetworkSample:
    """The numbers of `model` on `probe` (a (n, features) tensor of model inputs).

    The model runs under no_grad in eval mode; its mode is restored after.
    """
    import torch

    from desktop_app.core.model import layer_groups

    blocks = layer_groups(model)
    n = int(probe.shape[0])
    was_training = model.training
    model.eval()
    zs, outs = [], []
    try:
        with torch.no_grad():
            x = probe
            for block in blocks:
                z = block[0](x)
                x = z
                for m in block[1:]:
                    x = m(x)
                zs.append(z)
                outs.append(x)
    finally:
        model.train(was_training)

    def rows(t) -> np.ndarray:
        return t[:SAMPLE_ROWS].float().cpu().numpy()

    def mean(t) -> np.ndarray:
        return t.float().mean(dim=0).cpu().numpy()

    layers, health = [], []
    last = len(blocks) - 1
    for i, (block, z, a) in enumerate(zip(blocks, zs, outs)):
        lin = block[0]
        name = "Output" if i == last else f"Hidden {i + 1}"
        w = lin.weight.detach().float().cpu().numpy()
        b = (
            lin.bias.detach().float().cpu().numpy()
            if lin.bias is not None
            else np.zeros(w.shape[0], np.float32)
        )
        shown, pooled = _pooled(w)
        notes = []
        if any(isinstance(m, torch.nn.BatchNorm1d) for m in block[1:]):
            notes.append("batch norm between W·x + b and the activation")
        if any(isinstance(m, torch.nn.Dropout) for m in block[1:]):
            notes.append("dropout (off here, as in evaluation)")
        act = _activation_name(block) if i < last else "identity"
        layers.append(
            LayerValues(name, act, shown, b, rows(z), rows(a), mean(z), mean(a), pooled, notes)
        )
        w_norm = float(torch.linalg.vector_norm(lin.weight.detach()))
        g = lin.weight.grad
        g_norm = float(torch.linalg.vector_norm(g)) if g is not None else None
        ratio = lr * g_norm / w_norm if g_norm is not None and w_norm > 0 else None
        dead = None
        if act in DEAD_KINDS and n > 0:
            dead = float(((a > 0).sum(dim=0) == 0).float().mean())
        health.append(LayerHealth(name, w_norm, g_norm, ratio, dead))
    return NetworkSample(int(step), rows(probe), mean(probe), n, layers, health)


def health_warnings(health: list[LayerHealth]) -> list[str]:
    """Plain-words warnings for vanishing or exploding gradients and dead ReLU units."""
    out: list[str] = []
    for i, h in enumerate(health):
        g, r = h.grad_norm, h.update_ratio
        later = [x.update_ratio for x in health[i + 1 :] if x.update_ratio is not None]
        if g is not None and not math.isfinite(g):
            out.append(
                f"{h.name}: the gradient is not a finite number (exploding gradients). "
                "Lower the learning rate or set a gradient clip."
            )
        elif r is not None and r >= EXPLODING_RATIO:
            out.append(
                f"{h.name}: one step would change the weights by {r:.0%} (exploding "
                "gradients; about 0.1% is healthy). Lower the learning rate or set a "
                "gradient clip."
            )
        elif r is not None and later and r < VANISHING_RATIO and r < VANISHING_GAP * max(later):
            out.append(
                f"{h.name}: its gradient is tiny next to its weights (update ratio {r:.1e}, "
                "a hundredth of a later layer's), so it has all but stopped learning "
                "(vanishing gradients). ReLU instead of sigmoid or tanh, or batch norm, "
                "help."
            )
        if h.dead_share is not None and h.dead_share >= DEAD_SHARE:
            out.append(
                f"{h.name}: {h.dead_share:.0%} of its ReLU units output zero for every row "
                "of a batch (dead units learn nothing). Lower the learning rate, or use "
                "leaky ReLU or ELU."
            )
    return out
