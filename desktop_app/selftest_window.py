"""The self-test's window checks (`odyssey --self-test`, see selftest.py): the main
window opened as `odyssey` opens it, painted, its background start-up done, a run
trained from it where the window trains its runs, and closed."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable

_T_IMPORT = time.perf_counter()  # fallback origin when the process start time is unknown
PAINT_TIMEOUT_S = 60.0

Result = tuple[str, bool, str]  # a check's name, whether it passed, what it found


def process_age() -> tuple[float, str]:
    """Seconds since this process started, and what the origin is.

    On Linux /proc gives the real start (so a frozen build's bootloader and unpacking
    count); elsewhere the time since this module was imported.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22, starttime, in clock ticks after boot
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK")), "launch"
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _T_IMPORT, "self-test start"


def check_window(display: bool = False, timeout_s: float = PAINT_TIMEOUT_S) -> list[Result]:
    """Open the main window as `odyssey` does, wait for its first paint and its background
    start-up work (the device list, which imports torch), then close it.

    Exceptions raised in Qt slots meanwhile fail the check (no error dialog is shown).
    """
    if not display:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    from desktop_app.app import create_application, create_main_window
    from desktop_app.ui.resources import ICON_NAME, resource_path

    app = create_application([])
    errors: list[str] = []
    old_hook = sys.excepthook
    sys.excepthook = lambda t, e, tb: errors.append("".join(traceback.format_exception(t, e, tb)))
    painted: dict = {}
    loop = QEventLoop()

    class PaintWatcher(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if (
                not painted
                and window is not None
                and event.type() == QEvent.Type.Paint
                and isinstance(obj, QWidget)
                and obj.window() is window
            ):
                painted["age"], painted["origin"] = process_age()
                painted["after_show"] = time.perf_counter() - t_show
                painted["torch_loaded"] = "torch" in sys.modules
                loop.quit()
            return False

    def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
        deadline = time.perf_counter() + seconds
        while not condition() and time.perf_counter() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)
        return condition()

    window = None
    watcher = PaintWatcher()
    app.installEventFilter(watcher)
    try:
        window = create_main_window([])
        t_show = time.perf_counter()
        window.show()
        if not painted:
            QTimer.singleShot(int(timeout_s * 1000), loop.quit)
            loop.exec()
        app.removeEventFilter(watcher)
        platform_name = app.platformName()
        if not painted:
            window.close()
            return [("window", False, f"not painted within {timeout_s:.0f} s on {platform_name}")]
        # The window lists the compute devices in a background thread after painting.
        devices_known = wait_for(lambda: getattr(window, "devices", None) is not None, timeout_s)
        devices = getattr(window, "devices", None)
        trained = train_in_window(app, window, timeout_s * 4) if devices_known else None
        closed = window.close()
        app.processEvents()
        still_visible = window.isVisible()
        window.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    finally:
        app.removeEventFilter(watcher)
        sys.excepthook = old_hook

    problems = []
    if not closed or still_visible:
        problems.append(f"did not close (close() returned {closed}, still visible {still_visible})")
    if not devices_known:
        problems.append(
            "the device list never arrived (torch did not load in the background thread)"
        )
    if app.windowIcon().isNull():
        problems.append(f"the app icon is missing (looked for {resource_path(ICON_NAME)})")
    if errors:
        problems.append(f"{len(errors)} uncaught exception(s):\n" + "\n".join(errors))
    checks = [("window training", *trained)] if trained is not None else []
    torch_note = "torch already imported" if painted["torch_loaded"] else "torch not yet imported"
    names = ", ".join(getattr(d, "id", str(d)) for d in devices or [])
    detail = (
        f"painted {painted['age']:.2f} s after {painted['origin']} "
        f"({painted['after_show']:.2f} s after show(); {torch_note}) on {platform_name}; "
        f"devices: {names or '-'}; "
        + ("icon found, closed cleanly" if not problems else "; ".join(problems))
    )
    return [("window", not problems, detail), *checks]


def train_in_window(app, window, timeout_s: float) -> tuple[bool, str]:
    """Press Train as a user would: the default project trains where the window trains
    its runs (the training process: in a frozen build, the program started again)."""
    from PySide6.QtCore import QEventLoop, QTimer

    ended: dict = {}
    loop = QEventLoop()
    c = window.controller
    c.finished.connect(lambda outcome: (ended.setdefault("outcome", outcome), loop.quit()))
    c.failed.connect(lambda message: (ended.setdefault("failed", message), loop.quit()))
    window.train_action.trigger()
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    if not ended:
        loop.exec()
    host = getattr(window, "training_host", None)
    where = "in the training process" if host is not None else "in a training thread"
    if "failed" in ended:
        return False, f"the run {where} failed: {ended['failed']}"
    if "outcome" not in ended:
        c.stop()
        return False, f"the run {where} did not end within {timeout_s:.0f} s"
    run = ended["outcome"].run
    accuracy = run.test_metrics.get("accuracy", float("nan"))
    ok = run.status.value == "finished" and accuracy >= 0.7
    return ok, f"trained {where}: {run.epochs_run} epochs, test accuracy {accuracy:.3f}"
