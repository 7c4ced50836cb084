"""The Predict dialog: typed values and CSV rows in, classes with probabilities or values
out, predictions exported; every mistake shown in the dialog.

Models are trained with the core (a few epochs, fixed seeds); the dialog is driven by
objectName with clicks and keys; file dialogs are patched.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
from gui_helpers import find
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QToolButton,
)

from desktop_app.core.specs.project import Project


def trained(task_settings: list[str], epochs: int = 5):
    """A persistence.LoadedModel of a short run (the copy the window keeps) and its data."""
    from desktop_app.core.engine import Trainer

    project = Project().with_overrides(
        [*task_settings, "train.device=cpu", "train.batch_size=32", f"train.epochs={epochs}"]
    )
    trainer = Trainer(project)
    trainer.fit()
    return trainer.checkpoint(), trainer.data


MOONS = ["data.dataset=moons", "data.n_samples=300", "train.early_stopping=false"]
IRIS = ["data.dataset=iris", "train.early_stopping=false"]
FRIEDMAN = ["data.dataset=friedman1", "data.n_samples=300", "train.early_stopping=false"]


@pytest.fixture
def make_dialog(qtbot):
    from desktop_app.ui.predict_dialog import PredictDialog

    def make(loaded):
        dialog = PredictDialog(loaded)
        qtbot.addWidget(dialog, before_close_func=lambda d: d.shutdown())
        dialog.show()
        return dialog

    return make


def type_value(qtbot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def probabilities(table: QTableWidget) -> dict[str, float]:
    out = {}
    for r in range(table.rowCount()):
        m = re.fullmatch(r"([0-9.]+)%", table.item(r, 1).text())
        assert m, table.item(r, 1).text()
        out[table.item(r, 0).text()] = float(m.group(1)) / 100
    return out


def raw_test_rows(data) -> np.ndarray:
    """The test split in the data's own units (the dialog takes unscaled values)."""
    prep = data.prep
    return np.asarray(data.x_test, np.float64) * prep.scale + prep.mean


# ----------------------------------------------------------------------------- typed
@pytest.mark.parametrize("settings", [MOONS, IRIS], ids=["binary", "multiclass"])
def test_typed_values_show_a_class_with_probabilities_summing_to_one(qtbot, make_dialog, settings):
    from desktop_app.core.predict import predict_rows

    loaded, _ = trained(settings)
    d = make_dialog(loaded)
    names = loaded.preprocessing.feature_names
    fields = [find(d, QLineEdit, f"predictInput_{i}") for i in range(len(names))]
    assert [f.accessibleName() for f in fields] == names
    values = [0.5 + 0.25 * i for i in range(len(names))]
    for f, v in zip(fields, values):
        type_value(qtbot, f, str(v))
    qtbot.mouseClick(find(d, QPushButton, "predictButton"), Qt.MouseButton.LeftButton)

    expected = predict_rows(loaded, np.array([values]))
    shown = probabilities(find(d, QTableWidget, "probabilityTable"))
    assert list(shown) == loaded.preprocessing.class_names
    assert sum(shown.values()) == pytest.approx(1.0, abs=0.0001 * len(shown))
    assert list(shown.values()) == pytest.approx(expected.probabilities[0], abs=0.0001)
    label = find(d, QLabel, "predictionLabel").text()
    assert f"Predicted class: {expected.names[0]}" in label
    assert not find(d, QLabel, "predictError").isVisible()


def test_regression_shows_the_value_in_the_targets_units(qtbot, make_dialog):
    from desktop_app.core.predict import predict_rows

    loaded, data = trained(FRIEDMAN)
    d = make_dialog(loaded)
    row = raw_test_rows(data)[0]
    for i, v in enumerate(row):
        type_value(qtbot, find(d, QLineEdit, f"predictInput_{i}"), repr(float(v)))
    qtbot.mouseClick(find(d, QPushButton, "predictButton"), Qt.MouseButton.LeftButton)
    expected = float(predict_rows(loaded, row[None, :]).values[0])
    m = re.search(r"Predicted value: ([-0-9.e+]+)", find(d, QLabel, "predictionLabel").text())
    assert m and float(m.group(1)) == pytest.approx(expected, rel=1e-5)
    assert not find(d, QTableWidget, "probabilityTable").isVisible()


