"""The stop/pause token a GUI run hands the engine, counting the time spent paused.

Created in the GUI thread when Train is pressed (controller.py), read by the engine in
the training thread. It extends core.run_types.Control, which imports no torch, so
creating it keeps torch off the GUI thread's path.
"""

from __future__ import annotations

import threading
import time

from desktop_app.core.planes import PlaneChoice
from desktop_app.core.run_types import Control


class TimedControl(Control):
    """The engine's stop/pause token, which also counts the time spent paused.

    Throughput and time-left figures must not fall because the user paused; the worker
    subtracts the paused time recorded here.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self.pause_at_epoch_end = False  # Step one epoch: the relay pauses at its end
        # The plane the boundary is drawn on: replaced whole (never mutated) from the GUI
        # thread, read by the relay at each evaluation.
        self.plane = PlaneChoice()
        # The hidden layer the activation space projects (0 = the first): the same way.
        self.activation_layer = 0
        # Which views are on screen (the window's tab): a hidden one is not computed on
        # the training thread; it gets a fresh picture as soon as it is shown again.
        self.boundary_shown = True
        self.inside_shown = True

    # -- driven from the GUI thread
    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = time.perf_counter()
            super().pause()

    def resume(self) -> None:
        with self._lock:
            self._end_pause()
            self.pause_at_epoch_end = False
            super().resume()

    def allow(self, steps: int) -> None:
        with self._lock:
            self._end_pause()
            super().allow(steps)

    def run_epoch(self) -> None:
        """Run to the end of the current epoch, then pause (Step one epoch)."""
        self.resume()
        self.pause_at_epoch_end = True

    def stop(self) -> None:
        with self._lock:
            self._end_pause()
            super().stop()

    def _end_pause(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.perf_counter() - self._paused_at
            self._paused_at = None

    def paused_seconds(self) -> float:
        with self._lock:
            extra = time.perf_counter() - self._paused_at if self._paused_at is not None else 0.0
            return self._paused_total + extra
