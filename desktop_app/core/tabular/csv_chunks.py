"""A text table read with pandas' C parser, for core.tabular.reader: the dialect and
column kinds from the first megabyte (the csv module, as the preview), then the used
columns a chunk of rows at a time, hashed as they are read; again as cp1252/Latin-1 when
a byte past the first megabyte is not UTF-8. File lines of rows are found only when a
message needs one (record_lines)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.tabular import columns
from desktop_app.core.tabular.columns import Columns
from desktop_app.core.tabular.csv_blocks import parse_blocks, read_options
from desktop_app.core.tabular.detect import (
    Cancel,
    Cancelled,
    Dialect,
    Progress,
    Request,
    TableChangedError,
    scan,
    sniff,
)
from desktop_app.core.tabular.files import (
    decode_error_in_file,
    delimiter_name,
    empty_file_message,
    open_binary,
    ragged_message,
)
from desktop_app.core.tabular.limits import cell_too_long, check_first_line, check_rows


def read_text_table(path: Path, size: int, sample: bytes, request: Request) -> tuple[Columns, str]:
    """The used columns (see columns.Request) and the file's SHA-256; TableChangedError
    when request.expect_hash is given and differs."""
    expect, cancel = request.expect_hash, request.cancel
    try:
        try:
            table, digest = _attempt(path, size, sample, request.encoding, "", request)
        except _NotUtf8:
            # The sample was UTF-8 but a later byte is not: judge every byte, read again.
            _, encoding, note = scan(path, True, None, cancel)
            table, digest = _attempt(path, size, sample, encoding, note, request)
    except DataError:
        if expect:  # a changed file says so first
            _check_hash(path, expect, scan(path, False, None, cancel)[0])
        raise
    if expect:
        _check_hash(path, expect, digest)
    return table, digest


def _check_hash(path: Path, expected: str, digest: str) -> None:
    if digest != expected:
        raise TableChangedError(path, expected, digest)


class _NotUtf8(Exception):
    """A file whose first megabyte is UTF-8 holds a byte further on that is not."""


def _attempt(path, size, sample, encoding, note, request: Request):
    """One read: the dialect and kinds from the sample, then the whole file (hashed as
    it is read). Returns the columns and the file's SHA-256."""
    report, cancel = request.progress, request.cancel
    complete = len(sample) == size
    detected = encoding is None
    dialect, lines, rows, row_lines = first_rows(
        path, sample, complete, request.delimiter, encoding, request.header
    )
    dialect = Dialect(
        dialect.delimiter, dialect.encoding, dialect.header, note or dialect.encoding_note
    )
    if not complete and len(rows) > 2:
        rows, row_lines = rows[:-1], row_lines[:-1]  # may be cut in a quoted field
    table = Columns(path, dialect, request, line_source=lambda: record_lines(path, dialect))
    if dialect.encoding_note:
        table.notes.append(f"{path.name}: {dialect.encoding_note}")
    chars = sum(map(len, lines))
    table.start(rows, row_lines, size * len(lines) / max(chars, 1))
    try:
        digest = parse_blocks(path, size, table, report, cancel)
        if digest is None:  # small, or out of the ordinary: one thread, exact messages
            table.reset()
            digest = _parse(path, size, table, report, cancel)
    except UnicodeDecodeError:
        if detected and dialect.encoding.startswith("utf-8"):
            raise _NotUtf8() from None
        raise DataError(decode_error_in_file(path, dialect.encoding)) from None
    return table, digest


def first_rows(path, sample: bytes, complete: bool, delimiter, encoding, header):
    """The dialect (detected where not given), the sample's lines, and its rows with
    their first lines, each checked for what would make a bad table."""
    check_first_line(path, sample, complete)
    dialect, lines = sniff(path, sample, complete, delimiter, encoding, header)
    rows, row_lines = parse_lines(path, lines, dialect.delimiter)
    check_rows(path, rows, row_lines)
    return dialect, lines, rows, row_lines


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


def _parse(path: Path, size: int, table: Columns, report: Progress, cancel: Cancel):
    """The used columns, CHUNK_LINES rows at a time (see csv_blocks.read_options).
    Returns the SHA-256 of the bytes read."""
    import pandas as pd

    d = table.dialect
    with open_binary(path, buffering=0) as raw:
        f = _Hashing(raw)
        try:
            chunks = pd.read_csv(
                io.BufferedReader(f, 1 << 20),
                header=0 if d.header else None,
                chunksize=columns.CHUNK_LINES,
                **read_options(table),
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
        except UnicodeDecodeError:
            raise
        except ValueError as exc:  # pandas' ParserError is one
            raise DataError(
                _parser_message(path, str(exc), d.delimiter, len(table.names))
            ) from None


def _parser_message(path: Path, text: str, d: str, ncols: int) -> str:
    """pandas' tokenizer error -> what is wrong on which line, and the fix (never the
    file's content)."""
    name = delimiter_name(d)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return ragged_message(path, int(m.group(2)), int(m.group(3)), ncols, d)
    m = re.search(r"line (\d+)", text)
    where = f"line {m.group(1)}" if m else "a line"
    return (
        f"{path}: {where} cannot be read as {name}-separated values; check its quotes "
        "(a quote opened and never closed runs on to the end of the file)"
    )


def record_lines(path: Path, dialect: Dialect) -> np.ndarray:
    """The first file line of every data row, for messages only (a fast read keeps no
    line bookkeeping): the non-blank lines when the file holds no quote (a plain pass
    over its lines), else a pass with the csv module (a quoted field may span lines)."""
    out = _plain_lines(path, dialect)
    if out is None:
        out = []
        prev = 0
        with open(path, encoding=dialect.encoding, errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=dialect.delimiter)
            try:
                for row in reader:
                    first, prev = prev + 1, reader.line_num
                    if row and not (len(row) == 1 and not row[0].strip()):
                        out.append(first)
            except (csv.Error, OSError):
                pass
    return np.asarray(out[1:] if dialect.header else out, dtype=np.int64)


def _plain_lines(path: Path, dialect: Dialect) -> list[int] | None:
    out = []
    try:
        with open(path, encoding=dialect.encoding, errors="replace") as f:
            for number, line in enumerate(f, start=1):
                if '"' in line:
                    return None
                if line.strip():
                    out.append(number)
    except OSError:
        return None
    return out


def parse_lines(path, lines: list[str], d: str):
    """The rows of the sample's lines with the csv module (blank lines skipped), and the
    file line each starts on."""
    reader = csv.reader(lines, delimiter=d)
    rows, row_lines = [], []
    first = 1
    try:
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip()):
                rows.append(row)
                row_lines.append(first)
            first = reader.line_num + 1
    except csv.Error as exc:
        where = f"line {reader.line_num}"
        if "field larger than field limit" in str(exc):
            raise DataError(cell_too_long(path, where)) from None
        raise DataError(
            f"{path}: {where} cannot be read as {delimiter_name(d)}-separated values "
            f"({exc}); check its quotes"
        ) from None
    return rows, row_lines
