"""`odyssey` on the command line: the default project, JSON output, bad input."""

import json
import subprocess
import sys

import pytest

from desktop_app.cli.main import run_cli


def odyssey(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_train_default_project_reaches_85_percent_and_prints_json():
    proc = odyssey("train", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["test_metrics"]["accuracy"] >= 0.85
    assert summary["device"] == "cpu" and summary["epochs_run"] >= 1
    assert summary["steps_per_second"] > 0
    assert "Test metrics" in proc.stdout and "epoch" in proc.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "missing.json"], "project file missing.json does not exist"),
        (["train", "--set", "train.lr=-1"], "train.lr = -1"),
        (["train", "--set", "data.dataset=nope"], "dataset 'nope' is unknown"),
        (["train", "--set", "model.hidden.0.activation=swish"], "activation = 'swish'"),
        (["train", "--device", "cuda:7"], "cuda:7"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragment, capsys):
    code = run_cli(args)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("odyssey: error:")
    assert fragment in err
    assert "Traceback" not in err


def test_init_writes_a_runnable_project(tmp_path, capsys):
    path = tmp_path / "p.json"
    assert run_cli(["init", str(path)]) == 0
    assert json.loads(path.read_text())["data"]["dataset"] == "classification"
    assert run_cli(["init", str(path)]) == 2  # no silent overwrite
    assert "already exists" in capsys.readouterr().err
    path.write_text(path.read_text().replace('"epochs": 100', '"epochs": 2'))
    assert (
        run_cli(["train", str(path), "--quiet", "--json", "--set", "train.early_stopping=false"])
        == 0
    )
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(out)["epochs_run"] == 2


def test_malformed_project_file(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('{"data": {"dataset": "moons", "colour": 3}}')
    assert run_cli(["train", str(path)]) == 2
    assert "data.colour: unknown setting" in capsys.readouterr().err


def test_datasets_lists_the_catalog(capsys):
    assert run_cli(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("moons", "iris", "diabetes", "friedman1", "spiral", "xor"):
        assert name in out


def test_python_m_is_the_same_program():
    proc = odyssey("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("odyssey ")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["trian"], "did you mean 'train'"),
        (["no-such-project.json"], "no-such-project.json does not exist"),
        (["notes.txt"], "neither a command (train, predict, info, init, datasets"),
    ],
)
def test_a_mistyped_command_is_an_error_not_a_window(args, fragment, capsys, monkeypatch):
    """`odyssey trian` opened the window on a project called "trian" (and, without a
    screen, aborted with a libxcb message); it is a one-line error with exit status 2."""
    import desktop_app.app
    from desktop_app.__main__ import main

    opened = []
    monkeypatch.setattr(desktop_app.app, "run_app", lambda argv: opened.append(argv) or 0)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("odyssey: error: ") and fragment in err and err.count("\n") == 1
    assert opened == []


def test_an_existing_project_file_still_opens_the_window(tmp_path, monkeypatch):
    import desktop_app.app
    from desktop_app.__main__ import main
    from desktop_app.core.specs.project import Project

    path = tmp_path / "p.json"
    path.write_text(Project().to_json())
    opened = []
    monkeypatch.setattr(desktop_app.app, "run_app", lambda argv: opened.append(argv) or 0)
    assert main([str(path)]) == 0 and opened == [[str(path)]]


def test_help_names_the_window_and_the_self_test(capsys):
    from desktop_app.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "odyssey [PROJECT.json]" in out and "--self-test" in out


def test_a_stopping_criterion_set_on_the_command_line_names_itself():
    proc = odyssey(
        "train",
        "--json",
        "--set",
        "train.val_metric_goal=0.8",
        "--set",
        "train.early_stopping=false",
    )
    assert proc.returncode == 0, proc.stderr
    assert "the validation metric reached its target" in proc.stdout
    assert json.loads(proc.stdout.strip().splitlines()[-1])["stop_reason"] == "val_metric_goal"


def test_info_on_a_table_names_the_files_it_reads(tmp_path, capsys):
    """It said "header claims 734,698,278,354,037,857 bytes" (issue 10, bug 15)."""
    table = tmp_path / "data.csv"
    table.write_text("a,b\n1,2\n")
    assert run_cli(["info", str(table)]) == 2
    err = capsys.readouterr().err
    assert "is a table" in err and "safetensors" in err and "odyssey train --data" in err
    assert "header claims" not in err


def test_resume_says_the_epoch_it_trains_to(tmp_path):
    model = tmp_path / "m.safetensors"
    first = odyssey(
        "train", "--set", "train.epochs=5", "--set", "train.early_stopping=false",
        "--save", str(model), "--quiet",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    proc = odyssey("train", "--resume", str(model), "--epochs", "3")
    assert proc.returncode == 0, proc.stderr
    assert "up to 8 epochs" in proc.stdout and "finished after 8 epochs" in proc.stdout
