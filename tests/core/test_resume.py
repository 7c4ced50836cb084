"""Continue training: N epochs, save, load, M more equals one run of N + M epochs."""

import json

import numpy as np
import pytest
import torch

from desktop_app.cli.main import run_cli
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import TrainingError
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.specs.project import Project

BASE = ["data.n_samples=200", "train.device=cpu", "train.batch_size=16"]
DATA = {
    "binary": ["data.dataset=moons"],
    "multiclass": ["data.dataset=blobs", "data.n_classes=3"],
    "regression": ["data.dataset=sine"],
}


def project(*extra, task="binary", epochs=6, early_stopping=False):
    es = [] if early_stopping else ["train.early_stopping=false"]
    return Project().with_overrides([*BASE, *DATA[task], *es, f"train.epochs={epochs}", *extra])


def assert_same_run(a: Trainer, b: Trainer) -> None:
    ha, hb = a.history, b.history
    assert np.array_equal(ha.steps, hb.steps)
    np.testing.assert_allclose(hb.batch_loss, ha.batch_loss, rtol=1e-6, atol=0)
    np.testing.assert_allclose(hb.batch_lr, ha.batch_lr, rtol=1e-12, atol=0)
    assert len(ha.epochs) == len(hb.epochs)
    for ea, eb in zip(ha.epochs, hb.epochs):
        for key in ("epoch", "step"):
            assert ea[key] == eb[key]
        for key in ("train_loss", "val_loss", "train_metric", "val_metric", "lr"):
            assert eb[key] == pytest.approx(ea[key], rel=1e-6, abs=1e-9), key
    for wa, wb in zip(a.model.state_dict().values(), b.model.state_dict().values()):
        torch.testing.assert_close(wb, wa, rtol=1e-6, atol=1e-7)
    assert (a.epoch, a.global_step, a.best_epoch) == (b.epoch, b.global_step, b.best_epoch)
    ma, mb = a.result.test_metrics, b.result.test_metrics
    assert ma.keys() == mb.keys()
    for key in ma:
        if key == "confusion_matrix":
            assert ma[key] == mb[key]
        else:
            assert mb[key] == pytest.approx(ma[key], rel=1e-6), key


def split_run(p: Project, n: int, m: int, path) -> tuple[Trainer, Trainer]:
    first = Trainer(p)
    first.fit(n)
    save_model(path, first)
    resumed = Trainer.from_checkpoint(load_model(path))
    resumed.fit(m)
    return first, resumed


CASES = {
    "adam": [],
    "sgd-nesterov-step": [
        "train.optimizer=sgd",
        "train.nesterov=true",
        "train.lr=0.1",
        "train.schedule=step",
        "train.step_size=2",
        "train.gamma=0.5",
    ],
    "adamw-cosine": ["train.optimizer=adamw", "train.schedule=cosine", "train.weight_decay=0.01"],
    "rmsprop-dropout-batchnorm": [
        "train.optimizer=rmsprop",
        "train.lr=0.003",
        'model.hidden=[{"units": 16, "dropout": 0.3, "batch_norm": true}, {"units": 8}]',
    ],
    "adagrad-multistep": [
        "train.optimizer=adagrad",
        "train.lr=0.1",
        "train.schedule=multistep",
        "train.milestones=[2, 4]",
    ],
    "onecycle": ["train.schedule=onecycle"],
    "plateau": ["train.schedule=plateau", "train.plateau_patience=0", "train.gamma=0.5"],
    "clip-l1": ["train.grad_clip=0.5", "train.l1=0.001"],
}


@pytest.mark.parametrize("case", CASES)
def test_resume_matches_one_straight_run(case, tmp_path):
    p = project(*CASES[case])
    straight = Trainer(p)
    straight.fit()
    _, resumed = split_run(p, 3, 3, tmp_path / "m.safetensors")
    assert_same_run(straight, resumed)


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_resume_matches_for_every_task(task, tmp_path):
    p = project("train.label_smoothing=0.1" if task == "multiclass" else "train.loss=huber",
                task=task)  # fmt: skip
    straight = Trainer(p)
    straight.fit()
    _, resumed = split_run(p, 2, 4, tmp_path / "m.safetensors")
    assert_same_run(straight, resumed)


def test_history_goes_on_from_the_same_step(tmp_path):
    p = project()
    first, resumed = split_run(p, 2, 2, tmp_path / "m.safetensors")
    h = resumed.history
    assert [e["epoch"] for e in h.epochs] == [1, 2, 3, 4]
    assert np.array_equal(h.steps, np.arange(1, resumed.global_step + 1))
    assert h.epochs[1]["step"] == first.global_step and resumed.global_step == 2 * first.global_step
    # the optimizer went on as well: Adam's step count continues
    state = resumed.optimizer.state_dict()["state"][0]
    assert float(state["step"]) == resumed.global_step


