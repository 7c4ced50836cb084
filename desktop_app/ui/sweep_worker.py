"""The sweep dialog's background work: a parentless QObject on its own QThread that
prepares the sweep (reads a table, opens or creates the study), runs it (local worker
processes or Ray) and reports through signals, trial by trial: a few signals a second at
most, plain data only. Stop asks the running trials to end at their next steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project

IMPORTANCE_EVERY_S = 3.0


@dataclass
class SweepRequest:
    """What the dialog asks for: a new sweep (project and params) or `resume` a name."""

    project: Project | None = None
    params: list[str] = field(default_factory=list)
    method: str = "tpe"
    metric: str = "val_loss"
    trials: int | None = 50  # None on resume: the stored sweep's total
    workers: int = 2
    name: str | None = None
    prune: bool = True
    backend: str = "local"
    address: str | None = None
    resume: str | None = None
    data_setting: str | None = None  # the window's data folder setting


def trial_row(number: int, values: dict, state: str, value, run_id=None, epochs=0) -> dict:
    return {
        "number": number,
        "values": dict(values),
        "state": state,
        "value": value,
        "run_id": run_id,
        "epochs": epochs,
    }


class SweepWorker(QObject):
    """Runs one sweep; lives on a QThread (start with `run`)."""

    prepared = Signal(dict)  # name, params (their texts), metric, direction, planned, rows
    trialStarted = Signal(int)
    trialFinished = Signal(dict)  # one trial_row, with "done", "planned", "best"
    importance = Signal(dict)
    finished = Signal(dict)  # done, complete, pruned, failed, stopped, best
    failed = Signal(str)

    def __init__(self, request: SweepRequest):
        super().__init__()
        self.request = request
        self.runner = None
        self.stop_requested = False

    def stop(self) -> None:
        """From the GUI thread: end the sweep (trials stop at their next steps)."""
        self.stop_requested = True
        runner = self.runner
        if runner is not None:
            runner.stop()

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        except OdysseyError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the dialog shows it; the app keeps running
            self.failed.emit(f"the sweep failed unexpectedly: {type(exc).__name__}: {exc}")

    def _spec_and_study(self):
        from desktop_app.core.sweep.folders import sweep_folder
        from desktop_app.core.sweep.spec import build_sweep
        from desktop_app.core.sweep.study import create_study, load_study

        r = self.request
        if r.resume:
            folder = sweep_folder(r.resume, r.data_setting)
            spec, study = load_study(folder, r.resume, r.trials)
            return spec, study, folder
        project = r.project
        if project.data.table is not None:
            from desktop_app.core.tabular.prepare import load_project_data

            project = load_project_data(project)[0]
        spec = build_sweep(
            project,
            r.params,
            name=r.name or None,
            method=r.method,
            metric=r.metric,
            trials=r.trials or 50,
            prune=r.prune,
        )
        folder = sweep_folder(spec.name, r.data_setting)
        return spec, create_study(spec, folder), folder

    def _run(self) -> None:
        from desktop_app.core.sweep.progress import SweepListener
        from desktop_app.core.sweep.record import TrialRecorder
        from desktop_app.core.sweep.study import importances

        r = self.request
        spec, study, folder = self._spec_and_study()
        rows = [
            trial_row(t.number, t.params, t.state.name.lower(), t.value)
            for t in study.trials
            if t.state.name in ("COMPLETE", "PRUNED")
        ]
        self.prepared.emit(
            {
                "name": spec.name,
                "params": [p.text for p in spec.params],
                "metric": spec.metric,
                "direction": spec.direction,
                "planned": spec.planned_trials(),
                "rows": rows,
                "folder": str(folder),
            }
        )
        recorder = TrialRecorder.default(setting=r.data_setting)
        worker = self

        class Relay(SweepListener):
            last = -IMPORTANCE_EVERY_S

            def trial_started(self, number, values, tally):
                worker.trialStarted.emit(number)

            def trial_finished(self, outcome, tally):
                row = trial_row(
                    outcome.number,
                    outcome.values,
                    outcome.state,
                    outcome.value,
                    recorder.run_ids.get(outcome.number),
                    outcome.epochs_run,
                )
                best = tally.best
                row.update(
                    done=tally.done,
                    planned=tally.planned,
                    best=None if best is None else {"number": best.number, "value": best.value},
                    error=outcome.error,
                )
                worker.trialFinished.emit(row)
                # fANOVA takes a moment on many trials, in the thread that hands out
                # trials: at most every few seconds (and once at the end).
                now = time.monotonic()
                if outcome.state == "complete" and now - self.last >= IMPORTANCE_EVERY_S:
                    self.last = now
                    worker.importance.emit(importances(study))

        if r.backend == "ray":
            from desktop_app.core.sweep.ray_backend import RaySweep

            runner = RaySweep(spec, study, folder, r.address, r.workers, Relay(), recorder)
        else:
            from desktop_app.core.sweep.local import LocalSweep

            runner = LocalSweep(spec, study, folder, r.workers, Relay(), recorder)
        self.runner = runner
        if self.stop_requested:
            runner.stop()
        try:
            tally = runner.run()
        finally:
            recorder.close()
        best = tally.best
        self.importance.emit(importances(study))
        self.finished.emit(
            {
                "name": spec.name,
                "done": tally.done,
                "planned": tally.planned,
                "complete": tally.complete,
                "pruned": tally.pruned,
                "failed": tally.failed,
                "stopped": runner.stopped,
                "best": None if best is None else {"number": best.number, "value": best.value},
                "best_values": None if best is None else dict(best.values),
                "problem": recorder.problem,
            }
        )
