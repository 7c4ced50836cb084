"""`train --data FILE.csv` (or .tsv, .xlsx): the table options turned into a project, and reading the table."""

from __future__ import annotations

import sys
from pathlib import Path

from desktop_app.core.errors import OdysseyError


def table_project_from_args(args, overrides: list[str]):
    """The project for `train --data`: the table with the import dialog's defaults, on
    the model and training choices of the project file (or the default project)."""
    from pydantic import ValidationError

    from desktop_app.core.errors import SpecError
    from desktop_app.core.specs.messages import format_validation_error
    from desktop_app.core.specs.project import Project
    from desktop_app.core.specs.table import TableSpec
    from desktop_app.core.tabular.prepare import table_project

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
    if Path(args.data).suffix.lower() in (".xlsx", ".xlsm"):
        for option, value in (("--delimiter", args.delimiter), ("--encoding", args.encoding)):
            if value is not None:
                raise OdysseyError(
                    f"{option} does not apply to an Excel workbook ({args.data}): its first "
                    "worksheet is read cell by cell; leave the option out"
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
    if features is None:  # data sense: likely leakage, identifiers, mostly empty columns
        from desktop_app.cli.table_sense import sensible_features

        weight = (
            "balanced" if "train.class_weight=balanced" in overrides else base.train.class_weight
        )
        sensible = sensible_features(spec, getattr(args, "keep", []) or [], weight)
        if sensible is not None:
            spec = spec.model_copy(update={"features": sensible})
    project = table_project(spec, base)
    if args.device:
        overrides = [*overrides, f"train.device={args.device}"]
    return project.with_overrides(overrides) if overrides else project


def load_table_data(project, args, console, quiet: bool):
    """Read the project's table with a progress bar; print what the user should know."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from desktop_app.core.tabular.prepare import load_project_data

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
