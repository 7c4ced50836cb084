"""Run ▸ Repeat…, Run ▸ Baselines and Run ▸ Race…, as a user starts them: the work runs in
the background, its rows land in the Runs tab (a repeat group as one mean ± sd row with a
band when ticked), and a race's curves are overlaid live in the race window."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import click, find
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QToolButton,
    QWidget,
)

from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.variants.groups import is_group_row
from desktop_app.ui.action_state import enablement
from desktop_app.ui.run_state import RunState
from desktop_app.ui.runs_table import SHOW

TINY = Project(
    name="Tiny",
    data=DataSpec(dataset="moons", n_samples=160),
    model=ModelSpec(hidden=[LayerSpec(units=4)]),
    train=TrainSpec(batch_size=16, epochs=3, early_stopping=False, lr=0.01, device="cpu"),
)


def open_dialog(qtbot, w, action: str, name: str) -> QDialog:
    w.actions[action].trigger()
    qtbot.waitUntil(lambda: (d := w.findChild(QDialog, name)) is not None and d.isVisible())
    dialog = w.findChild(QDialog, name)
    g = dialog.frameGeometry()
    assert g.width() <= 1366 and g.height() <= 768
    return dialog


def runs_table(qtbot, w, rows: int) -> QTableView:
    table = find(w, QTableView, "runsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == rows, timeout=20_000)
    return table


def column(table: QTableView, title: str) -> int:
    m = table.model()
    heads = [m.headerData(i, Qt.Orientation.Horizontal) for i in range(m.columnCount())]
    return heads.index(title)


def test_repeat_over_seeds_shows_one_group_row_with_mean_and_sd_and_a_band(qtbot, make_main_window):
    w = make_main_window(TINY)
    dialog = open_dialog(qtbot, w, "actionRepeat", "repeatDialog")
    assert find(dialog, QRadioButton, "repeatSeedsRadio").isChecked()
    spin = find(dialog, QSpinBox, "repeatCountSpin")
    spin.setValue(3)
    click(qtbot, find(dialog, QPushButton, "repeatStartButton"))
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    group = w.variants.last
    assert [p.train.seed for p in group.projects] == [0, 1, 2]
    assert "±" in w.statusBar().currentMessage()

    table = runs_table(qtbot, w, rows=4)  # the group's row and its 3 runs
    model = table.model()
    rows = [model.mapToSource(model.index(i, 0)).row() for i in range(4)]
    source = model.sourceModel()
    group_rows = [r for r in rows if is_group_row(source.run_at(r))]
    assert len(group_rows) == 1
    row = group_rows[0]
    tests = [r.test_metrics["accuracy"] for r in group.results]
    test_text = source.index(row, column(table, "Test")).data()
    assert test_text == f"{np.mean(tests):.4f} ± {np.std(tests, ddof=1):.4f}"
    best_text = source.index(row, column(table, "Best val (epoch)")).data()
    assert "±" in best_text

    # Ticking the group draws its band: mean ± sd of the members' validation loss.
    source.setData(
        source.index(row, SHOW), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    bands = w.recorded_runs.bands
    group_id = source.run_at(row).id
    qtbot.waitUntil(lambda: group_id in bands.shown)
    x, lower, mean, upper = bands.band_data(group_id, "loss")
    losses = np.array([[e["val_loss"] for e in r.history.epochs] for r in group.results])
    np.testing.assert_allclose(mean, losses.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(upper - mean, losses.std(axis=0, ddof=1), atol=1e-9)
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert any("mean ± sd" in n for n in w.runs_panel.curves.legend_names())


def test_repeat_over_folds_records_one_fold_run_each_and_deletes_as_a_group(
    qtbot, make_main_window, monkeypatch
):
    w = make_main_window(TINY)
    dialog = open_dialog(qtbot, w, "actionRepeat", "repeatDialog")
    click(qtbot, find(dialog, QRadioButton, "repeatFoldsRadio"))
    find(dialog, QSpinBox, "repeatCountSpin").setValue(2)
    click(qtbot, find(dialog, QPushButton, "repeatStartButton"))
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    table = runs_table(qtbot, w, rows=3)
    store = RunStore.default()
    assert sorted(r.kind for r in store.list_runs()) == ["fold", "fold"]
    # Deleting the group's row deletes its runs.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    proxy = table.model()
    row = next(
        i
        for i in range(proxy.rowCount())
        if is_group_row(proxy.sourceModel().run_at(proxy.mapToSource(proxy.index(i, 0)).row()))
    )
    rect = table.visualRect(proxy.index(row, column(table, "Name")))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(qtbot, find(w, QToolButton, "runsDelete"))
    qtbot.waitUntil(lambda: store.list_runs() == [] and proxy.rowCount() == 0, timeout=10_000)


def test_baselines_land_in_the_runs_table(qtbot, make_main_window):
    w = make_main_window(TINY)
    w.actions["actionBaselines"].trigger()
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    runs_table(qtbot, w, rows=2)
    runs = RunStore.default().list_runs()
    assert sorted(r.kind for r in runs) == ["baseline", "baseline"]
    by_name = {r.name.split(" (")[0]: r for r in runs}
    assert set(by_name) == {"logistic regression", "gradient-boosted trees"}
    for result in w.variants.last:
        assert by_name[result.name].test_value == pytest.approx(result.test_metric)
    assert "logistic regression test accuracy" in w.statusBar().currentMessage()


def test_a_race_overlays_live_curves_and_records_each_variant(qtbot, make_main_window):
    w = make_main_window(TINY)
    dialog = open_dialog(qtbot, w, "actionRace", "raceDialog")
    values = find(dialog, QLineEdit, "raceValuesEdit")
    assert values.text() == "0.001, 0.003, 0.01, 0.03"  # suggested around the project's lr
    values.setText("0.003, 0.03")
    click(qtbot, find(dialog, QPushButton, "raceStartButton"))
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    window = find(w, QDialog, "raceWindow")
    assert window.isVisible()
    names = [label.text for _s, label in window.loss_plot.getPlotItem().legend.items]
    assert names == ["lr=0.003", "lr=0.03"]
    for curve in window.curves["val_loss"]:
        x, y = curve.getData()
        assert x.tolist() == [1.0, 2.0, 3.0] and np.isfinite(y).all()
    assert "vectorised" in find(window, QLabel, "raceStatusLabel").text()
    runs_table(qtbot, w, rows=2)
    runs = RunStore.default().list_runs()
    assert sorted(r.name for r in runs) == ["lr=0.003", "lr=0.03"]
    assert {r.kind for r in runs} == {"race"} and len({r.group_id for r in runs}) == 1
    click(qtbot, find(window, QPushButton, "raceCloseButton"))


def test_a_bad_race_value_keeps_the_dialog_open_with_the_reason(qtbot, make_main_window):
    w = make_main_window(TINY)
    dialog = open_dialog(qtbot, w, "actionRace", "raceDialog")
    find(dialog, QLineEdit, "raceValuesEdit").setText("0.01")
    click(qtbot, find(dialog, QPushButton, "raceStartButton"))
    assert dialog.isVisible()
    assert "2 to 4 values" in find(dialog, QLabel, "raceProblemLabel").text()
    find(dialog, QLineEdit, "raceValuesEdit").setText("-1, 0.1")
    click(qtbot, find(dialog, QPushButton, "raceStartButton"))
    assert "train.lr" in find(dialog, QLabel, "raceProblemLabel").text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert w.variants.last is None


@pytest.mark.parametrize("action", ["actionRepeat", "actionBaselines", "actionRace"])
def test_the_variant_actions_wait_for_a_live_run_and_for_each_other(action):
    class S:
        project, model, problem = TINY, None, ""

    assert enablement(RunState.IDLE, frozenset(), S())[action]
    assert not enablement(RunState.RUNNING, frozenset(), S())[action]
    assert not enablement(RunState.IDLE, frozenset({"variants"}), S())[action]


def test_a_table_project_is_read_first_then_its_baselines_and_folds_run(
    qtbot, make_main_window, tmp_path
):
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import load_project_data, table_project

    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{int(a + b > 0)}" for a, b in rng.standard_normal((200, 2))]
    (tmp_path / "t.csv").write_text("a,b,label\n" + "\n".join(rows) + "\n")
    spec = TableSpec(path=str(tmp_path / "t.csv"), target="label")
    base = table_project(spec).with_overrides(["train.batch_size=16", "train.epochs=2"])
    project, data = load_project_data(base)
    w = make_main_window(project)
    w.actions["actionBaselines"].trigger()
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    # the same rows as the network: the table's test split, as prepared for a run
    assert len(w.variants.last) == 2
    logistic = w.variants.last[0]
    from sklearn.linear_model import LogisticRegression

    direct = LogisticRegression(max_iter=1000).fit(data.x_train, data.y_train)
    assert logistic.test_metric == pytest.approx(direct.score(data.x_test, data.y_test))
    w.variants.last = None
    dialog = open_dialog(qtbot, w, "actionRepeat", "repeatDialog")
    click(qtbot, find(dialog, QRadioButton, "repeatFoldsRadio"))
    find(dialog, QSpinBox, "repeatCountSpin").setValue(2)
    click(qtbot, find(dialog, QPushButton, "repeatStartButton"))
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    assert w.variants.last.summary.n_runs == 2


def test_stop_ends_a_race_and_its_variants_are_kept_as_stopped(qtbot, make_main_window):
    long = TINY.model_copy(update={"train": TINY.train.model_copy(update={"epochs": 100_000})})
    w = make_main_window(long)
    dialog = open_dialog(qtbot, w, "actionRace", "raceDialog")
    find(dialog, QLineEdit, "raceValuesEdit").setText("0.003, 0.03")
    click(qtbot, find(dialog, QPushButton, "raceStartButton"))
    window = w.findChild(QDialog, "raceWindow")
    qtbot.waitUntil(
        lambda: (
            window.curves["val_loss"][1].getData()[0] is not None
            and len(window.curves["val_loss"][1].getData()[0]) >= 2
        ),
        timeout=30_000,
    )
    assert not w.actions["actionRace"].isEnabled()  # one group at a time
    click(qtbot, find(window, QPushButton, "raceStopButton"))
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=30_000)
    race = w.variants.last
    assert [r.stop_reason for r in race.results] == ["user", "user"]
    assert all(2 <= r.epochs_run < 100_000 for r in race.results)
    assert not find(window, QPushButton, "raceStopButton").isEnabled()
    qtbot.waitUntil(lambda: w.actions["actionRace"].isEnabled())


def test_cancel_ends_a_repeat_after_the_member_it_stopped(qtbot, make_main_window):
    from PySide6.QtWidgets import QProgressDialog

    long = TINY.model_copy(update={"train": TINY.train.model_copy(update={"epochs": 100_000})})
    w = make_main_window(long)
    dialog = open_dialog(qtbot, w, "actionRepeat", "repeatDialog")
    find(dialog, QSpinBox, "repeatCountSpin").setValue(3)
    click(qtbot, find(dialog, QPushButton, "repeatStartButton"))
    progress = w.findChild(QProgressDialog, "variantsProgress")
    qtbot.waitUntil(lambda: progress.isVisible(), timeout=30_000)
    store = RunStore.default()
    qtbot.waitUntil(lambda: store.list_runs() != [], timeout=30_000)  # the first member runs
    click(qtbot, progress.findChild(QPushButton))
    qtbot.waitUntil(lambda: "Cancelled" in w.statusBar().currentMessage(), timeout=30_000)
    store.flush()
    runs = store.list_runs()
    assert [(r.kind, r.status) for r in runs] == [("repeat", "stopped")]  # one of three
    assert w.variants.last is None
    qtbot.waitUntil(lambda: w.actions["actionRepeat"].isEnabled())


def test_a_race_of_different_layers_runs_them_one_after_another(qtbot, make_main_window):
    w = make_main_window(TINY)
    dialog = open_dialog(qtbot, w, "actionRace", "raceDialog")
    combo = dialog.findChild(QWidget, "raceFieldCombo")
    combo.setCurrentIndex(combo.findData("model.hidden.0.units"))
    assert find(dialog, QLineEdit, "raceValuesEdit").text() == "2, 4, 8"  # around 4 units
    click(qtbot, find(dialog, QPushButton, "raceStartButton"))
    qtbot.waitUntil(lambda: w.variants.last is not None, timeout=60_000)
    race = w.variants.last
    assert not race.vectorised and race.labels == [
        "model.hidden.0.units=2",
        "model.hidden.0.units=4",
        "model.hidden.0.units=8",
    ]
    window = find(w, QDialog, "raceWindow")
    assert "one after another" in find(window, QLabel, "raceStatusLabel").text()
    for curve in window.curves["val_metric"]:
        assert curve.getData()[0].tolist() == [1.0, 2.0, 3.0]
