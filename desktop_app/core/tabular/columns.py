"""The column machinery of core.tabular, shared by the CSV and Excel readers: the used
columns of a table gathered block by block (float32 values, int32 category codes) from
pandas' chunks (CSV) or rows of strings (Excel), and the conversion of a column's text
to values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import detect
from desktop_app.core.tabular.detect import (
    FALSE_WORDS,
    FEATURE_KINDS,
    MAX_ONE_HOT,
    MISSING,
    MISSING_ARRAY,
    TRUE_WORDS,
    ColumnInfo,
    Request,
    column_names,
    detect_kind,
)
from desktop_app.core.tabular.files import (
    check_ragged,
    empty_file_message,
    header_only_message,
    target_missing_message,
)

CHUNK_LINES = 50_000  # rows parsed per step: progress and cancel are checked per chunk
SEGMENT_BYTES = 40 << 20  # rows are kept in blocks of this size (above glibc's mmap limit)


@dataclass
class RawTable:
    """The used columns of a table: numeric and boolean as float32 (NaN: empty),
    categorical as int32 codes into categories[name] (-1: empty); lines[i] is the file
    line of row i, for messages (a CSV's are found on first use: a pass over the file
    with the csv module, which only messages and tests need).

    The values live in blocks of rows, each a (used columns × rows) float32 array (see
    Columns); column(name) joins a column's pieces, segments(name) gives them."""

    path: Path
    spec: TableSpec | None
    names: list[str]
    kinds: dict[str, str]
    categories: dict[str, list[str]]
    line_source: Callable[[], np.ndarray]
    n_rows: int
    features: list[str]
    blocks: list[np.ndarray]
    slots: dict[str, int]  # column -> its row in every block
    notes: list[str] = field(default_factory=list)
    _lines: np.ndarray | None = field(default=None, repr=False)

    @property
    def lines(self) -> np.ndarray:
        if self._lines is None:
            self._lines = fit_lines(self.line_source(), self.n_rows)
        return self._lines

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


