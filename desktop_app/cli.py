"""Headless commands on the same core as the GUI: train, predict, info, init, datasets.

Bad input ends with exit status 2 and a one-line reason on stderr; no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from desktop_app import __version__
from desktop_app.core.errors import OdysseyError

SUBCOMMANDS = ("train", "predict", "info", "init", "datasets")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="odyssey",
        description="Odyssey, a desktop neural-network trainer. Without a command, "
        "opens the window; these commands run without a screen.",
    )
    ap.add_argument("--version", action="version", version=f"odyssey {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    tr = sub.add_parser("train", help="train a project headless and print test metrics")
    tr.add_argument("project", nargs="?", help="project JSON (default: the built-in default)")
    tr.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a project field, e.g. --set train.lr=0.003 --set data.dataset=moons",
    )
    tr.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (overrides the project)")
    tr.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    tr.add_argument("--quiet", action="store_true", help="no progress bar or epoch table")
    tr.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help="epochs to run (a fresh run: same as --set train.epochs=N; with --resume: "
        "N more, by default the rest of the project's epochs)",
    )
    tr.add_argument("--save", metavar="MODEL.safetensors", help="save the trained model here")
    tr.add_argument(
        "--resume",
        metavar="MODEL.safetensors",
        help="continue training a saved model (its project, optimizer and schedule state)",
    )
    tab = tr.add_argument_group(
        "your own table",
        "train on a CSV/TSV file (with a project file: its model and training choices)",
    )
    tab.add_argument("--data", metavar="FILE.csv", help="the table to train on")
    tab.add_argument("--target", metavar="COLUMN", help="the column to predict (with --data)")
    tab.add_argument(
        "--features",
        metavar="A,B,C",
        help="input columns (default: every usable column but the target)",
    )
    tab.add_argument(
        "--task",
        choices=("auto", "binary", "multiclass", "regression"),
        default="auto",
        help="default auto: inferred from the target column",
    )
    tab.add_argument(
        "--missing",
        choices=("drop", "mean", "median", "most_frequent"),
        default="drop",
        help="rows with empty feature cells: drop them (default) or fill them",
    )
    tab.add_argument(
        "--type",
        dest="column_types",
        action="append",
        default=[],
        metavar="COLUMN=KIND",
        help="override a detected column kind: numeric, categorical or boolean",
    )
    tab.add_argument("--delimiter", help="comma, semicolon, tab or pipe (default: detect)")
    tab.add_argument("--encoding", help="e.g. utf-8, cp1252, latin-1 (default: detect)")
    tab.add_argument(
        "--accept-changed",
        action="store_true",
        help="train even though the project's table changed since it was imported",
    )

    pr = sub.add_parser("predict", help="predict the rows of a CSV file with a saved model")
    pr.add_argument("model", help="a model file (.safetensors) saved by Odyssey")
    pr.add_argument("input", help="CSV file whose header names the model's features")
    pr.add_argument(
        "-o", "--output", metavar="OUT.csv", help="write a CSV (input + predictions); - for stdout"
    )

    inf = sub.add_parser("info", help="show what a model or project file holds")
    inf.add_argument("path", help="a model (.safetensors) or project (.json) file")
    inf.add_argument("--json", action="store_true", help="print it as JSON")

    ini = sub.add_parser("init", help="write the default project to a JSON file")
    ini.add_argument("path", help="where to write, e.g. project.json")
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")

    sub.add_parser("datasets", help="list the dataset catalog")
    return ap


def run_cli(argv: list[str]) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        commands = {
            "train": cmd_train,
            "predict": cmd_predict,
            "info": cmd_info,
            "init": cmd_init,
            "datasets": cmd_datasets,
        }
        return commands[args.command](args)
    except OdysseyError as exc:
        print(f"odyssey: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("odyssey: interrupted", file=sys.stderr)
        return 130


def load_project(path: str | None, overrides: list[str], device: str | None):
    from desktop_app.core.specs import Project

    project = Project.load(path) if path else Project()
    if device:
        overrides = [*overrides, f"train.device={device}"]
    if overrides:
        project = project.with_overrides(overrides)
    return project


def cmd_init(args) -> int:
    from desktop_app.core.persistence import write_text_atomic
    from desktop_app.core.specs import Project

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


def cmd_train(args) -> int:
    from rich.console import Console

    from desktop_app.core.data import prepare
    from desktop_app.core.engine import Trainer
    from desktop_app.core.model import count_parameters, output_activation

    loaded, epochs = None, args.epochs
    if epochs is not None and epochs <= 0:
        raise OdysseyError(f"--epochs {epochs}: give a number of epochs above 0")
    if args.resume:
        from desktop_app.core.persistence import load_model

        if args.project or args.overrides:
            raise OdysseyError(
                "--resume continues the project saved in the model file; leave out the "
                "project file and --set (--device and --epochs still apply)"
            )
        loaded = load_model(args.resume)
        project = loaded.project
        if args.device:
            project = project.with_overrides([f"train.device={args.device}"])
        if loaded.resume is not None and epochs is None:
            epochs = project.train.epochs - loaded.resume.epoch
            if epochs <= 0:
                raise OdysseyError(
                    f"{args.resume} has run all {project.train.epochs} epochs its project "
                    "plans; pass --epochs N to train N more"
                )
    else:
        extra = [] if epochs is None else [f"train.epochs={epochs}"]
        if args.data:
            project = _table_project(args, [*args.overrides, *extra])
        else:
            if args.target or args.features:
                raise OdysseyError("--target and --features go with --data FILE.csv")
            project = load_project(args.project, [*args.overrides, *extra], args.device)
        epochs = None
    if args.save:
        _check_can_write(args.save)
    console = Console(stderr=False, highlight=False, width=120)
    quiet = args.quiet
    if not quiet:
        console.print(f"[bold]Odyssey[/bold] — {project.name}")
    if project.data.table is not None:
        project, data = _load_table_data(project, args, console, quiet)
    else:
        data = prepare(project.data)
    task = data.task
    n_params = count_parameters(project.model, data.n_features, data.n_outputs)
    if not quiet:
        sizes = " → ".join(
            [
                str(data.n_features),
                *(str(h.units) for h in project.model.hidden),
                str(data.n_outputs),
            ]
        )
        console.print(
            f"data: {project.data.dataset} ({task}), train {len(data.x_train)} / val "
            f"{len(data.x_val)} / test {len(data.x_test)}; model: {sizes} "
            f"({output_activation(task)} output, {n_params:,} parameters); "
            f"{project.train.optimizer} lr {project.train.lr:g}, loss {project.loss}, "
            f"batch {project.train.batch_size}, up to {project.train.epochs} epochs"
        )
    if loaded is not None:
        done = loaded.resume.epoch if loaded.resume is not None else 0
        progress = [] if quiet else [_ConsoleProgress(console, project, done + (epochs or 0), done)]
        trainer = Trainer.from_checkpoint(loaded, project=project, data=data, callbacks=progress)
        if not quiet:
            console.print(
                f"resuming {args.resume} after epoch {trainer.epoch} (step "
                f"{trainer.global_step}) for {epochs} more epochs"
            )
    else:
        trainer = Trainer(
            project, data=data, callbacks=[] if quiet else [_ConsoleProgress(console, project)]
        )
    result = trainer.fit(epochs)
    if not quiet:
        _print_metrics(console, result, task)
    if args.save:
        from desktop_app.core.persistence import save_model

        save_model(args.save, trainer)
        if not quiet:
            console.print(f"saved the model to {args.save}")
    if args.json:
        summary = result.summary()
        summary["task"] = task
        print(json.dumps(summary))
    return 0


def _table_project(args, overrides: list[str]):
    """The project for `train --data`: the table with the import dialog's defaults, on
    the model and training choices of the project file (or the default project)."""
    from pydantic import ValidationError

    from desktop_app.core.errors import SpecError
    from desktop_app.core.specs import Project, TableSpec, format_validation_error
    from desktop_app.core.tabular import table_project

    if not args.target:
        raise OdysseyError(f"--data {args.data}: name the column to predict with --target COLUMN")
    delimiters = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", "\\t": "\t"}
    delimiter = args.delimiter
    if delimiter is not None:
        delimiter = delimiters.get(delimiter.lower(), delimiter)
        if delimiter not in (",", ";", "\t", "|"):
            raise OdysseyError(
                f"--delimiter {args.delimiter!r}: choose comma, semicolon, tab or pipe"
            )
    types = {}
    for item in args.column_types:
        name, sep, kind = item.rpartition("=")
        if not sep or not name:
            raise OdysseyError(
                f"--type {item!r}: expected COLUMN=KIND, e.g. --type zip=categorical"
            )
        types[name] = kind
    features = None
    if args.features:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
    try:
        spec = TableSpec(
            path=str(Path(args.data).absolute()),
            target=args.target,
            features=features,
            task=args.task,
            missing=args.missing,
            column_types=types,
            delimiter=delimiter,
            encoding=args.encoding,
        )
    except ValidationError as exc:
        raise SpecError(format_validation_error(exc, "table options")) from None
    base = Project.load(args.project) if args.project else Project()
    project = table_project(spec, base)
    if args.device:
        overrides = [*overrides, f"train.device={args.device}"]
    return project.with_overrides(overrides) if overrides else project


def _load_table_data(project, args, console, quiet: bool):
    """Read the project's table with a progress bar; print what the user should know."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from desktop_app.core.tabular import load_project_data

    notes: list[str] = []
    accept = bool(getattr(args, "accept_changed", False))
    # A fresh --data import with the default batch size fits it to a small table.
    fit = bool(getattr(args, "data", None) and not args.project) and not any(
        o.startswith("train.batch_size=") for o in getattr(args, "overrides", [])
    )
    if quiet:
        project, data = load_project_data(
            project, accept_changed=accept, notes=notes, fit_batch_size=fit
        )
    else:
        name = Path(project.data.table.path).name
        with Progress(
            TextColumn(f"reading {name}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("read", total=1.0)
            project, data = load_project_data(
                project,
                progress=lambda f: bar.update(task, completed=f),
                accept_changed=accept,
                notes=notes,
                fit_batch_size=fit,
            )
    for note in notes:
        print(f"odyssey: note: {note}", file=sys.stderr)
    return project, data


def _check_can_write(path: str) -> None:
    """Fail before a long run, not after it, when the model could not be saved."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OdysseyError(f"--save {path}: that is a folder; give a file name")
    if not folder.is_dir():
        raise OdysseyError(f"--save {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OdysseyError(f"--save {path}: folder {folder} is not writable")


def cmd_predict(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from desktop_app.core.persistence import load_model
    from desktop_app.core.predict import predict_csv, write_predictions_csv

    loaded = load_model(args.model)
    rows, result = predict_csv(loaded, args.input)
    for note in rows.notes:
        print(f"odyssey: note: {note}", file=sys.stderr)
    if args.output == "-":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([*rows.header, *result.columns()])
        for i, rec in enumerate(rows.cells):
            w.writerow([*rec, *result.row(i)])
        return 0
    if args.output:
        write_predictions_csv(args.output, rows, result)
        print(f"wrote {len(result)} predictions to {args.output}")
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
        if result.task != "regression":
            pred = [pred[0], *(f"{float(v):.4f}" for v in pred[1:])]
        else:
            pred = [f"{float(pred[0]):.6g}"]
        table.add_row(str(i + 1), *values, *pred)
    Console(width=160, highlight=False).print(table)
    if len(result) > limit:
        print(f"… {len(result) - limit} more rows; write them all with -o OUT.csv")
    return 0


def cmd_info(args) -> int:
    from desktop_app.core.persistence import file_summary

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


def _print_metrics(console, result, task: str) -> None:
    from rich.table import Table

    reason = {
        "completed": "all epochs run",
        "early_stopping": "early stopping (validation stopped improving)",
        "user": "stopped",
    }.get(result.stop_reason, result.stop_reason)
    best = f"; best epoch {result.best_epoch} restored" if result.best_epoch else ""
    console.print(
        f"finished after {result.epochs_run} epochs ({reason}{best}), {result.steps} steps, "
        f"{result.steps_per_second:,.0f} steps/s on {result.device} ({result.threads} thread(s))"
    )
    table = Table(title="Test metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in result.test_metrics.items():
        if key == "confusion_matrix":
            continue
        table.add_row(key, "-" if value is None else f"{value:.4f}")
    console.print(table)
    cm = result.test_metrics.get("confusion_matrix")
    if cm is not None:
        console.print("confusion matrix (rows: true class, columns: predicted):")
        for row in cm:
            console.print("  " + " ".join(f"{v:6d}" for v in row))


class _ConsoleProgress:
    """A rich progress bar (epochs, ETA, loss) and an epoch table on the console."""

    def __init__(self, console, project, total: int | None = None, start: int = 0):
        from desktop_app.core.callbacks import Callback

        self.console = console
        self.epochs = project.train.epochs if total is None else total
        self.start = start
        self._cb = Callback
        self.progress = None
        self.last_loss = float("nan")
        self.started = time.perf_counter()

    def on_train_begin(self, trainer) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("epoch {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task(
            "train", total=self.epochs, completed=self.start, loss="-"
        )
        self.progress.start()
        metric = trainer.history.metric_name
        self.console.print(
            f"{'epoch':>6} {'train loss':>11} {'val loss':>9} {'val ' + metric:>13} {'lr':>9}"
        )

    def on_epoch_begin(self, trainer, epoch) -> None: ...

    def on_batch_end(self, trainer, block) -> None:
        self.progress.update(self.task, loss=f"{block.losses[-1]:.4f}")

    def on_epoch_end(self, trainer, epoch, logs) -> None:
        def f(v, w):
            return f"{'-':>{w}}" if v is None else f"{v:>{w}.4f}"

        self.progress.update(self.task, completed=epoch)
        self.console.print(
            f"{epoch:>6} {f(logs['train_loss'], 11)} {f(logs['val_loss'], 9)} "
            f"{f(logs['val_metric'], 13)} {logs['lr']:>9.3g}"
        )

    def on_fit_end(self, trainer) -> None:
        if self.progress is not None:
            self.progress.stop()

    def on_train_end(self, trainer, result) -> None: ...

    def on_exception(self, trainer, exc) -> None:
        if self.progress is not None:
            self.progress.stop()
