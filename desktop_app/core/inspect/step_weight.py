"""One weight of a step-through: ∂L/∂w written out as the chain rule's product of the
numbers, from the loss back to that weight, and the optimizer's update of it.

Both read a StepThrough (autograd's gradients, the optimizer's state around its real
step) and only arrange its numbers, so what they show is what training computed; the
product and the formula's new value sit beside autograd's and the optimizer's for the
learner (and the tests) to compare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.inspect.step_through import LayerNumbers, StepThrough
from desktop_app.core.inspect.step_update import WeightUpdate, factor, number, write_update


@dataclass
class WeightChain:
    """∂L/∂w for one weight as the chain-rule product, beside autograd's value."""

    layer: int
    to_unit: int
    from_unit: int
    lines: list[str]
    product: float  # the product of the numbers shown (with the L1 term, if any)
    autograd: float


def _check(st: StepThrough, layer: int, to_unit: int, from_unit: int) -> LayerNumbers:
    if not 0 <= layer < len(st.layers):
        raise DataError(f"there are layers 1 to {len(st.layers)}; layer {layer + 1} is not one")
    lay = st.layers[layer]
    n_out, n_in = lay.weight.shape
    if not (0 <= to_unit < n_out and 0 <= from_unit < n_in):
        raise DataError(
            f"layer {layer + 1} has weights to units 1 to {n_out} from inputs 1 to {n_in}"
        )
    return lay


def weight_chain(st: StepThrough, layer: int, to_unit: int, from_unit: int) -> WeightChain:
    """∂L/∂w[j, i] of layer `layer` (0-based) written out from the loss back to it."""
    lay = _check(st, layer, to_unit, from_unit)
    j, i = to_unit, from_unit
    u, v = j + 1, i + 1
    lines = []
    dz = float(lay.dl_dz[j])
    if layer == len(st.layers) - 1:
        lines.append(
            f"∂L/∂z{u} = {st.loss.gradient_formula.split('=', 1)[1].strip()} = {number(dz)}"
        )
    else:
        nxt = st.layers[layer + 1]
        if layer + 1 == len(st.layers) - 1:  # the next layer is the output: start at the loss
            grads = ", ".join(number(g) for g in nxt.dl_dz)
            lines.append(f"from the loss: ∂L/∂z of the output = {grads}")
        terms = " + ".join(
            f"{factor(nxt.weight[k, j])}·{factor(nxt.dl_dz[k])}" for k in range(len(nxt.dl_dz))
        )
        lines.append(f"∂L/∂a{u} = Σₖ W⁽ⁿᵉˣᵗ⁾[k,{u}]·∂L/∂zₖ = {terms} = {number(lay.dl_da[j])}")
        if lay.bn is not None:
            g = float(lay.bn["gamma"][j] / math.sqrt(lay.bn["var"][j] + float(lay.bn["eps"])))
            lines.append(
                f"∂L/∂z{u} = ∂L/∂a{u} · f'·γ/√(σ² + ε) = {factor(lay.dl_da[j])}·"
                f"{factor(lay.f_prime[j])}·{factor(g)} = {number(dz)}"
            )
        else:
            lines.append(
                f"∂L/∂z{u} = ∂L/∂a{u} · f'(z{u}) = {factor(lay.dl_da[j])}·"
                f"{factor(lay.f_prime[j])} = {number(dz)}"
            )
    a_i = float(lay.x[i])
    product = dz * a_i
    source = f"x{v}" if layer == 0 else f"a{v} of {st.layers[layer - 1].name}"
    lines.append(
        f"∂z{u}/∂w[{u},{v}] = {source} = {number(a_i)}   "
        f"(z{u} = Σᵢ w[{u},i]·inputᵢ + b{u}, so only input {v} multiplies this weight)"
    )
    lines.append(
        f"∂L/∂w[{u},{v}] = ∂L/∂z{u} · {source.split()[0]} = {factor(dz)}·{factor(a_i)} "
        f"= {number(product)}"
    )
    if st.l1:
        w = float(lay.weight[j, i])
        extra = st.l1 * float(np.sign(w))
        product += extra
        lines.append(
            f"+ L1 penalty λ₁·sign(w) = {number(st.l1)}·{factor(np.sign(w))}: ∂L/∂w[{u},{v}] = "
            f"{number(product)}"
        )
    autograd = float(lay.dl_dw[j, i])
    lines.append(f"autograd's ∂L/∂w[{u},{v}] = {number(autograd)}")
    return WeightChain(layer, j, i, lines, product, autograd)


def weight_update(st: StepThrough, layer: int, to_unit: int, from_unit: int) -> WeightUpdate:
    """The optimizer's step for w[j, i] of layer `layer`, written out and as it ran."""
    _check(st, layer, to_unit, from_unit)
    up = st.updates[layer]
    j, i = to_unit, from_unit
    w, g = float(up.old[j, i]), float(up.grad[j, i])
    before = {k: (None if a is None else float(a[j, i])) for k, a in up.before.items()}
    lines = []
    if st.clip_norm is not None:
        lines.append(
            f"gradient clipping: ‖g‖ = {number(st.clip_norm)}, factor {number(st.clip_coef)}: "
            f"g = {number(g)}"
        )
    else:
        lines.append(f"g = ∂L/∂w = {number(g)}")
    formula, expected, terms = write_update(st.optimizer, st.hyper, w, g, before, st.step_before)
    return WeightUpdate(st.optimizer, w, g, lines + formula, expected, float(up.new[j, i]), terms)
