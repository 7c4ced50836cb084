"""Recorded runs as a CSV table: one row per run, its results and its settings (those
that differ between the runs, or all of them), for a spreadsheet or pandas."""

from __future__ import annotations

import csv
import io
import time

from desktop_app.core.runs.compare import MISSING, all_keys, differing_keys, flatten_settings
from desktop_app.core.runs.records import RunSummary

RESULT_COLUMNS = (
    "id",
    "name",
    "kind",
    "group",
    "source",
    "status",
    "metric",
    "best_val",
    "best_epoch",
    "best_val_loss",
    "test",
    "seconds",
    "epochs",
    "device",
    "seed",
    "starred",
    "note",
    "created",
    "model_path",
)


def runs_csv(runs: list[RunSummary], differences_only: bool = False) -> str:
    """The runs as CSV text; settings columns are named by their paths (train.lr)."""
    settings = [flatten_settings(r.project_data) for r in runs]
    keys = differing_keys(settings) if differences_only else all_keys(settings)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*RESULT_COLUMNS, *keys])
    for r, s in zip(runs, settings):
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(r.created))
        results = [
            r.id,
            r.label,
            r.kind,
            r.group_id or "",
            r.source,
            r.status,
            r.metric_name or "",
            _cell(r.best_value),
            _cell(r.best_epoch),
            _cell(r.best_val_loss),
            _cell(r.test_value),
            _cell(r.seconds),
            _cell(r.epochs_run),
            r.device or "",
            _cell(r.seed),
            int(r.starred),
            r.note,
            created,
            r.model_path or "",
        ]
        writer.writerow(results + [_cell(s.get(k, MISSING)) for k in keys])
    return out.getvalue()


def _cell(value) -> str:
    if value is None or value is MISSING:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)
