"""The learning-rate range test (Leslie Smith's "LR range test", fastai's lr_find): train
from the project's initial weights while the rate grows exponentially each step, watch
the loss, and suggest a rate (core.lr_curve reads the curve).

The method, and why:

- The same start as Train: the Trainer's own setup builds the model, optimizer, loss
  and shuffling from the project and its seed, so the test sees the initial weights a
  Train would start from (not some other random draw), with the project's batch size,
  L1 penalty and gradient clipping, on the training split only (the validation and test
  rows stay unseen). The schedule is ignored: the test sets the rate itself.
- Rate of step i: start * (end / start) ** (i / (steps - 1)), 1e-7 to 10 by default,
  so every decade gets the same number of steps.
- Each step's loss is read at once (one sync per step: a few hundred steps, and the stop
  rule needs every value) and smoothed with a de-biased exponential moving average.
- The test stops when the smoothed loss passes 4 times its best (after the first few
  steps, whose jitter is no divergence) or a loss is NaN or infinite (the step is then
  not taken): past that point the curve says nothing more, and the steps cost time.
- Nothing the caller owns changes: the project is frozen, the data is only read, the
  model is the test's own, and torch's global random state and thread count are put
  back as they were, so a Train after the test gives the same run as one before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from desktop_app.core.catalog import MULTICLASS
from desktop_app.core.devices import resolve_device
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import OdysseyError
from desktop_app.core.evaluation import targets_tensor
from desktop_app.core.lr_curve import (
    DIVERGE_FACTOR,
    DIVERGED,
    END_OF_RANGE,
    NON_FINITE,
    DebiasedEma,
    LrFindResult,
    ema_beta,
    rate_schedule,
    suggest_rate,
)
from desktop_app.core.prepared import PreparedData
from desktop_app.core.specs.project import Project
from desktop_app.core.tabular.detect import Cancelled

DEFAULT_STEPS = 200
MIN_STEPS, MAX_STEPS = 20, 100_000


def check_range(steps: int, start: float, end: float) -> None:
    """Bad range settings fail here, with what to change."""
    if not isinstance(steps, int) or not MIN_STEPS <= steps <= MAX_STEPS:
        raise OdysseyError(
            f"the learning-rate test needs between {MIN_STEPS} and {MAX_STEPS:,} steps, "
            f"not {steps}; a few hundred is usual"
        )
    for name, value in (("start", start), ("end", end)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise OdysseyError(f"the test's {name} rate must be a number above 0, not {value}")
    if start >= end:
        raise OdysseyError(
            f"the test's start rate ({start:g}) must be below its end rate ({end:g})"
        )


def find_learning_rate(
    project: Project,
    data: PreparedData | None = None,
    steps: int = DEFAULT_STEPS,
    start: float = 1e-7,
    end: float = 10.0,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
    leave_core_free: bool = False,
) -> LrFindResult:
    """Run the range test of the module docstring on `project` (its data prepared
    unless given). cancel: asked before each step, True raises tabular.Cancelled;
    progress: the share of the planned steps done. leave_core_free: as the Trainer's
    (a GUI thread needs one core)."""
    check_range(steps, start, end)
    threads_before = torch.get_num_threads()
    trainer = Trainer(project, data=data, leave_core_free=leave_core_free)
    device = resolve_device(project.train.device)
    cuda = [device] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            trainer.setup()
            lrs, losses, smoothed, stop = _sweep(
                trainer, rate_schedule(start, end, steps), cancel, progress
            )
    finally:
        torch.set_num_threads(threads_before)
    s = suggest_rate(lrs, losses, stop, steps)
    return LrFindResult(
        lrs=lrs,
        losses=losses,
        smoothed=smoothed,
        suggestion=s.rate,
        confidence=s.confidence,
        reason=s.reason,
        stop_reason=stop,
        steps_planned=steps,
        steepest_lr=s.steepest_lr,
        min_lr=s.min_lr,
    )


def _sweep(trainer: Trainer, rates: np.ndarray, cancel, progress):
    """The loop: one step per rate until the loss diverges or the rates run out."""
    d, t = trainer.data, trainer.project.train
    device, model, opt, loss_fn = trainer.device, trainer.model, trainer.optimizer, trainer.loss_fn
    x = targets_tensor(d.x_train, device)
    y = targets_tensor(d.y_train, device, d.task == MULTICLASS)
    n, bs = len(x), t.batch_size
    params = list(model.parameters())
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    ema = DebiasedEma(ema_beta(len(rates)))
    grace = max(3, len(rates) // 20)  # the first steps' jitter is not divergence
    losses: list[float] = []
    smoothed: list[float] = []
    best = math.inf
    stop = END_OF_RANGE
    batches: list[tuple[torch.Tensor, torch.Tensor]] = []
    model.train()
    for i, rate in enumerate(rates):
        if cancel is not None and cancel():
            raise Cancelled()
        if not batches:  # a new pass over the training rows, shuffled as Train would
            perm = torch.randperm(n, generator=trainer.generator).to(device)
            batches = list(
                zip(x.index_select(0, perm).split(bs), y.index_select(0, perm).split(bs))
            )
            batches.reverse()  # popped from the end: first batch first
        xb, yb = batches.pop()
        for group in opt.param_groups:
            group["lr"] = float(rate)
        loss = loss_fn(model(xb), yb)
        if t.l1:
            loss = loss + t.l1 * sum(w.abs().sum() for w in weights)
        value = float(loss.detach())
        losses.append(value)
        if not math.isfinite(value):
            smoothed.append(math.nan)
            stop = NON_FINITE
            break
        avg = ema.add(value)
        smoothed.append(avg)
        for p in params:
            p.grad = None
        loss.backward()
        if t.grad_clip:
            nn.utils.clip_grad_norm_(params, t.grad_clip)
        opt.step()
        if progress is not None:
            progress((i + 1) / len(rates))
        if i >= grace:  # the best counts from here too: one lucky early batch is no best
            if avg > DIVERGE_FACTOR * best:
                stop = DIVERGED
                break
            best = min(best, avg)
    count = len(losses)
    return rates[:count].copy(), np.asarray(losses), np.asarray(smoothed), stop
