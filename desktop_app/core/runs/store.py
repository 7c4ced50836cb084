"""RunStore: the local database of every run (SQLite, WAL), as the GUI, the CLI, sweeps,
repeats, races and baselines record and read it. See core/runs/__init__.py for the API.

Writes go through one writer thread per store (core.runs.writer); reads use a
connection per reading thread. Opening a store migrates its schema and marks runs whose
process has gone (a crash, a kill) as interrupted.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import OdysseyError
from desktop_app.core.run_types import TrainResult
from desktop_app.core.runs import location
from desktop_app.core.runs.kept_models import prune_models, remove_kept_model
from desktop_app.core.runs.liveness import mark_interrupted
from desktop_app.core.runs.records import RunRecord, RunSummary, floats_from_blob, plain
from desktop_app.core.runs.rows import (
    SUMMARY_COLUMNS,
    check_kind,
    insert_run,
    project_fields,
    result_fields,
    runs_query,
    save_model_file,
    summary_from_row,
    update_run,
    write_history,
)
from desktop_app.core.runs.schema import migrate
from desktop_app.core.runs.writer import Writer, connect
from desktop_app.core.specs.project import Project

KEEP_MODELS = 20  # model files kept for the newest runs (starred ones are always kept)


def resolved(run_id: int | Future) -> int:
    """A run id, or the Future of one queued before (resolved: the queue is in order)."""
    return int(run_id.result(60) if isinstance(run_id, Future) else run_id)


class RunNotFound(OdysseyError, KeyError):
    """No run with that id (deleted, or another database)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "no such run"


@dataclass
class GroupInfo:
    """A sweep, a repeat group or a race: what its runs share."""

    id: str
    kind: str
    name: str = ""
    created: float = 0.0
    info: dict = field(default_factory=dict)
    n_runs: int = 0


