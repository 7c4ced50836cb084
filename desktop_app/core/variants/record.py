"""Repeats, baselines and races in the run store (core.runs), for the window and the CLI
alike: each a group of rows the runs table shows together.

- a repeat: group kind "repeat", its members recorded live by RunRecorder (kind "repeat"
  for seeds, "fold" for folds), the group's info the plan and its mean ± sd summary;
- baselines: one row each (kind "baseline", metrics only), in a group of kind "baseline";
- a race: group kind "race", one row per variant (kind "race") once the race ends (a
  failed variant as a failed row with its reason); race variants keep no model file.
"""

from __future__ import annotations

from desktop_app.core.runs.recorder import RunRecorder
from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.project import Project
from desktop_app.core.variants.baselines import BaselineResult
from desktop_app.core.variants.race import RaceResult
from desktop_app.core.variants.repeats import RepeatPlan, RepeatResult


def start_repeat_group(store: RunStore, project: Project, plan: RepeatPlan) -> str:
    what = f"{plan.count} seeds" if plan.kind == "seeds" else f"{plan.count} folds"
    return store.create_group(
        "repeat", f"{project.name} × {what}", info={"plan": plan.kind, "count": plan.count}
    )


def repeat_recorders(store: RunStore, gid: str, plan: RepeatPlan, source: str):
    """callbacks(i) for run_repeats: member i's RunRecorder in the group."""
    kind = "repeat" if plan.kind == "seeds" else "fold"

    def callbacks(i: int) -> list:
        return [RunRecorder(store, kind=kind, source=source, group=gid)]

    return callbacks


def finish_repeat_group(store: RunStore, gid: str, group: RepeatResult) -> None:
    info = {"plan": group.plan.kind, "count": group.plan.count, **group.summary.to_dict()}
    store.set_group_info(gid, info).result(60)


def record_baselines(
    store: RunStore, project: Project, results: list[BaselineResult], source: str
) -> tuple[str, list[int]]:
    gid = store.create_group("baseline", f"{project.name}: baselines")
    ids = [
        store.record_metrics_only(
            project,
            r.test_metrics,
            metric_name=r.metric_name,
            kind="baseline",
            source=source,
            group=gid,
            name=f"{r.name} ({project.name})",
            val_value=r.val_metric,
            seconds=r.seconds,
            note=f"scikit-learn {r.estimator} on the project's split; validation loss "
            + ("-" if r.val_loss is None else f"{r.val_loss:.4f}"),
        )
        for r in results
    ]
    return gid, ids


def record_race(store: RunStore, race: RaceResult, source: str) -> tuple[str, list[int]]:
    how = "vectorised" if race.vectorised else "separate runs"
    info = {"labels": race.labels, "vectorised": race.vectorised, "reason": race.reason}
    gid = store.create_group("race", f"race of {', '.join(race.labels)} ({how})", info=info)
    ids = []
    for project, label, result, error in zip(race.projects, race.labels, race.results, race.errors):
        if result is not None:
            ids.append(
                store.record_result(result, kind="race", source=source, group=gid, name=label)
            )
        else:
            run_id = store.start_run(project, kind="race", source=source, group=gid, name=label)
            store.fail_run(run_id, error or "failed").result(60)
            ids.append(run_id)
    return gid, ids
