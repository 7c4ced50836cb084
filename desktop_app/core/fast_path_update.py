"""The fast path's optimizer update: the optimizer's own fused kernel, called directly on
the optimizer's own state tensors, with the hyperparameters read from its parameter
group at every step (schedules change the learning rate, one-cycle also the betas).

torch.optim's step for a fused optimizer does the same two calls (count the step, run
the kernel) after a few dozen lines of Python that group tensors by device and check
flags; for a tiny network those lines cost more than the kernel. An optimizer whose
state does not exist yet (a run's first step) or whose kind has no fused kernel here
takes its own step.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def _plain(group: dict) -> bool:
    """No option the direct kernel call would have to handle differently."""
    return not (
        group.get("maximize")
        or group.get("capturable")
        or group.get("differentiable")
        or group.get("amsgrad")
        or torch.is_tensor(group.get("lr"))
    )


class FusedUpdate:
    """Calls the kernel of a fused Adam, AdamW, SGD or Adagrad; its own step otherwise."""

    def __init__(self, optimizer: torch.optim.Optimizer, params, own_step: Callable[[], None]):
        self.opt = optimizer
        self.params = params
        self.data = [p.detach() for p in params]  # aliases: in-place updates reach params
        self.grads = [p.grad for p in params]
        self.own_step = own_step
        self.kernel: Callable[[dict], None] | None = None
        self.state = None  # the optimizer's state dict the kernel was bound to

    def __call__(self) -> None:
        opt = self.opt
        if opt.state is not self.state:  # first call, or a load_state_dict() since
            self.kernel = self._bind()
        if self.kernel is None:
            self.own_step()
            self.kernel = self._bind()  # the first step made the state
        else:
            self.kernel(opt.param_groups[0])

    def _bind(self) -> Callable[[dict], None] | None:
        opt = self.opt
        self.state = opt.state
        group = opt.param_groups[0]
        if (
            not group.get("fused")
            or getattr(opt, "grad_scale", None) is not None
            or getattr(opt, "found_inf", None) is not None
            or not _plain(group)
        ):
            return None
        states = [opt.state.get(p) for p in self.params]
        kind = type(opt)
        if kind is torch.optim.SGD:  # keeps no state without momentum
            return self._sgd(states, group)
        if not all(states):
            return None
        if kind in (torch.optim.Adam, torch.optim.AdamW):
            return self._adam(states, group)
        if kind is torch.optim.Adagrad:
            return self._adagrad(states)
        return None

    def _adam(self, states, group):
        steps = [s["step"] for s in states]
        avgs = [s["exp_avg"] for s in states]
        sqs = [s["exp_avg_sq"] for s in states]
        decoupled = group.get("decoupled_weight_decay", type(self.opt) is torch.optim.AdamW)
        kernel = torch._fused_adamw_ if decoupled else torch._fused_adam_
        data, grads = self.data, self.grads

        def adam(g: dict) -> None:
            beta1, beta2 = g["betas"]
            torch._foreach_add_(steps, 1)
            kernel(
                data,
                grads,
                avgs,
                sqs,
                [],
                steps,
                amsgrad=False,
                lr=g["lr"],
                beta1=beta1,
                beta2=beta2,
                weight_decay=g["weight_decay"],
                eps=g["eps"],
                maximize=False,
            )

        return adam

    def _sgd(self, states, group):
        data, grads = self.data, self.grads
        if group["momentum"]:
            buffers = [(s or {}).get("momentum_buffer") for s in states]
            if any(b is None for b in buffers):
                return None
        else:
            buffers = []

        def sgd(g: dict) -> None:
            torch._fused_sgd_(
                data,
                grads,
                buffers,
                weight_decay=g["weight_decay"],
                momentum=g["momentum"],
                lr=g["lr"],
                dampening=g["dampening"],
                nesterov=g["nesterov"],
                maximize=False,
                is_first_step=False,
            )

        return sgd

    def _adagrad(self, states):
        data, grads = self.data, self.grads
        sums = [s["sum"] for s in states]
        steps = [s["step"] for s in states]

        def adagrad(g: dict) -> None:
            torch._foreach_add_(steps, 1)
            torch._fused_adagrad_(
                data,
                grads,
                sums,
                steps,
                lr=g["lr"],
                lr_decay=g["lr_decay"],
                weight_decay=g["weight_decay"],
                eps=g["eps"],
                maximize=False,
            )

        return adagrad


def optimizer_update(optimizer, params, own_step) -> FusedUpdate:
    """The update the fast path calls after writing the gradients into ``.grad``."""
    return FusedUpdate(optimizer, params, own_step)
