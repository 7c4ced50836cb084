"""Model and project files: round trips, plain-safetensors readability, atomic writes,
migration, prediction from raw rows and CSV files, and `odyssey predict` / `odyssey info`."""

import csv
import json
import os
import re
import stat

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from desktop_app.cli.main import run_cli
from desktop_app.core import persistence
from desktop_app.core.data import generate
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import DataError, FileFormatError, OdysseyError, TrainingError
from desktop_app.core.evaluation import predict_prepared
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.persistence.projects import load_project, save_project
from desktop_app.core.predict import (
    predict_csv,
    predict_rows,
    read_csv,
    write_predictions_csv,
)
from desktop_app.core.specs.project import Project
from desktop_app.core.tabular.raw_rows import transform_raw

SETTINGS = {
    "binary": ["data.dataset=moons", "data.n_samples=300"],
    "multiclass": ["data.dataset=iris"],
    "regression": [
        "data.dataset=friedman1",
        "data.n_samples=300",
        'model.hidden=[{"units": 12, "batch_norm": true, "dropout": 0.1}, {"units": 6}]',
    ],
}


def make_project(task, *extra, epochs=4):
    return Project().with_overrides(
        [*SETTINGS[task], "train.device=cpu", "train.batch_size=32", f"train.epochs={epochs}"]
        + list(extra)
    )


@pytest.fixture(scope="module", params=["binary", "multiclass", "regression"])
def saved(request, tmp_path_factory):
    """A trained Trainer and the path of its model file, one per task."""
    trainer = Trainer(make_project(request.param, "train.patience=100"))
    trainer.fit()
    path = tmp_path_factory.mktemp(request.param) / "model.safetensors"
    save_model(path, trainer)
    return trainer, path


def test_round_trip_is_exact(saved):
    trainer, path = saved
    loaded = load_model(path)
    x = torch.from_numpy(trainer.data.x_test)
    trainer.model.eval()
    with torch.no_grad():
        assert torch.equal(trainer.model(x), loaded.model(x))  # bit for bit on the CPU
    assert not loaded.model.training and next(loaded.model.parameters()).device.type == "cpu"
    h, g = trainer.history, loaded.history
    assert np.array_equal(h.steps, g.steps) and h.steps.dtype == g.steps.dtype
    assert np.array_equal(h.batch_loss, g.batch_loss)
    assert np.array_equal(h.batch_lr, g.batch_lr)
    assert g.epochs == h.epochs and g.metric_name == h.metric_name
    assert loaded.test_metrics == trainer.result.test_metrics
    assert loaded.project == trainer.project
    assert loaded.preprocessing.to_dict() == trainer.data.prep.to_dict()
    assert loaded.epochs_trained == trainer.epoch == 4
    assert loaded.resume.global_step == trainer.global_step
    assert loaded.n_parameters == sum(p.numel() for p in trainer.model.parameters())


def test_file_is_plain_safetensors_with_json_metadata(saved):
    trainer, path = saved
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    assert meta["format"] == "odyssey-model" and meta["format_version"] == "1"
    assert json.loads(meta["project"]) == trainer.project.model_dump(mode="json")
    assert json.loads(meta["preprocessing"])["feature_names"] == trainer.data.prep.feature_names
    assert json.loads(meta["test_metrics"]) == trainer.result.test_metrics
    tensors = load_file(str(path))
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(tensors[name], value)  # weights under their state_dict names
    assert tensors["history.batch_loss"].shape == (trainer.global_step,)
    assert tensors["rng.shuffle"].dtype == torch.uint8


def test_save_refuses_an_untrained_trainer(tmp_path):
    with pytest.raises(OdysseyError, match="train first"):
        save_model(tmp_path / "m.safetensors", Trainer(make_project("binary")))


def test_failed_save_keeps_the_previous_file(saved, tmp_path, monkeypatch):
    trainer, path = saved
    target = tmp_path / "keep.safetensors"
    target.write_bytes(path.read_bytes())
    before = target.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OdysseyError, match="No space left on device"):
        save_model(target, trainer)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.safetensors"]  # no temp left


