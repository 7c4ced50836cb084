"""Reading for core.tabular: preview a file, and read the columns a table spec uses,
block by block, with progress and cancel."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.data import Preprocessing
from desktop_app.core.errors import DataError
from desktop_app.core.specs import TableSpec
from desktop_app.core.tabular.detect import (
    _MISSING_ARRAY,
    DELIMITER_NAMES,
    DETECT_ROWS,
    FALSE_WORDS,
    FEATURE_KINDS,
    MAX_CATEGORIES,
    MAX_ONE_HOT,
    MISSING,
    SAMPLE_BYTES,
    TRUE_WORDS,
    WORKBOOK_SUFFIXES,
    Cancel,
    Cancelled,
    ColumnInfo,
    Dialect,
    Progress,
    TableChangedError,
    _all_int,
    _check_file,
    _check_not_binary,
    _decode_error_in_file,
    _detect_kind,
    _empty,
    _header_only,
    _is_number,
    _names,
    _open_binary,
    _scaled,
    _scan,
    _sniff,
    _target_missing,
    _task_for,
    _unknown_column,
)

CHUNK_LINES = 20_000  # lines parsed per step: progress and cancel are checked per chunk
SEGMENT_BYTES = 40 << 20  # rows are kept in blocks of this size (above glibc's mmap limit)


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
    sheet: str = ""  # a workbook: the worksheet read (the first); delimiter and encoding ""
    sheets: list[str] = field(default_factory=list)  # a workbook: all its worksheets
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
            try:
                nums = np.array(present, dtype=np.float64)
            except ValueError:
                raise DataError(
                    f"{self.path}: target column {target!r} is marked numeric but holds text "
                    f"(e.g. {next(v for v in present if not _is_number(v))!r}); mark it "
                    "categorical, or fix those values"
                ) from None
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
            delimiter=self.delimiter or None,
            encoding=self.encoding or None,
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
    line of row i, for messages.

    The values live in blocks of rows, each a (used columns × rows) float32 array (see
    _Columns); column(name) joins a column's pieces, segments(name) gives them."""

    path: Path
    spec: TableSpec | None
    names: list[str]
    kinds: dict[str, str]
    categories: dict[str, list[str]]
    lines: np.ndarray
    features: list[str]
    blocks: list[np.ndarray]
    slots: dict[str, int]  # column -> its row in every block
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def view(self, block: np.ndarray, name: str) -> np.ndarray:
        row = block[self.slots[name]]
        return row.view(np.int32) if self.kinds[name] == "categorical" else row

    def segments(self, name: str) -> list[np.ndarray]:
        return [self.view(b, name) for b in self.blocks]

    def column(self, name: str) -> np.ndarray:
        """One column as a single array (a copy)."""
        parts = self.segments(name)
        dtype = np.int32 if self.kinds[name] == "categorical" else np.float32
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """Every used column as a single array (copies: for small tables and tests)."""
        return {name: self.column(name) for name in self.slots}


# ---------------------------------------------------------------------------- API
def preview_table(
    path: str | Path,
    max_rows: int = 200,
    delimiter: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
    column_types: Mapping[str, str] | None = None,
) -> TablePreview:
    """What the import dialog shows: reads at most the first megabyte of the file (of a
    workbook: the first rows of its first worksheet)."""
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from desktop_app.core.tabular.excel import preview_workbook

        return preview_workbook(path, max_rows, header, column_types)
    size = _check_file(path)
    with _open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    complete = len(sample) == size
    _check_not_binary(path, sample)
    dialect, lines = _sniff(path, sample, complete, delimiter, encoding, header)
    rows, row_lines = _parse_lines(path, lines, dialect.delimiter, 1)
    names, rows, row_lines = _take_header(path, rows, row_lines, dialect.header)
    _check_ragged(path, rows, row_lines, len(names), dialect.delimiter)
    if complete:
        estimated = len(rows)
    else:
        used = sum(len(line.encode(dialect.encoding, "replace")) for line in lines)
        estimated = int(size / max(used, 1) * max(len(rows), 1))
    return _preview(
        path,
        names,
        rows,
        column_types,
        max_rows,
        delimiter=dialect.delimiter,
        encoding=dialect.encoding,
        encoding_note=dialect.encoding_note,
        header=dialect.header,
        size_bytes=size,
        complete=complete,
        estimated_rows=estimated,
    )


