"""Model files and the current model: Save Model, Load Model, Continue training, Predict.

The Session's model (a persistence.LoadedModel) is the CPU copy the worker hands back
when a run ends, or what Load Model read. Reading and writing model files are
"model-file" jobs of the window's JobRunner (loading imports torch), so the GUI thread
never waits on them; results come back in the GUI thread. Every failure is shown in the
banner; nothing here raises to the user.
"""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QInputDialog

from desktop_app.core.catalog import REGRESSION
from desktop_app.ui.action_state import Permissions
from desktop_app.ui.commands.files import BUSY, ProjectFiles, RecentFiles
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.controller import TrainingController
from desktop_app.ui.dialogs import reuse_window
from desktop_app.ui.jobs import JobRunner, error_message
from desktop_app.ui.run_display import RunDisplay
from desktop_app.ui.run_reports import SCATTER_LIMIT, RunOutcome
from desktop_app.ui.session import Session
from desktop_app.ui.settings import AppSettings

MODEL_FILTER = "Odyssey model (*.safetensors);;All files (*)"
JOB = "model-file"

log = logging.getLogger(__name__)


class ModelCommands:
    """Save Model, Load Model, Continue training and Predict on the Session's model."""

    def __init__(
        self,
        session: Session,
        permissions: Permissions,
        controller: TrainingController,
        jobs: JobRunner,
        notifier: Notifier,
        settings: AppSettings,
        display: RunDisplay,
        files: ProjectFiles,
        recent: RecentFiles,
    ):
        self.session, self.permissions = session, permissions
        self.controller, self.jobs = controller, jobs
        self.notifier, self.settings, self.display = notifier, settings, display
        self.files, self.recent = files, recent
        self.predict_dialog = None  # predict_dialog.PredictDialog, once opened

    def _folder(self) -> str:
        return self.settings.recent("model_folder", str(Path.home()))

    def _remember_folder(self, path: str | Path) -> None:
        self.settings.set_recent("model_folder", str(Path(path).resolve().parent))

    # ------------------------------------------------------------------ save
    def save_dialog(self, path: str | None = None) -> bool:
        """Ask where, then write the current model in the background."""
        model = self.session.model
        if model is None:
            self.notifier.error("There is no trained model to save yet: press Train first.")
            return False
        if not self.permissions.allows("actionSaveModel"):
            self.notifier.error(BUSY.format(what="saving the model"))
            return False
        if path is None:
            stem = re.sub(r"[^\w.-]+", "-", model.project.name).strip("-.") or "model"
            default = str(Path(self._folder()) / f"{stem}.safetensors")
            path, _ = QFileDialog.getSaveFileName(
                self.notifier.parent, "Save model", default, MODEL_FILTER
            )
        if not path:
            return False
        if not path.lower().endswith(".safetensors"):
            path += ".safetensors"
        self._remember_folder(path)

        def write(_progress, _cancelled):
            from desktop_app.core.persistence.model_file import save_model

            save_model(path, model)
            return path

        self.notifier.status(f"Saving the model to {path}…")
        self.jobs.submit(write, self._saved, self._save_failed, kind=JOB)
        return True

    def _saved(self, path: str) -> None:
        self.recent.add(path)
        self.notifier.status(f"Saved the model to {path}", 5000)

    def _save_failed(self, exc: BaseException) -> None:
        self.notifier.clear_status()
        self.notifier.error(f"Could not save the model: {error_message(exc)}")

    # ------------------------------------------------------------------ load
    def load_dialog(self) -> bool:
        if not self.permissions.allows("actionLoadModel"):
            return False
        if not self.files.confirm_discard("loading a model"):
            return False
        path, _ = QFileDialog.getOpenFileName(
            self.notifier.parent, "Load model", self._folder(), MODEL_FILTER
        )
        return bool(path) and self.load_file(path, confirmed=True)

    def load_file(self, path: str | Path, confirmed: bool = False) -> bool:
        """Read a model file in the background, then show it (panels, plots, results)."""
        if not self.permissions.allows("actionLoadModel"):
            self.notifier.error(BUSY.format(what="loading a model"))
            return False
        if not confirmed and not self.files.confirm_discard("loading a model"):
            return False
        path = str(path)
        self.notifier.status(f"Loading the model {path}…")
        self.jobs.submit(
            lambda _progress, _cancelled: read_model(path),
            lambda payload: self._show(path, payload),
            self._load_failed,
            kind=JOB,
        )
        return True

    def _load_failed(self, exc: BaseException) -> None:
        self.notifier.clear_status()
        self.notifier.error(f"Could not load the model: {error_message(exc)}")

    def _show(self, path: str, payload) -> None:
        """(GUI thread) Put a loaded model everywhere: panels, plots, results, Predict."""
        loaded, y_true, y_pred, note, boundary, inside, replay = payload
        self.notifier.clear_status()
        if self.controller.busy:  # Train waits for model files; never mix two runs
            self.notifier.error("Training started while the model loaded; load it again.")
            return
        self.notifier.dismiss()
        self.session.replace(loaded.project)
        self.display.show_history(loaded)
        outcome = RunOutcome(
            loaded.result, loaded, y_true, y_pred, boundary, Path(path).name, note, inside, replay
        )
        self.display.show_outcome(outcome, self.session.project)
        self.session.set_model(loaded)
        self._remember_folder(path)
        self.recent.add(path)
        self.notifier.status(
            f"Loaded {Path(path).name}: {loaded.epochs_trained} epochs trained", 5000
        )

    # ------------------------------------------------------------------ continue
    def continue_training(self, epochs: int | None = None) -> bool:
        """Go on training the current model for `epochs` more (asked when None)."""
        model = self.session.model
        if model is None or not self.permissions.allows("actionContinueTraining"):
            return False
        if model.resume is None:
            self.notifier.error(
                "This model was saved for prediction only (without its training state), so "
                "training cannot continue from it. Train a new model instead."
            )
            return False
        if epochs is None:
            text = (
                f"“{model.project.name}” has trained {model.epochs_trained} epochs."
                f"{early_stopping_note(model)}\nTrain it for how many more epochs?"
            )
            # Wrapped by hand: the dialog's label would be as wide as its longest line
            # (1,532 px after an early stop), wider than a laptop's screen.
            text = "\n".join(textwrap.fill(line, 72) for line in text.split("\n"))
            epochs, ok = QInputDialog.getInt(
                self.notifier.parent,
                "Continue training",
                text,
                model.project.train.epochs,
                1,
                1_000_000,
            )
            if not ok:
                return False
        project = model.project
        current = self.session.project
        if current is not None:  # where to run may differ from where it was trained
            train = project.train.model_copy(
                update={"device": current.train.device, "threads": current.train.threads}
            )
            project = project.model_copy(update={"train": train})
        self.display.prepare_continue(model)
        return self.controller.start(project, resume_from=model, epochs=int(epochs))

    # ------------------------------------------------------------------ predict
    def open_predict(self):
        """The Predict window for the current model (one at a time); returns it."""
        model = self.session.model
        if model is None:
            self.notifier.error("There is no model to predict with yet: train or load one.")
            return None
        from desktop_app.ui.predict_dialog import PredictDialog

        if reuse_window(self.predict_dialog, model):
            return self.predict_dialog
        dialog = PredictDialog(model, self.settings, self.notifier.parent)
        self.predict_dialog = dialog
        dialog.show()
        return dialog

    def shutdown(self) -> bool:
        return self.predict_dialog.shutdown() if self.predict_dialog is not None else True


