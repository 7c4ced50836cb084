"""Excel workbooks (.xlsx, .xlsm) for core.tabular: the first worksheet's rows, streamed
with openpyxl (read-only, values only), become the same rows of strings a CSV gives, so
detection, the column machinery (columns.Columns), progress, Cancel and the content hash
(of the workbook's bytes) behave as they do for text tables.

Cells: numbers as written (1, 2.5), booleans as true/false, dates and times as ISO text
(2024-01-31, so a date column is a category or free text, as in a CSV), Excel's error
values (#DIV/0!, #N/A, ...) as empty cells. A formula gives the value Excel saved with the
workbook; a workbook written by a program that never calculated it holds no value there
(an empty cell): open and save it in Excel or LibreOffice. Fully blank rows are skipped;
messages name the worksheet's row numbers. Macros (.xlsm) are never run.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import ParseError

from desktop_app.core.errors import DataError
from desktop_app.core.tabular import columns, detect
from desktop_app.core.tabular.columns import Columns, RawTable
from desktop_app.core.tabular.detect import (
    Cancelled,
    Dialect,
    Request,
    TableChangedError,
    column_names,
    detect_header,
    rows_not_lines,
    scaled_progress,
    scan,
)
from desktop_app.core.tabular.files import check_file, shown_names
from desktop_app.core.tabular.limits import (
    MAX_CELL_CHARS,
    cell_too_long,
    check_sheet_row,
    check_workbook_zip,
)
from desktop_app.core.tabular.preview import TablePreview, make_preview

CHUNK_CELLS = 100_000  # cells read between progress reports and cancel checks

_ERRORS = frozenset(["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"])
_ERRORS_AND_EMPTY = _ERRORS | {None}

_FIX = "open it in Excel or LibreOffice, save it as .xlsx (or CSV), and import that file"


class _Sheet:
    """The first worksheet of a workbook: its name, the workbook's sheet names, the row
    count the file declares (None: unknown) and its non-blank rows as strings."""

    def __init__(self, path: Path, book):
        self.path, self.book = path, book
        ws = book.worksheets[0]
        self.name = ws.title
        self.names = list(book.sheetnames)
        try:
            self.max_row = ws.max_row if ws.max_row and ws.max_row > 1 else None
        except Exception:  # noqa: BLE001 - a damaged dimension tag: count as we go
            self.max_row = None
        if self.max_row:
            check_sheet_row(path, self.name, self.max_row, 0)
        ws.reset_dimensions()  # trust the cells, not the declared size
        self._ws = ws
        self.width = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as text) for each row with a value, error values as ""."""
        for number, row in enumerate(self._ws.iter_rows(values_only=True), start=1):
            check_sheet_row(self.path, self.name, number, len(row))
            if all(v in _ERRORS_AND_EMPTY for v in row):
                continue
            cells = [_text(v) for v in row]
            longest = max(map(len, cells), default=0)
            if longest > MAX_CELL_CHARS:
                where = f"worksheet {self.name!r}, row {number}"
                raise DataError(cell_too_long(self.path, where, longest))
            yield number, cells

    def fit(self, rows: list[list[str]], lines: list[int]) -> None:
        """Give every row the table's width (set from the first rows: the last column
        with a value); a value right of it is an error naming the cell."""
        if not self.width:
            self.width = max((_last(r) for r in rows), default=0)
        w = self.width
        for r, line in zip(rows, lines):
            if len(r) < w:
                r.extend([""] * (w - len(r)))
            elif len(r) > w:
                extra = _last(r)
                if extra > w:
                    from openpyxl.utils import get_column_letter as letter

                    raise DataError(
                        f"{self.path}: worksheet {self.name!r}, row {line} has a value in column "
                        f"{letter(extra)}, right of the table's last column "
                        f"({letter(w)}); every row needs the same columns: move or "
                        "delete that value"
                    )
                del r[w:]

    def note(self) -> str:
        if len(self.names) < 2:
            return ""
        others = ", ".join(repr(n) for n in self.names[1:6]) + (
            ", …" if len(self.names) > 6 else ""
        )
        return (
            f"{self.path.name}: read the first worksheet, {self.name!r}; the others ({others}) "
            "are not read: move the data to the first worksheet to use them"
        )


def _last(row) -> int:
    """1 + the index of the row's last non-empty cell."""
    for j in range(len(row) - 1, -1, -1):
        if row[j] != "":
            return j + 1
    return 0