def test_resave_of_a_loaded_model_is_identical(saved, tmp_path):
    _, path = saved
    loaded = load_model(path)
    again = tmp_path / "again.safetensors"
    save_model(again, loaded)
    a, b = load_file(str(path)), load_file(str(again))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_prediction_only_file_cannot_resume(saved, tmp_path):
    trainer, _ = saved
    small = tmp_path / "small.safetensors"
    save_model(small, trainer, include_resume=False)
    loaded = load_model(small)
    assert loaded.resume is None
    assert not any(k.startswith(("optimizer.", "rng.")) for k in load_file(str(small)))
    with pytest.raises(TrainingError, match="holds no training state"):
        Trainer.from_checkpoint(loaded)


def test_older_format_is_migrated(saved, monkeypatch):
    _, path = saved
    calls = []

    def one_to_two(sections):
        calls.append(sorted(sections))
        return sections

    monkeypatch.setattr(persistence, "MODEL_FORMAT_VERSION", 2)
    monkeypatch.setitem(persistence.MIGRATIONS, 1, one_to_two)
    loaded = load_model(path)
    assert calls == [sorted(["project", "preprocessing", "history", "test_metrics", "resume"])]
    assert loaded.format_version == 1


def test_projects_round_trip_and_open_from_model_files(saved, tmp_path):
    trainer, path = saved
    p = tmp_path / "project.json"
    save_project(trainer.project, p)
    assert load_project(p) == trainer.project
    assert json.loads(p.read_text())["data"]["dataset"] == trainer.project.data.dataset
    assert load_project(path) == trainer.project  # Open Project… on a model file
    (tmp_path / "bad.json").write_text('{"train": {"lr": -1}}')
    with pytest.raises(FileFormatError, match="train.lr"):
        load_project(tmp_path / "bad.json")
    with pytest.raises(FileFormatError, match="does not exist"):
        load_project(tmp_path / "none.json")


# ----------------------------------------------------------------------------- predict
def raw_rows(project, n=25):
    x, _, names, _ = generate(project.data)
    return x[:n].astype(np.float64), names


def test_predict_rows_applies_the_saved_preprocessing(saved):
    trainer, path = saved
    loaded = load_model(path)
    rows, _ = raw_rows(trainer.project)
    result = predict_rows(loaded, rows)
    prep = loaded.preprocessing
    out = predict_prepared(trainer.model, prep.task, prep.transform(rows), "cpu")
    assert len(result) == len(rows)
    if prep.task == "regression":
        assert np.array_equal(result.values, out * prep.target_scale + prep.target_mean)
        assert result.labels is None
        return
    probs = np.column_stack([1 - out, out]) if prep.task == "binary" else out
    assert np.array_equal(result.probabilities, probs)
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)
    assert np.array_equal(result.labels, probs.argmax(axis=1))
    assert result.names == [prep.class_names[i] for i in result.labels]
    # one row as a flat list, as a form would pass it (a batch of one may round
    # differently in the last float32 bit: BLAS picks other kernels)
    single = predict_rows(loaded, list(rows[0]))
    assert np.allclose(single.probabilities[0], result.probabilities[0], rtol=1e-5, atol=1e-7)


def test_predict_rows_rejects_wrong_width_and_non_finite(saved):
    _, path = saved
    loaded = load_model(path)
    n = loaded.preprocessing.n_features
    with pytest.raises(DataError, match=f"needs {n} feature values"):
        predict_rows(loaded, np.zeros((2, n + 1)))
    rows = np.zeros((3, n))
    rows[2, n - 1] = np.nan
    name = loaded.preprocessing.feature_names[n - 1]
    with pytest.raises(DataError, match=re.escape(f"row 3, feature '{name}': nan")):
        predict_rows(loaded, rows)
    with pytest.raises(DataError, match="rows must be numbers"):
        predict_rows(loaded, [["a"] * n])


@pytest.mark.parametrize("value", [1e39, 1e308, -1e308])
def test_a_value_too_large_for_the_model_is_named_not_a_nan_prediction(saved, value):
    """Finite as a Python float, infinite as the model's float32 input: it used to give
    NaN probabilities ("class 0 (nan%)"), or a ValueError in the Predict window."""
    _, path = saved
    loaded = load_model(path)
    rows = np.zeros((2, loaded.preprocessing.n_features))
    rows[1, 0] = value
    name = loaded.preprocessing.feature_names[0]
    with pytest.raises(DataError, match=re.escape(f"row 2, feature '{name}': the value {value:g}")):
        predict_rows(loaded, rows)


