"""The Runs tab: every Train run is recorded and listed; compare, tick, rename, star,
delete, and reopen a run's project or model, as a user does it."""

from __future__ import annotations

import csv

import pytest
from gui_helpers import click, find
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QTableView,
    QToolButton,
)

from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.ui.runs_table import NAME, SHOW, STAR

TINY = Project(
    name="Tiny",
    data=DataSpec(dataset="moons", n_samples=120),
    model=ModelSpec(hidden=[LayerSpec(units=4)]),
    train=TrainSpec(batch_size=16, epochs=2, early_stopping=False, lr=0.01),
)


def train(qtbot, w) -> None:
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        click(qtbot, find(w, QToolButton, "trainButton"))


def set_lr(qtbot, w, text: str) -> None:
    spin = find(w, QAbstractSpinBox, "lrSpin")
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def open_runs_tab(qtbot, w, rows: int) -> QTableView:
    tabs = w.tabs
    index = next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Runs")
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    table = find(w, QTableView, "runsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == rows, timeout=10_000)
    return table


def headers(table: QTableView) -> list[str]:
    m = table.model()
    return [m.headerData(i, Qt.Orientation.Horizontal) for i in range(m.columnCount())]


def cell(table: QTableView, row: int, column: int):
    return table.model().index(row, column)


def tick(qtbot, table: QTableView, row: int) -> None:
    """Click the row's tick box (at the left of its Show cell)."""
    rect = table.visualRect(cell(table, row, SHOW))
    box = QPoint(rect.left() + 12, rect.center().y())
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=box)
    state = table.model().data(cell(table, row, SHOW), Qt.ItemDataRole.CheckStateRole)
    assert state == Qt.CheckState.Checked


def select_row(qtbot, table: QTableView, row: int) -> None:
    rect = table.visualRect(cell(table, row, NAME))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_train_runs_are_recorded_compared_and_overlaid(
    qtbot, make_main_window, monkeypatch, tmp_path
):
    w = make_main_window(TINY)
    train(qtbot, w)
    set_lr(qtbot, w, "0.1")
    assert w.session.project.train.lr == 0.1
    train(qtbot, w)
    table = open_runs_tab(qtbot, w, rows=2)
    cols = headers(table)
    assert "lr" in cols and "optimizer" not in cols  # differences only: lr alone differs
    assert {"Best val (epoch)", "Test", "Time"} <= set(cols)
    lr = cols.index("lr")
    assert [table.model().data(cell(table, r, lr)) for r in (0, 1)] == ["0.1", "0.01"]
    best = table.model().data(cell(table, 0, cols.index("Best val (epoch)")))
    assert best.endswith(")") and "(" in best  # value (epoch)

    find(w, QCheckBox, "runsDifferencesOnly").click()
    assert "optimizer" in headers(table) and "lr" in headers(table)
    find(w, QCheckBox, "runsDifferencesOnly").click()

    # Tick both: their curves overlaid, named by the run and what differs.
    for row in (0, 1):
        tick(qtbot, table, row)
    curves = w.runs_panel.curves
    qtbot.waitUntil(lambda: len(curves.shown) == 2)
    assert sorted(curves.legend_names()) == ["run 1 · lr=0.01", "run 2 · lr=0.1"]
    assert curves.colour_of(1) != curves.colour_of(2)
    epoch_x = curves.loss.getPlotItem().listDataItems()[0].getData()[0]
    assert len(epoch_x) == 2  # two epochs
    find(w, QCheckBox, "runCurvesSteps").click()  # the per-step training loss instead
    steps = RunStore.default().get_run(1).step_total
    lengths = sorted(len(i.getData()[0]) for i in curves.loss.getPlotItem().listDataItems())
    assert lengths == [steps, steps] and steps > 2
    assert sorted(curves.legend_names()) == ["run 1 · lr=0.01", "run 2 · lr=0.1"]

    # The filter keeps what it matches.
    find(w, QLineEdit, "runsFilter").setText("lr=0.1")
    assert table.model().rowCount() == 1
    find(w, QLineEdit, "runsFilter").clear()
    assert table.model().rowCount() == 2

    # Export what is shown: results and the differing settings, as CSV.
    out = tmp_path / "runs.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    click(qtbot, find(w, QToolButton, "runsExport"))
    qtbot.waitUntil(out.exists, timeout=10_000)
    rows = list(csv.DictReader(out.open()))
    assert [(r["id"], r["train.lr"]) for r in rows] == [("2", "0.1"), ("1", "0.01")]
    assert all(r["best_val"] and r["test"] for r in rows)

    store = RunStore.default()
    runs = store.list_runs()
    assert [(r.source, r.status, r.epochs_run) for r in runs] == [("gui", "finished", 2)] * 2
    assert runs[0].project().train.lr == 0.1 and runs[0].model_path


