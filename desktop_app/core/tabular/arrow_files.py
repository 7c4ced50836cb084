"""Parquet and Feather files for core.tabular, when pyarrow is installed (it is not a core
dependency: it would add about 100 MB to the packaged app; the `cluster` extra brings
it). Without it, opening one says how to install pyarrow or convert the file to CSV.

Their columns carry types, so no delimiter, encoding or header is detected: the first
rows become strings for the same kind detection and preview as a CSV, then the used
columns are read a batch of rows at a time (progress and Cancel per batch) into the
same columns machinery. Messages number rows from 2 (the names count as line 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from desktop_app.core.errors import DataError
from desktop_app.core.tabular import columns, detect
from desktop_app.core.tabular.columns import Columns, RawTable
from desktop_app.core.tabular.detect import (
    Cancelled,
    Dialect,
    Request,
    TableChangedError,
    column_names,
    scan,
)
from desktop_app.core.tabular.files import check_file
from desktop_app.core.tabular.preview import TablePreview, make_preview


def _table_file(path: Path):
    """(column names, number of rows, batches(columns, size)) of a Parquet/Feather file."""
    try:
        import pyarrow.feather as feather
        import pyarrow.parquet as pq
    except ImportError:
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "Feather"
        # The packaged app leaves pyarrow out (160 MiB): there is no pip to install it with.
        install = (
            "the packaged Odyssey leaves it out (160 MiB)"
            if getattr(sys, "frozen", False)
            else "this installation lacks it (pip install pyarrow, about 100 MB)"
        )
        raise DataError(
            f"{path} is a {kind} file; reading it needs pyarrow, and {install}. Convert it "
            "to CSV, e.g. pandas.read_parquet(FILE).to_csv('data.csv', index=False), and "
            "import that."
        ) from None
    try:
        if path.suffix.lower() == ".parquet":
            pf = pq.ParquetFile(path)
            names, n = list(pf.schema_arrow.names), pf.metadata.num_rows

            def batches(cols, size):
                return pf.iter_batches(batch_size=size, columns=cols)

        else:
            table = feather.read_table(path, memory_map=True)
            names, n = list(table.column_names), table.num_rows

            def batches(cols, size):
                return table.select(cols).to_batches(max_chunksize=size)

    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "Feather"
        raise DataError(
            f"{path} is damaged or not really a {kind} file ({type(exc).__name__}), so "
            f"Odyssey does not read it; export the table again, or as CSV, and import that"
        ) from None
    return names, n, batches


def _strings(frame) -> list[list[str]]:
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    return text.to_numpy().tolist()


def preview_arrow(path: Path, max_rows: int = 200, column_types=None) -> TablePreview:
    size = check_file(path)
    names, n, batches = _table_file(path)
    first = next(iter(batches(names, detect.DETECT_ROWS)), None)
    rows = _strings(first.to_pandas()) if first is not None else []
    return make_preview(
        path,
        column_names(names),
        rows,
        column_types,
        max_rows,
        header=True,
        size_bytes=size,
        complete=len(rows) >= n,
        estimated_rows=n,
    )


def read_arrow(path: Path, request: Request) -> RawTable:
    progress, cancel = request.progress, request.cancel
    check_file(path)
    digest, _, _ = scan(path, False, None, cancel)
    if request.expect_hash and digest != request.expect_hash:
        raise TableChangedError(path, request.expect_hash, digest)
    names, n, batches = _table_file(path)
    unique = column_names(names)
    table = Columns(
        path, Dialect("", "", True), request, lambda: np.arange(table.n, dtype=np.int64) + 2
    )
    first = next(iter(batches(names, detect.DETECT_ROWS)), None)
    sample = _strings(first.to_pandas()) if first is not None else []
    table.start([unique, *sample], list(range(1, len(sample) + 2)), n + 1)
    used = [names[unique.index(u)] for u in table.used]
    for batch in batches(used, columns.CHUNK_LINES):
        if cancel is not None and cancel():
            raise Cancelled(path)
        frame = batch.to_pandas()
        frame.columns = table.used
        for name in table.used:
            s = frame[name]
            if table.kinds[name] == "numeric" and s.dtype.kind in "biuf":
                frame[name] = s.astype(np.float32)
            elif not (table.kinds[name] == "numeric" and s.dtype == np.float32):
                frame[name] = s.astype(object).where(s.notna(), "").astype(str)
        table.add_frame(frame)
        if progress is not None and n:
            progress(min(table.n / n, 1.0))
    return table.finish(digest)
