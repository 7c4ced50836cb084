"""A table file's first rows as the import dialog shows them: TablePreview (the
columns with their detected kinds, the task a target implies, the TableSpec the choices
make) and make_preview, shared by the CSV and Excel readers."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import detect
from desktop_app.core.tabular.detect import (
    MISSING,
    ColumnInfo,
    all_int,
    detect_kind,
    is_number,
    task_for,
)
from desktop_app.core.tabular.files import shown_names, target_missing_message


@dataclass
class TablePreview:
    path: Path
    header: bool
    columns: list[ColumnInfo]
    rows: list[list[str]]  # the first rows, as strings
    size_bytes: int
    sampled_rows: int  # rows the kinds were detected on
    complete: bool  # the sample is the whole file
    estimated_rows: int
    delimiter: str = ""  # a workbook or an Arrow file has no delimiter or encoding
    encoding: str = ""
    encoding_note: str = ""
    sheet: str = ""  # a workbook: the worksheet read (the first)
    sheets: list[str] = field(default_factory=list)  # a workbook: all its worksheets
    _values: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def values(self, name: str) -> list[str]:
        """A column's cells in the rows kinds were detected on (strings)."""
        return self._values[name]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnInfo:
        for c in self.columns:
            if c.name == name:
                return c
        raise DataError(unknown_column(self.path, name, self.column_names, "column"))

    @property
    def default_target(self) -> str | None:
        """The last usable column: where most tables keep what they describe."""
        usable = [c.name for c in self.columns if c.usable]
        return usable[-1] if usable else None

    def infer_task(self, target: str) -> str:
        """binary, multiclass or regression for this target (from the sample); DataError
        when the sample already shows it cannot be a target."""
        col = self.column(target)
        values = [v.strip() for v in self._values[target]]
        missing = [i for i, v in enumerate(values) if v in MISSING]
        if missing:
            raise DataError(target_missing_message(self.path, target, len(missing), []))
        present = values
        if col.kind == "numeric":
            try:
                nums = np.array(present, dtype=np.float64)
            except ValueError:
                raise DataError(
                    f"{self.path}: target column {target!r} is marked numeric but holds text "
                    f"(e.g. {next(v for v in present if not is_number(v))!r}); mark it "
                    "categorical, or fix those values"
                ) from None
            uniq = np.unique(nums)
            n_uniq, n = len(uniq), len(nums)
            return task_for(self.path, target, "auto", n_uniq, True, all_int(uniq), n)
        return task_for(self.path, target, "auto", len(set(present)), False, False, len(present))

    def make_spec(
        self,
        target: str,
        features: list[str] | None = None,
        task: str = "auto",
        missing: str = "drop",
        column_types: dict[str, str] | None = None,
    ) -> TableSpec:
        """A TableSpec with the detected delimiter, encoding and header recorded."""
        self.column(target)
        for f in features or []:
            self.column(f)
        return TableSpec(
            path=str(self.path.absolute()),
            delimiter=self.delimiter or None,
            encoding=self.encoding or None,
            header=self.header,
            target=target,
            features=features,
            column_types=column_types or {},
            task=task,
            missing=missing,
        )


def make_preview(path, names, rows, column_types, max_rows, **fields) -> TablePreview:
    """The preview of rows (strings) under names: kinds detected on the first rows."""
    sample = rows[: detect.DETECT_ROWS]
    cols = list(zip(*sample)) if sample else [() for _ in names]
    infos, values = [], {}
    for name, col in zip(names, cols):
        kind, n_missing, n_distinct = detect_kind(col)
        if column_types and name in column_types:
            kind = column_types[name]
        examples = list(dict.fromkeys(v.strip() for v in col if v.strip() not in MISSING))[:5]
        infos.append(ColumnInfo(name, kind, n_missing, n_distinct, examples))
        values[name] = list(col)
    return TablePreview(
        path=path,
        columns=infos,
        rows=[list(r) for r in rows[:max_rows]],
        sampled_rows=len(sample),
        _values=values,
        **fields,
    )


def unknown_column(path, name: str, names: list[str], what: str) -> str:
    shown = shown_names(names)
    if len(names) < 2:
        return f"{path} has no {what} {name!r}; it has {shown}"
    close = difflib.get_close_matches(name, names, n=1) or [
        n for n in names if n.lower() == name.lower()
    ]
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{path} has no {what} {name!r}; its columns are {shown}.{hint}"