def test_a_value_that_is_not_a_number_is_named_in_the_dialog(qtbot, make_dialog):
    loaded, _ = trained(MOONS, epochs=1)
    d = make_dialog(loaded)
    type_value(qtbot, find(d, QLineEdit, "predictInput_1"), "abc")
    qtbot.mouseClick(find(d, QPushButton, "predictButton"), Qt.MouseButton.LeftButton)
    error = find(d, QLabel, "predictError")
    assert error.isVisible()
    assert "x2" in error.text() and "abc" in error.text() and "number" in error.text()
    assert d.isVisible()


def test_an_error_after_a_prediction_replaces_it(qtbot, make_dialog):
    """The old answer must not stay beside a new error, as if it were for these values."""
    loaded, _ = trained(MOONS, epochs=1)
    d = make_dialog(loaded)
    predict = find(d, QPushButton, "predictButton")
    qtbot.mouseClick(predict, Qt.MouseButton.LeftButton)  # the defaults predict
    label, table = find(d, QLabel, "predictionLabel"), find(d, QTableWidget, "probabilityTable")
    assert "Predicted class" in label.text() and table.rowCount() == 2
    type_value(qtbot, find(d, QLineEdit, "predictInput_0"), "abc")
    qtbot.mouseClick(predict, Qt.MouseButton.LeftButton)
    assert find(d, QLabel, "predictError").isVisible()
    assert label.text() == "" and table.rowCount() == 0


def test_defaults_are_the_training_means_so_predict_works_at_once(qtbot, make_dialog):
    loaded, _ = trained(IRIS, epochs=1)
    d = make_dialog(loaded)
    means = [float(find(d, QLineEdit, f"predictInput_{i}").text()) for i in range(4)]
    assert means == pytest.approx(loaded.preprocessing.mean, rel=1e-5)
    qtbot.mouseClick(find(d, QPushButton, "predictButton"), Qt.MouseButton.LeftButton)
    assert "Predicted class" in find(d, QLabel, "predictionLabel").text()


# ----------------------------------------------------------------------------- CSV
def write_csv(path, header, rows) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_csv_rows_fill_the_table_and_export_writes_them(qtbot, make_dialog, monkeypatch, tmp_path):
    loaded, data = trained(IRIS)
    d = make_dialog(loaded)
    names = loaded.preprocessing.feature_names
    x = raw_test_rows(data)
    src = tmp_path / "test split.csv"
    write_csv(src, ["id", *names], [[i, *map(repr, row)] for i, row in enumerate(x.tolist())])

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    export = find(d, QPushButton, "predictExport")
    assert not export.isEnabled()
    d.tabs.setCurrentIndex(1)
    qtbot.mouseClick(find(d, QPushButton, "predictOpenCsv"), Qt.MouseButton.LeftButton)
    table = find(d, QTableWidget, "predictionsTable")
    qtbot.waitUntil(lambda: table.rowCount() == len(x), timeout=30_000)
    headers = [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())]
    classes = loaded.preprocessing.class_names
    assert headers == ["id", *names, "predicted", *(f"probability {c}" for c in classes)]
    predicted = [table.item(r, len(names) + 1).text() for r in range(table.rowCount())]
    truth = [classes[int(i)] for i in data.y_test]
    accuracy = np.mean([p == t for p, t in zip(predicted, truth)])
    # The same rows, so the same accuracy as the test metrics (within one borderline row).
    assert accuracy == pytest.approx(loaded.test_metrics["accuracy"], abs=1.01 / len(x))
    assert (
        f"{len(x)} rows of test split.csv predicted" in find(d, QLabel, "predictCsvStatus").text()
    )

    out = tmp_path / "predictions"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.waitUntil(export.isEnabled)
    qtbot.mouseClick(export, Qt.MouseButton.LeftButton)
    written = tmp_path / "predictions.csv"
    qtbot.waitUntil(written.is_file, timeout=30_000)
    qtbot.waitUntil(lambda: not d.jobs.busy)
    rows = list(csv.DictReader(written.open()))
    assert len(rows) == len(x) and [r["predicted"] for r in rows] == predicted
    total = sum(float(rows[0][f"probability {c}"]) for c in classes)
    assert total == pytest.approx(1.0, abs=1e-5)
    assert "Wrote" in find(d, QLabel, "predictCsvStatus").text()


