"""Raw rows of a table -> a trained model's inputs, encoded exactly as at training
(core.tabular.prepare recorded how in Preprocessing.raw_columns): numbers and numeric
strings, yes/no words, categories one-hot (an unseen one as all zeros), empty cells
filled as training filled them; a bad cell is reported by row, or, with `bad`, that
row alone is left out."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.prepared import Preprocessing, RawColumn
from desktop_app.core.tabular.columns import RawTable
from desktop_app.core.tabular.detect import FALSE_WORDS, MISSING, TRUE_WORDS


def encode_raw(prep: Preprocessing, rows, bad: dict[int, str] | None = None) -> np.ndarray:
    """Raw table rows -> the model's inputs before standardisation (float32), encoded
    exactly as at training (see the module docstring for what each column accepts).
    bad: when given, a row with a value that cannot be encoded (not a number, an empty
    cell training had no fill for) is recorded there (row index -> message) and
    encoded as zeros instead of failing the whole call."""
    if prep.raw_columns is None:
        raise DataError(
            "this model was not trained on an imported table; it takes numeric rows of its "
            f"{prep.n_features} features ({', '.join(prep.feature_names[:6])}…)"
        )
    if isinstance(rows, RawTable):
        n = rows.n_rows

        def place(i: int) -> str:
            return f"{rows.path}, line {rows.lines[i]}"

        def values(name: str):
            return rows.column(name) if name in rows.slots else None

    elif isinstance(rows, Mapping):
        table = {str(k): list(v) for k, v in rows.items()}
        lengths = {len(v) for v in table.values()}
        if len(lengths) > 1:
            raise DataError("the columns given for prediction have different lengths")
        n = lengths.pop() if lengths else 0

        def place(i: int) -> str:
            return f"row {i + 1}"

        def values(name: str):
            return table.get(name)

    elif isinstance(rows, Sequence) and not isinstance(rows, str | bytes):
        n = len(rows)
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise DataError(
                    f"row {i + 1} is a {type(row).__name__}; give each row as a mapping of "
                    "column name to value"
                )

        def place(i: int) -> str:
            return f"row {i + 1}"

        def values(name: str):
            for i, row in enumerate(rows):
                if name not in row:
                    raise DataError(f"row {i + 1} has no column {name!r}, which the model needs")
            return [row[name] for row in rows]

    else:
        raise DataError(
            f"cannot read rows from a {type(rows).__name__}; give a list of dicts, a mapping "
            "of column name to values, or a table read by read_rows_for_prediction"
        )
    width = sum(len(c.categories) if c.kind == "categorical" else 1 for c in prep.raw_columns)
    if width != prep.n_features:
        raise DataError(
            f"the saved preprocessing is inconsistent: its raw columns give {width} inputs "
            f"but the model has {prep.n_features}; the model file may be damaged"
        )
    out = np.zeros((n, width), dtype=np.float32)
    j = 0
    for rc in prep.raw_columns:
        vals = values(rc.name)
        if vals is None:
            raise DataError(f"the rows have no column {rc.name!r}, which the model needs")
        if rc.kind == "categorical":
            codes = _category_codes(rows, rc, vals)
            gaps = codes == -1
            if gaps.any():
                if rc.fill is None:
                    _gaps_are_bad(gaps, rc, place, bad)
                    codes[gaps] = -2  # all zeros; the row is reported
                else:
                    codes[gaps] = rc.categories.index(str(rc.fill))
            ok = codes >= 0  # -2: a category unseen in training encodes as all zeros
            out[np.flatnonzero(ok), j + codes[ok]] = 1.0
            j += len(rc.categories)
            continue
        if isinstance(rows, RawTable):
            col = np.asarray(vals, dtype=np.float32)
        else:
            col = np.array([_number_or_bad(v, rc, place, i, bad) for i, v in enumerate(vals)])
            col = col.astype(np.float32)
        gaps = np.isnan(col)
        if gaps.any():
            if rc.fill is None:
                _gaps_are_bad(gaps, rc, place, bad)
                col = np.where(gaps, np.float32(0), col)
            else:
                col = np.where(gaps, np.float32(rc.fill), col)
        out[:, j] = col
        j += 1
    return out


def transform_raw(prep: Preprocessing, rows) -> np.ndarray:
    """Model inputs from raw rows of the imported table: a list of dicts (column name
    -> string or number), a mapping of column name -> sequence, or a tabular RawTable.
    Encodes (one-hot, booleans, fills) as at training, then standardises."""
    return prep.transform(encode_raw(prep, rows))


def _category_codes(rows, rc: RawColumn, vals) -> np.ndarray:
    """Indices into rc.categories; -1 for an empty cell, -2 for an unseen category."""
    index = {c: i for i, c in enumerate(rc.categories)}
    if isinstance(rows, RawTable):
        file_cats = rows.categories.get(rc.name, [])
        lut = np.array([index.get(c, -2) for c in file_cats] + [-1], dtype=np.int64)
        return lut[np.asarray(vals, dtype=np.int64)]  # code -1 picks the trailing -1
    codes = np.empty(len(vals), dtype=np.int64)
    for i, v in enumerate(vals):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            codes[i] = -1
            continue
        s = str(v).strip()
        codes[i] = -1 if s in MISSING else index.get(s, -2)
    return codes


def _gaps_are_bad(gaps: np.ndarray, rc: RawColumn, place, bad) -> None:
    if bad is None:
        raise DataError(_gap_at_prediction(place(int(np.flatnonzero(gaps)[0])), rc))
    for i in np.flatnonzero(gaps).tolist():
        bad.setdefault(i, _gap_at_prediction(place(i), rc))


def _number_or_bad(v, rc: RawColumn, place, i: int, bad) -> float:
    if bad is None:
        return _raw_number(v, rc, place, i)
    try:
        return _raw_number(v, rc, place, i)
    except DataError as exc:
        bad.setdefault(i, str(exc))
        return 0.0


def _raw_number(v, rc: RawColumn, place, i: int) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool | np.bool_):
        return 1.0 if v else 0.0
    if isinstance(v, int | float | np.integer | np.floating):
        f = float(v)
    else:
        s = str(v).strip()
        if s in MISSING:
            return math.nan
        if rc.kind == "boolean":
            low = s.lower()
            if low in TRUE_WORDS:
                return 1.0
            if low in FALSE_WORDS:
                return 0.0
        try:
            f = float(s)
        except ValueError:
            need = "yes/no (true/false) value" if rc.kind == "boolean" else "number"
            raise DataError(f"{place(i)}: column {rc.name!r} needs a {need}, got {s!r}") from None
    if rc.kind == "boolean" and f not in (0.0, 1.0) and not math.isnan(f):
        raise DataError(f"{place(i)}: column {rc.name!r} needs a yes/no value, got {v!r}")
    if math.isinf(f):
        raise DataError(f"{place(i)}: column {rc.name!r} is infinite; give a finite number")
    return f


def _gap_at_prediction(where: str, rc: RawColumn) -> str:
    return (
        f"{where}: column {rc.name!r} is empty. The model was trained dropping rows with "
        "empty cells (missing values: drop), so it has no value to use; fill that cell in"
    )
