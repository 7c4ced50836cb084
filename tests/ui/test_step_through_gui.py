"""Run ▸ One sample, step by step: opened from the menu after training the default
project, stepped with the buttons and the keyboard through Forward, Loss, Backward and
Update; the numbers shown are core's for the same sample; another row, another weight
and typed values change them; a bad typed value is named in the dialog."""

from __future__ import annotations

import textwrap

import pytest
from gui_helpers import find
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QToolButton,
)

from desktop_app.core.inspect.step_sample import sample_from_rows, sample_from_values
from desktop_app.core.inspect.step_through import step_through
from desktop_app.core.inspect.step_update import number
from desktop_app.core.inspect.step_weight import weight_update
from desktop_app.core.specs.project import Project


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def current_phase(d) -> str:
    """The phase whose indicator is highlighted."""
    lit = [
        name
        for name in ("Forward", "Loss", "Backward", "Update")
        if "background" in find(d, QLabel, f"stepPhase{name}").styleSheet()
    ]
    assert len(lit) == 1, lit
    return lit[0]


def shown(d) -> str:
    return find(d, QTextBrowser, "stepView").toPlainText()


def go_to(qtbot, d, phase: str) -> None:
    nxt = find(d, QPushButton, "stepNext")
    for _ in range(40):
        if current_phase(d) == phase:
            return
        click(qtbot, nxt)
    raise AssertionError(f"never reached {phase}")


def core_numbers(model, data, row: int, split="training"):
    x, y = {"training": (data.x_train, data.y_train), "test": (data.x_test, data.y_test)}[split]
    sample = sample_from_rows(model.preprocessing, x, y, row, split)
    state = model.resume.optimizer if model.resume is not None else None
    return step_through(model.model, model.project, model.preprocessing, sample, state)


@pytest.fixture
def trained_window(qtbot, main_window):
    w = main_window
    action = w.findChild(QAction, "actionStepThrough")
    assert action is not None and not action.isEnabled()  # no model yet
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert action.isEnabled()
    return w


def open_dialog(qtbot, w):
    w.findChild(QAction, "actionStepThrough").trigger()
    d = w.inspect.step_dialog
    assert d is not None and d.isVisible() and not d.isModal()
    qtbot.waitUntil(
        lambda: "training row 1" in find(d, QLabel, "stepCounter").text(), timeout=30_000
    )
    return d


