"""Validation of a model file's sections against what its own project implies.

Each metadata section (project, preprocessing, history, test metrics) and the table of
tensors is checked here, with a FileFormatError that names what is damaged, before
anything is built from it. These checks are the bulk of what makes loading safe, and
they change whenever a section gains a field, so they sit apart from the code that
assembles a LoadedModel.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import FileFormatError, OdysseyError, SpecError
from desktop_app.core.metrics import PER_CLASS
from desktop_app.core.persistence.header import fail

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    from desktop_app.core.history import History
    from desktop_app.core.prepared import Preprocessing
    from desktop_app.core.specs.project import Project


MAX_COUNT = 10**15  # epochs and steps; anything larger is damage, not training
FLOAT32_MAX = 3.4e38
FLOAT32_TINY = 1.2e-38  # the smallest normal float32 (a smaller scale loses digits, then is 0)


def project_from(p: Path, sections: dict) -> Project:
    from desktop_app.core.specs.project import Project

    try:
        return Project.from_dict(sections["project"], source="project")
    except SpecError as exc:
        raise fail(p, f"the project inside is not valid ({exc})") from None


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_finite_number(v: Any) -> bool:
    """A number that is finite as a float: math.isfinite raises OverflowError on an
    integer of hundreds of digits, which JSON can hold."""
    if not is_number(v):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def preprocessing_from(p: Path, d: dict, project: Project) -> Preprocessing:
    from desktop_app.core.catalog import BINARY, REGRESSION, TASKS
    from desktop_app.core.prepared import Preprocessing

    def bad(what: str) -> FileFormatError:
        return fail(p, f"its preprocessing is damaged ({what})")

    task = d.get("task")
    if task not in TASKS or (project.task != "auto" and task != project.task):
        raise bad(f"task {str(task)[:40]!r} does not match the project's {project.task!r}")
    names, classes = d.get("feature_names"), d.get("class_names", [])
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise bad("feature_names must be a non-empty list of names")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise bad("class_names must be a list of names")
    if task == REGRESSION and classes:
        raise bad("a regression model has no class names")
    if task != REGRESSION and (len(classes) < 2 or (task == BINARY and len(classes) != 2)):
        raise bad(f"{len(classes)} class names for a {task} task")
    mean, scale = d.get("mean"), d.get("scale")
    if (mean is None) != (scale is None):
        raise bad("mean and scale must both be given or both be empty")
    for key, values in (("mean", mean), ("scale", scale)):
        if values is not None and (
            not isinstance(values, list)
            or len(values) != len(names)
            or not all(is_finite_number(v) and abs(v) < FLOAT32_MAX for v in values)
        ):  # kept as float32: 1e308 would become infinity
            raise bad(f"{key} must hold one finite number per feature ({len(names)})")
    # Positive as float32, the type they are kept in: 1e-50 would become 0 there.
    if scale is not None and not all(v >= FLOAT32_TINY for v in scale):
        raise bad("scale values must be positive")
    tm, ts = d.get("target_mean", 0.0), d.get("target_scale", 1.0)
    if not is_finite_number(tm) or not is_finite_number(ts) or ts <= 0:
        raise bad("target_mean and target_scale must be finite, the scale positive")
    if d.get("raw") is not None:
        problem = _raw_problem(d["raw"], len(names))
        if problem:
            raise bad(problem)
    try:
        return Preprocessing.from_dict(d)
    except (KeyError, TypeError, ValueError, OdysseyError) as exc:
        raise bad(str(exc)[:200]) from None


def _raw_problem(raw: Any, n_features: int) -> str | None:
    """What is wrong with the description of an imported table's columns, if anything."""
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), list):
        return "raw columns must be a table with a list of columns"
    width = 0
    for c in raw["columns"]:
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            return "a raw column has no name"
        kind, cats, fill = c.get("kind"), c.get("categories", []), c.get("fill")
        if kind not in ("numeric", "boolean", "categorical"):
            return f"raw column {c['name'][:40]!r} has an unknown kind"
        if not isinstance(cats, list) or not all(isinstance(x, str) for x in cats):
            return f"raw column {c['name'][:40]!r}: categories must be names"
        if kind == "categorical" and (not cats or (fill is not None and str(fill) not in cats)):
            return f"raw column {c['name'][:40]!r}: no categories, or a fill outside them"
        if fill is not None and not (isinstance(fill, str) or is_finite_number(fill)):
            return f"raw column {c['name'][:40]!r}: bad fill value"
        width += len(cats) if kind == "categorical" else 1
    if width != n_features:
        return f"its raw columns give {width} inputs but the model has {n_features}"
    if not all(raw.get(k) is None or isinstance(raw.get(k), str) for k in ("target", "missing")):
        return "raw target and missing policy must be text"
    return None


