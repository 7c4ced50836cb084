"""The run store: recording, reading, editing, kept model files, migrations, crashes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from desktop_app.core.engine import Trainer
from desktop_app.core.errors import OdysseyError
from desktop_app.core.runs import location
from desktop_app.core.runs.recorder import RunRecorder
from desktop_app.core.runs.records import MAX_STEP_POINTS, downsample
from desktop_app.core.runs.schema import SCHEMA_VERSION, migrate, schema_version
from desktop_app.core.runs.store import RunNotFound, RunStore
from desktop_app.core.runs.writer import connect
from desktop_app.core.specs.project import Project


def tiny(**overrides) -> Project:
    sets = {"data.n_samples": 120, "train.epochs": 2, "train.batch_size": 16, **overrides}
    return Project().with_overrides([f"{k}={v}" for k, v in sets.items()])


@pytest.fixture
def store(tmp_path) -> RunStore:
    s = RunStore(tmp_path / "store")
    yield s
    s.close()


def test_the_default_store_is_in_the_data_folder_the_environment_names(isolated_data_dir):
    s = RunStore.default(setting="/somewhere/the/window/chose")
    assert s.path == isolated_data_dir / "runs.sqlite3"
    assert s.path.exists()


def test_without_the_environment_the_window_setting_decides(monkeypatch, tmp_path):
    monkeypatch.delenv(location.DATA_DIR_ENV)
    assert location.data_dir(tmp_path / "chosen") == tmp_path / "chosen"
    assert location.data_dir(None) == location.default_data_dir()


def test_a_recorded_run_keeps_what_the_run_did(store):
    recorder = RunRecorder(store, source="cli")
    result = Trainer(tiny(), callbacks=[recorder]).fit()
    rec = store.get_run(recorder.run_id)
    assert rec.status == "finished" and rec.source == "cli" and rec.kind == "run"
    assert [e["epoch"] for e in rec.epochs] == [1, 2]
    vals = [e["val_metric"] for e in result.history.epochs]
    assert rec.best_value == pytest.approx(max(vals))
    assert rec.best_epoch == 1 + int(np.argmax(vals))
    assert rec.test_value == pytest.approx(result.test_metrics["accuracy"])
    assert rec.step_total == result.history.n_steps
    np.testing.assert_allclose(rec.step_losses, result.history.batch_loss)
    assert rec.seed == 0 and rec.device == "cpu" and rec.seconds > 0
    assert rec.project() == result.project
    assert rec.data_hash and rec.model_path and store.model_file(rec.id).exists()
    from desktop_app.core.persistence.model_file import load_model

    assert load_model(rec.model_path).project == result.project


def test_the_same_data_hashes_alike_and_other_data_differently():
    from desktop_app.core.runs.records import data_hash

    assert data_hash(tiny()) == data_hash(tiny(**{"train.lr": 0.5}))
    assert data_hash(tiny()) != data_hash(tiny(**{"data.seed": 7}))


def test_record_result_and_metrics_only_rows(store):
    result = Trainer(tiny()).fit()
    run_id = store.record_result(result, kind="repeat", source="sweep", group="g1", name="a")
    base = store.record_metrics_only(
        tiny(), {"accuracy": 0.8}, metric_name="accuracy", name="logistic", val_value=0.75
    )
    runs = {r.id: r for r in store.list_runs()}
    assert runs[run_id].label == "a" and runs[run_id].group_id == "g1"
    assert runs[run_id].model_path is None
    assert runs[base].kind == "baseline" and runs[base].test_value == 0.8
    assert runs[base].best_value == 0.75 and store.get_run(base).epochs == []
    assert [r.id for r in store.list_runs(kind="baseline")] == [base]
    assert [r.id for r in store.list_runs(group="g1")] == [run_id]
    with pytest.raises(OdysseyError, match="unknown run kind"):
        store.record_result(result, kind="nonsense")


def test_rename_note_star_and_delete(store):
    result = Trainer(tiny()).fit()
    a = store.record_result(result, model=None)
    b = store.record_result(result, name="second")
    store.rename(a, "  wide one ")
    store.set_note(a, "lr too high?")
    store.set_star(a, True)
    rec = store.get_run(a)
    assert (rec.name, rec.note, rec.starred) == ("wide one", "lr too high?", True)
    assert [r.id for r in store.list_runs(starred=True)] == [a]
    assert [r.id for r in store.list_runs(text="lr too")] == [a]
    store.delete(a)
    assert [r.id for r in store.list_runs()] == [b]
    with pytest.raises(RunNotFound, match=f"no run {a}"):
        store.get_run(a)
    with pytest.raises(RunNotFound):
        store.rename(a, "gone")


def test_model_files_are_kept_for_the_newest_runs_and_starred_ones(tmp_path):
    store = RunStore(tmp_path / "s", keep_models=1)
    trainer = Trainer(tiny())
    result = trainer.fit()
    model = trainer.checkpoint()
    ids = [store.record_result(result, model=model) for _ in range(2)]
    first = store.get_run(ids[0])
    assert first.model_path is None and not store.model_file(ids[0]).exists()
    store.set_star(ids[1], True)
    third = store.record_result(result, model=model)
    assert store.get_run(ids[1]).model_path  # starred: kept past the limit
    assert store.get_run(third).model_path
    store.delete(third)
    assert not store.model_file(third).exists()
    store.close()


def test_a_users_own_model_file_is_never_deleted(store, tmp_path):
    own = tmp_path / "mine.safetensors"
    own.write_bytes(b"x")
    result = Trainer(tiny()).fit()
    run_id = store.record_result(result, model_path=own)
    store.delete(run_id)
    assert own.exists()


def test_a_failed_run_is_recorded_with_its_message(store):
    recorder = RunRecorder(store)
    project = Project().with_overrides(
        [
            "data.dataset=regression",
            "data.n_samples=200",
            "train.optimizer=sgd",
            "train.lr=100",
            "train.momentum=0.9",
            "train.epochs=50",
            "train.early_stopping=false",
        ]
    )
    with pytest.raises(OdysseyError):
        Trainer(project, callbacks=[recorder]).fit()
    rec = store.get_run(recorder.run_id)
    assert rec.status == "failed" and "NaN or infinite" in rec.message


def test_downsampling_keeps_at_most_the_limit_and_the_mean():
    n = 10_007
    steps = np.arange(1, n + 1)
    losses = np.linspace(2, 0, n)
    s, loss, lr = downsample(steps, losses, np.full(n, 0.1))
    assert len(s) == len(loss) == len(lr) == MAX_STEP_POINTS
    assert np.all(np.diff(s) > 0)
    assert loss.mean() == pytest.approx(losses.mean(), rel=1e-3)


# ---------------------------------------------------------------------- schema
def test_an_empty_database_migrates_to_the_current_schema(tmp_path):
    conn = connect(tmp_path / "x.sqlite3")
    assert schema_version(conn) == 0
    assert migrate(conn) == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "run_epochs", "run_steps", "groups", "schema_version"} <= tables
    assert migrate(conn) == SCHEMA_VERSION  # opening a current database changes nothing
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_a_version_1_database_migrates_to_version_2_keeping_its_runs(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    conn = connect(folder / location.DB_NAME)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO runs (name, status, project_json, created) VALUES ('old', 'finished', ?, 1)",
        (tiny().model_dump_json(),),
    )
    conn.close()
    store = RunStore(folder)
    assert [r.label for r in store.list_runs()] == ["old"]
    conn = connect(store.path)
    assert schema_version(conn) == SCHEMA_VERSION
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "runs_group" in indexes
    store.close()


def test_a_database_from_a_newer_odyssey_is_refused(tmp_path):
    store = RunStore(tmp_path / "s")
    store.close()
    conn = connect(store.path)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    conn.close()
    with pytest.raises(OdysseyError, match="newer Odyssey"):
        RunStore(tmp_path / "s")


def test_a_damaged_database_file_gives_a_clear_message(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / location.DB_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(OdysseyError, match="cannot be read"):
        RunStore(folder)


# ---------------------------------------------------------------------- crashes
# A process that records a run as the recorder does (a row, then epochs), then dies the
# way a power cut or a kill would: no clean-up runs. (The store alone: no torch to import.)
CRASH = """
import os, sys
from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.project import Project