def test_restore_best_saves_best_weights_and_resumes_from_the_last(tmp_path):
    """With early stopping's restore_best, the file's model weights are the best ones
    (what predictions use) and the last weights ride along for resuming."""
    p = project("train.lr=0.5", "train.patience=100", "train.seed=0", epochs=8,
                early_stopping=True)  # fmt: skip
    straight = Trainer(p)
    straight.fit()
    path = tmp_path / "m.safetensors"
    first = Trainer(p)
    first.fit(4)
    save_model(path, first)
    loaded = load_model(path)
    assert first.best_epoch == 3  # so best (epoch 3) and last (epoch 4) weights differ
    assert loaded.resume.last_weights is not None
    for k, v in first.model.state_dict().items():  # the best weights, as restored
        assert torch.equal(loaded.model.state_dict()[k], v)
    resumed = Trainer.from_checkpoint(loaded)
    resumed.fit(4)
    assert_same_run(straight, resumed)


def test_early_stopping_patience_carries_over(tmp_path):
    p = project("train.lr=0.5", "train.patience=2", epochs=40, early_stopping=True)
    straight = Trainer(p)
    straight.fit()
    # best at epoch 3, stopped after 2 epochs without a new best; the split after epoch 4
    # carries the one epoch already waited, or the resumed run would stop an epoch later
    assert straight.stop_reason == "early_stopping" and straight.epoch == 5
    assert straight.best_epoch == 3
    _, resumed = split_run(p, 4, 36, tmp_path / "m.safetensors")
    assert resumed.stop_reason == "early_stopping"
    assert_same_run(straight, resumed)


def test_continuing_in_memory_ignores_random_numbers_drawn_in_between():
    p = project('model.hidden=[{"units": 16, "dropout": 0.5}]')
    straight = Trainer(p)
    straight.fit()
    split = Trainer(p)
    split.fit(3)
    torch.rand(1000)  # e.g. the GUI building a preview model meanwhile
    split.fit(3)
    assert_same_run(straight, split)


def test_resume_refuses_data_that_changed(tmp_path):
    path = tmp_path / "m.safetensors"
    first = Trainer(project())
    first.fit(1)
    save_model(path, first)
    loaded = load_model(path)
    loaded.preprocessing.mean = loaded.preprocessing.mean + 1.0
    with pytest.raises(TrainingError, match="differs from the data this model was trained on"):
        Trainer.from_checkpoint(loaded)


def test_one_cycle_cannot_run_past_its_plan(tmp_path):
    path = tmp_path / "m.safetensors"
    first = Trainer(project("train.schedule=onecycle", epochs=3))
    first.fit()
    save_model(path, first)
    resumed = Trainer.from_checkpoint(load_model(path))
    with pytest.raises(TrainingError, match="planned for 3 epochs and 3 are done"):
        resumed.fit(1)


# ----------------------------------------------------------------------------- CLI
def test_cli_save_then_resume_continues_the_run(tmp_path, capsys):
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    sets = ["--set", "data.dataset=moons", "--set", "data.n_samples=200"]
    sets += ["--set", "train.early_stopping=false", "--set", "train.epochs=2"]
    assert run_cli(["train", *sets, "--quiet", "--save", str(a)]) == 0
    assert run_cli(["train", "--resume", str(a), "--epochs", "2", "--json", "--save", str(b)]) == 0
    out = capsys.readouterr().out
    assert "resuming" in out and "saved the model to" in out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["epochs_run"] == 4
    loaded = load_model(b)
    assert [e["epoch"] for e in loaded.history.epochs] == [1, 2, 3, 4]
    # the same as continuing in memory
    in_memory = Trainer(load_model(a).project)
    in_memory.fit(2)
    in_memory.fit(2)
    np.testing.assert_allclose(loaded.history.batch_loss, in_memory.history.batch_loss, rtol=1e-6)
    assert summary["steps"] == in_memory.global_step


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "{tmp}/p.json", "--resume", "{model}"], "--resume continues the project"),
        (
            ["train", "--resume", "{model}"],
            "has trained 2 epochs, as many as or more than the 2 its project plans",
        ),
        (["train", "--resume", "{tmp}/none.safetensors"], "the file does not exist"),
        (["train", "--save", "{tmp}/no/such/dir/m.safetensors"], "does not exist"),
        (["train", "--save", "{tmp}"], "that is a folder"),
        (["train", "--epochs", "0"], "--epochs 0"),
    ],
)
def test_cli_resume_and_save_errors(tmp_path, capsys, args, fragment):
    model = tmp_path / "m.safetensors"
    t = Trainer(project(epochs=2))
    t.fit()
    save_model(model, t)
    args = [a.format(tmp=tmp_path, model=model) for a in args]
    assert run_cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("odyssey: error:")
    assert fragment in err


def test_resume_with_a_different_network_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    first = Trainer(project())
    first.fit(1)
    save_model(path, first)
    loaded = load_model(path)
    wider = loaded.project.with_overrides(['model.hidden=[{"units": 32}]'])
    with pytest.raises(TrainingError, match="does not fit this project"):
        Trainer.from_checkpoint(loaded, project=wider)
    other = loaded.project.with_overrides(["train.optimizer=sgd"])
    with pytest.raises(TrainingError, match="does not fit this project"):
        Trainer.from_checkpoint(loaded, project=other)
