"""Build the QApplication, install the exception hooks, show the main window, run.

Startup is kept light: nothing here imports torch or scikit-learn, so the window paints
first (DESIGN.md §4); the main window starts the slow work after its first paint.
An exception nobody caught is logged and shown in a dialog; the app keeps running.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback

# First, before pyqtgraph and the window's modules: see qt_startup's docstring.
import desktop_app.qt_startup  # noqa: F401 I001

# isort: split
from PySide6.QtCore import QObject, Qt, QThread, QtMsgType, Signal, Slot, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from desktop_app import __version__

log = logging.getLogger("desktop_app")


class ExceptionHandler(QObject):
    """Receives uncaught exceptions from any thread and shows them in the GUI thread."""

    raised = Signal(str, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._showing = False
        self.suppressed = 0
        self.count = 0
        self.raised.connect(self._show)

    def handle(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("uncaught exception:\n%s", details)
        self.count += 1
        summary = f"{exc_type.__name__}: {exc}".strip()
        # Queued to the GUI thread when raised elsewhere (signal to a bound slot).
        self.raised.emit(summary[:500], details)

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self._showing:  # one dialog at a time; a burst of errors must not stack boxes
            self.suppressed += 1
            return
        self._showing = True
        try:
            from desktop_app.ui.dialogs import show_unexpected_error

            show_unexpected_error(QApplication.activeWindow(), summary, details)
        finally:
            self._showing = False


def install_exception_hooks(app: QApplication) -> ExceptionHandler:
    handler = ExceptionHandler(app)
    sys.excepthook = handler.handle
    threading.excepthook = handler.thread_hook
    app.setProperty("odysseyExceptionHandler", True)
    app._odyssey_exception_handler = handler  # keep it alive with the app
    return handler


def create_application(argv: list[str]) -> QApplication:
    """The QApplication, set up for Odyssey (names for QSettings, icon, style)."""
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication([sys.argv[0] if sys.argv else "odyssey", *argv])
    app.setOrganizationName("Odyssey")
    app.setApplicationName("Odyssey")
    # No application display name: Qt would append it to every window title on X11 and
    # Wayland ("Odyssey — project — Odyssey"); the titles already name the app.
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("odyssey")
    app.setStyle("Fusion")  # the same look on every platform (and in screenshots)
    from desktop_app.ui.resources import app_icon

    app.setWindowIcon(app_icon())
    QThread.currentThread().setObjectName("gui")
    if app.platformName() == "offscreen":
        qInstallMessageHandler(_offscreen_messages)
    return app


OFFSCREEN_NOISE = frozenset({"This plugin does not support propagateSizeHints()"})


def _offscreen_messages(_mode: QtMsgType, _context, message: str) -> None:
    """Qt's messages without the offscreen platform's one line of noise, printed on every
    offscreen start (`--self-test`); everything else reaches stderr as Qt prints it."""
    if message not in OFFSCREEN_NOISE:
        sys.stderr.write(message + "\n")


def create_main_window(argv: list[str]):
    """The main window for the command line `argv` (an optional project JSON path)."""
    from desktop_app.ui.main_window import MainWindow

    paths = [a for a in argv if not a.startswith("-")]
    window = MainWindow()
    if paths:
        window.files.open_file(paths[0])
    return window


def run_app(argv: list[str]) -> int:
    """`odyssey [project.json]`: open the window and run until it closes."""
    if any(a in ("-h", "--help") for a in argv):
        print("usage: odyssey [project.json]   (or: odyssey train|init|datasets --help)")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_application(argv)
    install_exception_hooks(app)
    window = create_main_window(argv)
    window.show()
    code = int(app.exec())
    # However the loop ended, no thread may outlive the window: Python destroying a
    # QThread that still runs aborts the process. Wait as long as it takes.
    while not window.shutdown():
        log.warning("waiting for background work to finish before Odyssey exits")
    return code
