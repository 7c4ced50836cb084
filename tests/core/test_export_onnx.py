"""ONNX export: one self-contained file whose outputs match Odyssey's predictions (raw
inputs in, probabilities or target-unit values out), a dynamic batch, names in its
metadata, a table's encoding described; `odyssey export --onnx` prints one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import numpy as np
import onnx
import pytest

from desktop_app.cli.main import run_cli
from desktop_app.core.engine import Trainer
from desktop_app.core.export.onnx_check import run_onnx
from desktop_app.core.export.onnx_file import export_onnx
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.predict import predict_raw, predict_rows
from desktop_app.core.specs.project import Project
from desktop_app.core.tabular.prepare import load_project_data
from desktop_app.core.tabular.raw_rows import encode_raw
from desktop_app.core.tabular.reader import preview_table

SETTINGS = {
    "binary": ["data.dataset=moons", "data.n_samples=200"],
    "multiclass": ["data.dataset=iris"],
    "regression": [
        "data.dataset=friedman1",
        "data.n_samples=200",
        'model.hidden=[{"units": 12, "batch_norm": true, "dropout": 0.1}, {"units": 6}]',
    ],
}


def table_csv(path, n=80):
    rng = np.random.default_rng(1)
    lines = ["age,height,colour,smoker,species"]
    for i in range(n):
        height = "" if i % 9 == 4 else f"{rng.normal(1.7, 0.1):.3f}"
        smoker = "yes" if i % 2 else "no"
        species = ["cat", "dog", "bird"][i % 3]
        lines.append(
            f"{int(rng.integers(18, 80))},{height},{['red', 'green', 'blue'][i % 4 % 3]},"
            f"{smoker},{species}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["binary", "multiclass", "regression", "table"])
def exported(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "table":
        spec = preview_table(table_csv(folder / "animals.csv")).make_spec("species", missing="mean")
        project = Project(name="animals").model_copy(
            update={"data": Project().data.model_copy(update={"dataset": "table", "table": spec})}
        )
        project = Project.from_dict(project.model_dump(mode="json"))
        project = project.with_overrides(
            ["train.epochs=3", "train.batch_size=16", "train.device=cpu"]
        )
        project, data = load_project_data(project)
    else:
        project = Project().with_overrides(
            [*SETTINGS[request.param], "train.device=cpu", "train.epochs=3", "train.batch_size=32"]
        )
        data = None
    trainer = Trainer(project, data=data)
    trainer.fit()
    model_path = folder / "model.safetensors"
    save_model(model_path, trainer)
    loaded = load_model(model_path)
    report = export_onnx(loaded, folder / "model.onnx")
    return loaded, report, folder


def test_onnx_outputs_match_pytorch_for_1_and_7_raw_rows(exported):
    loaded, report, _ = exported
    prep = loaded.preprocessing
    rng = np.random.default_rng(5)
    for n in (1, 7):
        if prep.raw_columns is not None:  # a table: raw rows, encoded as the metadata says
            rows = [
                {
                    "age": int(rng.integers(20, 70)),
                    "height": float(rng.normal(1.7, 0.1)),
                    "colour": ["red", "green", "blue"][i % 3],
                    "smoker": ["yes", "no"][i % 2],
                }
                for i in range(n)
            ]
            x = encode_raw(prep, rows)
            expected = predict_raw(loaded, rows)
        else:
            x = (rng.normal(size=(n, prep.n_features)) * prep.scale + prep.mean).astype(np.float32)
            expected = predict_rows(loaded, x)
        got = run_onnx(report.path, x)
        if prep.task == "regression":
            assert got.shape == (n, 1)
            np.testing.assert_allclose(got[:, 0], expected.values, rtol=1e-5, atol=1e-5)
        else:
            assert got.shape == (n, len(prep.class_names))
            np.testing.assert_allclose(got, expected.probabilities, atol=1e-5)
            np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert report.max_difference <= 1e-5 and report.rows_checked > 0
    assert report.rows_source == "test rows"


def test_one_file_with_names_in_its_metadata_and_a_dynamic_batch(exported):
    loaded, report, folder = exported
    prep = loaded.preprocessing
    assert sorted(p.name for p in folder.iterdir() if "onnx" in p.name) == ["model.onnx"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(report.path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    model = onnx.load(str(report.path), load_external_data=False)
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["feature_names"]) == prep.feature_names
    assert json.loads(meta["class_names"]) == prep.class_names
    assert meta["task"] == prep.task
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and dims[1].dim_value == prep.n_features
    if prep.raw_columns is not None:
        enc = json.loads(meta["encoding"])
        colour = next(c for c in enc["columns"] if c["column"] == "colour")
        assert colour["kind"] == "categorical" and colour["categories"] == ["blue", "green", "red"]
        inputs = [prep.feature_names[i] for i in colour["inputs"]]
        assert inputs == ["colour=blue", "colour=green", "colour=red"]
        height = next(c for c in enc["columns"] if c["column"] == "height")
        assert height["fill"] is not None  # the gaps were filled with the training mean
    else:
        assert "encoding" not in meta


@pytest.mark.parametrize("exported", ["binary"], indirect=True)  # one fresh process is enough
def test_cli_export_prints_one_line_and_nothing_else(exported, tmp_path):
    loaded, _, folder = exported
    out = tmp_path / "cli.onnx"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "export",
            str(folder / "model.safetensors"),
            "--onnx",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"wrote {out}")
    assert "max difference from PyTorch" in lines[0] and out.exists()


def test_cli_refuses_onnx_of_a_project_file(tmp_path, capsys):
    project = tmp_path / "p.json"
    project.write_text(Project().to_json(), encoding="utf-8")
    assert run_cli(["export", str(project), "--onnx", str(tmp_path / "x.onnx")]) == 2
    err = capsys.readouterr().err
    assert "not a model file" in err and not (tmp_path / "x.onnx").exists()


@pytest.mark.parametrize("exported", ["table"], indirect=True)  # a table whose file is gone
def test_without_its_test_rows_the_check_uses_rows_around_the_training_data(exported, tmp_path):
    loaded, _, folder = exported
    assert loaded.preprocessing.raw_columns is not None
    moved = folder / "animals.csv"
    moved.rename(folder / "elsewhere.csv")
    try:
        report = export_onnx(loaded, tmp_path / "again.onnx")
    finally:
        (folder / "elsewhere.csv").rename(moved)
    assert report.rows_source.startswith("rows drawn around the training data")
    assert report.max_difference <= 1e-5 and "rows drawn" in report.summary()
