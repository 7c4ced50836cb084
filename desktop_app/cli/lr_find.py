"""The `lr-find` command: the learning-rate range test on a project, headless.

Prints the curve as a short table, the suggested rate, how sure the test is and why,
and the `train` command line that uses the rate. Exit status 0 with a suggestion, 1 when
the test ran but could suggest none (the reason says why), 2 for bad input.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.cli.project_args import load_project
from desktop_app.cli.safe_output import literal
from desktop_app.cli.table import load_table_data
from desktop_app.cli.train import check_can_write


def cmd_lr_find(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn
    from rich.table import Table

    from desktop_app.core.data import prepare
    from desktop_app.core.lr_find import check_range, find_learning_rate

    check_range(args.steps, 1e-7, 10.0)
    if args.csv:
        check_can_write(args.csv, "--csv")
    project = load_project(args.project, args.overrides, args.device)
    console = Console(highlight=False, width=120, soft_wrap=True)  # lines to copy stay whole
    console.print(f"[bold]Odyssey[/bold] — learning-rate test of {literal(project.name)}")
    if project.data.table is not None:
        project, data = load_table_data(project, args, console, quiet=False)
    else:
        data = prepare(project.data)
    t = project.train
    console.print(
        f"{t.optimizer} with batch size {t.batch_size} on {len(data.x_train)} training rows; "
        f"rate from 1e-07 to 10 over {args.steps} steps, from the project's initial weights"
    )
    with Progress(TextColumn("testing rates"), BarColumn(), console=console, transient=True) as bar:
        task = bar.add_task("lr", total=1.0)
        result = find_learning_rate(
            project, data, steps=args.steps, progress=lambda f: bar.update(task, completed=f)
        )
    table = Table(title="Loss against learning rate")
    for col in ("step", "learning rate", "loss", "smoothed"):
        table.add_column(col, justify="right")
    for step, lr, loss, smooth in result.table_rows():
        table.add_row(str(step), f"{lr:.3g}", f"{loss:.4g}", f"{smooth:.4g}")
    console.print(table)
    console.print(f"The test {result.stop_message}.")
    if args.csv:
        from desktop_app.core.persistence.atomic import write_text_atomic

        write_text_atomic(Path(args.csv), result.to_csv())
        console.print(f"wrote {len(result.lrs)} steps to {literal(args.csv)}")
    if result.suggestion is None:
        console.print(f"No rate to suggest: {result.reason}.")
        return 1
    console.print(
        f"suggested learning rate: {result.suggestion:g} (confidence: {result.confidence}; "
        f"the project has {t.lr:g})"
    )
    console.print(f"why: {result.reason}.")
    where = f" {args.project}" if args.project else ""
    console.print(f"to train with it: odyssey train{where} --set train.lr={result.suggestion:g}")
    return 0
