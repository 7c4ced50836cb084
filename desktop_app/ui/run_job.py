"""One training run, start to outcome: what the training thread (worker.py) or the
training process (training_child.py) does with a Project snapshot.

Qt-free, so that the child process that trains runs it without a QApplication. torch is
imported inside `train_run`, never at module level.
"""

from __future__ import annotations

import logging
import traceback

from desktop_app.core.errors import OdysseyError
from desktop_app.core.specs.project import Project
from desktop_app.ui.relay import EventRelay
from desktop_app.ui.run_control import TimedControl
from desktop_app.ui.run_reports import SCATTER_LIMIT, RunOutcome, user_message

log = logging.getLogger(__name__)


def train_run(
    project: Project,
    timed: TimedControl,
    relay: EventRelay,
    resume_from: object | None = None,
    epochs: int | None = None,
    data: object | None = None,
    extra_callbacks: list | None = None,
) -> RunOutcome:
    """Train `project` (or continue `resume_from`, a persistence.LoadedModel, for `epochs`
    more epochs), reporting through `relay`; raises what the run raised."""
    from desktop_app.core.engine import Trainer  # imports torch, in this thread

    if data is None and project.data.table is not None:
        # An imported table not read yet (Continue training): read it here, off the GUI
        # thread; Stop cancels the reading too.
        from desktop_app.core.tabular.prepare import load_project_data

        project, data = load_project_data(project, cancel=lambda: timed.stop_requested)
    callbacks = [relay, *(extra_callbacks or [])]
    if resume_from is not None:
        trainer = Trainer.from_checkpoint(
            resume_from,
            project=project,
            data=data,
            callbacks=callbacks,
            control=timed,
            leave_core_free=True,
        )
    else:
        trainer = Trainer(
            project, data=data, callbacks=callbacks, control=timed, leave_core_free=True
        )
    result = trainer.fit(epochs)
    d = trainer.data
    y_true = y_pred = None
    if d.task == "regression" and len(d.x_test):
        from desktop_app.core.evaluation import actual_and_predicted

        y_true, y_pred = actual_and_predicted(
            trainer.model, d.prep, d.x_test, d.y_test, trainer.device, SCATTER_LIMIT
        )
    model = _snapshot(trainer)
    if model is not None and relay.weights is not None and len(relay.weights.snapshots) >= 2:
        model.replay_weights = relay.weights  # saved with the model (epoch replay)
    return RunOutcome(
        run=result,
        model=model,
        y_true=y_true,
        y_pred=y_pred,
        boundary=relay.final_boundary,  # after early stopping restored the best
        inside=relay.final_inside,
        replay=_replay(relay, trainer),
        test_split=_test_split(d),
    )


def failure(exc: BaseException, relay: EventRelay | None) -> tuple[str, str]:
    """A failed run's message for the user and its traceback for the log ("" for an
    OdysseyError, whose message says it all); the steps it did run are sent first."""
    if relay is not None:
        try:
            relay.flush()  # the steps it did run reach the plots
        except Exception:  # noqa: BLE001
            pass
    details = "" if isinstance(exc, OdysseyError) else "".join(traceback.format_exception(exc))
    return user_message(exc), details


def _test_split(d) -> tuple | None:
    """The test split, as its own arrays: a table's split is a view of every row."""
    if not len(d.x_test):
        return None
    x = d.x_test if d.x_test.base is None else d.x_test.copy()
    return x, d.y_test.copy()


def _replay(relay: EventRelay, trainer) -> object | None:
    try:
        return relay.replay(trainer)
    except Exception:  # noqa: BLE001 - the run's results still reach the user
        log.exception("could not keep the run's epoch replay")
        return None


def _snapshot(trainer) -> object | None:
    """A CPU copy of the finished run's model (for Save Model, Predict, Continue)."""
    try:
        return trainer.checkpoint()
    except Exception:  # noqa: BLE001 - the run's results still reach the user
        log.exception("could not keep a copy of the trained model")
        return None