def test_cli_predict_refuses_a_value_too_large_with_exit_2(moons_model, tmp_path, capsys):
    path, _ = moons_model
    src = tmp_path / "in.csv"
    src.write_text("x1,x2\n1.0,0.2\n1e308,0.6\n")
    assert run_cli(["predict", str(path), str(src)]) == 2
    err = capsys.readouterr().err
    assert "too large for the model" in err and "nan" not in err.lower()


def test_predict_raw_takes_named_values_for_catalog_models(moons_model):
    from desktop_app.core.predict import predict_raw

    _, loaded = moons_model
    by_row = predict_raw(loaded, [{"x2": 0.5, "x1": "1.5"}, {"x1": -1, "x2": 2}])
    by_column = predict_raw(loaded, {"x1": [1.5, -1], "x2": [0.5, 2]})
    direct = predict_rows(loaded, [[1.5, 0.5], [-1.0, 2.0]])
    assert np.array_equal(by_row.probabilities, direct.probabilities)
    assert np.array_equal(by_column.probabilities, direct.probabilities)
    with pytest.raises(DataError, match="row 2 has no value for 'x2'"):
        predict_raw(loaded, [{"x1": 1, "x2": 2}, {"x1": 1}])
    with pytest.raises(DataError, match="row 1, feature 'x1': 'abc' is not a number"):
        predict_raw(loaded, [{"x1": "abc", "x2": 2}])


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)


def test_csv_predictions_equal_row_predictions(saved, tmp_path):
    trainer, path = saved
    loaded = load_model(path)
    rows, names = raw_rows(trainer.project)
    header = ["id", *reversed(names)]  # any column order, plus a column the model ignores
    body = [[f"r{i}", *(repr(float(v)) for v in reversed(r))] for i, r in enumerate(rows)]
    src = tmp_path / "in.csv"
    write_csv(src, header, body)
    csv_rows, result = predict_csv(loaded, src)
    assert np.array_equal(csv_rows.features, rows)
    direct = predict_rows(loaded, rows)
    if direct.task == "regression":
        assert np.array_equal(result.values, direct.values)
    else:
        assert np.array_equal(result.probabilities, direct.probabilities)
    assert csv_rows.notes and "'id'" in csv_rows.notes[0]
    out = tmp_path / "out.csv"
    write_predictions_csv(out, csv_rows, result)
    with open(out, newline="") as f:
        written = list(csv.reader(f))
    assert written[0] == header + result.columns()
    assert written[1][: len(header)] == body[0]
    if direct.task == "regression":
        assert float(written[1][-1]) == direct.values[0]
    else:
        assert written[1][len(header)] == direct.names[0]
        assert [float(v) for v in written[1][len(header) + 1 :]] == list(direct.probabilities[0])


@pytest.fixture(scope="module")
def moons_model(tmp_path_factory):
    trainer = Trainer(make_project("binary", "train.early_stopping=false", epochs=2))
    trainer.fit()
    path = tmp_path_factory.mktemp("moons") / "moons.safetensors"
    save_model(path, trainer)
    return path, load_model(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x1\n1\n", "lacks the column 'x2' that the model needs"),
        ("a,b\n1,2\n", "lacks the columns 'x1', 'x2'"),
        ("x1,x2\n3,abc\n", "line 2, column 'x2': 'abc' is not a number"),
        ("x1,x2\n1,\n", "line 2, column 'x2': an empty value is not a number"),
        ("x1,x2\n1,nan\n", "line 2, column 'x2': 'nan' is not a number"),
        ("x1,x2\n1,2,3\n", "line 2: 3 values, but the header has 2 columns"),
        ("x1,x2,x1\n1,2,3\n", "column 'x1' appears more than once"),
        ("", "is empty"),
        ("x1,x2\n", "no rows to predict"),
    ],
)
def test_bad_csv_files_get_clear_messages(moons_model, tmp_path, text, message):
    _, loaded = moons_model
    src = tmp_path / "in.csv"
    src.write_text(text)
    with pytest.raises(FileFormatError) as err:
        predict_csv(loaded, src)
    assert message in str(err.value) and str(src) in str(err.value)


def test_csv_dialects_semicolons_bom_and_blank_lines(moons_model, tmp_path):
    _, loaded = moons_model
    src = tmp_path / "in.csv"
    src.write_text("\ufeffx2;x1\n\n0.5;1.5\n-1;2\n", encoding="utf-8")
    rows = read_csv(src, loaded.preprocessing.feature_names)
    assert rows.features.tolist() == [[1.5, 0.5], [2.0, -1.0]]
    assert rows.notes == []


