"""`train --repeats N | --folds K`, `baselines` and `race`: runs made of several runs,
printed as one table (core.variants does the work)."""

from __future__ import annotations

import json

from desktop_app.core.errors import OdysseyError

REPEAT_HELP = "train N times over seeds train.seed, +1, ... and print mean ± sd"
FOLDS_HELP = "k-fold cross-validation over the training and validation rows (test held out)"


def _common(p) -> None:
    p.add_argument("project", nargs="?", help="project JSON (default: the built-in default)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a project field, e.g. --set train.epochs=50",
    )
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (overrides the project)")
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    p.add_argument("--quiet", action="store_true", help="no progress, only the result table")
    p.add_argument(
        "--accept-changed",
        action="store_true",
        help="run even though the project's table changed since it was imported",
    )
    p.add_argument(
        "--no-record", action="store_true", help="do not record the runs in the run database"
    )


def add_parsers(sub, train) -> None:
    """The variant options of `train` and the `baselines` and `race` commands."""
    group = train.add_argument_group("repeats (one group of runs, printed as mean ± sd)")
    group.add_argument("--repeats", type=int, metavar="N", help=REPEAT_HELP)
    group.add_argument("--folds", type=int, metavar="K", help=FOLDS_HELP)
    bl = sub.add_parser(
        "baselines",
        help="train logistic/linear regression and boosted trees on the project's split",
        description="Fit scikit-learn's LogisticRegression (classification) or "
        "LinearRegression (regression) and HistGradientBoosting on exactly the project's "
        "training rows and preprocessing; print their validation and test metrics.",
    )
    _common(bl)
    rc = sub.add_parser(
        "race",
        help="train 2-4 variants side by side from the same initial weights",
        description="Train 2 to 4 variants of the project from the same initial weights "
        "and split. Variants that differ only in optimizer settings (lr, weight_decay, "
        "momentum, beta1, beta2, nesterov) train in one vectorised step; others one "
        "after another.",
        epilog="example: odyssey race project.json --vary train.lr=0.001,0.003,0.01,0.03",
    )
    _common(rc)
    rc.add_argument(
        "--vary",
        required=True,
        metavar="FIELD=V1,V2,...",
        help="the field to vary and 2-4 values, e.g. train.lr=0.001,0.01,0.1",
    )
    rc.add_argument(
        "--separate", action="store_true", help="run the variants one after another anyway"
    )


def _project_and_data(args, console, quiet: bool):
    from desktop_app.cli.project_args import load_project
    from desktop_app.cli.table import load_table_data
    from desktop_app.core.data import prepare

    project = load_project(args.project, args.overrides, args.device)
    if project.data.table is not None:
        return load_table_data(project, args, console, quiet)
    return project, prepare(project.data)


def _store(args):
    """The run store to record in, or None (--no-record, or it cannot be opened)."""
    if getattr(args, "no_record", False):
        return None
    import sys

    from desktop_app.core.runs.store import RunStore

    try:
        return RunStore.default()
    except OdysseyError as exc:
        print(f"odyssey: warning: not recording: {exc}", file=sys.stderr)
        return None


def _console():
    from rich.console import Console

    return Console(stderr=False, highlight=False, width=120)


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.4f}"


def cmd_repeats(args) -> int:
    """`train --repeats N` or `train --folds K`."""
    from rich.table import Table

    from desktop_app.core.variants.repeats import RepeatPlan, run_repeats

    for option in ("resume", "save", "data"):
        if getattr(args, option, None):
            raise OdysseyError(
                f"--{option} does not go with --repeats/--folds; train the group from a project"
            )
    plan = RepeatPlan(seeds=args.repeats, folds=args.folds)
    console = _console()
    overrides = args.overrides + ([] if args.epochs is None else [f"train.epochs={args.epochs}"])
    args.overrides = overrides
    project, data = _project_and_data(args, console, args.quiet)
    what = f"{plan.count} seeds" if plan.kind == "seeds" else f"{plan.count}-fold cross-validation"
    if not args.quiet:
        console.print(f"[bold]Odyssey[/bold] — {project.name}: {what}")

    def done(i, p, result) -> None:
        if not args.quiet:
            m = result.test_metrics.get(result.metric_name)
            console.print(
                f"  {plan.label(p.train.seed if plan.kind == 'seeds' else i)}: "
                f"{result.epochs_run} epochs, test {result.metric_name} {_fmt(m)}"
            )

    store = _store(args)
    gid, recorders = None, None
    if store is not None:
        from desktop_app.core.variants.record import repeat_recorders, start_repeat_group

        gid = start_repeat_group(store, project, plan)
        recorders = repeat_recorders(store, gid, plan, "cli")
    group = run_repeats(project, plan, data, recorders, on_member=done)
    if store is not None:
        from desktop_app.core.variants.record import finish_repeat_group

        finish_repeat_group(store, gid, group)
    s = group.summary
    table = Table(title=f"{what}: mean ± sd over {s.n_runs} runs")
    table.add_column("")
    table.add_column("mean ± sd", justify="right")
    for name, value in s.rows():
        table.add_row(name, value.text())
    console.print(table)
    if gid is not None and not args.quiet:
        console.print(f"recorded as group {gid} (odyssey runs --group {gid})")
    if args.json:
        print(json.dumps({"kind": plan.kind, "group": gid, **s.to_dict()}))
    return 0


