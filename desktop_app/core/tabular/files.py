"""The table file itself, for core.tabular: the checks before it is read (it exists, is
not a folder, is not empty, is not a workbook or binary data under a text ending),
opening it, and the messages about what it holds that the reader and the preparation
share (an empty file, a header without rows, a row with too few or too many fields, a
target with gaps, a byte the encoding does not read). Each message names the file, what is wrong and what to do."""

from __future__ import annotations

import codecs
from pathlib import Path

from desktop_app.core.errors import DataError

SCAN_BLOCK = 1 << 20

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (byte-order mark)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (byte-order mark)"),
)


_SAVE_AS = "save it as an Excel workbook (.xlsx) or as CSV, and import that file"

_NOT_CSV = {
    ".xls": "an old Excel 97-2003 workbook (.xls), which Odyssey does not read; open it in "
    f"Excel or LibreOffice and {_SAVE_AS}",
    ".xlsb": "an Excel binary workbook (.xlsb), which Odyssey does not read; open it in "
    f"Excel and {_SAVE_AS}",
    ".ods": f"an OpenDocument spreadsheet, which Odyssey does not read; {_SAVE_AS}",
    ".json": "a JSON file; Odyssey reads tables from CSV, TSV or Excel (.xlsx) files. "
    "Export it as CSV and import that file",
}


def decode_error_in_file(path: Path, encoding: str) -> str:
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


def check_file(path: Path) -> int:
    kind = _NOT_CSV.get(path.suffix.lower())
    if kind:
        raise DataError(f"{path} is {kind}.")
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
        raise DataError(f"{path} is a folder; choose a CSV, TSV or Excel (.xlsx) file")
    if st.st_size == 0:
        raise DataError(empty_file_message(path))
    return st.st_size


def open_binary(path: Path, buffering: int = -1):
    try:
        return open(path, "rb", buffering=buffering)
    except FileNotFoundError:
        raise DataError(
            f"{path} does not exist any more (was it moved, renamed or deleted?); choose "
            "the file again, or put it back"
        ) from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def check_not_binary(path: Path, sample: bytes) -> None:
    if sample.startswith(b"PK\x03\x04"):
        what = "a zip archive (an Excel workbook? then give it the .xlsx ending)"
    elif sample.startswith(b"\xd0\xcf\x11\xe0"):
        what = "an Office document (an old Excel .xls workbook? then save it as .xlsx)"
    elif sample.startswith(b"PAR1"):
        what = "a Parquet file (convert it to CSV)"
    elif not any(sample.startswith(b[0]) for b in BOMS[1:]) and b"\x00" in sample[:65536]:
        what = "binary data, not text"
    else:
        return
    raise DataError(
        f"{path} is {what}; Odyssey reads CSV and TSV text tables and Excel .xlsx "
        "workbooks. Export or save it as CSV or .xlsx and import that file."
    )


# ---------------------------------------------------------------------------- messages
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def delimiter_name(d: str) -> str:
    """A delimiter as a message names it: "comma", "tab", or the character quoted."""
    return DELIMITER_NAMES.get(d, repr(d))


def check_ragged(path, rows, row_lines, ncols, d) -> None:
    for r, ln in zip(rows, row_lines):
        if len(r) != ncols:
            raise DataError(ragged_message(path, ln, len(r), ncols, d))


def ragged_message(path, line: int, n: int, ncols: int, d: str) -> str:
    name = delimiter_name(d)
    return (
        f"{path}: line {line} has {n} fields but the {'header' if line > 1 else 'file'} "
        f"has {ncols}; every row needs the same number of {name}-separated fields. "
        f"Check that line for a missing or extra {name}, a value that contains a {name} "
        "without quotes, or a quote that is never closed."
    )


def empty_file_message(path) -> str:
    return (
        f"{path} is empty: it has no header and no rows. Choose a CSV or TSV file with a "
        "header row and at least a few data rows."
    )


def shown_names(names: list[str], limit: int = 20, quote: bool = True) -> str:
    """Column names for a message: each cut to 40 characters, at most `limit` of them,
    and none from a file of one column (the text of a file that is no table, such as a
    system file a project's path points at, is never echoed)."""
    if len(names) < 2:
        return (
            "one column only (its name is not shown: the file may not be a table, or its "
            "delimiter is not comma, semicolon, tab or pipe)"
        )
    cut = [n if len(n) <= 40 else n[:40] + "…" for n in names[:limit]]
    if quote:
        cut = [repr(n) for n in cut]
    return ", ".join(cut) + (" …" if len(names) > limit else "")


def header_only_message(path, names: list[str]) -> str:
    return (
        f"{path} has a header row ({shown_names(names, 8, quote=False)}) but no data rows; "
        "choose the "
        "file that holds the data"
    )


def target_missing_message(path, target: str, count: int, lines) -> str:
    where = ""
    if len(lines):
        where = " (line " + ", ".join(str(int(v)) for v in lines)
        where += ", …)" if count > len(lines) else ")"
    return (
        f"{path}: target column {target!r} is empty on {count:,} row(s){where}. Every row "
        "needs a target value: fill those cells in or delete those rows."
    )
