"""Users' own tables: detection, import, preparation, bad files, projects, raw-row prediction."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.errors import DataError, SpecError
from desktop_app.core.prepared import Preprocessing, split_indices
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.tabular import columns, detect
from desktop_app.core.tabular.detect import Cancelled, TableChangedError
from desktop_app.core.tabular.prepare import load_project_data, table_project
from desktop_app.core.tabular.raw_rows import transform_raw
from desktop_app.core.tabular.reader import (
    file_sha256,
    load_table,
    preview_table,
    read_rows_for_prediction,
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def numeric_csv(path: Path, n: int = 60, sep: str = ",", seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = [sep.join(["x1", "x2", "x3", "y"])]
    for _ in range(n):
        x = rng.normal(size=3)
        lines.append(sep.join([f"{v:.4f}" for v in x] + [str(int(x[0] + x[1] > 0))]))
    return write(path, "\n".join(lines) + "\n")


def mixed_csv(path: Path, n: int = 60, gaps: bool = False) -> Path:
    rng = np.random.default_rng(1)
    colours = ["red", "green", "blue"]
    lines = ["age,height,colour,smoker,species"]
    for i in range(n):
        age = str(int(rng.integers(18, 80)))
        height = f"{rng.normal(1.7, 0.1):.3f}"
        if gaps and i % 7 == 3:
            height = ""
        if gaps and i % 11 == 5:
            age = "NA"
        lines.append(
            ",".join(
                [age, height, colours[i % 3], "yes" if i % 2 else "no", ["cat", "dog"][i % 4 == 0]]
            )
        )
    return write(path, "\n".join(lines) + "\n")


@pytest.fixture
def small_blocks(monkeypatch):
    """Read in blocks of a few lines and keep rows in blocks of about 40: the paths a
    million-row file takes, on a small one."""
    monkeypatch.setattr(columns, "CHUNK_LINES", 25)
    monkeypatch.setattr(detect, "DETECT_ROWS", 20)
    monkeypatch.setattr(columns, "SEGMENT_BYTES", 4 * 5 * 40)


def project_for(spec: TableSpec, **train) -> Project:
    train = {"batch_size": 8, "epochs": 3, "early_stopping": False, **train}
    return Project(
        name="table", data=DataSpec(dataset="table", table=spec), train=TrainSpec(**train)
    )


# ------------------------------------------------------------------ detection and import
def test_numeric_table_imports_with_shapes_and_binary_task(tmp_path):
    path = numeric_csv(tmp_path / "num.csv", n=60)
    pv = preview_table(path)
    assert (pv.delimiter, pv.encoding, pv.header) == (",", "utf-8", True)
    assert pv.column_names == ["x1", "x2", "x3", "y"]
    assert [c.kind for c in pv.columns] == ["numeric"] * 4
    assert pv.default_target == "y" and pv.infer_task("y") == "binary"
    assert pv.infer_task("x1") == "regression"
    assert len(pv.rows) == 60 and pv.estimated_rows == 60 and pv.complete

    project, d = load_project_data(project_for(pv.make_spec("y")))
    assert d.task == "binary" and d.prep.feature_names == ["x1", "x2", "x3"]
    assert len(d.x_train) + len(d.x_val) + len(d.x_test) == 60
    assert d.x_train.shape[1] == 3 and d.x_train.dtype == np.float32
    assert np.allclose(d.x_train.mean(axis=0), 0, atol=1e-5)  # scaled on the training split
    t = project.data.table
    assert (t.n_rows, t.n_inputs, t.n_classes, t.inferred_task) == (60, 3, 2, "binary")
    assert len(t.sha256) == 64 and project.task == "binary" and project.loss == "bce"


def test_categories_become_one_hot_inputs_and_text_target_keeps_class_names(tmp_path):
    path = mixed_csv(tmp_path / "mixed.csv", n=60)
    pv = preview_table(path)
    kinds = {c.name: c.kind for c in pv.columns}
    assert kinds == {
        "age": "numeric",
        "height": "numeric",
        "colour": "categorical",
        "smoker": "boolean",
        "species": "categorical",
    }
    _, d = load_project_data(project_for(pv.make_spec("species")))
    assert d.prep.feature_names == [
        "age",
        "height",
        "colour=blue",
        "colour=green",
        "colour=red",
        "smoker",
    ]
    assert d.prep.class_names == ["cat", "dog"] and d.task == "binary"
    kinds = [(c.name, c.kind, c.categories) for c in d.prep.raw_columns]
    assert kinds[2] == ("colour", "categorical", ["blue", "green", "red"])
    assert kinds[3] == ("smoker", "boolean", [])


def test_text_target_with_three_values_is_multiclass(tmp_path):
    rows = ["a,b,kind"] + [f"{i},{i % 5},{['x', 'y', 'z'][i % 3]}" for i in range(30)]
    path = write(tmp_path / "t.csv", "\n".join(rows))
    _, d = load_project_data(project_for(TableSpec(path=str(path), target="kind")))
    assert d.task == "multiclass" and d.prep.class_names == ["x", "y", "z"]
    assert sorted(np.unique(d.y_train)) == [0, 1, 2]


def test_few_integer_targets_are_multiclass_and_floats_regression(tmp_path):
    rows = ["a,grade,price"] + [f"{i},{i % 4 + 3},{i * 1.37:.2f}" for i in range(40)]
    path = write(tmp_path / "t.csv", "\n".join(rows))
    pv = preview_table(path)
    assert pv.infer_task("grade") == "multiclass" and pv.infer_task("price") == "regression"
    _, d = load_project_data(project_for(TableSpec(path=str(path), target="grade")))
    assert d.prep.class_names == ["3", "4", "5", "6"]
    _, d = load_project_data(project_for(TableSpec(path=str(path), target="price")))
    assert d.task == "regression" and d.y_train.dtype == np.float32


def test_task_override_and_its_checks(tmp_path):
    rows = ["a,grade"] + [f"{i},{i % 4}" for i in range(40)]
    path = write(tmp_path / "t.csv", "\n".join(rows))
    spec = TableSpec(path=str(path), target="grade", task="regression")
    project, d = load_project_data(project_for(spec))
    assert d.task == "regression" and project.task == "regression" and project.loss == "mse"
    with pytest.raises(DataError, match="binary task needs exactly 2"):
        load_project_data(project_for(spec.model_copy(update={"task": "binary"})))


def test_gaps_dropped_or_filled_from_training_rows(tmp_path, small_blocks):
    path = mixed_csv(tmp_path / "gaps.csv", n=77, gaps=True)
    spec = TableSpec(path=str(path), target="species")
    raw = load_table(spec)
    height = raw.columns["height"]
    n_gap_rows = int((np.isnan(height) | np.isnan(raw.columns["age"])).sum())
    assert n_gap_rows > 10
    project, d = load_project_data(project_for(spec))
    assert project.data.table.n_rows == 77 - n_gap_rows
    assert len(d.x_train) + len(d.x_val) + len(d.x_test) == 77 - n_gap_rows

    for policy in ("mean", "median", "most_frequent"):
        spec_fill = spec.model_copy(update={"missing": policy})
        project, d = load_project_data(project_for(spec_fill))
        assert project.data.table.n_rows == 77
        assert np.isfinite(d.x_train).all() and np.isfinite(d.x_test).all()
        fill = {c.name: c.fill for c in d.prep.raw_columns}
        raw = load_table(spec_fill)
        y = np.array([raw.categories["species"].index(v) for v in ["cat", "dog"]])[
            raw.columns["species"]
        ]
        train_idx = split_indices(y, project.data, "binary")[0]
        h = raw.columns["height"][train_idx]
        h = h[~np.isnan(h)]
        expected = {"mean": h.mean(dtype=np.float64), "median": np.median(h)}.get(policy)
        if expected is not None:
            assert fill["height"] == pytest.approx(expected, rel=1e-6)
        assert fill["colour"] in ("red", "green", "blue")


def test_semicolon_tab_and_pipe_separated_files(tmp_path):
    for sep, name in ((";", "semi.csv"), ("\t", "tab.tsv"), ("|", "pipe.txt")):
        path = numeric_csv(tmp_path / name, sep=sep)
        pv = preview_table(path)
        assert pv.delimiter == sep and pv.column_names == ["x1", "x2", "x3", "y"]
        raw = load_table(TableSpec(path=str(path), target="y"))
        assert raw.n_rows == 60 and raw.spec.delimiter == sep


def test_latin1_file_is_detected_reported_and_decoded(tmp_path):
    rows = ["ville,température,café"] + [
        f"{['Orléans', 'Besançon', 'Nîmes'][i % 3]},{i * 0.5},{['oui', 'non'][i % 2]}"
        for i in range(30)
    ]
    path = write(tmp_path / "fr.csv", "\n".join(rows), encoding="latin-1")
    pv = preview_table(path)
    assert pv.encoding == "cp1252" and "not valid UTF-8" in pv.encoding_note
    assert pv.column_names == ["ville", "température", "café"]
    raw = load_table(TableSpec(path=str(path), target="café"))
    assert raw.spec.encoding == "cp1252"
    assert raw.categories["ville"] == ["Besançon", "Nîmes", "Orléans"]


def test_utf8_bom_and_no_header(tmp_path):
    path = write(tmp_path / "bom.csv", "\ufeffa,b\n1,2\n3,4\n5,6\n", encoding="utf-8")
    pv = preview_table(path)
    assert pv.encoding == "utf-8-sig" and pv.column_names == ["a", "b"]
    path = write(tmp_path / "nohead.csv", "".join(f"{i},{i * 2},{i % 2}\n" for i in range(20)))
    pv = preview_table(path)
    assert not pv.header and pv.column_names == ["column1", "column2", "column3"]
    raw = load_table(TableSpec(path=str(path), target="column3"))
    assert raw.n_rows == 20


def test_windows_line_endings_and_ragged_rows_in_the_preview(tmp_path):
    path = write(tmp_path / "crlf.csv", "a;b;y\r\n1,5;2;0\r\n3;4;1\r\n5;6;0\r\n")
    pv = preview_table(path)
    assert pv.delimiter == ";" and pv.rows[1] == ["3", "4", "1"]
    raw = load_table(TableSpec(path=str(path), target="y", features=["b"]))
    assert raw.columns["b"].tolist() == [2, 4, 6]
    bad = write(tmp_path / "ragged.csv", "a,b,y\n1,2,0\n3,4\n")
    with pytest.raises(DataError, match="line 3 has 2 fields but the header has 3"):
        preview_table(bad)


def test_quoted_fields_with_separators_and_newlines(tmp_path):
    lines = ["id,note,v,y"] + [
        f'{i},"a, b ""{i}""\nsecond line",{i * 0.1},{i % 2}' for i in range(30)
    ]
    path = write(tmp_path / "q.csv", "\n".join(lines) + "\n")
    raw = load_table(TableSpec(path=str(path), target="y", features=["v"]))
    assert raw.n_rows == 30
    assert np.allclose(raw.columns["v"], np.arange(30) * 0.1)
    assert raw.lines[:3].tolist() == [2, 4, 6]  # each record spans two lines


def test_chunked_reading_keeps_gaps_blank_lines_and_categories_across_chunks(
    tmp_path, small_blocks
):
    lines = ["a,b,c,y"]
    for i in range(200):
        b = "NA" if i == 130 else f"{i / 7:.5f}"  # a gap in one chunk
        lines.append(f"{i},{b},{['p', 'q', 'r'][i % 3]},{i % 2}")
    lines.insert(60, "")  # a blank line inside a fast chunk
    path = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    raw = load_table(TableSpec(path=str(path), target="y"))
    assert raw.n_rows == 200 and len(raw.blocks) >= 4  # rows kept in blocks of ~40
    assert np.array_equal(raw.columns["a"], np.arange(200, dtype=np.float32))
    b = raw.columns["b"]
    assert np.isnan(b[130]) and np.isclose(b[131], 131 / 7)
    cats = raw.categories["c"]
    assert [cats[k] for k in raw.columns["c"][:4]] == ["p", "q", "r", "p"]
    assert raw.lines[58:61].tolist() == [60, 62, 63]  # line 61 is blank


# ------------------------------------------------------------------ bad files
def _bad(tmp_path, name, text, encoding="utf-8"):
    return write(tmp_path / name, text, encoding)


@pytest.mark.parametrize(
    ("name", "text", "spec", "fragments"),
    [
        ("empty.csv", "", {}, ["is empty", "header row"]),
        ("blank.csv", "\n  \n\n", {}, ["is empty"]),
        ("head.csv", "a,b,y\n", {}, ["header row (a, b, y) but no data rows"]),
        (
            "text.csv",
            "name,comment,y\n" + "".join(f"n{i},c{i} words,{i % 2}\n" for i in range(40)),
            {},
            ["no usable feature columns", "name (text)"],
        ),
        (
            "ragged.csv",
            "a,b,y\n1,2,0\n3,4,1\n5,6,7,0\n",
            {},
            ["line 4 has 4 fields", "has 3", "comma"],
        ),
        ("one.csv", "a,y\n1,k\n2,k\n3,k\n", {}, ["same value in every row", "only one class"]),
        (
            "gap.csv",
            "a,y\n1,0\n2,\n3,1\n4,NA\n5,1\n",
            {},
            ["target column 'y' is empty on 2 row(s) (line 3, 5)", "fill those cells"],
        ),
        (
            "many.csv",
            "a,y\n" + "".join(f"{i},name{i}\n" for i in range(1500)),
            {},
            ["1,500 distinct values", "too many classes", "regression"],
        ),
        ("cols.csv", "a,b,y\n1,2,0\n3,4,1\n", {"target": "Y"}, ["no target column 'Y'", "'y'"]),
        (
            "feat.csv",
            "a,b,y\n1,2,0\n3,4,1\n",
            {"features": ["a", "c"]},
            ["no feature column 'c'", "columns are 'a', 'b', 'y'"],
        ),
        ("book.xlsx", "PK\x03\x04junk", {}, ["Excel workbook", "CSV"]),
        ("zip.csv", "PK\x03\x04junk", {}, ["zip archive", "export or save it as csv"]),
        ("bin.csv", "a,b\x00\x01\x02", {}, ["binary data"]),
        (
            "split.csv",
            "a,y\n1,0\n2,0\n3,0\n4,0\n5,1\n",
            {},
            ["cannot split 5 samples", "least populated class"],
        ),
    ],
)
def test_bad_files_get_a_message_naming_the_file_and_the_fix(tmp_path, name, text, spec, fragments):
    path = _bad(tmp_path, name, text)
    spec = TableSpec(path=str(path), **{"target": "y", **spec})
    with pytest.raises(DataError) as info:
        load_project_data(project_for(spec, batch_size=1))
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message


def test_text_in_a_numeric_column_after_the_first_rows_names_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(detect, "DETECT_ROWS", 10)  # kinds come from the first rows
    text = "a,b,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(30)) + "6,six,0\n"
    path = write(tmp_path / "word.csv", text)
    with pytest.raises(DataError) as info:
        load_table(TableSpec(path=str(path), target="y"))
    assert str(path) in str(info.value)
    assert "column 'b' holds numbers, but line 32 has 'six'" in str(info.value)
    assert "mark the column categorical" in str(info.value)
    raw = load_table(TableSpec(path=str(path), target="y", column_types={"b": "categorical"}))
    assert "six" in raw.categories["b"] and raw.n_rows == 31


def test_undecodable_bytes_name_the_line(tmp_path):
    text = "a,b,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(8))
    path = write(tmp_path / "bad.csv", text.encode().decode() + "9,caf\xe9,1\n", "latin-1")
    spec = TableSpec(path=str(path), target="y", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 10 holds bytes that are not valid utf-8") as info:
        load_table(spec)
    assert "cp1252" in str(info.value) and str(path) in str(info.value)
    with pytest.raises(DataError, match="line 10"):
        preview_table(path, encoding="utf-8")


def test_file_that_vanishes_between_preview_and_load(tmp_path):
    path = numeric_csv(tmp_path / "gone.csv")
    spec = preview_table(path).make_spec("y")
    path.unlink()
    with pytest.raises(DataError, match="does not exist.*choose the file again"):
        load_table(spec)


def test_batch_size_larger_than_the_table_is_reported_at_load_with_the_usual_message(tmp_path):
    path = numeric_csv(tmp_path / "small.csv", n=30)
    project = project_for(TableSpec(path=str(path), target="y"), batch_size=64)  # validates
    with pytest.raises(SpecError, match="train.batch_size 64 is larger than the training set"):
        load_project_data(project)
    project = project_for(TableSpec(path=str(path), target="y"), loss="mse")
    with pytest.raises(SpecError, match="train.loss 'mse' does not fit the binary task"):
        load_project_data(project)


# ------------------------------------------------------------------ projects
def test_table_project_validates_without_the_file_and_names_bad_fields():
    spec = TableSpec(path="/nowhere/data.csv", target="y")
    project = project_for(spec)  # no file read
    assert project.data.task == "auto" and project.data.total_samples == 0
    with pytest.raises(SpecError, match="not known until its file is read"):
        project.loss  # noqa: B018
    with pytest.raises(SpecError, match='dataset "table" needs a table'):
        Project().with_overrides(["data.dataset=table"])
    with pytest.raises(SpecError, match="data.table.task = 'ordinal'"):
        project.with_overrides(["data.table.task=ordinal"])
    with pytest.raises(SpecError, match="'y' is also listed as a feature"):
        project.with_overrides(['data.table.features=["a", "y"]'])
    with pytest.raises(SpecError, match="encoding 'klingon' is unknown"):
        project.with_overrides(["data.table.encoding=klingon"])
    with pytest.raises(SpecError, match="data.table.colour: unknown setting"):
        Project.from_dict(
            {"data": {"dataset": "table", "table": {"path": "a", "target": "y", "colour": 1}}}
        )


def test_project_round_trip_stores_the_path_relative_to_the_project_file(tmp_path):
    data_dir, proj_dir = tmp_path / "data", tmp_path / "projects"
    data_dir.mkdir()
    proj_dir.mkdir()
    path = mixed_csv(data_dir / "animals.csv")
    spec = preview_table(path).make_spec("species", missing="median")
    project, _ = load_project_data(project_for(spec))
    file = proj_dir / "animals.json"
    file.write_text(project.to_json(file))
    stored = json.loads(file.read_text())["data"]["table"]
    assert stored["path"] == "../data/animals.csv"
    assert stored["sha256"] == project.data.table.sha256 and stored["missing"] == "median"
    again = Project.load(file)
    assert Path(again.data.table.path) == path.absolute()
    assert again == project
    # Project and data move together: the relative path still finds the table.
    moved = tmp_path / "moved"
    (tmp_path / "data").rename(tmp_path / "moved_data")
    moved.mkdir()
    (moved / "p.json").write_text(file.read_text().replace("../data/", "../moved_data/"))
    _, d = load_project_data(Project.load(moved / "p.json"))
    assert d.prep.class_names == ["cat", "dog"]


def test_saved_project_file_stores_the_table_path_relative_to_itself(tmp_path):
    from desktop_app.core.persistence.projects import load_project, save_project

    (tmp_path / "data").mkdir()
    path = mixed_csv(tmp_path / "data" / "animals.csv")
    project, _ = load_project_data(project_for(preview_table(path).make_spec("species")))
    file = tmp_path / "animals.json"
    save_project(project, file)  # what File > Save and odyssey train --save write
    assert json.loads(file.read_text())["data"]["table"]["path"] == "data/animals.csv"
    assert load_project(file) == project


def test_changed_file_is_reported_and_can_be_accepted(tmp_path):
    path = numeric_csv(tmp_path / "t.csv", seed=0)
    project, _ = load_project_data(project_for(TableSpec(path=str(path), target="y")))
    old = project.data.table.sha256
    numeric_csv(path, seed=1)
    with pytest.raises(TableChangedError) as info:
        load_project_data(project)
    assert str(path) in str(info.value) and "has changed since it was imported" in str(info.value)
    assert isinstance(info.value, DataError)
    updated, _ = load_project_data(project, accept_changed=True)
    assert updated.data.table.sha256 not in (None, old)
    assert updated.data.table.sha256 == file_sha256(path)


# ------------------------------------------------------------------ progress and cancel
def test_progress_rises_to_one_and_cancel_stops_promptly(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "CHUNK_LINES", 50)
    monkeypatch.setattr(detect, "DETECT_ROWS", 50)
    path = numeric_csv(tmp_path / "t.csv", n=1000)
    seen: list[float] = []
    load_table(TableSpec(path=str(path), target="y"), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 10

    calls: list[float] = []

    def cancel() -> bool:
        return len(calls) >= 3  # after a few progress reports

    with pytest.raises(Cancelled, match="cancelled"):
        load_table(TableSpec(path=str(path), target="y"), progress=calls.append, cancel=cancel)
    assert len(calls) == 3

    # Cancel after reading, while the rows are being encoded.
    monkeypatch.setattr(columns, "SEGMENT_BYTES", 4 * 4 * 100)
    seen.clear()
    with pytest.raises(Cancelled):
        load_project_data(
            project_for(TableSpec(path=str(path), target="y")),
            progress=seen.append,
            cancel=lambda: bool(seen) and seen[-1] > 0.9,
        )
    assert 0.9 < seen[-1] < 1.0


# ------------------------------------------------------------------ training and raw rows
def test_trained_model_predicts_raw_rows_like_prepared_rows(tmp_path, small_blocks):
    import torch

    from desktop_app.core.engine import Trainer
    from desktop_app.core.evaluation import predict_prepared

    path = mixed_csv(tmp_path / "m.csv", n=80, gaps=True)
    spec = TableSpec(path=str(path), target="species", missing="mean")
    project, data = load_project_data(project_for(spec, epochs=2))
    result = Trainer(project, data=data).fit()
    assert result.epochs_run == 2 and "accuracy" in result.test_metrics

    prep = Preprocessing.from_dict(json.loads(json.dumps(data.prep.to_dict())))
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    x_raw = transform_raw(prep, rows)
    y = np.array([prep.class_names.index(r["species"]) for r in rows])
    train_idx, val_idx, test_idx = split_indices(y, project.data, project.task)
    assert np.allclose(x_raw[train_idx], data.x_train, atol=1e-5)
    assert np.allclose(x_raw[test_idx], data.x_test, atol=1e-5)
    model = Trainer(project, data=data)
    model.setup()
    out_raw = predict_prepared(model.model, project.task, x_raw[test_idx], torch.device("cpu"))
    out_prep = predict_prepared(model.model, project.task, data.x_test, torch.device("cpu"))
    assert np.allclose(out_raw, out_prep, atol=1e-6)

    # The same rows read from the file, from columns, and one by one with numbers.
    from_file = transform_raw(prep, read_rows_for_prediction(path, prep))
    assert np.allclose(from_file, x_raw, atol=1e-6)
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    assert np.allclose(transform_raw(prep, columns), x_raw, atol=1e-6)
    typed = {"age": 40, "height": 1.8, "colour": "green", "smoker": True}
    one = transform_raw(prep, [typed])
    assert one.shape == (1, prep.n_features)
    unseen = transform_raw(prep, [{**typed, "colour": "purple"}])
    colour_cols = [i for i, n in enumerate(prep.feature_names) if n.startswith("colour=")]
    assert np.allclose(unseen[0, colour_cols], -prep.mean[colour_cols] / prep.scale[colour_cols])
    with pytest.raises(DataError, match="row 1: column 'age' needs a number, got 'old'"):
        transform_raw(prep, [{**typed, "age": "old"}])
    with pytest.raises(DataError, match="row 2 has no column 'smoker'"):
        transform_raw(prep, [typed, {"age": 1, "height": 2, "colour": "red"}])


def test_gap_in_a_raw_row_is_an_error_when_training_dropped_gaps(tmp_path):
    path = mixed_csv(tmp_path / "m.csv", n=60)
    _, data = load_project_data(project_for(TableSpec(path=str(path), target="species")))
    row = {"age": "", "height": 1.7, "colour": "red", "smoker": "no"}
    with pytest.raises(DataError, match="row 1: column 'age' is empty.*fill that cell in"):
        transform_raw(data.prep, [row])


def test_preprocessing_without_raw_columns_stays_readable():
    old = {"task": "binary", "feature_names": ["a"], "class_names": ["0", "1"], "mean": None}
    prep = Preprocessing.from_dict(old)
    assert prep.raw_columns is None and "raw" not in prep.to_dict()
    with pytest.raises(DataError, match="not trained on an imported table"):
        transform_raw(prep, [{"a": 1}])


# ------------------------------------------------------------------ command line
def test_cli_trains_on_a_table_and_on_a_table_project(tmp_path, monkeypatch, capsys):
    from desktop_app.cli.main import run_cli

    path = mixed_csv(tmp_path / "animals.csv", n=80, gaps=True)
    fast = ["--set", "train.epochs=2", "--set", "train.batch_size=16"]
    args = ["train", "--data", str(path), "--target", "species", "--quiet", "--json"]
    assert run_cli([*args, "--missing", "median", *fast]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["task"] == "binary" and summary["epochs_run"] == 2
    assert run_cli([*args, "--features", "age,colour", "--task", "multiclass", *fast]) == 0
    out, err = capsys.readouterr()
    assert "dropped" in err  # rows with gaps in age were dropped (the default)
    assert json.loads(out.strip().splitlines()[-1])["task"] == "multiclass"  # as chosen

    # A project file whose table path is relative to the project's folder, run from elsewhere.
    spec = TableSpec(path="animals.csv", target="species", missing="mean")
    project = table_project(spec).with_overrides(["train.epochs=2", "train.batch_size=16"])
    (tmp_path / "p.json").write_text(project.to_json())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run_cli(["train", str(tmp_path / "p.json"), "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["task"] == "binary"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--target", "nope"], "has no target column 'nope'"),
        ([], "name the column to predict with --target COLUMN"),
        (["--target", "species", "--delimiter", "x"], "choose comma, semicolon, tab or pipe"),
        (["--target", "species", "--type", "age=date"], "column_types.age = 'date'"),
        (["--target", "species", "--task", "regression"], "regression predicts numbers"),
    ],
)
def test_cli_table_errors_exit_2_with_the_reason(tmp_path, capsys, extra, fragment):
    from desktop_app.cli.main import run_cli

    path = mixed_csv(tmp_path / "animals.csv", n=40)
    assert run_cli(["train", "--data", str(path), "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("odyssey: error:") and fragment in err, err


def test_cli_model_trained_on_a_table_predicts_raw_rows_of_it(tmp_path, capsys):
    from desktop_app.cli.main import run_cli

    path = mixed_csv(tmp_path / "animals.csv", n=80)
    model, out = tmp_path / "m.safetensors", tmp_path / "pred.csv"
    args = ["train", "--data", str(path), "--target", "species", "--quiet"]
    assert run_cli([*args, "--set", "train.epochs=2", "--save", str(model)]) == 0
    assert "batch size lowered to 56" in capsys.readouterr().err  # 80 rows, 56 for training
    assert run_cli(["predict", str(model), str(path), "-o", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 80 and {r["predicted"] for r in rows} <= {"cat", "dog"}
    assert rows[0]["colour"] == "red"  # the raw columns are kept next to the predictions
