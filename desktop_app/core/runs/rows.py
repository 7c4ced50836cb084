"""Rows of the run database: a run's fields from a Project or a TrainResult, and back.

The SQL the store runs on the `runs`, `run_epochs` and `run_steps` tables, kept apart
from the store's threading and API.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop_app.core.errors import OdysseyError
from desktop_app.core.run_types import TrainResult
from desktop_app.core.runs.records import (
    KINDS,
    SOURCES,
    RunSummary,
    best_of,
    data_hash,
    downsample,
    floats_blob,
    plain,
)
from desktop_app.core.specs.project import Project

SUMMARY_COLUMNS = (
    "id, name, kind, group_id, source, status, stop_reason, message, project_json, "
    "data_hash, task, metric_name, best_value, best_epoch, best_val_loss, final_json, "
    "test_json, epochs_run, steps, seconds, device, seed, starred, note, created, model_path"
)


def check_kind(kind: str, source: str) -> None:
    if kind not in KINDS:
        raise OdysseyError(f"unknown run kind {kind!r}; use one of: {', '.join(KINDS)}")
    if source not in SOURCES:
        raise OdysseyError(f"unknown run source {source!r}; use one of: {', '.join(SOURCES)}")


def project_fields(project: Project) -> dict:
    return {
        "project_json": json.dumps(project.model_dump(mode="json")),
        "data_hash": data_hash(project),
        "seed": int(project.train.seed),
        "task": project.data.task,
    }


def result_fields(result: TrainResult) -> tuple[dict, list[dict], tuple | None]:
    h = result.history
    epochs = [plain(dict(e)) for e in (h.epochs if h is not None else [])]
    best, best_epoch, best_loss = best_of(epochs)
    steps = None
    if h is not None and h.n_steps:
        steps = (h.n_steps, *downsample(h.steps, h.batch_loss, h.batch_lr))
    t = result.timing
    status = "stopped" if result.stop_reason == "user" else "finished"
    fields = {
        "status": status,
        "stop_reason": result.stop_reason,
        "project_json": json.dumps(result.project.model_dump(mode="json")),
        "task": result.task,
        "metric_name": result.metric_name,
        "best_value": best,
        "best_epoch": best_epoch,
        "best_val_loss": best_loss,
        "final_json": json.dumps(epochs[-1] if epochs else {}),
        "test_json": json.dumps(plain(dict(result.test_metrics))),
        "epochs_run": result.epochs_run,
        "steps": result.steps,
        "seconds": t.seconds if t else None,
        "device": t.device if t else None,
    }
    return fields, epochs, steps


def insert_run(c: sqlite3.Connection, row: dict) -> int:
    cols = ", ".join(row)
    cur = c.execute(
        f"INSERT INTO runs ({cols}) VALUES ({', '.join('?' * len(row))})", [*row.values()]
    )
    return int(cur.lastrowid)


def update_run(c: sqlite3.Connection, run_id: int, values: dict) -> bool:
    sets = ", ".join(f"{k} = ?" for k in values)
    cur = c.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*values.values(), run_id])
    return cur.rowcount > 0


def write_history(c: sqlite3.Connection, run_id: int, epochs: list[dict], steps) -> None:
    c.execute("DELETE FROM run_epochs WHERE run_id = ?", (run_id,))
    c.executemany(
        "INSERT INTO run_epochs (run_id, epoch, logs_json) VALUES (?, ?, ?)",
        [(run_id, int(e.get("epoch") or i + 1), json.dumps(e)) for i, e in enumerate(epochs)],
    )
    if steps is not None:
        total, s, loss, lr = steps
        c.execute(
            "INSERT OR REPLACE INTO run_steps (run_id, total, steps, losses, lrs) "
            "VALUES (?, ?, ?, ?, ?)",
            (run_id, int(total), floats_blob(s), floats_blob(loss), floats_blob(lr)),
        )


def save_model_file(path: Path, model: Any) -> None:
    from desktop_app.core.persistence.model_file import save_model

    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(path, model)


def summary_from_row(r: tuple) -> RunSummary:
    return RunSummary(
        id=r[0],
        name=r[1] or "",
        kind=r[2],
        group_id=r[3],
        source=r[4],
        status=r[5],
        stop_reason=r[6],
        message=r[7],
        project_data=json.loads(r[8]) if r[8] else {},
        data_hash=r[9],
        task=r[10],
        metric_name=r[11],
        best_value=r[12],
        best_epoch=r[13],
        best_val_loss=r[14],
        final=json.loads(r[15]) if r[15] else {},
        test_metrics=json.loads(r[16]) if r[16] else {},
        epochs_run=r[17],
        steps=r[18],
        seconds=r[19],
        device=r[20],
        seed=r[21],
        starred=bool(r[22]),
        note=r[23] or "",
        created=r[24] or 0.0,
        model_path=r[25],
    )


def runs_query(
    kind: str | Iterable[str] | None,
    group: str | None,
    status: str | None,
    starred: bool | None,
    text: str | None,
    limit: int | None,
) -> tuple[str, list]:
    """The SELECT of RunStore.list_runs: runs matching every filter given, newest first."""
    where, args = [], []
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        args += kinds
    if group is not None:
        where.append("group_id = ?")
        args.append(group)
    if status is not None:
        where.append("status = ?")
        args.append(status)
    if starred is not None:
        where.append("starred = ?")
        args.append(int(starred))
    if text:
        where.append("(name LIKE ? OR note LIKE ? OR CAST(id AS TEXT) = ?)")
        args += [f"%{text}%", f"%{text}%", text.strip()]
    sql = f"SELECT {SUMMARY_COLUMNS} FROM runs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, args
