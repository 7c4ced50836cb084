"""The sweep study's journal file: optuna's, synced to disk at most once a second.

Optuna's JournalFileBackend syncs the file to disk at every write. Here each write
still reaches the file at once, under the same lock, so the workers and a resumed sweep
read it and a killed or crashed process loses nothing; the sync to disk waits until a
second has passed since the last one (as Redis' "appendfsync everysec"). Only a power
cut can lose the last second's writes, and a resumed sweep runs those trials again.
Measured (benchmarks/bench_sweep.py): a trial makes ~5 writes, and syncing each one cost
the 2-worker sweep ~4% of its trials per minute.

A module of its own (not a class made inside a function) so that the storage pickles:
Ray Tune saves its Optuna searcher, storage included.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

SYNC_EVERY_S = 1.0


class Journal(JournalFileBackend):
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = JournalFileOpenLock(path)
        self.synced_at = time.monotonic()
        super().__init__(path, lock_obj=self.lock)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs)
        self.lock.acquire()
        try:
            with open(self.path, "ab") as f:
                f.write(text.encode("utf-8"))
                f.flush()
                since = time.monotonic() - self.synced_at  # < 0: unpickled elsewhere
                if not 0 <= since < SYNC_EVERY_S:
                    os.fsync(f.fileno())
                    self.synced_at = time.monotonic()
        finally:
            self.lock.release()
