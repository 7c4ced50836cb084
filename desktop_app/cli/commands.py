"""The small commands: predict, info, init and datasets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from desktop_app.cli.safe_output import literal
from desktop_app.core.errors import OdysseyError
from desktop_app.core.printable import printable


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
    table = Table(title=f"Predictions of {literal(Path(args.model).name)}")
    for col in ["row", *shown, *result.columns()]:
        table.add_column(literal(col), justify="right")
    limit = 50
    for i in range(min(len(result), limit)):
        values = [literal(rows.cells[i][j].strip()) for j in where]
        pred = result.row(i)
        if i in result.skipped:
            pred = [literal(str(v)) for v in pred]  # the reason may quote the file
        elif result.task != "regression":
            pred = [literal(pred[0]), *(f"{float(v):.4f}" for v in pred[1:])]
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
        print(json.dumps(s))  # JSON escapes control characters itself
        return 0
    if s["kind"] == "model":
        _say(
            f"model file: {s['path']} ({s['file_bytes']:,} bytes, model format "
            f"{s['format_version']}, written by Odyssey {s['app_version'] or '?'})"
        )
    else:
        _say(f"project file: {s['path']} (project format {s['project_format_version']})")
    _say(f"project: {s['name']}")
    _say(f"dataset: {s['dataset']} ({s['task']})")
    if s["kind"] == "model":
        if s.get("table"):
            _say(f"table: {s['table']}; columns: {_short_list(s['columns'])}")
        _say(f"features: {_short_list(s['features'])}")
        if s["classes"]:
            _say(f"classes: {_short_list(s['classes'])}")
    _say(f"network: {s['architecture']} ({s['parameters']:,} parameters)")
    _say(f"training: {s['training']}")
    if s["kind"] == "model":
        best = f", best epoch {s['best_epoch']}" if s["best_epoch"] else ""
        _say(
            f"trained: {s['epochs_trained']} epochs, {s['steps_trained']:,} steps{best}; "
            f"can continue training: {'yes' if s['can_resume'] else 'no'}"
        )
        from desktop_app.cli.class_table import class_table_lines, headline_items

        metrics = [
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in headline_items(s["test_metrics"])
        ]
        _say(f"test metrics: {', '.join(metrics) if metrics else 'none'}")
        lines = class_table_lines(s["test_metrics"], s["classes"])
        if lines:
            _say("per class (test split; AUCs of each class against the rest):")
            for line in lines:
                _say(line)  # class names come from the file: escaped
        if "confusion_matrix" in s["test_metrics"]:
            _say(f"confusion matrix: {s['test_metrics']['confusion_matrix']}")
    return 0


def _say(line: str) -> None:
    """Print one line of `info`: names come from the file, so terminal escape codes in
    them (which could retitle or clear the terminal) are shown as escapes."""
    print(printable(line))


def _short_list(items: list[str], n: int = 10) -> str:
    return ", ".join(items[:n]) + (f", … ({len(items)} in all)" if len(items) > n else "")
