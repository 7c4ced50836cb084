"""Data sense in the Import table dialog: a copy of the target, an identifier and a
mostly-empty column are unticked with the reason shown; one click uses them after all;
rows that would be dropped are said before Import with Fill as the fix; an imbalanced
target offers loss weighting by class, which the imported project keeps. A project's
table outside its folder is read only once the user agrees; Predict ▸ Open file
predicts the good rows of a file and names the bad one."""

from __future__ import annotations

import numpy as np
from gui_helpers import find
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QToolButton

from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec

FAST = Project(train=TrainSpec(epochs=2, batch_size=16, early_stopping=False, device="cpu"))


def table(path, n: int = 240):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = (x1 + 0.8 * rng.normal(size=n) > 1.6).astype(int)  # about one row in ten is 1
    lines = ["id,x1,x2,sparse,outcome,y"]
    for i in range(n):
        sparse = f"{rng.normal():.3f}" if i % 4 == 0 else ""
        lines.append(f"{i + 1},{x1[i]:.4f},{x2[i]:.4f},{sparse},{'yes' if y[i] else 'no'},{y[i]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def click(qtbot, widget) -> None:
    assert widget.isEnabled() and widget.isVisible(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_the_dialog_leaves_out_what_data_sense_finds_and_offers_the_fixes(
    qtbot, make_main_window, tmp_path
):
    w = make_main_window(FAST)
    dialog = w.tables.import_table(str(table(tmp_path / "t.csv")))
    qtbot.waitUntil(lambda: not dialog.previews.busy and dialog.preview is not None, timeout=10_000)
    assert find(dialog, QComboBox, "targetCombo").currentData() == "y"
    assert dialog.form.columns.checked() == ["x1", "x2"]
    note = find(dialog, QLabel, "importSenseLabel").text()
    assert "&#x27;outcome&#x27; alone predicts the target" in note or "'outcome' alone" in note
    assert "identifier" in note and "75% empty" in note and "imbalanced" in note
    assert note.count("left out") == 3
    assert not find(dialog, QPushButton, "importFillGapsButton").isVisible()

    # One click uses them after all; then keeping 'sparse' would drop most rows: said so.
    click(qtbot, find(dialog, QPushButton, "importKeepLeftOutButton"))
    assert dialog.form.columns.checked() == ["id", "x1", "x2", "sparse", "outcome"]
    assert "would drop 75% of the rows" in find(dialog, QLabel, "importSenseLabel").text()
    click(qtbot, find(dialog, QPushButton, "importFillGapsButton"))
    assert find(dialog, QComboBox, "missingCombo").currentData() == "median"
    assert "would drop" not in find(dialog, QLabel, "importSenseLabel").text()
    for name in ("id", "sparse", "outcome"):
        dialog.form.columns.set_checked(name, False)

    weight = find(dialog, QCheckBox, "importClassWeightCheck")
    assert weight.isVisible() and not weight.isChecked()
    click(qtbot, weight)
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        click(qtbot, find(dialog, QPushButton, "importOkButton"))
    project = w.session.project
    assert project.data.table.features == ["x1", "x2"]
    assert project.train.class_weight == "balanced"


def test_a_project_whose_table_is_outside_its_folder_asks_before_reading_it(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    from desktop_app.core.specs.data import DataSpec
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.ui.commands import tables
    from desktop_app.ui.run_state import RunState

    elsewhere, folder = tmp_path / "elsewhere", tmp_path / "project"
    elsewhere.mkdir()
    folder.mkdir()
    csv_path = table(elsewhere / "t.csv")
    spec = TableSpec(path=str(csv_path), target="y", features=["x1", "x2"])
    project = FAST.model_copy(update={"data": DataSpec(dataset="table", table=spec)})
    file = folder / "p.json"
    file.write_text(project.to_json())
    w = make_main_window(FAST)
    asked = []

    def answer(parent, path, where):
        asked.append((path, where))
        return False

    monkeypatch.setattr(tables, "ask_read_outside", answer)
    assert w.opener.open(file)
    qtbot.waitUntil(lambda: w.session.path == file, timeout=5000)
    click(qtbot, find(w, QToolButton, "trainButton"))
    assert asked == [(csv_path, folder)]
    assert w.controller.state is RunState.IDLE and not w.table_loader.busy
    assert "not read" in w.statusBar().currentMessage()


def test_predict_open_file_predicts_the_good_rows_and_names_the_bad_one(
    qtbot, monkeypatch, tmp_path
):
    from PySide6.QtWidgets import QFileDialog, QTableWidget

    from desktop_app.core.engine import Trainer
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import load_project_data, table_project
    from desktop_app.ui.predict_dialog import PredictDialog

    spec = TableSpec(path=str(table(tmp_path / "t.csv")), target="y", features=["x1", "x2"])
    project, data = load_project_data(table_project(spec, FAST))
    trainer = Trainer(project, data=data)
    trainer.fit()
    dialog = PredictDialog(trainer.checkpoint())
    qtbot.addWidget(dialog, before_close_func=lambda d: d.shutdown())
    dialog.show()
    src = tmp_path / "new.csv"
    src.write_text("x1,x2\n0.5,1.0\nabc,2.0\n1.5,-1\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    dialog.tabs.setCurrentIndex(1)
    click(qtbot, find(dialog, QPushButton, "predictOpenCsv"))
    shown = find(dialog, QTableWidget, "predictionsTable")
    qtbot.waitUntil(lambda: shown.rowCount() == 3, timeout=30_000)
    predicted = [shown.item(r, 2).text() for r in range(3)]
    assert predicted[0] in ("0", "1") and predicted[1] == "" and predicted[2] in ("0", "1")
    status = find(dialog, QLabel, "predictCsvStatus").text()
    assert "2 rows of new.csv predicted" in status
    assert "1 row(s) not predicted (line 3: column 'x1' needs a number, got 'abc')" in status
