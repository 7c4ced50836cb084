"""One weight's update by the optimizer's own formula, with the numbers substituted.

The step-through runs the real optimizer step on a copy of the model (so the new value
it shows is what training does); this module writes that step out for one weight, from
the optimizer's hyperparameters and its state before the step, so a learner can follow
the arithmetic. The formulas are torch's (SGD with momentum and Nesterov, Adam, AdamW,
Adagrad, RMSprop as make_optimizer builds them); `expected` is the formula's result in
float64, which the tests hold against the real step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def number(v: float) -> str:
    """How every number of the step-through is written: six significant digits, so
    learners can redo the arithmetic and the last digit of float32 noise stays hidden."""
    v = float(v)
    if v == 0:
        return "0"
    return f"{v:.6g}"


def factor(v: float) -> str:
    """A number as a factor in a product: negatives in parentheses."""
    s = number(v)
    return f"({s})" if s.startswith("-") else s


@dataclass
class WeightUpdate:
    """The update of one weight: the formula's lines with numbers, the value the
    formula gives, and the value the real optimizer step gave."""

    optimizer: str
    old: float
    grad: float  # the gradient the optimizer used (after clipping)
    lines: list[str]
    expected: float
    new: float
    terms: dict[str, float] = field(default_factory=dict)  # velocity, m, v, m̂, v̂, step


def write_update(
    optimizer: str,
    hyper: dict,
    w: float,
    g: float,
    before: dict[str, float | None],
    step_before: int,
) -> tuple[list[str], float, dict[str, float]]:
    """Lines of the update w ← ..., the formula's new value, and its named terms.

    hyper: the optimizer's param group (lr, betas, momentum, ...); before: this weight's
    optimizer state before the step (None where the step creates it); step_before: steps
    the optimizer had taken (0: this is its first).
    """
    lr = float(hyper["lr"])
    wd = float(hyper.get("weight_decay", 0.0) or 0.0)
    lines: list[str] = []
    terms: dict[str, float] = {}
    if optimizer != "adamw" and wd:
        g_new = g + wd * w
        lines.append(
            f"weight decay: g ← g + λ·w = {number(g)} + {number(wd)}·{factor(w)} = {number(g_new)}"
        )
        g = g_new
    if optimizer == "sgd":
        new = _sgd(hyper, lr, w, g, before, lines, terms)
    elif optimizer in ("adam", "adamw"):
        new = _adam(optimizer, hyper, lr, wd, w, g, before, step_before, lines, terms)
    elif optimizer == "adagrad":
        new = _adagrad(hyper, lr, w, g, before, step_before, lines, terms)
    else:
        new = _rmsprop(hyper, lr, w, g, before, lines, terms)
    return lines, new, terms


def _sgd(hyper, lr, w, g, before, lines, terms) -> float:
    mu = float(hyper.get("momentum", 0.0) or 0.0)
    if mu == 0:
        new = w - lr * g
        lines.append(f"w ← w − η·g = {number(w)} − {number(lr)}·{factor(g)} = {number(new)}")
        return new
    damp = float(hyper.get("dampening", 0.0) or 0.0)
    old_b = before.get("momentum_buffer")
    if old_b is None:
        b = g
        lines.append(f"velocity (first step): b = g = {number(b)}")
    else:
        b = mu * old_b + (1 - damp) * g
        lines.append(
            f"velocity: b ← μ·b + g = {number(mu)}·{factor(old_b)} + {factor(g)} = {number(b)}"
            if damp == 0
            else f"velocity: b ← μ·b + (1 − {number(damp)})·g = {number(b)}"
        )
    terms["velocity"] = b
    if hyper.get("nesterov"):
        d = g + mu * b
        lines.append(
            f"Nesterov: d = g + μ·b = {factor(g)} + {number(mu)}·{factor(b)} = {number(d)}"
        )
        new = w - lr * d
        lines.append(f"w ← w − η·d = {number(w)} − {number(lr)}·{factor(d)} = {number(new)}")
    else:
        new = w - lr * b
        lines.append(f"w ← w − η·b = {number(w)} − {number(lr)}·{factor(b)} = {number(new)}")
    return new


def _adam(optimizer, hyper, lr, wd, w, g, before, step_before, lines, terms) -> float:
    b1, b2 = (float(b) for b in hyper["betas"])
    eps = float(hyper["eps"])
    t = step_before + 1
    if optimizer == "adamw" and wd:
        decayed = w * (1 - lr * wd)
        lines.append(
            f"decoupled weight decay: w ← w·(1 − η·λ) = {number(w)}·(1 − {number(lr)}·"
            f"{number(wd)}) = {number(decayed)}"
        )
        w = decayed
    m0 = before.get("exp_avg") or 0.0
    v0 = before.get("exp_avg_sq") or 0.0
    m = b1 * m0 + (1 - b1) * g
    v = b2 * v0 + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    step = lr * m_hat / (math.sqrt(v_hat) + eps)
    new = w - step
    lines += [
        f"step t = {t}" + (" (a fresh optimizer: m and v start at 0)" if step_before == 0 else ""),
        f"m ← β₁·m + (1 − β₁)·g = {number(b1)}·{factor(m0)} + {number(1 - b1)}·{factor(g)} = {number(m)}",
        f"v ← β₂·v + (1 − β₂)·g² = {number(b2)}·{factor(v0)} + {number(1 - b2)}·{factor(g)}² "
        f"= {number(v)}",
        f"m̂ = m / (1 − β₁ᵗ) = {number(m)} / (1 − {number(b1)}^{t}) = {number(m_hat)}",
        f"v̂ = v / (1 − β₂ᵗ) = {number(v)} / (1 − {number(b2)}^{t}) = {number(v_hat)}",
        f"step = η·m̂ / (√v̂ + ε) = {number(lr)}·{factor(m_hat)} / ({number(math.sqrt(v_hat))} + "
        f"{number(eps)}) = {number(step)}",
        f"w ← w − step = {number(w)} − {factor(step)} = {number(new)}",
    ]
    terms.update(m=m, v=v, m_hat=m_hat, v_hat=v_hat, step=step)
    return new


def _adagrad(hyper, lr, w, g, before, step_before, lines, terms) -> float:
    eps = float(hyper.get("eps", 1e-10))
    decay = float(hyper.get("lr_decay", 0.0) or 0.0)
    t = step_before + 1
    clr = lr / (1 + (t - 1) * decay)
    s0 = before.get("sum") or 0.0
    s = s0 + g * g
    new = w - clr * g / (math.sqrt(s) + eps)
    lines += [
        f"sum of squares: s ← s + g² = {number(s0)} + {factor(g)}² = {number(s)}",
        f"w ← w − η·g / (√s + ε) = {number(w)} − {number(clr)}·{factor(g)} / "
        f"({number(math.sqrt(s))} + {number(eps)}) = {number(new)}",
    ]
    terms["sum"] = s
    return new


def _rmsprop(hyper, lr, w, g, before, lines, terms) -> float:
    alpha = float(hyper.get("alpha", 0.99))
    eps = float(hyper.get("eps", 1e-8))
    mu = float(hyper.get("momentum", 0.0) or 0.0)
    sq0 = before.get("square_avg") or 0.0
    sq = alpha * sq0 + (1 - alpha) * g * g
    avg = math.sqrt(sq) + eps
    lines.append(
        f"mean square: s ← α·s + (1 − α)·g² = {number(alpha)}·{factor(sq0)} + "
        f"{number(1 - alpha)}·{factor(g)}² = {number(sq)}"
    )
    terms["square_avg"] = sq
    if mu:
        b0 = before.get("momentum_buffer") or 0.0
        b = mu * b0 + g / avg
        lines.append(
            f"velocity: b ← μ·b + g / (√s + ε) = {number(mu)}·{factor(b0)} + {factor(g)} / "
            f"{number(avg)} = {number(b)}"
        )
        new = w - lr * b
        lines.append(f"w ← w − η·b = {number(w)} − {number(lr)}·{factor(b)} = {number(new)}")
        terms["velocity"] = b
        return new
    new = w - lr * g / avg
    lines.append(
        f"w ← w − η·g / (√s + ε) = {number(w)} − {number(lr)}·{factor(g)} / {number(avg)} "
        f"= {number(new)}"
    )
    return new
