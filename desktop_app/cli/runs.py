"""`odyssey runs` (list the recorded runs) and the recording behind `odyssey train`."""

from __future__ import annotations

import argparse
import json
import sys
import time

from desktop_app.core.errors import OdysseyError


def add_runs_parser(sub) -> None:
    """The `runs` subcommand's options (registered by cli.parser)."""
    rn = sub.add_parser(
        "runs",
        help="list the recorded runs (best validation value, test metric, time)",
        description="List the runs recorded in the run database (the window's Runs tab "
        "shows the same), newest first. The database is in the data folder: "
        "ODYSSEY_DATA_DIR when set.",
    )
    rn.add_argument("--limit", type=int, default=30, metavar="N", help="newest N (default 30)")
    rn.add_argument("--all", action="store_true", help="every run (no --limit)")
    rn.add_argument("--kind", help="only runs of this kind: run, trial, repeat, fold, ...")
    rn.add_argument("--group", help="only the runs of this group (a sweep, a repeat, a race)")
    rn.add_argument("--starred", action="store_true", help="only starred runs")
    rn.add_argument("--search", metavar="TEXT", help="only runs whose name or note has TEXT")
    rn.add_argument("--json", action="store_true", help="print them as JSON lines")
    rn.add_argument(
        "--csv",
        metavar="OUT.csv",
        help="write them as a CSV table, results and every setting (- for stdout)",
    )


def add_record_options(parser: argparse.ArgumentParser) -> None:
    """`train`'s recording options."""
    parser.add_argument(
        "--no-record", action="store_true", help="do not record this run in the run database"
    )
    parser.add_argument("--name", metavar="NAME", help="the recorded run's name")


def cli_recorder(args, console=None):
    """A RunRecorder for this `train` run, or None (--no-record, or the store cannot be
    opened: then a warning, and the run trains unrecorded)."""
    if getattr(args, "no_record", False):
        return None
    from desktop_app.core.runs.recorder import RunRecorder
    from desktop_app.core.runs.store import RunStore

    try:
        store = RunStore.default()
    except OdysseyError as exc:
        print(f"odyssey: warning: not recording this run: {exc}", file=sys.stderr)
        return None
    return RunRecorder(store, source="cli", name=getattr(args, "name", None))


def cmd_runs(args) -> int:
    from desktop_app.core.runs.store import RunStore

    if args.limit is not None and args.limit <= 0:
        raise OdysseyError(f"--limit {args.limit}: give a number of runs above 0")
    store = RunStore.default()
    runs = store.list_runs(
        kind=args.kind,
        group=args.group,
        starred=True if args.starred else None,
        text=args.search,
        limit=None if args.all else args.limit,
    )
    if args.csv:
        from desktop_app.core.runs.export import runs_csv

        text = runs_csv(runs)
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            from desktop_app.core.persistence.atomic import write_text_atomic

            try:
                write_text_atomic(args.csv, text)
            except OSError as exc:
                raise OdysseyError(f"--csv {args.csv}: cannot write it ({exc.strerror})") from None
            print(f"wrote {len(runs)} runs to {args.csv}")
        return 0
    if args.json:
        for r in runs:
            print(json.dumps(run_row(r)))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140, highlight=False)
    if not runs:
        console.print(f"no runs recorded yet in {store.path}")
        return 0
    table = Table(title=f"Runs in {store.path}")
    for col, justify in (
        ("id", "right"),
        ("name", "left"),
        ("kind", "left"),
        ("status", "left"),
        ("best val (epoch)", "right"),
        ("test", "right"),
        ("time", "right"),
        ("when", "left"),
    ):
        table.add_column(col, justify=justify)
    for r in runs:
        best = "-" if r.best_value is None else f"{r.best_value:.4f}"
        if r.best_epoch:
            best += f" ({r.best_epoch})"
        test = "-" if r.test_value is None else f"{r.test_value:.4f}"
        metric = r.metric_name or ""
        table.add_row(
            str(r.id),
            ("★ " if r.starred else "") + r.label,
            r.kind,
            r.status,
            f"{best} {metric}".strip(),
            test,
            format_seconds(r.seconds),
            time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)),
        )
    console.print(table)
    return 0


def run_row(r) -> dict:
    return {
        "id": r.id,
        "name": r.label,
        "kind": r.kind,
        "group": r.group_id,
        "source": r.source,
        "status": r.status,
        "metric": r.metric_name,
        "best_value": r.best_value,
        "best_epoch": r.best_epoch,
        "test_value": r.test_value,
        "seconds": r.seconds,
        "starred": r.starred,
        "note": r.note,
        "created": r.created,
        "model_path": r.model_path,
    }


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
