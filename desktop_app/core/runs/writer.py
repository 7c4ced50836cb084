"""The run store's writer: one thread that owns a connection and applies queued writes.

Whoever records (the training thread's callback, a CLI, a sweep's trial) hands a write
to `submit` and goes on: the training loop never waits on the disk. A write is a
function of the connection, run inside one transaction, so a crash leaves either all of
it or none. The thread starts on the first write and ends after a few idle seconds
(an open store costs no thread while nothing is written); `flush` waits for everything
queued so far, and the writes still queued when the process exits are applied first.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

IDLE_SECONDS = 2.0  # the thread ends after this long with nothing to write
BUSY_TIMEOUT_MS = 30_000  # another process (a sweep's trial) may hold the write lock

_writers: weakref.WeakSet[Writer] = weakref.WeakSet()


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection as the store uses them: autocommit (explicit transactions), WAL
    journal (readers never block the writer), foreign keys on."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Writer:
    """A queue of writes to one database file, applied in order by one thread."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        _writers.add(self)

    def submit(self, write: Callable[[sqlite3.Connection], Any]) -> Future:
        """Queue `write(conn)` to run in one transaction; its Future gets the result."""
        future: Future = Future()
        with self._lock:
            self._queue.put((write, future))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="odyssey-run-writer", daemon=True
                )
                self._thread.start()
        return future

    def call(self, write: Callable[[sqlite3.Connection], Any], timeout: float = 60.0) -> Any:
        """Submit and wait for the result (for callers off the training loop)."""
        return self.submit(write).result(timeout)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every write queued so far is applied. False on timeout."""
        try:
            self.submit(lambda conn: None).result(timeout)
        except TimeoutError:
            return False
        return True

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def _serve(self) -> None:
        conn = None
        try:
            conn = connect(self.path)
            while True:
                try:
                    write, future = self._queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with self._lock:
                        if self._queue.empty():
                            self._thread = None
                            return
                    continue
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        value = write(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                except BaseException as exc:  # noqa: BLE001 - the caller gets it
                    log.warning("a write to the run database %s failed: %s", self.path, exc)
                    future.set_exception(exc)
                else:
                    future.set_result(value)
        except BaseException as exc:  # noqa: BLE001 - cannot open: fail what is queued
            log.warning("cannot write the run database %s: %s", self.path, exc)
            with self._lock:
                self._thread = None
                while not self._queue.empty():
                    _, future = self._queue.get_nowait()
                    if future.set_running_or_notify_cancel():
                        future.set_exception(exc)
        finally:
            if conn is not None:
                conn.close()


@atexit.register
def _flush_all() -> None:  # pragma: no cover - runs at interpreter exit
    for w in list(_writers):
        if w.busy:
            w.flush(timeout=10.0)
