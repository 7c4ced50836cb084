"""The loss of one sample written out: its formula, the numbers substituted, and the
gradient it sends back into the output layer (∂L/∂z), for each loss make_loss builds.

The value and gradient are recomputed here in float64 from the formulas, separately
from autograd, so the step-through can show that the written-out arithmetic and the
real loss agree (the tests check they do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desktop_app.core.inspect.step_update import factor, number


@dataclass
class LossFormula:
    name: str  # what the learner reads: "binary cross-entropy", ...
    formula: str  # L = ... in symbols
    lines: list[str]  # the numbers substituted, ending in the value
    value: float  # the formula's value (float64)
    gradient_formula: str  # ∂L/∂z in symbols
    gradient: np.ndarray  # ∂L/∂z per output unit, by the formula (float64)


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def write_loss(loss: str, z: np.ndarray, y: float, label_smoothing: float, delta: float):
    """The loss `loss` (a make_loss name) of logits/outputs z against target y (a class
    index, or the standardised target for regression)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    if loss == "bce":
        p = _sigmoid(float(z[0]))
        value = -(y * math.log(p) + (1 - y) * math.log1p(-p)) if 0 < p < 1 else float("inf")
        return LossFormula(
            "binary cross-entropy (on the logit)",
            "L = −[y·ln σ(z) + (1 − y)·ln(1 − σ(z))]",
            [
                f"= −[{number(y)}·ln {number(p)} + {number(1 - y)}·ln {number(1 - p)}]",
                f"= {number(value)}",
            ],
            value,
            "∂L/∂z = σ(z) − y",
            np.array([p - y]),
        )
    if loss == "cross_entropy":
        shifted = z - z.max()
        probs = np.exp(shifted) / np.exp(shifted).sum()
        k = len(z)
        target = np.full(k, label_smoothing / k)
        target[int(y)] += 1 - label_smoothing
        logs = shifted - math.log(np.exp(shifted).sum())
        value = float(-(target * logs).sum())
        if label_smoothing == 0:
            lines = [f"= −ln p_{int(y) + 1} = −ln {number(probs[int(y)])}", f"= {number(value)}"]
            formula = "L = −ln p_y  (p = softmax(z), y the true class)"
        else:
            parts = " + ".join(f"{number(t)}·ln {number(p)}" for t, p in zip(target, probs))
            lines = [f"= −[{parts}]", f"= {number(value)}"]
            formula = (
                f"L = −Σₖ qₖ·ln pₖ, qₖ = (1 − ε)·[k = y] + ε/K  (label smoothing "
                f"ε = {number(label_smoothing)}, K = {k})"
            )
        return LossFormula(
            "cross-entropy (softmax over the logits)",
            formula,
            lines,
            value,
            "∂L/∂zₖ = pₖ − qₖ" if label_smoothing else "∂L/∂zₖ = pₖ − [k = y]",
            probs - target,
        )
    out = float(z[0])
    e = out - y
    if loss == "mse":
        value = e * e
        return LossFormula(
            "mean squared error",
            "L = (ŷ − y)²",
            [f"= ({number(out)} − {factor(y)})² = {factor(e)}²", f"= {number(value)}"],
            value,
            "∂L/∂ŷ = 2·(ŷ − y)",
            np.array([2 * e]),
        )
    if loss == "mae":
        value = abs(e)
        return LossFormula(
            "mean absolute error",
            "L = |ŷ − y|",
            [f"= |{number(out)} − {factor(y)}|", f"= {number(value)}"],
            value,
            "∂L/∂ŷ = sign(ŷ − y)",
            np.array([float(np.sign(e))]),
        )
    small = abs(e) <= delta
    value = 0.5 * e * e if small else delta * (abs(e) - 0.5 * delta)
    lines = (
        [f"|ŷ − y| = {number(abs(e))} ≤ δ = {number(delta)}: L = ½·{factor(e)}²"]
        if small
        else [f"|ŷ − y| = {number(abs(e))} > δ = {number(delta)}: L = δ·(|ŷ − y| − ½δ)"]
    )
    return LossFormula(
        f"Huber loss (δ = {number(delta)})",
        "L = ½(ŷ − y)² where |ŷ − y| ≤ δ, else δ·(|ŷ − y| − ½δ)",
        [*lines, f"= {number(value)}"],
        value,
        "∂L/∂ŷ = ŷ − y where |ŷ − y| ≤ δ, else δ·sign(ŷ − y)",
        np.array([e if small else delta * float(np.sign(e))]),
    )
