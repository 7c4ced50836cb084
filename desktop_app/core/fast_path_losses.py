"""The fast path's losses: each gives the gradient of the mean loss with respect to the
network's output, and the losses themselves.

Cross-entropy runs log-softmax and NLL as autograd does and has its loss at once. The
elementwise losses (BCE with logits, MSE, MAE, Huber) need not compute the loss to get
the gradient, so a step keeps its output and target and ``values`` computes a whole
block's losses in one call, when the engine reads the block back (for batches up to
DEFER_UP_TO outputs; a larger one computes its loss at once).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

aten = torch.ops.aten
MEAN = 1  # torch's code for reduction="mean"
# Outputs of up to this many numbers are kept for a block's losses (32 of them at most:
# a few megabytes); a larger batch's loss is computed at once, as its step is slow anyway.
DEFER_UP_TO = 65_536
_ONE = torch.ones(())


def _per_step_means(values: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    """Each step's mean of its rows' losses (the rows of all steps, in order)."""
    if len(set(sizes)) == 1:
        return values.reshape(len(sizes), -1).mean(1)
    return torch.stack([v.mean() for v in values.split(sizes)])


class Elementwise:
    """A loss that is the mean of a per-element loss."""

    def __init__(self, loss, grad):
        self.loss, self.grad = loss, grad  # (out, target, reduction) -> loss; (out, target)

    def value_and_grad(self, out, target):
        if out.numel() > DEFER_UP_TO:  # a large batch: its loss now, its output not kept
            return self.loss(out, target, "mean"), self.grad(out, target)
        return (out, target), self.grad(out, target)

    def values(self, pending: list) -> torch.Tensor:
        if not all(isinstance(p, tuple) for p in pending):
            return torch.stack(
                [self.loss(*p, "mean") if isinstance(p, tuple) else p for p in pending]
            )
        outs = [o for o, _ in pending]
        per_row = self.loss(torch.cat(outs), torch.cat([t for _, t in pending]), "none")
        return _per_step_means(per_row, [o.shape[0] for o in outs])


def _bce_grad(out, target):
    # autograd's formula: (sigmoid(out) - target) * grad, then / numel for the mean
    return torch.sigmoid(out).sub_(target).div_(out.numel())


def _mse_grad(out, target):
    return aten.mse_loss_backward(_ONE, out, target, MEAN)


def _mae_grad(out, target):
    # l1_loss is (out - target).abs().mean() to autograd: sgn, then / numel
    return torch.sgn(out - target).div_(out.numel())


class CrossEntropy:
    """Cross-entropy on class indices, with optional label smoothing."""

    def __init__(self, label_smoothing: float):
        self.eps = float(label_smoothing)
        self.nll_scale = torch.full((), 1.0 - self.eps)
        self._smooth: dict[tuple[int, int], float] = {}  # (rows, classes) -> its gradient

    def _smooth_grad(self, n: int, c: int) -> float:
        """The smoothing term's gradient on each log-probability, rounded as autograd
        rounds it: float32(eps / c), then divided by n in float32. (eps / (c * n)
        rounded once differs by one unit in the last place for n = 9, 11, 18, ...: a
        last batch of 9 rows made the weights differ from autograd's and the script's.)"""
        key = (n, c)
        value = self._smooth.get(key)
        if value is None:
            value = self._smooth[key] = (torch.full((), self.eps / c) / n).item()
        return value

    def value_and_grad(self, out, target):
        logp = torch._log_softmax(out, 1, False)
        nll, total_weight = aten.nll_loss_forward(logp, target, None, MEAN, -100)
        g = aten.nll_loss_backward(self.nll_scale, logp, target, None, MEAN, -100, total_weight)
        eps = self.eps
        if eps:
            n, c = out.shape
            smooth = -logp.sum(1).mean()
            loss = (1 - eps) * nll + smooth * (eps / c)
            g = g.sub_(self._smooth_grad(n, c))
        else:
            loss = nll
        return loss, torch._log_softmax_backward_data(g, logp, 1, logp.dtype)

    def values(self, pending: list) -> torch.Tensor:
        return torch.stack(pending)


class Huber(Elementwise):
    def __init__(self, delta: float):
        self.delta = float(delta)
        super().__init__(self._loss, self._grad)

    def _loss(self, out, target, reduction):
        return F.huber_loss(out, target, reduction=reduction, delta=self.delta)

    def _grad(self, out, target):
        return aten.huber_loss_backward(_ONE, out, target, MEAN, self.delta)


def loss_step(loss_fn):
    """The fast path's form of a make_loss loss, or None for one it does not know."""
    kind = type(loss_fn)
    if getattr(loss_fn, "reduction", None) != "mean":
        return None
    if kind is nn.BCEWithLogitsLoss:
        if loss_fn.weight is not None or loss_fn.pos_weight is not None:
            return None
        return Elementwise(
            lambda o, t, r: F.binary_cross_entropy_with_logits(o, t, reduction=r), _bce_grad
        )
    if kind is nn.CrossEntropyLoss:
        if loss_fn.weight is not None or loss_fn.ignore_index != -100:
            return None
        return CrossEntropy(loss_fn.label_smoothing)
    if kind is nn.MSELoss:
        return Elementwise(lambda o, t, r: F.mse_loss(o, t, reduction=r), _mse_grad)
    if kind is nn.L1Loss:
        return Elementwise(lambda o, t, r: F.l1_loss(o, t, reduction=r), _mae_grad)
    if kind is nn.HuberLoss:
        return Huber(loss_fn.delta)
    return None
