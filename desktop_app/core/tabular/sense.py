"""Data sense for an imported table: what a careful colleague would say before training.

``assess(preview, target, missing="drop", features=None) -> Sense`` looks at the
preview's first rows (at most SAMPLE_ROWS; pure numpy, about 50 ms for 50 columns, so
the import dialog runs it when the target, a type or the missing-value choice changes)
and finds:

- leak: a column that alone predicts the target almost perfectly (a copy of it under
  another name, a near-perfect proxy), judged on held-out rows: per-value purity of the
  column's values (numbers in 32 quantile bins, about a depth-5 tree on that column),
  fitted on every other row and scored as balanced accuracy on the rest; for a numeric
  target, |correlation| (Pearson or rank). Left out by default.
- identifier: values unique per row that are integers counting up (1, 2, 3, ...), or
  named like an id; text unique per row. Left out by default.
- empty: a column over half empty. Left out by default instead of dropping the rows
  it leaves empty (the default missing policy drops rows with gaps).
- drops: the chosen columns would still drop more than a tenth of the rows: said so,
  with fill as the fix.
- imbalance: the rarest class under a fifth of the commonest: shown, with loss
  weighting by class (train.class_weight = "balanced") as the fix.

The defaults only apply when the user has not chosen features; every finding names its
fix (keep the column, fill instead, weight the loss), which callers word for their
interface (a button in the dialog, a flag on the command line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.tabular.detect import MISSING_ARRAY

LEAK_SCORE = 0.98  # balanced accuracy of one column alone (classification)
LEAK_CORRELATION = 0.995  # |correlation| of one column with a numeric target
EMPTY_SHARE = 0.5
DROP_SHARE = 0.1
IMBALANCE = 0.2  # rarest / commonest class
MIN_ROWS = 20  # fewer sample rows: no judgment
SAMPLE_ROWS = 2000  # rows judged (of the preview's up to 5,000): ~50 ms for 50 columns
_BINS = 32
_ID_NAME = re.compile(r"(^|[_\W])(id|ids|index|idx|key|uuid|guid|row|rownum|record)$", re.I)


@dataclass(frozen=True)
class Finding:
    kind: str  # leak, identifier, empty, drops, imbalance
    column: str | None
    text: str  # what was found and why it matters, for the person at the keyboard
    leave_out: bool = False  # the default leaves the column out


@dataclass
class Sense:
    findings: list[Finding] = field(default_factory=list)

    @property
    def left_out(self) -> list[str]:
        return [f.column for f in self.findings if f.leave_out and f.column]

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


def assess(preview, target: str, missing: str = "drop", features=None) -> Sense:
    """Findings on the preview's sample for this target (see the module docstring).
    features: the user's choice (None: the default, which leaves flagged columns out)."""
    sense = Sense()
    cols = {c.name: c for c in preview.columns}
    if target not in cols:
        return sense
    values = {n: _clean(preview.values(n)[:SAMPLE_ROWS]) for n in cols}
    n = len(values[target])
    if n < MIN_ROWS:
        return sense
    y, classes = _target(values[target], cols[target].kind)
    candidates = [c for c in preview.column_names if c != target and cols[c].usable]
    if features is not None:
        candidates = [c for c in candidates if c in features]
    for name in candidates:
        finding = _identifier(name, values[name], cols[name].kind, n)
        if finding is None:
            finding = _empty(name, values[name], n)
        if finding is None and y is not None:
            finding = _leak(name, values[name], cols[name].kind, target, y, classes)
        if finding is not None:
            sense.findings.append(finding)
    for name in preview.column_names:
        if name != target and cols[name].kind == "text" and name not in candidates:
            v = values[name]
            present = v[v != ""]
            if len(present) == n and len(np.unique(present)) == n:
                sense.findings.append(
                    Finding("identifier", name, f"{name!r} is unique per row (an identifier)")
                )
    if candidates and set(candidates) <= set(sense.left_out):  # nothing left to learn from
        sense.findings = [
            Finding(f.kind, f.column, f.text + "; kept: no other column to learn from")
            if f.leave_out
            else f
            for f in sense.findings
        ]
    left = set(sense.left_out) if features is None else set()
    kept = [c for c in candidates if c not in left]
    if missing == "drop":
        finding = drops(preview, kept, values)
        if finding is not None:
            sense.findings.append(finding)
    if classes is not None and len(classes) >= 2:
        counts = np.bincount(y[y >= 0], minlength=len(classes))
        if counts.min() < IMBALANCE * counts.max():
            order = np.argsort(-counts)
            shown = ", ".join(f"{classes[i]} {counts[i] / n:.0%}" for i in order[:6])
            sense.findings.append(
                Finding(
                    "imbalance",
                    target,
                    f"the classes of {target!r} are imbalanced ({shown}); a network can "
                    "score well by predicting the common class: weight the loss by class",
                )
            )
    return sense


def drops(preview, features, cleaned=None) -> Finding | None:
    """The note when dropping rows with gaps in these columns would lose more than a
    tenth of the preview's first rows (cleaned: their values, when already at hand)."""
    features = list(features)
    if not features:
        return None
    gaps = None
    for name in features:
        v = cleaned[name] if cleaned else _clean(preview.values(name)[:SAMPLE_ROWS])
        g = v == ""
        gaps = g if gaps is None else gaps | g
    share = float(gaps.mean()) if len(gaps) else 0.0
    if share <= DROP_SHARE:
        return None
    return Finding(
        "drops",
        None,
        f"dropping rows with empty cells would drop {share:.0%} of the rows (in the first "
        f"{len(gaps):,}); fill the gaps instead (median or most frequent)",
    )


