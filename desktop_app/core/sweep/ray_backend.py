"""The Ray backend: the same sweep through Ray Tune, on a cluster or on this machine.

Ray is an optional extra (``pip install 'odyssey-trainer[cluster]'``) and is imported
here only, when a Ray sweep starts. Optuna still chooses the values (Tune's OptunaSearch
on the sweep's own study file, with the same sampler), so a Ray sweep and a local one
are one study: resumable, and read the same way afterwards. Tune's ASHA scheduler prunes
from the per-epoch values. Each trial is the same ``run_trial`` (the headless engine);
results come back to this process, which records them in the run store.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
from pathlib import Path
from typing import Any

from desktop_app.core.callbacks import Callback
from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.progress import (
    SweepListener,
    SweepTally,
    tally_from_study,
)
from desktop_app.core.sweep.ray_parts import (
    DONE_KEY,
    EPOCH_KEY,
    FINAL_KEY,
    NUMBER_KEY,
    build_tune_classes,
    import_ray,
    outcome_from_results,
)
from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.study import clean_up_stale, make_sampler, storage_for, suggest
from desktop_app.core.sweep.trial import COMPLETE, INTERRUPTED, run_trial


def ray_trainable(config: dict, base: Project, metric: str, direction: str) -> None:
    """A Tune function trainable: one trial, reporting every epoch's record."""
    import torch
    from ray import tune

    torch.set_num_threads(1)
    values = {k: v for k, v in config.items() if k != NUMBER_KEY}
    number = int(config.get(NUMBER_KEY, -1))

    def report(epoch: int, value: float) -> bool:
        return False  # the epoch's record goes out in epoch_report; Tune prunes itself

    class EpochReport(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            value = logs.get(metric)
            row = {k: v for k, v in logs.items() if v is None or isinstance(v, int | float)}
            tune.report({**row, EPOCH_KEY: _finite(value), "epoch": epoch})

    outcome = run_trial(
        base, number, values, metric, direction, report=report, extra_callbacks=[EpochReport()]
    )
    final = {
        DONE_KEY: True,
        "epoch": outcome.epochs_run,
        "state": outcome.state,
        "error": outcome.error,
        "test_metrics": outcome.test_metrics,
        "best_epoch": outcome.best_epoch,
        "epochs_run": outcome.epochs_run,
        "stop_reason": outcome.stop_reason,
        "device": outcome.device,
        "seconds": outcome.seconds,
        "history": outcome.history.to_dict() if outcome.history is not None else None,
    }
    if outcome.state == COMPLETE:
        final[FINAL_KEY] = outcome.value
    tune.report(final)


def define_space(trial, params) -> dict[str, Any]:
    """OptunaSearch's define-by-run space: our suggestions, plus the trial's number."""
    suggest(trial, params)
    return {NUMBER_KEY: trial.number}


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


class RaySweep:
    """Runs a sweep's remaining trials through Ray Tune; run() blocks, stop() ends it."""

    def __init__(
        self,
        spec: SweepSpec,
        study,
        folder: str | Path,
        address: str | None = None,
        workers: int = 2,
        listener: SweepListener | None = None,
        recorder=None,
    ):
        self.spec = spec
        self.study = study
        self.folder = Path(folder)
        self.address = address
        self.workers = workers
        self.listener = listener or SweepListener()
        self.recorder = recorder
        self._stop = threading.Event()
        self.tally = tally_from_study(study, spec)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> SweepTally:
        ray = import_ray()
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler, FIFOScheduler
        from ray.tune.search import ConcurrencyLimiter

        # Results carry the trial's value only at its end, and Tune's loggers are not
        # wanted (the run store and the study keep everything).
        os.environ.setdefault("TUNE_DISABLE_STRICT_METRIC_CHECKING", "1")
        os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
        os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
        started_ray = False
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "this machine"
                raise OdysseyError(
                    f"cannot reach the Ray cluster at {where}: {exc}; start one with "
                    "`ray start --head` (see the README) or check --address"
                ) from None
            started_ray = True
        clean_up_stale(self.study)
        tally = self.tally
        remaining = tally.remaining
        self.listener.sweep_started(tally)
        mode = "min" if self.spec.direction == "minimize" else "max"
        tune_classes = build_tune_classes()
        try:
            if remaining > 0:
                searcher = tune_classes["StoppableOptunaSearch"](
                    self,
                    space=functools.partial(define_space, params=self.spec.params),
                    metric=FINAL_KEY,
                    mode=mode,
                    sampler=make_sampler(self.spec, len(self.study.trials)),
                    study_name=self.spec.name,
                    storage=storage_for(self.folder),
                )
                epochs = self.spec.project.train.epochs
                scheduler = (
                    ASHAScheduler(
                        time_attr="epoch",
                        metric=EPOCH_KEY,
                        mode=mode,
                        max_t=epochs + 1,  # never at the last epoch: its final report must come
                        grace_period=min(self.spec.warmup_epochs, epochs),
                    )
                    if self.spec.prune
                    else FIFOScheduler()
                )
                trainable = tune.with_resources(
                    tune.with_parameters(
                        ray_trainable,
                        base=self.spec.project,
                        metric=self.spec.metric,
                        direction=self.spec.direction,
                    ),
                    {"cpu": 1},
                )
                tuner = tune.Tuner(
                    trainable,
                    tune_config=tune.TuneConfig(
                        search_alg=ConcurrencyLimiter(searcher, max_concurrent=self.workers),
                        scheduler=scheduler,
                        num_samples=remaining,
                    ),
                    run_config=tune.RunConfig(
                        name=self.spec.name,
                        storage_path=str((self.folder / "ray").absolute()),
                        stop=tune_classes["SweepStopper"](self._stop),
                        callbacks=[tune_classes["TuneBridge"](self)],
                        verbose=0,
                    ),
                )
                quiet = logging.getLogger("ray.tune")
                level = quiet.level
                quiet.setLevel(logging.ERROR)  # no notes about the loggers left out
                try:
                    tuner.fit()
                finally:
                    quiet.setLevel(level)
        finally:
            if started_ray:
                ray.shutdown()
        self.listener.sweep_finished(tally, self._stop.is_set())
        return tally

    # ------------------------------------------------------------ from TuneBridge
    def trial_started(self, number: int, values: dict) -> None:
        self.tally.running += 1
        self.listener.trial_started(number, values, self.tally)

    def trial_ended(self, number: int, values: dict, epochs: list[dict], last: dict) -> None:
        self.tally.running = max(0, self.tally.running - 1)
        outcome = outcome_from_results(self.spec, number, values, epochs, last)
        if outcome.state != COMPLETE and self._stop.is_set() and not last.get(DONE_KEY):
            outcome.state = INTERRUPTED
        self.tally.add(outcome)
        if self.recorder is not None:
            self.recorder(self.spec, outcome)
        self.listener.trial_finished(outcome, self.tally)
