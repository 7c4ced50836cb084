"""The stop/pause token a GUI run hands the engine, counting the time spent paused.

Created in the GUI thread when Train is pressed (controller.py), read by the engine in
the training thread; so it must not import torch (core.engine does).
"""

from __future__ import annotations

import threading
import time


class TimedControl:
    """The engine's stop/pause token (same interface as core.engine.Control), which also
    counts the time spent paused.

    Throughput and time-left figures must not fall because the user paused; the worker
    subtracts the paused time recorded here. It is written out rather than subclassing
    Control because core.engine imports torch, which must stay off the GUI thread's path
    (the controller creates this token in the GUI thread when Train is pressed).
    """

    def __init__(self) -> None:
        self.stop_requested = False
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    # -- the interface core.engine.Trainer uses
    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        while not self._running.wait(0.1):
            pass

    # -- driven from the GUI thread
    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = time.perf_counter()
            self._running.clear()

    def resume(self) -> None:
        with self._lock:
            self._end_pause()
            self._running.set()

    def stop(self) -> None:
        with self._lock:
            self._end_pause()
            self.stop_requested = True
            self._running.set()

    def _end_pause(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.perf_counter() - self._paused_at
            self._paused_at = None

    def paused_seconds(self) -> float:
        with self._lock:
            extra = time.perf_counter() - self._paused_at if self._paused_at is not None else 0.0
            return self._paused_total + extra
