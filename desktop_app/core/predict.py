"""Predictions from a loaded model on raw feature values, typed or read from a CSV.

The saved preprocessing is applied here, so callers pass values in the units of the
original data and get classes (with probabilities) or values in the target's units.

API:
- ``input_columns(loaded) -> list[str]``: the values a user gives per row: the features
  of a catalog dataset, or the original columns of an imported table.
- ``predict_rows(loaded, rows) -> PredictionResult``: rows is an (n, n_features) array
  of raw values in the model's feature order (``loaded.preprocessing.feature_names``).
- ``predict_raw(loaded, rows)``: a table model's rows as a list of dicts (column ->
  text or number) or a mapping column -> values; encoded as at training.
- ``read_csv(path, columns, numeric=True) -> CsvRows``: a CSV (or the first worksheet of
  an Excel .xlsx workbook) whose header names the columns, in any order; extra columns
  are kept for the output but not used (a note says so). Comma, semicolon, tab or pipe
  separated; UTF-8 (else cp1252/Latin-1).
- ``predict_csv(loaded, path) -> (CsvRows, PredictionResult)``: either kind of model.
- ``write_predictions_csv(path, rows, result)``: the input columns plus the prediction
  and one probability column per class (atomic write).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.errors import DataError, FileFormatError
from desktop_app.core.outputs import class_probabilities, predicted_classes
from desktop_app.core.tabular.detect import WORKBOOK_SUFFIXES
from desktop_app.core.tabular.limits import MAX_COLUMNS, too_many_columns
from desktop_app.core.tabular.raw_rows import transform_raw

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.persistence.model_file import LoadedModel

MAX_CSV_BYTES = 2_000_000_000


@dataclass
class PredictionResult:
    """One prediction per row.

    Classification: ``labels`` (class indices), ``names`` (class names) and
    ``probabilities`` (n, n_classes). Regression: ``values`` in the target's units.
    """

    task: str
    class_names: list[str]
    labels: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    values: np.ndarray | None = None
    skipped: dict[int, str] = field(default_factory=dict)  # row -> why it has no prediction

    def __len__(self) -> int:
        return len(self.values if self.task == REGRESSION else self.labels)

    @property
    def names(self) -> list[str]:
        return [] if self.labels is None else [self.class_names[i] for i in self.labels]

    def columns(self) -> list[str]:
        if self.task == REGRESSION:
            return ["predicted"]
        return ["predicted", *(f"probability {c}" for c in self.class_names)]

    def row(self, i: int) -> list[str]:
        """The prediction's cells (empty for a row that could not be predicted)."""
        if i in self.skipped:
            return [""] * len(self.columns())
        if self.task == REGRESSION:
            return [_num(self.values[i])]
        return [self.names[i], *(_num(p) for p in self.probabilities[i])]


@dataclass
class CsvRows:
    """A CSV's rows: all its columns as text, and the columns the model uses."""

    path: Path
    header: list[str]
    cells: list[list[str]]
    features: np.ndarray | None  # (n, len(columns)) float64 when read as numbers
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the model's input columns, in order
    lines: list[int] = field(default_factory=list)  # file line of each row
    bad: dict[int, str] = field(default_factory=dict)  # row -> a value it cannot use

    def column_values(self) -> dict[str, list[str]]:
        index = {name: self.header.index(name) for name in self.columns}
        return {name: [rec[i] for rec in self.cells] for name, i in index.items()}


def input_columns(loaded: LoadedModel) -> list[str]:
    prep = loaded.preprocessing
    if prep.raw_columns is not None:
        return [c.name for c in prep.raw_columns]
    return list(prep.feature_names)


def predict_raw(loaded: LoadedModel, rows) -> PredictionResult:
    """Predict rows of a table model in the table's own terms (categories as text,
    yes/no, empty cells), encoded and scaled exactly as at training."""
    prep = loaded.preprocessing
    if prep.raw_columns is None:
        return predict_rows(loaded, _numeric_rows(prep.feature_names, rows))
    return _predict_inputs(loaded, transform_raw(prep, rows))


