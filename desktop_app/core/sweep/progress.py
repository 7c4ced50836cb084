"""Where a sweep stands (trials done, pruned, failed, running, the best so far) and the
listener interface both backends report through: the CLI's progress bar and the
dialog's signals are listeners."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.sweep.spec import SweepSpec
from desktop_app.core.sweep.trial import COMPLETE, FAILED, INTERRUPTED, PRUNED, TrialOutcome

INTERRUPTED_ATTR = "interrupted"  # a trial the user's stop ended (it runs again on resume)


@dataclass
class SweepTally:
    """Counts and the best trial; `planned` is the sweep's total, earlier runs included."""

    planned: int
    direction: str
    complete: int = 0
    pruned: int = 0
    failed: int = 0
    interrupted: int = 0
    running: int = 0
    best: TrialOutcome | None = None
    outcomes: list[TrialOutcome] = field(default_factory=list)  # this session's

    @property
    def done(self) -> int:
        """Trials that count towards the planned total (a stopped one does not)."""
        return self.complete + self.pruned + self.failed

    @property
    def remaining(self) -> int:
        return max(0, self.planned - self.done)

    def add(self, outcome: TrialOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.state == COMPLETE:
            self.complete += 1
            if self.better(outcome):
                self.best = outcome
        elif outcome.state == PRUNED:
            self.pruned += 1
        elif outcome.state == INTERRUPTED:
            self.interrupted += 1
        elif outcome.state == FAILED:
            self.failed += 1

    def better(self, outcome: TrialOutcome) -> bool:
        if outcome.value is None:
            return False
        if self.best is None or self.best.value is None:
            return True
        if self.direction == "minimize":
            return outcome.value < self.best.value
        return outcome.value > self.best.value

    def line(self) -> str:
        best = "-" if self.best is None else f"{self.best.value:.4g} (trial {self.best.number})"
        return (
            f"{self.done}/{self.planned} trials ({self.complete} complete, {self.pruned} "
            f"pruned, {self.failed} failed), {self.running} running; best {best}"
        )


class SweepListener:
    """What a sweep tells whoever watches it; override what you need. Called in the
    thread that runs the sweep."""

    def sweep_started(self, tally: SweepTally) -> None: ...
    def trial_started(self, number: int, values: dict[str, Any], tally: SweepTally) -> None: ...
    def trial_finished(self, outcome: TrialOutcome, tally: SweepTally) -> None: ...
    def sweep_finished(self, tally: SweepTally, stopped: bool) -> None: ...


def tally_from_study(study, spec: SweepSpec) -> SweepTally:
    """The counts of the trials a study holds already (a resumed sweep's)."""
    from optuna.trial import TrialState

    tally = SweepTally(planned=spec.planned_trials(), direction=spec.direction)
    for t in study.trials:
        if t.state == TrialState.COMPLETE:
            tally.complete += 1
            outcome = TrialOutcome(t.number, dict(t.params), COMPLETE, value=t.value)
            if tally.better(outcome):
                tally.best = outcome
        elif t.state == TrialState.PRUNED:
            tally.pruned += 1
        elif t.state == TrialState.FAIL and not t.user_attrs.get(INTERRUPTED_ATTR):
            tally.failed += 1
    return tally
