"""A user's own table (CSV/TSV) -> prepared arrays; raw rows of it -> model inputs.

API (no Qt; every call may run in a worker thread):

- ``preview_table(path, max_rows=200, delimiter=None, encoding=None, header=None,
  column_types=None) -> TablePreview``: the detected delimiter, header and encoding (with
  a note when it is not UTF-8), the columns with their kinds, the first rows as strings;
  ``.infer_task(target)`` and ``.make_spec(target, ...) -> TableSpec`` for the dialog.
- ``load_table(spec, base_dir=None, progress=None, cancel=None, accept_changed=False)
  -> RawTable``: reads the columns the spec uses in chunks of rows. ``progress(fraction)``
  is called after each chunk, ``cancel() -> bool`` before each (Cancelled is raised). A
  recorded content hash that no longer matches raises TableChangedError unless
  accept_changed. ``RawTable.spec`` records what was detected and the new hash.
- ``load_project_data(project, base_dir=None, progress, cancel, accept_changed)
  -> (project, PreparedData)``: load, check the project against the row count (batch size,
  split, loss: the messages validation gives catalog datasets), encode, split and scale;
  the returned project records the hash and a summary (rows, inputs, classes, task).
  ``prepare_table(data_spec, raw=None, ...)`` does the same for a DataSpec alone.
- ``read_rows_for_prediction(path, prep, ...) -> RawTable``: the raw feature columns of a
  file with the same layout, for ``Preprocessing.transform_raw``.
- ``Preprocessing.transform_raw(rows)`` (core.data) calls ``encode_raw(prep, rows)`` then
  ``transform``: rows are a list of dicts (column -> string or number), a mapping of
  column -> sequence, or a RawTable. Numeric columns take numbers or numeric strings;
  boolean columns true/false, yes/no, t/f, y/n or 1/0; a category not seen in training
  encodes as all zeros (the one-hot "ignore" rule); an empty cell takes the fill value
  recorded at training, or is an error when training dropped rows with gaps.

Encoding: numeric and boolean columns become one input each; a categorical column one
input per category, named "column=category"; all inputs are then standardised on the
training split (data.prepare_arrays). Fill values are fitted on the training rows only.

Reading uses the csv module and numpy's C parser (np.loadtxt) on blocks of lines that
hold no quotes; no pandas. Excel and Parquet are not read (no reader is installed):
such files get a message asking for a CSV export.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import itertools
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION, TABLE
from desktop_app.core.data import (
    PreparedData,
    Preprocessing,
    RawColumn,
    prepare_arrays,
    split_indices,
)
from desktop_app.core.errors import DataError, OdysseyError
from desktop_app.core.specs import DataSpec, Project, TableSpec, split_problem

Progress = Callable[[float], None] | None
Cancel = Callable[[], bool] | None

CHUNK_LINES = 20_000  # lines parsed per step: progress and cancel are checked per chunk
SAMPLE_BYTES = 1 << 20  # what preview and detection read
DETECT_ROWS = 5000  # rows a preview uses to detect column kinds
SCAN_BLOCK = 1 << 20
MAX_CATEGORIES = 100  # more distinct strings than this: free text, not a category
MAX_ONE_HOT = 1000  # hard limit for a categorical feature (one input per category)
MAX_CLASSES = 1000  # same limit as DataSpec.n_classes
MAX_INT_CLASSES = 20  # a numeric target with at most this many integers is multiclass

MISSING = frozenset(
    ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None"]
    + ["none", "#N/A", "?", "<NA>", "-nan", "-NaN"]
)
TRUE_WORDS = frozenset(["true", "yes", "t", "y"])
FALSE_WORDS = frozenset(["false", "no", "f", "n"])
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_DELIMITER_PRIORITY = {"\t": 3, ";": 2, "|": 1, ",": 0}
_NOT_CSV = {
    ".xlsx": "an Excel workbook",
    ".xlsm": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".ods": "a spreadsheet",
    ".parquet": "a Parquet file",
    ".feather": "a Feather file",
    ".json": "a JSON file",
}
FEATURE_KINDS = ("numeric", "boolean", "categorical")


class Cancelled(OdysseyError):
    """The user cancelled the import; nothing was changed."""

    def __init__(self, path: Path | str = ""):
        super().__init__(f"loading {path} was cancelled" if path else "cancelled")


class TableChangedError(DataError):
    """The file's content differs from the one recorded when it was imported."""

    def __init__(self, path: Path, expected: str, actual: str):
        self.path, self.expected, self.actual = path, expected, actual
        super().__init__(
            f"{path} has changed since it was imported (its content hash was "
            f"{expected[:12]}…, now {actual[:12]}…). Odyssey will not train on different "
            "data silently: import the file again to use the new content (command line: "
            "--accept-changed), or restore the original file."
        )


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    encoding: str
    header: bool
    encoding_note: str = ""


@dataclass
class ColumnInfo:
    """A column as detected: kind is numeric, boolean, categorical, text (too many
    distinct values to be a category: names, identifiers) or empty (no values)."""

    name: str
    kind: str
    n_missing: int
    n_distinct: int
    examples: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.kind in FEATURE_KINDS