def cmd_baselines(args) -> int:
    from rich.table import Table

    from desktop_app.core.variants.baselines import run_baselines

    console = _console()
    project, data = _project_and_data(args, console, args.quiet)
    if not args.quiet:
        console.print(
            f"[bold]Odyssey[/bold] — {project.name}: baselines on train {len(data.x_train)} "
            f"/ val {len(data.x_val)} / test {len(data.x_test)} rows"
        )
    results = run_baselines(project, data)
    store, gid = _store(args), None
    if store is not None:
        from desktop_app.core.variants.record import record_baselines

        gid, _ids = record_baselines(store, project, results, "cli")
    metric = results[0].metric_name
    table = Table(title="Baselines (same split and scaling as the network)")
    for col in ("model", "val loss", f"val {metric}", f"test {metric}", "time (s)"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in results:
        table.add_row(
            r.name, _fmt(r.val_loss), _fmt(r.val_metric), _fmt(r.test_metric), f"{r.seconds:.2f}"
        )
    console.print(table)
    if args.json:
        rows = [
            {
                "model": r.name,
                "estimator": r.estimator,
                "val_loss": r.val_loss,
                "val_metric": r.val_metric,
                "test_metric": r.test_metric,
                "test_metrics": r.test_metrics,
                "seconds": r.seconds,
            }
            for r in results
        ]
        print(json.dumps({"metric_name": metric, "group": gid, "baselines": rows}))
    return 0


def cmd_race(args) -> int:
    from rich.table import Table

    from desktop_app.core.variants.labels import vary_projects
    from desktop_app.core.variants.race import RaceObserver, run_race
    from desktop_app.core.variants.summary import best_value

    console = _console()
    project, data = _project_and_data(args, console, args.quiet)
    projects = vary_projects(project, args.vary)

    class Report(RaceObserver):
        def on_epoch_end(self, variant, epoch, logs) -> None:
            if not args.quiet and (epoch == 1 or epoch % 10 == 0):
                label = labels[variant]
                console.print(f"  {label}: epoch {epoch}, val loss {_fmt(logs['val_loss'])}")

    from desktop_app.core.variants.labels import variant_labels

    labels = variant_labels(projects)
    if not args.quiet:
        console.print(f"[bold]Odyssey[/bold] — {project.name}: race of {', '.join(labels)}")
    race = run_race(projects, data, Report(), vectorise=not args.separate)
    store, gid = _store(args), None
    if store is not None:
        from desktop_app.core.variants.record import record_race

        gid, _ids = record_race(store, race, "cli")
    how = "in one vectorised step" if race.vectorised else f"one after another ({race.reason})"
    metric = next((r.metric_name for r in race.results if r is not None), "metric")
    table = Table(title=f"Race: {len(projects)} variants {how}, {race.seconds:.2f} s")
    for col in ("variant", "epochs", "best val loss", f"best val {metric}", f"test {metric}"):
        table.add_column(col, justify="left" if col == "variant" else "right")
    rows = []
    for label, r, err in zip(race.labels, race.results, race.errors):
        if r is None:
            table.add_row(label, "-", "-", "-", f"failed: {err}")
            rows.append({"variant": label, "error": err})
            continue
        epochs = r.history.epochs
        bvl, bvm = best_value(epochs, "val_loss"), best_value(epochs, "val_metric")
        test = r.test_metrics.get(metric)
        table.add_row(label, str(r.epochs_run), _fmt(bvl), _fmt(bvm), _fmt(test))
        rows.append(
            {"variant": label, "epochs": r.epochs_run, "best_val_loss": bvl, "best_val_metric": bvm}
            | {"test_metric": test}
        )
    console.print(table)
    if args.json:
        summary = {"vectorised": race.vectorised, "reason": race.reason, "group": gid}
        summary["seconds"] = race.seconds
        print(json.dumps({**summary, "metric_name": metric, "variants": rows}))
    return 0 if any(r is not None for r in race.results) else 1
