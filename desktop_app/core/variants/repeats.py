"""Repeats: the same project trained over N seeds, or over k folds of its training and
validation rows, recorded as one group and summarised as mean ± sd.

Seeds: run i uses train.seed + i (initial weights, dropout and the shuffling order); the
data and its split stay the project's. Folds: core.variants.folds, with the project's
own train.seed in every fold. The members run one after another with the ordinary
Trainer, so each is a run like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.core.callbacks import Callback
from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import SpecError
from desktop_app.core.metrics import HEADLINE
from desktop_app.core.prepared import PreparedData
from desktop_app.core.run_types import Control, TrainResult
from desktop_app.core.specs.project import Project
from desktop_app.core.variants.folds import MAX_FOLDS, fold_data
from desktop_app.core.variants.summary import GroupSummary, RunFigures, summarize

MAX_REPEATS = 100


@dataclass(frozen=True)
class RepeatPlan:
    """What to repeat: `seeds` runs over seeds, or `folds` cross-validation folds."""

    seeds: int | None = None
    folds: int | None = None

    def __post_init__(self) -> None:
        if (self.seeds is None) == (self.folds is None):
            raise SpecError("repeat over seeds or over folds: give one of --repeats N, --folds K")
        if self.seeds is not None and not 2 <= self.seeds <= MAX_REPEATS:
            raise SpecError(f"--repeats {self.seeds}: give 2 to {MAX_REPEATS} runs")
        if self.folds is not None and not 2 <= self.folds <= MAX_FOLDS:
            raise SpecError(f"--folds {self.folds}: give 2 to {MAX_FOLDS} folds")

    @property
    def kind(self) -> str:
        return "seeds" if self.seeds is not None else "folds"

    @property
    def count(self) -> int:
        return self.seeds if self.seeds is not None else self.folds  # type: ignore[return-value]

    def label(self, i: int) -> str:
        return f"seed {i}" if self.kind == "seeds" else f"fold {i + 1}/{self.folds}"


def member_projects(project: Project, plan: RepeatPlan) -> list[Project]:
    """The group's projects: one per seed (train.seed + i), or the project per fold."""
    out = []
    for i in range(plan.count):
        p = project
        if plan.kind == "seeds":
            seed = (project.train.seed + i) % 2**32
            p = p.model_copy(update={"train": p.train.model_copy(update={"seed": seed})})
            label = plan.label(seed)
        else:
            label = plan.label(i)
        out.append(p.model_copy(update={"name": f"{project.name} [{label}]"}))
    return out


@dataclass
class RepeatResult:
    plan: RepeatPlan
    projects: list[Project]
    results: list[TrainResult]
    summary: GroupSummary


def figures(result: TrainResult) -> RunFigures:
    seconds = result.timing.seconds if result.timing is not None else None
    history = result.history
    return RunFigures(
        list(history.epochs) if history is not None else [],
        result.test_metrics.get(result.metric_name),
        seconds,
    )


def run_repeats(
    project: Project,
    plan: RepeatPlan,
    data: PreparedData | None = None,
    callbacks: Callable[[int], list[Callback]] | None = None,
    control: Control | None = None,
    leave_core_free: bool = False,
    on_member: Callable[[int, Project, TrainResult], None] | None = None,
) -> RepeatResult:
    """Train the group's members one after another.

    callbacks(i): the callbacks of member i (progress, recording). on_member is called
    after each member finishes. A stop (control) ends the group after the member it
    stopped; the summary covers the members that ran."""
    control = control or Control()
    data = data if data is not None else prepare(project.data)
    projects = member_projects(project, plan)
    datas = fold_data(data, project.data, plan.count) if plan.kind == "folds" else None
    results: list[TrainResult] = []
    for i, p in enumerate(projects):
        if control.stop_requested:
            break
        member_data = datas[i] if datas is not None else data
        extra = callbacks(i) if callbacks is not None else []
        trainer = Trainer(p, member_data, extra, control, leave_core_free)
        result = trainer.fit()
        results.append(result)
        if on_member is not None:
            on_member(i, p, result)
    metric = HEADLINE[data.task]
    return RepeatResult(
        plan, projects[: len(results)], results, summarize([figures(r) for r in results], metric)
    )