store = RunStore(sys.argv[1])
run = store.start_run(Project(), source="cli", wait=False)
for epoch in (1, 2):
    store.add_epoch(run, {"epoch": epoch, "train_loss": 1.0 / epoch, "val_metric": 0.5})
store.flush()
os._exit(3)
"""


def test_a_run_killed_mid_way_is_marked_interrupted_on_the_next_open(tmp_path):
    folder = tmp_path / "crash"
    code = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CRASH), str(folder)], timeout=120
    ).returncode
    assert code == 3
    store = RunStore(folder)
    (run,) = store.list_runs()
    assert run.status == "interrupted" and "before it finished" in run.message
    assert [e["epoch"] for e in store.get_run(run.id).epochs] == [1, 2]
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store.close()


def test_a_run_still_training_in_a_live_process_is_left_running(store):
    run_id = store.start_run(tiny())
    again = RunStore(store.folder)  # this process is alive: its run is not interrupted
    assert again.get_run(run_id).status == "running"
    again.close()


def test_a_run_the_user_stopped_is_recorded_as_stopped(store):
    from desktop_app.core.callbacks import Callback

    class StopAfterFirstEpoch(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.control.stop()

    recorder = RunRecorder(store)
    project = tiny(**{"train.epochs": 10})
    Trainer(project, callbacks=[StopAfterFirstEpoch(), recorder]).fit()
    rec = store.get_run(recorder.run_id)
    assert (rec.status, rec.stop_reason) == ("stopped", "user")
    assert rec.epochs_run < 10 and rec.model_path


def test_runs_from_two_stores_on_one_folder_both_land(tmp_path):
    """Sweep trials in worker processes each open their own store on the folder."""
    a, b = RunStore(tmp_path / "shared"), RunStore(tmp_path / "shared")
    result = Trainer(tiny()).fit()
    ids = {a.record_result(result, source="sweep"), b.record_result(result, source="sweep")}
    assert {r.id for r in a.list_runs()} == ids == {r.id for r in b.list_runs()}
    a.close()
    b.close()