@dataclass
class TablePreview:
    path: Path
    delimiter: str
    encoding: str
    encoding_note: str
    header: bool
    columns: list[ColumnInfo]
    rows: list[list[str]]  # the first rows, as strings
    size_bytes: int
    sampled_rows: int  # rows the kinds were detected on
    complete: bool  # the sample is the whole file
    estimated_rows: int
    _values: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnInfo:
        for c in self.columns:
            if c.name == name:
                return c
        raise DataError(_unknown_column(self.path, name, self.column_names, "column"))

    @property
    def default_target(self) -> str | None:
        """The last usable column: where most tables keep what they describe."""
        usable = [c.name for c in self.columns if c.usable]
        return usable[-1] if usable else None

    def infer_task(self, target: str) -> str:
        """binary, multiclass or regression for this target (from the sample); DataError
        when the sample already shows it cannot be a target."""
        col = self.column(target)
        values = [v.strip() for v in self._values[target]]
        missing = [i for i, v in enumerate(values) if v in MISSING]
        if missing:
            raise DataError(_target_missing(self.path, target, len(missing), []))
        present = values
        if col.kind == "numeric":
            nums = np.array(present, dtype=np.float64)
            uniq = np.unique(nums)
            n_uniq, n = len(uniq), len(nums)
            return _task_for(self.path, target, "auto", n_uniq, True, _all_int(uniq), n)
        return _task_for(self.path, target, "auto", len(set(present)), False, False, len(present))

    def make_spec(
        self,
        target: str,
        features: list[str] | None = None,
        task: str = "auto",
        missing: str = "drop",
        column_types: dict[str, str] | None = None,
    ) -> TableSpec:
        """A TableSpec with the detected delimiter, encoding and header recorded."""
        self.column(target)
        for f in features or []:
            self.column(f)
        return TableSpec(
            path=str(self.path.absolute()),
            delimiter=self.delimiter,
            encoding=self.encoding,
            header=self.header,
            target=target,
            features=features,
            column_types=column_types or {},
            task=task,
            missing=missing,
        )


@dataclass
class RawTable:
    """The used columns of a table: numeric and boolean as float32 (NaN: empty),
    categorical as int32 codes into categories[name] (-1: empty); lines[i] is the file
    line of row i, for messages."""

    path: Path
    spec: TableSpec | None
    names: list[str]
    kinds: dict[str, str]
    columns: dict[str, np.ndarray]
    categories: dict[str, list[str]]
    lines: np.ndarray
    features: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.lines)


# ---------------------------------------------------------------------------- preview
def preview_table(
    path: str | Path,
    max_rows: int = 200,
    delimiter: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
    column_types: Mapping[str, str] | None = None,
) -> TablePreview:
    """What the import dialog shows: reads at most the first megabyte of the file."""
    path = Path(path)
    size = _check_file(path)
    with _open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    complete = len(sample) == size
    _check_not_binary(path, sample)
    dialect, lines = _sniff(path, sample, complete, delimiter, encoding, header)
    rows, row_lines = _parse_lines(path, lines, dialect.delimiter, 1)
    names, rows, row_lines = _take_header(path, rows, row_lines, dialect.header)
    detect = rows[:DETECT_ROWS]
    cols = list(zip(*detect)) if detect else [() for _ in names]
    infos, values = [], {}
    for name, col in zip(names, cols):
        kind, n_missing, n_distinct = _detect_kind(col)
        if column_types and name in column_types:
            kind = column_types[name]
        examples = list(dict.fromkeys(v.strip() for v in col if v.strip() not in MISSING))[:5]
        infos.append(ColumnInfo(name, kind, n_missing, n_distinct, examples))
        values[name] = list(col)
    if complete:
        estimated = len(rows)
    else:
        used = sum(len(line.encode(dialect.encoding, "replace")) for line in lines)
        estimated = int(size / max(used, 1) * max(len(rows), 1))
    return TablePreview(
        path=path,
        delimiter=dialect.delimiter,
        encoding=dialect.encoding,
        encoding_note=dialect.encoding_note,
        header=dialect.header,
        columns=infos,
        rows=[list(r) for r in rows[:max_rows]],
        size_bytes=size,
        sampled_rows=len(detect),
        complete=complete,
        estimated_rows=estimated,
        _values=values,
    )


# ---------------------------------------------------------------------------- loading
def load_table(
    spec: TableSpec,
    base_dir: str | Path | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
    accept_changed: bool = False,
) -> RawTable:
    """Read the target and feature columns of spec's file (see the module docstring)."""
    path = spec.resolved(base_dir)
    overrides = dict(spec.column_types)
    raw = _read(
        path,
        delimiter=spec.delimiter,
        encoding=spec.encoding,
        header=spec.header,
        choose=lambda names, infos, d: _choose_columns(path, spec, names, infos, d),
        overrides=overrides,
        target=spec.target,
        expect_hash=spec.sha256,
        accept_changed=accept_changed,
        progress=progress,
        cancel=cancel,
    )
    raw.spec = spec.model_copy(
        update={
            "delimiter": raw.spec.delimiter,
            "encoding": raw.spec.encoding,
            "header": raw.spec.header,
            "sha256": raw.spec.sha256,
        }
    )
    return raw


def read_rows_for_prediction(
    path: str | Path,
    prep: Preprocessing,
    delimiter: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> RawTable:
    """The raw feature columns a table model needs, from a file laid out like its
    training table (other columns, the target included, may be there or not)."""
    if prep.raw_columns is None:
        raise DataError(
            "this model was not trained on an imported table, so it takes numeric rows "
            f"of its {prep.n_features} features, not raw table rows"
        )
    path = Path(path)
    wanted = [c.name for c in prep.raw_columns]
    kinds = {c.name: c.kind for c in prep.raw_columns}

    def choose(names, _infos, _delimiter):
        for name in wanted:
            if name not in names:
                raise DataError(
                    _unknown_column(path, name, names, "column the model needs")
                    + " A prediction file needs the same column names as the training table."
                )
        return wanted

    raw = _read(
        path,
        delimiter=delimiter,
        encoding=encoding,
        header=header,
        choose=choose,
        overrides=kinds,
        target=None,
        expect_hash=None,
        accept_changed=True,
        progress=progress,
        cancel=cancel,
    )
    raw.spec = None
    return raw


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
) -> tuple[Project, PreparedData]:
    """Load a table project's data. Returns the project with its table record updated
    (detected settings, hash, rows, inputs, classes, task) and the prepared data.
    notes, if given, receives what the user should know (rows dropped, columns left
    out, a non-UTF-8 encoding)."""
    spec = project.data
    if spec.table is None:
        raise DataError(f"the project's dataset is {spec.dataset!r}, not an imported table")
    raw = load_table(spec.table, base_dir, _scaled(progress, 0.0, 0.9), cancel, accept_changed)
    data, table = _prepare(raw, spec, project.check_table_rows, consume=True)
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
            data_spec.table, base_dir, _scaled(progress, 0.0, 0.9), cancel, accept_changed
        )

    def check(n_rows: int, task: str) -> None:
        problem = split_problem(n_rows, data_spec.val_fraction, data_spec.test_fraction)
        if problem:
            raise DataError(f"{raw.path}: {problem}")

    data, _ = _prepare(raw, data_spec, check, consume=consume)
    if progress:
        progress(1.0)
    return data


