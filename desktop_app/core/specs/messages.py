"""Messages for bad values: pydantic's errors as one line naming each field, the split
and batch-size problems shared by catalog datasets and tables, and the training choices
that only the task, the data sizes or the devices present can show wrong."""

from __future__ import annotations

from pydantic import ValidationError

from desktop_app.core.catalog import split_sizes
from desktop_app.core.printable import quoted, shortened
from desktop_app.core.specs.train import LOSSES_FOR_TASK, TrainSpec


def split_problem(n_total: int, val_fraction: float, test_fraction: float) -> str | None:
    n_train, _, _ = split_sizes(n_total, val_fraction, test_fraction)
    if n_train < 2:
        return (
            f"the split leaves {n_train} training samples out of {n_total}; "
            "use more samples or smaller validation/test shares"
        )
    return None


def batch_problem(batch_size: int, n_train: int) -> str | None:
    """The one batch-size rule (a batch cannot hold more rows than the training set) and
    its message, for project validation, a table's row count, the engine and the GUI."""
    if batch_size > n_train:
        return (
            f"train.batch_size {batch_size} is larger than the training set "
            f"({n_train} samples); choose at most {n_train}"
        )
    return None


def training_problems(
    spec: TrainSpec,
    task: str,
    sizes: tuple[int, int] | None = None,
    devices: list[str] | None = None,
) -> list[tuple[str, str]]:
    """What is wrong with `spec` for a `task`, training and validation `sizes` (rows) and
    the `devices` present (None: not known): (message, the TrainSpec field to blame)."""
    out = []
    if spec.loss != "auto" and spec.loss not in LOSSES_FOR_TASK[task]:
        fits = ", ".join(("auto", *LOSSES_FOR_TASK[task]))
        out.append((f"loss {spec.loss!r} does not fit a {task} task; use {fits}", "loss"))
    if sizes is not None:
        n_train, n_val = sizes
        problem = batch_problem(spec.batch_size, n_train)
        if problem:
            out.append((problem, "batch_size"))
        if spec.early_stopping and n_val == 0:
            out.append(
                (
                    "early stopping watches the validation split, which is empty; give the "
                    "validation share a value above 0 % or turn early stopping off",
                    "early_stopping",
                )
            )
    if devices is not None and spec.device != "auto" and spec.device not in devices:
        present = ", ".join(["auto", *devices])
        out.append(
            (
                f"device {spec.device!r} is not present on this machine; choose one of: {present}",
                "device",
            )
        )
    return out


def format_validation_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = shortened(".".join(str(x) for x in err["loc"]), 120)
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            lines.append(f"{loc}: unknown setting (check its spelling)")
            continue
        if err["type"] == "missing":
            lines.append(f"{loc}: required setting is missing")
            continue
        given = err.get("input")
        if isinstance(given, dict | list) or err["type"] == "value_error":
            lines.append(f"{loc}: {msg}" if loc else msg)
        else:
            lines.append(f"{loc} = {quoted(given)}: {msg}" if loc else msg)
    more = f"; … ({len(lines) - 10} more problems)" if len(lines) > 10 else ""
    return f"invalid {source}: " + "; ".join(lines[:10]) + more


def validation_message(exc: ValidationError) -> str:
    """The message for a ValidationError from validating a panel's values (GUI use)."""
    return format_validation_error(exc, "value").removeprefix("invalid value: ")
