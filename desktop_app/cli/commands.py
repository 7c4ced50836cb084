"""The small commands: predict, info, init and datasets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from desktop_app.core.errors import OdysseyError


def cmd_init(args) -> int:
    from desktop_app.core.persistence.atomic import write_text_atomic
    from desktop_app.core.specs.project import Project

    path = Path(args.path)
    if path.exists() and not args.force:
        raise OdysseyError(f"{path} already exists; pass --force to overwrite it")
    write_text_atomic(path, Project().to_json())
    print(f"wrote the default project to {path}")
    return 0


def cmd_datasets(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from desktop_app.core.catalog import CATALOG

    table = Table(title="Odyssey datasets")
    for col in ("name", "task", "samples", "features", "classes", "kind"):
        table.add_column(col)
    for info in CATALOG.values():
        samples = str(info.n_samples) if info.n_samples else "any (default 1000)"
        classes = str(info.n_classes or "-") + (
            " (adjustable)" if "n_classes" in info.params else ""
        )
        feats = str(info.n_features) + (" (adjustable)" if "n_features" in info.params else "")
        table.add_row(info.name, info.task, samples, feats, classes, info.kind)
    Console(width=120).print(table)
    return 0


def cmd_predict(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from desktop_app.core.persistence.model_file import load_model
    from desktop_app.core.predict import predict_csv, write_predictions_csv

    loaded = load_model(args.model)
    rows, result = predict_csv(loaded, args.input)
    for note in rows.notes:
        print(f"odyssey: note: {note}", file=sys.stderr)
    if args.output == "-":
        import csv

        from desktop_app.core.predict import spreadsheet_safe

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(spreadsheet_safe([*rows.header, *result.columns()]))
        for i, rec in enumerate(rows.cells):
            w.writerow(spreadsheet_safe([*rec, *result.row(i)]))
        return 0
    if args.output:
        write_predictions_csv(args.output, rows, result)
        n = len(result) - len(result.skipped)
        print(f"wrote {n} predictions to {args.output}")
        return 0
    shown = rows.columns if len(rows.columns) <= 6 else []
    where = [rows.header.index(c) for c in shown]
    table = Table(title=f"Predictions of {Path(args.model).name}")
    for col in ["row", *shown, *result.columns()]:
        table.add_column(col, justify="right")
    limit = 50
    for i in range(min(len(result), limit)):
        values = [rows.cells[i][j].strip() for j in where]
        pred = result.row(i)
        if i in result.skipped:
            pass
        elif result.task != "regression":
            pred = [pred[0], *(f"{float(v):.4f}" for v in pred[1:])]
        else:
            pred = [f"{float(pred[0]):.6g}"]
        table.add_row(str(i + 1), *values, *pred)
    Console(width=160, highlight=False).print(table)
    if len(result) > limit:
        print(f"… {len(result) - limit} more rows; write them all with -o OUT.csv")
    return 0


def cmd_info(args) -> int:
    from desktop_app.core.persistence.summary import file_summary

    s = file_summary(args.path)
    if args.json:
        print(json.dumps(s))
        return 0
    if s["kind"] == "model":
        print(
            f"model file: {s['path']} ({s['file_bytes']:,} bytes, model format "
            f"{s['format_version']}, written by Odyssey {s['app_version'] or '?'})"
        )
    else:
        print(f"project file: {s['path']} (project format {s['project_format_version']})")
    print(f"project: {s['name']}")
    print(f"dataset: {s['dataset']} ({s['task']})")
    if s["kind"] == "model":
        if s.get("table"):
            print(f"table: {s['table']}; columns: {_short_list(s['columns'])}")
        print(f"features: {_short_list(s['features'])}")
        if s["classes"]:
            print(f"classes: {_short_list(s['classes'])}")
    print(f"network: {s['architecture']} ({s['parameters']:,} parameters)")
    print(f"training: {s['training']}")
    if s["kind"] == "model":
        best = f", best epoch {s['best_epoch']}" if s["best_epoch"] else ""
        print(
            f"trained: {s['epochs_trained']} epochs, {s['steps_trained']:,} steps{best}; "
            f"can continue training: {'yes' if s['can_resume'] else 'no'}"
        )
        metrics = [
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in s["test_metrics"].items()
            if k != "confusion_matrix"
        ]
        print(f"test metrics: {', '.join(metrics) if metrics else 'none'}")
        if "confusion_matrix" in s["test_metrics"]:
            print(f"confusion matrix: {s['test_metrics']['confusion_matrix']}")
    return 0


def _short_list(items: list[str], n: int = 10) -> str:
    return ", ".join(items[:n]) + (f", … ({len(items)} in all)" if len(items) > n else "")
