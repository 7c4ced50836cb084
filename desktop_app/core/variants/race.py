"""A race: 2–4 variants of one project trained side by side from the same initial weights
on the same split, each variant's epochs reported as they happen.

Variants that differ only in optimizer settings (learning rate, weight decay, momentum,
betas, Nesterov) of Adam, AdamW or SGD, on a network without dropout or batch norm, train
in one vectorised step (core.variants.stacked): one forward and backward for all of them.
Anything else (different layers, data, batch size, seeds, schedules...) falls back to
separate Trainer runs one after another, with the same reports; `RaceResult.reason` says
why. Either way each variant ends as a TrainResult like a separate run's.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from desktop_app.core.callbacks import Callback, EarlyStopping, StoppingCriteria
from desktop_app.core.catalog import BINARY, MULTICLASS
from desktop_app.core.data import prepare
from desktop_app.core.devices import cpu_threads_for, resolve_device
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import SpecError, TrainingError
from desktop_app.core.evaluation import evaluate, targets_tensor
from desktop_app.core.history import History
from desktop_app.core.metrics import HEADLINE
from desktop_app.core.model import build_model
from desktop_app.core.outputs import predicted_classes, to_probabilities
from desktop_app.core.prepared import PreparedData
from desktop_app.core.run_types import BatchBlock, Control, RunTiming, Status, TrainResult
from desktop_app.core.specs.messages import batch_problem
from desktop_app.core.specs.model import count_parameters
from desktop_app.core.specs.project import Project
from desktop_app.core.training_parts import make_loss
from desktop_app.core.variants.labels import MAX_VARIANTS, variant_labels
from desktop_app.core.variants.stacked import StackedNetwork, StackedOptimizer, losses_fn

BLOCK = 32  # steps between read-backs of the losses, as the Trainer
VECTOR_FIELDS = ("lr", "weight_decay", "momentum", "beta1", "beta2", "nesterov")
VECTOR_OPTIMIZERS = ("sgd", "adam", "adamw")


@dataclass
class RaceResult:
    """Every variant's run, in the order given, and how the race ran."""

    projects: list[Project]
    labels: list[str]
    results: list[TrainResult | None]  # None: the variant failed (errors says why)
    errors: list[str | None]
    vectorised: bool
    reason: str | None  # why the variants ran separately (None when vectorised)
    seconds: float
    histories: list[History] = field(default_factory=list)


def vector_problem(projects: list[Project]) -> str | None:
    """Why these variants cannot share one vectorised step; None when they can."""
    first = projects[0]
    t = first.train

    def base(p: Project) -> dict:
        d = p.model_dump(mode="json")
        d.pop("name")
        for k in VECTOR_FIELDS:
            d["train"].pop(k)
        return d

    if any(base(p) != base(first) for p in projects[1:]):
        return "the variants differ in more than optimizer settings (lr, weight decay, momentum, betas)"
    if t.optimizer not in VECTOR_OPTIMIZERS:
        return f"the {t.optimizer} optimizer has no vectorised step (only sgd, adam, adamw)"
    if any(h.dropout > 0 or h.batch_norm for h in first.model.hidden):
        return "dropout and batch norm layers have no vectorised step"
    if t.schedule != "constant" or t.grad_clip or t.l1 or StoppingCriteria.wanted(t):
        return "schedules, clipping, L1 and stopping goals have no vectorised step"
    return None


class RaceObserver:
    """What a race reports (override what you need); `variant` indexes the projects."""

    def on_batch_end(self, variant: int, block: BatchBlock) -> None: ...
    def on_epoch_end(self, variant: int, epoch: int, logs: dict) -> None: ...


def run_race(
    projects: list[Project],
    data: PreparedData | None = None,
    observer: RaceObserver | None = None,
    control: Control | None = None,
    leave_core_free: bool = False,
    vectorise: bool = True,
) -> RaceResult:
    """Train the variants side by side (vectorised where possible). data: the prepared
    data of projects[0] (a table already read); variants with other data prepare their own."""
    if not 2 <= len(projects) <= MAX_VARIANTS:
        raise SpecError(f"a race needs 2 to {MAX_VARIANTS} variants, got {len(projects)}")
    observer = observer or RaceObserver()
    control = control or Control()
    reason = vector_problem(projects) if vectorise else "asked to run the variants separately"
    start = time.perf_counter()
    if reason is None:
        race = VectorRace(projects, data, observer, control, leave_core_free)
        results, errors = race.fit()
        histories = race.histories
    else:
        results, errors, histories = _separate(projects, data, observer, control, leave_core_free)
    return RaceResult(
        list(projects),
        variant_labels(projects),
        results,
        errors,
        reason is None,
        reason,
        time.perf_counter() - start,
        histories,
    )


class _Forward(Callback):
    """Hands one separate run's events to the race's observer."""

    def __init__(self, observer: RaceObserver, variant: int):
        self.observer, self.variant = observer, variant

    def on_batch_end(self, trainer, block) -> None:
        self.observer.on_batch_end(self.variant, block)

    def on_epoch_end(self, trainer, epoch, logs) -> None:
        self.observer.on_epoch_end(self.variant, epoch, logs)