def file_sha256(path: str | Path, cancel: Cancel = None) -> str:
    """The hex SHA-256 of a file's bytes, read a megabyte at a time."""
    path = Path(path)
    _check_file(path)
    digest, _, _ = _scan(path, False, None, cancel)
    return digest


# ---------------------------------------------------------------------------- preparation
def _prepare(
    raw: RawTable, data_spec: DataSpec, check: Callable[[int, str], None], consume: bool
) -> tuple[PreparedData, TableSpec]:
    table = data_spec.table
    assert table is not None
    path, target = raw.path, table.target
    cols = raw.columns if consume else dict(raw.columns)
    # The target: classes or values, never empty.
    y_raw = cols.pop(target)
    tkind = raw.kinds[target]
    if tkind == "numeric":
        bad = np.flatnonzero(np.isnan(y_raw))
        if len(bad):
            raise DataError(_target_missing(path, target, len(bad), raw.lines[bad[:5]]))
        if not np.isfinite(y_raw).all():
            line = raw.lines[np.flatnonzero(~np.isfinite(y_raw))[0]]
            raise DataError(
                f"{path}: target column {target!r} holds an infinite value on line {line}; "
                "fix that value"
            )
        uniq = np.unique(y_raw)
        task = _task_for(path, target, table.task, len(uniq), True, _all_int(uniq), len(y_raw))
        if task == REGRESSION:
            y = y_raw
            class_names: list[str] = []
        else:
            y = np.searchsorted(uniq, y_raw).astype(np.int64)
            class_names = [_format_number(v) for v in uniq]
    else:
        bad = np.flatnonzero(y_raw < 0)
        if len(bad):
            raise DataError(_target_missing(path, target, len(bad), raw.lines[bad[:5]]))
        cats = raw.categories[target]
        if table.task == REGRESSION:
            raise DataError(
                f"{path}: target column {target!r} holds text (e.g. {cats[0]!r}), and a "
                "regression predicts numbers. Choose binary or multiclass, or mark the "
                "column numeric if its values are numbers."
            )
        present = np.unique(y_raw)
        task = _task_for(path, target, table.task, len(present), False, False, len(y_raw))
        remap = np.full(len(cats), -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        y = remap[y_raw]
        class_names = [cats[i] for i in present]
    del y_raw
    feats = raw.features
    # Missing values: drop rows, or fill from the training rows.
    gaps = np.zeros(raw.n_rows, dtype=bool)
    for name in feats:
        gaps |= _missing_mask(cols[name], raw.kinds[name])
    n_gaps = int(gaps.sum())
    lines = raw.lines
    if table.missing == "drop" and n_gaps:
        if n_gaps == raw.n_rows:
            raise DataError(
                f"{path}: every row has an empty cell in some feature column, so dropping "
                "rows with gaps leaves nothing; choose a fill policy (mean, median or most "
                "frequent) or leave out the columns with gaps"
            )
        keep = ~gaps
        for name in feats:
            cols[name] = cols[name][keep]
        y, lines = y[keep], lines[keep]
        raw.notes.append(f"dropped {n_gaps:,} rows with empty feature cells")
    n = len(y)
    check(n, task)
    try:
        indices = split_indices(y, data_spec, task)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    train_idx = indices[0]
    # Encode: one input per numeric/boolean column, one per category.
    raw_columns: list[RawColumn] = []
    names: list[str] = []
    for name in feats:
        kind = raw.kinds[name]
        cats = raw.categories.get(name, []) if kind == "categorical" else []
        fill = None
        if table.missing != "drop":
            fill = _fit_fill(cols[name], kind, cats, train_idx, table.missing)
        raw_columns.append(RawColumn(name, kind, list(cats), fill))
        names.extend([f"{name}={c}" for c in cats] if kind == "categorical" else [name])
    x = np.zeros((n, len(names)), dtype=np.float32)
    j = 0
    rows = np.arange(n)
    for rc in raw_columns:
        col = cols.pop(rc.name) if consume else cols[rc.name]
        if rc.kind == "categorical":
            codes = col
            if rc.fill is not None:
                codes = np.where(codes < 0, rc.categories.index(str(rc.fill)), codes)
            ok = codes >= 0
            x[rows[ok], j + codes[ok]] = 1.0
            j += len(rc.categories)
        else:
            if rc.fill is not None:
                col = np.where(np.isnan(col), np.float32(rc.fill), col)
            x[:, j] = col
            j += 1
        del col
    prep_data = prepare_arrays(x, y, data_spec, names, class_names, task, indices=indices)
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


def _missing_mask(col: np.ndarray, kind: str) -> np.ndarray:
    return col < 0 if kind == "categorical" else np.isnan(col)


def _fit_fill(col, kind, cats, train_idx, policy) -> float | str:
    part = col[train_idx]
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


def _task_for(path, target, chosen, n_distinct, numeric, integers, n_rows) -> str:
    """The task for a target with n_distinct values: the user's choice, checked, or the
    inferred one (2 values: binary; a few integers or any text: multiclass; else
    regression)."""
    if n_distinct < 2:
        raise DataError(
            f"{path}: target column {target!r} holds the same value in every row, so "
            "there is only one class and nothing to learn; choose another target column"
        )
    if chosen == REGRESSION:
        return REGRESSION
    if chosen == BINARY:
        if n_distinct != 2:
            raise DataError(
                f"{path}: target column {target!r} has {n_distinct:,} distinct values, and "
                "a binary task needs exactly 2; choose multiclass, regression or auto"
            )
        return BINARY
    if n_distinct == 2:  # multiclass with two classes is the binary model (as in the catalog)
        return BINARY
    if chosen == "auto" and numeric:
        few = integers and n_distinct <= MAX_INT_CLASSES and n_distinct * 2 <= n_rows
        return MULTICLASS if few else REGRESSION
    if n_distinct > MAX_CLASSES:
        raise DataError(
            f"{path}: target column {target!r} has {n_distinct:,} distinct values: too "
            f"many classes for classification (at most {MAX_CLASSES:,}). If they are "
            "quantities, mark the column numeric and choose regression; otherwise choose "
            "another target column."
        )
    return MULTICLASS


# ---------------------------------------------------------------------------- raw rows
def encode_raw(prep: Preprocessing, rows) -> np.ndarray:
    """Raw table rows -> the model's inputs before standardisation (float32), encoded
    exactly as at training (see the module docstring for what each column accepts)."""
    if prep.raw_columns is None:
        raise DataError(
            "this model was not trained on an imported table; it takes numeric rows of its "
            f"{prep.n_features} features ({', '.join(prep.feature_names[:6])}…)"
        )
    if isinstance(rows, RawTable):
        n = rows.n_rows

        def place(i: int) -> str:
            return f"{rows.path}, line {rows.lines[i]}"

        def values(name: str):
            return rows.columns.get(name)

    elif isinstance(rows, Mapping):
        table = {str(k): list(v) for k, v in rows.items()}
        lengths = {len(v) for v in table.values()}
        if len(lengths) > 1:
            raise DataError("the columns given for prediction have different lengths")
        n = lengths.pop() if lengths else 0

        def place(i: int) -> str:
            return f"row {i + 1}"

        def values(name: str):
            return table.get(name)

    elif isinstance(rows, Sequence) and not isinstance(rows, str | bytes):
        n = len(rows)
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise DataError(
                    f"row {i + 1} is a {type(row).__name__}; give each row as a mapping of "
                    "column name to value"
                )

        def place(i: int) -> str:
            return f"row {i + 1}"

        def values(name: str):
            for i, row in enumerate(rows):
                if name not in row:
                    raise DataError(f"row {i + 1} has no column {name!r}, which the model needs")
            return [row[name] for row in rows]

    else:
        raise DataError(
            f"cannot read rows from a {type(rows).__name__}; give a list of dicts, a mapping "
            "of column name to values, or a table read by read_rows_for_prediction"
        )
    width = sum(len(c.categories) if c.kind == "categorical" else 1 for c in prep.raw_columns)
    if width != prep.n_features:
        raise DataError(
            f"the saved preprocessing is inconsistent: its raw columns give {width} inputs "
            f"but the model has {prep.n_features}; the model file may be damaged"
        )
    out = np.zeros((n, width), dtype=np.float32)
    j = 0
    for rc in prep.raw_columns:
        vals = values(rc.name)
        if vals is None:
            raise DataError(f"the rows have no column {rc.name!r}, which the model needs")
        if rc.kind == "categorical":
            codes = _category_codes(rows, rc, vals)
            gaps = codes == -1
            if gaps.any():
                if rc.fill is None:
                    raise DataError(_gap_at_prediction(place(int(np.flatnonzero(gaps)[0])), rc))
                codes[gaps] = rc.categories.index(str(rc.fill))
            ok = codes >= 0  # -2: a category unseen in training encodes as all zeros
            out[np.flatnonzero(ok), j + codes[ok]] = 1.0
            j += len(rc.categories)
            continue
        if isinstance(rows, RawTable):
            col = np.asarray(vals, dtype=np.float32)
        else:
            col = np.array([_raw_number(v, rc, place, i) for i, v in enumerate(vals)], np.float32)
        gaps = np.isnan(col)
        if gaps.any():
            if rc.fill is None:
                raise DataError(_gap_at_prediction(place(int(np.flatnonzero(gaps)[0])), rc))
            col = np.where(gaps, np.float32(rc.fill), col)
        out[:, j] = col
        j += 1
    return out


def _category_codes(rows, rc: RawColumn, vals) -> np.ndarray:
    """Indices into rc.categories; -1 for an empty cell, -2 for an unseen category."""
    index = {c: i for i, c in enumerate(rc.categories)}
    if isinstance(rows, RawTable):
        file_cats = rows.categories.get(rc.name, [])
        lut = np.array([index.get(c, -2) for c in file_cats] + [-1], dtype=np.int64)
        return lut[np.asarray(vals, dtype=np.int64)]  # code -1 picks the trailing -1
    codes = np.empty(len(vals), dtype=np.int64)
    for i, v in enumerate(vals):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            codes[i] = -1
            continue
        s = str(v).strip()
        codes[i] = -1 if s in MISSING else index.get(s, -2)
    return codes


def _raw_number(v, rc: RawColumn, place, i: int) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool | np.bool_):
        return 1.0 if v else 0.0
    if isinstance(v, int | float | np.integer | np.floating):
        f = float(v)
    else:
        s = str(v).strip()
        if s in MISSING:
            return math.nan
        if rc.kind == "boolean":
            low = s.lower()
            if low in TRUE_WORDS:
                return 1.0
            if low in FALSE_WORDS:
                return 0.0
        try:
            f = float(s)
        except ValueError:
            need = "yes/no (true/false) value" if rc.kind == "boolean" else "number"
            raise DataError(f"{place(i)}: column {rc.name!r} needs a {need}, got {s!r}") from None
    if rc.kind == "boolean" and f not in (0.0, 1.0) and not math.isnan(f):
        raise DataError(f"{place(i)}: column {rc.name!r} needs a yes/no value, got {v!r}")
    if math.isinf(f):
        raise DataError(f"{place(i)}: column {rc.name!r} is infinite; give a finite number")
    return f