def test_rename_star_note_and_delete_a_run(qtbot, make_main_window, monkeypatch):
    w = make_main_window(TINY)
    train(qtbot, w)
    train(qtbot, w)
    table = open_runs_tab(qtbot, w, rows=2)
    select_row(qtbot, table, 1)  # the older run, run 1
    click(qtbot, find(w, QToolButton, "runsRename"))
    editor = table.focusWidget()
    assert isinstance(editor, QLineEdit), editor
    editor.selectAll()
    qtbot.keyClicks(editor, "baseline net")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits in a queued call
    qtbot.waitUntil(lambda: table.model().data(cell(table, 1, NAME)) == "baseline net")
    click(qtbot, find(w, QToolButton, "runsStar"))
    assert table.model().data(cell(table, 1, STAR)) == "★"
    store = RunStore.default()
    store.flush()
    rec = store.get_run(1)
    assert (rec.name, rec.starred) == ("baseline net", True)

    asked = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    select_row(qtbot, table, 0)
    model_file = store.get_run(2).model_path
    click(qtbot, find(w, QToolButton, "runsDelete"))
    assert asked and "run 2" in asked[0]
    assert table.model().rowCount() == 1
    qtbot.waitUntil(lambda: [r.id for r in store.list_runs()] == [1])
    assert not __import__("os").path.exists(model_file)


def test_open_a_runs_project_and_its_model(qtbot, make_main_window, monkeypatch):
    w = make_main_window(TINY)
    train(qtbot, w)
    set_lr(qtbot, w, "0.05")
    assert w.session.project.train.lr == 0.05
    table = open_runs_tab(qtbot, w, rows=1)
    select_row(qtbot, table, 0)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Discard)
    click(qtbot, find(w, QToolButton, "runsOpenProject"))
    assert w.session.project.train.lr == 0.01  # the run's own settings, back in the panels
    assert find(w, QAbstractSpinBox, "lrSpin").value() == pytest.approx(0.01)
    w.session.set_model(None)
    click(qtbot, find(w, QToolButton, "runsOpenModel"))
    qtbot.waitUntil(lambda: w.session.model is not None, timeout=20_000)
    assert w.session.model.project.train.lr == 0.01


def test_with_recording_off_nothing_is_recorded(qtbot, make_main_window):
    w = make_main_window(TINY)
    table = open_runs_tab(qtbot, w, rows=0)
    action = w.runs_panel.record_action
    action.trigger()
    assert not action.isChecked()
    train(qtbot, w)
    assert RunStore.default().count() == 0
    assert table.model().rowCount() == 0


