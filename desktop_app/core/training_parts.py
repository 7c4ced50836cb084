"""The parts a training run is assembled from: loss, optimizer, LR schedule, and the
lean forward and step callables the hot loop calls.

They are built from a Project alone, so the engine uses them to set up a run and
persistence uses them to build a fresh optimizer and schedule to check a saved state
against. The fast callables skip torch's per-call hook machinery, which is a large
share of a tiny network's step (DESIGN.md §3), and fall back to the plain calls as soon
as any hook is registered.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from desktop_app.core.specs.project import Project


def fast_forward(model: nn.Sequential):
    """Call the layers' forward methods directly, skipping nn.Module.__call__'s hook
    machinery: for the tiny networks learners train, that overhead is a large share of
    a step. Falls back to the plain call when any hook is registered."""
    layers = list(model)
    if any(m._forward_hooks or m._forward_pre_hooks for m in layers):
        return model
    forwards = [m.forward for m in layers]

    def forward(x: torch.Tensor) -> torch.Tensor:
        for f in forwards:
            x = f(x)
        return x

    return forward


def fast_step(opt: torch.optim.Optimizer):
    """optimizer.step without the profiler/hook wrapper torch adds around it (about a
    quarter of a small network's step on CPU); the plain step whenever hooks are set."""
    raw = getattr(type(opt).step, "__wrapped__", None)
    hooks = (
        getattr(opt, "_optimizer_step_pre_hooks", None),
        getattr(opt, "_optimizer_step_post_hooks", None),
    )
    if raw is None or any(hooks) or _global_optimizer_hooks():
        return opt.step
    opt._opt_called = True  # what the LR scheduler's own wrapper would record

    def step() -> None:
        raw(opt)

    return step


def _global_optimizer_hooks() -> bool:
    from torch.optim import optimizer as _opt

    return bool(
        getattr(_opt, "_global_optimizer_pre_hooks", None)
        or getattr(_opt, "_global_optimizer_post_hooks", None)
    )


def make_loss(project: Project, y_train=None, n_classes: int = 2) -> nn.Module:
    """The loss; y_train (class indices) sets per-class weights when the project asks
    for balanced ones: n / (classes × count), so each class adds up to the same weight."""
    t = project.train
    name = project.loss
    weights = None
    if t.class_weight == "balanced" and y_train is not None and name in ("bce", "cross_entropy"):
        y = np.asarray(y_train).astype(np.int64).reshape(-1)
        counts = np.bincount(y, minlength=max(n_classes, 2)).astype(np.float64)
        weights = len(y) / (len(counts) * np.maximum(counts, 1))
    if name == "bce":
        if weights is None:
            return nn.BCEWithLogitsLoss()
        # pos_weight scales the positive term; the ratio is what balances the classes.
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(weights[1] / weights[0]))
    if name == "cross_entropy":
        w = None if weights is None else torch.tensor(weights, dtype=torch.float32)
        return nn.CrossEntropyLoss(weight=w, label_smoothing=t.label_smoothing)
    if name == "mse":
        return nn.MSELoss()
    if name == "mae":
        return nn.L1Loss()
    return nn.HuberLoss(delta=t.huber_delta)


def make_optimizer(project: Project, params, device: torch.device) -> torch.optim.Optimizer:
    t = project.train
    params = list(params)
    kw: dict = {"lr": t.lr, "weight_decay": t.weight_decay}
    if t.optimizer == "sgd":
        cls, kw = torch.optim.SGD, {**kw, "momentum": t.momentum, "nesterov": t.nesterov}
    elif t.optimizer == "adam":
        cls, kw = torch.optim.Adam, {**kw, "betas": (t.beta1, t.beta2)}
    elif t.optimizer == "adamw":
        cls, kw = torch.optim.AdamW, {**kw, "betas": (t.beta1, t.beta2)}
    elif t.optimizer == "adagrad":
        cls = torch.optim.Adagrad
    else:
        return torch.optim.RMSprop(params, momentum=t.momentum, **kw)
    if device.type in ("cpu", "cuda", "mps"):
        try:  # one fused kernel per step instead of a loop over parameters
            return cls(params, fused=True, **kw)
        except (RuntimeError, TypeError, ValueError):
            pass
    return cls(params, **kw)


def make_scheduler(project: Project, optimizer, steps_per_epoch: int):
    """Returns (scheduler, per_step) or (None, False)."""
    t = project.train
    s = torch.optim.lr_scheduler
    if t.schedule == "constant":
        return None, False
    if t.schedule == "step":
        return s.StepLR(optimizer, step_size=t.step_size, gamma=t.gamma), False
    if t.schedule == "multistep":
        return s.MultiStepLR(optimizer, milestones=t.milestones, gamma=t.gamma), False
    if t.schedule == "exponential":
        return s.ExponentialLR(optimizer, gamma=t.gamma), False
    if t.schedule == "cosine":
        return s.CosineAnnealingLR(optimizer, T_max=t.epochs, eta_min=t.min_lr), False
    if t.schedule == "onecycle":
        total = t.epochs * steps_per_epoch
        # One-cycle also cycles momentum, which Adagrad has none of (torch raised
        # "optimizer must support momentum or beta1" on every such project).
        cycle = t.optimizer != "adagrad"
        return s.OneCycleLR(optimizer, max_lr=t.lr, total_steps=total, cycle_momentum=cycle), True
    return (
        s.ReduceLROnPlateau(
            optimizer, mode="min", factor=t.gamma, patience=t.plateau_patience, min_lr=t.min_lr
        ),
        False,
    )


def all_finite(tensors: list[torch.Tensor]) -> bool:
    """Whether every value of every tensor is finite, with one read back from the device.

    A step can turn finite weights into NaN while the loss it was computed from is still
    finite; if it was the run's last, test evaluation handed NaN to scikit-learn."""
    floats = [t for t in tensors if t.is_floating_point()]
    if not floats:
        return True
    return bool(torch.stack([torch.isfinite(t).all() for t in floats]).all())


def drops_a_single_row(model: nn.Module, n_rows: int, batch_size: int) -> bool:
    """Whether an epoch should leave out one row: batch norm cannot train on a batch of
    one (torch raises "Expected more than 1 value per channel"), which the epoch's last
    batch is when n_rows % batch_size == 1. Rows are shuffled each epoch, so every row
    still takes part over a run."""
    return n_rows % batch_size == 1 and any(isinstance(m, nn.BatchNorm1d) for m in model.modules())