def _clean(vals) -> np.ndarray:
    arr = np.strings.strip(np.asarray(list(vals), dtype=str))
    return np.where(np.isin(arr, MISSING_ARRAY), "", arr)


def _numbers(v: np.ndarray) -> np.ndarray | None:
    try:
        return np.where(v == "", "nan", v).astype(np.float64)
    except ValueError:
        return None


def _target(v: np.ndarray, kind: str):
    """Class codes and names for a classification target, else (None, None) with the
    values for a numeric one kept in the codes' place."""
    nums = _numbers(v) if kind == "numeric" else None
    if nums is not None:
        uniq = np.unique(nums[np.isfinite(nums)])
        few = len(uniq) <= 20 and np.all(np.mod(uniq, 1) == 0)
        if not few:
            return nums, None
        whole = np.where(np.isfinite(nums), nums, 0).astype(np.int64).astype(str)
        v = np.where(np.isfinite(nums), whole, "")
    present = v != ""
    classes, codes = np.unique(v[present], return_inverse=True)
    y = np.full(len(v), -1, dtype=np.int64)
    y[present] = codes
    return y, [str(c) for c in classes]


def _identifier(name, v, kind, n) -> Finding | None:
    present = v[v != ""]
    if len(present) < n or len(np.unique(present)) < n:
        return None
    nums = _numbers(present) if kind == "numeric" else None
    if nums is not None and np.all(np.mod(nums, 1) == 0):
        counting = nums.max() - nums.min() + 1 == n
        if counting or _ID_NAME.search(name):
            why = "whole numbers counting up, one per row" if counting else "unique per row"
            return Finding(
                "identifier", name, f"{name!r} looks like an identifier ({why})", leave_out=True
            )
        return None
    if kind == "categorical":
        return Finding(
            "identifier", name, f"{name!r} looks like an identifier (unique per row)", True
        )
    return None


def _empty(name, v, n) -> Finding | None:
    share = float((v == "").mean())
    if share <= EMPTY_SHARE:
        return None
    return Finding(
        "empty",
        name,
        f"{name!r} is {share:.0%} empty (as a feature, rows with gaps would be dropped "
        "or filled with a guess)",
        leave_out=True,
    )


def _leak(name, v, kind, target, y, classes) -> Finding | None:
    if classes is None:  # a numeric target: how closely the column follows it
        x = _numbers(v) if kind != "categorical" else None
        if x is None:
            return None
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < MIN_ROWS or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            return None
        r = max(
            abs(np.corrcoef(x[ok], y[ok])[0, 1]),
            abs(np.corrcoef(_ranks(x[ok]), _ranks(y[ok]))[0, 1]),
        )
        if r < LEAK_CORRELATION:
            return None
        return Finding(
            "leak",
            name,
            f"{name!r} alone follows the target {target!r} almost exactly (correlation "
            f"{r:.3f}): likely a copy of it or a value known only afterwards (leakage)",
            leave_out=True,
        )
    keys = _keys(v, kind)
    ok = (y >= 0) & (keys >= 0)
    if ok.sum() < MIN_ROWS:
        return None
    keys, yy = keys[ok], y[ok]
    fit = np.arange(len(yy)) % 2 == 0
    score = _purity_score(keys, yy, fit, len(classes))
    if score < LEAK_SCORE:
        return None
    return Finding(
        "leak",
        name,
        f"{name!r} alone predicts the target {target!r} {score:.0%} right (balanced "
        "accuracy on held-out rows): likely a copy of it or a value known only afterwards "
        "(leakage)",
        leave_out=True,
    )


def _keys(v: np.ndarray, kind: str) -> np.ndarray:
    """The column as small integer keys (-1: empty): numbers in quantile bins."""
    nums = _numbers(v) if kind == "numeric" else None
    if nums is not None:
        ok = np.isfinite(nums)
        keys = np.full(len(v), -1, dtype=np.int64)
        if ok.any():
            edges = np.unique(np.quantile(nums[ok], np.linspace(0, 1, _BINS + 1)[1:-1]))
            keys[ok] = np.searchsorted(edges, nums[ok], side="right")
        return keys
    present = v != ""
    _, codes = np.unique(
        np.char.lower(v[present]) if kind == "boolean" else v[present], return_inverse=True
    )
    keys = np.full(len(v), -1, dtype=np.int64)
    keys[present] = codes
    return keys


def _purity_score(keys, y, fit, n_classes) -> float:
    """Balanced accuracy on the rows not in fit of predicting, for each key, the class
    most common with it in fit (an unseen key: the commonest class)."""
    k = int(keys.max()) + 1
    table = np.zeros((k, n_classes), dtype=np.int64)
    np.add.at(table, (keys[fit], y[fit]), 1)
    common = np.bincount(y[fit], minlength=n_classes).argmax()
    guess = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), common)
    pred, truth = guess[keys[~fit]], y[~fit]
    recalls = [np.mean(pred[truth == c] == c) for c in range(n_classes) if np.any(truth == c)]
    return float(np.mean(recalls)) if len(recalls) > 1 else 0.0


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x)).astype(np.float64)