def test_a_csv_missing_a_column_says_which(qtbot, make_dialog, monkeypatch, tmp_path):
    loaded, _ = trained(MOONS, epochs=1)
    d = make_dialog(loaded)
    src = tmp_path / "short.csv"
    write_csv(src, ["x1"], [[1.0], [2.0]])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    qtbot.mouseClick(find(d, QPushButton, "predictOpenCsv"), Qt.MouseButton.LeftButton)
    error = find(d, QLabel, "predictError")
    qtbot.waitUntil(error.isVisible, timeout=30_000)
    assert "short.csv" in error.text() and "'x2'" in error.text()
    assert not find(d, QPushButton, "predictExport").isEnabled()


# ----------------------------------------------------------------------------- tables
def test_table_model_form_offers_known_categories(qtbot, make_dialog, tmp_path):
    from desktop_app.core.engine import Trainer
    from desktop_app.core.predict import predict_raw
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import load_project_data, table_project

    rng = np.random.default_rng(0)
    table = tmp_path / "shop.csv"
    rows = []
    for _ in range(200):
        age, color = int(rng.integers(18, 80)), str(rng.choice(["red", "green", "blue"]))
        label = "buy" if (age > 40) ^ (color == "red") else "skip"
        rows.append([age, color, str(rng.choice(["yes", "no"])), label])
    write_csv(table, ["age", "color", "member", "label"], rows)
    spec = TableSpec(path=str(table), target="label", features=["age", "color", "member"])
    base = Project().with_overrides(
        ["train.epochs=3", "train.device=cpu", "train.early_stopping=false", "train.batch_size=32"]
    )
    project, data = load_project_data(table_project(spec, base))
    trainer = Trainer(project, data=data)
    trainer.fit()
    loaded = trainer.checkpoint()

    d = make_dialog(loaded)
    age = find(d, QLineEdit, "predictInput_0")
    color = find(d, QComboBox, "predictInput_1")
    member = find(d, QComboBox, "predictInput_2")
    assert sorted(color.itemText(i) for i in range(color.count())) == ["blue", "green", "red"]
    assert {member.itemText(i) for i in range(member.count())} == {"true", "false"}
    type_value(qtbot, age, "55")
    color.setCurrentText("green")
    member.setCurrentText("false")
    qtbot.mouseClick(find(d, QPushButton, "predictButton"), Qt.MouseButton.LeftButton)
    expected = predict_raw(loaded, [{"age": 55, "color": "green", "member": "no"}])
    shown = probabilities(find(d, QTableWidget, "probabilityTable"))
    assert list(shown.values()) == pytest.approx(expected.probabilities[0], abs=0.0001)


# ----------------------------------------------------------------------------- window
def test_predict_from_the_window_after_training(qtbot, main_window):
    w = main_window
    predict = w.findChild(QAction, "actionPredict")
    assert not predict.isEnabled()
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        qtbot.mouseClick(w.findChild(QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    assert predict.isEnabled()
    predict.trigger()
    d = w.models.predict_dialog
    assert d is not None and d.isVisible() and d.loaded is w.session.model
    qtbot.mouseClick(find(d, QPushButton, "predictButton"), Qt.MouseButton.LeftButton)
    shown = probabilities(find(d, QTableWidget, "probabilityTable"))
    assert sum(shown.values()) == pytest.approx(1.0, abs=0.001)
    predict.trigger()  # the same model: the same dialog comes back
    assert w.models.predict_dialog is d