def _gap_at_prediction(where: str, rc: RawColumn) -> str:
    return (
        f"{where}: column {rc.name!r} is empty. The model was trained dropping rows with "
        "empty cells (missing values: drop), so it has no value to use; fill that cell in"
    )


# ---------------------------------------------------------------------------- reading
def _read(
    path: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    header: bool | None,
    choose: Callable[[list[str], dict[str, ColumnInfo], str], list[str]],
    overrides: Mapping[str, str],
    target: str | None,
    expect_hash: str | None,
    accept_changed: bool,
    progress: Progress,
    cancel: Cancel,
) -> RawTable:
    size = _check_file(path)
    with _open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    _check_not_binary(path, sample)
    digest, found, note = _scan(path, encoding is None, _scaled(progress, 0.0, 0.1), cancel)
    if expect_hash and digest != expect_hash and not accept_changed:
        raise TableChangedError(path, expect_hash, digest)
    dialect, _ = _sniff(path, sample, len(sample) == size, delimiter, encoding or found, header)
    dialect = Dialect(dialect.delimiter, encoding or found, dialect.header, note)
    report = _scaled(progress, 0.1, 1.0)
    d = dialect.delimiter
    names: list[str] = []
    infos: dict[str, ColumnInfo] = {}
    kinds: dict[str, str] = {}
    used: list[str] = []
    idx: dict[str, int] = {}
    chunks: dict[str, list[np.ndarray]] = {}
    vocab: dict[str, dict[str, int]] = {}
    line_chunks: list[np.ndarray] = []
    notes: list[str] = [f"{path.name}: {note}"] if note else []
    ncols = 0
    fio = _open_binary(path, buffering=0)
    try:
        text = io.TextIOWrapper(io.BufferedReader(fio, 1 << 20), encoding=dialect.encoding)
        line_no = 0
        first = True
        while True:
            if cancel is not None and cancel():
                raise Cancelled(path)
            try:
                lines = list(itertools.islice(text, CHUNK_LINES))
                if not lines:
                    break
                start = line_no + 1
                fast = None
                if not first and '"' not in "".join(lines):
                    fast = _fast_chunk(lines, d, ncols, used, kinds, idx, start)
                if fast is None:
                    rows, row_lines, consumed = _csv_rows(path, lines, text, d, start)
                    line_no += consumed
                else:
                    line_no += len(lines)
            except UnicodeDecodeError:
                raise DataError(_decode_error_in_file(path, dialect.encoding)) from None
            if first:
                first = False
                if dialect.header:
                    if not rows:
                        raise DataError(_empty(path))
                    names = _names(rows[0])
                    rows, row_lines = rows[1:], row_lines[1:]
                elif rows:
                    names = [f"column{j + 1}" for j in range(len(rows[0]))]
                ncols = len(names)
                if not rows:
                    raise DataError(_header_only(path, names))
                _check_ragged(path, rows, row_lines, ncols, d)
                cols = list(zip(*rows)) if rows else [() for _ in names]
                for name, col in zip(names, cols):
                    kind, n_missing, n_distinct = _detect_kind(col)
                    if name in overrides:
                        kind = overrides[name]
                    infos[name] = ColumnInfo(name, kind, n_missing, n_distinct)
                kinds = {n: i.kind for n, i in infos.items()}
                features = choose(names, infos, d)
                if target is not None:
                    if kinds[target] == "empty":
                        raise DataError(_target_missing(path, target, len(rows), row_lines[:5]))
                    if kinds[target] != "numeric":
                        kinds[target] = "categorical"  # text or yes/no: classes by name
                    used = [target, *features]
                else:
                    used = list(features)
                idx = {n: names.index(n) for n in used}
                chunks = {n: [] for n in used}
                vocab = {n: {} for n in used if kinds[n] == "categorical"}
                for name in names:
                    if name not in used and name != target and kinds[name] not in FEATURE_KINDS:
                        info = infos[name]
                        what = (
                            "no values"
                            if info.kind == "empty"
                            else (
                                f"free text, {info.n_distinct:,} distinct values in the first rows"
                            )
                        )
                        notes.append(f"left out column {name!r} ({what})")
            if fast is None:
                _check_ragged(path, rows, row_lines, ncols, d)
                if rows:
                    line_chunks.append(np.asarray(row_lines, dtype=np.int64))
                    for name in used:
                        j = idx[name]
                        vals = [r[j] for r in rows]
                        chunks[name].append(
                            _convert(path, name, kinds[name], vals, line_chunks[-1], vocab)
                        )
            else:
                fast_lines, fast_cols = fast
                line_chunks.append(fast_lines)
                for name in used:
                    vals = fast_cols[name]
                    if vals.dtype.kind == "U":
                        vals = _convert(path, name, kinds[name], vals, fast_lines, vocab)
                    chunks[name].append(vals)
            if report is not None:
                report(min(fio.tell() / size, 1.0))
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        fio.close()
    if not names:
        raise DataError(_empty(path))
    if not line_chunks:
        raise DataError(_header_only(path, names))
    lines_all = np.concatenate(line_chunks)
    del line_chunks
    columns: dict[str, np.ndarray] = {}
    categories: dict[str, list[str]] = {}
    for name in used:
        col = np.concatenate(chunks.pop(name))
        if kinds[name] == "categorical":
            found_cats = vocab[name]
            ordered = sorted(found_cats)
            lut = np.empty(len(ordered) + 1, dtype=np.int32)
            new = {c: i for i, c in enumerate(ordered)}
            for c, old in found_cats.items():
                lut[old] = new[c]
            lut[-1] = -1  # code -1 (empty) stays -1
            col = lut[col]
            categories[name] = ordered
            if name != target and len(ordered) > MAX_ONE_HOT:
                raise DataError(
                    f"{path}: feature column {name!r} has {len(ordered):,} distinct values, "
                    f"too many to encode as categories (one input each, at most "
                    f"{MAX_ONE_HOT:,}); leave it out of the features"
                )
        elif name != target or kinds[name] == "numeric":
            inf = np.isinf(col)
            if inf.any() and name != target:
                line = lines_all[np.flatnonzero(inf)[0]]
                raise DataError(
                    f"{path}: column {name!r} holds an infinite value on line {line}; "
                    "fix that value or leave the column out"
                )
        columns[name] = col
    features = [n for n in used if n != target]
    for name in features:
        infos[name].kind = kinds[name]
    spec = TableSpec(
        path=str(path.absolute()),
        delimiter=d,
        encoding=dialect.encoding,
        header=dialect.header,
        target=target or (features[0] if features else "?"),
        sha256=digest,
    )
    if report is not None:
        report(1.0)
    return RawTable(
        path=path,
        spec=spec,
        names=names,
        kinds=kinds,
        columns=columns,
        categories=categories,
        lines=lines_all,
        features=features,
        notes=notes,
    )