class Columns:
    """The used columns of a table, gathered block by block: float32 for numeric and
    boolean columns, int32 codes into a growing vocabulary for categorical ones.

    The values go into blocks of rows, each a (columns × rows) float32 array (codes
    viewed as int32) of about SEGMENT_BYTES: blocks that large are mapped and given back
    to the system one by one as the preparation turns them into model inputs, so the
    peak stays near the size of the inputs. (Column-sized arrays, or a list of
    per-chunk ones, stay in the C heap once freed: the peak was half as large again.)
    The first block is sized from an estimate of the row count, for small tables.

    line_source: the file line of every row (None: the lines given with add_rows)."""

    def __init__(self, path, dialect, request: Request, line_source=None):
        self.path, self.dialect, self.request = path, dialect, request
        self.target = request.target
        self.names: list[str] | None = None
        self.kinds: dict[str, str] = {}
        self.infos: dict[str, ColumnInfo] = {}
        self.used: list[str] = []
        self.index: dict[str, int] = {}
        self.vocab: dict[str, dict[str, int]] = {}
        self.estimate = 0
        self.notes: list[str] = []
        self.line_source = line_source
        self._line_cache: np.ndarray | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the rows stored (a read that starts again)."""
        self.blocks: list[np.ndarray] = []
        self.filled = 0  # rows used in the last block
        self.lines: list[np.ndarray] = []
        self.n = 0  # rows stored
        self.vocab = {n: {} for n in self.vocab}

    def start(self, rows, row_lines, lines_in_file: float):
        """The first rows: column names, kinds (detected on them, then the overrides)
        and the columns to read. Returns the data rows and their lines."""
        path, d = self.path, self.dialect.delimiter
        names, rows, row_lines = take_header(path, rows, row_lines, self.dialect.header)
        check_ragged(path, rows, row_lines, len(names), d)
        # Kinds come from the same first rows the preview looks at, so they agree.
        for name, col in zip(names, zip(*rows[: detect.DETECT_ROWS])):
            kind, n_missing, n_distinct = detect_kind(col)
            kind = self.request.overrides.get(name, kind)
            self.infos[name] = ColumnInfo(name, kind, n_missing, n_distinct)
        kinds = {n: i.kind for n, i in self.infos.items()}
        features = self.request.choose(names, self.infos, d)
        target = self.target
        if target is not None:
            if kinds[target] == "empty":
                raise DataError(target_missing_message(path, target, len(rows), row_lines[:5]))
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

    def add_rows(self, rows, row_lines) -> None:
        """Rows of strings (a workbook's) with their row numbers."""
        check_ragged(self.path, rows, row_lines, len(self.names), self.dialect.delimiter)
        if not rows:
            return
        lines = np.asarray(row_lines, dtype=np.int64)
        cols = {}
        for name in self.used:
            j = self.index[name]
            vals = [r[j] for r in rows]
            cols[name] = _convert(self.path, name, self.kinds[name], vals, lines, self.vocab)
        self.lines.append(lines)
        self._store(cols, len(lines))

    def add_frame(self, frame) -> None:
        """A chunk of pandas.read_csv: numeric columns as pandas inferred them (numbers,
        or text when a cell is not one), categorical and boolean ones as pandas
        categoricals."""
        import pandas as pd

        k = len(frame)
        lines = _Lines(self, self.n)
        cols = {}
        for name in self.used:
            s = frame[name]
            kind = self.kinds[name]
            if kind == "numeric" and s.dtype.kind in "fiu":
                cols[name] = s.to_numpy(np.float32)
            elif isinstance(s.dtype, pd.CategoricalDtype):
                cats = s.cat.categories.astype(str).to_numpy()
                lut = _convert(self.path, name, kind, cats, _First(s, lines), self.vocab)
                lut = np.append(lut, np.int32(-1) if kind == "categorical" else np.nan)
                cols[name] = lut[s.cat.codes.to_numpy()]  # code -1 picks the appended gap
            else:
                vals = s.fillna("").astype(str).to_numpy()
                cols[name] = _convert(self.path, name, kind, vals, lines, self.vocab)
        self._store(cols, k)

    def line(self, i: int) -> int:
        """The file line of row i (found on first use)."""
        if self._line_cache is None:
            self._line_cache = self._all_lines()
        return int(self._line_cache[i]) if i < len(self._line_cache) else i + 2

    def _all_lines(self) -> np.ndarray:
        if self.line_source is not None:
            return self.line_source()
        return np.concatenate(self.lines) if self.lines else np.zeros(0, np.int64)

    def _store(self, cols: dict[str, np.ndarray], k: int) -> None:
        done = 0
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
            raise DataError(empty_file_message(path))
        if not self.n:
            raise DataError(header_only_message(path, self.names))
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
                        line = self.line(start + int(np.flatnonzero(inf)[0]))
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
        raw = RawTable(
            path=path,
            spec=spec,
            names=self.names,
            kinds=kinds,
            categories=categories,
            line_source=self._all_lines,
            n_rows=self.n,
            features=features,
            blocks=self.blocks,
            slots={name: j for j, name in enumerate(self.used)},
            notes=self.notes,
        )
        if self._line_cache is not None:
            raw._lines = fit_lines(self._line_cache, self.n)
        return raw


class _Lines:
    """Row i of a chunk -> its file line, looked up only when a message needs it."""

    def __init__(self, table: Columns, offset: int):
        self.table, self.offset = table, offset

    def __getitem__(self, i) -> int:
        return self.table.line(self.offset + int(i))


class _First:
    """Category k of a chunk's categorical -> the line of its first row."""

    def __init__(self, series, lines: _Lines):
        self.codes, self.lines = series.cat.codes.to_numpy(), lines

    def __getitem__(self, k) -> int:
        return self.lines[int(np.flatnonzero(self.codes == k)[0])]


def take_header(path, rows, row_lines, header: bool):
    """The column names (the first row, or column1, column2, ...) and the data rows,
    with the messages for an empty file and one with a header but no rows."""
    if not rows:
        raise DataError(empty_file_message(path))
    if header:
        names = column_names(rows[0])
        rows, row_lines = rows[1:], row_lines[1:]
        if not rows:
            raise DataError(header_only_message(path, names))
    else:
        names = [f"column{j + 1}" for j in range(len(rows[0]))]
    return names, rows, row_lines


def fit_lines(lines: np.ndarray, n: int) -> np.ndarray:
    """lines for n rows (a file that changed under us, or a layout the csv module reads
    differently: the best guess rather than a wrong index)."""
    if len(lines) == n:
        return lines
    return np.arange(n, dtype=np.int64) + (int(lines[0]) if len(lines) else 2)


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
                    f"{_shown(u)}; fix that value, or mark the column categorical"
                )
        return lut[inv.reshape(-1)] if len(arr) else np.zeros(0, np.float32)
    miss = np.isin(arr, MISSING_ARRAY)
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
                    f"{path}: column {name!r} holds numbers, but line {lines[i]} has "
                    f"{_shown(v)}. Fix that value, leave the cell empty if it means 'no "
                    "value', or mark the column categorical."
                ) from None
        raise


def _shown(v: str) -> str:
    """A cell quoted in a message: cut, so that a huge cell makes no huge message."""
    return repr(v) if len(v) <= 40 else repr(v[:40]) + "…"