class RunStore:
    """The run database in `folder` (created if needed): runs.sqlite3 and models/."""

    def __init__(self, folder: str | Path, keep_models: int = KEEP_MODELS):
        self.folder = Path(folder)
        self.keep_models = int(keep_models)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OdysseyError(
                f"cannot create the run folder {self.folder}: {exc.strerror}; choose another "
                f"folder in the settings or set {location.DATA_DIR_ENV}"
            ) from None
        self.path = self.folder / location.DB_NAME
        self.models_dir = self.folder / location.MODELS_DIR
        self._local = threading.local()
        try:
            conn = self._conn()
            migrate(conn, where=str(self.path))
            mark_interrupted(conn)
        except sqlite3.DatabaseError as exc:
            raise OdysseyError(
                f"the run database {self.path} cannot be read ({exc}); move it aside to "
                "start a new one"
            ) from None
        self.writer = Writer(self.path)

    @classmethod
    def default(cls, setting: str | Path | None = None, **kwargs) -> RunStore:
        """The store in the user's data folder (ODYSSEY_DATA_DIR, else `setting`, else
        the platform's place)."""
        return cls(location.data_dir(setting), **kwargs)

    # ------------------------------------------------------------------ connections
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
        return conn

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait for every queued write (True when all were applied in time)."""
        return self.writer.flush(timeout)

    def close(self) -> None:
        """Apply queued writes and close this thread's reading connection."""
        self.flush()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------------ recording
    def start_run(
        self,
        project: Project,
        *,
        kind: str = "run",
        source: str = "gui",
        group: str | None = None,
        name: str | None = None,
        wait: bool = True,
    ) -> int | Future:
        """Write a run's row with status running (and this process's id) and return its
        id; wait=False: queue it and return a Future of the id, which add_epoch,
        finish_run and fail_run take as they take an id (the recorder does this, so the
        run never waits on the disk)."""
        check_kind(kind, source)
        row = {
            **project_fields(project),
            "name": name or "",
            "kind": kind,
            "group_id": group,
            "source": source,
            "status": "running",
            "created": time.time(),
            "heartbeat": time.time(),
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        future = self.writer.submit(lambda c: insert_run(c, row))
        return future.result(60) if wait else future

    def add_epoch(self, run_id: int | Future, logs: dict) -> Future:
        """Queue one epoch's record of a running run (also its sign of life)."""
        epoch = int(logs.get("epoch") or 0)
        text = json.dumps(plain(dict(logs)))
        now = time.time()

        def write(c: sqlite3.Connection) -> None:
            rid = resolved(run_id)
            c.execute(
                "INSERT OR REPLACE INTO run_epochs (run_id, epoch, logs_json) VALUES (?, ?, ?)",
                (rid, epoch, text),
            )
            c.execute(
                "UPDATE runs SET heartbeat = ?, epochs_run = ? WHERE id = ?", (now, epoch, rid)
            )

        return self.writer.submit(write)

    def finish_run(
        self,
        run_id: int | Future,
        result: TrainResult,
        *,
        model: Any | None = None,
        model_path: str | Path | None = None,
    ) -> Future:
        """Queue a run's end: its history, metrics and status. `model` (a LoadedModel)
        is saved to the data folder's models/ by the writer thread; `model_path` records
        a file kept elsewhere instead."""
        fields, epochs, steps = result_fields(result)

        def write(c: sqlite3.Connection) -> None:
            rid = resolved(run_id)
            target = self.model_file(rid) if model is not None else None
            path = str(target) if target is not None else (str(model_path) if model_path else None)
            if target is not None:
                save_model_file(target, model)
            write_history(c, rid, epochs, steps)
            update_run(c, rid, {**fields, "model_path": path, "heartbeat": time.time()})
            if target is not None:
                self._prune_models(c)

        return self.writer.submit(write)

    def fail_run(self, run_id: int | Future, message: str, status: str = "failed") -> Future:
        """Queue a run's end without a result (an error, an interrupt)."""
        values = {"status": status, "message": str(message)[:2000]}
        return self.writer.submit(lambda c: update_run(c, resolved(run_id), values))

    def record_result(
        self,
        result: TrainResult,
        *,
        kind: str = "run",
        source: str = "gui",
        group: str | None = None,
        name: str | None = None,
        model: Any | None = None,
        model_path: str | Path | None = None,
        note: str = "",
    ) -> int:
        """Record a finished run in one call; returns its id (waits for the write)."""
        check_kind(kind, source)
        row = {
            **project_fields(result.project),
            "name": name or "",
            "kind": kind,
            "group_id": group,
            "source": source,
            "status": "running",
            "note": note,
            "created": time.time(),
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        run_id = self.writer.call(lambda c: insert_run(c, row))
        self.finish_run(run_id, result, model=model, model_path=model_path).result(120)
        return run_id

    def record_metrics_only(
        self,
        project: Project,
        test_metrics: dict,
        *,
        metric_name: str,
        kind: str = "baseline",
        source: str = "gui",
        group: str | None = None,
        name: str | None = None,
        val_value: float | None = None,
        seconds: float | None = None,
        device: str | None = "cpu",
        note: str = "",
    ) -> int:
        """Record a row with metrics but no curves (a baseline model): its test metrics
        and, if measured, the validation value of `metric_name`."""
        check_kind(kind, source)
        row = {
            **project_fields(project),
            "name": name or "",
            "kind": kind,
            "group_id": group,
            "source": source,
            "status": "finished",
            "stop_reason": "completed",
            "metric_name": metric_name,
            "best_value": val_value,
            "test_json": json.dumps(plain(dict(test_metrics))),
            "seconds": seconds,
            "device": device,
            "note": note,
            "created": time.time(),
        }
        return self.writer.call(lambda c: insert_run(c, row))

    # ------------------------------------------------------------------ reading
    def list_runs(
        self,
        *,
        kind: str | Iterable[str] | None = None,
        group: str | None = None,
        status: str | None = None,
        starred: bool | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[RunSummary]:
        """Runs, newest first, without their curves."""
        sql, args = runs_query(kind, group, status, starred, text, limit)
        return [summary_from_row(r) for r in self._conn().execute(sql, args)]

    def get_run(self, run_id: int) -> RunRecord:
        """A run with its epochs and per-step losses (RunNotFound if there is none)."""
        c = self._conn()
        row = c.execute(f"SELECT {SUMMARY_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFound(f"there is no run {run_id} in {self.path}")
        summary = summary_from_row(row)
        rec = RunRecord(**summary.__dict__)
        rec.epochs = [
            json.loads(t)
            for (t,) in c.execute(
                "SELECT logs_json FROM run_epochs WHERE run_id = ? ORDER BY epoch", (run_id,)
            )
        ]
        steps = c.execute(
            "SELECT total, steps, losses, lrs FROM run_steps WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        if steps is not None:
            rec.step_total = int(steps[0])
            rec.step_numbers = floats_from_blob(steps[1])
            rec.step_losses = floats_from_blob(steps[2])
            rec.step_lrs = floats_from_blob(steps[3])
        return rec

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    # ------------------------------------------------------------------ editing
    def rename(self, run_id: int, name: str, wait: bool = True) -> Future:
        return self._edit(run_id, {"name": str(name).strip()[:200]}, wait)

    def set_note(self, run_id: int, note: str, wait: bool = True) -> Future:
        return self._edit(run_id, {"note": str(note)[:10_000]}, wait)

    def set_star(self, run_id: int, starred: bool, wait: bool = True) -> Future:
        return self._edit(run_id, {"starred": int(bool(starred))}, wait)

    def delete(self, run_ids: int | Iterable[int], wait: bool = True) -> Future:
        """Delete runs, their curves and the model files kept for them in models/."""
        ids = [int(run_ids)] if isinstance(run_ids, int) else [int(i) for i in run_ids]

        def write(c: sqlite3.Connection) -> None:
            for i in ids:
                row = c.execute("SELECT model_path FROM runs WHERE id = ?", (i,)).fetchone()
                if row and row[0]:
                    remove_kept_model(row[0], self.models_dir)
                c.execute("DELETE FROM runs WHERE id = ?", (i,))

        return self._wait(self.writer.submit(write), wait)

    def set_keep_models(self, keep: int) -> Future:
        """Keep model files for the newest `keep` runs (and starred ones); prune now."""
        self.keep_models = max(0, int(keep))
        return self.writer.submit(self._prune_models)

    def _edit(self, run_id: int, values: dict, wait: bool) -> Future:
        def write(c: sqlite3.Connection) -> None:
            if not update_run(c, run_id, values):
                raise RunNotFound(f"there is no run {run_id} in {self.path}")
            if "starred" in values:
                self._prune_models(c)

        return self._wait(self.writer.submit(write), wait)

    @staticmethod
    def _wait(future: Future, wait: bool) -> Future:
        if wait:
            future.result(60)
        return future

    # ------------------------------------------------------------------ groups
    def create_group(
        self, kind: str, name: str = "", info: dict | None = None, group_id: str | None = None
    ) -> str:
        """A new group (sweep, repeat, race) and its id; runs name it as `group`."""
        gid = group_id or f"{kind}-{uuid.uuid4().hex[:12]}"
        text = json.dumps(plain(info or {}))
        self.writer.call(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO groups (id, kind, name, created, info_json) "
                "VALUES (?, ?, ?, ?, ?)",
                (gid, kind, name, time.time(), text),
            )
        )
        return gid

    def set_group_info(self, group_id: str, info: dict) -> Future:
        text = json.dumps(plain(info))
        return self.writer.submit(
            lambda c: c.execute("UPDATE groups SET info_json = ? WHERE id = ?", (text, group_id))
        )

    def groups(self, kind: str | None = None) -> list[GroupInfo]:
        sql = (
            "SELECT g.id, g.kind, g.name, g.created, g.info_json, "
            "(SELECT COUNT(*) FROM runs r WHERE r.group_id = g.id) FROM groups g"
        )
        args: list = []
        if kind is not None:
            sql += " WHERE g.kind = ?"
            args.append(kind)
        sql += " ORDER BY g.created DESC"
        return [
            GroupInfo(r[0], r[1], r[2], r[3], json.loads(r[4] or "{}"), int(r[5]))
            for r in self._conn().execute(sql, args)
        ]

    def get_group(self, group_id: str) -> GroupInfo | None:
        return next((g for g in self.groups() if g.id == group_id), None)

    # ------------------------------------------------------------------ model files
    def model_file(self, run_id: int) -> Path:
        """Where a run's kept model file goes."""
        return self.models_dir / f"run-{int(run_id):06d}.safetensors"

    def _prune_models(self, c: sqlite3.Connection) -> None:
        prune_models(c, self.models_dir, self.keep_models)