def test_stepping_through_a_training_row_shows_cores_numbers(qtbot, trained_window):
    from desktop_app.core.data import prepare

    w = trained_window
    d = open_dialog(qtbot, w)
    model = w.session.model
    data = prepare(model.project.data)
    st = core_numbers(model, data, 0)

    assert current_phase(d) == "Forward"
    assert not find(d, QPushButton, "stepPrevious").isEnabled()
    first = st.layers[0]
    assert number(first.z[0]) in shown(d) and number(first.a[0]) in shown(d)

    # Clicking a weight in the matrix follows it.
    view = find(d, QTextBrowser, "stepView")
    cursor = view.document().find(number(first.weight[1, 0]))
    assert not cursor.isNull()
    cursor.setPosition(cursor.selectionStart() + 1)
    view.ensureCursorVisible()
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    at = view.cursorRect(cursor).center()
    click_at = view.viewport()
    qtbot.mouseClick(click_at, Qt.MouseButton.LeftButton, pos=at)
    assert (find(d, QSpinBox, "stepToUnit").value(), find(d, QSpinBox, "stepFromUnit").value()) == (
        2,
        1,
    )
    qtbot.keyClick(find(d, QSpinBox, "stepToUnit"), Qt.Key.Key_Down)

    go_to(qtbot, d, "Loss")
    assert f"The loss autograd computed: {number(st.loss_value)}" in shown(d)
    assert st.loss.formula in shown(d)

    qtbot.keyClick(d, Qt.Key.Key_Right)  # the keyboard steps too
    assert current_phase(d) == "Backward"
    assert number(st.layers[-1].dl_dz[0]) in shown(d)
    qtbot.keyClick(d, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # the mnemonic
    qtbot.waitUntil(lambda: current_phase(d) == "Loss")  # (it animates the click first)
    qtbot.keyClick(d, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: current_phase(d) == "Backward")

    go_to(qtbot, d, "Update")
    assert not find(d, QPushButton, "stepNext").isEnabled()  # the last step
    up = weight_update(st, 0, 0, 0)
    assert f"optimizer's real step: {number(up.new)}" in shown(d)

    # Another weight: the last layer's, from hidden unit 3.
    layer = find(d, QSpinBox, "stepLayer")
    layer.setFocus()
    qtbot.keyClick(layer, Qt.Key.Key_Up)
    source = find(d, QSpinBox, "stepFromUnit")
    source.setFocus()
    qtbot.keyClick(source, Qt.Key.Key_Up)
    qtbot.keyClick(source, Qt.Key.Key_Up)
    assert "w[1,3] of the Output layer" in shown(d)
    assert number(weight_update(st, 1, 0, 2).new) in shown(d)

    # Another row: the same step, the numbers of that row.
    row = find(d, QSpinBox, "stepRow")
    row.setFocus()
    row.selectAll()
    qtbot.keyClicks(row, "5")
    qtbot.keyClick(row, Qt.Key.Key_Return)
    assert "training row 5" in find(d, QLabel, "stepCounter").text()
    assert current_phase(d) == "Update"
    other = core_numbers(model, data, 4)
    go_to_loss = find(d, QPushButton, "stepPrevious")
    while current_phase(d) != "Loss":
        click(qtbot, go_to_loss)
    assert f"The loss autograd computed: {number(other.loss_value)}" in shown(d)
    assert other.loss_value != st.loss_value

    w.findChild(QAction, "actionStepThrough").trigger()  # the same model: the same window
    assert w.inspect.step_dialog is d


def test_typed_values_are_checked_and_a_bad_one_is_named(qtbot, trained_window):
    w = trained_window
    d = open_dialog(qtbot, w)
    combo = find(d, QComboBox, "stepSource")
    combo.setFocus()
    combo.setCurrentText("Typed values")
    error = find(d, QLabel, "stepError")
    assert "typed values" in find(d, QLabel, "stepCounter").text()  # the training means
    first = find(d, QLineEdit, "stepValue_0")
    first.setFocus()
    first.selectAll()
    qtbot.keyClicks(first, "abc")
    before = find(d, QLabel, "stepCounter").text()
    qtbot.keyClick(first, Qt.Key.Key_Left)  # moves the cursor, does not step
    assert find(d, QLabel, "stepCounter").text() == before
    click(qtbot, find(d, QPushButton, "stepUseValues"))
    name = w.session.model.preprocessing.feature_names[0]
    assert error.isVisible()
    assert f"feature {name!r}" in error.text() and "'abc' is not a number" in error.text()

    first.selectAll()
    qtbot.keyClicks(first, "0.25")
    click(qtbot, find(d, QPushButton, "stepUseValues"))
    assert not error.isVisible()
    prep = w.session.model.preprocessing
    values = [find(d, QLineEdit, f"stepValue_{i}").text() for i in range(prep.n_features)]
    target = find(d, QComboBox, "stepTarget").currentText()
    model = w.session.model
    st = step_through(
        model.model,
        model.project,
        prep,
        sample_from_values(prep, values, target),
        model.resume.optimizer,
    )
    go_to(qtbot, d, "Loss")
    assert f"The loss autograd computed: {number(st.loss_value)}" in shown(d)


def test_the_dialog_fits_a_laptop_screen(qtbot, trained_window):
    d = open_dialog(qtbot, trained_window)
    hint = d.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768
    g = d.frameGeometry()
    assert g.width() <= 1366 and g.height() <= 768


def test_step_through_stays_available_with_a_model_even_during_a_run():
    from desktop_app.ui.action_state import enablement
    from desktop_app.ui.run_state import RunState

    class Facts:
        project = Project()
        problem = ""
        model = None

    with_model = Facts()
    with_model.model = object()
    for run in RunState:
        assert enablement(run, frozenset(), with_model)["actionStepThrough"]
        assert not enablement(run, frozenset(), Facts())["actionStepThrough"]


def test_without_the_training_data_it_says_so_and_offers_typed_values(qtbot):
    """A model whose data cannot be prepared again as it was (here: another seed, so
    another split and scaling) still steps through typed values."""
    import dataclasses

    from desktop_app.core.engine import Trainer
    from desktop_app.ui.views.step_through import StepThroughDialog

    project = Project().with_overrides(
        ["data.n_samples=200", "train.epochs=1", "train.device=cpu", "train.early_stopping=false"]
    )
    trainer = Trainer(project)
    trainer.fit()
    loaded = trainer.checkpoint()
    other = project.with_overrides(["data.seed=7"])
    d = StepThroughDialog(dataclasses.replace(loaded, project=other))
    qtbot.addWidget(d, before_close_func=lambda dialog: dialog.shutdown())
    d.show()
    status = find(d, QLabel, "stepStatus")
    qtbot.waitUntil(lambda: "not available" in status.text(), timeout=30_000)
    assert "no longer matches" in status.text()
    assert find(d, QComboBox, "stepSource").currentText() == "Typed values"
    assert "typed values" in find(d, QLabel, "stepCounter").text()
    assert not find(d, QLabel, "stepError").isVisible()


FIT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QComboBox
    from PySide6.QtTest import QTest
    from desktop_app.app import create_application
    from desktop_app.core.engine import Trainer
    from desktop_app.core.specs.project import Project
    from desktop_app.ui.views.step_through import StepThroughDialog

    app = create_application([])
    problems, sizes = [], []
    layers = '[{"units": 6, "activation": "tanh"}, {"units": 30, "batch_norm": true, "dropout": 0.2}]'
    for settings in (
        ["data.dataset=classification", "data.n_features=6", "data.n_informative=3",
         f"model.hidden={layers}"],
        ["data.dataset=digits"],
        ["data.dataset=friedman1", "train.optimizer=sgd", "train.l1=0.001"],
    ):
        project = Project().with_overrides(
            settings + ["train.epochs=1", "train.device=cpu", "train.early_stopping=false"]
        )
        trainer = Trainer(project)
        trainer.fit()
        d = StepThroughDialog(trainer.checkpoint())
        d.show()
        QTest.qWaitForWindowExposed(d)
        for _ in range(200):
            if d.result is not None:
                break
            QTest.qWait(50)
        screen = d.screen().availableGeometry()

        def check(step):
            g = d.frameGeometry()
            sizes.append(f"{step}: {g.width()}x{g.height()}")
            if not screen.contains(g) and (g.width() > screen.width() or g.height() > screen.height()):
                problems.append(f"{step}: {g.width()}x{g.height()} on {screen.width()}x{screen.height()}")
            for area in d.findChildren(QAbstractScrollArea):
                bar = area.horizontalScrollBar()
                if area.isVisible() and bar.isVisible() and bar.maximum() > 0:
                    problems.append(f"{step}: horizontal scroll bar in {area.objectName()}")

        for typed in (False, True):
            if typed:
                d.findChild(QComboBox, "stepSource").setCurrentText("Typed values")
            for k in range(len(d.result.steps)):
                QTest.qWait(30)
                check(f"{settings[0]} typed={typed} step {k + 1}")
                d.next()
            while d.index:
                d.previous()
        d.shutdown()
        d.close()
    print("REPORT " + json.dumps({"problems": problems, "sizes": sizes}))
    """
)


@pytest.mark.xvfb
def test_every_page_fits_a_1366x768_screen_without_sideways_scrolling(tmp_path):
    """On a real 1366x768 X screen: a 6-input network with batch norm and dropout, a
    64-input ten-class one, and a regression with SGD and an L1 penalty, every page."""
    from xvfb_run import run_report

    report = run_report(FIT_SCRIPT, "", tmp_path / "settings")
    assert report["sizes"], report
    assert report["problems"] == [], report["problems"]