def _text(v) -> str:
    if v is None:
        return ""
    t = type(v)
    if t is str:
        return "" if v in _ERRORS else v
    if t is float:
        return repr(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    iso = getattr(v, "isoformat", None)  # datetime, date, time
    if iso is not None:
        text = iso()
        return text[:-9] if text.endswith("T00:00:00") else text
    return str(v)


@contextlib.contextmanager
def _first_sheet(path: Path) -> Iterator[_Sheet]:
    """The workbook's first worksheet, with a clear message for a file openpyxl cannot
    read (damaged, password-protected, not really a workbook)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with open(path, "rb") as f:
        magic = f.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{path} is password-protected (encrypted), or an old .xls workbook renamed "
            f".xlsx: Odyssey cannot read it. Remove the password (Excel: File ▸ Info ▸ "
            f"Protect Workbook ▸ Encrypt with Password, clear it) or {_FIX}."
        )
    check_workbook_zip(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        ParseError,
    ) as exc:
        what = "is not a zip archive" if isinstance(exc, zipfile.BadZipFile) else str(exc)
        raise DataError(
            f"{path} cannot be read as an Excel workbook ({what}): the file is damaged or "
            f"is not really an .xlsx workbook; {_FIX}."
        ) from None
    try:
        if not book.worksheets:
            raise DataError(f"{path} holds no worksheets (only charts?); {_FIX}.")
        yield _Sheet(path, book)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, ParseError) as exc:
        raise DataError(
            f"{path}: its first worksheet cannot be read ({exc}); the workbook is damaged; {_FIX}."
        ) from None
    finally:
        book.close()


def workbook_rows(path: str | Path) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) of every non-blank row of the first worksheet, header
    included, each as wide as the widest row: a file of rows to predict."""
    with _first_sheet(Path(path)) as sheet:
        rows = list(sheet.rows())
    for _, cells in rows:  # trailing empty cells are not columns
        while cells and cells[-1] == "":
            cells.pop()
    width = max((len(cells) for _, cells in rows), default=0)
    return [(n, cells + [""] * (width - len(cells))) for n, cells in rows]


def _empty(path: Path, sheet: _Sheet) -> str:
    return (
        f"{path} is empty: its first worksheet, {sheet.name!r}, has no values. Odyssey reads "
        "the first worksheet: put the table there (a header row, then the data rows)."
    )


def _header_only(path: Path, sheet: _Sheet, names: list[str]) -> str:
    shown = shown_names(names, 8, quote=False)
    return (
        f"{path}: its first worksheet, {sheet.name!r}, has a header row ({shown}) but no "
        "data rows; Odyssey reads the first worksheet: put the data there"
    )


def _take(sheet: _Sheet, rows: Iterator[tuple[int, list[str]]], n: int):
    out, lines = [], []
    for number, cells in rows:
        out.append(cells)
        lines.append(number)
        if len(out) >= n:
            break
    sheet.fit(out, lines)
    return out, lines


# ---------------------------------------------------------------------------- API
@rows_not_lines
def preview_workbook(
    path: Path, max_rows: int = 200, header: bool | None = None, column_types=None
) -> TablePreview:
    """reader.preview_table for a workbook: the first DETECT_ROWS rows of its first
    worksheet (the rows the full read detects kinds on)."""
    size = check_file(path)
    with _first_sheet(path) as sheet:
        it = sheet.rows()
        rows, lines = _take(sheet, it, detect.DETECT_ROWS + 1)
        complete = len(rows) <= detect.DETECT_ROWS or next(it, None) is None
    if not rows or not sheet.width:
        raise DataError(_empty(path, sheet))
    if header is None:
        header = detect_header(rows[:200])
    if header:
        names = column_names(rows[0])
        rows = rows[1:]
        if not rows:
            raise DataError(_header_only(path, sheet, names))
    else:
        names = [f"column{j + 1}" for j in range(sheet.width)]
    if complete:
        estimated = len(rows)
    else:
        estimated = max((sheet.max_row or 0) - int(header), len(rows))
    return make_preview(
        path,
        names,
        rows,
        column_types,
        max_rows,
        header=header,
        size_bytes=size,
        complete=complete,
        estimated_rows=estimated,
        sheet=sheet.name,
        sheets=sheet.names,
    )


@rows_not_lines
def read_workbook(path: Path, request: Request) -> RawTable:
    """reader._read for a workbook (delimiter and encoding do not apply)."""
    header, progress, cancel = request.header, request.progress, request.cancel
    check_file(path)
    digest, _, _ = scan(path, False, scaled_progress(progress, 0.0, 0.05), cancel)
    if request.expect_hash and digest != request.expect_hash:
        raise TableChangedError(path, request.expect_hash, digest)
    report = scaled_progress(progress, 0.05, 1.0)
    with _first_sheet(path) as sheet:
        it = sheet.rows()
        rows, lines = _take(sheet, it, detect.DETECT_ROWS + 1)
        if not rows or not sheet.width:
            raise DataError(_empty(path, sheet))
        if header is None:
            header = detect_header(rows[:200])
        if header and len(rows) == 1:
            raise DataError(_header_only(path, sheet, column_names(rows[0])))
        table = Columns(path, Dialect("", "", header), request)
        note = sheet.note()
        if note:
            table.notes.append(note)
        total = sheet.max_row or 0
        rows, lines = table.start(rows, lines, total or len(rows))
        table.add_rows(rows, lines)
        chunk = min(max(CHUNK_CELLS // max(sheet.width, 1), 100), columns.CHUNK_LINES)
        while True:
            if cancel is not None and cancel():
                raise Cancelled(path)
            rows, lines = _take(sheet, it, chunk)
            if not rows:
                break
            table.add_rows(rows, lines)
            if report is not None and total:
                report(min(lines[-1] / total, 1.0))
    raw = table.finish(digest)
    if report is not None:
        report(1.0)
    return raw


__all__ = ["preview_workbook", "read_workbook"]
