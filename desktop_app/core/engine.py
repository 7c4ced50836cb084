"""The training loop and the run's state. Emits events to callbacks; never prints, never
touches Qt.

Hot-loop rules (DESIGN.md §3): the data lives on the device before the loop; an epoch
permutes it once and takes batches as contiguous views; losses stay on the device and
are read back in blocks, one sync per block; optimizers use fused kernels where torch
has them. Stop and pause are checked between steps.

The Trainer owns its state: ``state_dict()`` hands out a TrainerState (counters,
optimizer, schedule, callback states, random numbers) and ``load_state_dict()`` takes
one back, so that persistence can save and restore a run without knowing the Trainer.
A resumed run goes on exactly as if it had never stopped: same weights (the last ones,
not the best ones early stopping may have swapped in), same optimizer and schedule
state, same random numbers. (One exception: a run that early stopping ended continues
with a fresh patience, see callbacks.EarlyStopping.)

Checkpoint and resume (state_dict, load_state_dict, checkpoint, restore) are in
checkpointing, which Trainer mixes in. The parts a run is built from (loss, optimizer,
schedule, the lean forward and step callables) are in training_parts; Status, Control, BatchBlock and TrainResult are in
run_types; evaluate is in evaluation.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from desktop_app.core.callbacks import Callback, EarlyStopping, StoppingCriteria
from desktop_app.core.catalog import MULTICLASS
from desktop_app.core.checkpointing import Checkpointing
from desktop_app.core.data import prepare
from desktop_app.core.devices import cpu_threads_for, resolve_device
from desktop_app.core.errors import (
    NonFiniteLossError,
    PreparationStopped,
    TrainingError,
)
from desktop_app.core.evaluation import evaluate, loss_and_metric, targets_tensor
from desktop_app.core.fast_path import FAST_PATH_ON, manual_step
from desktop_app.core.history import History
from desktop_app.core.memory import (
    OUT_OF_MEMORY,
    data_memory_problem,
    out_of_memory,
    training_memory_problem,
)
from desktop_app.core.metrics import HEADLINE
from desktop_app.core.model import build_model
from desktop_app.core.prepared import PreparedData
from desktop_app.core.run_types import BatchBlock, Control, RunTiming, Status, TrainResult
from desktop_app.core.specs.messages import batch_problem
from desktop_app.core.specs.model import count_parameters
from desktop_app.core.specs.project import Project
from desktop_app.core.training_parts import (
    all_finite,
    drops_a_single_row,
    fast_forward,
    fast_step,
    make_loss,
    make_optimizer,
    make_scheduler,
)

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.persistence.model_file import LoadedModel

BLOCK = 32  # steps between read-backs of the loss (one device sync per block)


class Trainer(Checkpointing):
    """Trains one Project. Create, then call fit() (in whatever thread you like)."""

    # The fast path (core.fast_path): a hand-written step without autograd wherever it
    # applies, the autograd step elsewhere. False: always autograd (for comparisons).
    use_fast_path: bool = FAST_PATH_ON

    def __init__(
        self,
        project: Project,
        data: PreparedData | None = None,
        callbacks: list[Callback] | tuple = (),
        control: Control | None = None,
        leave_core_free: bool = False,
    ):
        """leave_core_free: keep one CPU core out of torch's pool (for a GUI thread)."""
        self.project = project
        self.data = data
        self.callbacks = list(callbacks)
        self.control = control or Control()
        self.leave_core_free = leave_core_free
        self.status = Status.IDLE
        self.stop_training = False
        self.stop_reason = "completed"
        self.loop_started: float | None = None  # perf_counter() as the training loop began
        self._paused_before = 0.0  # the control's paused seconds then
        self.best_epoch: int | None = None
        self.restored_epoch: int | None = None
        self.epoch = 0  # epochs completed
        self.global_step = 0
        self.history = History()
        self.model: nn.Module | None = None
        self.optimizer = None
        self.scheduler = None
        self.device: torch.device | None = None
        self.threads = 1
        self.step_path = "autograd"  # which step the last loop ran (core.fast_path)
        self._manual = None  # the fast path's step while a loop runs it
        self.early_stopping: EarlyStopping | None = None
        self.result: TrainResult | None = None
        # Continuation state: the weights, global RNG and CUDA RNG as the last loop left
        # them, so that a later fit() goes on exactly where it stopped even when early
        # stopping restored the best weights or other code drew random numbers.
        self.last_state: dict | None = None
        self.rng_state: torch.Tensor | None = None
        self.cuda_rng_state: torch.Tensor | None = None
        self.checkpoint_test_metrics: dict = {}  # a resumed run's, until it is tested again

    # ------------------------------------------------------------------ setup
    def setup(self) -> None:
        """Prepare data, device, model, optimizer and schedule (idempotent)."""
        if self.model is not None:
            return
        p = self.project
        t = p.train
        if self.data is None:  # Stop (or closing the window) is heard between blocks
            if self.control.stop_requested:
                raise PreparationStopped()
            problem = data_memory_problem(p.data.total_samples, p.data.features)
            if p.data.table is None and problem:  # before generating it
                raise TrainingError(problem)
            self.data = prepare(p.data, cancel=lambda: self.control.stop_requested)
        d = self.data
        problem = batch_problem(t.batch_size, len(d.x_train))
        if problem:
            raise TrainingError(problem)
        self.device = resolve_device(t.device)
        n_params = count_parameters(p.model, d.n_features, d.n_outputs)
        problem = training_memory_problem(n_params, t.optimizer)
        if problem:  # before any allocation: the allocator's own words are no message
            raise TrainingError(problem)
        self.threads = cpu_threads_for(n_params, t.batch_size, t.threads, self.leave_core_free)
        if self.device.type == "cpu":
            torch.set_num_threads(self.threads)
        torch.manual_seed(t.seed)
        self.model = build_model(p.model, d.n_features, d.n_outputs).to(self.device)
        self.optimizer = make_optimizer(p, self.model.parameters(), self.device)
        steps_per_epoch = math.ceil(len(d.x_train) / t.batch_size)
        self.scheduler, self.per_step_schedule = make_scheduler(p, self.optimizer, steps_per_epoch)
        self.loss_fn = make_loss(p, d.y_train, d.n_outputs).to(self.device)
        self.generator = torch.Generator().manual_seed(t.seed)
        self.history.metric_name = HEADLINE[d.task]
        if t.early_stopping:
            self.early_stopping = EarlyStopping(t.monitor, t.patience, t.min_delta, t.restore_best)

    # ------------------------------------------------------------------ resume
    @classmethod
    def from_checkpoint(
        cls,
        loaded: LoadedModel,
        project: Project | None = None,
        data: PreparedData | None = None,
        callbacks: list[Callback] | tuple = (),
        control: Control | None = None,
        leave_core_free: bool = False,
    ) -> Trainer:
        """A trainer that continues a saved run (a LoadedModel, from a file or from
        checkpoint()): fit(M) then goes on from the same epoch and step, as if the run
        had never stopped.

        project: the saved one by default; a copy may change settings that do not touch
        the network or the data (device, threads, epochs). The data is re-prepared from
        the project unless given; it must match the saved preprocessing.
        """
        trainer = cls(project or loaded.project, data, callbacks, control, leave_core_free)
        trainer.restore(loaded)
        return trainer

    def _tensor(self, a: np.ndarray, classify_target: bool = False) -> torch.Tensor:
        return targets_tensor(a, self.device, classify_target)

    # ------------------------------------------------------------------ events
    def _emit(self, hook: str, *args) -> None:
        for cb in self._all_callbacks:
            getattr(cb, hook)(self, *args)

    # ------------------------------------------------------------------ run
    def fit(self, epochs: int | None = None) -> TrainResult:
        """Train for `epochs` more epochs (default: the project's maximum)."""
        self._all_callbacks = list(self.callbacks)
        self.stop_training = False
        self.stop_reason = "completed"
        steps_at_start = self.global_step
        seconds = 0.0
        try:
            self.setup()
            if self.early_stopping is not None:
                self._all_callbacks.insert(0, self.early_stopping)
            if StoppingCriteria.wanted(self.project.train):
                self._all_callbacks.insert(0, StoppingCriteria(self.project.train))
            self.status = Status.RUNNING
            epochs = epochs if epochs is not None else self.project.train.epochs
            self._continue(epochs)
            self._emit("on_train_begin")
            # Throughput and time count the training loop: not data preparation, the
            # views' set-up in on_train_begin, or the test evaluation after it.
            self.loop_started = time.perf_counter()
            self._paused_before = self.control.paused_seconds()
            self._loop(epochs)
            # Taken now: a pause pressed during the test evaluation is not the loop's.
            seconds = self.training_seconds() or 0.0
            self._remember()
            self.status = Status.STOPPING
            self._emit("on_fit_end")
            metrics = self.evaluate_test()
        except BaseException as exc:
            self.status = Status.FAILED
            if isinstance(exc, torch.OutOfMemoryError):
                exc = TrainingError(
                    "the device ran out of memory; use a smaller batch size or network, "
                    "or train on the CPU"
                )
            elif out_of_memory(exc):
                exc = TrainingError(OUT_OF_MEMORY)
            for cb in getattr(self, "_all_callbacks", []):
                try:
                    cb.on_exception(self, exc)
                except Exception:  # noqa: BLE001 - a failing observer must not mask the cause
                    pass
            raise exc from None
        steps = self.global_step - steps_at_start
        self.status = Status.FINISHED
        d = self.data
        self.result = TrainResult(
            project=self.project,
            status=Status.FINISHED,
            stop_reason=self.stop_reason,
            epochs_run=self.epoch,
            steps=self.global_step,
            best_epoch=self.best_epoch,
            task=d.task,
            metric_name=self.history.metric_name,
            class_names=list(d.prep.class_names),
            test_metrics=metrics,
            history=self.history,
            restored_epoch=self.restored_epoch,
            timing=RunTiming(
                seconds=seconds,
                steps_per_second=steps / seconds if seconds > 0 else 0.0,
                device=str(self.device),
                threads=self.threads,
                step=self.step_path,
            ),
        )
        self._emit("on_train_end", self.result)
        return self.result

    def training_seconds(self) -> float | None:
        """Seconds the training loop of this fit() has run so far, paused time left out
        (None before it starts)."""
        if self.loop_started is None:
            return None
        paused = self.control.paused_seconds() - self._paused_before
        return time.perf_counter() - self.loop_started - paused

    def _loop(self, epochs: int) -> None:
        d, t = self.data, self.project.train
        classify = d.task == MULTICLASS
        x_train, y_train = self._tensor(d.x_train), self._tensor(d.y_train, classify)
        x_val, y_val = self._tensor(d.x_val), self._tensor(d.y_val, classify)
        n, bs = len(x_train), t.batch_size
        model, opt, loss_fn, sched = self.model, self.optimizer, self.loss_fn, self.scheduler
        per_step = self.per_step_schedule
        control = self.control
        clip, l1 = t.grad_clip, t.l1
        params = list(model.parameters())
        forward = fast_forward(model)
        step = fast_step(opt)
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        state_tensors = list(model.state_dict().values())
        snapshot = [s.detach().clone() for s in state_tensors]  # last weights with finite loss
        group = opt.param_groups[0]
        manual, self.step_path = (
            manual_step(model, loss_fn, opt, self.device, clip, l1)
            if self.use_fast_path
            else (None, "autograd (fast path off)")
        )
        self._manual = manual  # None: the autograd step below
        last_epoch = self.epoch + epochs
        drop_one = drops_a_single_row(model, n, bs)
        while self.epoch < last_epoch and not self.stop_training:
            epoch = self.epoch + 1
            epoch_start = time.perf_counter()
            self._emit("on_epoch_begin", epoch)
            model.train()
            perm = torch.randperm(n, generator=self.generator).to(self.device)
            if drop_one:
                perm = perm[:-1]
            # One gather per epoch, then batches are views: no per-step indexing.
            x_batches = x_train.index_select(0, perm).split(bs)
            y_batches = y_train.index_select(0, perm).split(bs)
            block_losses: list[torch.Tensor] = []
            block_lrs: list[float] = []
            epoch_loss_sum = 0.0
            seen = 0
            for xb, yb in zip(x_batches, y_batches):
                if control.stop_requested or self.stop_training:  # a criterion may stop
                    break  # part-way through an epoch (a time budget, a gradient norm)
                if control.must_wait():  # paused, stepping or slow motion
                    if block_losses:  # what ran so far reaches the observers first
                        epoch_loss_sum += self._flush(
                            epoch, block_losses, block_lrs, snapshot, state_tensors
                        )
                        block_losses, block_lrs = [], []
                    self.status = Status.PAUSED
                    control.hold()
                    self.status = Status.RUNNING
                    if control.stop_requested:
                        break
                if manual is not None:
                    block_lrs.append(group["lr"])
                    block_losses.append(manual(xb, yb))
                else:
                    loss = loss_fn(forward(xb), yb)
                    if l1:
                        loss = loss + l1 * sum(w.abs().sum() for w in weights)
                    for p_ in params:  # cheaper than optimizer.zero_grad(set_to_none=True)
                        p_.grad = None
                    loss.backward()
                    if clip:
                        nn.utils.clip_grad_norm_(params, clip)
                    block_lrs.append(group["lr"])
                    step()
                    block_losses.append(loss.detach())
                if per_step:
                    sched.step()
                seen += len(xb)
                self.global_step += 1
                if len(block_losses) == BLOCK:
                    epoch_loss_sum += self._flush(
                        epoch, block_losses, block_lrs, snapshot, state_tensors
                    )
                    block_losses, block_lrs = [], []
            if block_losses:
                last = (n % bs or bs) if seen == n else bs
                epoch_loss_sum += self._flush(
                    epoch, block_losses, block_lrs, snapshot, state_tensors, last
                )
            if control.stop_requested:
                self.stop_training, self.stop_reason = True, "user"
                if seen == 0:
                    break  # nothing of this epoch ran: do not log an empty epoch
            logs = self._epoch_logs(
                epoch, epoch_loss_sum / max(seen, 1), x_train, y_train, x_val, y_val
            )
            logs["seconds"] = time.perf_counter() - epoch_start
            if sched is not None and not per_step:
                if t.schedule == "plateau":
                    monitor = (
                        logs["val_loss"] if logs["val_loss"] is not None else logs["train_loss"]
                    )
                    sched.step(monitor)
                else:
                    sched.step()
            self.epoch = epoch
            self.history.epochs.append(logs)
            self._emit("on_epoch_end", epoch, logs)

    def _flush(self, epoch, losses, lrs, snapshot, state_tensors, last_size=None) -> float:
        """Read a block of losses back (one sync), check them, hand them to callbacks.

        Returns the block's loss summed over samples (for the epoch's mean).
        """
        stacked = torch.stack(losses) if self._manual is None else self._manual.losses(losses)
        values = stacked.cpu().numpy().astype(np.float64)
        sizes = np.full(len(losses), self.project.train.batch_size, dtype=np.float64)
        if last_size is not None:
            sizes[-1] = last_size  # the epoch's last, possibly smaller batch
        weighted = values * sizes
        first = self.global_step - len(losses) + 1
        steps = np.arange(first, self.global_step + 1, dtype=np.int64)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            self.global_step = int(steps[i]) - 1
            finite = BatchBlock(epoch, steps[:i], values[:i], np.asarray(lrs[:i], np.float64))
            self.history.add_block(finite.steps, finite.losses, finite.lrs)
            with torch.no_grad():
                for s, keep in zip(state_tensors, snapshot):
                    s.copy_(keep)
            self.stop_reason = "non_finite"
            if i:  # the steps that did run reach the observers: the user sees it explode
                self._emit("on_batch_end", finite)
            raise NonFiniteLossError(epoch, int(steps[i]), float(lrs[i]))
        if not all_finite(state_tensors):  # finite losses, but the last step made NaN weights
            with torch.no_grad():
                for s, keep in zip(state_tensors, snapshot):
                    s.copy_(keep)
            self.stop_reason = "non_finite"
            raise NonFiniteLossError(epoch, self.global_step, float(lrs[-1]))
        with torch.no_grad():
            for s, keep in zip(state_tensors, snapshot):
                keep.copy_(s)
        block = BatchBlock(epoch, steps, values, np.asarray(lrs, dtype=np.float64))
        self.history.add_block(block.steps, block.losses, block.lrs)
        self._emit("on_batch_end", block)
        return float(weighted.sum())  # noqa: RET504

    # ------------------------------------------------------------------ evaluation
    def _epoch_logs(self, epoch, train_loss, x_train, y_train, x_val, y_val) -> dict:
        limit = 20000  # train metric on a fixed subset so that huge sets stay cheap
        model, loss_fn, task = self.model, self.loss_fn, self.data.task
        _, train_metric = loss_and_metric(model, loss_fn, task, x_train[:limit], y_train[:limit])
        val_loss, val_metric = loss_and_metric(model, loss_fn, task, x_val, y_val)
        return {
            "epoch": epoch,
            "step": self.global_step,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "train_metric": train_metric,
            "val_metric": val_metric,
            "lr": float(self.optimizer.param_groups[0]["lr"]),
            "seconds": 0.0,
        }

    def evaluate_test(self) -> dict:
        d = self.data
        if len(d.x_test) == 0:
            return {}
        return evaluate(self.model, d, d.x_test, d.y_test, self.device)
