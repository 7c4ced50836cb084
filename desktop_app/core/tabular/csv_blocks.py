"""A large text table parsed on several threads, for core.tabular.csv_chunks.

The file is read (and hashed) in blocks of a 12th of it (4 to 32 MB: pandas' cost per
call made 16 MB blocks 5% slower on a 381 MB file), each cut at the last line end
outside quotes (an even number of quote characters before it; a doubled quote keeps the
count even). Each block goes to pandas' C parser on a worker thread, which releases the
GIL while it tokenises and converts, and the frames are gathered in file order on the
calling thread. The blocks are read into a few buffers used again and again: a fresh
bytes object per block (and a copy of it up to the cut) cost 0.2 s of page faults on a
381 MB file, a tenth of the read. Anything out of the ordinary (a parser error, a byte
the encoding does not read, a line end that never comes) gives None, and the one-thread
read runs instead: it has the exact messages. A cut wrongly placed inside a quoted field
ends its block inside an open quote, which is a parser error, so a wrong cut never gives
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

BLOCK_BYTES = 32 << 20  # at most; a smaller file gets smaller blocks (less memory)
MIN_BYTES = 48 << 20  # below this one thread reads about as fast
MAX_CUT_TRIES = 32  # line ends tried from a block's end before giving up on the split
# Encodings in which byte 0x0A is a line end and nothing else.
SPLITTABLE = {"utf-8", "utf-8-sig", "ascii", "cp1252", "latin-1", "iso8859-1", "iso8859-15"}


def read_options(table: columns.Columns) -> dict:
    """pandas.read_csv's arguments for the used columns: numeric ones as pandas infers
    them (float64 or int64, cast to float32 per chunk: twice as fast as pandas' own
    float32 columns; a cell that is not a number leaves its column as text, whose line
    Columns names), categories and yes/no values as pandas categoricals."""
    d, kinds = table.dialect, table.kinds
    return {
        "sep": d.delimiter,
        "encoding": d.encoding,
        "names": table.names,
        "usecols": table.used,
        "dtype": {n: "category" for n in table.used if kinds[n] != "numeric"},
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
    path, size: int, table: columns.Columns, report: Progress, cancel: Cancel
) -> str | None:
    """The used columns into `table`, block by block on worker threads; returns the
    file's SHA-256, or None (table partly filled: reset it) when the one-thread read
    must do it."""
    threads = thread_count()
    try:
        codec = codecs.lookup(table.dialect.encoding).name
    except LookupError:
        return None
    if size < MIN_BYTES or threads < 2 or codec not in SPLITTABLE:
        return None
    options = read_options(table)
    step = min(BLOCK_BYTES, max(size // 12, 4 << 20))
    digest = hashlib.sha256()
    done = 0
    spare: list[bytearray] = []  # buffers whose block has been parsed
    with open_binary(path, buffering=0) as f, ThreadPoolExecutor(threads) as pool:
        pending: deque = deque()
        header = table.dialect.header
        try:
            while True:
                if cancel is not None and cancel():
                    raise Cancelled(path)
                buffer = spare.pop() if spare else bytearray(step)
                block = _next_block(f, buffer)
                if block is None:
                    return None  # no line end outside quotes in four blocks
                digest.update(block)
                if block:
                    job = pool.submit(parse_block, block, header, options)
                    pending.append((job, len(block), buffer))
                    header = False
                while pending and (len(pending) > threads or not block):
                    job, n, buffer = pending.popleft()
                    table.add_frame(job.result())
                    spare.append(buffer)  # its block is parsed: read the next one into it
                    done += n
                    if report is not None:
                        report(min(done / size, 1.0))
                if not block:
                    return digest.hexdigest()
        except Cancelled:
            raise
        except ValueError:  # pandas' ParserError is one; a UnicodeDecodeError too
            return None
        finally:
            for job, *_ in pending:
                job.cancel()


def _next_block(f, buffer: bytearray) -> memoryview | None:
    """The next block of whole lines (empty at the end of the file), read into buffer: up
    to the last line end outside quotes, the file left just after it (so no bytes are
    carried over and copied again). A block with no such line end is read again, twice
    as long, up to four times the buffer, into a buffer of its own; None after that."""
    start = f.tell()
    view = memoryview(buffer)
    got = _read_into(f, view)
    if got < len(view):  # the file's end: the rest is the last block
        return view[:got]
    cut = _cut(buffer)
    if cut is not None:
        f.seek(start + cut)
        return view[:cut]
    size = 2 * len(buffer)
    while size <= 4 * len(buffer):  # rare: a long quoted cell across the block's end
        f.seek(start)
        data = f.read(size)
        if len(data) < size:
            return memoryview(data)
        cut = _cut(data)
        if cut is not None:
            f.seek(start + cut)
            return memoryview(data)[:cut]
        size *= 2
    return None


def _read_into(f, view: memoryview) -> int:
    """Fill view from f; fewer bytes only at the end of the file (a pipe or a network
    file may hand over less than asked before its end)."""
    got = 0
    while got < len(view):
        n = f.readinto(view[got:])
        if not n:
            break
        got += n
    return got


class _BlockFile(io.RawIOBase):
    """A block as the file pandas reads (io.BytesIO would copy the whole block first)."""

    def __init__(self, block: memoryview):
        super().__init__()
        self._block, self._at = block, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), len(self._block) - self._at)
        b[:n] = self._block[self._at : self._at + n]
        self._at += n
        return n


def parse_block(block: memoryview, header: bool, options: dict):
    import pandas as pd

    frame = pd.read_csv(_BlockFile(block), header=0 if header else None, **options)
    # Numbers to float32 here, on the worker thread: half the memory of the frames
    # waiting to be gathered, and the cast runs beside the other blocks' parsing.
    numbers = {n: np.float32 for n in frame.columns if frame[n].dtype.kind in "fiu"}
    return frame.astype(numbers) if numbers else frame


def _cut(buf: bytes | bytearray) -> int | None:
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