def _preview(path, names, rows, column_types, max_rows, **fields) -> TablePreview:
    """The preview of rows (strings) under names: kinds detected on the first rows."""
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
    return TablePreview(
        path=path,
        columns=infos,
        rows=[list(r) for r in rows[:max_rows]],
        sampled_rows=len(detect),
        _values=values,
        **fields,
    )


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


def file_sha256(path: str | Path, cancel: Cancel = None) -> str:
    """The hex SHA-256 of a file's bytes, read a megabyte at a time."""
    path = Path(path)
    _check_file(path)
    digest, _, _ = _scan(path, False, None, cancel)
    return digest


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
    """Hash the file (and judge its encoding on every byte), then parse it a block of
    lines at a time: the first block with the csv module (kinds are detected on it),
    the others with numpy's C parser when they hold no quotes. A workbook: see
    core.tabular.excel."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from desktop_app.core.tabular.excel import read_workbook

        return read_workbook(
            path,
            header=header,
            choose=choose,
            overrides=overrides,
            target=target,
            expect_hash=expect_hash,
            accept_changed=accept_changed,
            progress=progress,
            cancel=cancel,
        )
    size = _check_file(path)
    with _open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    _check_not_binary(path, sample)
    digest, found, note = _scan(path, encoding is None, _scaled(progress, 0.0, 0.1), cancel)
    if expect_hash and digest != expect_hash and not accept_changed:
        raise TableChangedError(path, expect_hash, digest)
    encoding = encoding or found
    dialect, _ = _sniff(path, sample, len(sample) == size, delimiter, encoding, header)
    dialect = Dialect(dialect.delimiter, encoding, dialect.header, note)
    report = _scaled(progress, 0.1, 1.0)
    table = _Columns(path, dialect, choose, overrides, target)
    if note:
        table.notes.append(f"{path.name}: {note}")
    d = dialect.delimiter
    with _open_binary(path, buffering=0) as fio:
        text = io.TextIOWrapper(io.BufferedReader(fio, 1 << 20), encoding=encoding)
        line_no = 0
        while True:
            if cancel is not None and cancel():
                raise Cancelled(path)
            try:
                # The first block (read as strings, to detect kinds) is kept small.
                count = DETECT_ROWS + 1 if table.names is None else CHUNK_LINES
                lines = list(itertools.islice(text, count))
                if not lines:
                    break
                start = line_no + 1
                quoted = '"' in "".join(lines)
                fast = None
                if table.names is None:
                    rows, row_lines, consumed = _csv_rows(path, lines, text, d, start)
                    chars = sum(map(len, lines[:consumed]))
                    rows, row_lines = table.start(rows, row_lines, size * consumed / max(chars, 1))
                    if not quoted:
                        skip = row_lines[0] - start  # the header (and blank lines)
                        fast = table.parse_fast(lines[skip:], start + skip)
                else:
                    fast = None if quoted else table.parse_fast(lines, start)
                    if fast is None:
                        rows, row_lines, consumed = _csv_rows(path, lines, text, d, start)
                if fast is None:
                    table.add_rows(rows, row_lines)
                    line_no += consumed
                else:
                    table.add_arrays(*fast)
                    line_no += len(lines)
            except UnicodeDecodeError:
                raise DataError(_decode_error_in_file(path, encoding)) from None
            except OSError as exc:
                raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
            if report is not None:
                report(min(fio.tell() / size, 1.0))
    raw = table.finish(digest)
    if report is not None:
        report(1.0)
    return raw


class _Columns:
    """The used columns of a table, gathered block by block: float32 for numeric and
    boolean columns, int32 codes into a growing vocabulary for categorical ones.

    The values go into blocks of rows, each a (columns × rows) float32 array (codes
    viewed as int32) of about SEGMENT_BYTES: blocks that large are mapped and given back
    to the system one by one as the preparation turns them into model inputs, so the
    peak stays near the size of the inputs. (Column-sized arrays, or a list of
    per-chunk ones, stay in the C heap once freed: the peak was half as large again.)
    The first block is sized from an estimate of the row count, for small tables."""

    def __init__(self, path, dialect, choose, overrides, target):
        self.path, self.dialect, self.choose = path, dialect, choose
        self.overrides, self.target = overrides, target
        self.names: list[str] | None = None
        self.kinds: dict[str, str] = {}
        self.infos: dict[str, ColumnInfo] = {}
        self.used: list[str] = []
        self.index: dict[str, int] = {}
        self.blocks: list[np.ndarray] = []
        self.filled = 0  # rows used in the last block
        self.vocab: dict[str, dict[str, int]] = {}
        self.lines: list[np.ndarray] = []
        self.n = 0  # rows stored
        self.estimate = 0
        self.notes: list[str] = []

    def start(self, rows, row_lines, lines_in_file: float):
        """The first block: column names, kinds (detected on its rows, then the
        overrides) and the columns to read. Returns the data rows and their lines."""
        path, d = self.path, self.dialect.delimiter
        if self.dialect.header:
            if not rows:
                raise DataError(_empty(path))
            names = _names(rows[0])
            rows, row_lines = rows[1:], row_lines[1:]
        elif rows:
            names = [f"column{j + 1}" for j in range(len(rows[0]))]
        else:
            raise DataError(_empty(path))
        if not rows:
            raise DataError(_header_only(path, names))
        _check_ragged(path, rows, row_lines, len(names), d)
        # Kinds come from the same first rows the preview looks at, so they agree.
        for name, col in zip(names, zip(*rows[:DETECT_ROWS])):
            kind, n_missing, n_distinct = _detect_kind(col)
            kind = self.overrides.get(name, kind)
            self.infos[name] = ColumnInfo(name, kind, n_missing, n_distinct)
        kinds = {n: i.kind for n, i in self.infos.items()}
        features = self.choose(names, self.infos, d)
        target = self.target
        if target is not None:
            if kinds[target] == "empty":
                raise DataError(_target_missing(path, target, len(rows), row_lines[:5]))
            if kinds[target] != "numeric":
                kinds[target] = "categorical"  # text or yes/no: classes by name
        self.used = [target, *features] if target is not None else list(features)
        self.names, self.kinds = names, kinds
        self.index = {n: names.index(n) for n in self.used}
        self.vocab = {n: {} for n in self.used if kinds[n] == "categorical"}
        self.estimate = int(lines_in_file * 1.03) + 16
        for name in names:
            info = self.infos[name]
            if name not in self.used and info.kind not in FEATURE_KINDS:
                what = "no values" if info.kind == "empty" else "free text"
                if info.kind == "text":
                    what += f", {info.n_distinct:,} distinct values in the first rows"
                self.notes.append(f"left out column {name!r} ({what})")
        return rows, row_lines

    def parse_fast(self, lines, start):
        return _fast_chunk(
            lines, self.dialect.delimiter, len(self.names), self.used, self.kinds, self.index, start
        )

    def add_rows(self, rows, row_lines) -> None:
        _check_ragged(self.path, rows, row_lines, len(self.names), self.dialect.delimiter)
        if not rows:
            return
        lines = np.asarray(row_lines, dtype=np.int64)
        cols = {}
        for name in self.used:
            j = self.index[name]
            vals = [r[j] for r in rows]
            cols[name] = _convert(self.path, name, self.kinds[name], vals, lines, self.vocab)
        self._store(lines, cols)

    def add_arrays(self, lines, cols) -> None:
        for name in self.used:
            vals = cols[name]
            if vals.dtype.kind == "U":
                cols[name] = _convert(self.path, name, self.kinds[name], vals, lines, self.vocab)
        self._store(lines, cols)

    def _store(self, lines: np.ndarray, cols: dict[str, np.ndarray]) -> None:
        k, done = len(lines), 0
        self.lines.append(lines)
        while done < k:
            if not self.blocks or self.filled == self.blocks[-1].shape[1]:
                per = max(SEGMENT_BYTES // (4 * len(self.used)), 16)
                rest = self.estimate - self.n - done
                rows = per if rest > per else max(rest, min(per, CHUNK_LINES))
                self.blocks.append(np.empty((len(self.used), rows), dtype=np.float32))
                self.filled = 0
            block, at = self.blocks[-1], self.filled
            take = min(k - done, block.shape[1] - at)
            for j, name in enumerate(self.used):
                self._view(block, j, name)[at : at + take] = cols[name][done : done + take]
            self.filled += take
            done += take
        self.n += k

    def _view(self, block: np.ndarray, j: int, name: str) -> np.ndarray:
        row = block[j]
        return row.view(np.int32) if self.kinds[name] == "categorical" else row

    def finish(self, digest: str) -> RawTable:
        path, target, kinds = self.path, self.target, self.kinds
        if self.names is None:
            raise DataError(_empty(path))
        if not self.n:
            raise DataError(_header_only(path, self.names))
        lines = np.concatenate(self.lines)
        self.lines = []
        self.blocks[-1] = self.blocks[-1][:, : self.filled]
        categories: dict[str, list[str]] = {}
        for j, name in enumerate(self.used):
            parts = [self._view(b, j, name) for b in self.blocks]
            if kinds[name] == "categorical":
                categories[name] = _sort_codes(parts, self.vocab[name])
                if name != target and len(categories[name]) > MAX_ONE_HOT:
                    raise DataError(
                        f"{path}: feature column {name!r} has {len(categories[name]):,} "
                        "distinct values, too many to encode as categories (one input each, "
                        f"at most {MAX_ONE_HOT:,}); leave it out of the features"
                    )
            elif name != target:
                start = 0
                for part in parts:
                    inf = np.isinf(part)
                    if inf.any():
                        line = lines[start + np.flatnonzero(inf)[0]]
                        raise DataError(
                            f"{path}: column {name!r} holds an infinite value on line {line}; "
                            "fix that value or leave the column out"
                        )
                    start += len(part)
        features = [n for n in self.used if n != target]
        spec = TableSpec(
            path=str(path.absolute()),
            delimiter=self.dialect.delimiter or None,  # a workbook has neither
            encoding=self.dialect.encoding or None,
            header=self.dialect.header,
            target=target or (features[0] if features else "?"),
            sha256=digest,
        )
        return RawTable(
            path=path,
            spec=spec,
            names=self.names,
            kinds=kinds,
            categories=categories,
            lines=lines,
            features=features,
            blocks=self.blocks,
            slots={name: j for j, name in enumerate(self.used)},
            notes=self.notes,
        )


def _sort_codes(parts: list[np.ndarray], vocab: dict[str, int]) -> list[str]:
    """Renumber codes in place so that categories are in sorted order (-1, empty,
    stays -1); returns the sorted categories."""
    ordered = sorted(vocab)
    lut = np.empty(len(ordered) + 1, dtype=np.int32)
    new = {c: i for i, c in enumerate(ordered)}
    for c, old in vocab.items():
        lut[old] = new[c]
    lut[-1] = -1
    for part in parts:
        part[:] = lut[part]
    return ordered


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
            f"{MAX_CATEGORIES}). Check "
            + (
                f"the detected delimiter ({DELIMITER_NAMES.get(delimiter, repr(delimiter))}) and "
                if delimiter
                else ""
            )
            + "the column types."
        )
    return feats


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
