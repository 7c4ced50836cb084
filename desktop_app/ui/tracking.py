"""A registry of the QThreads, QTimers and job runners our objects start.

Lets tests (and shutdown code) ask "is anything of ours still running?" without walking
the whole object tree. Registration is weak: a deleted object drops out on its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import QThread, QTimer

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()
_timers: weakref.WeakSet[QTimer] = weakref.WeakSet()
_runners: weakref.WeakSet = weakref.WeakSet()  # jobs.JobRunner
_stoppers: weakref.WeakKeyDictionary[QThread, Callable[[], None]] = weakref.WeakKeyDictionary()


def track_thread(thread: QThread, stop: Callable[[], None] | None = None) -> QThread:
    """Register `thread`; `stop` asks the work running in it to end (cooperatively)."""
    _threads.add(thread)
    if stop is not None:
        _stoppers[thread] = stop
    return thread


def stop_all(timeout_ms: int = 30_000) -> None:
    """Ask every running tracked thread to end and wait for it (last-resort cleanup)."""
    for thread in running_threads():
        stop = _stoppers.get(thread)
        if stop is not None:
            stop()
        thread.quit()
        thread.wait(timeout_ms)


def track_runner(runner) -> None:
    """Register a jobs.JobRunner (its job threads are plain Python threads)."""
    _runners.add(runner)


def busy_runners() -> list:
    """Job runners with a job thread still running."""
    return [r for r in list(_runners) if _alive(r, lambda r: r.threads_alive() > 0)]


def track_timer(timer: QTimer) -> QTimer:
    _timers.add(timer)
    return timer


def _alive(obj, test) -> bool:
    try:
        return bool(test(obj))
    except RuntimeError:  # the C++ object is already deleted
        return False


def running_threads() -> list[QThread]:
    return [t for t in list(_threads) if _alive(t, QThread.isRunning)]


def active_timers() -> list[QTimer]:
    return [t for t in list(_timers) if _alive(t, QTimer.isActive)]