def history_meta(p: Path, d: dict) -> dict:
    cols = d.get("epoch_columns")
    counts = (d.get("n_steps"), d.get("n_epochs"))
    if (
        not isinstance(d.get("metric_name"), str)
        or not isinstance(cols, list)
        or not all(isinstance(c, str) for c in cols)
        # Without an epoch column the table holds no bytes, whatever rows it claims: a
        # 23 KB file claiming 10**15 empty rows looped 10**15 times.
        or "epoch" not in cols
        or len(set(cols)) != len(cols)
        or not all(isinstance(c, int) and not isinstance(c, bool) for c in counts)
        or not all(0 <= c <= MAX_COUNT for c in counts)
    ):
        raise fail(p, "its history description is damaged")
    return {"metric_name": d["metric_name"], "epoch_columns": cols, "n_steps": counts[0],
            "n_epochs": counts[1]}  # fmt: skip


def history_from(p: Path, meta: dict, tensors: dict) -> History:
    from desktop_app.core.history import EPOCH_KEYS, History

    h = History(metric_name=meta["metric_name"])
    h.add_block(
        tensors["history.steps"].numpy(),
        tensors["history.batch_loss"].numpy(),
        tensors["history.batch_lr"].numpy(),
    )
    import numpy as np

    table = tensors["history.epochs"].numpy().astype(np.float64)
    cols = meta["epoch_columns"]
    for key in ("epoch", "step"):  # the window plots against these: whole numbers
        if key in cols:
            column = table[:, cols.index(key)]
            if (
                not (np.isfinite(column).all() and (column >= 0).all())
                or (column != np.round(column)).any()
            ):
                raise fail(p, f"its history is damaged (the {key} numbers are not whole numbers)")
    values = {k: table[:, cols.index(k)].tolist() if k in cols else None for k in EPOCH_KEYS}
    for i in range(len(table)):
        rec: dict[str, Any] = {}
        for key in EPOCH_KEYS:
            v = math.nan if values[key] is None else values[key][i]
            if math.isnan(v):
                rec[key] = None
            elif key in ("epoch", "step"):
                rec[key] = int(v)
            else:
                rec[key] = v
        h.epochs.append(rec)
    return h


def metrics_from(p: Path, d: dict, n_classes: int) -> dict:
    """Test metrics the window can show: numbers (or null), a confusion matrix of
    counts with one row and one column per class, and the per-class lists (one number,
    or null, per class; counts for the support)."""

    def count(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    for key, value in d.items():
        if key == "confusion_matrix":
            square = (
                n_classes >= 2
                and isinstance(value, list)
                and len(value) == n_classes
                and all(isinstance(r, list) and len(r) == n_classes for r in value)
            )
            if not square or not all(count(v) for r in value for v in r):
                raise fail(
                    p,
                    f"its confusion matrix is damaged (it must hold {n_classes} rows of "
                    f"{n_classes} counts)",
                )
        elif key in PER_CLASS:
            per_class = isinstance(value, list) and len(value) == n_classes
            fits = count if key == "class_support" else (lambda v: v is None or is_finite_number(v))
            if not per_class or not all(fits(v) for v in value):
                raise fail(
                    p, f"its test metric {key!r} is damaged (it must hold {n_classes} numbers)"
                )
        elif not (value is None or is_finite_number(value)):
            raise fail(p, f"its test metric {key[:40]!r} is not a number")
    return dict(d)


def network_tensor_count(spec) -> int:
    """How many tensors build_model's network holds, counted from the spec alone."""
    # Linear: weight and bias; BatchNorm1d: weight, bias, running mean, var and count.
    return 2 + sum(2 + (5 if layer.batch_norm else 0) for layer in spec.hidden)


RUN_STATE_PREFIXES = ("history.", "optimizer.", "resume.", "rng.", "replay.")


def check_tensors(p: Path, infos: dict, expected: dict) -> None:
    missing = [k for k in expected if k not in infos]
    if missing:
        raise fail(p, f"tensor {missing[0]!r} is missing" + _more(missing))
    extra = [k for k in infos if k not in expected]
    if extra:
        raise fail(
            p, f"it holds tensor {extra[0][:80]!r}, which this model does not have" + _more(extra)
        )
    for name, (shape, dtype) in expected.items():
        got_shape, got_dtype = infos[name]
        if shape is None:  # a 1-D byte string (random-number state)
            if len(got_shape) != 1 or got_dtype != dtype:
                raise fail(p, f"tensor {name!r} should be a 1-D {dtype} tensor")
            continue
        if got_shape != shape:
            what = "history" if name.startswith("history.") else "network"
            raise fail(
                p,
                f"tensor {name!r} has shape {list(got_shape)}, but the {what} described "
                f"in the file needs {list(shape)}",
            )
        ok = got_dtype in ("F16", "BF16", "F32", "F64") if dtype == "float" else got_dtype == dtype
        if not ok:
            raise fail(p, f"tensor {name!r} is stored as {got_dtype}, expected {dtype}")


def _more(names: list) -> str:
    return f" (and {len(names) - 1} more)" if len(names) > 1 else ""


def read_tensors(p: Path, names: list[str]) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(p), framework="pt", device="cpu") as f:
            return {k: f.get_tensor(k) for k in names}
    except OSError as exc:
        raise fail(p, f"it cannot be read ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - safetensors' own error types vary by version
        raise fail(p, f"its tensor data cannot be read ({str(exc)[:200]})") from None


def dtype_name(dtype) -> str:
    import torch

    return {
        torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
        torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8",
        torch.bool: "BOOL",
    }[dtype]  # fmt: skip
