"""The exported training script: standalone, and on the CPU it reproduces Odyssey's run
(per-epoch history, final weights, test metrics) and saves a model file Odyssey opens."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from desktop_app.cli.main import run_cli
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import OdysseyError
from desktop_app.core.export.script import render_script, write_script
from desktop_app.core.metrics import PER_CLASS
from desktop_app.core.persistence.model_file import load_model
from desktop_app.core.predict import predict_raw
from desktop_app.core.specs.project import Project
from desktop_app.core.tabular.prepare import load_project_data
from desktop_app.core.tabular.reader import preview_table

PROJECTS = {
    "binary": ["data.dataset=moons", "data.n_samples=200", "train.epochs=4"],
    "multiclass": [
        "data.dataset=iris",
        "train.epochs=4",
        "train.batch_size=16",
        "train.optimizer=sgd",
        "train.nesterov=true",
        "train.label_smoothing=0.1",
        "train.weight_decay=0.001",
    ],
    "regression_schedule_early_stopping": [
        "data.dataset=friedman1",
        "data.n_samples=240",
        "train.epochs=40",
        "train.schedule=plateau",
        "train.plateau_patience=1",
        "train.patience=2",
        "train.grad_clip=0.5",
        "train.l1=0.001",
        "train.loss=huber",
        'model.hidden=[{"units": 12, "batch_norm": true, "dropout": 0.2}, '
        '{"units": 6, "activation": "tanh"}]',
    ],
    "onecycle_and_criteria": [
        "data.dataset=spiral",
        "data.n_samples=150",
        "train.epochs=6",
        "train.batch_size=8",
        "train.schedule=onecycle",
        "train.optimizer=adamw",
        "train.min_grad_norm=0.05",
        "train.val_metric_goal=0.95",
        "train.early_stopping=false",
    ],
}


def table_project(tmp_path):
    rng = np.random.default_rng(3)
    lines = ["age;height;colour;smoker;price"]
    for i in range(90):
        height = "NA" if i % 8 == 2 else f"{rng.normal(1.7, 0.1):.3f}"
        colour = "" if i % 13 == 5 else ["red", "green", "blue"][i % 3]
        lines.append(
            f"{i % 50 + 20};{height};{colour};{'yes' if i % 2 else 'no'};{rng.normal(100, 20):.2f}"
        )
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = preview_table(path).make_spec("price", missing="median")
    data = Project().data.model_copy(update={"dataset": "table", "table": spec})
    project = Project.from_dict(
        {
            **Project().model_dump(mode="json"),
            "name": "prices",
            "data": data.model_dump(mode="json"),
        }
    )
    return project.with_overrides(["train.epochs=5", "train.batch_size=16", "train.device=cpu"])


def odyssey_run(project):
    data = None
    if project.data.dataset == "table":
        project, data = load_project_data(project)
    trainer = Trainer(project, data=data)
    trainer.fit()
    return trainer


def run_script(project, tmp_path):
    script = write_script(project, tmp_path / "train.py")
    out = tmp_path / "from_script.safetensors"
    r = subprocess.run(
        [sys.executable, str(script), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return script, r.stdout, load_model(out)


def assert_same_run(trainer, loaded):
    ours, theirs = trainer.history.epochs, loaded.history.epochs
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs):
        for key in a:
            if key != "seconds":
                assert a[key] == b[key], (key, a, b)
    np.testing.assert_array_equal(trainer.history.batch_loss, loaded.history.batch_loss)
    np.testing.assert_array_equal(trainer.history.batch_lr, loaded.history.batch_lr)
    for (k, v), (k2, w) in zip(
        trainer.model.state_dict().items(), loaded.model.state_dict().items()
    ):
        assert k == k2 and torch.equal(v.cpu(), w), k
    # The script prints the headline metrics; the per-class table is Odyssey's own.
    headline = {k: v for k, v in trainer.test_metrics.items() if k not in PER_CLASS}
    assert set(loaded.test_metrics) == set(headline)
    for key, value in headline.items():
        if isinstance(value, list):  # the confusion matrix
            assert loaded.test_metrics[key] == value
        else:
            assert loaded.test_metrics[key] == pytest.approx(value, rel=1e-9), key


SLOW = ("multiclass", "onecycle_and_criteria")  # each run starts a Python with torch


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in PROJECTS]
)
def test_script_reproduces_odysseys_history_weights_and_metrics(name, tmp_path):
    project = Project().with_overrides(["train.device=cpu", "train.batch_size=32", *PROJECTS[name]])
    trainer = odyssey_run(project)
    script, stdout, loaded = run_script(project, tmp_path)
    assert_same_run(trainer, loaded)
    assert f"stopped: {trainer.stop_reason}" in stdout
    assert "test " in stdout and "saved " in stdout
    text = script.read_text(encoding="utf-8")
    assert "desktop_app" not in text and "import torch" in text
    if name.startswith("regression"):
        assert trainer.stop_reason == "early_stopping" and "ReduceLROnPlateau" in text
        assert "clip_grad_norm_" in text


def test_script_for_a_table_reads_encodes_and_fills_it_as_odyssey_does(tmp_path):
    project = table_project(tmp_path)
    trainer = odyssey_run(project)
    _, _, loaded = run_script(project, tmp_path)
    assert_same_run(trainer, loaded)
    assert loaded.preprocessing.to_dict() == trainer.data.prep.to_dict()
    row = [{"age": 30, "height": "", "colour": "red", "smoker": "no"}]
    assert predict_raw(loaded, row).values[0] == pytest.approx(
        predict_raw(trainer.checkpoint(), row).values[0], rel=1e-6
    )


def test_an_excel_table_is_refused_naming_what_to_do(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["a", "b", "y"])
    for i in range(30):
        sheet.append([i, i * 2 % 7, i % 2])
    book.save(tmp_path / "t.xlsx")
    spec = preview_table(tmp_path / "t.xlsx").make_spec("y")
    data = Project().data.model_copy(update={"dataset": "table", "table": spec})
    project = Project.from_dict(
        {**Project().model_dump(mode="json"), "data": data.model_dump(mode="json")}
    )
    project = project.with_overrides(["train.batch_size=8"])
    with pytest.raises(OdysseyError, match="Excel workbook.*save its first worksheet as CSV"):
        write_script(project, tmp_path / "t.py")
    assert not (tmp_path / "t.py").exists()


def test_cli_writes_the_script_of_a_project_file(tmp_path, capsys):
    project = Project(name="tiny").with_overrides(["data.dataset=xor", "data.n_samples=100"])
    path = tmp_path / "p.json"
    path.write_text(project.to_json(path), encoding="utf-8")
    assert run_cli(["export", str(path), "--script", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"wrote {tmp_path / 't.py'}")
    text = (tmp_path / "t.py").read_text(encoding="utf-8")
    assert text == render_script(project, script_name="t.py")
    compile(text, "t.py", "exec")  # valid Python


MORE = {  # every catalog dataset and the remaining options, once each (slow: 14 runs)
    "classification": [
        "data.n_samples=150",
        "train.monitor=val_metric",
        "train.restore_best=false",
    ],
    "circles": ["data.n_samples=150", "data.standardize=false", "train.min_delta=0.01"],
    "blobs": ["data.n_samples=150", "data.n_classes=4", "train.schedule=cosine"],
    "xor": ["data.n_samples=150", "train.optimizer=rmsprop", "train.train_loss_goal=0.6"],
    "sine": ["data.n_samples=150", "train.loss=mae", "train.schedule=exponential"],
    "regression": ["data.n_samples=150", "train.schedule=multistep", "train.milestones=[1,2]"],
    "wine": ["train.optimizer=adagrad", "data.test_fraction=0", "train.val_loss_goal=0.5"],
    "breast_cancer": ["train.schedule=step", "train.step_size=1", "train.max_seconds=600"],
    "digits": ['model.hidden=[{"units": 8, "activation": "gelu"}]', "train.epochs=2"],
    "diabetes": ['model.hidden=[{"units": 8, "activation": "elu", "dropout": 0.3}]'],
    "moons": [
        "data.n_samples=150",
        "data.val_fraction=0",
        "train.early_stopping=false",
        "train.schedule=plateau",
        'model.hidden=[{"units": 6, "activation": "leaky_relu"}, {"units": 4, '
        '"activation": "sigmoid"}, {"units": 3, "activation": "identity"}]',
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("dataset", list(MORE))
def test_script_reproduces_every_dataset_and_option(dataset, tmp_path):
    project = Project().with_overrides(
        ["train.device=cpu", "train.batch_size=16", "train.epochs=3", f"data.dataset={dataset}"]
        + MORE[dataset]
    )
    trainer = odyssey_run(project)
    _, _, loaded = run_script(project, tmp_path)
    assert_same_run(trainer, loaded)


def test_any_project_name_gives_valid_python(tmp_path):
    import warnings

    project = Project(name='a "quoted\\d name"""\nover two lines')
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an invalid escape would be a SyntaxWarning
        compile(render_script(project), "train.py", "exec")
