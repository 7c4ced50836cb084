"""What a model or project file holds, in a few lines (``odyssey info``, the GUI).

Reads through the same validating loaders as everything else, so a summary is never
shown for a file that would fail to open.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import FileFormatError
from desktop_app.core.persistence.model_file import load_model
from desktop_app.core.persistence.projects import load_project
from desktop_app.core.regular_file import open_regular
from desktop_app.core.tabular.detect import TABLE_SUFFIXES

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.specs.project import Project


def file_summary(path: str | Path) -> dict:
    """What a model or project file holds, for `odyssey info` and the GUI."""
    from desktop_app.core.specs.model import count_parameters

    p = Path(path)
    is_model = p.suffix.lower() == ".safetensors"
    if not is_model and p.suffix.lower() != ".json":
        try:
            with open_regular(p) as f:  # a FIFO would block a plain open forever
                head = f.read(64)
        except (OSError, ValueError):
            head = b"{"  # load_project reports it
        is_model = not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
        # A safetensors file starts with its header's length (8 bytes), then "{".
        if is_model and head[8:9] != b"{":
            table = p.suffix.lower() in TABLE_SUFFIXES
            raise FileFormatError(
                f"{p} is {'a table, ' if table else ''}not a safetensors model file or a "
                "project file (.json), the files odyssey info reads"
                + (f"; to train on it, use odyssey train --data {p}" if table else "")
            )
    if not is_model:
        project = load_project(p)
        d = project.data
        n_out = d.classes if d.task == "multiclass" else 1
        return {
            "kind": "project",
            "path": str(p),
            **_project_summary(project, d.features, n_out),
            "parameters": count_parameters(project.model, d.features, n_out),
        }
    m = load_model(p)
    prep = m.preprocessing
    return {
        "kind": "model",
        "path": str(p),
        "file_bytes": p.stat().st_size,
        **_project_summary(m.project, prep.n_features, prep.n_outputs),
        "parameters": m.n_parameters,
        "features": list(prep.feature_names),
        "classes": list(prep.class_names),
        "table": m.project.data.table.path if m.project.data.table is not None else None,
        "columns": [c.name for c in prep.raw_columns or []],
        "epochs_trained": m.epochs_trained,
        "steps_trained": m.resume.global_step if m.resume else int(m.history.n_steps),
        "best_epoch": m.resume.best_epoch if m.resume else None,
        "can_resume": m.resume is not None,
        "test_metrics": m.test_metrics,
        "format_version": m.format_version,
        "app_version": m.app_version,
    }


def _project_summary(project: Project, n_in: int, n_out: int) -> dict:
    t = project.train
    return {
        "name": project.name,
        "dataset": project.data.dataset,
        "task": project.task,
        "architecture": " → ".join(
            [str(n_in), *(f"{h.units} {h.activation}" for h in project.model.hidden), str(n_out)]
        ),
        "training": f"{t.optimizer} lr {t.lr:g}, loss {project.loss}, batch {t.batch_size}, "
        f"up to {t.epochs} epochs, schedule {t.schedule}, seed {t.seed}",
        "project_format_version": project.format_version,
    }
