"""The fast path's layers: forward and backward by hand, with the kernels autograd runs.

Each layer keeps what its backward needs from the last forward (one step at a time, in
the training thread) and writes its parameters' gradients into their ``.grad`` tensors.
The forwards work on detached aliases of the parameters, so no autograd graph is built;
the optimizer updates the parameters in place, which the aliases share.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

aten = torch.ops.aten


class LinearStep:
    def __init__(self, m: nn.Linear, first: bool):
        self.w, self.b = m.weight.detach(), m.bias.detach()
        self.gw, self.gb = m.weight.grad, m.bias.grad
        self.first = first  # the input's gradient is not needed

    def forward(self, x):
        self.x = x
        return F.linear(x, self.w, self.b)

    def backward(self, g):
        torch.mm(g.t(), self.x, out=self.gw)
        torch.sum(g, 0, out=self.gb)
        return None if self.first else torch.mm(g, self.w)


class ReLUStep:
    def __init__(self, m):
        pass

    def forward(self, x):
        self.y = torch.relu(x)
        return self.y

    def backward(self, g):
        return aten.threshold_backward(g, self.y, 0)


class LeakyReLUStep:
    def __init__(self, m: nn.LeakyReLU):
        self.slope = m.negative_slope

    def forward(self, x):
        self.x = x
        return F.leaky_relu(x, self.slope)

    def backward(self, g):
        return aten.leaky_relu_backward(g, self.x, self.slope, False)


class ELUStep:
    def __init__(self, m: nn.ELU):
        self.alpha = m.alpha

    def forward(self, x):
        self.x = x
        return F.elu(x, self.alpha)

    def backward(self, g):
        return aten.elu_backward(g, self.alpha, 1, 1, False, self.x)


class GELUStep:
    def __init__(self, m: nn.GELU):
        self.approximate = m.approximate

    def forward(self, x):
        self.x = x
        return F.gelu(x, approximate=self.approximate)

    def backward(self, g):
        return aten.gelu_backward(g, self.x, approximate=self.approximate)


class TanhStep:
    def __init__(self, m):
        pass

    def forward(self, x):
        self.y = torch.tanh(x)
        return self.y

    def backward(self, g):
        return aten.tanh_backward(g, self.y)


class SigmoidStep:
    def __init__(self, m):
        pass

    def forward(self, x):
        self.y = torch.sigmoid(x)
        return self.y

    def backward(self, g):
        return aten.sigmoid_backward(g, self.y)


class DropoutStep:
    """Dropout as torch runs it on the CPU: a Bernoulli mask from the global generator,
    scaled by 1/(1-p), multiplied in; so a run draws the same masks on both paths."""

    def __init__(self, m: nn.Dropout):
        self.m, self.keep = m, 1.0 - m.p
        self.noise = None

    def forward(self, x):
        if not self.m.training:
            self.noise = None
            return x
        self.noise = torch.empty_like(x).bernoulli_(self.keep).div_(self.keep)
        return x * self.noise

    def backward(self, g):
        return g if self.noise is None else g * self.noise


class BatchNormStep:
    """BatchNorm1d in training mode: batch statistics, the running statistics and the
    batch counter updated as the module does, native_batch_norm's own backward."""

    def __init__(self, m: nn.BatchNorm1d):
        self.m = m
        self.w, self.b = m.weight.detach(), m.bias.detach()
        self.gw, self.gb = m.weight.grad, m.bias.grad

    def forward(self, x):
        m = self.m
        self.training = training = m.training
        if training:
            if x.size(0) == 1:  # the module's own check, in its words
                raise ValueError(
                    f"Expected more than 1 value per channel when training, got input size "
                    f"{x.size()}"
                )
            m.num_batches_tracked.add_(1)
            momentum = 1.0 / float(m.num_batches_tracked) if m.momentum is None else m.momentum
        else:
            momentum = 0.0
        self.x = x
        y, self.mean, self.invstd = torch.native_batch_norm(
            x, self.w, self.b, m.running_mean, m.running_var, training, momentum, m.eps
        )
        return y

    def backward(self, g):
        m = self.m
        gx, gw, gb = aten.native_batch_norm_backward(
            g,
            self.x,
            self.w,
            m.running_mean,
            m.running_var,
            self.mean,
            self.invstd,
            self.training,
            m.eps,
            [True, True, True],
        )
        self.gw.copy_(gw)
        self.gb.copy_(gb)
        return gx


LAYER_KINDS = {
    nn.Linear: LinearStep,
    nn.ReLU: ReLUStep,
    nn.LeakyReLU: LeakyReLUStep,
    nn.ELU: ELUStep,
    nn.GELU: GELUStep,
    nn.Tanh: TanhStep,
    nn.Sigmoid: SigmoidStep,
    nn.Dropout: DropoutStep,
    nn.BatchNorm1d: BatchNormStep,
}


def layer_step(m: nn.Module, first: bool):
    """The hand-written step of one of build_model's modules (after its .grad is set)."""
    kind = LAYER_KINDS[type(m)]
    return kind(m, first) if kind is LinearStep else kind(m)