def _fast_chunk(lines, d, ncols, used, kinds, idx, start):
    """Parse a block of lines without quotes with numpy's C parser. None when the block
    needs the careful path (ragged rows, gaps written as NA, ...): that one explains."""
    counts = [line.count(d) for line in lines]
    keep = None
    if any(c != ncols - 1 for c in counts):
        keep = np.array([bool(line.strip()) for line in lines])
        bad = [c != ncols - 1 for c, k in zip(counts, keep) if k]
        if any(bad):
            return None
        lines = [line for line, k in zip(lines, keep) if k]
        if not lines:
            return np.zeros(0, np.int64), {n: _empty_like(kinds[n]) for n in used}
    line_nums = start + (np.flatnonzero(keep) if keep is not None else np.arange(len(lines)))
    num = [n for n in used if kinds[n] in ("numeric",)]
    other = [n for n in used if kinds[n] not in ("numeric",)]
    out: dict[str, np.ndarray] = {}
    try:
        if num:
            m = np.loadtxt(
                lines,
                delimiter=d,
                dtype=np.float32,
                usecols=[idx[n] for n in num],
                comments=None,
                ndmin=2,
            )
            for i, n in enumerate(num):
                out[n] = m[:, i].copy()
            del m
        if other:
            s = np.loadtxt(
                lines,
                delimiter=d,
                dtype=str,
                usecols=[idx[n] for n in other],
                comments=None,
                ndmin=2,
            )
            for i, n in enumerate(other):
                out[n] = s[:, i].copy()
    except ValueError:
        return None
    return line_nums.astype(np.int64), out