def _separate(projects, data, observer, control, leave_core_free):
    results, errors, histories = [], [], []
    for i, p in enumerate(projects):
        if control.stop_requested:
            results.append(None)
            errors.append("stopped before it started")
            histories.append(History())
            continue
        own = data if data is not None and p.data == projects[0].data else None
        trainer = Trainer(p, own, [_Forward(observer, i)], control, leave_core_free)
        try:
            results.append(trainer.fit())
            errors.append(None)
        except TrainingError as exc:
            results.append(None)
            errors.append(str(exc))
        histories.append(trainer.history)
    return results, errors, histories


class _VariantView:
    """What a callback (early stopping) sees of one variant: the Trainer's attributes it uses."""

    def __init__(self, model):
        self.model = model
        self.stop_training = False
        self.stop_reason = "completed"
        self.best_epoch: int | None = None
        self.restored_epoch: int | None = None


class VectorRace:
    """Same-shape variants in one stacked network: the Trainer's loop, vectorised."""

    def __init__(self, projects, data, observer, control, leave_core_free):
        self.projects = projects
        p, t = projects[0], projects[0].train
        self.data = d = data if data is not None else prepare(p.data)
        problem = batch_problem(t.batch_size, len(d.x_train))
        if problem:
            raise TrainingError(problem)
        self.observer, self.control = observer, control
        self.device = resolve_device(t.device)
        n = len(projects)
        n_params = count_parameters(p.model, d.n_features, d.n_outputs)
        self.threads = cpu_threads_for(n_params * n, t.batch_size, t.threads, leave_core_free)
        if self.device.type == "cpu":
            torch.set_num_threads(self.threads)
        torch.manual_seed(t.seed)  # the Trainer's order: seed, then build the network
        base = build_model(p.model, d.n_features, d.n_outputs).to(self.device)
        self.models = [copy.deepcopy(base) for _ in projects]  # for evaluation and results
        self.net = StackedNetwork(base, n)
        self.opt = StackedOptimizer(projects, self.net)
        self.loss_fn = make_loss(p)
        self.generator = torch.Generator().manual_seed(t.seed)
        self.views = [_VariantView(m) for m in self.models]
        self.stopping = [
            EarlyStopping(
                q.train.monitor, q.train.patience, q.train.min_delta, q.train.restore_best
            )
            if q.train.early_stopping
            else None
            for q in projects
        ]
        self.histories = [History(metric_name=HEADLINE[d.task]) for _ in projects]
        self.active = [True] * n
        self.steps = [0] * n
        self.epochs = [0] * n
        self.errors: list[str | None] = [None] * n

    def fit(self) -> tuple[list[TrainResult | None], list[str | None]]:
        start = time.perf_counter()
        d, t = self.data, self.projects[0].train
        classify = d.task == MULTICLASS
        x_train, y_train = (
            targets_tensor(d.x_train, self.device),
            targets_tensor(d.y_train, self.device, classify),
        )
        x_val, y_val = (
            targets_tensor(d.x_val, self.device),
            targets_tensor(d.y_val, self.device, classify),
        )
        n, bs = len(x_train), t.batch_size
        losses_of = losses_fn(self.net, self.loss_fn)
        net, opt, control = self.net, self.opt, self.control
        snapshot = net.data.clone()  # the weights after the last block with finite losses
        ones = torch.ones(len(self.projects), device=self.device)
        for epoch in range(1, t.epochs + 1):
            if not any(self.active) or control.stop_requested:
                break
            epoch_start = time.perf_counter()
            perm = torch.randperm(n, generator=self.generator).to(self.device)
            x_batches = x_train.index_select(0, perm).split(bs)
            y_batches = y_train.index_select(0, perm).split(bs)
            block: list[torch.Tensor] = []
            sums = np.zeros(len(self.projects))
            seen = 0
            for xb, yb in zip(x_batches, y_batches):
                if control.stop_requested:
                    break
                if control.must_wait():
                    control.hold()
                    if control.stop_requested:
                        break
                losses = losses_of(xb, yb)
                net.zero_grad()
                losses.backward(ones)  # the gradient of their sum: each variant's own
                opt.step()
                block.append(losses.detach())
                seen += len(xb)
                if len(block) == BLOCK:
                    sums += self._flush(epoch, block, snapshot, bs)
                    block = []
            if block:
                last = (n % bs or bs) if seen == n else bs
                sums += self._flush(epoch, block, snapshot, bs, last)
            if control.stop_requested and seen == 0:
                break
            self._epoch_end(epoch, sums / max(seen, 1), epoch_start, x_train, y_train, x_val, y_val)
        if control.stop_requested:  # however the loop ended (mid-epoch or between epochs)
            for v in range(len(self.models)):
                if self.active[v]:
                    self._stop(v, "user")
        return self._finish(time.perf_counter() - start)

    def _flush(self, epoch, block, snapshot, bs, last_size=None) -> np.ndarray:
        """Read a block of every variant's losses back (one sync); record, check, report."""
        values = torch.stack(block).cpu().numpy().astype(np.float64)  # (steps, V)
        sizes = np.full(len(block), bs, dtype=np.float64)
        if last_size is not None:
            sizes[-1] = last_size
        sums = np.zeros(values.shape[1])
        for v in range(values.shape[1]):
            if not self.active[v]:
                continue
            col = values[:, v]
            first = self.steps[v] + 1
            bad = ~np.isfinite(col)
            k = int(np.argmax(bad)) if bad.any() else len(col)
            steps = np.arange(first, first + k, dtype=np.int64)
            lrs = np.full(k, self.projects[v].train.lr)
            self.histories[v].add_block(steps, col[:k], lrs)
            self.steps[v] += k
            if k:
                self.observer.on_batch_end(v, BatchBlock(epoch, steps, col[:k], lrs))
            if bad.any():  # the Trainer's non-finite stop: last finite block's weights back
                self.net.copy_variant(v, snapshot)
                self._stop(v, "non_finite")
                lr = self.projects[v].train.lr
                self.errors[v] = (
                    f"the loss became non-finite at step {first + k} (epoch {epoch}); "
                    f"the learning rate {lr:g} is probably too high"
                )
            else:
                sums[v] = float((col * sizes).sum())
        snapshot.copy_(self.net.data)
        return sums

    @torch.no_grad()
    def _outputs(self, x: torch.Tensor) -> torch.Tensor | None:
        if len(x) == 0:
            return None
        chunk = 65536
        return torch.cat([self.net.outputs(x[i : i + chunk]) for i in range(0, len(x), chunk)], 1)

    @torch.no_grad()
    def _loss_and_metric(self, out, v: int, y: torch.Tensor):
        """evaluation.loss_and_metric on variant v's outputs (None, None for no rows)."""
        if out is None:
            return None, None
        o = out[v]
        loss = float(self.loss_fn(o, y))
        task = self.data.task
        if task in (BINARY, MULTICLASS):
            predicted = predicted_classes(to_probabilities(o, task), task)
            return loss, float((predicted.to(y.dtype) == y.reshape(-1)).float().mean())
        ss_res = float(((o - y) ** 2).sum())
        ss_tot = float(((y - y.mean()) ** 2).sum())
        return loss, 1.0 - ss_res / ss_tot if ss_tot > 0 else None

    def _stop(self, v: int, reason: str) -> None:
        self.active[v] = False
        self.opt.stop(v)
        self.views[v].stop_reason = reason

    def _epoch_end(self, epoch, train_losses, epoch_start, x_train, y_train, x_val, y_val):
        limit = 20000  # the Trainer's: train metric on a fixed subset
        seconds = time.perf_counter() - epoch_start
        # Every variant's outputs in one batched forward, then each variant's numbers
        # exactly as the Trainer's evaluation computes them (loss_and_metric).
        train_out = self._outputs(x_train[:limit])
        val_out = self._outputs(x_val)
        for v, model in enumerate(self.models):
            if not self.active[v]:
                continue
            self.net.load_into(v, model)  # what early stopping keeps as the best weights
            _, train_metric = self._loss_and_metric(train_out, v, y_train[:limit])
            val_loss, val_metric = self._loss_and_metric(val_out, v, y_val)
            logs = {
                "epoch": epoch,
                "step": self.steps[v],
                "train_loss": float(train_losses[v]),
                "val_loss": val_loss,
                "train_metric": train_metric,
                "val_metric": val_metric,
                "lr": float(self.projects[v].train.lr),
                "seconds": seconds,
            }
            self.epochs[v] = epoch
            self.histories[v].epochs.append(logs)
            view = self.views[v]
            if self.stopping[v] is not None:
                self.stopping[v].on_epoch_end(view, epoch, logs)
            self.observer.on_epoch_end(v, epoch, logs)
            if view.stop_training:
                self._stop(v, view.stop_reason)

    def _finish(self, seconds: float):
        d = self.data
        results: list[TrainResult | None] = []
        for v, (p, model, view) in enumerate(zip(self.projects, self.models, self.views)):
            if self.errors[v] is not None:
                results.append(None)
                continue
            self.net.load_into(v, model)
            if self.stopping[v] is not None:
                self.stopping[v].on_fit_end(view)
            metrics = evaluate(model, d, d.x_test, d.y_test, self.device) if len(d.x_test) else {}
            results.append(
                TrainResult(
                    project=p,
                    status=Status.FINISHED,
                    stop_reason=view.stop_reason,
                    epochs_run=self.epochs[v],
                    steps=self.steps[v],
                    best_epoch=view.best_epoch,
                    task=d.task,
                    metric_name=self.histories[v].metric_name,
                    class_names=list(d.prep.class_names),
                    test_metrics=metrics,
                    history=self.histories[v],
                    restored_epoch=view.restored_epoch,
                    timing=RunTiming(
                        seconds=seconds,
                        steps_per_second=self.steps[v] / seconds if seconds > 0 else 0.0,
                        device=str(self.device),
                        threads=self.threads,
                    ),
                )
            )
        return results, list(self.errors)