# ---------------------------------------------------------------------------- helpers
def read_model(path: str):
    """(job thread) The model, and for regression its test predictions for the scatter."""
    from desktop_app.core.persistence.model_file import load_model

    loaded = load_model(path)
    y_true = y_pred = None
    note = ""
    if loaded.preprocessing.task == REGRESSION and loaded.test_metrics:
        try:
            y_true, y_pred = regression_points(loaded)
        except Exception as exc:  # noqa: BLE001 - the metrics are shown regardless
            note = (
                "The predicted-against-actual plot needs the test split, which could not be "
                f"prepared again ({error_message(exc)}); the metrics above come from "
                "the model file."
            )
    return (loaded, y_true, y_pred, note, *loaded_views(loaded))


def loaded_views(loaded):
    """(job thread) What a loaded model shows besides its numbers, from its training
    data prepared again: the decision boundary (fitted curve, heat map) on the default
    plane (RunDisplay redraws it on the plane the user chose), the look inside the
    network, and epoch replay when the file keeps snapshots. Each is None when there is
    nothing to draw or the data cannot be prepared again (an imported table)."""
    from desktop_app.core.boundary import BoundarySource, unavailable_reason

    prep = loaded.preprocessing
    try:
        from desktop_app.core.data import prepare
        from desktop_app.core.inspect.look import Looker
        from desktop_app.core.inspect.replay import Replay
        from desktop_app.core.prepared import same_preprocessing

        d = prepare(loaded.project.data)
        if not same_preprocessing(d.prep, prep):
            return None, None, None
        source = None
        if not unavailable_reason(prep.task, prep.n_features):
            source = BoundarySource.of(prep, d.x_train, d.y_train)
        boundary = source.grid(loaded.model) if source is not None else None
        looker = Looker.of(d)
        look = looker.look(loaded.model, step=loaded.result.steps)
        replay = None
        if loaded.replay_weights is not None:
            m = loaded.project.model
            replay = Replay(
                loaded.replay_weights, m, prep.n_features, prep.n_outputs, looker, source
            )
        return boundary, look, replay
    except Exception:  # noqa: BLE001 - the rest of the model is shown regardless
        log.exception("could not prepare the loaded model's data for its views")
        return None, None, None


def regression_points(loaded) -> tuple[np.ndarray, np.ndarray]:
    """Actual and predicted test targets (original units), recomputed from the data."""
    from desktop_app.core.data import prepare
    from desktop_app.core.errors import DataError
    from desktop_app.core.evaluation import actual_and_predicted
    from desktop_app.core.prepared import same_preprocessing

    d = prepare(loaded.project.data)
    prep = loaded.preprocessing
    if not same_preprocessing(d.prep, prep):
        raise DataError("the data no longer matches what the model was trained on")
    return actual_and_predicted(loaded.model, prep, d.x_test, d.y_test, "cpu", SCATTER_LIMIT)


def early_stopping_note(model) -> str:
    """What early stopping does to the epochs asked for (core.callbacks.EarlyStopping:
    after a run it ended, the new epochs get a fresh patience; the best so far stays)."""
    t = model.project.train
    if not t.early_stopping:
        return ""
    if t.monitor == "val_loss":
        watched = "validation loss"
    else:
        watched = "validation " + ("R²" if model.preprocessing.task == REGRESSION else "accuracy")
    r = model.resume
    if r is None or r.stop_reason != "early_stopping":
        return (
            f"\n\nEarly stopping stays on: training stops once the {watched} has gone "
            f"{t.patience} epochs in a row without improving."
        )
    best = f"; its best epoch so far is {r.best_epoch}" if r.best_epoch else ""
    kept = " The weights of the best epoch are restored at the end." if t.restore_best else ""
    return (
        f"\n\nEarly stopping ended this run{best}. It stays on with a fresh patience: the "
        f"new epochs run until the {watched} has gone {t.patience} epochs in a "
        f"row without beating the best so far.{kept}"
    )
