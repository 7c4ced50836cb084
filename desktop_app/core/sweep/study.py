"""The Optuna side of a sweep: its study on disk, the sampler, the pruner, suggestions.

The study lives in a journal file in the sweep's folder (optuna's JournalStorage with a
file backend and an open-file lock, which works on every platform): the main process and
the trial processes share it, and it survives a stop or a crash, so a sweep resumes
under the same name with every finished trial kept.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import OdysseyError, SpecError
from desktop_app.core.sweep.params import ParamSpec
from desktop_app.core.sweep.spec import SweepSpec, check_name

if TYPE_CHECKING:  # pragma: no cover
    import optuna

JOURNAL = "study.journal"
SPEC_KEY = "odyssey_sweep"


def journal_path(folder: str | Path) -> Path:
    return Path(folder) / JOURNAL


def storage_for(folder: str | Path):
    import optuna

    path = journal_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    from desktop_app.core.sweep.journal import Journal

    return optuna.storages.JournalStorage(Journal(str(path)))


def make_pruner(spec: SweepSpec):
    import optuna

    if not spec.prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=spec.startup_trials, n_warmup_steps=spec.warmup_epochs
    )


def make_sampler(spec: SweepSpec, trials_so_far: int = 0):
    """The sampler; its seed moves on with the trials already run, so that a resumed
    random sweep does not propose its first points again."""
    import optuna

    seed = spec.seed + trials_so_far
    if spec.method == "grid":
        space = {p.path: p.grid(spec.grid_points) for p in spec.params}
        return optuna.samplers.GridSampler(space, seed=seed)
    if spec.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    with warnings.catch_warnings():  # constant_liar is marked experimental
        warnings.simplefilter("ignore")
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def create_study(spec: SweepSpec, folder: str | Path) -> optuna.Study:
    """A new study for this sweep in `folder`; an existing one of that name is an error
    (resume it instead)."""
    import optuna

    quiet_optuna()
    storage = storage_for(folder)
    if spec.name in {s.study_name for s in optuna.get_all_study_summaries(storage)}:
        raise SpecError(
            f"a sweep named {spec.name!r} exists already; resume it (--resume {spec.name}) "
            "or choose another name"
        )
    study = optuna.create_study(
        storage=storage,
        study_name=spec.name,
        direction=spec.direction,
        sampler=make_sampler(spec),
        pruner=make_pruner(spec),
    )
    study.set_user_attr(SPEC_KEY, spec.to_dict())
    return study


def load_study(folder: str | Path, name: str, trials: int | None = None):
    """The stored sweep and its study, to resume; `trials` raises its total."""
    import optuna

    quiet_optuna()
    check_name(name)
    if not journal_path(folder).is_file():
        raise SpecError(f"there is no sweep named {name!r} (looked in {folder})")
    storage = storage_for(folder)
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        raise SpecError(f"there is no sweep named {name!r} in {folder}") from None
    except Exception as exc:  # noqa: BLE001 - a damaged journal: say so, keep running
        raise OdysseyError(f"the sweep's study file in {folder} cannot be read: {exc}") from None
    stored = study.user_attrs.get(SPEC_KEY)
    if not isinstance(stored, dict):
        raise OdysseyError(f"the study {name!r} in {folder} was not written by odyssey sweep")
    spec = SweepSpec.from_dict(stored)
    if trials is not None and trials != spec.trials:
        spec = spec.with_trials(trials)
        study.set_user_attr(SPEC_KEY, spec.to_dict())
    done = len(study.trials)
    study = optuna.load_study(
        study_name=name,
        storage=storage,
        sampler=make_sampler(spec, done),
        pruner=make_pruner(spec),
    )
    return spec, study


def suggest(trial, params: tuple[ParamSpec, ...] | list[ParamSpec]) -> dict[str, Any]:
    """Ask an Optuna trial for one value per parameter (define-by-run)."""
    values: dict[str, Any] = {}
    for p in params:
        if p.kind == "choice":
            values[p.path] = trial.suggest_categorical(p.path, list(p.choices))
        elif p.kind == "int":
            values[p.path] = trial.suggest_int(p.path, int(p.low), int(p.high))
        else:
            values[p.path] = trial.suggest_float(p.path, p.low, p.high, log=p.log)
    return values


def importances(study) -> dict[str, float]:
    """Each setting's share in what made the metric differ (optuna's fANOVA); empty
    while fewer than two trials finished or nothing varied."""
    import optuna

    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(finished) < 2:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}
    return {k: float(v) for k, v in result.items()}


def clean_up_stale(study) -> None:
    """Trials left running by a process that died (killed, power cut): mark them failed
    and interrupted, and queue their values again."""
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
        study.enqueue_trial(dict(t.params), user_attrs={"retry_of": t.number})
