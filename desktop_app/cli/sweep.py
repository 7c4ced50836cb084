"""The `sweep` command: search a project's settings over many trials, locally or on Ray.

Live progress is a rich bar (trials done, best so far) and one line per finished trial;
Ctrl+C stops the running trials cleanly (a second Ctrl+C aborts), and the sweep can be
resumed by name. At the end: the best trial and how much each setting mattered.
"""

from __future__ import annotations

import json
import signal

from desktop_app.core.errors import OdysseyError


def add_sweep_parser(sub) -> None:
    sw = sub.add_parser(
        "sweep",
        help="search settings: many trials of a project, pruning weak ones (Optuna, Ray)",
        description="Train the project many times with the settings given by --param, "
        "chosen by Optuna's TPE (default), at random or on a grid; weak trials are pruned "
        "from their per-epoch validation values. Trials run in worker processes (one "
        "torch thread each) or on a Ray cluster, and land in the runs table as one group. "
        "Ctrl+C stops; --resume NAME goes on.",
        epilog="parameter kinds: loguniform:LOW:HIGH, uniform:LOW:HIGH, int:LOW:HIGH, "
        "choice:A,B,C; fields are as for train --set. Example: odyssey sweep p.json "
        "--param train.lr=loguniform:1e-4:1e-1 --param model.hidden.0.units=choice:8,16,32 "
        "--trials 50 --workers 2",
    )
    sw.add_argument("project", nargs="?", help="project JSON (default: the built-in default)")
    sw.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="FIELD=KIND:ARGS",
        help="a setting to search, e.g. train.lr=loguniform:1e-4:1e-1 (repeat for more)",
    )
    sw.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="fix a project field for every trial, e.g. --set train.epochs=30",
    )
    sw.add_argument("--trials", type=int, metavar="N", help="trials in all (default 50)")
    sw.add_argument("--workers", type=int, default=2, metavar="N", help="trials at once (2)")
    sw.add_argument(
        "--method",
        choices=("tpe", "random", "grid"),
        default="tpe",
        help="how values are chosen: Optuna's TPE (default), at random, or on a grid",
    )
    sw.add_argument(
        "--grid-points", type=int, default=5, metavar="N", help="values per range in a grid (5)"
    )
    sw.add_argument(
        "--metric",
        choices=("val_loss", "val_metric"),
        default="val_loss",
        help="what trials are judged by: the best epoch's validation loss (lower is "
        "better) or validation accuracy / R² (higher is better)",
    )
    sw.add_argument("--no-prune", action="store_true", help="run every trial to its end")
    sw.add_argument("--seed", type=int, default=0, help="the sampler's seed (0)")
    sw.add_argument("--name", help="the sweep's name (default: sweep-DATE-TIME)")
    sw.add_argument(
        "--resume", metavar="NAME", help="go on with a stopped sweep (its project and params)"
    )
    sw.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="where trials run: worker processes here (default), or Ray (needs "
        "pip install 'odyssey-trainer[cluster]')",
    )
    sw.add_argument(
        "--address",
        help="the Ray cluster to join (with --backend ray), e.g. 192.168.1.5:6379 or auto; "
        "default: a Ray instance on this machine",
    )
    sw.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (overrides the project)")
    sw.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    sw.add_argument("--quiet", action="store_true", help="no progress bar or trial lines")
    sw.add_argument(
        "--accept-changed",
        action="store_true",
        help="sweep even though the project's table changed since it was imported",
    )


def sweep_from_args(args, console):
    """The sweep to run (a new one, or the stored one for --resume) and its study."""
    from desktop_app.cli.project_args import load_project
    from desktop_app.cli.table import load_table_data
    from desktop_app.core.sweep.folders import sweep_folder
    from desktop_app.core.sweep.spec import build_sweep, check_trials
    from desktop_app.core.sweep.study import create_study, load_study

    if args.trials is not None:
        check_trials(args.trials)
    if args.resume:
        if args.project or args.params or args.overrides or args.name:
            raise OdysseyError(
                "--resume goes on with the sweep's stored project and parameters; leave out "
                "the project file, --param, --set and --name (--trials raises its total)"
            )
        folder = sweep_folder(args.resume)
        spec, study = load_study(folder, args.resume, args.trials)
        return spec, study, folder
    project = load_project(args.project, args.overrides, args.device)
    if project.data.table is not None:
        project, _ = load_table_data(project, args, console, args.quiet)
    spec = build_sweep(
        project,
        args.params,
        name=args.name,
        method=args.method,
        metric=args.metric,
        trials=50 if args.trials is None else args.trials,
        prune=not args.no_prune,
        seed=args.seed,
        grid_points=args.grid_points,
    )
    folder = sweep_folder(spec.name)
    return spec, create_study(spec, folder), folder


def cmd_sweep(args) -> int:
    from rich.console import Console

    from desktop_app.cli.sweep_report import ConsoleSweepProgress, print_sweep_end
    from desktop_app.core.sweep.record import TrialRecorder
    from desktop_app.core.sweep.spec import check_workers
    from desktop_app.core.sweep.study import importances

    check_workers(args.workers)
    if args.address and args.backend != "ray":
        raise OdysseyError("--address names a Ray cluster; use it with --backend ray")
    console = Console(highlight=False, width=120)
    spec, study, folder = sweep_from_args(args, console)
    listener = ConsoleSweepProgress(console, spec, quiet=args.quiet)
    recorder = TrialRecorder.default()
    if args.backend == "ray":
        from desktop_app.core.sweep.ray_backend import RaySweep

        runner = RaySweep(spec, study, folder, args.address, args.workers, listener, recorder)
    else:
        from desktop_app.core.sweep.local import LocalSweep

        runner = LocalSweep(spec, study, folder, args.workers, listener, recorder)
    if not args.quiet:
        how = "worker processes on this machine"
        if args.backend == "ray":
            how = f"Ray at {args.address}" if args.address else "a Ray instance on this machine"
        console.print(
            f"[bold]Odyssey sweep[/bold] {spec.name} — {spec.project.name}: "
            f"{spec.method}, {spec.planned_trials()} trials, {args.workers} at a time on "
            f"{how}, judged by {spec.metric} ({spec.direction}); folder {folder}"
        )
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum, frame):
        if runner.stopped:
            raise KeyboardInterrupt
        console.print("stopping the sweep: running trials end at their next steps …")
        runner.stop()

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        tally = runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        recorder.close()
    weights = importances(study)
    if not args.quiet:
        print_sweep_end(console, spec, tally, weights, runner.stopped)
    if args.json:
        best = tally.best
        print(
            json.dumps(
                {
                    "name": spec.name,
                    "folder": str(folder),
                    "stopped": runner.stopped,
                    "trials": tally.done,
                    "complete": tally.complete,
                    "pruned": tally.pruned,
                    "failed": tally.failed,
                    "best": None
                    if best is None
                    else {"number": best.number, "value": best.value, "values": best.values},
                    "importance": weights,
                }
            )
        )
    return 130 if runner.stopped else 0
