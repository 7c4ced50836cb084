"""Python's cycle collector runs only in the GUI thread while the window is open.

CPython runs the cycle collector in whichever thread happens to allocate. When that is
the training thread (or a file-reading thread) and the garbage holds Qt objects (a
closed dialog's menu and its actions, a replaced plot item), shiboken deletes some of
them there and hands the widgets to the GUI thread; both deletions take the same Qt
mutex while one of them waits for the GIL, and the app freezes for good (seen in CI:
GUI thread in QObject::~QObject under runDeletionInMainThread, training thread in
gc_collect_main waiting in Shiboken::GilState::acquire). Qt objects must die in the
GUI thread.

So automatic collection is off, and a GUI-thread timer collects, generation by
generation with the usual thresholds, as pyqtgraph's `GarbageCollector` does. Its dozen
lines are written again here because importing them imports all of pyqtgraph (about
110 ms), which the window's first paint no longer waits for. Reference counting still
frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QTimer

INTERVAL_S = 0.5  # how often the GUI thread looks at the collector's counts


class _Collector:
    """Collects on a GUI-thread timer, each generation when its count passes the
    threshold automatic collection would have used."""

    def __init__(self, interval_s: float):
        self.threshold = gc.get_threshold()
        self.timer = QTimer()
        self.timer.timeout.connect(self.check)
        self.timer.start(int(interval_s * 1000))

    def check(self) -> None:
        for generation, (count, limit) in enumerate(zip(gc.get_count(), self.threshold)):
            if count <= limit:
                return  # an older generation is looked at only after a younger one
            gc.collect(generation)


_collector: _Collector | None = None


def collect_in_gui_thread() -> None:
    """Install the policy once per process (call in the GUI thread, with a QApplication)."""
    global _collector
    if _collector is None or not _collector.timer.isActive():
        _collector = _Collector(INTERVAL_S)
    gc.disable()  # also after anything that turned it back on


def freeze_long_lived() -> None:
    """Startup's libraries (Qt, pyqtgraph, torch) are loaded: their objects live as long
    as the app. Take everything tracked so far out of the collector's sight (gc.freeze),
    so that a full collection in the GUI thread scans only what the app made since: a
    scan of torch's ~300,000 objects takes about 200 ms, which would stall the plots."""
    gc.freeze()
