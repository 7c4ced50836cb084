"""The Evaluation window: a user moves the decision threshold, clicks confusion-matrix
cells, lists and exports the worst rows, reads the curves, the residuals and what the
model relies on; and opens it from the Results panel after training.

Models are trained with the core (a few epochs, fixed seeds); the window is driven by
objectName with clicks and keys; the file dialog is patched.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from gui_helpers import find, type_into
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTabWidget,
)
from sklearn import metrics as skm

from desktop_app.core.evaluation import predict_prepared
from desktop_app.core.specs.project import Project
from desktop_app.ui.plots.confusion import ConfusionMatrixPlot


def trained(settings: list[str], epochs: int = 5):
    from desktop_app.core.engine import Trainer

    project = Project().with_overrides(
        [*settings, "train.device=cpu", "train.batch_size=32", f"train.epochs={epochs}"]
    )
    trainer = Trainer(project)
    trainer.fit()
    return trainer.checkpoint(), trainer.data


MOONS = ["data.dataset=moons", "data.n_samples=400", "train.early_stopping=false"]
IRIS = ["data.dataset=iris", "train.early_stopping=false"]
FRIEDMAN = ["data.dataset=friedman1", "data.n_samples=300", "train.early_stopping=false"]


@pytest.fixture(scope="module")
def moons():
    return trained(MOONS)


@pytest.fixture(scope="module")
def iris():
    return trained(IRIS, epochs=30)


@pytest.fixture
def open_dialog(qtbot):
    from desktop_app.ui.evaluation.dialog import EvaluationDialog

    def make(loaded, data, wait_importance: bool = True):
        dialog = EvaluationDialog(loaded, (data.x_test, data.y_test))
        qtbot.addWidget(dialog, before_close_func=lambda d: d.shutdown())
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(lambda: dialog.evaluation is not None, timeout=30_000)
        if wait_importance:
            qtbot.waitUntil(lambda: dialog.importance.dependence is not None, timeout=30_000)
        return dialog

    return make


def click_cell(qtbot, plot: ConfusionMatrixPlot, r: int, c: int) -> None:
    scene = plot.plot_item.vb.mapViewToScene(QPointF(c + 0.5, r + 0.5))
    pos = plot.plot_widget.mapFromScene(scene)
    qtbot.mouseClick(plot.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def listed_rows(view: QTableView) -> list[int]:
    m = view.model()
    return [int(m.data(m.index(r, 0))) - 1 for r in range(m.rowCount())]


def column(view: QTableView, title: str) -> list[str]:
    m = view.model()
    c = [m.headerData(i, Qt.Orientation.Horizontal) for i in range(m.columnCount())].index(title)
    return [m.data(m.index(r, c)) for r in range(m.rowCount())]


def test_threshold_control_matches_sklearn_confusion_matrix(qtbot, open_dialog, moons):
    loaded, d = moons
    dialog = open_dialog(loaded, d, wait_importance=False)
    p1 = predict_prepared(loaded.model, "binary", d.x_test, "cpu")
    spin = find(dialog, QDoubleSpinBox, "evalThresholdSpin")
    slider = find(dialog, QSlider, "evalThresholdSlider")
    plot = find(dialog, ConfusionMatrixPlot, "evalConfusionPlot")
    table = find(dialog, QTableWidget, "evalClassTable")
    summary = find(dialog, QLabel, "evalSummary")
    assert (plot.matrix == skm.confusion_matrix(d.y_test, p1 >= 0.5)).all()
    for text, t in (("0.3", 0.3), ("0.85", 0.85)):
        type_into(qtbot, spin, text)
        pred = (p1 >= t).astype(int)
        assert slider.value() == round(t * 1000)
        assert (plot.matrix == skm.confusion_matrix(d.y_test, pred, labels=[0, 1])).all()
        p, r, f, s = skm.precision_recall_fscore_support(
            d.y_test, pred, labels=[0, 1], zero_division=0
        )
        for i in range(2):
            assert float(table.item(i, 1).text()) == pytest.approx(p[i], abs=5e-4)
            assert float(table.item(i, 2).text()) == pytest.approx(r[i], abs=5e-4)
            assert float(table.item(i, 3).text()) == pytest.approx(f[i], abs=5e-4)
            assert table.item(i, 4).text() == f"{s[i]:,}"
        acc = 100 * skm.accuracy_score(d.y_test, pred)
        bal = 100 * skm.balanced_accuracy_score(d.y_test, pred)
        assert f"Accuracy {acc:.1f}%" in summary.text()
        assert f"balanced accuracy {bal:.1f}%" in summary.text()
    # The slider moves the spin box and the matrix with it.
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert spin.value() == 0.0
    assert (plot.matrix == skm.confusion_matrix(d.y_test, p1 >= 0.0, labels=[0, 1])).all()
    qtbot.mouseClick(find(dialog, QPushButton, "evalThresholdReset"), Qt.MouseButton.LeftButton)
    assert spin.value() == 0.5 and slider.value() == 500


def test_clicking_a_cell_lists_exactly_its_rows_and_exports_them(
    qtbot, open_dialog, iris, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    loaded, d = iris
    dialog = open_dialog(loaded, d, wait_importance=False)
    proba = predict_prepared(loaded.model, "multiclass", d.x_test, "cpu")
    pred = proba.argmax(1)
    plot = find(dialog, ConfusionMatrixPlot, "evalConfusionPlot")
    view = find(dialog, QTableView, "evalCellRows")
    caption = find(dialog, QLabel, "evalCellCaption")
    names = loaded.preprocessing.class_names
    for r, c in ((0, 0), (1, 1), (2, 1), (1, 2)):
        click_cell(qtbot, plot, r, c)
        expected = list(np.flatnonzero((d.y_test == r) & (pred == c)))
        assert listed_rows(view) == expected
        assert f"{len(expected):,} test rows" in caption.text()
        assert set(column(view, "true class")) <= {names[r]}
        assert set(column(view, "predicted class")) <= {names[c]}
    click_cell(qtbot, plot, 0, 0)
    rows = np.flatnonzero((d.y_test == 0) & (pred == 0))
    raw = d.x_test * loaded.preprocessing.scale + loaded.preprocessing.mean
    first = loaded.preprocessing.feature_names[0]
    assert [float(v) for v in column(view, first)] == pytest.approx(raw[rows, 0], rel=1e-4)
    assert [float(v) for v in column(view, f"P({names[0]})")] == pytest.approx(
        proba[rows, 0], rel=1e-4
    )
    out = tmp_path / "cell.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(find(dialog, QPushButton, "evalCellExport"), Qt.MouseButton.LeftButton)
    status = find(dialog, QLabel, "evalStatus")
    qtbot.waitUntil(lambda: "Wrote" in status.text(), timeout=10_000)
    with open(out, newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    assert lines[0][0] == "test row" and lines[0][1] == first
    assert [int(line[0]) - 1 for line in lines[1:]] == list(rows)
    assert [float(line[1]) for line in lines[1:]] == pytest.approx(raw[rows, 0], rel=1e-4)


def test_curves_largest_losses_and_importance(qtbot, open_dialog, iris, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    loaded, d = iris
    dialog = open_dialog(loaded, d)
    proba = predict_prepared(loaded.model, "multiclass", d.x_test, "cpu")
    roc = dialog.curves.roc
    legend = [label.text for _item, label in roc.legend.items]
    for c, name in enumerate(loaded.preprocessing.class_names):
        auc = skm.roc_auc_score(d.y_test == c, proba[:, c])
        assert f"{name}: AUC {auc:.3f}" in legend
    tabs = find(dialog, QTabWidget, "evalTabs")
    tabs.setCurrentWidget(dialog.losses)
    count = find(dialog, QSpinBox, "evalLossCount")
    type_into(qtbot, count, "7")
    view = find(dialog, QTableView, "evalLossRows")
    loss = -np.log(np.clip(proba[np.arange(len(d.y_test)), d.y_test], 1e-7, 1))
    assert listed_rows(view) == list(np.argsort(-loss, kind="stable")[:7])
    out = tmp_path / "losses.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(find(dialog, QPushButton, "evalLossExport"), Qt.MouseButton.LeftButton)
    status = find(dialog, QLabel, "evalStatus")
    qtbot.waitUntil(lambda: "Wrote" in status.text(), timeout=10_000)
    with open(out, newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    assert len(lines) == 8 and lines[0][-1] == "loss (cross-entropy)"
    assert [float(line[-1]) for line in lines[1:]] == pytest.approx(
        np.sort(loss)[::-1][:7], rel=1e-4
    )
    # What it relies on: a bar per column, the partial dependence of the most important.
    tabs.setCurrentWidget(dialog.importance)
    imp = dialog.importance.importance
    assert sorted(dialog.importance.plot.names) == sorted(loaded.preprocessing.feature_names)
    best = imp.names[imp.order()[0]]
    combo = find(dialog, QComboBox, "evalDependenceColumn")
    assert combo.currentText() == best and dialog.importance.dependence.column == best
    combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
    other = combo.currentText()
    qtbot.waitUntil(lambda: dialog.importance.dependence.column == other, timeout=10_000)
    assert dialog.importance.dependence.mean.shape[1] == 3


def test_regression_shows_residuals_and_errors(qtbot, open_dialog):
    loaded, d = trained(FRIEDMAN)
    dialog = open_dialog(loaded, d)
    prep = loaded.preprocessing
    out = predict_prepared(loaded.model, "regression", d.x_test, "cpu")
    actual = d.y_test.astype(np.float64) * prep.target_scale + prep.target_mean
    predicted = out * prep.target_scale + prep.target_mean
    reg = dialog.regression
    assert reg.residuals.x == pytest.approx(predicted, rel=1e-5)
    assert reg.residuals.y == pytest.approx(actual - predicted, rel=1e-4, abs=1e-4)
    assert reg.errors.counts.sum() == len(actual)
    assert reg.predicted.y_true == pytest.approx(actual, rel=1e-5)
    tabs = find(dialog, QTabWidget, "evalTabs")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles == ["&Residuals", "&Largest losses", "&What it relies on"]  # no threshold
    r2 = skm.r2_score(actual, predicted)
    assert dialog.importance.importance.baseline == pytest.approx(r2, abs=1e-4)
    assert f"R² ({r2:.3f})" in find(dialog, QLabel, "evalImportanceStatus").text()


def test_evaluate_button_opens_the_window_after_a_run(qtbot, main_window):
    from PySide6.QtWidgets import QToolButton

    w = main_window
    button = find(w, QPushButton, "resultsEvaluate")
    assert not button.isVisibleTo(w)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        qtbot.mouseClick(find(w, QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    w.docks[3].raise_()
    qtbot.waitUntil(button.isVisible, timeout=5_000)
    assert find(w, QLabel, "metric_balanced_accuracy").text().endswith("%")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = w.evaluation.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.evaluation is not None, timeout=30_000)
    assert dialog.width() <= 1366 and dialog.height() <= 720
    m = w.controller.last_outcome.run.test_metrics["confusion_matrix"]
    assert (dialog.classes.confusion.matrix == np.array(m)).all()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.evaluation.dialog is dialog  # the same model: the same window
    # A click on a cell of the Results panel's matrix lists that cell in the window.
    click_cell(qtbot, w.results_panel.confusion, 1, 0)
    assert dialog.tabs.currentWidget() is dialog.classes
    assert dialog.classes.cell == (1, 0)
    view = find(dialog, QTableView, "evalCellRows")
    assert view.model().rowCount() == min(m[1][0], 1000)
    qtbot.waitUntil(lambda: dialog.importance.dependence is not None, timeout=30_000)
    # Closed and opened again on the same model: the same window, still working.
    qtbot.mouseClick(find(dialog, QPushButton, "evalClose"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.evaluation.dialog is dialog and dialog.isVisible()
    combo = find(dialog, QComboBox, "evalDependenceColumn")
    combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
    chosen = combo.currentText()
    qtbot.waitUntil(lambda: dialog.importance.dependence.column == chosen, timeout=30_000)


@pytest.mark.parametrize("which", ["saved", "older version"])
def test_a_model_file_is_evaluated_on_its_test_split_prepared_again(
    qtbot, make_main_window, moons, tmp_path, which
):
    from pathlib import Path

    from desktop_app.core.persistence.model_file import load_model, save_model

    if which == "saved":
        path = tmp_path / "moons.safetensors"
        loaded, d = moons
        save_model(path, loaded)
    else:  # written before the per-class metrics existed
        path = Path(__file__).parents[1] / "core" / "fixtures" / "main_2_epochs.safetensors"
    saved = load_model(path)
    w = make_main_window()
    w.models.load_file(path, confirmed=True)
    qtbot.waitUntil(lambda: w.session.model is not None and not w.jobs.busy, timeout=60_000)
    button = find(w, QPushButton, "resultsEvaluate")
    balanced = find(w, QLabel, "metric_balanced_accuracy")
    assert balanced.isVisibleTo(w) == ("balanced_accuracy" in saved.test_metrics)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = w.evaluation.dialog
    qtbot.waitUntil(lambda: dialog.evaluation is not None, timeout=60_000)
    cm = np.array(saved.test_metrics["confusion_matrix"])
    assert (dialog.classes.confusion.matrix == cm).all()
    assert dialog.evaluation.roc_auc == pytest.approx(saved.test_metrics["roc_auc"], abs=1e-6)
    qtbot.waitUntil(lambda: dialog.importance.dependence is not None, timeout=60_000)


def test_a_model_whose_data_changed_says_why_it_cannot_be_evaluated(qtbot, moons):
    import dataclasses

    from desktop_app.ui.evaluation.dialog import EvaluationDialog

    loaded, _d = moons
    other = loaded.project.with_overrides(["data.n_samples=500"])  # another split
    changed = dataclasses.replace(loaded, project=other)
    dialog = EvaluationDialog(changed)
    qtbot.addWidget(dialog, before_close_func=lambda d: d.shutdown())
    dialog.show()
    status = find(dialog, QLabel, "evalStatus")
    qtbot.waitUntil(lambda: "Could not evaluate" in status.text(), timeout=30_000)
    assert "test split cannot be rebuilt" in status.text()
    assert not find(dialog, QTabWidget, "evalTabs").isEnabled()


def test_every_control_of_the_window_is_named(qtbot, open_dialog, moons):
    from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QTabBar, QToolButton

    loaded, d = moons
    dialog = open_dialog(loaded, d, wait_importance=False)
    kinds = (
        QPushButton,
        QToolButton,
        QCheckBox,
        QSlider,
        QAbstractSpinBox,
        QComboBox,
        QTableView,
        QTabWidget,
    )
    unnamed = [
        f"{type(c).__name__} {c.objectName()!r}"
        for kind in kinds
        for c in dialog.findChildren(kind)
        if not isinstance(c.parent(), QTabBar)
        and not c.objectName().startswith("qt_")
        and not (c.objectName() and c.accessibleName())
    ]
    assert unnamed == []
    assert dialog.width() <= 1366 and dialog.height() <= 700


def test_a_table_model_lists_its_categories_and_groups_them(qtbot, open_dialog, tmp_path):
    from desktop_app.core.engine import Trainer
    from desktop_app.core.specs.data import DataSpec
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.specs.train import TrainSpec
    from desktop_app.core.tabular.prepare import load_project_data

    rng = np.random.default_rng(3)
    n = 300
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    path = tmp_path / "shapes.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["size", "colour", "label"])
        for s, c in zip(size, colour):
            w.writerow([f"{s:.3f}", c, "big" if s > 0 else "small"])
    project = Project(
        name="shapes",
        data=DataSpec(dataset="table", table=TableSpec(path=str(path), target="label")),
        train=TrainSpec(batch_size=16, epochs=5, early_stopping=False),
    )
    project, data = load_project_data(project)
    trainer = Trainer(project, data=data)
    trainer.fit()
    dialog = open_dialog(trainer.checkpoint(), data)
    combo = find(dialog, QComboBox, "evalDependenceColumn")
    assert [combo.itemText(i) for i in range(combo.count())] == ["size", "colour"]
    tabs = find(dialog, QTabWidget, "evalTabs")
    tabs.setCurrentWidget(dialog.losses)
    view = find(dialog, QTableView, "evalLossRows")
    assert set(column(view, "colour")) <= {"red", "green", "blue"}
    assert set(column(view, "true class")) <= {"big", "small"}
    assert dialog.importance.importance.names == ["size", "colour"]
    combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.importance.dependence.column == "colour", timeout=10_000)
    assert dialog.importance.dependence.labels == data.prep.raw_columns[1].categories
    assert sorted(dialog.importance.dependence.labels) == ["blue", "green", "red"]
