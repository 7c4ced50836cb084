"""Budgets a table file must fit before it is read (issue 15's bombs: a 5 MB workbook that
unzips to 3 GB, a CSV that is one 50 MB line of 12.5 million fields, a 200,000-character
header): checked on what is cheap to know first (the zip directory, the first
megabyte), each with a message that says what is too large and what to do.

The caps are Excel's own limits, so no table a spreadsheet can hold is refused:
16,384 columns, 32,767 characters per cell, 1,048,576 rows per worksheet. A workbook
may unzip to at most 1 GiB (its shared strings, which openpyxl holds in memory, to
256 MiB); larger ones are better saved as CSV, which is read in chunks.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop_app.core.errors import DataError

MAX_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767
MAX_SHEET_ROWS = 1_048_576
MAX_WORKBOOK_BYTES = 1 << 30
MAX_SHARED_STRINGS_BYTES = 256 << 20

_AS_CSV = "save the table as CSV (read in chunks, with no such limit on rows) and import that"


def check_rows(path: Path, rows: list[list[str]], row_lines: list[int], where="line") -> None:
    """Columns and cell lengths of the first rows (the sample every read starts from)."""
    for row, line in zip(rows, row_lines):
        if len(row) > MAX_COLUMNS:
            raise DataError(too_many_columns(path, len(row), f"{where} {line}"))
        longest = max(map(len, row), default=0)
        if longest > MAX_CELL_CHARS:
            raise DataError(cell_too_long(path, f"{where} {line}", longest))


def too_many_columns(path: Path, n: int | None, where: str) -> str:
    count = f"{n:,} fields" if n is not None else "more fields than that"
    return (
        f"{path}: {where} has {count}; Odyssey reads at most {MAX_COLUMNS:,} columns (as "
        "Excel does). Check the delimiter, or keep only the columns you need."
    )


def cell_too_long(path: Path, where: str, n: int | None = None) -> str:
    size = f" ({n:,} characters)" if n is not None else ""
    return (
        f"{path}: {where} holds a value longer than {MAX_CELL_CHARS:,} characters{size}, "
        "Excel's limit for a cell; a table cell that long is not a feature. Check the "
        "file's quotes (a quote never closed swallows the lines after it), or remove "
        "that value."
    )


def check_first_line(path: Path, sample: bytes, complete: bool) -> None:
    """A first megabyte with no line end is no table of rows."""
    if complete or b"\n" in sample or b"\r" in sample:
        return
    raise DataError(
        f"{path}: its first line is longer than {len(sample) >> 20} MB; a table's header "
        f"and rows are far shorter (at most {MAX_COLUMNS:,} columns of at most "
        f"{MAX_CELL_CHARS:,} characters). Check that this is a CSV or TSV table."
    )


def check_workbook_zip(path: Path) -> None:
    """The sizes a workbook's zip directory declares, before anything is unzipped
    (what is read is held to them: a member longer than declared fails its check)."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl's own message follows
    total = sum(i.file_size for i in infos)
    shared = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
    if total > MAX_WORKBOOK_BYTES or shared > MAX_SHARED_STRINGS_BYTES:
        what = "its text" if shared > MAX_SHARED_STRINGS_BYTES else "it"
        raise DataError(
            f"{path} is {path.stat().st_size / 2**20:,.1f} MB but {what} would unzip to "
            f"{max(total, shared) / 2**30:,.1f} GB, more than Odyssey reads from a workbook "
            f"({MAX_WORKBOOK_BYTES >> 30} GB; {MAX_SHARED_STRINGS_BYTES >> 20} MB of text); "
            f"{_AS_CSV}."
        )


def check_sheet_row(path: Path, sheet: str, number: int, width: int) -> None:
    if number > MAX_SHEET_ROWS:
        raise DataError(
            f"{path}: worksheet {sheet!r} has more than {MAX_SHEET_ROWS:,} rows, Excel's "
            f"limit; {_AS_CSV}."
        )
    if width > MAX_COLUMNS:
        raise DataError(too_many_columns(path, width, f"worksheet {sheet!r}, row {number}"))