def _empty_like(kind: str) -> np.ndarray:
    return np.zeros(0, np.int32 if kind == "categorical" else np.float32)


def _csv_rows(path, lines, text, d, start):
    """Rows of a block with the csv module; a quoted field may run on into the lines
    after the block (they are pulled from `text`). Returns rows, their first lines and
    how many lines were consumed."""
    source = itertools.chain(lines, text)
    reader = csv.reader(source, delimiter=d)
    rows, row_lines = [], []
    prev = 0
    try:
        while reader.line_num < len(lines):
            try:
                row = next(reader)
            except StopIteration:
                break
            first_line = start + prev
            prev = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            rows.append(row)
            row_lines.append(first_line)
    except csv.Error as exc:
        raise DataError(
            f"{path}: line {start + reader.line_num - 1} cannot be read as "
            f"{DELIMITER_NAMES.get(d, repr(d))}-separated values ({exc}); check its quotes"
        ) from None
    return rows, row_lines, reader.line_num


def _check_ragged(path, rows, row_lines, ncols, d) -> None:
    for r, ln in zip(rows, row_lines):
        if len(r) != ncols:
            name = DELIMITER_NAMES.get(d, repr(d))
            raise DataError(
                f"{path}: line {ln} has {len(r)} fields but the {'header' if ln > 1 else 'file'} "
                f"has {ncols}; every row needs the same number of {name}-separated fields. "
                f"Check that line for a missing or extra {name}, or a value that contains a "
                f"{name} without quotes."
            )


def _convert(path, name, kind, vals, lines, vocab) -> np.ndarray:
    """Strings of one column -> float32 (numeric, boolean; NaN for empty) or int32
    category codes (-1 for empty), with a message naming the line of a bad value."""
    arr = np.strings.strip(np.asarray(vals, dtype=str))
    if kind == "categorical":
        uniq, inv = np.unique(arr, return_inverse=True)
        codes = vocab[name]
        lut = np.array(
            [-1 if u in MISSING else codes.setdefault(u, len(codes)) for u in uniq.tolist()],
            dtype=np.int32,
        )
        return lut[inv.reshape(-1)] if len(arr) else np.zeros(0, np.int32)
    if kind == "boolean":
        uniq, inv = np.unique(arr, return_inverse=True)
        lut = np.empty(len(uniq), dtype=np.float32)
        for k, u in enumerate(uniq.tolist()):
            low = u.lower()
            if u in MISSING:
                lut[k] = np.nan
            elif low in TRUE_WORDS or u == "1":
                lut[k] = 1.0
            elif low in FALSE_WORDS or u == "0":
                lut[k] = 0.0
            else:
                line = lines[int(np.flatnonzero(inv.reshape(-1) == k)[0])]
                raise DataError(
                    f"{path}: column {name!r} holds yes/no values, but line {line} has "
                    f"{u!r}; fix that value, or mark the column categorical"
                )
        return lut[inv.reshape(-1)] if len(arr) else np.zeros(0, np.float32)
    miss = np.isin(arr, _MISSING_ARRAY)
    if miss.any():
        arr = np.where(miss, "nan", arr)
    try:
        return arr.astype(np.float32)
    except ValueError:
        for i, v in enumerate(arr.tolist()):
            try:
                float(v)
            except ValueError:
                raise DataError(
                    f"{path}: column {name!r} holds numbers, but line {lines[i]} has {v!r}. "
                    "Fix that value, leave the cell empty if it means 'no value', or mark "
                    "the column categorical."
                ) from None
        raise


