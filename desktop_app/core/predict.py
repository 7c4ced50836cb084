"""Predictions from a loaded model on raw feature values, typed or read from a CSV.

The saved preprocessing is applied here, so callers pass values in the units of the
original data and get classes (with probabilities) or values in the target's units.

API:
- ``predict_rows(loaded, rows) -> PredictionResult``: rows is an (n, n_features) array
  of raw values in the model's feature order (``loaded.preprocessing.feature_names``).
- ``read_csv(path, feature_names) -> CsvRows``: a CSV whose header names the features,
  in any order; extra columns are kept for the output but not used (a note says so).
- ``predict_csv(loaded, path) -> (CsvRows, PredictionResult)``.
- ``write_predictions_csv(path, rows, result)``: the input columns plus the prediction
  and one probability column per class (atomic write).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from desktop_app.core.catalog import BINARY, REGRESSION
from desktop_app.core.errors import DataError, FileFormatError

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.persistence import LoadedModel

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
        if self.task == REGRESSION:
            return [_num(self.values[i])]
        return [self.names[i], *(_num(p) for p in self.probabilities[i])]


@dataclass
class CsvRows:
    """A CSV's rows: all its columns as text, and the model's features as numbers."""

    path: Path
    header: list[str]
    cells: list[list[str]]
    features: np.ndarray  # (n, n_features) float64, in the model's feature order
    notes: list[str] = field(default_factory=list)


def predict_rows(loaded: LoadedModel, rows: np.ndarray) -> PredictionResult:
    """Predict raw rows: the saved scaling is applied, outputs are turned into classes
    with probabilities, or into values in the original units."""
    from desktop_app.core.engine import predict_prepared

    prep = loaded.preprocessing
    x = np.asarray(rows, dtype=np.float64)
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
    out = predict_prepared(loaded.model, prep.task, prep.transform(x), "cpu")
    if prep.task == REGRESSION:
        values = out.reshape(-1) * prep.target_scale + prep.target_mean
        return PredictionResult(prep.task, [], values=values)
    if prep.task == BINARY:
        p1 = out.reshape(-1)
        probs = np.column_stack([1.0 - p1, p1])
        labels = (p1 >= 0.5).astype(np.int64)  # the rule the test metrics use
    else:
        probs = out.reshape(len(x), -1)
        labels = probs.argmax(axis=1)
    return PredictionResult(prep.task, list(prep.class_names), labels=labels, probabilities=probs)


def read_csv(path: str | Path, feature_names: list[str]) -> CsvRows:
    """Read a CSV of rows to predict; the header must name every feature."""
    p = Path(path)
    try:
        if p.is_dir():
            raise FileFormatError(f"{p} is a folder, not a CSV file")
        if p.stat().st_size > MAX_CSV_BYTES:
            raise FileFormatError(f"{p} is too large to predict in one go (over 2 GB)")
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileFormatError(f"CSV file {p} does not exist") from None
    except UnicodeDecodeError:
        raise FileFormatError(f"{p} is not a text (UTF-8) CSV file") from None
    except OSError as exc:
        raise FileFormatError(f"cannot read {p}: {exc.strerror or exc}") from None
    lines = [ln for ln in io.StringIO(text, newline="")]
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise FileFormatError(f"{p} is empty; it needs a header row naming the features")
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise FileFormatError(f"{p} is not a readable CSV file ({exc})") from None
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(c.strip() for c in r)]
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
    notes = []
    extra = [h for h in header if h not in feature_names]
    if extra:
        notes.append(
            f"column{'s' if len(extra) > 1 else ''} {', '.join(repr(e) for e in extra[:8])}"
            f"{'…' if len(extra) > 8 else ''} not used by the model (kept in the output)"
        )
    index = [header.index(f) for f in feature_names]
    features = np.empty((len(body), len(feature_names)), dtype=np.float64)
    cells = []
    for r, (line, rec) in enumerate(body):
        if len(rec) != len(header):
            raise FileFormatError(
                f"{p}, line {line}: {len(rec)} values, but the header has {len(header)} columns"
            )
        cells.append(rec)
        for j, c in enumerate(index):
            raw = rec[c].strip()
            try:
                v = float(raw)
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                shown = repr(raw) if raw else "an empty value"
                raise FileFormatError(
                    f"{p}, line {line}, column {feature_names[j]!r}: {shown} is not a number"
                )
            features[r, j] = v
    if not body:
        raise FileFormatError(f"{p} has a header but no rows to predict")
    return CsvRows(p, header, cells, features, notes)


def predict_csv(loaded: LoadedModel, path: str | Path) -> tuple[CsvRows, PredictionResult]:
    rows = read_csv(path, loaded.preprocessing.feature_names)
    return rows, predict_rows(loaded, rows.features)


def write_predictions_csv(path: str | Path, rows: CsvRows, result: PredictionResult) -> None:
    """The input columns, then the prediction (and class probabilities)."""
    from desktop_app.core.persistence import write_text_atomic

    taken = set(rows.header)
    extra = []
    for name in result.columns():
        while name in taken:  # never shadow an input column of the same name
            name = f"odyssey {name}"
        taken.add(name)
        extra.append(name)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*rows.header, *extra])
    for i, rec in enumerate(rows.cells):
        w.writerow([*rec, *result.row(i)])
    write_text_atomic(path, buf.getvalue())


def _num(v: float) -> str:
    return repr(float(v))
