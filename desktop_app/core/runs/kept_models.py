"""The model files the run store keeps in its models/ folder: for the newest N runs and
every starred one; older ones are deleted. Only files inside models/ are ever deleted,
never a model file the user saved elsewhere and a run merely points at."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def prune_models(c: sqlite3.Connection, models_dir: Path, keep: int) -> None:
    """Delete kept model files beyond the newest `keep` runs that have one (starred
    runs keep theirs and do not count)."""
    rows = c.execute(
        "SELECT id, model_path FROM runs WHERE model_path IS NOT NULL AND starred = 0 "
        "ORDER BY id DESC"
    ).fetchall()
    for run_id, path in rows[keep:]:
        if remove_kept_model(path, models_dir):
            c.execute("UPDATE runs SET model_path = NULL WHERE id = ?", (run_id,))


def remove_kept_model(path: str, models_dir: Path) -> bool:
    """Delete a model file if it is one of ours (in models/). True if it is gone."""
    p = Path(path)
    try:
        if p.resolve().parent != models_dir.resolve():
            return False
        p.unlink(missing_ok=True)
    except OSError:
        return False
    return True
