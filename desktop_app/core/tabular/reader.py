"""Reading for core.tabular: preview a file, and read the columns a table spec uses,
block by block, with progress and cancel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from desktop_app.core.errors import DataError
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular.columns import RawTable, take_header
from desktop_app.core.tabular.csv_chunks import first_rows, read_text_table
from desktop_app.core.tabular.detect import (
    ARROW_SUFFIXES,
    FEATURE_KINDS,
    MAX_CATEGORIES,
    SAMPLE_BYTES,
    WORKBOOK_SUFFIXES,
    Cancel,
    Progress,
    Request,
    scan,
)
from desktop_app.core.tabular.files import (
    check_file,
    check_not_binary,
    check_ragged,
    delimiter_name,
    open_binary,
)
from desktop_app.core.tabular.preview import TablePreview, make_preview, unknown_column


def preview_table(
    path: str | Path,
    max_rows: int = 200,
    delimiter: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
    column_types: Mapping[str, str] | None = None,
) -> TablePreview:
    """What the import dialog shows: reads at most the first megabyte of the file (of a
    workbook: the first rows of its first worksheet)."""
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from desktop_app.core.tabular.excel import preview_workbook

        return preview_workbook(path, max_rows, header, column_types)
    if path.suffix.lower() in ARROW_SUFFIXES:
        from desktop_app.core.tabular.arrow_files import preview_arrow

        return preview_arrow(path, max_rows, column_types)
    size, sample = _sample(path)
    complete = len(sample) == size
    dialect, lines, rows, row_lines = first_rows(
        path, sample, complete, delimiter, encoding, header
    )
    names, rows, row_lines = take_header(path, rows, row_lines, dialect.header)
    check_ragged(path, rows, row_lines, len(names), dialect.delimiter)
    if complete:
        estimated = len(rows)
    else:
        used = sum(len(line.encode(dialect.encoding, "replace")) for line in lines)
        estimated = int(size / max(used, 1) * max(len(rows), 1))
    return make_preview(
        path,
        names,
        rows,
        column_types,
        max_rows,
        delimiter=dialect.delimiter,
        encoding=dialect.encoding,
        encoding_note=dialect.encoding_note,
        header=dialect.header,
        size_bytes=size,
        complete=complete,
        estimated_rows=estimated,
    )


def load_table(
    spec: TableSpec,
    base_dir: str | Path | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
    accept_changed: bool = False,
) -> RawTable:
    """Read the target and feature columns of spec's file (see the module docstring)."""
    path = spec.resolved(base_dir)
    overrides = dict(spec.column_types)
    request = Request(
        lambda names, infos, d: _choose_columns(path, spec, names, infos, d),
        overrides,
        spec.target,
        None if accept_changed else spec.sha256,
        progress,
        cancel,
        spec.delimiter,
        spec.encoding,
        spec.header,
    )
    raw = _read(path, request)
    raw.spec = spec.model_copy(
        update={
            "delimiter": raw.spec.delimiter,
            "encoding": raw.spec.encoding,
            "header": raw.spec.header,
            "sha256": raw.spec.sha256,
        }
    )
    return raw


def read_rows_for_prediction(
    path: str | Path,
    prep: Preprocessing,
    delimiter: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> RawTable:
    """The raw feature columns a table model needs, from a file laid out like its
    training table (other columns, the target included, may be there or not)."""
    if prep.raw_columns is None:
        raise DataError(
            "this model was not trained on an imported table, so it takes numeric rows "
            f"of its {prep.n_features} features, not raw table rows"
        )
    path = Path(path)
    wanted = [c.name for c in prep.raw_columns]
    kinds = {c.name: c.kind for c in prep.raw_columns}

    def choose(names, _infos, _delimiter):
        for name in wanted:
            if name not in names:
                raise DataError(
                    unknown_column(path, name, names, "column the model needs")
                    + " A prediction file needs the same column names as the training table."
                )
        return wanted

    raw = _read(
        path, Request(choose, kinds, None, None, progress, cancel, delimiter, encoding, header)
    )
    raw.spec = None
    return raw


def file_sha256(path: str | Path, cancel: Cancel = None) -> str:
    """The hex SHA-256 of a file's bytes, read a megabyte at a time."""
    path = Path(path)
    check_file(path)
    digest, _, _ = scan(path, False, None, cancel)
    return digest


# ---------------------------------------------------------------------------- reading
def _read(path: Path, request: Request) -> RawTable:
    """Hash the file (and judge its encoding on every byte), detect kinds on its first
    rows (the preview's), then read the used columns a chunk of rows at a time with
    pandas' C parser. A workbook: see core.tabular.excel."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from desktop_app.core.tabular.excel import read_workbook

        return read_workbook(path, request)
    if path.suffix.lower() in ARROW_SUFFIXES:
        from desktop_app.core.tabular.arrow_files import read_arrow

        return read_arrow(path, request)
    size, sample = _sample(path)
    report = _monotonic(request.progress)
    table, digest = read_text_table(path, size, sample, replace(request, progress=report))
    raw = table.finish(digest)
    if report is not None:
        report(1.0)
    return raw


def _sample(path: Path) -> tuple[int, bytes]:
    """The file's size and its first SAMPLE_BYTES, refused if it is not text."""
    size = check_file(path)
    with open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    check_not_binary(path, sample)
    return size, sample


def _monotonic(report: Progress) -> Progress:
    """Progress that never goes back (a second read, as cp1252, starts over)."""
    if report is None:
        return None
    last = [0.0]

    def wrapped(f: float) -> None:
        last[0] = max(last[0], f)
        report(last[0])

    return wrapped


def _choose_columns(path: Path, spec: TableSpec, names, infos, delimiter: str) -> list[str]:
    for name in spec.column_types:
        if name not in names:
            raise DataError(unknown_column(path, name, names, "column (in column types)"))
    if spec.target not in names:
        raise DataError(unknown_column(path, spec.target, names, "target column"))
    if spec.features is not None:
        for name in spec.features:
            if name not in names:
                raise DataError(unknown_column(path, name, names, "feature column"))
            info = infos[name]
            if info.kind == "empty":
                raise DataError(
                    f"{path}: feature column {name!r} has no values in its first rows; "
                    "leave it out of the features"
                )
            if info.kind == "text":
                raise DataError(
                    f"{path}: feature column {name!r} holds free text or identifiers "
                    f"({info.n_distinct:,} distinct values in the first rows), which cannot "
                    "be used as inputs; leave it out, or mark it categorical if its values "
                    "really are a set of categories"
                )
        return list(spec.features)
    feats = [n for n in names if n != spec.target and infos[n].kind in FEATURE_KINDS]
    if not feats:
        others = [f"{n[:40]} ({infos[n].kind})" for n in names if n != spec.target][:20]
        raise DataError(
            f"{path} has no usable feature columns besides the target {spec.target!r}"
            + (f" (the others: {', '.join(others[:10])})" if others else "")
            + ". Inputs must hold numbers, yes/no values or a few categories (at most "
            f"{MAX_CATEGORIES}). Check "
            + (f"the detected delimiter ({delimiter_name(delimiter)}) and " if delimiter else "")
            + "the column types."
        )
    return feats
