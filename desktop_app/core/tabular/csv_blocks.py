"""A large text table parsed on several threads, for core.tabular.csv_chunks.

The file is read (and hashed) in blocks of a 24th of it (4 to 16 MB), each cut at the last line
end outside quotes (an even number of quote characters before it; a doubled quote keeps
the count even). Each block goes to pandas' C parser on a worker thread, which releases
the GIL while it tokenises and converts, and the frames are gathered in file order on
the calling thread. Anything out of the ordinary (a parser error, a byte the encoding
does not read, a line end that never comes) gives None, and the one-thread read runs
instead: it has the exact messages. A cut wrongly placed inside a quoted field ends
its block inside an open quote, which is a parser error, so a wrong cut never gives
wrong rows.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from desktop_app.core.tabular import columns
from desktop_app.core.tabular.detect import MISSING, Cancel, Cancelled, Progress
from desktop_app.core.tabular.files import open_binary

BLOCK_BYTES = 16 << 20  # at most; a smaller file gets smaller blocks (less memory)
MIN_BYTES = 48 << 20  # below this one thread reads about as fast
MAX_CUT_TRIES = 32  # line ends tried from a block's end before giving up on the split
# Encodings in which byte 0x0A is a line end and nothing else.
SPLITTABLE = {"utf-8", "utf-8-sig", "ascii", "cp1252", "latin-1", "iso8859-1", "iso8859-15"}


class NeedsCare(Exception):
    """A numeric column holds a cell pandas cannot read as a number."""


def read_options(table: columns.Columns, careful: bool) -> dict:
    """pandas.read_csv's arguments for the used columns: numbers as float32 (as text
    when careful), categories and yes/no values as pandas categoricals."""
    d, kinds = table.dialect, table.kinds
    return {
        "sep": d.delimiter,
        "encoding": d.encoding,
        "names": table.names,
        "usecols": table.used,
        "dtype": {
            n: (str if careful else np.float32) if kinds[n] == "numeric" else "category"
            for n in table.used
        },
        "index_col": False,
        "keep_default_na": False,
        "na_values": sorted(MISSING),
        "engine": "c",
    }


def thread_count() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        n = os.cpu_count() or 1
    return min(n, 4)


def parse_blocks(
    path, size: int, table: columns.Columns, report: Progress, cancel: Cancel, careful: bool
) -> str | None:
    """The used columns into `table`, block by block on worker threads; returns the
    file's SHA-256, or None (table partly filled: reset it) when the one-thread read
    must do it. NeedsCare when a numeric cell is not a number."""
    threads = thread_count()
    try:
        codec = codecs.lookup(table.dialect.encoding).name
    except LookupError:
        return None
    if size < MIN_BYTES or threads < 2 or codec not in SPLITTABLE:
        return None
    options = read_options(table, careful)
    step = min(BLOCK_BYTES, max(size // 24, 4 << 20))
    digest = hashlib.sha256()
    done = 0
    with open_binary(path, buffering=0) as f, ThreadPoolExecutor(threads) as pool:
        pending: deque = deque()
        header = table.dialect.header
        try:
            while True:
                if cancel is not None and cancel():
                    raise Cancelled(path)
                block = _next_block(f, step)
                if block is None:
                    return None  # no line end outside quotes in four blocks
                digest.update(block)
                if block:
                    job = pool.submit(parse_block, block, header, options)
                    pending.append((job, len(block)))
                    header = False
                while pending and (len(pending) > threads or not block):
                    job, n = pending.popleft()
                    table.add_frame(job.result())
                    done += n
                    if report is not None:
                        report(min(done / size, 1.0))
                if not block:
                    return digest.hexdigest()
        except (NeedsCare, Cancelled):
            raise
        except ValueError:  # pandas' ParserError is one; a UnicodeDecodeError too
            return None
        finally:
            for job, _ in pending:
                job.cancel()


def _next_block(f, step: int) -> bytes | None:
    """The next block of whole lines (b"" at the end of the file): up to the last line
    end outside quotes, the file left just after it (so no bytes are carried over and
    copied again); None when four blocks hold no such line end."""
    size = step
    while True:
        start = f.tell()
        data = f.read(size)
        if len(data) < size:  # the file's end: the rest is the last block
            return data
        cut = _cut(data)
        if cut is not None:
            f.seek(start + cut)
            return data if cut == len(data) else data[:cut]
        if size >= 4 * step:
            return None
        f.seek(start)
        size *= 2


def parse_block(block: bytes, header: bool, options: dict):
    import pandas as pd

    try:
        return pd.read_csv(io.BytesIO(block), header=0 if header else None, **options)
    except pd.errors.ParserError:
        raise
    except UnicodeDecodeError:
        raise
    except ValueError:  # a number column with a cell that is not one
        raise NeedsCare() from None


def _cut(buf: bytes) -> int | None:
    """Where a block may end: just after the last line end outside quotes."""
    end = buf.rfind(b"\n")
    if buf.find(b'"') < 0:  # no quotes at all (most large tables): a fast scan
        return end + 1 if end >= 0 else None
    for _ in range(MAX_CUT_TRIES):
        if end < 0:
            return None
        if buf.count(b'"', 0, end) % 2 == 0:
            return end + 1
        end = buf.rfind(b"\n", 0, end)
    return None
