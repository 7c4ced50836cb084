"""Python's cycle collector runs only in the GUI thread while the window is open.

CPython runs the cycle collector in whichever thread happens to allocate. When that is
the training thread (or a file-reading thread) and the garbage holds Qt objects (a
closed dialog's menu and its actions, a replaced plot item), shiboken deletes some of
them there and hands the widgets to the GUI thread; both deletions take the same Qt
mutex while one of them waits for the GIL, and the app freezes for good (seen in CI:
GUI thread in QObject::~QObject under runDeletionInMainThread, training thread in
gc_collect_main waiting in Shiboken::GilState::acquire). Qt objects must die in the
GUI thread.

pyqtgraph's `GarbageCollector` does exactly that: it turns automatic collection off and
collects, generation by generation with the usual thresholds, on a GUI-thread timer.
Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

INTERVAL_S = 0.5  # how often the GUI thread looks at the collector's counts

_collector: GarbageCollector | None = None


def collect_in_gui_thread() -> None:
    """Install the policy once per process (call in the GUI thread, with a QApplication)."""
    global _collector
    if _collector is None or not _collector.timer.isActive():
        _collector = GarbageCollector(interval=INTERVAL_S)
    gc.disable()  # also after anything that turned it back on


def freeze_long_lived() -> None:
    """Startup's libraries (Qt, pyqtgraph, torch) are loaded: their objects live as long
    as the app. Take everything tracked so far out of the collector's sight (gc.freeze),
    so that a full collection in the GUI thread scans only what the app made since: a
    scan of torch's ~300,000 objects takes about 200 ms, which would stall the plots."""
    gc.freeze()
