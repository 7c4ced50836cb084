"""Telling a crashed run from one still training: is its process alive, and marking
the runs of processes that are gone as interrupted."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time

STALE_SECONDS = 6 * 3600  # a 'running' row with no sign of life this long is interrupted


def process_alive(pid: int) -> bool:
    """True when a process with this id runs on this machine (this process included)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would terminate the process on Windows
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def mark_interrupted(conn: sqlite3.Connection) -> None:
    """Runs left 'running' by a process that is gone (or silent for hours) were
    interrupted: say so, keeping what they recorded."""
    host, now = socket.gethostname(), time.time()
    rows = conn.execute(
        "SELECT id, pid, host, heartbeat FROM runs WHERE status = 'running'"
    ).fetchall()
    gone = []
    for run_id, pid, row_host, beat in rows:
        stale = beat is None or now - beat > STALE_SECONDS
        dead = row_host == host and pid is not None and not process_alive(int(pid))
        if stale or dead:
            gone.append(run_id)
    if gone:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "UPDATE runs SET status = 'interrupted', message = COALESCE(message, ?) "
            "WHERE id = ? AND status = 'running'",
            [
                ("the run ended before it finished (the program was closed or crashed)", i)
                for i in gone
            ],
        )
        conn.execute("COMMIT")