def _numeric_rows(names: list[str], rows) -> np.ndarray:
    """A catalog model's rows given as dicts (or column -> values) -> a numeric array."""
    if isinstance(rows, Mapping):
        try:
            lengths = {len(v) for v in rows.values()} or {0}
        except TypeError:
            raise DataError("give each column as a list of values") from None
        if len(lengths) > 1:
            raise DataError("the columns given for prediction have different lengths")
        rows = [{k: v[i] for k, v in rows.items()} for i in range(lengths.pop())]
    out = np.empty((len(rows), len(names)), dtype=np.float64)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            return np.asarray(rows, dtype=object)  # not dicts: predict_rows checks it
        for j, name in enumerate(names):
            if name not in row:
                raise DataError(f"row {i + 1} has no value for {name!r}, which the model needs")
            try:
                out[i, j] = float(row[name])
            except (TypeError, ValueError):
                raise DataError(
                    f"row {i + 1}, feature {name!r}: {str(row[name])[:40]!r} is not a number"
                ) from None
    return out


def predict_rows(loaded: LoadedModel, rows: np.ndarray) -> PredictionResult:
    """Predict raw rows: the saved scaling is applied, outputs are turned into classes
    with probabilities, or into values in the original units."""
    prep = loaded.preprocessing
    try:
        x = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(
            f"rows must be numbers: {prep.n_features} feature values per row "
            f"({', '.join(prep.feature_names[:8])}{'…' if prep.n_features > 8 else ''})"
        ) from None
    if x.ndim == 1 and x.size == prep.n_features:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != prep.n_features:
        raise DataError(
            f"the model needs {prep.n_features} feature values per row "
            f"({', '.join(prep.feature_names[:8])}{'…' if prep.n_features > 8 else ''}); "
            f"got an array of shape {tuple(x.shape)}"
        )
    if not np.isfinite(x).all():
        r, c = np.argwhere(~np.isfinite(x))[0]
        raise DataError(
            f"row {r + 1}, feature {prep.feature_names[c]!r}: {x[r, c]} is not a finite number"
        )
    return _predict_inputs(loaded, prep.transform(x), raw=x)


def _predict_inputs(
    loaded: LoadedModel, x: np.ndarray, raw: np.ndarray | None = None
) -> PredictionResult:
    """Predictions for rows already encoded and scaled as the model expects (raw: the
    same rows as given, to name a value in a message)."""
    from desktop_app.core.evaluation import predict_prepared

    prep = loaded.preprocessing
    bad = ~np.isfinite(x)
    if bad.any():  # finite as given, but not as the model's 32-bit inputs (1e39, 1e308)
        r, c = np.argwhere(bad)[0]
        value = f"{raw[r, c]:g} " if raw is not None else ""
        raise DataError(
            f"row {r + 1}, feature {prep.feature_names[c]!r}: the value {value}is too large "
            "for the model, whose inputs are 32-bit numbers (at most about 3.4e38 once "
            "scaled); give a value in the range the model was trained on"
        )
    out = predict_prepared(loaded.model, prep.task, x, "cpu")
    if not np.isfinite(out).all():
        r = int(np.argwhere(~np.isfinite(out.reshape(len(out), -1)))[0][0])
        raise DataError(
            f"row {r + 1}: the model's output is not a number for these values (they are "
            "far outside what it was trained on); give values closer to the training data"
        )
    if prep.task == REGRESSION:
        values = out.reshape(-1) * prep.target_scale + prep.target_mean
        return PredictionResult(prep.task, [], values=values)
    probs = class_probabilities(out, prep.task)
    labels = predicted_classes(out, prep.task).astype(np.int64)  # as the test metrics do
    return PredictionResult(prep.task, list(prep.class_names), labels=labels, probabilities=probs)


