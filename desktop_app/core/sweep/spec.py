"""SweepSpec: what a sweep searches and how, as one checked, serialisable record.

It is stored with the Optuna study (as the study's user attributes), so that
``--resume NAME`` needs nothing but the name: the project, parameters, method and
metric come back from the sweep's own folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from desktop_app.core.errors import SpecError
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.params import GRID_POINTS, ParamSpec, parse_param, parse_params

METHODS = ("tpe", "random", "grid")
METRICS = ("val_loss", "val_metric")
BACKENDS = ("local", "ray")
NAME_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TRIALS = 100_000
MAX_WORKERS = 256


def default_sweep_name() -> str:
    return datetime.now().strftime("sweep-%Y%m%d-%H%M%S")


def check_name(name: str) -> str:
    if not NAME_RULE.match(name or ""):
        raise SpecError(
            f"sweep name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with "
            "a letter or digit (it names the sweep's folder)"
        )
    return name


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: the base project, the searched parameters and how trials are chosen."""

    project: Project
    params: tuple[ParamSpec, ...]
    name: str
    method: str = "tpe"
    metric: str = "val_loss"  # the validation value each trial is judged by
    trials: int = 50
    prune: bool = True
    seed: int = 0  # the sampler's
    grid_points: int = GRID_POINTS
    warmup_epochs: int = 5  # epochs before a trial may be pruned
    startup_trials: int = 5  # trials finished before pruning starts

    @property
    def direction(self) -> str:
        return "minimize" if self.metric == "val_loss" else "maximize"

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.params]

    def grid_size(self) -> int:
        size = 1
        for p in self.params:
            size *= len(p.grid(self.grid_points))
        return size

    def planned_trials(self) -> int:
        """Trials this sweep runs in all: a grid stops when every point is tried."""
        return min(self.trials, self.grid_size()) if self.method == "grid" else self.trials

    def with_trials(self, trials: int) -> SweepSpec:
        return replace(self, trials=check_trials(trials))

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project.model_dump(mode="json"),
            "params": [p.text for p in self.params],
            "name": self.name,
            "method": self.method,
            "metric": self.metric,
            "trials": self.trials,
            "prune": self.prune,
            "seed": self.seed,
            "grid_points": self.grid_points,
            "warmup_epochs": self.warmup_epochs,
            "startup_trials": self.startup_trials,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepSpec:
        project = Project.from_dict(d["project"], source="the sweep's project")
        return cls(
            project=project,
            params=tuple(parse_param(t) for t in d["params"]),
            name=str(d["name"]),
            method=str(d["method"]),
            metric=str(d["metric"]),
            trials=int(d["trials"]),
            prune=bool(d["prune"]),
            seed=int(d["seed"]),
            grid_points=int(d.get("grid_points", GRID_POINTS)),
            warmup_epochs=int(d.get("warmup_epochs", 5)),
            startup_trials=int(d.get("startup_trials", 5)),
        )


def check_trials(trials: int) -> int:
    if not 1 <= trials <= MAX_TRIALS:
        raise SpecError(f"--trials {trials}: give a number of trials from 1 to {MAX_TRIALS:,}")
    return trials


def check_workers(workers: int) -> int:
    if not 1 <= workers <= MAX_WORKERS:
        raise SpecError(f"--workers {workers}: give a number of workers from 1 to {MAX_WORKERS}")
    return workers


def build_sweep(
    project: Project,
    params: list[str],
    *,
    name: str | None = None,
    method: str = "tpe",
    metric: str = "val_loss",
    trials: int = 50,
    prune: bool = True,
    seed: int = 0,
    grid_points: int = GRID_POINTS,
) -> SweepSpec:
    """Check every choice of a new sweep against the project; a SpecError says which."""
    if method not in METHODS:
        raise SpecError(f"--method {method!r}: use one of {', '.join(METHODS)}")
    if metric not in METRICS:
        raise SpecError(f"--metric {metric!r}: use one of {', '.join(METRICS)}")
    if project.data.val_fraction == 0:
        raise SpecError(
            "a sweep compares trials on the validation split, which is empty; set "
            "data.val_fraction above 0 (e.g. --set data.val_fraction=0.1)"
        )
    if not 2 <= grid_points <= 100:
        raise SpecError(f"--grid-points {grid_points}: give 2 to 100 values per range")
    return SweepSpec(
        project=project,
        params=tuple(parse_params(params, project)),
        name=check_name(name or default_sweep_name()),
        method=method,
        metric=metric,
        trials=check_trials(trials),
        prune=prune,
        seed=seed,
        grid_points=grid_points,
    )
