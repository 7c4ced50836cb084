"""Trials into the run store: each finished trial becomes a run of kind 'trial' in the
sweep's group, so the runs table lists, sorts and compares them like any other run.

Called in the process that drives the sweep (never in a trial's loop). A store that
cannot be written does not end the sweep: the trial stays in the sweep's own study, and
the first failure is kept in `problem` for the caller to show.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.errors import OdysseyError
from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.trial import COMPLETE, INTERRUPTED, PRUNED, TrialOutcome


def group_id(spec: SweepSpec) -> str:
    """The sweep's group in the run store; the same across a stop and resume."""
    return group_id_for(spec.name)


def group_id_for(name: str) -> str:
    return f"sweep-{name}"


def trial_name(spec: SweepSpec, outcome: TrialOutcome) -> str:
    return f"{spec.name} #{outcome.number}"


class TrialRecorder:
    """Records trials in a RunStore; pass it as a sweep's `recorder`."""

    def __init__(self, store, source: str = "sweep"):
        self.store = store
        self.source = source
        self.problem: str | None = None
        self._groups: set[str] = set()
        self.run_ids: dict[int, int] = {}  # trial number -> run id

    @classmethod
    def default(cls, source: str = "sweep", setting: str | Path | None = None) -> TrialRecorder:
        from desktop_app.core.runs.store import RunStore

        return cls(RunStore.default(setting), source)

    def _group(self, spec: SweepSpec) -> str:
        gid = group_id(spec)
        if gid not in self._groups:
            info = {
                "method": spec.method,
                "metric": spec.metric,
                "direction": spec.direction,
                "params": [p.text for p in spec.params],
                "trials": spec.trials,
            }
            self.store.create_group("sweep", name=spec.name, info=info, group_id=gid)
            self._groups.add(gid)
        return gid

    def __call__(self, spec: SweepSpec, outcome: TrialOutcome) -> None:
        try:
            self.run_ids[outcome.number] = self.record(spec, outcome)
        except (OdysseyError, OSError, RuntimeError, ValueError) as exc:
            if self.problem is None:
                self.problem = f"trials could not be written to the run store: {exc}"

    def record(self, spec: SweepSpec, outcome: TrialOutcome) -> int:
        gid = self._group(spec)
        name = trial_name(spec, outcome)
        note = ", ".join(f"{k}={v}" for k, v in outcome.values.items())
        if outcome.result is not None and outcome.state in (COMPLETE, PRUNED, INTERRUPTED):
            return self.store.record_result(
                outcome.result,
                kind="trial",
                source=self.source,
                group=gid,
                name=name,
                note=note,
            )
        project = outcome.project or spec.project
        run_id = self.store.start_run(
            project, kind="trial", source=self.source, group=gid, name=name
        )
        status = "interrupted" if outcome.state == INTERRUPTED else "failed"
        self.store.fail_run(run_id, outcome.error or status, status=status).result(60)
        return run_id

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()
