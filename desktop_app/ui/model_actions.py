"""Model files in the window: Save Model, Load Model, Continue training, Predict.

The window's current model (`window.trained_model`, a persistence.LoadedModel) is the
CPU copy the worker hands back when a run ends, or what Load Model read. Reading and
writing model files runs on the window's JobRunner (loading imports torch), so the GUI
thread never waits on it; results come back in the GUI thread. Every failure is shown
in the window's banner; nothing here raises to the user.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QInputDialog

from desktop_app.core.catalog import REGRESSION
from desktop_app.ui.run_reports import SCATTER_LIMIT, RunOutcome

MODEL_FILTER = "Odyssey model (*.safetensors);;All files (*)"


def update_actions(window) -> None:
    """Enable the model actions for the current model and run state."""
    acts = window.file_actions
    idle = not window.controller.busy and not window.jobs.busy
    model = window.trained_model
    for name, on in (
        ("actionLoadModel", idle),
        ("actionSaveModel", idle and model is not None),
        ("actionPredict", model is not None),
        ("actionContinueTraining", idle and model is not None and model.resume is not None),
    ):
        if name in acts:
            acts[name].setEnabled(on)


def _folder(window) -> str:
    return window.settings.recent("model_folder", str(Path.home()))


def _remember_folder(window, path: str | Path) -> None:
    window.settings.set_recent("model_folder", str(Path(path).resolve().parent))


# ----------------------------------------------------------------------------- save
def save_model_dialog(window, path: str | None = None) -> bool:
    """Ask where, then write the current model in the background."""
    model = window.trained_model
    if model is None:
        window.banner.show_message("There is no trained model to save yet: press Train first.")
        return False
    if window.controller.busy:
        window.banner.show_message("Training is running; stop it before saving the model.")
        return False
    if path is None:
        stem = re.sub(r"[^\w.-]+", "-", model.project.name).strip("-.") or "model"
        path, _ = QFileDialog.getSaveFileName(
            window, "Save model", str(Path(_folder(window)) / f"{stem}.safetensors"), MODEL_FILTER
        )
    if not path:
        return False
    if not path.lower().endswith(".safetensors"):
        path += ".safetensors"
    _remember_folder(window, path)

    def write():
        from desktop_app.core.persistence.model_file import save_model

        save_model(path, model)
        return path

    window.statusBar().showMessage(f"Saving the model to {path}…")
    window.jobs.submit(write, lambda p: _saved(window, p), lambda m: _save_failed(window, m))
    return True


def _saved(window, path: str) -> None:
    from desktop_app.ui import file_actions

    window.model_path = Path(path)
    file_actions.add_recent_file(window, path)
    window.statusBar().showMessage(f"Saved the model to {path}", 5000)


def _save_failed(window, message: str) -> None:
    window.statusBar().clearMessage()
    window.banner.show_message(f"Could not save the model: {message}")


# ----------------------------------------------------------------------------- load
def load_model_dialog(window) -> bool:
    if window.controller.busy:
        return False
    from desktop_app.ui import file_actions

    if not file_actions.confirm_discard_changes(window, "loading a model"):
        return False
    path, _ = QFileDialog.getOpenFileName(window, "Load model", _folder(window), MODEL_FILTER)
    return bool(path) and load_model_file(window, path, confirmed=True)


def load_model_file(window, path: str | Path, confirmed: bool = False) -> bool:
    """Read a model file in the background, then show it (panels, plots, results)."""
    from desktop_app.ui import file_actions

    if window.controller.busy or window.jobs.busy:
        window.banner.show_message("Wait for the current work to end before loading a model.")
        return False
    if not confirmed and not file_actions.confirm_discard_changes(window, "loading a model"):
        return False
    path = str(path)
    window.statusBar().showMessage(f"Loading the model {path}…")
    window.jobs.submit(
        lambda: read_model(path),
        lambda payload: show_model(window, path, payload),
        lambda m: _load_failed(window, path, m),
    )
    update_actions(window)
    return True


def read_model(path: str):
    """(pool thread) The model, and for regression its test predictions for the scatter."""
    from desktop_app.core.persistence.model_file import load_model

    loaded = load_model(path)
    y_true = y_pred = None
    note = ""
    if loaded.preprocessing.task == REGRESSION and loaded.test_metrics:
        try:
            y_true, y_pred = regression_points(loaded)
        except Exception as exc:  # noqa: BLE001 - the metrics are shown regardless
            from desktop_app.ui.jobs import job_error_message

            note = (
                "The predicted-against-actual plot needs the test split, which could not be "
                f"prepared again ({job_error_message(exc)}); the metrics above come from "
                "the model file."
            )
    return loaded, y_true, y_pred, note, loaded_boundary(loaded)


def loaded_boundary(loaded):
    """(pool thread) A loaded classifier's decision boundary over its training data
    (prepared again), or None: not two-feature classification, or no data to span."""
    from desktop_app.core.boundary import decision_grid, training_points, unavailable_reason

    prep = loaded.preprocessing
    if unavailable_reason(prep.task, prep.n_features):
        return None
    try:
        from desktop_app.core.data import prepare, same_preprocessing

        d = prepare(loaded.project.data)
        if not same_preprocessing(d.prep, prep):
            return None
        points, labels = training_points(prep, d.x_train, d.y_train)
        return decision_grid(loaded.model, prep, points, labels)
    except Exception:  # noqa: BLE001 - the rest of the model is shown regardless
        return None


def regression_points(loaded) -> tuple[np.ndarray, np.ndarray]:
    """Actual and predicted test targets (original units), recomputed from the data."""
    from desktop_app.core.data import prepare, same_preprocessing
    from desktop_app.core.errors import DataError
    from desktop_app.core.evaluation import predict_prepared

    d = prepare(loaded.project.data)
    prep = loaded.preprocessing
    if not same_preprocessing(d.prep, prep):
        raise DataError("the data no longer matches what the model was trained on")
    n = min(len(d.x_test), SCATTER_LIMIT)
    pred = predict_prepared(loaded.model, prep.task, d.x_test[:n], "cpu")
    y_pred = pred * prep.target_scale + prep.target_mean
    y_true = np.asarray(d.y_test[:n], dtype=np.float64) * prep.target_scale + prep.target_mean
    return y_true, y_pred


def _load_failed(window, path: str, message: str) -> None:
    window.statusBar().clearMessage()
    window.banner.show_message(f"Could not load the model: {message}")
    update_actions(window)


def outcome_of(loaded, source: str, y_true=None, y_pred=None, note: str = "") -> RunOutcome:
    """What the results panel shows for a model file (its run's timing is not saved)."""
    r = loaded.resume
    prep = loaded.preprocessing
    return RunOutcome(
        project=loaded.project,
        stop_reason=r.stop_reason if r is not None else "completed",
        epochs_run=loaded.epochs_trained,
        steps=r.global_step if r is not None else int(loaded.history.n_steps),
        seconds=0.0,
        steps_per_second=0.0,
        device="",
        threads=0,
        best_epoch=r.best_epoch if r is not None else None,
        restored_epoch=r.restored_epoch if r is not None else None,
        task=prep.task,
        metric_name=loaded.history.metric_name,
        test_metrics=dict(loaded.test_metrics),
        class_names=list(prep.class_names),
        history=loaded.history,
        y_true=y_true,
        y_pred=y_pred,
        extra={"loaded_from": source, "plot_note": note},
        model=loaded,
    )


def show_model(window, path: str, payload) -> None:
    """(GUI thread) Put a loaded model everywhere: panels, plots, results, Predict."""
    loaded, y_true, y_pred, note, boundary = payload
    window.statusBar().clearMessage()
    if window.controller.busy:  # cannot happen through the UI; never mix two runs
        window.banner.show_message("Training started while the model loaded; load it again.")
        return
    window.banner.dismiss()
    window.set_project(loaded.project)
    window.mark_saved(None)
    show_history(window, loaded)
    outcome = outcome_of(loaded, Path(path).name, y_true, y_pred, note)
    outcome.boundary = boundary
    window.results_panel.show_outcome(outcome)
    window.show_boundary(outcome)
    window.results_panel.project_changed(window.project)
    window.results_dock.show()
    window.results_dock.raise_()
    window.trained_model = loaded
    window.model_path = Path(path)
    _remember_folder(window, path)
    from desktop_app.ui import file_actions

    file_actions.add_recent_file(window, path)
    update_actions(window)
    window.statusBar().showMessage(
        f"Loaded {Path(path).name}: {loaded.epochs_trained} epochs trained", 5000
    )


def show_history(window, loaded) -> None:
    t = loaded.project.train
    r = loaded.resume
    window.history.load(
        loaded.history,
        monitor=t.monitor if t.early_stopping else "val_loss",
        schedule=t.schedule,
        stop_reason=r.stop_reason if r is not None else None,
        best_epoch=r.best_epoch if r is not None else None,
    )


# ----------------------------------------------------------------------------- continue
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


def continue_training(window, epochs: int | None = None) -> bool:
    """Go on training the current model for `epochs` more (asked when None)."""
    model = window.trained_model
    if model is None or window.controller.busy or window.jobs.busy:
        return False
    if model.resume is None:
        window.banner.show_message(
            "This model was saved for prediction only (without its training state), so "
            "training cannot continue from it. Train a new model instead."
        )
        return False
    if epochs is None:
        epochs, ok = QInputDialog.getInt(
            window,
            "Continue training",
            f"“{model.project.name}” has trained {model.epochs_trained} epochs."
            f"{early_stopping_note(model)}\nTrain it for how many more epochs?",
            model.project.train.epochs,
            1,
            1_000_000,
        )
        if not ok:
            return False
    project = model.project
    current = window.project
    if current is not None:  # where to run may differ from where it was trained
        train = project.train.model_copy(
            update={"device": current.train.device, "threads": current.train.threads}
        )
        project = project.model_copy(update={"train": train})
    h = window.history
    shown = len(h.steps) == model.history.n_steps and (
        not len(h.steps) or h.steps.view()[-1] == model.history.steps[-1]
    )
    if not shown or h.live:
        show_history(window, model)
    window.banner.dismiss()
    window.history.continue_run()
    window.status.preparing()
    return window.controller.start(project, resume_from=model, epochs=int(epochs))


# ----------------------------------------------------------------------------- predict
def open_predict_dialog(window):
    model = window.trained_model
    if model is None:
        window.banner.show_message("There is no model to predict with yet: train or load one.")
        return None
    from desktop_app.ui.predict_dialog import PredictDialog

    old = window.predict_dialog
    if old is not None and old.loaded is model:
        old.show()
        old.raise_()
        return old
    if old is not None:
        old.shutdown()
        old.close()
    dialog = PredictDialog(model, window.settings, window)
    window.predict_dialog = dialog
    dialog.show()
    return dialog


def shutdown(window) -> bool:
    ok = window.jobs.shutdown()
    if window.predict_dialog is not None:
        ok = window.predict_dialog.shutdown() and ok
    return ok
