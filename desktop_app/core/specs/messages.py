"""Messages for bad values: pydantic's errors as one line naming each field, and the
split and batch-size problems shared by catalog datasets and tables."""

from __future__ import annotations

from pydantic import ValidationError

from desktop_app.core.catalog import split_sizes
from desktop_app.core.printable import quoted, shortened


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
