"""Importing a user's own table through the window: the dialog (detection shown and
overridable, target, features, task, missing values, split), training on the table, bad
files, a changed or vanished file, and Cancel while a table is read.

Widgets are found by objectName; file dialogs and questions are patched; waits are on
GUI state or on signals emitted in the GUI thread.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from gui_helpers import BOTH_MODES, click, find
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QProgressDialog,
    QPushButton,
    QTableView,
    QTableWidget,
    QToolButton,
    QWidget,
)

from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.tabular import prepare, reader
from desktop_app.core.tabular.detect import Cancelled
from desktop_app.ui.commands import tables
from desktop_app.ui.run_state import RunState

FAST = Project(train=TrainSpec(epochs=8, batch_size=16, early_stopping=False, device="cpu"))


# ----------------------------------------------------------------------------- files
def three_class_csv(path, n: int = 150, seed: int = 0):
    """Numeric features, a text target with three classes that x1 mostly separates
    (with noise: a column that alone determines the target is left out as leakage)."""
    rng = np.random.default_rng(seed)
    lines = ["x1,x2,x3,label"]
    for _ in range(n):
        x = rng.normal(size=3)
        s = x[0] + 0.4 * rng.normal()
        label = "low" if s < -0.45 else ("high" if s > 0.45 else "mid")
        lines.append(f"{x[0]:.4f},{x[1]:.4f},{x[2]:.4f},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def semicolon_latin1_csv(path, n: int = 80):
    """Semicolon-separated, Latin-1 bytes (ö, ü, é), a category column, a price."""
    rng = np.random.default_rng(1)
    colours = ["grün", "rot", "blau"]
    lines = ["Größe;Farbe;Gewicht;Wohnort;Preis"]
    for i in range(n):
        size = rng.normal(10, 2)
        lines.append(
            f"{size:.2f};{colours[i % 3]};{i % 7};{['Köln', 'Zürich', 'Genève'][(i + i // 3) % 3]};"
            f"{3 * size + i % 3:.2f}"
        )
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


# ----------------------------------------------------------------------------- helpers
def choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} does not offer {data!r}"
    combo.setCurrentIndex(index)


def patch_file_dialog(monkeypatch, path) -> list:
    asked = []

    def get_open(*args, **kwargs):
        asked.append(args[1] if len(args) > 1 else "")
        return str(path), "Tables (*.csv *.tsv *.txt)"

    monkeypatch.setattr(QFileDialog, "getOpenFileName", get_open)
    return asked


def wait_preview(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.previews.busy, timeout=10_000)


def open_dialog(qtbot, w, path):
    dialog = w.tables.import_table(str(path))
    assert dialog is not None and dialog.isVisible()
    wait_preview(qtbot, dialog)
    return dialog


def error_text(dialog) -> str:
    label = find(dialog, QLabel, "importErrorLabel")
    return label.text() if label.isVisible() else ""


def press_import(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        click(qtbot, find(dialog, QPushButton, "importOkButton"))
    assert not dialog.isVisible()


def percent(label: QLabel) -> float:
    m = re.fullmatch(r"\s*([0-9.]+)\s*%\s*", label.text())
    assert m, f"{label.objectName()} shows {label.text()!r}, not a percentage"
    return float(m.group(1))


def slow_load_table(monkeypatch, seconds: float = 20.0) -> list:
    """load_table that reports progress and checks cancel every 20 ms for `seconds`."""
    real = prepare.load_table
    calls = []

    def slow(spec, base_dir=None, progress=None, cancel=None, accept_changed=False):
        calls.append(spec.path)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            if cancel is not None and cancel():
                raise Cancelled(spec.path)
            if progress is not None:
                progress(min((time.perf_counter() - t0) / seconds, 0.99))
            time.sleep(0.02)
        return real(spec, base_dir, progress, cancel, accept_changed)

    monkeypatch.setattr(prepare, "load_table", slow)
    return calls


# ----------------------------------------------------------------------------- import + train
@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)
def test_import_from_the_menu_shows_detection_then_trains_on_the_table(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    w = make_main_window(FAST)
    path = three_class_csv(tmp_path / "flowers.csv")
    asked = patch_file_dialog(monkeypatch, path)
    menu_action = find(w, QAction, "actionImportTable")
    assert menu_action.shortcut().toString() == "Ctrl+I"
    menu_action.trigger()
    assert asked, "File > Import table did not ask for a file"
    dialog = w.tables.import_dialog
    assert dialog is not None and dialog.isVisible()
    wait_preview(qtbot, dialog)

    # What was detected is shown, each in its own overridable control.
    assert find(dialog, QComboBox, "delimiterCombo").currentData() == ","
    assert find(dialog, QComboBox, "encodingCombo").currentText() == "utf-8"
    assert find(dialog, QCheckBox, "headerCheck").isChecked()
    detected = find(dialog, QLabel, "importDetectedLabel").text()
    assert "comma" in detected and "150 rows" in detected and "4 columns" in detected
    table = find(dialog, QTableView, "importPreviewTable")
    assert table.model().rowCount() == 150 and table.model().columnCount() == 4
    assert table.model().headerData(0, Qt.Orientation.Horizontal).startswith("x1\nnumeric")
    columns = find(dialog, QTableWidget, "columnsTable")
    kinds = [find(columns, QComboBox, f"typeCombo_{i}").currentData() for i in range(4)]
    assert kinds == ["numeric", "numeric", "numeric", "categorical"]
    # The last usable column is the target; every other one a feature; the task inferred.
    assert find(dialog, QComboBox, "targetCombo").currentData() == "label"
    assert dialog.form.columns.checked() == ["x1", "x2", "x3"]
    assert "several classes (3 classes" in find(dialog, QLabel, "inferredTaskLabel").text()
    assert find(dialog, QComboBox, "taskCombo").currentText() == "Automatic: several classes"
    assert error_text(dialog) == ""
    # The split shares start from the current project's.
    assert find(dialog, QAbstractSpinBox, "importValSpin").value() == pytest.approx(10)
    before = w.session.project
    press_import(qtbot, dialog)

    # The Dataset panel shows the table; the synthetic settings and preview are hidden.
    p = w.session.project
    assert p is not None, w.project_message.text()
    assert p.data.dataset == "table" and p.train == before.train and p.model == before.model
    t = p.data.table
    assert (t.target, t.features, t.n_rows, t.n_inputs, t.n_classes) == (
        "label",
        ["x1", "x2", "x3"],
        150,
        3,
        3,
    )
    assert t.sha256 is not None and t.delimiter == "," and t.encoding == "utf-8"
    panel = w.dataset_panel
    assert find(panel, QComboBox, "datasetCombo").currentData() == "table"
    assert find(panel, QLabel, "tableFileLabel").text() == "<b>flowers.csv</b>"
    summary = find(panel, QLabel, "tableSummaryLabel").text()
    assert "<b>150</b> rows" in summary and "<b>3</b> inputs" in summary
    assert "Target <b>label</b>" in summary and "3 classes" in summary
    assert not find(panel, QAbstractSpinBox, "samplesSpin").isVisible()
    assert find(panel, QPushButton, "changeTableButton").isVisible()
    assert "train 105" in find(panel, QLabel, "splitCountsLabel").text().lower()
    assert panel.io() == (3, 3, "multiclass")
    assert w.windowTitle().startswith("Odyssey — flowers")

    # Train: the data read by the import is used (no second read), the run finishes.
    assert w.table_loader.cached(p) is not None
    reads = slow_load_table(monkeypatch, seconds=0.0)
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert reads == []
    outcome = done.args[0]
    assert outcome.run.task == "multiclass" and outcome.run.class_names == ["high", "low", "mid"]
    assert outcome.run.project.data.table.sha256 == t.sha256
    assert percent(find(w, QLabel, "metric_accuracy")) >= 60.0
    assert find(w, QLabel, "metric_f1").isVisible()


def test_semicolon_latin1_table_with_overrides(qtbot, make_main_window, tmp_path):
    w = make_main_window(FAST)
    path = semicolon_latin1_csv(tmp_path / "preise.csv")
    dialog = open_dialog(qtbot, w, path)
    assert find(dialog, QComboBox, "delimiterCombo").currentData() == ";"
    encoding = find(dialog, QComboBox, "encodingCombo")
    assert encoding.currentText() in ("cp1252", "latin-1")
    detected = find(dialog, QLabel, "importDetectedLabel").text()
    assert "semicolon" in detected and "not valid UTF-8" in detected
    model = find(dialog, QTableView, "importPreviewTable").model()
    assert model.headerData(0, Qt.Orientation.Horizontal).startswith("Größe")
    assert model.data(model.index(0, 3)) == "Köln" and model.data(model.index(2, 3)) == "Genève"
    columns = find(dialog, QTableWidget, "columnsTable")
    assert find(columns, QComboBox, "typeCombo_1").currentData() == "categorical"  # Farbe
    assert "regression" in find(dialog, QLabel, "inferredTaskLabel").text()  # Preis

    # A wrong delimiter shows one column; choosing the right one again brings them back.
    choose(find(dialog, QComboBox, "delimiterCombo"), ",")
    wait_preview(qtbot, dialog)
    assert model.columnCount() == 1
    choose(find(dialog, QComboBox, "delimiterCombo"), ";")
    wait_preview(qtbot, dialog)
    assert model.columnCount() == 5
    # No header: the first row becomes data and the columns are numbered.
    header = find(dialog, QCheckBox, "headerCheck")
    header.setChecked(False)
    wait_preview(qtbot, dialog)
    assert model.headerData(0, Qt.Orientation.Horizontal).startswith("column1")
    assert model.data(model.index(0, 0)) == "Größe"
    header.setChecked(True)
    wait_preview(qtbot, dialog)

    # Gewicht holds small integers: read it as categories instead; Wohnort is the target.
    choose(find(columns, QComboBox, "typeCombo_2"), "categorical")
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Gewicht\ncategories"
    choose(find(dialog, QComboBox, "targetCombo"), "Wohnort")
    assert "several classes (3 classes" in find(dialog, QLabel, "inferredTaskLabel").text()
    assert dialog.form.columns.checked() == ["Größe", "Farbe", "Gewicht", "Preis"]
    choose(find(dialog, QComboBox, "missingCombo"), "median")
    press_import(qtbot, dialog)
    t = w.session.project.data.table
    assert (t.delimiter, t.header, t.target, t.missing) == (";", True, "Wohnort", "median")
    assert t.encoding in ("cp1252", "latin-1")
    assert t.column_types == {"Gewicht": "categorical"}
    # Größe, Preis: 1 input each; Farbe 3 and Gewicht 7 categories.
    assert (t.n_inputs, t.n_classes, t.inferred_task) == (12, 3, "multiclass")


def test_two_class_target_chosen_as_multiclass_gets_two_softmax_outputs(
    qtbot, make_main_window, tmp_path
):
    w = make_main_window(FAST)
    path = tmp_path / "two.csv"
    rng = np.random.default_rng(2)
    rows = [f"{a:.3f},{b:.3f},{'yes' if a + b > 0 else 'no'}" for a, b in rng.normal(size=(120, 2))]
    path.write_text("a,b,answer\n" + "\n".join(rows) + "\n")
    dialog = open_dialog(qtbot, w, path)
    assert find(dialog, QComboBox, "taskCombo").currentText() == "Automatic: binary"
    choose(find(dialog, QComboBox, "taskCombo"), "multiclass")
    press_import(qtbot, dialog)
    assert w.dataset_panel.io() == (2, 2, "multiclass")
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        click(qtbot, find(w, QToolButton, "trainButton"))
    assert done.args[0].run.task == "multiclass"
    assert percent(find(w, QLabel, "metric_accuracy")) >= 80.0


def test_catalog_dataset_switches_back_and_change_reopens_the_import(
    qtbot, make_main_window, tmp_path
):
    w = make_main_window(FAST)
    path = three_class_csv(tmp_path / "t.csv")
    press_import(qtbot, open_dialog(qtbot, w, path))
    panel = w.dataset_panel
    combo = find(panel, QComboBox, "datasetCombo")
    choose(combo, "moons")
    assert w.session.project.data.dataset == "moons" and w.session.project.data.table is None
    assert find(panel, QAbstractSpinBox, "samplesSpin").isVisible()
    assert not find(panel, QPushButton, "changeTableButton").isVisible()
    assert combo.itemText(combo.count() - 1) == "Your table: t.csv"
    choose(combo, "table")  # back to the table, as imported
    assert w.session.project.data.table.n_rows == 150

    click(qtbot, find(panel, QPushButton, "changeTableButton"))
    dialog = w.tables.import_dialog
    wait_preview(qtbot, dialog)
    assert find(dialog, QComboBox, "targetCombo").currentData() == "label"
    assert dialog.form.columns.checked() == ["x1", "x2", "x3"]
    dialog.form.columns.set_checked("x3", False)
    choose(find(dialog, QComboBox, "targetCombo"), "x1")
    assert dialog.form.columns.checked() == ["x2", "label"]  # the old target became a feature
    assert "regression" in find(dialog, QLabel, "inferredTaskLabel").text()
    press_import(qtbot, dialog)
    t = w.session.project.data.table
    assert (t.target, t.features, t.inferred_task) == ("x1", ["x2", "label"], "regression")
    assert panel.io() == (4, 1, "regression")


def test_dataset_panel_button_and_a_dropped_file_open_the_import(
    qtbot, main_window, monkeypatch, tmp_path
):
    w = main_window
    path = three_class_csv(tmp_path / "dropped.csv")
    patch_file_dialog(monkeypatch, path)
    click(qtbot, find(w.dataset_panel, QPushButton, "importTableButton"))
    assert w.tables.import_dialog is not None and w.tables.import_dialog.path == path
    wait_preview(qtbot, w.tables.import_dialog)
    click(qtbot, find(w.tables.import_dialog, QPushButton, "importCancelButton"))
    assert (
        not w.tables.import_dialog.isVisible()
        and w.session.project.data.dataset == "classification"
    )

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    QApplication.sendEvent(w, QDragEnterEvent(QPoint(50, 50), *args))
    QApplication.sendEvent(w, QDropEvent(QPointF(50, 50), *args))
    qtbot.waitUntil(
        lambda: w.tables.import_dialog is not None and w.tables.import_dialog.isVisible()
    )
    wait_preview(qtbot, w.tables.import_dialog)
    assert find(w.tables.import_dialog, QComboBox, "targetCombo").currentData() == "label"
    w.tables.import_dialog.reject()


# ----------------------------------------------------------------------------- bad input
def _write(text: str, encoding: str = "utf-8"):
    def make(tmp_path):
        path = tmp_path / "bad.csv"
        path.write_bytes(text.encode(encoding))
        return path

    return make


BAD = {
    "empty": (_write(""), None, ["is empty"]),
    "header only": (_write("a,b,y\n"), None, ["header row (a, b, y) but no data rows"]),
    "ragged rows": (_write("a,b,y\n1,2,0\n3,4,1\n5,6,7,0\n"), None, ["line 4 has 4 fields"]),
    "undecodable": (
        _write("a,b,y\n" + "".join(f"{i},caf\xe9,{i % 2}\n" for i in range(9)), "latin-1"),
        "utf-8",
        ["not valid utf-8", "cp1252"],
    ),
    "single class": (
        _write("a,y\n" + "".join(f"{i},k\n" for i in range(20))),
        None,
        ["only one class", "choose another target"],
    ),
    "target gaps": (
        _write("a,y\n1,0\n2,\n3,1\n4,NA\n5,1\n6,0\n"),
        None,
        ["target column 'y' is empty on 2 row(s)"],
    ),
    "thousands of classes": (
        _write("a,y\n" + "".join(f"{i},name{i}\n" for i in range(1500))),
        "target y",
        ["1,500 distinct values", "too many classes"],
    ),
    "no usable columns": (
        _write("name,comment,y\n" + "".join(f"n{i},c{i} words,t{i}\n" for i in range(40))),
        None,
        ["no usable feature columns"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_file_shows_its_message_and_the_previous_dataset_stays(
    qtbot, main_window, tmp_path, case
):
    make, choice, fragments = BAD[case]
    w = main_window
    before = w.session.project
    dialog = open_dialog(qtbot, w, make(tmp_path))
    if choice == "target y":  # a text column of names: the user picks it as the target
        choose(find(dialog, QComboBox, "targetCombo"), "y")
    elif choice is not None:  # the user insists on an encoding the file is not in
        find(dialog, QComboBox, "encodingCombo").setEditText(choice)
        qtbot.waitUntil(lambda: error_text(dialog) != "", timeout=5000)
    ok = find(dialog, QPushButton, "importOkButton")
    if ok.isEnabled():  # the file's first rows looked fine: the whole file is read
        click(qtbot, ok)
        qtbot.waitUntil(lambda: not w.table_loader.busy, timeout=30_000)
    message = error_text(dialog)
    assert message, f"{case}: no message shown"
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    assert "bad.csv" in message
    assert dialog.isVisible()  # open, to choose differently or cancel
    assert w.session.project == before
    assert find(w.dataset_panel, QComboBox, "datasetCombo").currentData() == "classification"
    click(qtbot, find(dialog, QPushButton, "importCancelButton"))
    assert not dialog.isVisible() and w.session.project == before


def test_file_that_vanishes_before_import_keeps_the_previous_dataset(qtbot, main_window, tmp_path):
    w = main_window
    before = w.session.project
    path = three_class_csv(tmp_path / "gone.csv")
    dialog = open_dialog(qtbot, w, path)
    path.unlink()
    click(qtbot, find(dialog, QPushButton, "importOkButton"))
    qtbot.waitUntil(lambda: error_text(dialog) != "", timeout=10_000)
    assert "does not exist" in error_text(dialog) and "gone.csv" in error_text(dialog)
    assert dialog.isVisible() and w.session.project == before
    dialog.reject()


def test_feature_and_split_problems_are_named_in_the_dialog(qtbot, main_window, tmp_path):
    w = main_window
    dialog = open_dialog(qtbot, w, three_class_csv(tmp_path / "t.csv"))
    ok = find(dialog, QPushButton, "importOkButton")
    for name in ("x1", "x2", "x3"):
        dialog.form.columns.set_checked(name, False)
    assert "tick at least one column" in error_text(dialog) and not ok.isEnabled()
    dialog.form.columns.set_checked("x2", True)
    assert error_text(dialog) == "" and ok.isEnabled()
    find(dialog, QAbstractSpinBox, "importTestSpin").setValue(95)
    assert "leaves no rows to train on" in error_text(dialog) and not ok.isEnabled()
    find(dialog, QAbstractSpinBox, "importTestSpin").setValue(20)
    find(dialog, QComboBox, "encodingCombo").setEditText("klingon")
    qtbot.waitUntil(lambda: "Encoding 'klingon' is unknown" in error_text(dialog), timeout=5000)
    assert not ok.isEnabled()
    find(dialog, QComboBox, "encodingCombo").setEditText("utf-8")
    qtbot.waitUntil(lambda: error_text(dialog) == "", timeout=5000)
    assert ok.isEnabled()
    dialog.reject()


def test_one_class_in_the_first_rows_of_a_large_file_is_a_note_not_an_error(
    qtbot, main_window, monkeypatch, tmp_path
):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 400)  # the preview sees ~60 rows
    path = tmp_path / "sorted.csv"
    path.write_text(
        "a,y\n" + "".join(f"{i},{'early' if i < 150 else 'late'}\n" for i in range(300))
    )
    w = main_window
    dialog = open_dialog(qtbot, w, path)
    assert "about" in find(dialog, QLabel, "importDetectedLabel").text()  # rows estimated
    note = find(dialog, QLabel, "importStatusLabel").text()
    assert note.startswith("In the first rows") and "only one class" in note
    assert error_text(dialog) == ""
    press_import(qtbot, dialog)
    t = w.session.project.data.table
    assert (t.n_rows, t.n_classes, t.inferred_task) == (300, 2, "binary")


# ----------------------------------------------------------------------------- train-time reads
def test_cancel_while_the_table_is_read_for_training(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    w = make_main_window(FAST)
    press_import(qtbot, open_dialog(qtbot, w, three_class_csv(tmp_path / "t.csv")))
    project = w.session.project
    w.table_loader.forget()  # as after a restart: Train reads the file
    slow_load_table(monkeypatch, seconds=30)
    click(qtbot, find(w, QToolButton, "trainButton"))
    assert w.table_loader.busy and w.controller.state is RunState.IDLE
    progress = w.findChild(QProgressDialog, "tableLoadProgress")
    assert progress is not None
    qtbot.waitUntil(lambda: progress.isVisible() and progress.value() > 0, timeout=10_000)
    # The GUI thread keeps running while the file is read.
    ticks = []
    timer = QTimer(w)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=2000)
    timer.stop()
    t0 = time.perf_counter()
    cancel = progress.findChild(QPushButton)
    click(qtbot, cancel)
    qtbot.waitUntil(lambda: not w.table_loader.busy, timeout=2000)
    assert time.perf_counter() - t0 < 1.0
    assert w.controller.state is RunState.IDLE and w.controller.last_outcome is None
    assert "cancelled" in w.status.currentMessage()
    assert w.session.project == project
    assert find(w, QToolButton, "trainButton").isEnabled()

    monkeypatch.undo()
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))


def test_cancel_in_the_import_dialog_stops_reading_and_keeps_it_open(
    qtbot, main_window, monkeypatch, tmp_path
):
    w = main_window
    before = w.session.project
    dialog = open_dialog(qtbot, w, three_class_csv(tmp_path / "t.csv"))
    slow_load_table(monkeypatch, seconds=30)
    click(qtbot, find(dialog, QPushButton, "importOkButton"))
    bar = find(dialog, QWidget, "importProgress")
    qtbot.waitUntil(lambda: bar.isVisible() and bar.value() > 0, timeout=10_000)
    assert not find(dialog, QPushButton, "importOkButton").isEnabled()
    click(qtbot, find(dialog, QPushButton, "importCancelButton"))
    qtbot.waitUntil(lambda: not w.table_loader.busy, timeout=2000)
    assert dialog.isVisible() and not bar.isVisible()
    assert "cancelled" in find(dialog, QLabel, "importStatusLabel").text()
    assert w.session.project == before
    monkeypatch.undo()
    press_import(qtbot, dialog)  # the same choices import fine afterwards
    assert w.session.project.data.dataset == "table"


@pytest.mark.parametrize("use_new", [True, False])
def test_changed_file_asks_before_training_on_it(
    qtbot, make_main_window, monkeypatch, tmp_path, use_new
):
    w = make_main_window(FAST)
    path = three_class_csv(tmp_path / "t.csv")
    press_import(qtbot, open_dialog(qtbot, w, path))
    old = w.session.project
    three_class_csv(path, n=160, seed=5)  # the file is edited after the import
    asked = []

    def answer(parent, message):
        asked.append(message)
        return use_new

    monkeypatch.setattr(tables, "ask_use_new_content", answer)
    if use_new:
        with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
            click(qtbot, find(w, QToolButton, "trainButton"))
        t = w.session.project.data.table
        assert t.n_rows == 160 and t.sha256 != old.data.table.sha256
        assert done.args[0].run.project.data.table.sha256 == t.sha256
    else:
        click(qtbot, find(w, QToolButton, "trainButton"))
        qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
        assert w.controller.state is RunState.IDLE and w.session.project == old
    assert len(asked) == 1 and "has changed since it was imported" in asked[0]


def test_vanished_file_at_train_time_is_reported_and_nothing_changes(
    qtbot, make_main_window, tmp_path
):
    w = make_main_window(FAST)
    path = three_class_csv(tmp_path / "t.csv")
    press_import(qtbot, open_dialog(qtbot, w, path))
    project = w.session.project
    path.unlink()
    click(qtbot, find(w, QToolButton, "trainButton"))
    qtbot.waitUntil(lambda: "does not exist" in w.banner.text(), timeout=10_000)
    assert "t.csv" in w.banner.text()
    assert w.session.project == project and w.controller.state is RunState.IDLE


def test_import_dialog_controls_are_named_and_described(qtbot, main_window, tmp_path):
    dialog = open_dialog(qtbot, main_window, three_class_csv(tmp_path / "t.csv"))
    from desktop_app.ui import import_dialog

    controls = [
        c
        for c in dialog.findChildren(QWidget)
        if isinstance(c, QComboBox | QPushButton | QCheckBox | QAbstractSpinBox | QTableView)
        and not isinstance(c.parent(), QComboBox | QAbstractSpinBox)
        and c.objectName() not in ("qt_spinbox_lineedit",)
    ]
    assert len(controls) >= 12
    for c in controls:
        name = c.objectName()
        assert name, f"unnamed {type(c).__name__}"
        assert c.accessibleName(), name
        assert len(c.toolTip()) > 20, name
        if not name.startswith("typeCombo_"):
            assert name in import_dialog.__doc__, name
    assert isinstance(dialog, QDialog)
    dialog.reject()