def test_columns_ticked_in_the_header_menu_are_kept_and_when_shows_in_the_tooltip(
    qtbot, make_main_window
):
    import re

    from PySide6.QtWidgets import QMenu

    w = make_main_window(TINY)
    train(qtbot, w)
    table = open_runs_tab(qtbot, w, rows=1)
    when, kind = headers(table).index("When"), headers(table).index("Kind")
    assert table.isColumnHidden(when) and not table.isColumnHidden(kind)  # fresh settings
    tip = table.model().data(cell(table, 0, NAME), Qt.ItemDataRole.ToolTipRole)
    assert re.search(r"trained \d{4}-\d\d-\d\d \d\d:\d\d", tip), tip  # the date all the same

    header = table.horizontalHeader()
    menu = find(w, QMenu, "runsTableColumnsMenu")

    def pick(name: str) -> None:  # right-click the header, click the column's entry
        pos = QPoint(header.sectionViewportPosition(NAME) + 5, header.height() // 2)
        header.customContextMenuRequested.emit(pos)  # what a right-click on it sends
        qtbot.waitUntil(menu.isVisible)
        action = next(a for a in menu.actions() if a.text() == name)
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
        qtbot.waitUntil(lambda: not menu.isVisible())

    pick("When")
    pick("Kind")
    assert not table.isColumnHidden(when) and table.isColumnHidden(kind)

    # Note hidden, then the Note button: the column comes back with its editor open.
    pick("Note")
    note = headers(table).index("Note")
    assert table.isColumnHidden(note)
    select_row(qtbot, table, 0)
    click(qtbot, find(w, QToolButton, "runsNote"))
    assert not table.isColumnHidden(note)
    assert isinstance(table.focusWidget(), QLineEdit)
    qtbot.keyClick(table.focusWidget(), Qt.Key.Key_Escape)

    w.close()  # the choice is saved with the window's settings
    w2 = make_main_window(TINY)
    table2 = open_runs_tab(qtbot, w2, rows=1)
    assert not table2.isColumnHidden(when) and table2.isColumnHidden(kind)
    assert not table2.isColumnHidden(note)


def test_the_overlaid_curves_get_the_larger_share_and_reset_layout_brings_them_back(
    qtbot, make_main_window
):
    """On a laptop the curves were given the smaller share: about 100 pixels, with half
    their legend cut off."""
    from PySide6.QtWidgets import QSplitter

    w = make_main_window(TINY)
    w.resize(1297, 706)  # 1366x768 less the desktop's bars
    train(qtbot, w)
    open_runs_tab(qtbot, w, rows=1)
    split = find(w, QSplitter, "runsSplitter")
    qtbot.waitUntil(lambda: split.sizes()[1] > split.sizes()[0])
    assert split.sizes()[1] >= 0.55 * sum(split.sizes())
    split.setSizes([sum(split.sizes()), 0])  # dragged shut
    w.actions["actionResetLayout"].trigger()
    assert split.sizes()[1] > split.sizes()[0] > 0
    # The legend stands beside the plots, where it covers no curve.
    table = find(w, QTableView, "runsTable")
    tick(qtbot, table, 0)
    curves = w.runs_panel.curves
    qtbot.waitUntil(lambda: len(curves.legend_names()) == 1)
    legend = find(w, QListWidget, "runCurvesLegend")
    assert legend.isVisible()
    assert legend.geometry().left() >= curves.metric.geometry().right()


def test_many_ticked_runs_are_named_beside_the_plots_in_a_list_that_scrolls(qtbot):
    """Inside the plots, the legends of a dozen runs covered most of their curves."""
    from desktop_app.core.runs.records import RunRecord
    from desktop_app.ui.plots.run_curves import RunCurves

    curves = RunCurves()
    qtbot.addWidget(curves)
    curves.resize(1300, 260)  # the Runs tab's curves on a laptop
    curves.show()
    qtbot.waitExposed(curves)
    records, labels = [], {}
    for i in range(1, 19):
        epochs = [
            {"epoch": e, "val_loss": 1 / (e + i), "train_loss": 1.1 / (e + i),
             "val_metric": 0.9 - 0.2 / (e + i), "train_metric": 0.92 - 0.2 / (e + i)}
            for e in range(1, 11)
        ]  # fmt: skip
        records.append(RunRecord(id=i, name=f"run {i}", metric_name="accuracy", epochs=epochs))
        labels[i] = f"run {i} · lr={0.001 * i:g} · hidden=[64, 64, 32] · batch=128"
    curves.set_runs(records, labels)
    qtbot.wait(50)
    assert curves.legend_names() == [labels[i] for i in range(1, 19)]  # whole, in order
    legend = curves.legend
    # Beside both plots, never over them, and no taller than they are: it scrolls.
    assert legend.geometry().left() >= curves.metric.geometry().right()
    assert legend.height() <= curves.height() and curves.metric.height() <= curves.height()
    assert legend.verticalScrollBar().maximum() > 0
    assert not legend.horizontalScrollBar().isVisible()  # long names are cut with "…"
    assert legend.item(0).toolTip() == labels[1]  # and whole on hover
    # Unticked runs leave it; with none left it hides.
    curves.set_runs(records[:1], labels)
    assert curves.legend_names() == [labels[1]]
    curves.set_runs([], labels)
    assert curves.legend_names() == [] and not legend.isVisible()
