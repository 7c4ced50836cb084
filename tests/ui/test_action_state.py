"""The action table (ui.action_state.enablement), without a window: what the user may
do in each run state, with each kind of background job, for each kind of model."""

from types import SimpleNamespace

import pytest

from desktop_app.core.specs.project import Project
from desktop_app.ui.action_state import enablement
from desktop_app.ui.run_state import RunState

EDITS = (  # everything that edits or replaces the project or the current model
    "actionNew",
    "actionOpen",
    "menuOpenRecent",
    "actionRename",
    "actionImportTable",
    "actionLoadModel",
    "actionTrain",
    "actionContinueTraining",
)
RESUMABLE = SimpleNamespace(resume=object())  # a model saved with its training state
PREDICT_ONLY = SimpleNamespace(resume=None)  # saved for prediction only


def session(project=True, model=None, problem=""):
    return SimpleNamespace(project=Project() if project else None, model=model, problem=problem)


@pytest.mark.parametrize("run", [RunState.RUNNING, RunState.PAUSED, RunState.STOPPING])
def test_nothing_that_edits_the_project_is_enabled_while_a_run_is_live(run):
    e = enablement(run, frozenset(), session(model=RESUMABLE))
    assert [name for name in EDITS if e[name]] == []
    assert not e.panels_editable
    assert not e["actionSaveModel"]  # the model is being replaced by the run
    assert e["actionPredict"]  # predicting with the last model reads nothing the run writes


def test_idle_with_a_valid_project_and_a_resumable_model_enables_everything_but_pause():
    e = enablement(RunState.IDLE, frozenset(), session(model=RESUMABLE))
    assert all(e[name] for name in EDITS)
    assert e.panels_editable and e["actionSaveModel"] and e["actionPredict"]
    assert not e["actionPause"] and not e["actionStop"]


def test_continue_is_disabled_for_a_model_saved_without_training_state():
    e = enablement(RunState.IDLE, frozenset(), session(model=PREDICT_ONLY))
    assert not e["actionContinueTraining"]
    assert e["actionSaveModel"] and e["actionPredict"]


def test_without_a_model_nothing_acts_on_one():
    e = enablement(RunState.IDLE, frozenset(), session(model=None))
    assert not e["actionSaveModel"] and not e["actionPredict"]
    assert not e["actionContinueTraining"]
    assert e["actionLoadModel"]


def test_train_needs_a_valid_project_that_can_train_here():
    assert not enablement(RunState.IDLE, frozenset(), session(project=False))["actionTrain"]
    too_big = enablement(RunState.IDLE, frozenset(), session(problem="needs 16 TB"))
    assert not too_big["actionTrain"] and not too_big["actionStepBatch"]
    assert too_big["actionSave"]  # it can still be saved


def test_pause_and_stop_only_for_a_running_or_paused_run():
    for run, on in ((RunState.RUNNING, True), (RunState.PAUSED, True), (RunState.STOPPING, False)):
        e = enablement(run, frozenset(), session())
        assert e["actionPause"] is on and e["actionStop"] is on, run
    assert enablement(RunState.PAUSED, frozenset(), session()).paused


@pytest.mark.parametrize("job", ["model-file", "table"])
def test_a_model_file_or_table_being_read_blocks_what_would_replace_it(job):
    e = enablement(RunState.IDLE, frozenset({job}), session(model=RESUMABLE))
    assert [name for name in EDITS if e[name]] == []
    assert not e["actionSaveModel"]
    assert e.panels_editable  # editing the panels while a file is written is harmless


@pytest.mark.parametrize("job", ["preview", "probe"])
def test_previews_and_the_device_probe_block_nothing(job):
    assert enablement(RunState.IDLE, frozenset({job}), session()) == enablement(
        RunState.IDLE, frozenset(), session()
    )


def test_every_action_of_the_window_has_a_rule(main_window):
    e = enablement(RunState.IDLE, frozenset(), main_window.session)
    assert set(e.actions) == set(main_window.actions)


def test_step_buttons_work_on_a_paused_run_or_start_one():
    for run, on in (
        (RunState.IDLE, True),
        (RunState.PAUSED, True),
        (RunState.RUNNING, False),
        (RunState.STOPPING, False),
    ):
        e = enablement(run, frozenset(), session())
        assert e["actionStepBatch"] is on and e["actionStepEpoch"] is on, run
    idle_invalid = enablement(RunState.IDLE, frozenset(), session(project=False))
    assert not idle_invalid["actionStepBatch"]