_MISSING_ARRAY = np.array(sorted(MISSING))


def _choose_columns(path: Path, spec: TableSpec, names, infos, delimiter: str) -> list[str]:
    for name in spec.column_types:
        if name not in names:
            raise DataError(_unknown_column(path, name, names, "column (in column types)"))
    if spec.target not in names:
        raise DataError(_unknown_column(path, spec.target, names, "target column"))
    if spec.features is not None:
        for name in spec.features:
            if name not in names:
                raise DataError(_unknown_column(path, name, names, "feature column"))
            info = infos[name]
            if info.kind == "empty":
                raise DataError(
                    f"{path}: feature column {name!r} has no values in its first rows; "
                    "leave it out of the features"
                )
            if info.kind == "text":
                raise DataError(
                    f"{path}: feature column {name!r} holds free text or identifiers "
                    f"({info.n_distinct:,} distinct values in the first rows), which cannot "
                    "be used as inputs; leave it out, or mark it categorical if its values "
                    "really are a set of categories"
                )
        return list(spec.features)
    feats = [n for n in names if n != spec.target and infos[n].kind in FEATURE_KINDS]
    if not feats:
        others = [f"{n} ({infos[n].kind})" for n in names if n != spec.target]
        raise DataError(
            f"{path} has no usable feature columns besides the target {spec.target!r}"
            + (f" (the others: {', '.join(others[:10])})" if others else "")
            + ". Inputs must hold numbers, yes/no values or a few categories (at most "
            f"{MAX_CATEGORIES}). Check the detected delimiter "
            f"({DELIMITER_NAMES.get(delimiter, repr(delimiter))}) and the column types."
        )
    return feats


# ---------------------------------------------------------------------------- detection
def _detect_kind(values: Sequence[str]) -> tuple[str, int, int]:
    """kind, empty cells, distinct values of a column's strings."""
    stripped = [v.strip() for v in values]
    present = [v for v in stripped if v not in MISSING]
    n_missing = len(stripped) - len(present)
    if not present:
        return "empty", n_missing, 0
    distinct = set(present)
    if all(_is_number(v) for v in distinct):
        return "numeric", n_missing, len(distinct)
    if all(v.lower() in TRUE_WORDS or v.lower() in FALSE_WORDS for v in distinct):
        return "boolean", n_missing, len(distinct)
    many = len(distinct) > MAX_CATEGORIES or (
        len(distinct) > 20 and len(distinct) > 0.5 * len(present)
    )
    return ("text" if many else "categorical"), n_missing, len(distinct)


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def _sniff(path, sample: bytes, complete: bool, delimiter, encoding, header):
    """The dialect and the sample's complete lines (universal newlines)."""
    if encoding is None:
        encoding, note = _encoding_from_sample(sample, complete)
    else:
        note = ""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
    except UnicodeDecodeError:
        raise DataError(_decode_error_in_file(path, encoding)) from None
    lines = io.StringIO(text, newline=None).readlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # cut in the middle
    if not any(line.strip() for line in lines):
        raise DataError(_empty(path))
    head = [line for line in lines if line.strip()][:200]
    if delimiter is None:
        delimiter = _sniff_delimiter(head)
    if header is None:
        rows = [r for r in csv.reader(head, delimiter=delimiter) if r]
        header = _detect_header(rows)
    return Dialect(delimiter, encoding, header, note), lines


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_key = ",", None
    for d in _DELIMITER_PRIORITY:
        try:
            counts = [len(r) for r in csv.reader(lines[:100], delimiter=d) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        modal, freq = Counter(counts).most_common(1)[0]
        share = freq / len(counts)
        good = modal > 1 and share >= 0.9
        key = (good, _DELIMITER_PRIORITY[d] if good else 0, share if modal > 1 else 0, modal)
        if best_key is None or key > best_key:
            best, best_key = d, key
    return best


def _detect_header(rows: list[list[str]]) -> bool:
    """A first row is a header when a column is numeric below it but not in it, or,
    in an all-text table, when none of its values recurs in its column."""
    if not rows:
        return True
    first = [v.strip() for v in rows[0]]
    if any(first) and all(_is_number(v) for v in first if v):
        return False
    rest = rows[1:DETECT_ROWS]
    if not rest:
        return True
    for j, head in enumerate(first):
        below = [r[j].strip() for r in rest if j < len(r) and r[j].strip() not in MISSING]
        if below and all(_is_number(v) for v in below) and head and not _is_number(head):
            return True
    for j, head in enumerate(first):
        if head and any(j < len(r) and r[j].strip() == head for r in rest):
            return False
    return True


def _names(row: list[str]) -> list[str]:
    names: list[str] = []
    for j, v in enumerate(row):
        base = v.strip() or f"column{j + 1}"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return names


def _parse_lines(path, lines, d, start):
    rows, row_lines, _ = _csv_rows(path, lines, iter(()), d, start)
    return rows, row_lines


def _take_header(path, rows, row_lines, header: bool):
    if not rows:
        raise DataError(_empty(path))
    if header:
        names = _names(rows[0])
        rows, row_lines = rows[1:], row_lines[1:]
        if not rows:
            raise DataError(_header_only(path, names))
    else:
        names = [f"column{j + 1}" for j in range(len(rows[0]))]
    return names, rows, row_lines


# ---------------------------------------------------------------------------- bytes
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (byte-order mark)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (byte-order mark)"),
)
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


def _fallback_note(encoding: str) -> str:
    label = "Windows-1252 (Western European)" if encoding == "cp1252" else "Latin-1"
    return (
        f"not valid UTF-8; read as {label}. If accented letters look wrong, choose the "
        "file's encoding."
    )


