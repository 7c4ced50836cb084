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
from desktop_app.core.history import History
from desktop_app.core.run_types import Status, TrainResult
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.progress import (
    INTERRUPTED_ATTR,
    SweepListener,
    SweepTally,
    tally_from_study,
)
from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.study import clean_up_stale, make_sampler, storage_for, suggest
from desktop_app.core.sweep.trial import (
    COMPLETE,
    FAILED,
    INTERRUPTED,
    PRUNED,
    TrialOutcome,
    best_of,
    run_trial,
)

INSTALL_HINT = "pip install 'odyssey-trainer[cluster]'"
NUMBER_KEY = "odyssey_trial"  # the Optuna trial number, passed along in Tune's config
EPOCH_KEY = "epoch_value"  # each epoch's value (what the scheduler prunes from)
FINAL_KEY = "sweep_value"  # the trial's value (what Optuna is told), in the last report
DONE_KEY = "odyssey_done"


def import_ray():
    try:
        import ray
        from ray import tune  # noqa: F401 - the Tune part of the extra must be there too
    except ImportError:
        raise OdysseyError(
            f"the Ray backend needs Ray Tune, which is not installed; install it with "
            f"{INSTALL_HINT} (or use --backend local)"
        ) from None
    return ray


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


def outcome_from_results(
    spec: SweepSpec, number: int, values: dict, epochs: list[dict], last: dict
) -> TrialOutcome:
    """A TrialOutcome (with a TrainResult for the run store) from what a Tune trial
    reported: its epochs, and the final record when it ran to its end."""
    from desktop_app.core.history import EPOCH_KEYS
    from desktop_app.core.metrics import HEADLINE
    from desktop_app.core.sweep.params import apply_values

    project = apply_values(spec.project, values)
    done = bool(last.get(DONE_KEY))
    if done and last.get("history"):
        history = History.from_dict(last["history"])
    else:
        history = History(metric_name=HEADLINE.get(project.task, "accuracy"))
        history.epochs = [{k: e.get(k) for k in EPOCH_KEYS} for e in epochs]
    value, best_epoch = best_of([e.get(spec.metric) for e in history.epochs], spec.direction)
    state = str(last.get("state", FAILED)) if done else PRUNED
    outcome = TrialOutcome(
        number=number,
        values=values,
        state=state,
        value=value if state == COMPLETE else None,
        best_epoch=best_epoch,
        epochs_run=len(history.epochs),
        seconds=float(last.get("seconds") if done else last.get("time_total_s") or 0.0),
        error=str(last.get("error") or ""),
        project=project,
        history=history,
        test_metrics=dict(last.get("test_metrics") or {}),
        stop_reason=str(last.get("stop_reason") or "pruned"),
        device=str(last.get("device") or ""),
        seed=project.train.seed,
    )
    if state != FAILED and history.epochs:
        outcome.result = TrainResult(
            project=project,
            status=Status.FINISHED,
            stop_reason=outcome.stop_reason,
            epochs_run=outcome.epochs_run,
            steps=int(history.epochs[-1].get("step") or 0),
            best_epoch=last.get("best_epoch") if done else best_epoch,
            task=project.task,
            metric_name=history.metric_name,
            test_metrics=outcome.test_metrics,
            history=history,
        )
    return outcome


def without_driver_state(obj) -> dict:
    """Tune pickles its searcher, stopper and callbacks with the experiment (to restore
    it later); what links them to this process's sweep stays behind. A sweep resumes
    from its Optuna study, not from Tune's state."""
    state = dict(obj.__dict__)
    for key in ("sweep", "event"):
        if key in state:
            state[key] = None
    return state


def build_tune_classes() -> dict[str, type]:
    """Tune's Callback, Stopper and OptunaSearch subclassed (built when Ray is imported)."""
    import_ray()
    from ray.tune import Callback as callback_base
    from ray.tune import Stopper as stopper_base
    from ray.tune.search.optuna import OptunaSearch as search_base

    class TuneBridge(callback_base):
        """Tune's trial events, handed to the RaySweep in this (the driver's) process."""

        def __init__(self, sweep: RaySweep):
            self.sweep = sweep
            self.epochs: dict[str, list[dict]] = {}

        __getstate__ = without_driver_state

        def _number_values(self, trial) -> tuple[int, dict]:
            config = dict(trial.config)
            return int(config.pop(NUMBER_KEY, -1)), config

        def on_trial_start(self, iteration, trials, trial, **info):
            self.epochs[trial.trial_id] = []
            self.sweep.trial_started(*self._number_values(trial))

        def on_trial_result(self, iteration, trials, trial, result, **info):
            if not result.get(DONE_KEY):
                self.epochs.setdefault(trial.trial_id, []).append(dict(result))

        def _end(self, trial):
            number, values = self._number_values(trial)
            last = dict(trial.last_result or {})
            self.sweep.trial_ended(number, values, self.epochs.pop(trial.trial_id, []), last)

        def on_trial_complete(self, iteration, trials, trial, **info):
            self._end(trial)

        def on_trial_error(self, iteration, trials, trial, **info):
            self._end(trial)

    class SweepStopper(stopper_base):
        """Stops every trial once the sweep's Stop is pressed."""

        def __init__(self, event: threading.Event):
            self.event = event

        __getstate__ = without_driver_state

        def __call__(self, trial_id, result) -> bool:
            return self.stop_all()

        def stop_all(self) -> bool:
            return self.event is not None and self.event.is_set()

    class StoppableOptunaSearch(search_base):
        """OptunaSearch that tells a trial the user's Stop ended as failed and
        interrupted, and queues its values again (as the local backend does), instead
        of as pruned. Uses OptunaSearch's own trial table (`_ot_trials`, `_ot_study`)."""

        def __init__(self, sweep: RaySweep, **kwargs):
            self.sweep = sweep
            super().__init__(**kwargs)

        __getstate__ = without_driver_state

        def save(self, checkpoint_path: str) -> None:  # Tune's checkpoint of the searcher
            import pickle

            with open(checkpoint_path, "wb") as f:
                pickle.dump(without_driver_state(self), f)

        def on_trial_result(self, trial_id, result):
            """Each epoch's value goes into the study as the trial's intermediate value
            at that epoch (as the local backend reports it)."""
            value, epoch = result.get(EPOCH_KEY), result.get("epoch")
            ot_trial = self._ot_trials.get(trial_id)
            if ot_trial is not None and value is not None and epoch is not None:
                ot_trial.report(float(value), int(epoch))

        def on_trial_complete(self, trial_id, result=None, error=False):
            interrupted = (
                self.sweep is not None
                and self.sweep.stopped
                and trial_id in self._ot_trials
                and not (result or {}).get(DONE_KEY)
            )
            if interrupted:
                ot_trial = self._ot_trials[trial_id]
                ot_trial.set_user_attr(INTERRUPTED_ATTR, True)
                self._ot_study.enqueue_trial(dict(ot_trial.params))
                return super().on_trial_complete(trial_id, result=None, error=True)
            if (result or {}).get("state") == FAILED:
                return super().on_trial_complete(trial_id, result=None, error=True)
            return super().on_trial_complete(trial_id, result=result, error=error)

    return {
        "TuneBridge": TuneBridge,
        "SweepStopper": SweepStopper,
        "StoppableOptunaSearch": StoppableOptunaSearch,
    }