def read_csv(path: str | Path, feature_names: list[str], numeric: bool = True) -> CsvRows:
    """Read a CSV of rows to predict; the header must name every column the model uses
    (feature_names). numeric: convert those columns to numbers (catalog models; table
    models encode text themselves)."""
    p = Path(path)
    notes: list[str] = []
    if p.suffix.lower() in WORKBOOK_SUFFIXES:
        numbered, where = _workbook_records(p), "row"
    else:
        numbered, where = _text_records(p, notes), "line"
    if not numbered:
        raise FileFormatError(f"{p} is empty; it needs a header row naming the features")
    (_, header), body = numbered[0], numbered[1:]
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1 and h in feature_names})
    if dupes:
        raise FileFormatError(f"{p}: column {dupes[0]!r} appears more than once in the header")
    missing = [f for f in feature_names if f not in header]
    if missing:
        raise FileFormatError(
            f"{p} lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} that the model needs "
            f"(its header has: {', '.join(repr(h) for h in header[:12])}"
            f"{'…' if len(header) > 12 else ''})"
        )
    extra = [h for h in header if h not in feature_names]
    if extra:
        notes.append(
            f"column{'s' if len(extra) > 1 else ''} {', '.join(repr(e) for e in extra[:8])}"
            f"{'…' if len(extra) > 8 else ''} not used by the model (kept in the output)"
        )
    index = [header.index(f) for f in feature_names]
    bad: dict[int, str] = {}
    features = np.empty((len(body), len(feature_names)), dtype=np.float64)
    cells = []
    for r, (line, rec) in enumerate(body):
        if len(rec) != len(header):
            bad[r] = f"{where} {line}: {len(rec)} values, but the header has {len(header)} columns"
            rec = (rec + [""] * len(header))[: len(header)]
        cells.append(rec)
        if not numeric:
            continue
        for j, c in enumerate(index):
            raw = rec[c].strip()
            try:
                v = float(raw)
            except ValueError:
                v = math.nan
            if not math.isfinite(v) and r not in bad:
                shown = _cut(raw) if raw else "an empty value"
                bad[r] = f"{where} {line}, column {feature_names[j]!r}: {shown} is not a number"
            features[r, j] = v if math.isfinite(v) else 0.0
    if not body:
        raise FileFormatError(f"{p} has a header but no rows to predict")
    return CsvRows(
        p,
        header,
        cells,
        features if numeric else None,
        notes,
        list(feature_names),
        [line for line, _ in body],
        bad,
    )


def _workbook_records(p: Path) -> list[tuple[int, list[str]]]:
    """An Excel workbook's first worksheet, as (row number, cells) like a CSV's records."""
    from desktop_app.core.tabular.excel import workbook_rows

    if not p.is_file():
        raise FileFormatError(f"workbook {p} does not exist")
    try:
        return workbook_rows(p)
    except DataError as exc:
        raise FileFormatError(str(exc)) from None


