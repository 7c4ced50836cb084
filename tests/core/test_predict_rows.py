"""Predicting a file with a few bad rows: an empty cell takes training's fill, a row
with a value the model cannot use is reported by its line and left without a
prediction, the rest are predicted; the output never hands a spreadsheet a formula."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from desktop_app.core.engine import Trainer
from desktop_app.core.errors import FileFormatError
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.predict import predict_csv, spreadsheet_safe, write_predictions_csv
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.tabular.prepare import load_project_data


def trained(tmp_path, missing: str):
    rng = np.random.default_rng(0)
    lines = ["age,colour,smoker,y"]
    for i in range(80):
        age = int(rng.integers(18, 80))
        lines.append(f"{age},{['red', 'green'][i % 2]},{'yes' if i % 3 else 'no'},{int(age > 50)}")
    path = tmp_path / "train.csv"
    path.write_text("\n".join(lines) + "\n")
    spec = TableSpec(path=str(path), target="y", missing=missing)
    project = Project(
        data=DataSpec(dataset="table", table=spec),
        train=TrainSpec(epochs=2, batch_size=16, early_stopping=False, device="cpu"),
    )
    project, data = load_project_data(project)
    trainer = Trainer(project, data=data)
    trainer.fit()
    model = tmp_path / f"m-{missing}.safetensors"
    save_model(model, trainer)
    return load_model(model)


@pytest.mark.parametrize("missing", ["drop", "median"])
def test_bad_rows_are_reported_by_line_and_the_rest_predicted(tmp_path, missing):
    loaded = trained(tmp_path, missing)
    src = tmp_path / "new.csv"
    src.write_text("age,colour,smoker\n40,red,yes\nold,red,no\n,green,no\n60,blue,maybe\n")
    rows, result = predict_csv(loaded, src)
    assert len(result) == 4
    assert "line 3: column 'age' needs a number, got 'old'" in result.skipped[1]
    assert "line 5: column 'smoker' needs a yes/no" in result.skipped[3]
    if missing == "drop":  # training had no fill for an empty age: reported
        assert "line 4: column 'age' is empty" in result.skipped[2]
        assert sorted(result.skipped) == [1, 2, 3]
    else:  # filled the way training filled it
        assert sorted(result.skipped) == [1, 3] and result.row(2)[0] in ("0", "1")
    assert result.row(0)[0] in ("0", "1") and result.row(1) == ["", "", ""]
    assert any("row(s) not predicted" in n and "line 3" in n for n in rows.notes)
    out = tmp_path / "out.csv"
    write_predictions_csv(out, rows, result)
    with open(out, newline="") as f:
        written = list(csv.DictReader(f))
    assert [bool(r["predicted"]) for r in written] == [True, False, missing != "drop", False]
    assert "needs a number" in written[1]["problem"]


def test_a_file_with_no_usable_row_is_refused_with_the_first_reason(tmp_path):
    loaded = trained(tmp_path, "drop")
    src = tmp_path / "bad.csv"
    src.write_text("age,colour,smoker\nold,red,no\n")
    with pytest.raises(FileFormatError, match="no row can be predicted.*line 2: column 'age'"):
        predict_csv(loaded, src)


def test_cells_a_spreadsheet_would_run_are_quoted():
    cells = ["=HYPERLINK(1)", "+1+cmd", "-2+3", "@SUM(A1)", "-1.5", "+3", "\tx", "ok", ""]
    assert spreadsheet_safe(cells) == [
        "'=HYPERLINK(1)",
        "'+1+cmd",
        "'-2+3",
        "'@SUM(A1)",
        "-1.5",
        "+3",
        "'\tx",
        "ok",
        "",
    ]


def test_cli_predict_output_neutralises_formulas(tmp_path, capsys):
    from desktop_app.cli.main import run_cli

    loaded = trained(tmp_path, "median")
    assert loaded is not None
    model = tmp_path / "m-median.safetensors"
    src = tmp_path / "in.csv"
    src.write_text("age,colour,smoker,note\n40,red,yes,\"=cmd|' /C calc'!A0\"\n30,red,no,-5\n")
    out = tmp_path / "out.csv"
    assert run_cli(["predict", str(model), str(src), "-o", str(out)]) == 0
    with open(out, newline="") as f:
        written = list(csv.DictReader(f))
    assert written[0]["note"].startswith("'=cmd") and written[1]["note"] == "-5"
    assert run_cli(["predict", str(model), str(src), "-o", "-"]) == 0
    assert "'=cmd" in capsys.readouterr().out


def test_a_prediction_file_of_one_huge_line_is_refused_before_parsing(tmp_path):
    loaded = trained(tmp_path, "median")
    src = tmp_path / "wide.csv"
    src.write_bytes(b"age," * 300_000 + b"x\n1\n")
    with pytest.raises(FileFormatError, match="300,001 fields; Odyssey reads at most 16,384"):
        predict_csv(loaded, src)
