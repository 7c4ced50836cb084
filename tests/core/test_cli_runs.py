"""`odyssey train` records its run (unless --no-record); `odyssey runs` lists them."""

from __future__ import annotations

import csv
import io
import json

import pytest

from desktop_app.cli.main import run_cli
from desktop_app.core.runs.store import RunStore

TINY = ["--set", "data.n_samples=120", "--set", "train.batch_size=16", "--epochs", "2"]


def test_train_records_its_run_in_the_data_folder(capsys, isolated_data_dir):
    assert run_cli(["train", *TINY, "--quiet", "--json", "--name", "first try"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    store = RunStore(isolated_data_dir)
    (run,) = store.list_runs()
    assert summary["run_id"] == run.id
    assert (run.label, run.source, run.status, run.epochs_run) == (
        "first try",
        "cli",
        "finished",
        2,
    )
    assert run.test_value == pytest.approx(summary["test_metrics"]["accuracy"])
    assert len(store.get_run(run.id).epochs) == 2
    store.close()


def test_no_record_leaves_the_database_alone(capsys, isolated_data_dir):
    assert run_cli(["train", *TINY, "--quiet", "--no-record"]) == 0
    assert not (isolated_data_dir / "runs.sqlite3").exists()


def test_runs_lists_best_value_epoch_test_metric_and_time(capsys):
    assert run_cli(["runs"]) == 0
    assert "no runs recorded yet" in capsys.readouterr().out
    for _ in range(2):
        assert run_cli(["train", *TINY, "--quiet"]) == 0
    capsys.readouterr()
    assert run_cli(["runs", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [2, 1]  # newest first
    assert all(r["best_epoch"] in (1, 2) and r["test_value"] is not None for r in rows)
    assert run_cli(["runs", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "run 2" in out and "run 1" not in out and "accuracy" in out
    assert run_cli(["runs", "--limit", "0"]) == 2
    capsys.readouterr()
    assert run_cli(["runs", "--csv", "-"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["id"] for r in table] == ["2", "1"]
    assert table[0]["train.lr"] == "0.01" and table[0]["status"] == "finished"


def test_a_data_folder_that_cannot_be_made_warns_and_trains_anyway(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ODYSSEY_DATA_DIR", str(blocker / "odyssey"))
    assert run_cli(["train", *TINY, "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "not recording this run" in err and "cannot create the run folder" in err
    assert run_cli(["runs"]) == 2
    assert "ODYSSEY_DATA_DIR" in capsys.readouterr().err