def _text_records(p: Path, notes: list[str]) -> list[tuple[int, list[str]]]:
    """A CSV's non-blank records with their line numbers (delimiter and encoding found)."""
    try:
        if p.is_dir():
            raise FileFormatError(f"{p} is a folder, not a CSV file")
        if p.stat().st_size > MAX_CSV_BYTES:
            raise FileFormatError(f"{p} is too large to predict in one go (over 2 GB)")
        data = p.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"CSV file {p} does not exist") from None
    except OSError as exc:
        raise FileFormatError(f"cannot read {p}: {exc.strerror or exc}") from None
    if b"\0" in data[:65536]:
        raise FileFormatError(f"{p} is not a text CSV file (it holds binary data)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if encoding != "utf-8-sig":
        notes.append(f"the file is not UTF-8; read it as {encoding}")
    lines = io.StringIO(text, newline="").readlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        return []
    seps = ",;\t|"
    delimiter = max(seps, key=first.count) if any(d in first for d in seps) else ","
    if first.count(delimiter) >= MAX_COLUMNS:  # before parsing: a 50 MB line of fields
        raise FileFormatError(too_many_columns(p, first.count(delimiter) + 1, "its header"))
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise FileFormatError(f"{p} is not a readable CSV file ({exc})") from None
    return [(i + 1, r) for i, r in enumerate(records) if any(c.strip() for c in r)]


def predict_csv(loaded: LoadedModel, path: str | Path) -> tuple[CsvRows, PredictionResult]:
    """Predict every row of a CSV file (a table model reads its own column kinds). An
    empty cell takes the fill training used; a row with a value the model cannot use
    (or an empty cell training had no fill for) is not predicted: result.skipped names
    it by line, and a note counts them. Only a file with no usable row is refused."""
    prep = loaded.preprocessing
    table = prep.raw_columns is not None
    rows = read_csv(path, input_columns(loaded), numeric=not table)
    bad = dict(rows.bad)
    if table:
        from desktop_app.core.tabular.raw_rows import encode_raw

        found: dict[int, str] = {}
        x = encode_raw(prep, rows.column_values(), found)
        for i, message in found.items():  # "row N: ..." -> the file's own line number
            bad.setdefault(i, re.sub(r"^row \d+", f"line {rows.lines[i]}", message))
    else:
        x = rows.features
    if len(bad) == len(rows.cells):
        first = bad[min(bad)]
        raise FileFormatError(f"{rows.path}: no row can be predicted; the first: {first}")
    good = np.setdiff1d(np.arange(len(rows.cells)), np.fromiter(bad, np.int64, len(bad)))
    try:
        part = (
            _predict_inputs(loaded, prep.transform(x[good]))
            if table
            else predict_rows(loaded, x[good])
        )
    except DataError as exc:  # "row N: ..." of the good rows -> the file's line number
        message = re.sub(
            r"^row (\d+)",
            lambda m: f"line {rows.lines[good[min(int(m.group(1)), len(good)) - 1]]}",
            str(exc),
        )
        raise FileFormatError(f"{rows.path}, {message}") from None
    result = _spread(part, good, len(rows.cells))
    result.skipped = bad
    if bad:
        shown = "; ".join(bad[i] for i in sorted(bad)[:3])
        more = f"; and {len(bad) - 3:,} more" if len(bad) > 3 else ""
        rows.notes.append(f"{len(bad):,} row(s) not predicted ({shown}{more})")
    return rows, result


def _spread(part: PredictionResult, good: np.ndarray, n: int) -> PredictionResult:
    """A result for n rows from the one for rows `good` (the others: zeros, skipped)."""
    out = PredictionResult(part.task, part.class_names)
    if part.values is not None:
        out.values = np.zeros(n, dtype=part.values.dtype)
        out.values[good] = part.values
    if part.labels is not None:
        out.labels = np.zeros(n, dtype=part.labels.dtype)
        out.labels[good] = part.labels
    if part.probabilities is not None:
        out.probabilities = np.zeros((n, part.probabilities.shape[1]), part.probabilities.dtype)
        out.probabilities[good] = part.probabilities
    return out


def _cut(v: str) -> str:
    return repr(v) if len(v) <= 40 else repr(v[:40]) + "…"


def write_predictions_csv(path: str | Path, rows: CsvRows, result: PredictionResult) -> None:
    """The input columns, then the prediction (and class probabilities)."""
    from desktop_app.core.persistence.atomic import write_text_atomic

    taken = set(rows.header)
    extra = []
    for name in result.columns():
        while name in taken:  # never shadow an input column of the same name
            name = f"odyssey {name}"
        taken.add(name)
        extra.append(name)
    if result.skipped:
        extra.append("odyssey problem" if "problem" in taken else "problem")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(spreadsheet_safe([*rows.header, *extra]))
    for i, rec in enumerate(rows.cells):
        problem = [result.skipped.get(i, "")] if result.skipped else []
        w.writerow(spreadsheet_safe([*rec, *result.row(i), *problem]))
    write_text_atomic(path, buf.getvalue())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run as a formula (=, +, @, a tab or carriage return,
    or - not starting a number) get a leading single quote, as OWASP advises against
    CSV injection; numbers such as -1.5 stay numbers."""
    out = []
    for c in cells:
        if c.startswith(_FORMULA_START) and not (c[0] in "+-" and _is_number(c)):
            c = "'" + c
        out.append(c)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _num(v: float) -> str:
    return repr(float(v))