def _encoding_from_sample(sample: bytes, complete: bool) -> tuple[str, str]:
    for bom, enc, note in _BOMS:
        if sample.startswith(bom):
            return enc, note
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8", ""
    except UnicodeDecodeError:
        pass
    if any(b in sample for b in _CP1252_UNDEFINED):
        return "latin-1", _fallback_note("latin-1")
    return "cp1252", _fallback_note("cp1252")


def _scan(path: Path, detect: bool, progress: Progress, cancel: Cancel):
    """SHA-256 of the file and, if asked, its encoding judged on every byte."""
    size = max(path.stat().st_size, 1)
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")() if detect else None
    cp1252 = True
    bom = None
    done = 0
    with _open_binary(path) as f:
        while True:
            if cancel is not None and cancel():
                raise Cancelled(path)
            try:
                block = f.read(SCAN_BLOCK)
            except OSError as exc:
                raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
            if not block:
                break
            digest.update(block)
            if detect and done == 0:
                bom = next((b for b in _BOMS if block.startswith(b[0])), None)
            if detect and bom is None:
                if utf8 is not None:
                    try:
                        utf8.decode(block)
                    except UnicodeDecodeError:
                        utf8 = None
                if cp1252 and any(b in block for b in _CP1252_UNDEFINED):
                    cp1252 = False
            done += len(block)
            if progress is not None:
                progress(done / size)
    if not detect:
        return digest.hexdigest(), None, ""
    if bom is not None:
        return digest.hexdigest(), bom[1], bom[2]
    if utf8 is not None:
        try:
            utf8.decode(b"", final=True)
            return digest.hexdigest(), "utf-8", ""
        except UnicodeDecodeError:
            pass
    enc = "cp1252" if cp1252 else "latin-1"
    return digest.hexdigest(), enc, _fallback_note(enc)


def _decode_error_in_file(path: Path, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset = 1, 0
    try:
        with open(path, "rb") as f:
            while block := f.read(SCAN_BLOCK):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    pos = max(min(exc.start, len(block)), 0)
                    line += block[:pos].count(b"\n")
                    bad = block[pos : pos + 4].hex(" ")
                    return (
                        f"{path}: line {line} holds bytes that are not valid {encoding} text "
                        f"({bad} at byte {offset + pos:,}). Save the file as UTF-8, or choose "
                        "its encoding (e.g. cp1252 for Windows Western European, or latin-1)."
                    )
                line += block.count(b"\n")
                offset += len(block)
    except OSError:
        pass
    return (
        f"{path} holds bytes that are not valid {encoding} text; save it as UTF-8, or "
        "choose its encoding (e.g. cp1252 or latin-1)"
    )


def _check_file(path: Path) -> int:
    kind = _NOT_CSV.get(path.suffix.lower())
    if kind:
        raise DataError(
            f"{path} is {kind}; Odyssey reads CSV and TSV text tables. Export or save it "
            "as CSV (comma- or tab-separated) and import that file."
        )
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataError(
            f"{path} does not exist (was it moved, renamed or deleted?); choose the file "
            "again, or put it back"
        ) from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise DataError(f"{path} is a folder; choose a CSV or TSV file")
    if st.st_size == 0:
        raise DataError(_empty(path))
    return st.st_size


def _open_binary(path: Path, buffering: int = -1):
    try:
        return open(path, "rb", buffering=buffering)
    except FileNotFoundError:
        raise DataError(
            f"{path} does not exist any more (was it moved, renamed or deleted?); choose "
            "the file again, or put it back"
        ) from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _check_not_binary(path: Path, sample: bytes) -> None:
    if sample.startswith(b"PK\x03\x04"):
        what = "a zip archive (an Excel .xlsx workbook?)"
    elif sample.startswith(b"\xd0\xcf\x11\xe0"):
        what = "an Office document (an Excel .xls workbook?)"
    elif sample.startswith(b"PAR1"):
        what = "a Parquet file"
    elif not any(sample.startswith(b[0]) for b in _BOMS[1:]) and b"\x00" in sample[:65536]:
        what = "binary data, not text"
    else:
        return
    raise DataError(
        f"{path} is {what}; Odyssey reads CSV and TSV text tables. Export or save it as "
        "CSV and import that file."
    )


# ---------------------------------------------------------------------------- messages
def _empty(path) -> str:
    return (
        f"{path} is empty: it has no header and no rows. Choose a CSV or TSV file with a "
        "header row and at least a few data rows."
    )


def _header_only(path, names: list[str]) -> str:
    shown = ", ".join(names[:8]) + ("…" if len(names) > 8 else "")
    return (
        f"{path} has a header row ({shown}) but no data rows; choose the file that holds the data"
    )


def _unknown_column(path, name: str, names: list[str], what: str) -> str:
    shown = ", ".join(repr(n) for n in names[:20]) + (" …" if len(names) > 20 else "")
    close = difflib.get_close_matches(name, names, n=1) or [
        n for n in names if n.lower() == name.lower()
    ]
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{path} has no {what} {name!r}; its columns are {shown}.{hint}"


def _target_missing(path, target: str, count: int, lines) -> str:
    where = ""
    if len(lines):
        where = " (line " + ", ".join(str(int(v)) for v in lines)
        where += ", …)" if count > len(lines) else ")"
    return (
        f"{path}: target column {target!r} is empty on {count:,} row(s){where}. Every row "
        "needs a target value: fill those cells in or delete those rows."
    )


def _format_number(v) -> str:
    return np.format_float_positional(np.float32(v), trim="-")


def _all_int(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0))


def _scaled(progress: Progress, a: float, b: float) -> Progress:
    if progress is None:
        return None
    return lambda f: progress(a + (b - a) * f)


__all__ = [
    "Cancelled",
    "ColumnInfo",
    "RawTable",
    "TableChangedError",
    "TablePreview",
    "encode_raw",
    "file_sha256",
    "load_project_data",
    "load_table",
    "prepare_table",
    "preview_table",
    "read_rows_for_prediction",
    "table_project",
    "TABLE",
]
