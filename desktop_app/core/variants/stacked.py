"""Several copies of one network as one stacked parameter tensor, trained in one step.

The variants' parameters live in one (V, P) leaf tensor; each step views it as the
network's named parameters (V, *shape), runs the network on the batch for all variants at
once with torch.func (functional_call under vmap), and sums the per-variant losses: the
gradient of the sum with respect to a variant's row is that variant's own gradient, since
the variants share nothing. The update is torch's Adam, AdamW or SGD written out on the
(V, P) tensor with each variant's settings as a (V, 1) column, so that four learning rates
cost one handful of tensor operations per step instead of four optimizers.

What a run of the Trainer does, this does the same way (same formulas as torch.optim's
single-tensor code, eps 1e-8, no dampening), so a variant's curve equals its separate run
to float rounding.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from desktop_app.core.specs.project import Project

EPS = 1e-8  # torch.optim's default, which the Trainer's optimizers use


class StackedNetwork:
    """V copies of `model` (all starting from its weights) as one (V, P) tensor."""

    def __init__(self, model: nn.Module, n_variants: int):
        self.model = model
        params, _buffers = stack_module_state([model] * n_variants)
        self.names = list(params)
        self.shapes = [params[n].shape[1:] for n in self.names]
        self.sizes = [int(torch.Size(s).numel()) for s in self.shapes]
        flat = torch.cat([params[n].detach().reshape(n_variants, -1) for n in self.names], 1)
        self.flat = flat.clone().requires_grad_(True)
        self.n = n_variants

        def one(p: dict, x: torch.Tensor) -> torch.Tensor:
            return functional_call(model, p, (x,))

        self._forward = vmap(one, in_dims=(0, None))

    def params(self, flat: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The named parameters of every variant, as views of the flat tensor."""
        flat = self.flat if flat is None else flat
        parts = flat.split(self.sizes, dim=1)
        return {n: p.view(self.n, *s) for n, p, s in zip(self.names, parts, self.shapes)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(V, B, outputs) for a batch (B, inputs) shared by all variants."""
        return self._forward(self.params(), x)

    def load_into(self, variant: int, module: nn.Module) -> None:
        """Copy one variant's weights into a module of the same network."""
        with torch.no_grad():
            row = self.flat[variant]
            for p, part in zip(module.parameters(), row.split(self.sizes)):
                p.copy_(part.view_as(p))


class StackedOptimizer:
    """Adam, AdamW or SGD on a (V, P) tensor, each variant with its own settings."""

    def __init__(self, projects: list[Project], flat: torch.Tensor):
        t0 = projects[0].train
        self.kind = t0.optimizer
        dev = flat.device

        def column(name: str) -> torch.Tensor:
            vals = [float(getattr(p.train, name)) for p in projects]
            return torch.tensor(vals, dtype=flat.dtype, device=dev).unsqueeze(1)

        self.lr, self.wd = column("lr"), column("weight_decay")
        self.active = torch.ones_like(self.lr)  # 0 for a variant that has stopped
        self.flat = flat
        self.step_count = 0
        if self.kind == "sgd":
            self.momentum, self.nesterov = column("momentum"), column("nesterov")
            self.buf: torch.Tensor | None = None
        else:
            self.b1, self.b2 = column("beta1"), column("beta2")
            self.m = torch.zeros_like(flat)
            self.v = torch.zeros_like(flat)

    def stop(self, variant: int) -> None:
        """Freeze a variant: its weights stay as they are from now on."""
        self.active[variant] = 0.0

    @torch.no_grad()
    def step(self) -> None:
        p, g = self.flat, self.flat.grad
        lr = self.lr * self.active
        self.step_count += 1
        if self.kind == "sgd":
            d = g + self.wd * p
            if self.buf is None:
                self.buf = d.clone()
            else:
                self.buf.mul_(self.momentum).add_(d)
            nest = self.nesterov
            d = self.buf + nest * (d + self.momentum * self.buf - self.buf)
            p.sub_(lr * d)
            return
        if self.kind == "adamw":
            p.mul_(1 - lr * self.wd)
        else:  # adam: L2 penalty in the gradient
            g = g + self.wd * p
        self.m.lerp_(g, 1 - self.b1)
        self.v.mul_(self.b2).add_((1 - self.b2) * g * g)
        bc1 = 1 - self.b1**self.step_count
        bc2 = 1 - self.b2**self.step_count
        denom = (self.v.sqrt() / bc2.sqrt()).add_(EPS)
        p.sub_((lr / bc1) * self.m / denom)


def losses_fn(stacked: StackedNetwork, loss_fn: nn.Module):
    """x, y -> the (V,) losses of every variant on one batch."""

    def one(p: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return loss_fn(functional_call(stacked.model, p, (x,)), y)

    batched = vmap(one, in_dims=(0, None, None))

    def losses(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return batched(stacked.params(), x, y)

    return losses
