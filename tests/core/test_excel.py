"""Excel workbooks (.xlsx) import exactly like the same table written as CSV."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from desktop_app.core.errors import DataError
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.tabular import detect, excel
from desktop_app.core.tabular.detect import Cancelled, TableChangedError
from desktop_app.core.tabular.prepare import load_project_data
from desktop_app.core.tabular.raw_rows import transform_raw
from desktop_app.core.tabular.reader import (
    file_sha256,
    load_table,
    preview_table,
    read_rows_for_prediction,
)

HEADER = ["age", "height", "colour", "smoker", "species"]


def table_rows(n: int = 80, gaps: bool = False, seed: int = 1) -> list[list]:
    """Python values as a workbook holds them: ints, floats, text, booleans, None."""
    rng = np.random.default_rng(seed)
    colours = ["red", "green", "blue"]
    rows = []
    for i in range(n):
        age = int(rng.integers(18, 80))
        height = round(float(rng.normal(1.7, 0.1)), 3)
        if gaps and i % 7 == 3:
            height = None
        if gaps and i % 11 == 5:
            age = None
        rows.append([age, height, colours[i % 3], bool(i % 2), ["cat", "dog"][i % 4 == 0]])
    return rows


def write_xlsx(path: Path, rows: list[list], header=HEADER, sheets=()) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    for name in sheets:
        book.create_sheet(name)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], header=HEADER) -> Path:
    def cell(v):
        if v is None:
            return ""
        return ("yes" if v else "no") if isinstance(v, bool) else v

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows([[cell(v) for v in r] for r in rows])
    return path


def project_for(spec: TableSpec, **train) -> Project:
    train = {"batch_size": 8, "epochs": 2, "early_stopping": False, **train}
    return Project(
        name="table", data=DataSpec(dataset="table", table=spec), train=TrainSpec(**train)
    )


def both(tmp_path, rows, **spec):
    """The same table as .xlsx and as .csv, each loaded and prepared."""
    out = []
    for path in (write_xlsx(tmp_path / "t.xlsx", rows), write_csv(tmp_path / "t.csv", rows)):
        project, data = load_project_data(project_for(TableSpec(path=str(path), **spec)))
        out.append((project, data))
    return out


# ------------------------------------------------------------------ same as CSV
@pytest.mark.parametrize(
    ("spec", "task", "classes"),
    [
        ({"target": "species"}, "binary", ["cat", "dog"]),  # text target, mixed features
        ({"target": "colour"}, "multiclass", ["blue", "green", "red"]),
        ({"target": "height", "missing": "mean"}, "regression", []),  # gaps in age only
        ({"target": "species", "missing": "median"}, "binary", ["cat", "dog"]),
    ],
)
def test_a_workbook_prepares_exactly_like_the_same_csv(tmp_path, spec, task, classes):
    rows = table_rows(gaps=True)
    if spec["target"] == "height":
        rows = [[r[0], 1.7 if r[1] is None else r[1], *r[2:]] for r in rows]
    (xp, xd), (cp, cd) = both(tmp_path, rows, **spec)
    assert xp.data.table.inferred_task == cp.data.table.inferred_task == task
    assert xd.prep.class_names == cd.prep.class_names == classes
    assert xd.prep.feature_names == cd.prep.feature_names
    for part in ("x_train", "x_val", "x_test", "y_train", "y_val", "y_test"):
        a, b = getattr(xd, part), getattr(cd, part)
        assert a.shape == b.shape and np.array_equal(a, b), part
    t = xp.data.table
    assert (t.n_rows, t.n_inputs, t.n_classes) == (
        cp.data.table.n_rows,
        cp.data.table.n_inputs,
        cp.data.table.n_classes,
    )
    assert t.delimiter is None and t.encoding is None and t.header is True
    assert t.sha256 == file_sha256(tmp_path / "t.xlsx")


def test_preview_shows_kinds_rows_and_the_sheet_read(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", table_rows(n=30, gaps=True), sheets=["notes"])
    pv = preview_table(path)
    assert [(c.name, c.kind) for c in pv.columns] == [
        ("age", "numeric"),
        ("height", "numeric"),
        ("colour", "categorical"),
        ("smoker", "boolean"),
        ("species", "categorical"),
    ]
    assert pv.header and pv.complete and pv.estimated_rows == 30 and len(pv.rows) == 30
    assert pv.sheet == "Data" and pv.sheets == ["Data", "notes"]
    assert pv.delimiter == "" and pv.encoding == ""
    assert pv.rows[0][3] in ("true", "false")
    assert pv.infer_task("species") == "binary"
    spec = pv.make_spec("species")
    assert spec.delimiter is None and spec.encoding is None
    notes: list[str] = []
    load_project_data(project_for(spec), notes=notes)
    assert any("first worksheet, 'Data'" in n and "'notes'" in n for n in notes), notes


def test_dates_formulas_errors_and_blank_rows(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["when", "x", "calc", "y"])
    for i in range(12):
        ws.append([datetime.date(2024, 1, 1 + i % 3), i * 0.5, f"=B{i + 2}*2", i % 2])
    ws.append([])  # a blank row is skipped
    ws.append([datetime.date(2024, 1, 2), "#DIV/0!", 1, 0])  # an error value: an empty cell
    book.save(tmp_path / "d.xlsx")
    pv = preview_table(tmp_path / "d.xlsx")
    kinds = {c.name: c.kind for c in pv.columns}
    # Dates are ISO text (a few distinct: categories); a formula never calculated (as
    # openpyxl writes it) has no saved value, so its cells are empty.
    assert kinds["when"] == "categorical" and pv.rows[0][0] == "2024-01-01"
    assert pv.columns[2].n_missing == 12
    assert pv.columns[1].n_missing == 1
    raw = load_table(pv.make_spec("y", features=["when", "x"]))
    assert raw.n_rows == 13 and raw.lines[-1] == 15  # worksheet row numbers
    assert raw.categories["when"] == ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_a_model_trained_on_a_workbook_predicts_raw_rows(tmp_path):
    from desktop_app.core.engine import Trainer

    rows = table_rows(n=80)
    path = write_xlsx(tmp_path / "t.xlsx", rows)
    project, data = load_project_data(project_for(TableSpec(path=str(path), target="species")))
    assert Trainer(project, data=data).fit().epochs_run == 2
    prep = Preprocessing.from_dict(json.loads(json.dumps(data.prep.to_dict())))
    typed = [dict(zip(HEADER[:4], r[:4])) for r in rows]
    x_raw = transform_raw(prep, typed)
    assert x_raw.shape == (80, prep.n_features)
    assert np.allclose(transform_raw(prep, read_rows_for_prediction(path, prep)), x_raw, atol=1e-6)


# ------------------------------------------------------------------ projects
def test_project_round_trip_and_a_changed_workbook_is_reported(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", table_rows())
    project, _ = load_project_data(project_for(preview_table(path).make_spec("species")))
    file = tmp_path / "p.json"
    file.write_text(project.to_json(file))
    assert json.loads(file.read_text())["data"]["table"]["path"] == "t.xlsx"
    again = Project.load(file)
    assert again == project
    load_project_data(again)  # unchanged: loads
    write_xlsx(path, table_rows(seed=2))
    with pytest.raises(TableChangedError) as info:
        load_project_data(again)
    assert str(path) in str(info.value) and "has changed since it was imported" in str(info.value)
    updated, _ = load_project_data(again, accept_changed=True)
    assert updated.data.table.sha256 == file_sha256(path) != project.data.table.sha256


# ------------------------------------------------------------------ progress and cancel
def test_progress_rises_to_one_and_cancel_stops(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "CHUNK_CELLS", 100)
    monkeypatch.setattr(detect, "DETECT_ROWS", 50)
    path = write_xlsx(tmp_path / "t.xlsx", table_rows(n=400))
    seen: list[float] = []
    load_table(TableSpec(path=str(path), target="species"), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 5  # 100-row steps
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        load_table(TableSpec(path=str(path), target="species"), cancel=cancel)


# ------------------------------------------------------------------ bad files
def _encrypted(path: Path) -> None:
    # Excel saves a password-protected workbook as an OLE container, not a zip.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)


@pytest.mark.parametrize(
    ("name", "make", "fragments"),
    [
        ("empty.xlsx", lambda p: write_xlsx(p, [], header=None), ["is empty", "first worksheet"]),
        ("head.xlsx", lambda p: write_xlsx(p, []), ["header row", "no data rows", "'Data'"]),
        ("junk.xlsx", lambda p: p.write_bytes(b"PK\x03\x04garbage" * 10), ["Excel", ".xlsx"]),
        ("text.xlsx", lambda p: p.write_text("a,b\n1,2\n"), ["Excel workbook", "damaged"]),
        ("locked.xlsx", _encrypted, ["password-protected", "Remove the password"]),
        ("old.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100), [".xls", ".xlsx"]),
        ("data.parquet", lambda p: p.write_bytes(b"PAR1"), ["Parquet", "does not read", "CSV"]),
        ("data.ods", lambda p: p.write_bytes(b"PK"), ["OpenDocument", ".xlsx"]),
    ],
)
def test_bad_workbooks_get_a_message_naming_the_file_and_the_fix(tmp_path, name, make, fragments):
    path = tmp_path / name
    make(path)
    for call in (
        lambda: preview_table(path),
        lambda: load_project_data(project_for(TableSpec(path=str(path), target="y"))),
    ):
        with pytest.raises(DataError) as info:
            call()
        message = str(info.value)
        assert str(path) in message
        for fragment in fragments:
            assert fragment.lower() in message.lower(), message


def test_bad_values_name_the_worksheet_row(tmp_path, monkeypatch):
    monkeypatch.setattr(detect, "DETECT_ROWS", 10)
    rows = [[i, i % 2] for i in range(30)] + [["six", 0]]
    path = write_xlsx(tmp_path / "w.xlsx", rows, header=["a", "y"])
    with pytest.raises(DataError) as info:
        load_table(TableSpec(path=str(path), target="y"))
    assert "column 'a' holds numbers, but row 32 has 'six'" in str(info.value)
    rows = [[i, i % 2] for i in range(10)] + [[1, None]]
    path = write_xlsx(tmp_path / "t.xlsx", rows, header=["a", "y"])
    with pytest.raises(DataError, match=r"target column 'y' is empty on 1 row\(s\) \(row 12\)"):
        load_project_data(project_for(TableSpec(path=str(path), target="y")))
    ws_rows = [[1, 0], [2, 1], [3, 0, None, 9]]
    path = write_xlsx(tmp_path / "r.xlsx", ws_rows * 4, header=["a", "y"])
    monkeypatch.setattr(detect, "DETECT_ROWS", 2)
    with pytest.raises(DataError, match="row 4 has a value in column D"):
        load_table(TableSpec(path=str(path), target="y"))


# ------------------------------------------------------------------ command line
def test_cli_trains_on_a_workbook(tmp_path, capsys):
    from desktop_app.cli.main import run_cli

    path = write_xlsx(tmp_path / "t.xlsx", table_rows(n=80, gaps=True))
    fast = ["--set", "train.epochs=2", "--set", "train.batch_size=16"]
    args = ["train", "--data", str(path), "--target", "species", "--quiet", "--json"]
    assert run_cli([*args, "--missing", "median", *fast]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["task"] == "binary" and summary["epochs_run"] == 2
    assert run_cli([*args, "--delimiter", "comma"]) == 2
    assert "--delimiter does not apply to an Excel workbook" in capsys.readouterr().err
    old = tmp_path / "t.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert run_cli(["train", "--data", str(old), "--target", "y", "--quiet"]) == 2
    assert "save it as an Excel workbook (.xlsx)" in capsys.readouterr().err


def test_odyssey_predict_reads_a_workbook_of_rows(tmp_path, capsys):
    """A model trained on a table predicts the rows of a workbook laid out like it (the
    target column may be there or not), the same as from the same rows as CSV."""
    from desktop_app.cli.main import run_cli

    rows = table_rows(n=80)
    train_path = write_xlsx(tmp_path / "t.xlsx", rows)
    model = tmp_path / "m.safetensors"
    args = ["train", "--data", str(train_path), "--target", "species", "--quiet"]
    assert run_cli([*args, "--set", "train.epochs=2", "--save", str(model)]) == 0
    capsys.readouterr()
    new_rows = [r[:4] for r in rows[:10]]
    as_xlsx = write_xlsx(tmp_path / "new.xlsx", new_rows, header=HEADER[:4])
    as_csv = write_csv(tmp_path / "new.csv", new_rows, header=HEADER[:4])
    outputs = []
    for src in (as_xlsx, as_csv):
        out = tmp_path / f"{src.stem}-{src.suffix[1:]}-out.csv"
        assert run_cli(["predict", str(model), str(src), "-o", str(out)]) == 0, capsys.readouterr()
        outputs.append(list(csv.DictReader(out.open())))
    predicted = [[{k: v for k, v in r.items() if k not in HEADER} for r in o] for o in outputs]
    assert len(predicted[0]) == 10 and predicted[0] == predicted[1]
    assert set(predicted[0][0]) == {"predicted", "probability cat", "probability dog"}
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip at all")
    capsys.readouterr()
    assert run_cli(["predict", str(model), str(broken)]) != 0
    assert "cannot be read as an Excel workbook" in capsys.readouterr().err
