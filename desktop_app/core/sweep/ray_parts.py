"""The parts of the Ray backend that know Tune's side: the keys a trial reports under,
importing Ray with the install hint, the Tune Callback / Stopper / OptunaSearch
subclasses (built when Ray is imported), and turning a Tune trial's reports back into a
TrialOutcome for the listener and the run store."""

from __future__ import annotations

import threading

from desktop_app.core.errors import OdysseyError
from desktop_app.core.history import History
from desktop_app.core.run_types import Status, TrainResult
from desktop_app.core.sweep.progress import INTERRUPTED_ATTR
from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.trial import COMPLETE, FAILED, PRUNED, TrialOutcome, best_of

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

        def __init__(self, sweep):  # a ray_backend.RaySweep
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

        def __init__(self, sweep, **kwargs):  # a ray_backend.RaySweep
            self.sweep = sweep
            super().__init__(**kwargs)

        __getstate__ = without_driver_state

        def save(self, checkpoint_path: str) -> None:  # Tune's checkpoint of the searcher
            """The sweep's state is its Optuna study (a journal file): Tune's checkpoint
            only names it, so nothing is ever pickled or unpickled."""
            import json

            with open(checkpoint_path, "w", encoding="utf-8") as f:
                json.dump({"optuna_study": getattr(self._ot_study, "study_name", None)}, f)

        def restore(self, checkpoint_path: str) -> None:
            """Nothing to restore: a sweep resumes from its Optuna study."""

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
