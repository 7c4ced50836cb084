"""Reading for core.tabular: preview a file, and read the columns a table spec uses,
block by block, with progress and cancel."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Mapping
from pathlib import Path

from desktop_app.core.errors import DataError
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.tabular import columns, detect
from desktop_app.core.tabular.columns import (
    Columns,
    RawTable,
    check_ragged,
)
from desktop_app.core.tabular.detect import (
    DELIMITER_NAMES,
    FEATURE_KINDS,
    MAX_CATEGORIES,
    SAMPLE_BYTES,
    WORKBOOK_SUFFIXES,
    Cancel,
    Cancelled,
    ColumnInfo,
    Dialect,
    Progress,
    TableChangedError,
    check_file,
    check_not_binary,
    column_names,
    decode_error_in_file,
    empty_file_message,
    header_only_message,
    open_binary,
    scaled_progress,
    scan,
    sniff,
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
    size = check_file(path)
    with open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    complete = len(sample) == size
    check_not_binary(path, sample)
    dialect, lines = sniff(path, sample, complete, delimiter, encoding, header)
    rows, row_lines = _parse_lines(path, lines, dialect.delimiter, 1)
    names, rows, row_lines = _take_header(path, rows, row_lines, dialect.header)
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
    raw = _read(
        path,
        delimiter=spec.delimiter,
        encoding=spec.encoding,
        header=spec.header,
        choose=lambda names, infos, d: _choose_columns(path, spec, names, infos, d),
        overrides=overrides,
        target=spec.target,
        expect_hash=spec.sha256,
        accept_changed=accept_changed,
        progress=progress,
        cancel=cancel,
    )
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
        path,
        delimiter=delimiter,
        encoding=encoding,
        header=header,
        choose=choose,
        overrides=kinds,
        target=None,
        expect_hash=None,
        accept_changed=True,
        progress=progress,
        cancel=cancel,
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
def _read(
    path: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    header: bool | None,
    choose: Callable[[list[str], dict[str, ColumnInfo], str], list[str]],
    overrides: Mapping[str, str],
    target: str | None,
    expect_hash: str | None,
    accept_changed: bool,
    progress: Progress,
    cancel: Cancel,
) -> RawTable:
    """Hash the file (and judge its encoding on every byte), then parse it a block of
    lines at a time: the first block with the csv module (kinds are detected on it),
    the others with numpy's C parser when they hold no quotes. A workbook: see
    core.tabular.excel."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from desktop_app.core.tabular.excel import read_workbook

        return read_workbook(
            path,
            header=header,
            choose=choose,
            overrides=overrides,
            target=target,
            expect_hash=expect_hash,
            accept_changed=accept_changed,
            progress=progress,
            cancel=cancel,
        )
    size = check_file(path)
    with open_binary(path) as f:
        sample = f.read(SAMPLE_BYTES)
    check_not_binary(path, sample)
    digest, found, note = scan(path, encoding is None, scaled_progress(progress, 0.0, 0.1), cancel)
    if expect_hash and digest != expect_hash and not accept_changed:
        raise TableChangedError(path, expect_hash, digest)
    encoding = encoding or found
    dialect, _ = sniff(path, sample, len(sample) == size, delimiter, encoding, header)
    dialect = Dialect(dialect.delimiter, encoding, dialect.header, note)
    report = scaled_progress(progress, 0.1, 1.0)
    table = Columns(path, dialect, choose, overrides, target)
    if note:
        table.notes.append(f"{path.name}: {note}")
    d = dialect.delimiter
    with open_binary(path, buffering=0) as fio:
        text = io.TextIOWrapper(io.BufferedReader(fio, 1 << 20), encoding=encoding)
        line_no = 0
        while True:
            if cancel is not None and cancel():
                raise Cancelled(path)
            try:
                # The first block (read as strings, to detect kinds) is kept small.
                count = detect.DETECT_ROWS + 1 if table.names is None else columns.CHUNK_LINES
                lines = list(itertools.islice(text, count))
                if not lines:
                    break
                start = line_no + 1
                quoted = '"' in "".join(lines)
                fast = None
                if table.names is None:
                    rows, row_lines, consumed = _csv_rows(path, lines, text, d, start)
                    chars = sum(map(len, lines[:consumed]))
                    rows, row_lines = table.start(rows, row_lines, size * consumed / max(chars, 1))
                    if not quoted:
                        skip = row_lines[0] - start  # the header (and blank lines)
                        fast = table.parse_fast(lines[skip:], start + skip)
                else:
                    fast = None if quoted else table.parse_fast(lines, start)
                    if fast is None:
                        rows, row_lines, consumed = _csv_rows(path, lines, text, d, start)
                if fast is None:
                    table.add_rows(rows, row_lines)
                    line_no += consumed
                else:
                    table.add_arrays(*fast)
                    line_no += len(lines)
            except UnicodeDecodeError:
                raise DataError(decode_error_in_file(path, encoding)) from None
            except OSError as exc:
                raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
            if report is not None:
                report(min(fio.tell() / size, 1.0))
    raw = table.finish(digest)
    if report is not None:
        report(1.0)
    return raw


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
        others = [f"{n} ({infos[n].kind})" for n in names if n != spec.target]
        raise DataError(
            f"{path} has no usable feature columns besides the target {spec.target!r}"
            + (f" (the others: {', '.join(others[:10])})" if others else "")
            + ". Inputs must hold numbers, yes/no values or a few categories (at most "
            f"{MAX_CATEGORIES}). Check "
            + (
                f"the detected delimiter ({DELIMITER_NAMES.get(delimiter, repr(delimiter))}) and "
                if delimiter
                else ""
            )
            + "the column types."
        )
    return feats


def _parse_lines(path, lines, d, start):
    rows, row_lines, _ = _csv_rows(path, lines, iter(()), d, start)
    return rows, row_lines


def _take_header(path, rows, row_lines, header: bool):
    if not rows:
        raise DataError(empty_file_message(path))
    if header:
        names = column_names(rows[0])
        rows, row_lines = rows[1:], row_lines[1:]
        if not rows:
            raise DataError(header_only_message(path, names))
    else:
        names = [f"column{j + 1}" for j in range(len(rows[0]))]
    return names, rows, row_lines


def _csv_rows(path, lines, text, d, start):
    """Rows of a block with the csv module; a quoted field may run on into the lines
    after the block (they are pulled from `text`). Returns rows, their first lines and
    how many lines were consumed."""
    source = itertools.chain(lines, text)
    reader = csv.reader(source, delimiter=d)
    rows, row_lines = [], []
    prev = 0
    try:
        while reader.line_num < len(lines):
            try:
                row = next(reader)
            except StopIteration:
                break
            first_line = start + prev
            prev = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            rows.append(row)
            row_lines.append(first_line)
    except csv.Error as exc:
        raise DataError(
            f"{path}: line {start + reader.line_num - 1} cannot be read as "
            f"{DELIMITER_NAMES.get(d, repr(d))}-separated values ({exc}); check its quotes"
        ) from None
    return rows, row_lines, reader.line_num
