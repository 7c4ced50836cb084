"""The fast path: a hand-written training step, without autograd, for the networks
build_model makes.

Why: on the small networks learners train, about 95% of an autograd step is framework
overhead (building the graph, running the autograd engine, the optimizer's Python), not
arithmetic (DESIGN.md §3). This step runs the same forward and backward kernels autograd
would run, in a fixed order, on detached aliases of the parameters (no graph is built);
it writes the gradients into each parameter's ``.grad`` and updates the weights with
the optimizer's own fused kernel on the optimizer's own state tensors. So everything
that reads the model, its gradients or the optimizer (callbacks, the views, early
stopping, checkpoints, resume) sees what the autograd step would leave, to float32
rounding (tests/core/test_fast_path.py holds the two paths to 1e-5).

Elementwise losses (BCE, MSE, MAE, Huber) are not computed per step: the step keeps
its outputs and targets and ``losses()`` computes a block's losses in one call when the
engine reads the block back (it reads losses in blocks anyway).

Where it applies, and where the engine falls back to autograd (``fast_path_problem``
says why, in words the run summary shows): the CPU; an ``nn.Sequential`` of Linear
layers (with bias), BatchNorm1d, Dropout and the activations build_model makes; float32
parameters that all train, in one parameter group; no hooks on the modules, parameters
or optimizer; the losses make_loss makes. Any optimizer works: fused Adam, AdamW, SGD
and Adagrad have their kernel called directly; the others (RMSprop) run their own step
on the gradients this step writes.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from desktop_app.core.fast_path_layers import LAYER_KINDS, layer_step
from desktop_app.core.fast_path_losses import loss_step
from desktop_app.core.fast_path_update import optimizer_update
from desktop_app.core.training_parts import fast_step

FAST_PATH_ON = os.environ.get("ODYSSEY_FAST_PATH", "1").strip() != "0"  # 0: always autograd
FAST_PATH = "fast path"  # what the run summary says when it ran


def fast_path_problem(model, loss_fn, optimizer, device: torch.device) -> str | None:
    """Why the hand-written step cannot train this run (a few words), or None."""
    if device.type != "cpu":
        return f"{device.type} device"
    if not isinstance(model, nn.Sequential) or not len(model):
        return "not a layer stack"
    for m in model:
        if type(m) not in LAYER_KINDS:
            return f"{type(m).__name__} layer"
        if m._forward_hooks or m._forward_pre_hooks or m._backward_hooks:
            return "module hooks"
        if getattr(m, "_backward_pre_hooks", None):
            return "module hooks"
        if isinstance(m, nn.Linear) and m.bias is None:
            return "Linear without bias"
        if isinstance(m, nn.Dropout) and not 0 < m.p < 1:
            return "dropout of 0 or 1"
        if isinstance(m, nn.BatchNorm1d) and not (m.affine and m.track_running_stats):
            return "batch norm without its weights or running statistics"
    if not isinstance(model[0], nn.Linear):
        return "first layer is not Linear"
    if _global_module_hooks():
        return "module hooks"
    params = list(model.parameters())
    for p in params:
        if p.dtype != torch.float32 or not p.requires_grad or not p.is_contiguous():
            return "parameters that are not trainable float32"
        if p._backward_hooks or getattr(p, "_post_accumulate_grad_hooks", None):
            return "gradient hooks"
    if len(optimizer.param_groups) != 1 or list(optimizer.param_groups[0]["params"]) != params:
        return "parameter groups"
    if _optimizer_hooks(optimizer):
        return "optimizer hooks"
    if loss_step(loss_fn) is None:
        return f"{type(loss_fn).__name__}"
    return None


def _global_module_hooks() -> bool:
    from torch.nn.modules import module as _module

    return any(
        getattr(_module, name, None)
        for name in (
            "_global_forward_hooks",
            "_global_forward_pre_hooks",
            "_global_backward_hooks",
            "_global_backward_pre_hooks",
        )
    )


def _optimizer_hooks(optimizer) -> bool:
    from torch.optim import optimizer as _optimizer

    return any(
        getattr(optimizer, "_optimizer_step_pre_hooks", None)
        or getattr(optimizer, "_optimizer_step_post_hooks", None)
        or getattr(_optimizer, name, None)
        for name in ("_global_optimizer_pre_hooks", "_global_optimizer_post_hooks")
    )


class ManualStep:
    """One training step on a batch: forward, loss, backward, clipping, update.

    Call it with a batch; it returns what ``losses()`` turns into the step's loss. The
    weights, gradients (in ``.grad``) and optimizer state change as an autograd step
    would change them.
    """

    def __init__(self, model: nn.Sequential, loss_fn, optimizer, grad_clip, l1: float):
        params = list(model.parameters())
        for p in params:  # the step writes gradients into these, as backward() would
            p.grad = torch.zeros_like(p)
        self.params, self.grads = params, [p.grad for p in params]
        modules = list(model)
        self.layers = [layer_step(m, i == 0) for i, m in enumerate(modules)]
        self.backward_layers = self.layers[::-1]
        self.loss = loss_step(loss_fn)
        self.clip = float(grad_clip) if grad_clip else None
        self.l1 = float(l1 or 0.0)
        # The L1 penalty's weights are the engine's: every parameter named *weight.
        named = [(n, p) for n, p in model.named_parameters() if n.endswith("weight")]
        self.l1_weights = [p.detach() for _, p in named]
        self.l1_grads = [p.grad for _, p in named]
        self.update = optimizer_update(optimizer, params, fast_step(optimizer))

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor):
        if self.params[0].grad is not self.grads[0]:  # say, a callback's zero_grad()
            for p, g in zip(self.params, self.grads):
                p.grad = g  # the backward below overwrites them, as a fresh one would
        x = xb
        for layer in self.layers:
            x = layer.forward(x)
        pending, g = self.loss.value_and_grad(x, yb)
        for layer in self.backward_layers:  # each writes its parameters' .grad
            g = layer.backward(g)
        if self.l1:
            pending = (pending, self._l1_penalty())
        if self.clip is not None:
            self._clip()
        self.update()
        return pending

    def _l1_penalty(self) -> torch.Tensor:
        """The penalty on the weights before this step's update; adds its gradient."""
        l1 = self.l1
        penalty = l1 * sum(w.abs().sum() for w in self.l1_weights)
        for w, g in zip(self.l1_weights, self.l1_grads):
            g.add_(torch.sgn(w), alpha=l1)
        return penalty

    def _clip(self) -> None:
        """nn.utils.clip_grad_norm_'s arithmetic on CPU (its foreach branch), without
        its grouping by device."""
        grads = self.grads
        total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0)
        coef = torch.clamp(self.clip / (total + 1e-6), max=1.0)
        torch._foreach_mul_(grads, coef)

    def losses(self, pending: list) -> torch.Tensor:
        """The steps' losses (a float tensor, one per step) from what the calls returned."""
        if not self.l1:
            return self.loss.values(pending)
        data = self.loss.values([p for p, _ in pending])
        return data + torch.stack([pen for _, pen in pending])


def manual_step(model, loss_fn, optimizer, device, grad_clip, l1) -> tuple[ManualStep | None, str]:
    """(the hand-written step, "fast path"), or (None, why the autograd step runs)."""
    if not FAST_PATH_ON:
        return None, "autograd (ODYSSEY_FAST_PATH=0)"
    problem = fast_path_problem(model, loss_fn, optimizer, device)
    if problem:
        return None, f"autograd ({problem})"
    return ManualStep(model, loss_fn, optimizer, grad_clip, l1), FAST_PATH