def test_output_columns_never_shadow_input_columns(moons_model, tmp_path):
    _, loaded = moons_model
    src = tmp_path / "in.csv"
    src.write_text("x1,x2,predicted\n1,2,yes\n")
    rows, result = predict_csv(loaded, src)
    out = tmp_path / "out.csv"
    write_predictions_csv(out, rows, result)
    header = out.read_text().splitlines()[0].split(",")
    assert header[:4] == ["x1", "x2", "predicted", "odyssey predicted"]


# ----------------------------------------------------------------------------- CLI
def test_cli_predict_prints_a_table_and_writes_csv(moons_model, tmp_path, capsys):
    path, loaded = moons_model
    src = tmp_path / "in.csv"
    src.write_text("x1,x2\n1.0,0.2\n-0.8,0.6\n")
    assert run_cli(["predict", str(path), str(src)]) == 0
    out = capsys.readouterr().out
    expected = predict_rows(loaded, np.array([[1.0, 0.2], [-0.8, 0.6]]))
    assert "Predictions of moons.safetensors" in out
    for name, probs in zip(expected.names, expected.probabilities):
        assert name in out and f"{probs[1]:.4f}" in out
    dest = tmp_path / "out.csv"
    assert run_cli(["predict", str(path), str(src), "-o", str(dest)]) == 0
    assert f"wrote 2 predictions to {dest}" in capsys.readouterr().out
    lines = dest.read_text().splitlines()
    assert lines[0] == "x1,x2,predicted,probability class 0,probability class 1"
    assert lines[1].split(",")[2] == expected.names[0]
    assert run_cli(["predict", str(path), str(src), "-o", "-"]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_cli_info_on_model_and_project(moons_model, tmp_path, capsys):
    path, loaded = moons_model
    assert run_cli(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "model file:" in out and "dataset: moons (binary)" in out
    assert f"network: 2 → 10 relu → 1 ({loaded.n_parameters} parameters)" in out
    assert "trained: 2 epochs" in out and "can continue training: yes" in out
    assert f"accuracy {loaded.test_metrics['accuracy']:.4f}" in out
    assert run_cli(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "model" and info["parameters"] == 41
    assert info["epochs_trained"] == 2 and info["test_metrics"] == loaded.test_metrics
    assert info["app_version"] and info["format_version"] == 1
    project_file = tmp_path / "p.json"
    save_project(loaded.project, project_file)
    assert run_cli(["info", str(project_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "project" and info["parameters"] == 41
    assert info["architecture"] == "2 → 10 relu → 1"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["info", "{tmp}/missing.safetensors"], "the file does not exist"),
        (["info", "{tmp}/garbage.bin"], "not a safetensors model file"),
        (["predict", "{tmp}/missing.safetensors", "{tmp}/in.csv"], "does not exist"),
        (["predict", "{model}", "{tmp}/wrong.csv"], "lacks the column 'x2'"),
        (["predict", "{model}", "{tmp}/none.csv"], "CSV file"),
    ],
)
def test_cli_bad_files_exit_2_with_one_line(moons_model, tmp_path, capsys, args, fragment):
    path, _ = moons_model
    (tmp_path / "garbage.bin").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00hello")
    (tmp_path / "wrong.csv").write_text("x1\n1\n")
    args = [a.format(tmp=tmp_path, model=path) for a in args]
    assert run_cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("odyssey: error:")
    assert fragment in err


# ----------------------------------------------------------------------------- tables
def train_table_model(folder):
    """A binary model on a small CSV with numeric, categorical and yes/no columns."""
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import load_project_data, table_project

    rng = np.random.default_rng(0)
    table = folder / "shop.csv"
    with open(table, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "age", "color", "member", "label"])
        for i in range(200):
            age, color = int(rng.integers(18, 80)), str(rng.choice(["red", "green", "blue"]))
            label = "buy" if (age > 40) ^ (color == "red") else "skip"
            w.writerow([i, age, color, str(rng.choice(["yes", "no"])), label])
    spec = TableSpec(path=str(table), target="label", features=["age", "color", "member"])
    base = Project().with_overrides(
        ["train.epochs=3", "train.device=cpu", "train.early_stopping=false", "train.batch_size=32"]
    )
    project, data = load_project_data(table_project(spec, base))
    trainer = Trainer(project, data=data)
    trainer.fit()
    path = folder / "shop.safetensors"
    save_model(path, trainer)
    return trainer, path


def test_table_model_predicts_raw_csv_rows_and_resumes(tmp_path, capsys):
    from desktop_app.core.predict import input_columns, predict_raw

    trainer, path = train_table_model(tmp_path)
    loaded = load_model(path)
    assert loaded.preprocessing.to_dict() == trainer.data.prep.to_dict()
    assert input_columns(loaded) == ["age", "color", "member"]
    src = tmp_path / "new.csv"
    src.write_text("member,color,age,note\nyes,red,50,a\nno,blue,30,b\nno,purple,61,c\n")
    rows, result = predict_csv(loaded, src)
    raw = [
        {"age": 50, "color": "red", "member": "yes"},
        {"age": "30", "color": "blue", "member": False},
        {"age": 61.0, "color": "purple", "member": "no"},  # unseen category: all zeros
    ]
    x = transform_raw(trainer.data.prep, raw)
    expected = predict_prepared(trainer.model, "binary", x, "cpu")
    assert np.array_equal(result.probabilities[:, 1], expected)
    assert np.array_equal(predict_raw(loaded, raw).probabilities, result.probabilities)
    assert rows.notes == ["column 'note' not used by the model (kept in the output)"]
    src.write_text("age,color,member\n50,red,yes\n20,green,\n")
    rows, result = predict_csv(loaded, src)  # the row is reported, the others predicted
    assert (
        result.skipped[1].startswith("line 3: column 'member' is empty") and 0 not in result.skipped
    )
    assert run_cli(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dataset: table (binary)" in out and "columns: age, color, member" in out
    assert "features: age, color=blue, color=green, color=red, member" in out
    resumed = Trainer.from_checkpoint(loaded)  # re-reads the table: same split, same scaling
    resumed.fit(1)
    assert resumed.epoch == 4 and resumed.history.epochs[-1]["step"] == resumed.global_step


def test_saving_while_training_runs_is_refused(tmp_path):
    from desktop_app.core.run_types import Status

    trainer = Trainer(make_project("binary", epochs=1))
    trainer.fit()
    for status in (Status.RUNNING, Status.PAUSED, Status.STOPPING):
        trainer.status = status
        with pytest.raises(OdysseyError, match="stop it before saving"):
            save_model(tmp_path / "m.safetensors", trainer)
    assert not (tmp_path / "m.safetensors").exists()


# The window and its training process (which it started itself) talk over an anonymous
# pipe they inherit, as multiprocessing's own workers do: no file, nothing another user
# or program can write to. Only these modules may unpickle, and only from that pipe.
PIPE_MODULES = {"ui/training_child.py", "ui/training_process.py"}


def test_no_pickle_anywhere_in_the_app():
    """Nothing the app opens may unpickle: no pickle, no torch.load, no numpy allow_pickle."""
    import pathlib

    import desktop_app

    root = pathlib.Path(desktop_app.__file__).parent
    pattern = re.compile(r"\bimport pickle\b|torch\.load\(|allow_pickle\s*=\s*True|\bdill\b")
    offenders = [
        f"{p.relative_to(root)}:{i}"
        for p in root.rglob("*.py")
        if p.relative_to(root).as_posix() not in PIPE_MODULES
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
    for name in PIPE_MODULES:
        text = (root / name).read_text(encoding="utf-8")
        loads = re.findall(r"pickle\.loads?\(([^\n]*)", text)
        assert loads and all(".recv_bytes()" in arg for arg in loads), (name, loads)
        assert not re.search(r"torch\.load\(|allow_pickle|\bdill\b", text)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX permissions")
def test_saved_files_get_the_permissions_a_plain_write_would(tmp_path):
    """Atomic writes used to leave every file 0600 (mkstemp's mode), whatever the umask,
    and turned an overwritten 0644 file into 0600."""
    from desktop_app.core.persistence.atomic import write_text_atomic

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "project.json"
        write_text_atomic(fresh, "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        shared = tmp_path / "shared.json"
        shared.write_text("old")
        shared.chmod(0o664)
        write_text_atomic(shared, "new")
        assert shared.read_text() == "new" and stat.S_IMODE(shared.stat().st_mode) == 0o664
        os.umask(0o077)
        private = tmp_path / "private.json"
        write_text_atomic(private, "{}")
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(old)
