"""The data section of a generated script for a project on the user's own table: read
the CSV with the csv module, encode its columns as Odyssey does (numbers, yes/no as 1/0,
one input per category), drop or fill gaps (fills fitted on the training rows).

What Odyssey detected when it read the table (delimiter, encoding, header, each column's
kind and categories, the target's classes) is written into the script as constants, so
the script needs no detection of its own and refuses a file that no longer matches.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from desktop_app.core.errors import OdysseyError
from desktop_app.core.tabular.detect import FALSE_WORDS, MISSING, TRUE_WORDS, WORKBOOK_SUFFIXES

TABLE_DATA = Template('''

# -------------------------------------------------------------------------------- data
TABLE_PATH = $path
TABLE_SHA256 = $sha256  # the content Odyssey read; a changed file gives other numbers
DELIMITER, ENCODING, HEADER = $delimiter, $encoding, $header
TARGET, TARGET_INDEX, TARGET_IS_TEXT = $target, $target_index, $target_is_text
CLASS_NAMES = $class_names  # class index = position here (text targets)
MISSING_POLICY = $missing  # drop rows with gaps, or fill: mean, median, most_frequent
# (name, column index in the file, kind, categories) for each feature column.
COLUMNS = $columns
MISSING = set($missing_words)
TRUE_WORDS, FALSE_WORDS = set($true_words), set($false_words)


def read_records():
    import csv
    import hashlib

    with open(TABLE_PATH, "rb") as f:
        if TABLE_SHA256 and hashlib.sha256(f.read()).hexdigest() != TABLE_SHA256:
            print(f"warning: {TABLE_PATH} changed since the export; results will differ")
    with open(TABLE_PATH, encoding=ENCODING, newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=DELIMITER) if any(c.strip() for c in r)]
    return rows[1:] if HEADER else rows


def column_values(rows, index, kind, categories, name):
    """One column -> float32 values (NaN: empty) or category codes (-1: empty)."""
    cells = [r[index].strip() for r in rows]
    if kind == "categorical":
        code = {c: i for i, c in enumerate(categories)}
        unknown = sorted({c for c in cells if c not in MISSING and c not in code})
        if unknown:
            raise SystemExit(f"column {name!r} holds {unknown[0]!r}, unseen at export")
        return np.array([-1 if c in MISSING else code[c] for c in cells], dtype=np.int64)
    if kind == "boolean":
        def yes_no(c):
            if c in MISSING:
                return np.nan
            if c.lower() in TRUE_WORDS or c == "1":
                return 1.0
            if c.lower() in FALSE_WORDS or c == "0":
                return 0.0
            raise SystemExit(f"column {name!r}: {c!r} is not a yes/no value")

        return np.array([yes_no(c) for c in cells], dtype=np.float32)
    return np.array(["nan" if c in MISSING else c for c in cells]).astype(np.float32)


def fit_fill(part, kind, categories):
    """A column's fill value from its training rows (Odyssey's rule)."""
    if kind == "categorical":
        part = part[part >= 0]
        if not len(part):
            return 0
        return int(np.bincount(part, minlength=len(categories)).argmax())
    part = part[~np.isnan(part)]
    if not len(part):
        return 0.0
    if MISSING_POLICY == "mean":
        return float(part.mean(dtype=np.float64))
    if MISSING_POLICY == "median":
        return float(np.median(part))
    values, counts = np.unique(part, return_counts=True)
    return float(values[counts.argmax()])


def load_data():
    """Encoded features, targets, feature names and class names of the table."""
    rows = read_records()
    target = [r[TARGET_INDEX].strip() for r in rows]
    if any(t in MISSING for t in target):
        raise SystemExit(f"target column {TARGET!r} has empty cells; fill them in")
    if TARGET_IS_TEXT:
        index = {c: i for i, c in enumerate(CLASS_NAMES)}
        y = np.array([index[t] for t in target], dtype=np.int64)
    else:
        y = np.array(target).astype(np.float32)
        if TASK != "regression":
            y = np.searchsorted(np.unique(y), y).astype(np.int64)
    cols = [column_values(rows, i, kind, cats, name) for name, i, kind, cats in COLUMNS]
    gaps = np.zeros(len(rows), dtype=bool)
    for (name, i, kind, cats), v in zip(COLUMNS, cols):
        gaps |= (v < 0) if kind == "categorical" else np.isnan(v)
    if MISSING_POLICY == "drop" and gaps.any():
        print(f"dropped {int(gaps.sum()):,} rows with empty feature cells")
        cols, y = [v[~gaps] for v in cols], y[~gaps]
    fills = [None] * len(COLUMNS)
    if MISSING_POLICY != "drop":  # fitted on the training rows only
        train_idx = split_indices(y, TASK != "regression")[0]
        fills = [fit_fill(v[train_idx], kind, cats) for (_, _, kind, cats), v in zip(COLUMNS, cols)]
    parts, names, raw = [], [], []
    for (name, _, kind, cats), v, fill in zip(COLUMNS, cols, fills):
        if kind == "categorical":
            if fill is not None:
                v = np.where(v < 0, fill, v)
            one_hot = np.zeros((len(v), len(cats)), dtype=np.float32)
            ok = v >= 0
            one_hot[np.flatnonzero(ok), v[ok]] = 1.0
            parts.append(one_hot)
            names += [f"{name}={c}" for c in cats]
            fill = None if fill is None else cats[fill]
        else:
            if fill is not None:
                v = np.where(np.isnan(v), np.float32(fill), v)
            parts.append(v.reshape(-1, 1).astype(np.float32))
            names.append(name)
        raw.append({"name": name, "kind": kind, "categories": list(cats), "fill": fill})
    RAW_COLUMNS[:] = raw
    x = np.concatenate(parts, axis=1)
    return x, y, names, list(CLASS_NAMES)


RAW_COLUMNS = []  # what each column became, for the model file (Predict takes raw rows)
''')

TABLE_PREP = """\
    prep["raw"] = {"columns": RAW_COLUMNS, "target": TARGET, "missing": MISSING_POLICY}"""


def table_section(project, data, base_dir=None) -> str:
    """The data section for a loaded table project (project: with its table record
    filled in by load_project_data; data: its PreparedData)."""
    from desktop_app.core.tabular.reader import preview_table

    spec = project.data.table
    path = spec.resolved(base_dir)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        raise OdysseyError(
            f"the training script reads CSV/TSV tables, and {path.name} is an Excel "
            "workbook (data.table.path); save its first worksheet as CSV, import that, "
            "and export the script again"
        )
    pv = preview_table(
        path, max_rows=5, delimiter=spec.delimiter, encoding=spec.encoding, header=spec.header
    )
    names = [c.name for c in pv.columns]
    prep = data.prep
    cols = [
        (rc.name, names.index(rc.name), rc.kind, list(rc.categories)) for rc in prep.raw_columns
    ]
    target_kind = next(c.kind for c in pv.columns if c.name == spec.target)
    encoding = spec.encoding or "utf-8"
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a byte-order mark, if any, is not part of the first name
    return TABLE_DATA.substitute(
        path=repr(str(Path(path).absolute())),
        sha256=repr(spec.sha256),
        delimiter=repr(spec.delimiter or ","),
        encoding=repr(encoding),
        header=repr(bool(spec.header)),
        target=repr(spec.target),
        target_index=names.index(spec.target),
        target_is_text=repr(target_kind != "numeric"),
        class_names=json.dumps(list(prep.class_names), ensure_ascii=False),
        missing=repr(spec.missing),
        columns="[\n" + "".join(f"    {c!r},\n" for c in cols) + "]",
        missing_words=repr(sorted(MISSING)),
        true_words=repr(sorted(TRUE_WORDS)),
        false_words=repr(sorted(FALSE_WORDS)),
    )
