"""The `train` command: load or build the project, train it, print and save the result."""

from __future__ import annotations

import json
import os
from pathlib import Path

from desktop_app.cli.progress import ConsoleProgress, print_metrics
from desktop_app.cli.project_args import load_project
from desktop_app.cli.runs import cli_recorder
from desktop_app.cli.safe_output import literal
from desktop_app.cli.table import load_table_data, table_project_from_args
from desktop_app.core.errors import OdysseyError


def cmd_train(args) -> int:
    from rich.console import Console

    from desktop_app.core.data import prepare
    from desktop_app.core.engine import Trainer
    from desktop_app.core.specs.model import count_parameters, output_activation

    if args.repeats is not None or args.folds is not None:
        from desktop_app.cli.variants import cmd_repeats

        return cmd_repeats(args)
    loaded, epochs = None, args.epochs
    if epochs is not None and epochs <= 0:
        raise OdysseyError(f"--epochs {epochs}: give a number of epochs above 0")
    if args.resume:
        from desktop_app.core.persistence.model_file import load_model

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
                    f"{args.resume} has trained {loaded.resume.epoch} epochs, as many as or "
                    f"more than the {project.train.epochs} its project plans; pass --epochs N "
                    "to train N more"
                )
    else:
        extra = [] if epochs is None else [f"train.epochs={epochs}"]
        if args.data:
            project = table_project_from_args(args, [*args.overrides, *extra])
        else:
            if args.target or args.features:
                raise OdysseyError("--target and --features go with --data FILE.csv")
            project = load_project(args.project, [*args.overrides, *extra], args.device)
            table = project.data.table
            if table is not None and table.features is None and args.resume is None:
                from desktop_app.cli.table_sense import sensible_features

                sensible_features(table, [], project.train.class_weight, apply=False)
        epochs = None
    if args.save:
        check_can_write(args.save)
    console = Console(stderr=False, highlight=False, width=120)
    quiet = args.quiet
    if not quiet:
        console.print(f"[bold]Odyssey[/bold] — {literal(project.name)}")
    if project.data.table is not None:
        project, data = load_table_data(project, args, console, quiet)
    else:
        data = prepare(project.data)
    task = data.task
    n_params = count_parameters(project.model, data.n_features, data.n_outputs)
    plan = project.train.epochs  # the epoch a run ends at, at the latest
    if loaded is not None and loaded.resume is not None:
        plan = loaded.resume.epoch + (epochs or 0)  # a resumed run goes on to there
    if not quiet:
        sizes = " → ".join(
            [
                str(data.n_features),
                *(str(h.units) for h in project.model.hidden),
                str(data.n_outputs),
            ]
        )
        console.print(
            f"data: {literal(project.data.dataset)} ({task}), train {len(data.x_train)} / val "
            f"{len(data.x_val)} / test {len(data.x_test)}; model: {sizes} "
            f"({output_activation(task)} output, {n_params:,} parameters); "
            f"{project.train.optimizer} lr {project.train.lr:g}, loss {project.loss}, "
            f"batch {project.train.batch_size}, up to {plan} epochs"
        )
    recorder = cli_recorder(args)
    recording = [] if recorder is None else [recorder]
    if loaded is not None:
        done = loaded.resume.epoch if loaded.resume is not None else 0
        progress = [] if quiet else [ConsoleProgress(console, project, done + (epochs or 0), done)]
        trainer = Trainer.from_checkpoint(
            loaded, project=project, data=data, callbacks=[*progress, *recording]
        )
        if not quiet:
            console.print(
                f"resuming {literal(args.resume)} after epoch {trainer.epoch} (step "
                f"{trainer.global_step}) for {epochs} more epochs"
            )
    else:
        progress = [] if quiet else [ConsoleProgress(console, project)]
        trainer = Trainer(project, data=data, callbacks=[*progress, *recording])
    result = trainer.fit(epochs)
    if not quiet:
        print_metrics(console, result, task)
        if recorder is not None and recorder.run_id is not None:
            console.print(f"recorded as run {recorder.run_id} (odyssey runs lists them)")
    if args.save:
        from desktop_app.core.persistence.model_file import save_model

        save_model(args.save, trainer.checkpoint())
        if not quiet:
            console.print(f"saved the model to {literal(args.save)}")
    if args.json:
        summary = result.summary()
        summary["task"] = task
        summary["run_id"] = recorder.run_id if recorder is not None else None
        print(json.dumps(summary))
    return 0


def check_can_write(path: str, option: str = "--save") -> None:
    """Fail before a long run, not after it, when its file (the model for --save, the
    curve for lr-find's --csv) could not be written."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OdysseyError(f"{option} {path}: that is a folder; give a file name")
    if not folder.is_dir():
        raise OdysseyError(f"{option} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OdysseyError(f"{option} {path}: folder {folder} is not writable")
