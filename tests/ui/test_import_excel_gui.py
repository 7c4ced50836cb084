"""Importing an Excel workbook through the window: the dialog shows the worksheet read
(no delimiter or encoding), Import reads it, Train trains on it; a dropped .xlsx opens the
dialog; a workbook Odyssey cannot read is explained in the dialog."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QPushButton, QToolButton

from tests.ui.test_import_gui import (
    FAST,
    click,
    error_text,
    find,
    open_dialog,
    press_import,
    wait_preview,
)


def three_class_xlsx(path, n: int = 150, seed: int = 0, sheets=("notes",)):
    """Numbers, a category column and a text target with three classes x1 separates."""
    rng = np.random.default_rng(seed)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Flowers"
    ws.append(["x1", "x2", "colour", "label"])
    for i in range(n):
        x = rng.normal(size=2)
        label = "low" if x[0] < -0.45 else ("high" if x[0] > 0.45 else "mid")
        ws.append([float(x[0]), float(x[1]), ["red", "blue"][i % 2], label])
    for name in sheets:
        book.create_sheet(name)
    book.save(path)
    return path


def test_import_a_workbook_then_train_on_it(qtbot, make_main_window, tmp_path):
    w = make_main_window(FAST)
    path = three_class_xlsx(tmp_path / "flowers.xlsx")
    dialog = open_dialog(qtbot, w, path)

    # Delimiter and encoding do not apply: hidden; the worksheet read is named.
    assert not find(dialog, QComboBox, "delimiterCombo").isVisible()
    assert not find(dialog, QComboBox, "encodingCombo").isVisible()
    sheet = find(dialog, QLabel, "importSheetLabel")
    assert sheet.isVisible() and "Flowers" in sheet.text() and "first of 2" in sheet.text()
    assert find(dialog, QCheckBox, "headerCheck").isChecked()
    detected = find(dialog, QLabel, "importDetectedLabel").text()
    assert "Excel workbook" in detected and "150 rows" in detected and "4 columns" in detected
    assert "notes" in detected and "first worksheet" in detected
    assert find(dialog, QComboBox, "targetCombo").currentData() == "label"
    assert dialog.form.columns.checked() == ["x1", "x2", "colour"]
    assert "several classes (3 classes" in find(dialog, QLabel, "inferredTaskLabel").text()
    assert error_text(dialog) == ""
    press_import(qtbot, dialog)

    t = w.session.project.data.table
    assert (t.target, t.n_rows, t.n_inputs, t.n_classes) == ("label", 150, 4, 3)
    assert t.delimiter is None and t.encoding is None and t.sha256 is not None
    assert find(w.dataset_panel, QLabel, "tableFileLabel").text() == "<b>flowers.xlsx</b>"
    with qtbot.waitSignal(w.controller.finished, timeout=60_000) as done:
        click(qtbot, find(w, QToolButton, "trainButton"))
    outcome = done.args[0]
    assert outcome.run.task == "multiclass" and outcome.run.class_names == ["high", "low", "mid"]


def test_a_dropped_workbook_opens_the_import(qtbot, main_window, tmp_path):
    w = main_window
    path = three_class_xlsx(tmp_path / "dropped.xlsx", sheets=())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    QApplication.sendEvent(w, QDragEnterEvent(QPoint(50, 50), *args))
    QApplication.sendEvent(w, QDropEvent(QPointF(50, 50), *args))
    qtbot.waitUntil(
        lambda: w.tables.import_dialog is not None and w.tables.import_dialog.isVisible()
    )
    wait_preview(qtbot, w.tables.import_dialog)
    assert w.tables.import_dialog.path == path
    assert find(w.tables.import_dialog, QComboBox, "targetCombo").currentData() == "label"
    assert "first of" not in find(w.tables.import_dialog, QLabel, "importSheetLabel").text()
    w.tables.import_dialog.reject()


@pytest.mark.parametrize(
    ("name", "data", "fragments"),
    [
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ["password"]),
        ("broken.xlsx", b"PK\x03\x04" + b"garbage" * 20, ["cannot be read as an Excel"]),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, [".xls", "save it as an Excel"]),
        ("data.parquet", b"PAR1", ["Parquet", "CSV"]),
    ],
)
def test_an_unreadable_workbook_is_explained_and_nothing_changes(
    qtbot, main_window, tmp_path, name, data, fragments
):
    w = main_window
    path = tmp_path / name
    path.write_bytes(data)
    dialog = open_dialog(qtbot, w, path)
    message = error_text(dialog)
    assert name in message
    for fragment in fragments:
        assert fragment in message, message
    assert not find(dialog, QPushButton, "importOkButton").isEnabled()
    dialog.reject()
    assert w.session.project.data.dataset == "classification"
