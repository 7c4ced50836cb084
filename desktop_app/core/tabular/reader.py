"""Reading for core.tabular: preview a file, and read the columns a table spec uses,
block by block, with progress and cancel."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import columns
from desktop_app.core.tabular.columns import (
    Columns,
    RawTable,
    check_ragged,
    ragged_message,
)
from desktop_app.core.tabular.detect import (
    DELIMITER_NAMES,
    FEATURE_KINDS,
    MAX_CATEGORIES,
    MISSING,
    SAMPLE_BYTES,
    WORKBOOK_SUFFIXES,
    Cancel,
    Cancelled,
    ColumnInfo,
    Dialect,
    Progress,
    TableChangedError,
    check_file,
    check_not_binary,
    column_names,
    decode_error_in_file,
    empty_file_message,
    header_only_message,
    open_binary,
    scan,
    sniff,
)
from desktop_app.core.tabular.limits import (
    cell_too_long,
    check_first_line,
    check_rows,
)
from desktop_app.core.tabular.preview import TablePreview, make_preview, unknown_column


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
    size = check_file(path)
    with open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    complete = len(sample) == size
    check_not_binary(path, sample)
    check_first_line(path, sample, complete)
    dialect, lines = sniff(path, sample, complete, delimiter, encoding, header)
    rows, row_lines = _parse_lines(path, lines, dialect.delimiter, 1)
    check_rows(path, rows, row_lines)
    names, rows, row_lines = _take_header(path, rows, row_lines, dialect.header)
    check_ragged(path, rows, row_lines, len(names), dialect.delimiter)
    if complete:
        estimated = len(rows)
    else:
        used = sum(len(line.encode(dialect.encoding, "replace")) for line in lines)
        estimated = int(size / max(used, 1) * max(len(rows), 1))
    return make_preview(
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
                    unknown_column(path, name, names, "column the model needs")
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
    check_file(path)
    digest, _, _ = scan(path, False, None, cancel)
    return digest


# ---------------------------------------------------------------------------- reading
class _NeedsCare(Exception):
    """A numeric column holds a cell pandas cannot read as a number: read again with
    those columns as text, to name the line (or to accept ' NA ' and the like)."""


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
    """Hash the file (and judge its encoding on every byte), detect kinds on its first
    rows (the preview's), then read the used columns a chunk of rows at a time with
    pandas' C parser. A workbook: see core.tabular.excel."""
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
    size = check_file(path)
    with open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    check_not_binary(path, sample)
    report = _monotonic(progress)
    note = ""
    for careful in (False, True):
        try:
            table, digest = _attempt(
                path,
                size,
                sample,
                delimiter,
                encoding,
                note,
                header,
                careful,
                report,
                cancel,
                (choose, overrides, target),
            )
            break
        except _NeedsCare:
            continue
        except _NotUtf8:
            # The sample was UTF-8 but a later byte is not: judge every byte, read again.
            _, encoding, note = scan(path, True, None, cancel)
            table, digest = _attempt(
                path,
                size,
                sample,
                delimiter,
                encoding,
                note,
                header,
                True,
                report,
                cancel,
                (choose, overrides, target),
            )
            break
        except DataError:
            if expect_hash and not accept_changed:  # a changed file says so first
                _check_hash(path, expect_hash, file_sha256(path, cancel))
            raise
    if expect_hash and not accept_changed:
        _check_hash(path, expect_hash, digest)
    raw = table.finish(digest)
    if report is not None:
        report(1.0)
    return raw


def _check_hash(path: Path, expected: str, digest: str) -> None:
    if digest != expected:
        raise TableChangedError(path, expected, digest)


class _NotUtf8(Exception):
    """A file whose first megabyte is UTF-8 holds a byte further on that is not."""


def _attempt(path, size, sample, delimiter, encoding, note, header, careful, report, cancel, how):
    """One read: the dialect and kinds from the sample, then the whole file (hashed as
    it is read). Returns the columns and the file's SHA-256."""
    choose, overrides, target = how
    complete = len(sample) == size
    detected = encoding is None
    dialect, lines = sniff(path, sample, complete, delimiter, encoding, header)
    dialect = Dialect(
        dialect.delimiter, dialect.encoding, dialect.header, note or dialect.encoding_note
    )
    check_first_line(path, sample, complete)
    rows, row_lines = _parse_lines(path, lines, dialect.delimiter, 1)
    check_rows(path, rows, row_lines)
    if not complete and len(rows) > 2:
        rows, row_lines = rows[:-1], row_lines[:-1]  # may be cut in a quoted field
    table = Columns(
        path, dialect, choose, overrides, target, line_source=lambda: record_lines(path, dialect)
    )
    if dialect.encoding_note:
        table.notes.append(f"{path.name}: {dialect.encoding_note}")
    chars = sum(map(len, lines))
    table.start(rows, row_lines, size * len(lines) / max(chars, 1))
    try:
        digest = _parse(path, size, table, report, cancel, careful)
    except UnicodeDecodeError:
        if detected and dialect.encoding.startswith("utf-8"):
            raise _NotUtf8() from None
        raise DataError(decode_error_in_file(path, dialect.encoding)) from None
    return table, digest


class _Hashing(io.RawIOBase):
    """A file that hashes what is read from it (one pass for the hash and the parse)."""

    def __init__(self, f):
        self.f, self.digest, self.done = f, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.f.readinto(b)
        if n:
            self.digest.update(memoryview(b)[:n])
            self.done += n
        return n

    def hexdigest(self) -> str:
        while self.readinto(bytearray(1 << 20)):  # what the parser did not read
            pass
        return self.digest.hexdigest()


def _parse(path: Path, size: int, table: Columns, report: Progress, cancel: Cancel, careful):
    """The used columns, CHUNK_LINES rows at a time: numbers as float32 (as text when
    careful), categories and yes/no values as pandas categoricals. Returns the SHA-256
    of the bytes read."""
    import pandas as pd

    d = table.dialect
    kinds = table.kinds
    dtype = {
        n: (str if careful else np.float32) if kinds[n] == "numeric" else "category"
        for n in table.used
    }
    with open_binary(path, buffering=0) as raw:
        f = _Hashing(raw)
        try:
            chunks = pd.read_csv(
                io.BufferedReader(f, 1 << 20),
                sep=d.delimiter,
                encoding=d.encoding,
                header=0 if d.header else None,
                names=table.names,
                usecols=table.used,
                dtype=dtype,
                index_col=False,
                keep_default_na=False,
                na_values=sorted(MISSING),
                chunksize=columns.CHUNK_LINES,
                engine="c",
            )
            with chunks:
                while True:
                    if cancel is not None and cancel():
                        raise Cancelled(path)
                    try:
                        chunk = next(chunks)
                    except StopIteration:
                        break
                    table.add_frame(chunk)
                    if report is not None:
                        report(min(f.done / size, 1.0))
            return f.hexdigest()
        except OSError as exc:
            raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
        except pd.errors.EmptyDataError:
            raise DataError(empty_file_message(path)) from None
        except pd.errors.ParserError as exc:
            raise DataError(
                _parser_message(path, str(exc), d.delimiter, len(table.names))
            ) from None
        except UnicodeDecodeError:
            raise
        except ValueError:
            if careful:
                raise
            raise _NeedsCare() from None


def _parser_message(path: Path, text: str, d: str, ncols: int) -> str:
    """pandas' tokenizer error -> what is wrong on which line, and the fix (never the
    file's content)."""
    name = DELIMITER_NAMES.get(d, repr(d))
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return ragged_message(path, int(m.group(2)), int(m.group(3)), ncols, d)
    m = re.search(r"line (\d+)", text)
    where = f"line {m.group(1)}" if m else "a line"
    return (
        f"{path}: {where} cannot be read as {name}-separated values; check its quotes "
        "(a quote opened and never closed runs on to the end of the file)"
    )


def _monotonic(report: Progress) -> Progress:
    """Progress that never goes back (a careful second read starts over)."""
    if report is None:
        return None
    last = [0.0]

    def wrapped(f: float) -> None:
        last[0] = max(last[0], f)
        report(last[0])

    return wrapped


def record_lines(path: Path, dialect: Dialect) -> np.ndarray:
    """The first file line of every data row (a pass with the csv module: for
    messages only, so a fast read needs no line bookkeeping)."""
    out = []
    prev = 0
    with open(path, encoding=dialect.encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=dialect.delimiter)
        try:
            for row in reader:
                first, prev = prev + 1, reader.line_num
                if row and not (len(row) == 1 and not row[0].strip()):
                    out.append(first)
        except csv.Error:
            pass
    return np.asarray(out[1:] if dialect.header else out, dtype=np.int64)


def _choose_columns(path: Path, spec: TableSpec, names, infos, delimiter: str) -> list[str]:
    for name in spec.column_types:
        if name not in names:
            raise DataError(unknown_column(path, name, names, "column (in column types)"))
    if spec.target not in names:
        raise DataError(unknown_column(path, spec.target, names, "target column"))
    if spec.features is not None:
        for name in spec.features:
            if name not in names:
                raise DataError(unknown_column(path, name, names, "feature column"))
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
        others = [f"{n[:40]} ({infos[n].kind})" for n in names if n != spec.target][:20]
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
        raise DataError(empty_file_message(path))
    if header:
        names = column_names(rows[0])
        rows, row_lines = rows[1:], row_lines[1:]
        if not rows:
            raise DataError(header_only_message(path, names))
    else:
        names = [f"column{j + 1}" for j in range(len(rows[0]))]
    return names, rows, row_lines


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
        if "field larger than field limit" in str(exc):
            raise DataError(cell_too_long(path, f"line {start + reader.line_num - 1}")) from None
        raise DataError(
            f"{path}: line {start + reader.line_num - 1} cannot be read as "
            f"{DELIMITER_NAMES.get(d, repr(d))}-separated values ({exc}); check its quotes"
        ) from None
    return rows, row_lines, reader.line_num
