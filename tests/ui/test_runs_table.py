"""The runs table model: differences-only columns, sorting with gaps, the text filter."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.runs.compare import curve_label, differing_keys, flatten_settings
from desktop_app.core.runs.records import RunSummary
from desktop_app.core.specs.project import Project
from desktop_app.ui.runs_table import RunsFilterProxy, RunsTableModel


def run(i: int, *sets: str, best: float | None = 0.5, **fields) -> RunSummary:
    project = Project().with_overrides(list(sets))
    return RunSummary(
        id=i,
        project_data=project.model_dump(mode="json"),
        metric_name="accuracy",
        best_value=best,
        best_epoch=3 if best is not None else None,
        **fields,
    )


def headers(model) -> list[str]:
    h = Qt.Orientation.Horizontal
    return [model.headerData(c, h) for c in range(model.columnCount())]


def setting_headers(model) -> list[str]:
    return [h for i, h in enumerate(headers(model)) if model.fixed(i) is None]


def column(model, name: str) -> list[str]:
    c = headers(model).index(name)
    return [model.data(model.index(r, c)) for r in range(model.rowCount())]


RUNS = [
    run(3, "train.lr=0.1", "model.hidden.0.units=32", best=0.9),
    run(2, "train.lr=0.01", "model.hidden.0.units=32", best=None),
    run(1, "train.lr=0.01", best=0.7, name="first"),
]


def test_differences_only_shows_the_settings_that_differ_between_the_runs_shown():
    model = RunsTableModel()
    proxy = RunsFilterProxy()
    proxy.setSourceModel(model)
    model.set_runs(RUNS)
    assert setting_headers(model) == ["units", "lr"]  # model before training, as projects list them
    assert column(model, "lr") == ["0.1", "0.01", "0.01"]
    proxy.set_text("units=32")  # runs 3 and 2: only lr differs between them
    assert proxy.rowCount() == 2
    assert setting_headers(model) == ["lr"]
    proxy.set_text("lr=0.01 units=32")
    assert proxy.rowCount() == 1 and setting_headers(model) == []
    proxy.set_text("adam")  # a setting every run shares matches every run
    assert proxy.rowCount() == 3
    model.set_differences_only(False)
    every = headers(model)
    assert {"optimizer", "epochs", "lr", "units", "dataset"} <= set(every)


def test_sorting_by_best_value_puts_runs_without_one_last_either_way():
    model = RunsTableModel()
    model.set_runs(RUNS)
    best = headers(model).index("Best val (epoch)")
    model.sort(best, Qt.SortOrder.DescendingOrder)
    assert [r.id for r in model.runs] == [3, 1, 2]
    assert column(model, "Best val (epoch)") == ["0.9000 (3)", "0.7000 (3)", "—"]
    model.sort(best, Qt.SortOrder.AscendingOrder)
    assert [r.id for r in model.runs] == [1, 3, 2]
    model.sort(headers(model).index("Name"), Qt.SortOrder.AscendingOrder)
    assert column(model, "Name") == ["first", "run 2", "run 3"]


def test_ticks_and_edits_are_kept_by_id_across_a_sort():
    model = RunsTableModel()
    model.set_runs(RUNS)
    edits = []
    model.edited.connect(lambda *a: edits.append(a))
    model.setData(model.index(2, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    model.setData(model.index(0, 2), "  wide  ", Qt.ItemDataRole.EditRole)
    assert model.checked == {1} and edits == [(3, "name", "wide")]
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.data(model.index(2, 2)) == "wide"


def test_a_missing_layer_counts_as_a_difference_and_labels_say_what_differs():
    a = flatten_settings(Project().model_dump(mode="json"))
    b = flatten_settings(
        Project().with_overrides(["train.lr=0.1"]).model_dump(mode="json")
        | {"model.hidden.1.units": 4}
    )
    keys = differing_keys([a, b])
    assert keys == ["model.hidden.1.units", "train.lr"]
    assert curve_label("run 2", b, keys) == "run 2 · units=4 · lr=0.1"
    assert curve_label("run 1", a, keys) == "run 1 · units=— · lr=0.01"
    assert differing_keys([a, a]) == [] and curve_label("run 1", a, []) == "run 1"


def test_a_curve_label_does_not_repeat_what_the_run_name_says():
    a = flatten_settings(Project().with_overrides(["train.lr=0.03"]).model_dump(mode="json"))
    b = flatten_settings(
        Project()
        .with_overrides(["train.lr=0.01", "model.hidden.0.units=4"])
        .model_dump(mode="json")
    )
    keys = differing_keys([a, b])
    assert curve_label("lr=0.03", a, keys) == "lr=0.03 · units=10"
