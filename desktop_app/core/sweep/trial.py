"""One trial: the headless engine on a Project, nothing else.

Runs in a worker process (or a Ray worker). Each epoch's validation value goes to a
reporter (the Optuna trial in the shared journal locally, ``ray.tune.report`` on Ray),
which answers whether the trial is weak enough to prune; a pruned trial stops at that
epoch's end. A stop request (the sweep's Stop, Ctrl+C) ends the trial at its next
block of steps. What comes back is a TrialOutcome: plain data, picklable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.callbacks import Callback
from desktop_app.core.errors import OdysseyError
from desktop_app.core.history import History
from desktop_app.core.run_types import TrainResult
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.params import apply_values

COMPLETE, PRUNED, FAILED, INTERRUPTED = "complete", "pruned", "failed", "interrupted"


@dataclass
class TrialOutcome:
    """What a finished (or pruned, failed, stopped) trial hands back."""

    number: int
    values: dict[str, Any]
    state: str  # COMPLETE, PRUNED, FAILED or INTERRUPTED
    value: float | None = None  # the best epoch's metric (what the sweep compares)
    best_epoch: int | None = None
    epochs_run: int = 0
    seconds: float = 0.0
    error: str = ""
    project: Project | None = None
    history: History | None = None
    test_metrics: dict = field(default_factory=dict)
    stop_reason: str = ""
    device: str = ""
    seed: int | None = None
    started_at: float = 0.0
    result: TrainResult | None = None  # the engine's record (None when it failed)


def best_of(values: list[float | None], direction: str) -> tuple[float | None, int | None]:
    """The best finite value and its 1-based epoch."""
    best, where = None, None
    for i, v in enumerate(values, start=1):
        if v is None or not math.isfinite(v):
            continue
        if best is None or (v < best if direction == "minimize" else v > best):
            best, where = v, i
    return best, where


class SweepReport(Callback):
    """Hands each epoch's value to `report(epoch, value) -> prune?`; stops the run when
    told to prune, or at the next block of steps once `should_stop()` says so."""

    def __init__(
        self,
        metric: str,
        report: Callable[[int, float], bool] | None,
        should_stop: Callable[[], bool] | None,
    ):
        self.metric = metric
        self.report = report
        self.should_stop = should_stop
        self.pruned = False

    def on_batch_end(self, trainer, block) -> None:
        if self.should_stop is not None and self.should_stop():
            trainer.control.stop()

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        value = logs.get(self.metric)
        if self.report is None or value is None or not math.isfinite(value):
            return
        if self.report(epoch, float(value)):
            self.pruned = True
            trainer.stop_training = True
            trainer.stop_reason = "pruned"


def trial_project(base: Project, values: dict[str, Any]) -> Project:
    """The base project with the trial's values and one torch thread (trials run side by
    side, each in its own process: one thread each is fastest, DESIGN.md §3)."""
    return apply_values(base, {**values, "train.threads": 1})


def run_trial(
    base: Project,
    number: int,
    values: dict[str, Any],
    metric: str,
    direction: str,
    report: Callable[[int, float], bool] | None = None,
    should_stop: Callable[[], bool] | None = None,
    data_cache: dict | None = None,
    extra_callbacks: list[Callback] | tuple = (),
) -> TrialOutcome:
    """Train the base project with `values` applied; never raises for a bad trial (an
    exploding loss, an invalid combination): it comes back FAILED with the message."""
    from desktop_app.core.engine import Trainer

    started = time.time()
    outcome = TrialOutcome(number=number, values=dict(values), state=FAILED, started_at=started)
    try:
        project = trial_project(base, values)
        outcome.project, outcome.seed = project, project.train.seed
        data = prepared_data(project, data_cache)
        reporter = SweepReport(metric, report, should_stop)
        trainer = Trainer(project, data=data, callbacks=[reporter, *extra_callbacks])
        result = trainer.fit()
    except OdysseyError as exc:
        outcome.error = str(exc)
        outcome.seconds = time.time() - started
        return outcome
    outcome.seconds = time.time() - started
    outcome.result = result
    outcome.history = result.history
    outcome.test_metrics = dict(result.test_metrics)
    outcome.epochs_run = result.epochs_run
    outcome.stop_reason = result.stop_reason
    outcome.device = result.timing.device if result.timing else ""
    outcome.value, outcome.best_epoch = best_of(
        [e.get(metric) for e in result.history.epochs], direction
    )
    if reporter.pruned:
        outcome.state = PRUNED
    elif result.stop_reason == "user":
        outcome.state = INTERRUPTED
    elif outcome.value is None:
        outcome.error = f"no finite {metric} was measured"
    else:
        outcome.state = COMPLETE
    return outcome


def prepared_data(project: Project, cache: dict | None):
    """The project's prepared data, kept per worker while the data choices stay the same
    (most sweeps search the model and training, not the data)."""
    key = project.data.model_dump_json()
    if cache is not None and key in cache:
        return cache[key]
    if project.data.table is not None:
        from desktop_app.core.tabular.prepare import load_project_data

        data = load_project_data(project)[1]
    else:
        from desktop_app.core.data import prepare

        data = prepare(project.data)
    if cache is not None:
        cache.clear()  # one data set at a time is enough, and memory stays flat
        cache[key] = data
    return data
