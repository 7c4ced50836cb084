"""Runs and commands from the fault matrix (issue 15) that ended in a traceback: each now
trains, or stops with a message written for the user."""

import csv
import importlib.abc
import json
import sys

import pytest
import torch

import desktop_app.core.engine as engine
from desktop_app.__main__ import main
from desktop_app.cli.main import run_cli
from desktop_app.core.catalog import split_sizes
from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import NonFiniteLossError, PreparationStopped, SpecError, TrainingError
from desktop_app.core.persistence.model_file import save_model
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project

MOONS = ["data.dataset=moons", "data.n_samples=100", "train.device=cpu", "train.epochs=2"]


def test_plateau_with_gamma_1_is_refused_at_validation():
    with pytest.raises(SpecError, match="gamma must be below 1"):
        Project().with_overrides([*MOONS, "train.schedule=plateau", "train.gamma=1"])
    Project().with_overrides([*MOONS, "train.schedule=step", "train.gamma=1"])  # a no-op: fine


def test_batch_norm_trains_when_the_last_batch_has_one_row():
    n_train = split_sizes(100, 0.1, 0.2)[0]
    project = Project().with_overrides(
        [
            *MOONS,
            f"train.batch_size={n_train - 1}",
            'model.hidden=[{"units": 4, "batch_norm": true}]',
        ]
    )
    assert n_train % project.train.batch_size == 1
    result = Trainer(project).fit()
    assert result.epochs_run == 2 and result.steps == 2  # one full batch per epoch
    with pytest.raises(SpecError, match="batch norm needs batches of at least 2 rows"):
        project.with_overrides(["train.batch_size=1"])


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8e12"),
        MemoryError(),
    ],
)
def test_out_of_memory_at_build_is_the_documented_message(monkeypatch, capsys, error):
    def build(*_a, **_k):
        raise error

    monkeypatch.setattr(engine, "build_model", build)
    with pytest.raises(TrainingError, match="The computer ran out of memory during training"):
        Trainer(Project().with_overrides(MOONS)).fit()
    assert run_cli(["train", "--set", "data.dataset=moons", "--set", "train.epochs=1"]) == 2
    err = capsys.readouterr().err
    assert "The computer ran out of memory" in err and "DefaultCPUAllocator" not in err


def test_nan_weights_from_the_last_step_stop_the_run_with_the_last_finite_ones(monkeypatch):
    project = Project().with_overrides([*MOONS, "train.epochs=1", "train.early_stopping=false"])
    real_step = engine.fast_step

    def exploding_step(opt):
        step = real_step(opt)
        last = split_sizes(100, 0.1, 0.2)[0] // project.train.batch_size + 1

        def run():
            step()
            if exploding_step.calls == last - 1:  # the run's last step
                with torch.no_grad():
                    for group in opt.param_groups:
                        for p in group["params"]:
                            p.fill_(float("nan"))
            exploding_step.calls += 1

        return run

    exploding_step.calls = 0
    monkeypatch.setattr(engine, "fast_step", exploding_step)
    trainer = Trainer(project)
    trainer.use_fast_path = False  # the NaN comes from the optimizer step patched above
    with pytest.raises(NonFiniteLossError):
        trainer.fit()
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


def markup_table(tmp_path):
    path = tmp_path / "t.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "c", "y"])
        for i in range(60):
            w.writerow([i / 10, ["[/x]", "[bold]b", "Iris [v2]"][i % 3], "yes" if i % 2 else "no"])
    return path


def test_rich_markup_in_names_and_values_prints_literally(tmp_path, capsys):
    project = tmp_path / "p.json"
    named = Project(name="Iris [v2] [/x]").with_overrides(MOONS)
    project.write_text(named.to_json())
    assert run_cli(["train", str(project)]) == 0
    assert "Iris [v2] [/x]" in capsys.readouterr().out
    table, model = markup_table(tmp_path), tmp_path / "m [v2].safetensors"
    args = ["train", "--data", str(table), "--target", "y", "--set", "train.epochs=1"]
    assert run_cli([*args, "--save", str(model)]) == 0
    capsys.readouterr()
    assert run_cli(["predict", str(model), str(table)]) == 0
    out = capsys.readouterr().out
    assert "[/x]" in out and "Iris [v2]" in out and "m [v2].safetensors" in out


def test_info_escapes_control_characters_from_the_file(tmp_path, capsys):
    project = Project(name="\x1b]0;pwned\x07\x1b[2J name").with_overrides(MOONS)
    trainer = Trainer(project)
    trainer.fit(1)
    save_model(tmp_path / "m.safetensors", trainer)
    assert run_cli(["info", str(tmp_path / "m.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out
    assert run_cli(["info", "--json", str(tmp_path / "m.safetensors")]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == project.name


def test_ctrl_c_while_the_commands_load_ends_without_a_traceback(monkeypatch, capsys):
    class Interrupt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "desktop_app.cli.main":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "desktop_app.cli.main")
    monkeypatch.setattr(sys, "meta_path", [Interrupt(), *sys.meta_path])
    assert main(["train"]) == 130
    assert capsys.readouterr().err.strip() == "odyssey: interrupted"


def test_stop_is_heard_between_blocks_of_rows():
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    spec = DataSpec(dataset="moons", n_samples=2_000_000)
    with pytest.raises(PreparationStopped):
        prepare(spec, cancel=cancel)
    assert len(calls) == 3  # stopped at the first check after Stop, not at the end


def test_a_dataset_too_big_for_this_computer_is_refused_before_generating(monkeypatch):
    from desktop_app.core import memory

    monkeypatch.setattr(memory, "physical_memory", lambda: 1 << 30)
    project = Project().with_overrides(
        ["data.dataset=classification", "data.n_samples=10000000", "data.n_features=100"]
    )
    with pytest.raises(TrainingError, match="use fewer samples or features"):
        Trainer(project).fit()


def test_a_model_file_bigger_than_half_the_memory_is_refused_before_reading(tmp_path, monkeypatch):
    from desktop_app.core import memory
    from desktop_app.core.errors import FileFormatError
    from desktop_app.core.persistence.model_file import load_model

    trainer = Trainer(Project().with_overrides(MOONS))
    trainer.fit(1)
    save_model(tmp_path / "m.safetensors", trainer)
    monkeypatch.setattr(memory, "physical_memory", lambda: 2000)
    with pytest.raises(FileFormatError, match="more than half of this computer's memory"):
        load_model(tmp_path / "m.safetensors")


def test_one_cycle_with_adagrad_trains():
    """torch's one-cycle cycles momentum by default, which Adagrad lacks: every such
    project raised ValueError (found by a sweep of valid projects)."""
    project = Project().with_overrides(
        [*MOONS, "train.optimizer=adagrad", "train.schedule=onecycle"]
    )
    assert Trainer(project).fit().epochs_run == 2


@pytest.mark.parametrize("setting", ["weight_decay=1e308", "min_lr=1e308", "l1=1e308"])
def test_penalties_too_large_for_float32_are_refused(setting):
    """RMSprop raised "value cannot be converted to type float without overflow"."""
    with pytest.raises(SpecError, match=setting.split("=")[0]):
        Project().with_overrides([*MOONS, f"train.{setting}"])
