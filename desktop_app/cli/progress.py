"""What `train` prints while and after it runs: the progress bar, epoch table and metrics."""

from __future__ import annotations

import time

from desktop_app.core.callbacks import STOP_REASONS


def print_metrics(console, result, task: str) -> None:
    from rich.table import Table

    reason = {
        "completed": "all epochs run",
        "early_stopping": "early stopping (validation stopped improving)",
        "user": "stopped",
        **STOP_REASONS,
    }.get(result.stop_reason, result.stop_reason)
    best = f"; best epoch {result.best_epoch} restored" if result.best_epoch else ""
    console.print(
        f"finished after {result.epochs_run} epochs ({reason}{best}), {result.steps} steps, "
        f"{result.timing.steps_per_second:,.0f} steps/s on {result.timing.device} "
        f"({result.timing.threads} thread(s), {result.timing.step})"
    )
    table = Table(title="Test metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    from desktop_app.cli.class_table import class_table_lines, headline_items

    for key, value in headline_items(result.test_metrics):
        table.add_row(key, "-" if value is None else f"{value:.4f}")
    console.print(table)
    lines = class_table_lines(result.test_metrics, result.class_names)
    if lines:
        console.print("per class (AUCs of each class against the rest):")
        for line in lines:
            console.print(line, highlight=False, markup=False)
    cm = result.test_metrics.get("confusion_matrix")
    if cm is not None:
        console.print("confusion matrix (rows: true class, columns: predicted):")
        for row in cm:
            console.print("  " + " ".join(f"{v:6d}" for v in row))


class ConsoleProgress:
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
