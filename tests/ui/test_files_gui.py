"""Files through the window's menus: projects (save, open, recent, unsaved changes),
models (save, load, continue training), and files dropped on the window.

File dialogs and message boxes are patched; actions are found by objectName and
triggered as the menu items would be; background work is waited on through GUI state.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from gui_helpers import BOTH_MODES
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QToolButton,
)

from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project

SB = QMessageBox.StandardButton
SHORT = Project(name="Short run").with_overrides(
    ["train.epochs=4", "train.early_stopping=false", "train.device=cpu"]
)


def action(w, name: str) -> QAction:
    found = w.findChild(QAction, name)
    assert found is not None, f"no action named {name!r}"
    return found


def trigger(w, name: str) -> None:
    a = action(w, name)
    assert a.isEnabled(), f"{name} is disabled"
    a.trigger()


def choose(w, combo_name: str, data) -> None:
    combo = w.findChild(QComboBox, combo_name)
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)


class Answers:
    """Stand-ins for the question box (QMessageBox.exec) and QMessageBox.warning: record
    each question and the buttons it offered, give `answer`."""

    def __init__(self, monkeypatch, answer=SB.Cancel):
        self.answer = answer
        self.asked: list[str] = []
        self.buttons: list[list[str]] = []
        self.warnings: list[str] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._exec(box))
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _exec(self, box):
        self.asked.append(box.text())
        self.buttons.append([b.text() for b in box.buttons()])
        return self.answer

    def _warning(self, parent, title, text, *args, **kwargs):
        self.warnings.append(text)
        return SB.Ok


def save_dialog_returns(monkeypatch, path) -> list:
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        return (str(path), "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    return calls


def open_dialog_returns(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def train(qtbot, w):
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        qtbot.mouseClick(w.findChild(QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    return done.args[0]


def wait_jobs(qtbot, w) -> None:
    qtbot.waitUntil(lambda: not w.jobs.busy, timeout=60_000)


# ----------------------------------------------------------------------------- projects
def test_file_menu_has_standard_shortcuts_and_named_actions(main_window):
    w = main_window
    keys = {
        "actionNew": "Ctrl+N",
        "actionOpen": "Ctrl+O",
        "actionSave": "Ctrl+S",
        "actionSaveAs": "Ctrl+Shift+S",
        "actionQuit": "Ctrl+Q",
    }
    for name, key in keys.items():
        assert action(w, name).shortcut().toString() == key, name
    for name in (
        "actionLoadModel",
        "actionSaveModel",
        "actionPredict",
        "actionContinueTraining",
        "actionRename",
    ):
        assert action(w, name).toolTip(), name
    assert w.findChild(QMenu, "menuOpenRecent") is not None
    # Nothing trained yet: the model actions wait for a model.
    for name in ("actionSaveModel", "actionPredict", "actionContinueTraining"):
        assert not action(w, name).isEnabled(), name
    assert action(w, "actionLoadModel").isEnabled()


def test_save_marks_clean_and_reopen_restores(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    answers = Answers(monkeypatch)
    assert w.windowTitle() == "Odyssey — Classic first example"
    choose(w, "datasetCombo", "moons")
    # An unnamed project takes its dataset's title (bug 11: it kept the default name).
    assert w.windowTitle() == "Odyssey — Two moons*"

    path = tmp_path / "moons"
    calls = save_dialog_returns(monkeypatch, path)
    trigger(w, "actionSave")  # no file yet: asks where
    saved = tmp_path / "moons.json"
    assert len(calls) == 1 and Project.load(saved) == w.session.project
    assert w.windowTitle() == "Odyssey — Two moons"

    choose(w, "datasetCombo", "circles")
    assert w.windowTitle().endswith("*")
    trigger(w, "actionSave")  # it has a file now: saved there without asking
    assert len(calls) == 1
    assert Project.load(saved).data.dataset == "circles"
    assert not w.windowTitle().endswith("*")

    trigger(w, "actionNew")  # nothing unsaved: no question
    assert answers.asked == []
    assert w.session.project == Project() and not w.windowTitle().endswith("*")

    open_dialog_returns(monkeypatch, saved)
    trigger(w, "actionOpen")
    assert w.findChild(QComboBox, "datasetCombo").currentData() == "circles"
    assert w.session.project == Project.load(saved) and not w.windowTitle().endswith("*")
    assert answers.asked == []


def test_new_after_an_edit_asks_and_cancel_keeps_the_edit(qtbot, main_window, monkeypatch):
    w = main_window
    answers = Answers(monkeypatch, SB.Cancel)
    choose(w, "datasetCombo", "moons")
    trigger(w, "actionNew")
    assert len(answers.asked) == 1 and "not saved" in answers.asked[0]
    # Alt+S, Alt+D and Alt+C answer it, as README promises (bug 10: no mnemonics).
    assert sorted(answers.buttons[0]) == ["&Cancel", "&Discard", "&Save"]
    assert w.session.project.data.dataset == "moons" and w.windowTitle().endswith("*")

    answers.answer = SB.Discard
    trigger(w, "actionNew")
    assert len(answers.asked) == 2
    assert w.session.project == Project() and not w.windowTitle().endswith("*")


def test_save_answer_saves_before_opening_another(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    answers = Answers(monkeypatch, SB.Save)
    other = tmp_path / "other.json"
    other.write_text(Project(name="Other", data=DataSpec(dataset="circles")).to_json())
    choose(w, "datasetCombo", "moons")
    target = tmp_path / "mine.json"
    save_dialog_returns(monkeypatch, target)
    open_dialog_returns(monkeypatch, other)
    trigger(w, "actionOpen")
    assert len(answers.asked) == 1
    assert Project.load(target).data.dataset == "moons"  # saved first
    assert w.windowTitle() == "Odyssey — Other"  # then opened


def test_quit_with_unsaved_changes_asks(qtbot, main_window, monkeypatch):
    w = main_window
    answers = Answers(monkeypatch, SB.Cancel)
    choose(w, "datasetCombo", "moons")
    trigger(w, "actionQuit")
    assert len(answers.asked) == 1 and w.isVisible()
    answers.answer = SB.Discard
    w.close()
    assert len(answers.asked) == 2 and not w.isVisible()


def test_open_recent_reopens_and_prunes_missing_files(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    answers = Answers(monkeypatch, SB.Discard)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(Project(name="A").to_json())
    b.write_text(Project(name="B", data=DataSpec(dataset="moons")).to_json())
    for p in (a, b):
        open_dialog_returns(monkeypatch, p)
        trigger(w, "actionOpen")
    menu = w.findChild(QMenu, "menuOpenRecent")
    texts = [x.text() for x in menu.actions() if x.objectName().startswith("actionRecent")]
    assert texts[:2] == ["&1 b.json", "&2 a.json"]
    trigger(w, "actionRecent1")
    assert w.windowTitle() == "Odyssey — A"

    b.unlink()
    trigger(w, "actionRecent1")  # b.json, now second
    assert len(answers.warnings) == 1 and "no longer exists" in answers.warnings[0]
    assert "File > Open project" in answers.warnings[0]
    assert w.windowTitle() == "Odyssey — A"
    names = [x.data() for x in menu.actions() if x.objectName().startswith("actionRecent")]
    assert str(b.resolve()) not in names and str(a.resolve()) in names
    assert str(b.resolve()) not in w.settings.recent_files()


def points(curve) -> int:
    x = curve.getData()[0]
    return 0 if x is None else len(x)


def assert_clean_slate(qtbot, w) -> None:
    """Nothing of an earlier run on show: plots, results, status bar."""
    plots = w.plots
    qtbot.waitUntil(lambda: not any(p.is_dirty for p in plots.all), timeout=5000)
    assert len(w.history.steps) == 0 and w.history.epochs == [] and not w.history.live
    curves = (
        plots.loss.raw_curve,
        plots.loss.smooth_curve,
        plots.loss.train_curve,
        plots.loss.val_curve,
        plots.metric.train_curve,
        plots.metric.val_curve,
        plots.lr.curve,
    )
    assert [points(c) for c in curves] == [0] * len(curves)
    for plot in plots.all:
        assert plot.findChild(QLabel, f"{plot.key}Readout").text() == "", plot.key
    for plot in (plots.loss, plots.metric):
        assert plot.best_markers.positions() == plot.stop_markers.positions() == []
    assert w.findChild(QLabel, "resultsStatus").text().startswith("No results yet")
    assert w.findChild(QLabel, "resultsSummary").text() == ""
    for name in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "r2"):
        label = w.findChild(QLabel, f"metric_{name}")
        assert label.text() == "–" and label.isHidden(), name
    panel = w.results_panel
    assert panel.stack.currentWidget() is panel.empty
    assert panel.confusion.matrix.size == 0  # nothing kept to show again
    assert w.findChild(QLabel, "progressLabel").text() == "Ready"
    assert w.findChild(QProgressBar, "trainingProgress").value() == 0
    assert w.findChild(QLabel, "samplesPerSecondLabel").text() == "– samples/s"


def test_new_and_open_start_with_empty_plots_and_results(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    answers = Answers(monkeypatch, SB.Discard)
    outcome = train(qtbot, w)
    assert outcome.run.steps > 0 and len(w.history.epochs) == outcome.run.epochs_run
    qtbot.waitUntil(lambda: points(w.plots.loss.raw_curve) > 0, timeout=5000)
    assert w.findChild(QLabel, "metric_accuracy").text().endswith("%")
    assert w.results_panel.stack.currentWidget() is w.results_panel.confusion
    w.plots.loss.show_readout_at(1.0)
    assert w.findChild(QLabel, "lossReadout").text()

    file_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&File")
    assert action(w, "actionNew") in file_menu.actions()
    trigger(w, "actionNew")
    assert answers.asked == []  # the default project, unchanged: nothing to ask
    assert w.session.project == Project()
    assert_clean_slate(qtbot, w)
    # The trained model is not lost with the display: it can still be saved.
    assert action(w, "actionSaveModel").isEnabled()

    # Training again, then opening another project: the same clean slate.
    train(qtbot, w)
    other = tmp_path / "other.json"
    other.write_text(Project(name="Other", data=DataSpec(dataset="moons")).to_json())
    open_dialog_returns(monkeypatch, other)
    trigger(w, "actionOpen")
    assert w.windowTitle() == "Odyssey — Other"
    assert_clean_slate(qtbot, w)

    # A run of the new project then shows as usual.
    outcome = train(qtbot, w)
    assert len(w.history.epochs) == outcome.run.epochs_run
    assert w.findChild(QLabel, "resultsStatus").text().endswith("of “Other”.")


# ----------------------------------------------------------------------------- models
def test_save_model_then_load_it_restores_panels_plots_and_results(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    w = make_main_window()
    answers = Answers(monkeypatch, SB.Discard)
    outcome = train(qtbot, w)
    accuracy = w.findChild(QLabel, "metric_accuracy").text()
    steps, losses, epochs = len(w.history.steps), w.history.losses.view().copy(), w.history.epochs
    assert steps == outcome.run.steps > 0 and re.fullmatch(r"[0-9.]+%", accuracy)
    assert action(w, "actionSaveModel").isEnabled()

    model_file = tmp_path / "first"
    save_dialog_returns(monkeypatch, model_file)
    trigger(w, "actionSaveModel")
    wait_jobs(qtbot, w)
    model_file = tmp_path / "first.safetensors"
    assert model_file.is_file() and not w.banner.isVisible()

    trigger(w, "actionNew")
    # A later session: another project, nothing trained.
    w2 = make_main_window(Project(name="Elsewhere", data=DataSpec(dataset="moons")))
    choose(w2, "datasetCombo", "circles")  # an unsaved edit: asked, discarded
    assert not action(w2, "actionPredict").isEnabled()
    open_dialog_returns(monkeypatch, model_file)
    trigger(w2, "actionLoadModel")
    assert len(answers.asked) == 1  # about the unsaved edit, before the file dialog
    wait_jobs(qtbot, w2)
    assert not w2.banner.isVisible(), w2.banner.text()
    assert w2.session.project == outcome.run.project
    assert w2.findChild(QComboBox, "datasetCombo").currentData() == outcome.run.project.data.dataset
    assert w2.windowTitle() == f"Odyssey — {outcome.run.project.name}"
    assert w2.findChild(QLabel, "metric_accuracy").text() == accuracy
    assert "first.safetensors" in w2.findChild(QLabel, "resultsSummary").text()
    assert w2.results_panel.stack.currentWidget() is w2.results_panel.confusion
    assert len(w2.history.steps) == steps
    assert np.array_equal(w2.history.losses.view(), losses)
    assert w2.history.epochs == epochs and len(epochs) == outcome.run.epochs_run
    assert not w2.history.live
    for name in ("actionSaveModel", "actionPredict", "actionContinueTraining"):
        assert action(w2, name).isEnabled(), name
    assert str(model_file.resolve()) in w2.settings.recent_files()


def test_loaded_regression_model_shows_its_predicted_against_actual_points(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    project = SHORT.with_overrides(["data.dataset=friedman1", "data.n_samples=300"])
    w = make_main_window(project)
    outcome = train(qtbot, w)
    path = tmp_path / "reg.safetensors"
    save_dialog_returns(monkeypatch, path)
    trigger(w, "actionSaveModel")
    wait_jobs(qtbot, w)
    w2 = make_main_window()
    open_dialog_returns(monkeypatch, path)
    trigger(w2, "actionLoadModel")
    wait_jobs(qtbot, w2)
    panel = w2.results_panel
    assert panel.stack.currentWidget() is panel.scatter  # recomputed on the test split
    assert np.allclose(panel.scatter.y_true, outcome.y_true)
    assert np.allclose(panel.scatter.y_pred, outcome.y_pred, rtol=1e-5, atol=1e-6)
    assert w2.findChild(QLabel, "metric_r2").text() == w.findChild(QLabel, "metric_r2").text()


def test_loading_a_broken_model_names_the_problem_and_keeps_the_session(
    qtbot, main_window, monkeypatch, tmp_path
):
    w = main_window
    Answers(monkeypatch, SB.Discard)
    before = w.session.project
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")
    open_dialog_returns(monkeypatch, bad)
    trigger(w, "actionLoadModel")
    wait_jobs(qtbot, w)
    text = w.findChild(QLabel, "errorBannerText").text()
    assert "Could not load the model" in text and "broken.safetensors" in text
    assert w.session.project == before and w.session.model is None
    assert action(w, "actionLoadModel").isEnabled()


@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_continue_training_extends_the_history_with_continuous_steps(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    w = make_main_window(SHORT)
    outcome = train(qtbot, w)
    first_steps = len(w.history.steps)
    per_epoch = first_steps // 4
    assert outcome.run.epochs_run == 4 and first_steps == 4 * per_epoch
    asked = []

    def get_int(parent, title, label, value, *args, **kwargs):
        asked.append(value)
        return 3, True

    monkeypatch.setattr(QInputDialog, "getInt", get_int)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        trigger(w, "actionContinueTraining")
    assert asked == [SHORT.train.epochs]  # the project's epochs offered
    more = done.args[0]
    steps = w.history.steps.view()
    assert len(steps) == 7 * per_epoch
    assert np.array_equal(steps, np.arange(1, 7 * per_epoch + 1))
    assert [e["epoch"] for e in w.history.epochs] == list(range(1, 8))
    assert more.run.epochs_run == 7 and w.session.model.epochs_trained == 7
    assert w.session.model.history.n_steps == 7 * per_epoch

    # The same continues from a model file, in a window that never trained it.
    path = tmp_path / "m.safetensors"
    save_dialog_returns(monkeypatch, path)
    trigger(w, "actionSaveModel")
    wait_jobs(qtbot, w)
    w2 = make_main_window()
    open_dialog_returns(monkeypatch, path)
    trigger(w2, "actionLoadModel")
    wait_jobs(qtbot, w2)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (1, True))
    with qtbot.waitSignal(w2.controller.finished, timeout=60_000):
        trigger(w2, "actionContinueTraining")
    steps = w2.history.steps.view()
    assert np.array_equal(steps, np.arange(1, 8 * per_epoch + 1))
    assert w2.history.epochs[-1]["epoch"] == 8


def test_continue_after_early_stopping_runs_with_a_fresh_patience(
    qtbot, make_main_window, monkeypatch
):
    # A learning rate this high makes the validation loss bounce: early stopping ends
    # the run, and the epochs after it do not improve at once.
    patience = 2
    bouncy = Project(name="Bouncy").with_overrides(
        [
            "data.dataset=moons",
            "data.n_samples=200",
            "train.batch_size=16",
            "train.lr=0.5",
            f"train.patience={patience}",
            "train.epochs=40",
            "train.device=cpu",
        ]
    )
    w = make_main_window(bouncy)
    first = train(qtbot, w)
    assert first.run.stop_reason == "early_stopping" and first.run.epochs_run < 40
    asked = []

    def get_int(parent, title, label, value, *args, **kwargs):
        asked.append(label)
        return 10, True

    monkeypatch.setattr(QInputDialog, "getInt", get_int)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        trigger(w, "actionContinueTraining")
    assert len(asked) == 1
    assert "Early stopping ended this run" in asked[0] and "fresh patience" in asked[0]
    assert f"best epoch so far is {first.run.best_epoch}" in asked[0]
    more = done.args[0]
    n = first.run.epochs_run
    # Not one epoch and out: the new epochs get `patience` epochs to beat the best.
    assert more.run.epochs_run - n >= patience
    assert [e["epoch"] for e in w.history.epochs] == list(range(1, more.run.epochs_run + 1))
    val = np.array([e["val_loss"] for e in w.history.epochs])
    best = int(np.argmin(val)) + 1  # over both parts: the earlier best still counts
    assert more.run.best_epoch == best and more.run.restored_epoch == best
    if more.run.stop_reason == "early_stopping":
        # no new best for `patience` epochs, counted from the continuation's start
        assert more.run.epochs_run - max(best, n) == patience
        assert more.run.epochs_run < n + 10
    else:
        assert more.run.epochs_run == n + 10
    assert f"best epoch ({best}) restored" in w.findChild(QLabel, "resultsSummary").text()


def test_continue_cancelled_in_the_dialog_starts_nothing(qtbot, make_main_window, monkeypatch):
    w = make_main_window(SHORT)
    train(qtbot, w)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (5, False))
    trigger(w, "actionContinueTraining")
    assert not w.controller.busy and len(w.history.epochs) == 4


# ----------------------------------------------------------------------------- drops
def _mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drop(w, mime: QMimeData) -> QDropEvent:
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(w, enter)
    if not enter.isAccepted():
        return enter
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(w, drop)
    return drop


def test_dropping_a_project_file_opens_it(qtbot, main_window, tmp_path):
    w = main_window
    path = tmp_path / "dropped.json"
    path.write_text(Project(name="Dropped", data=DataSpec(dataset="moons")).to_json())
    event = _drop(w, _mime(path))
    assert event.isAccepted()
    qtbot.waitUntil(lambda: w.windowTitle() == "Odyssey — Dropped")
    assert w.findChild(QComboBox, "datasetCombo").currentData() == "moons"

    other = tmp_path / "picture.png"
    other.write_bytes(b"\x89PNG")
    assert not _drop(w, _mime(other)).isAccepted()


def test_dropping_a_table_hands_it_to_the_import(qtbot, main_window, monkeypatch, tmp_path):
    w = main_window
    table = tmp_path / "rows.csv"
    table.write_text("a,b\n1,2\n")
    imported = []
    monkeypatch.setattr(w.tables, "import_table", lambda path=None: imported.append(path))
    assert _drop(w, _mime(table)).isAccepted()
    qtbot.waitUntil(lambda: imported == [str(table)])


def test_dropping_a_model_file_loads_it(qtbot, make_main_window, monkeypatch, tmp_path):
    w = make_main_window(SHORT)
    train(qtbot, w)
    path = tmp_path / "dropped.safetensors"
    save_dialog_returns(monkeypatch, path)
    trigger(w, "actionSaveModel")
    wait_jobs(qtbot, w)
    w2 = make_main_window()
    _drop(w2, _mime(path))
    qtbot.waitUntil(lambda: w2.session.model is not None, timeout=60_000)
    assert w2.session.project == SHORT
    assert json.loads(w2.session.project.to_json())["name"] == "Short run"


def test_an_unnamed_project_takes_its_datasets_title_a_named_one_keeps_its_name(
    qtbot, main_window, monkeypatch
):
    """The name stayed "Classic first example" whatever the dataset, and that became the
    suggested model file name (issue 10, bug 11)."""
    from desktop_app.core.catalog import CATALOG

    w = main_window
    choose(w, "datasetCombo", "moons")
    assert w.session.name == CATALOG["moons"].title
    choose(w, "datasetCombo", "circles")
    assert w.session.name == CATALOG["circles"].title
    assert w.session.project.name == CATALOG["circles"].title
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("My rings", True))
    trigger(w, "actionRename")
    choose(w, "datasetCombo", "moons")
    assert w.session.name == "My rings"  # a name the user gave is theirs
