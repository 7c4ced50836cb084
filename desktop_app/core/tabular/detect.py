"""Detection for core.tabular: bytes, encoding, dialect, header, column kinds and the
task a target implies (the file's own checks and messages: core.tabular.files)."""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.errors import DataError, OdysseyError
from desktop_app.core.tabular.files import (
    BOMS,
    SCAN_BLOCK,
    decode_error_in_file,
    empty_file_message,
    open_binary,
)

Progress = Callable[[float], None] | None

Cancel = Callable[[], bool] | None


SAMPLE_BYTES = 1 << 20  # what preview and detection read

DETECT_ROWS = 5000  # rows a preview uses to detect column kinds

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

_DELIMITER_PRIORITY = {"\t": 3, ";": 2, "|": 1, ",": 0}

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # read with openpyxl (core.tabular.excel)
# Every file a user may hand Odyssey as a table (.xls and .parquet get a message saying
# how to convert them).
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".feather")
# Read with pyarrow when it is installed (core.tabular.arrow_files); not a core dependency.
ARROW_SUFFIXES = (".parquet", ".feather", ".arrow")

FEATURE_KINDS = ("numeric", "boolean", "categorical")

MISSING_ARRAY = np.array(sorted(MISSING))


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
class Request:
    """What a read is asked for: choose(names, infos, delimiter) -> the feature columns,
    kinds the user set, the target (None: rows to predict), the hash the file must
    still have (None: not checked), progress and Cancel, and the dialect where given."""

    choose: Callable[[list[str], dict[str, ColumnInfo], str], list[str]]
    overrides: Mapping[str, str]
    target: str | None
    expect_hash: str | None = None
    progress: Progress = None
    cancel: Cancel = None
    delimiter: str | None = None
    encoding: str | None = None
    header: bool | None = None


# ---------------------------------------------------------------------------- kinds
def detect_kind(values: Sequence[str]) -> tuple[str, int, int]:
    """kind, empty cells, distinct values of a column's strings (vectorised: the first
    block of a large file has a million cells)."""
    arr = np.strings.strip(np.asarray(values, dtype=str))
    present = arr[~np.isin(arr, MISSING_ARRAY)] if len(arr) else arr
    n_missing = len(arr) - len(present)
    if not len(present):
        return "empty", n_missing, 0
    try:
        numbers = present.astype(np.float64)
    except ValueError:
        pass
    else:
        return "numeric", n_missing, len(np.unique(numbers))
    distinct = np.unique(present).tolist()
    if all(v.lower() in TRUE_WORDS or v.lower() in FALSE_WORDS for v in distinct):
        return "boolean", n_missing, len(distinct)
    many = len(distinct) > MAX_CATEGORIES or (
        len(distinct) > 20 and len(distinct) > 0.5 * len(present)
    )
    return ("text" if many else "categorical"), n_missing, len(distinct)


def is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def task_for(path, target, chosen, n_distinct, numeric, integers, n_rows) -> str:
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
    if n_distinct == 2 and chosen != MULTICLASS:
        return BINARY  # auto: the binary model (as in the catalog); a multiclass choice
        # keeps two classes as a 2-output softmax with cross-entropy
    if chosen == "auto" and numeric:
        few = integers and n_distinct <= MAX_INT_CLASSES and n_distinct * 2 <= n_rows
        return MULTICLASS if few else REGRESSION
    if n_distinct > MAX_CLASSES:
        raise DataError(_too_many_classes(path, target, n_distinct))
    return MULTICLASS


def _too_many_classes(path, target: str, n_distinct: int) -> str:
    return (
        f"{path}: target column {target!r} has {n_distinct:,} distinct values: too "
        f"many classes for classification (at most {MAX_CLASSES:,}). If they are "
        "quantities, mark the column numeric and choose regression; otherwise choose "
        "another target column."
    )


def all_int(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0))


# ---------------------------------------------------------------------------- dialect
def sniff(path, sample: bytes, complete: bool, delimiter, encoding, header):
    """The dialect and the sample's complete lines (universal newlines)."""
    if encoding is None:
        encoding, note = _encoding_from_sample(sample, complete)
    else:
        note = ""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
    except UnicodeDecodeError:
        raise DataError(decode_error_in_file(path, encoding)) from None
    lines = io.StringIO(text, newline=None).readlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # cut in the middle
    if not any(line.strip() for line in lines):
        raise DataError(empty_file_message(path))
    head = [line for line in lines if line.strip()][:200]
    if delimiter is None:
        delimiter = _sniff_delimiter(head)
    if header is None:
        try:
            rows = [r for r in csv.reader(head, delimiter=delimiter) if r]
        except csv.Error:  # a field over the csv module's limit: the reader explains
            rows = []
        header = detect_header(rows)
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


def detect_header(rows: list[list[str]]) -> bool:
    """A first row is a header when a column is numeric below it but not in it, or,
    in an all-text table, when none of its values recurs in its column."""
    if not rows:
        return True
    first = [v.strip() for v in rows[0]]
    if any(first) and all(is_number(v) for v in first if v):
        return False
    rest = rows[1:DETECT_ROWS]
    if not rest:
        return True
    for j, head in enumerate(first):
        below = [r[j].strip() for r in rest if j < len(r) and r[j].strip() not in MISSING]
        if below and all(is_number(v) for v in below) and head and not is_number(head):
            return True
    for j, head in enumerate(first):
        if head and any(j < len(r) and r[j].strip() == head for r in rest):
            return False
    return True


def column_names(row: list[str]) -> list[str]:
    names: list[str] = []
    for j, v in enumerate(row):
        base = v.strip() or f"column{j + 1}"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return names


# ---------------------------------------------------------------------------- bytes
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


def _fallback_note(encoding: str) -> str:
    label = "Windows-1252 (Western European)" if encoding == "cp1252" else "Latin-1"
    return (
        f"not valid UTF-8; read as {label}. If accented letters look wrong, choose the "
        "file's encoding."
    )


def _encoding_from_sample(sample: bytes, complete: bool) -> tuple[str, str]:
    for bom, enc, note in BOMS:
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


def scan(path: Path, detect: bool, progress: Progress, cancel: Cancel):
    """SHA-256 of the file and, if asked, its encoding judged on every byte."""
    size = max(path.stat().st_size, 1)
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")() if detect else None
    cp1252 = True
    bom = None
    done = 0
    with open_binary(path) as f:
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
                bom = next((b for b in BOMS if block.startswith(b[0])), None)
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


def rows_not_lines(fn):
    """For a function whose first argument is a path (or has .path): a workbook has rows,
    not lines, so its messages name them so."""

    @functools.wraps(fn)
    def wrapper(first, *args, **kwargs):
        try:
            return fn(first, *args, **kwargs)
        except DataError as exc:
            path = Path(getattr(first, "path", first))
            if type(exc) is not DataError or path.suffix.lower() not in WORKBOOK_SUFFIXES:
                raise
            raise DataError(re.sub(r"\bline(s?) (?=\d|\()", r"row\1 ", str(exc))) from None

    return wrapper


def scaled_progress(progress: Progress, a: float, b: float) -> Progress:
    if progress is None:
        return None
    return lambda f: progress(a + (b - a) * f)
