"""What `sweep` prints: a live bar of trials, a line per finished trial, and at the end
the best trial and each setting's importance."""

from __future__ import annotations

import json

from desktop_app.core.sweep.progress import SweepListener, SweepTally
from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.trial import COMPLETE, TrialOutcome


def value_text(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def values_text(values: dict) -> str:
    return ", ".join(f"{k}={value_text(v)}" for k, v in values.items())


class ConsoleSweepProgress(SweepListener):
    """A rich progress bar over the sweep's trials and one line per finished trial."""

    def __init__(self, console, spec: SweepSpec, quiet: bool = False):
        self.console = console
        self.spec = spec
        self.quiet = quiet
        self.progress = None
        self.task = None

    def sweep_started(self, tally: SweepTally) -> None:
        if self.quiet:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("trials {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task(
            "sweep", total=tally.planned, completed=tally.done, status=self._status(tally)
        )
        self.progress.start()
        if tally.done:
            self.console.print(f"resuming: {tally.line()}")

    def _status(self, tally: SweepTally) -> str:
        best = "-" if tally.best is None else f"{tally.best.value:.4g} (#{tally.best.number})"
        return f"running {tally.running}, pruned {tally.pruned}, failed {tally.failed}, best {best}"

    def trial_started(self, number, values, tally) -> None:
        if self.progress is not None:
            self.progress.update(self.task, status=self._status(tally))

    def trial_finished(self, outcome: TrialOutcome, tally: SweepTally) -> None:
        if self.progress is None:
            return
        self.progress.update(self.task, completed=tally.done, status=self._status(tally))
        value = "-" if outcome.value is None else f"{outcome.value:.4f}"
        mark = " ★" if tally.best is outcome else ""
        tail = f": {outcome.error}" if outcome.error and outcome.state != COMPLETE else ""
        self.console.print(
            f"#{outcome.number:<4} {outcome.state:<11} {self.spec.metric} {value:>8} after "
            f"{outcome.epochs_run:>3} epochs, {outcome.seconds:5.1f} s  "
            f"{values_text(outcome.values)}{mark}{tail}"
        )

    def sweep_finished(self, tally: SweepTally, stopped: bool) -> None:
        if self.progress is not None:
            self.progress.stop()


def print_sweep_end(
    console, spec: SweepSpec, tally: SweepTally, weights: dict, stopped: bool
) -> None:
    from rich.table import Table

    console.print(tally.line())
    if stopped:
        console.print(
            f"stopped; go on with: odyssey sweep --resume {spec.name} (stopped trials run again)"
        )
    best = tally.best
    if best is None:
        console.print("no trial completed, so there is no best one yet")
    else:
        console.print(f"[bold]best trial: #{best.number}[/bold], {spec.metric} {best.value:.4f}")
        table = Table()
        table.add_column("setting")
        table.add_column("value", justify="right")
        for path, value in best.values.items():
            table.add_row(path, value_text(value))
        console.print(table)
        sets = " ".join(
            f"--set {k}={v if isinstance(v, str) else json.dumps(v)}"
            for k, v in best.values.items()
        )
        console.print(f"train it: odyssey train PROJECT.json {sets}")
    if weights:
        table = Table(title="How much each setting mattered (fANOVA importance)")
        table.add_column("setting")
        table.add_column("importance", justify="right")
        table.add_column("")
        for path, weight in weights.items():
            table.add_row(path, f"{weight:.3f}", "█" * max(1, round(weight * 30)))
        console.print(table)
