"""The test rows as the user knows them: the input columns in the data's own units (a
table's categories and yes/no values as text), each row's loss, and listings of rows
(the rows behind a confusion-matrix cell, the largest losses) as text for a table view
or a CSV file.

The values come back from the prepared rows (standardisation undone, one-hot blocks
read back as their category), so no file is read again; a value that was empty in the
table shows the fill the model saw.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.prepared import Preprocessing

EPS = 1e-7  # probabilities are clipped here before the log, as in the test metrics


@dataclass
class RawRows:
    """The input columns of the test rows: a float64 array per numeric column, a str
    array per boolean or categorical one."""

    names: list[str]
    values: list[np.ndarray]


def raw_rows(prep: Preprocessing, x: np.ndarray) -> RawRows:
    """Prepared (standardised, encoded) rows back to their input columns."""
    enc = np.asarray(x, dtype=np.float64)
    if prep.mean is not None and prep.scale is not None:
        enc = enc * prep.scale.astype(np.float64) + prep.mean.astype(np.float64)
    if prep.raw_columns is None:
        return RawRows(list(prep.feature_names), [enc[:, j] for j in range(enc.shape[1])])
    names, values, j = [], [], 0
    for rc in prep.raw_columns:
        names.append(rc.name)
        if rc.kind == "categorical":
            block = enc[:, j : j + len(rc.categories)]
            cats = np.array([*rc.categories, ""], dtype=object)  # "": no known category
            best = block.argmax(axis=1) if block.shape[1] else np.zeros(len(enc), np.int64)
            hit = block[np.arange(len(enc)), best] > 0.5 if block.shape[1] else best < 0
            values.append(cats[np.where(hit, best, len(rc.categories))])
            j += len(rc.categories)
        elif rc.kind == "boolean":
            values.append(np.where(enc[:, j] >= 0.5, "true", "false").astype(object))
            j += 1
        else:
            values.append(enc[:, j])
            j += 1
    return RawRows(names, values)


def row_losses(task: str, y_true: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Each row's loss: the cross-entropy of its true class (what classification
    training minimises), or the squared error in the target's units."""
    if task == REGRESSION:
        return (np.asarray(outputs, np.float64) - np.asarray(y_true, np.float64)) ** 2
    y = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p_true = np.asarray(outputs, dtype=np.float64)[np.arange(len(y)), y]
    return -np.log(np.clip(p_true, EPS, 1.0))


def largest(losses: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest losses, largest first (ties: lower index first)."""
    n = max(0, min(int(n), len(losses)))
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-losses, n - 1)[:n] if n < len(losses) else np.arange(len(losses))
    return part[np.lexsort((part, -losses[part]))]


def fmt(values: np.ndarray) -> list[str]:
    """A column of a listing as text: numbers to 6 significant digits (the prepared rows
    are float32, so more digits would show rounding, not data); text as it is."""
    if values.dtype == object:
        return [str(v) for v in values.tolist()]
    return ["" if v != v else f"{v:.6g}" for v in values.astype(np.float64).tolist()]


@dataclass
class Listing:
    """Rows of a listing as text: a header and one list of cells per row."""

    header: list[str]
    rows: list[list[str]]

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.header)
        w.writerows(self.rows)
        return buf.getvalue()


def write_listing_csv(path: str | Path, listing: Listing) -> None:
    from desktop_app.core.persistence.atomic import write_text_atomic

    write_text_atomic(Path(path), listing.csv_text())
