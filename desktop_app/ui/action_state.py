"""What the user may do now: one pure function from (run state, busy background jobs,
session) to the enabled state of every action and of the editing panels.

In the spirit of napari's declarative `enablement`: the rules are data in one place,
tested without a window (tests/ui/test_action_state.py); the main window applies the
result whenever one of the three inputs changes. A command can also be reached without
its action (a dropped file, Open Recent, a panel's button), so commands ask the same
table through `Permissions.allows(name)` before they act: no widget or command keeps a
rule of its own.

The rules, in words:
- While a run is live (running, paused or stopping) nothing that edits or replaces the
  project is enabled, nor anything that reads or writes the current model: the panels
  are locked, New/Open/Open Recent/Rename/Import/Load model/Save model/Continue are off.
- While a model file or a table is being read or written, or a learning-rate test runs
  ("model-file", "table" and "lr-find" jobs), the same actions wait too (previews and
  the device probe block nothing).
- Train and Find learning rate need a valid project that can train here (no problem
  left); Pause and Stop need a running or paused run. Step one
  batch / one epoch work on a paused run, or start one (like Train) when none is live.
- Repeat…, Baselines and Race… need what Train needs and no other of them running.
- Save model and Predict need a current model; Continue training needs one that was
  saved with its training state. One sample, step by step needs a current model and,
  like Predict, stays on during a run: it reads a copy of the last model, not the run.
- Export ▸ ONNX needs a current model, Export ▸ Python script a valid project; both wait
  while an export ("export" job) runs, and stay on during a run (they read copies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from desktop_app.ui.run_state import RunState

# Background jobs during which the project and the model must stay as they are.
BLOCKING_JOBS = frozenset({"model-file", "table", "lr-find"})

ALWAYS = (
    "actionSave",
    "actionSaveAs",
    "actionExportCsv",
    "actionExportSteps",
    "actionQuit",
    "actionResetLayout",
    "actionAbout",
)


class SessionFacts(Protocol):
    """What the rules read of a ui.session.Session (any object with these will do)."""

    @property
    def project(self) -> object | None: ...

    @property
    def model(self) -> object | None: ...

    @property
    def problem(self) -> str: ...


@dataclass(frozen=True)
class Enablement:
    """The enabled state of every action (by objectName) and of the editing panels."""

    actions: Mapping[str, bool]
    panels_editable: bool
    paused: bool  # the Pause action reads "Resume"

    def __getitem__(self, name: str) -> bool:
        return self.actions[name]


def enablement(run: RunState, busy_jobs: frozenset[str], session: SessionFacts) -> Enablement:
    """The action table: see the module docstring for the rules."""
    live = run is not RunState.IDLE
    active = run in (RunState.RUNNING, RunState.PAUSED)
    settled = not live and not (busy_jobs & BLOCKING_JOBS)
    model = session.model
    has_model = model is not None
    trainable = session.project is not None and not session.problem
    resumable = has_model and getattr(model, "resume", None) is not None
    actions = {
        "actionTrain": settled and trainable,
        "actionPause": active,
        "actionStop": active,
        # Stepping: a paused run goes one batch or epoch on; with none, one starts.
        "actionStepBatch": run is RunState.PAUSED or (settled and trainable),
        "actionStepEpoch": run is RunState.PAUSED or (settled and trainable),
        "actionFindLearningRate": settled and trainable,  # trains a copy; Use edits the project
        # Repeat, Baselines, Race (commands/variants.py): one group at a time.
        **dict.fromkeys(
            ("actionRepeat", "actionBaselines", "actionRace"),
            settled and trainable and "variants" not in busy_jobs,
        ),
        "actionSweep": trainable,  # trains copies in other processes, from a snapshot
        "actionNew": settled,
        "actionOpen": settled,
        "menuOpenRecent": settled,
        "actionRename": settled,
        "actionImportTable": settled,
        "actionLoadModel": settled,
        "actionSaveModel": settled and has_model,
        "actionContinueTraining": settled and resumable,
        "actionPredict": has_model,
        "actionStepThrough": has_model,
        # Export: the model (a CPU copy) or the project; one export at a time.
        "actionExportOnnx": has_model and "export" not in busy_jobs,
        "actionExportScript": session.project is not None and "export" not in busy_jobs,
        "menuExport": True,
        **dict.fromkeys(ALWAYS, True),
    }
    return Enablement(actions, panels_editable=not live, paused=run is RunState.PAUSED)


class Permissions:
    """The action table over the live inputs, for commands that must check before acting."""

    def __init__(
        self,
        run: Callable[[], RunState],
        busy_jobs: Callable[[], frozenset[str]],
        session: SessionFacts,
    ):
        self._run, self._busy_jobs, self._session = run, busy_jobs, session

    def now(self) -> Enablement:
        return enablement(self._run(), self._busy_jobs(), self._session)

    def allows(self, action: str) -> bool:
        """Whether the action with this objectName may run now."""
        return self.now()[action]
