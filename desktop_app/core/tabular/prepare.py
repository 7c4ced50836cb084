"""Preparation for core.tabular: a RawTable -> PreparedData (target classes or values,
gaps dropped or filled from the training rows, one-hot categories, split and scaling
by data.prepare_arrays). Raw rows -> a trained model's inputs: core.tabular.raw_rows."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from desktop_app.core.catalog import REGRESSION, TABLE, split_sizes
from desktop_app.core.errors import DataError
from desktop_app.core.memory import small_pages
from desktop_app.core.prepared import (
    PreparedData,
    RawColumn,
    prepare_arrays,
    split_indices,
)
from desktop_app.core.row_blocks import threads_for
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.messages import split_problem
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular.columns import RawTable
from desktop_app.core.tabular.detect import (
    Cancel,
    Cancelled,
    Progress,
    all_int,
    rows_not_lines,
    scaled_progress,
    task_for,
)
from desktop_app.core.tabular.files import target_missing_message
from desktop_app.core.tabular.reader import load_table


def table_project(spec: TableSpec, base: Project | None = None, name: str | None = None) -> Project:
    """A project training on `spec` with the model, training choices, seed and split
    shares of `base` (default: the default project): what the import dialog and
    `odyssey train --data` both start from."""
    base = base or Project()
    data = DataSpec(
        dataset=TABLE,
        table=spec,
        seed=base.data.seed,
        val_fraction=base.data.val_fraction,
        test_fraction=base.data.test_fraction,
        standardize=base.data.standardize,
    )
    return Project(
        name=name or Path(spec.path).stem[:200] or "table",
        data=data,
        model=base.model,
        train=base.train,
    )


def load_project_data(
    project: Project,
    base_dir: str | Path | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
    accept_changed: bool = False,
    notes: list[str] | None = None,
    fit_batch_size: bool = False,
) -> tuple[Project, PreparedData]:
    """Load a table project's data. Returns the project with its table record updated
    (detected settings, hash, rows, inputs, classes, task) and the prepared data.
    notes, if given, receives what the user should know (rows dropped, columns left
    out, a non-UTF-8 encoding). fit_batch_size: a batch size larger than the training
    set becomes its size (a fresh import with default settings) instead of an error."""
    with small_pages():
        return _load_project_data(
            project, base_dir, progress, cancel, accept_changed, notes, fit_batch_size
        )


def _load_project_data(project, base_dir, progress, cancel, accept_changed, notes, fit_batch_size):
    spec = project.data
    if spec.table is None:
        raise DataError(f"the project's dataset is {spec.dataset!r}, not an imported table")
    raw = load_table(
        spec.table, base_dir, scaled_progress(progress, 0.0, 0.9), cancel, accept_changed
    )

    def check(n_rows: int, task: str) -> None:
        nonlocal project
        n_train = split_sizes(n_rows, spec.val_fraction, spec.test_fraction)[0]
        if fit_batch_size and 1 <= n_train < project.train.batch_size:
            train = project.train.model_copy(update={"batch_size": n_train})
            project = project.model_copy(update={"train": train})
            raw.notes.append(f"batch size lowered to {n_train}, the size of the training set")
        project.check_table_rows(n_rows, task)

    data, table = _prepare(raw, spec, check, True, scaled_progress(progress, 0.9, 1.0), cancel)
    if notes is not None:
        notes.extend(raw.notes)
    if progress:
        progress(1.0)
    data_spec = spec.model_copy(update={"table": table})
    return project.model_copy(update={"data": data_spec}), data


def prepare_table(
    data_spec: DataSpec,
    raw: RawTable | None = None,
    base_dir: str | Path | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
    accept_changed: bool = False,
) -> PreparedData:
    """PreparedData for a DataSpec with a table (reading it unless raw is given)."""
    if data_spec.table is None:
        raise DataError(f"dataset {data_spec.dataset!r} is not an imported table")
    consume = raw is None
    if raw is None:
        raw = load_table(
            data_spec.table, base_dir, scaled_progress(progress, 0.0, 0.9), cancel, accept_changed
        )

    def check(n_rows: int, task: str) -> None:
        problem = split_problem(n_rows, data_spec.val_fraction, data_spec.test_fraction)
        if problem:
            raise DataError(f"{raw.path}: {problem}")

    data, _ = _prepare(raw, data_spec, check, consume, scaled_progress(progress, 0.9, 1.0), cancel)
    if progress:
        progress(1.0)
    return data


# ---------------------------------------------------------------------------- preparation
ENCODE_ROWS = 1 << 16  # rows encoded at a time (a few MB)


@rows_not_lines
def _prepare(
    raw: RawTable,
    data_spec: DataSpec,
    check: Callable[[int, str], None],
    consume: bool,
    progress: Progress = None,
    cancel: Cancel = None,
) -> tuple[PreparedData, TableSpec]:
    """Target -> classes or values; gaps dropped or filled (fitted on the training
    rows); inputs encoded block by block into one array in split order (train, val,
    test), which prepare_arrays then splits into views and scales in place. Consuming
    the raw table frees its blocks as they are encoded: the peak stays near the size
    of the inputs plus one block."""
    table = data_spec.table
    assert table is not None
    path, target, kinds = raw.path, table.target, raw.kinds
    y, class_names, task = _target(raw, table)
    blocks = raw.blocks
    if consume:
        raw.blocks = []
    else:
        blocks = list(blocks)
    feats = raw.features
    # Missing values: drop rows, or fill from the training rows.
    gap_parts = []
    for b in blocks:
        g = np.zeros(b.shape[1], dtype=bool)
        for name in feats:
            g |= _missing_mask(raw.view(b, name), kinds[name])
        gap_parts.append(g)
    gaps = np.concatenate(gap_parts) if gap_parts else np.zeros(0, bool)
    n_gaps = int(gaps.sum())
    if table.missing == "drop" and n_gaps:
        if n_gaps == raw.n_rows:
            raise DataError(
                f"{path}: every row has an empty cell in some feature column, so dropping "
                "rows with gaps leaves nothing; choose a fill policy (mean, median or most "
                "frequent) or leave out the columns with gaps"
            )
        for i, (b, g) in enumerate(zip(blocks, gap_parts)):
            keep = ~g
            if consume:  # compact in place
                m = int(keep.sum())
                b[:, :m] = b[:, keep]
                blocks[i] = b[:, :m]
            else:
                blocks[i] = b[:, keep]
        y = y[~gaps]
        note = f"dropped {n_gaps:,} rows with empty feature cells"
        if n_gaps > 0.1 * raw.n_rows:
            note += (
                f" ({n_gaps / raw.n_rows:.0%} of the rows); fill them instead (missing values: "
                "median, mean or most frequent; command line: --missing median)"
            )
        raw.notes.append(note)
    del gaps, gap_parts
    n = len(y)
    check(n, task)
    try:
        indices = split_indices(y, data_spec, task)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    # What each column becomes: one input per numeric/boolean column, one per category.
    raw_columns: list[RawColumn] = []
    names: list[str] = []
    for name in feats:
        kind = kinds[name]
        cats = raw.categories.get(name, []) if kind == "categorical" else []
        fill = None
        if table.missing != "drop":
            col = np.concatenate([raw.view(b, name) for b in blocks])
            fill = _fit_fill(col[indices[0]], kind, cats, table.missing)
        raw_columns.append(RawColumn(name, kind, list(cats), fill))
        names.extend([f"{name}={c}" for c in cats] if kind == "categorical" else [name])
    # Inputs in split order, so that prepare_arrays takes each split as a view.
    order = np.concatenate(indices)
    where = np.empty(n, dtype=np.int64)
    where[order] = np.arange(n)
    x = np.empty((n, len(names)), dtype=np.float32)
    start = 0

    def encode(block: np.ndarray, at: int, row: int, out: np.ndarray = x) -> None:
        # Written input by input (rows of the block's own layout), then placed as rows
        # of x in one transposed copy: 2.5x faster than writing x column by column.
        # ENCODE_ROWS at a time, so that the copies stay small beside x.
        part = _encode_block(raw, block[:, at : at + ENCODE_ROWS], raw_columns, len(names))
        out[where[row : row + part.shape[1]]] = part.T

    with ThreadPoolExecutor(threads_for(n)) as pool:  # numpy's copies let go of the GIL
        for i in range(len(blocks)):
            if cancel is not None and cancel():
                raise Cancelled(raw.path)
            if progress is not None:
                progress(0.9 * i / len(blocks))
            block = blocks[i]
            ats = range(0, block.shape[1], ENCODE_ROWS)
            list(pool.map(encode, [block] * len(ats), ats, [start + at for at in ats]))
            start += block.shape[1]
            blocks[i] = block = None  # a consumed block goes back to the system here
    sizes = np.cumsum([0, *map(len, indices)])
    split = tuple(np.arange(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
    prep_data = prepare_arrays(
        x, y[order], data_spec, names, class_names, task, indices=split, owned=True
    )
    del x
    prep = prep_data.prep
    prep.raw_columns = raw_columns
    prep.target_column = target
    prep.missing = table.missing
    record = (raw.spec or table).model_copy(
        update={
            "n_rows": n,
            "n_inputs": len(names),
            "n_classes": len(class_names),
            "inferred_task": task,
        }
    )
    return prep_data, record


def _target(raw: RawTable, table: TableSpec) -> tuple[np.ndarray, list[str], str]:
    """The target as class indices (int64) or values (float32), its class names and
    the task; never empty, never a single class."""
    path, target = raw.path, table.target
    y_raw = raw.column(target)
    if raw.kinds[target] == "numeric":
        bad = np.flatnonzero(np.isnan(y_raw))
        if len(bad):
            raise DataError(target_missing_message(path, target, len(bad), raw.lines[bad[:5]]))
        if not np.isfinite(y_raw).all():
            line = raw.lines[np.flatnonzero(~np.isfinite(y_raw))[0]]
            raise DataError(
                f"{path}: target column {target!r} holds an infinite value on line {line}; "
                "fix that value"
            )
        uniq = np.unique(y_raw)
        task = task_for(path, target, table.task, len(uniq), True, all_int(uniq), len(y_raw))
        if task == REGRESSION:
            return y_raw, [], task
        return (
            np.searchsorted(uniq, y_raw).astype(np.int64),
            [_format_number(v) for v in uniq],
            task,
        )
    bad = np.flatnonzero(y_raw < 0)
    if len(bad):
        raise DataError(target_missing_message(path, target, len(bad), raw.lines[bad[:5]]))
    cats = raw.categories[target]
    if table.task == REGRESSION:
        raise DataError(
            f"{path}: target column {target!r} holds text (e.g. {cats[0]!r}), and a "
            "regression predicts numbers. Choose binary or multiclass, or mark the "
            "column numeric if its values are numbers."
        )
    present = np.unique(y_raw)
    task = task_for(path, target, table.task, len(present), False, False, len(y_raw))
    remap = np.full(len(cats), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    return remap[y_raw], [cats[i] for i in present], task


def _encode_block(raw: RawTable, block, raw_columns: list[RawColumn], width: int) -> np.ndarray:
    """The model inputs (before scaling) of one block of rows, one input per row of the
    result (width x rows, as the block itself is laid out)."""
    m = block.shape[1]
    part = np.empty((width, m), dtype=np.float32)  # every input is written below
    rows = np.arange(m)
    j = 0
    for rc in raw_columns:
        v = raw.view(block, rc.name)
        if rc.kind == "categorical":
            if rc.fill is not None:
                v = np.where(v < 0, rc.categories.index(str(rc.fill)), v)
            ok = v >= 0
            part[j : j + len(rc.categories)] = 0.0
            part[j + v[ok], rows[ok]] = 1.0
            j += len(rc.categories)
        else:
            part[j] = v if rc.fill is None else np.where(np.isnan(v), np.float32(rc.fill), v)
            j += 1
    return part


def _missing_mask(col: np.ndarray, kind: str) -> np.ndarray:
    return col < 0 if kind == "categorical" else np.isnan(col)


def _fit_fill(part, kind, cats, policy) -> float | str:
    """The fill value of a column from its training rows."""
    if kind == "categorical":  # the most frequent category, whatever the policy
        part = part[part >= 0]
        if not len(part):
            return cats[0]
        return cats[int(np.bincount(part, minlength=len(cats)).argmax())]
    part = part[~np.isnan(part)]
    if not len(part):
        return 0.0
    if policy == "mean":
        return float(part.mean(dtype=np.float64))
    if policy == "median":
        return float(np.median(part))
    vals, counts = np.unique(part, return_counts=True)
    return float(vals[counts.argmax()])


def _format_number(v) -> str:
    return np.format_float_positional(np.float32(v), trim="-")
