"""The main window's start and what it keeps for the next one.

- `AfterFirstPaint`: once the window has painted (so that nothing slow delays it), make
  the Training tab's plots, the hidden tabs' views and the Runs tab's curves (importing
  pyqtgraph), then, in a background job, start the training process (training_process.py,
  which imports torch in its own interpreter) and list the compute devices (importing
  torch here, which takes a second or more). A failed probe leaves the device combo at
  its defaults.
- `restore_window` / `save_window_settings`: the window's size, docks and the view
  choices people expect to find again (loss smoothing, log scales, the Runs table's
  hidden columns), kept in AppSettings.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMainWindow

from desktop_app.ui.gc_policy import freeze_long_lived

# `window` below is the main window (main_window.MainWindow, not imported: that module
# imports this one); these use its plots, inside, runs_panel, jobs, optimizer_panel,
# display, session and settings.

DEFAULT_SIZE = (1440, 900)  # at most 95% x 92% of the screen's available area


class AfterFirstPaint(QObject):
    """Watches the window for its first paint, then starts the slow work (see above)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.closed = False  # the window is closing: a late device list is not shown
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window and event.type() == QEvent.Type.Paint:
            self.window.removeEventFilter(self)  # else every event of the window calls Python
            QTimer.singleShot(0, self._after_first_paint)
        return False

    @Slot()
    def _after_first_paint(self) -> None:
        w = self.window
        if self.closed:  # (the filter is gone after the first paint: this runs once)
            return
        w.plots.build()  # the plots, then the hidden tabs' views, now the window shows
        w.inside.build()
        w.runs_panel.curves.build()

        host = w.training_host

        def probe(_progress, _cancelled):  # imports torch, which takes a second or more
            from desktop_app.core.devices import available_devices

            if host is not None:
                host.warm()  # the training process imports torch meanwhile

            return available_devices()

        w.jobs.submit(probe, self._on_devices, lambda _exc: self._on_devices(None), kind="probe")

    def _on_devices(self, devices) -> None:
        freeze_long_lived()  # torch is imported now
        w = self.window
        if devices is not None and not self.closed:
            w.optimizer_panel.set_devices(devices)
        w.display.set_devices(devices)


def restore_window(window: QMainWindow) -> QByteArray:
    """Size the window to fit the screen, then restore what was saved; returns the
    default dock layout (for View > Reset layout)."""
    width, height = DEFAULT_SIZE
    screen = QApplication.primaryScreen()
    if screen is not None:
        avail = screen.availableGeometry()
        width = min(width, int(avail.width() * 0.95))
        height = min(height, int(avail.height() * 0.92))
    window.resize(width, height)
    default = window.saveState()
    geometry, state = window.settings.window_geometry(), window.settings.window_state()
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)
    return default


def save_window_settings(window: QMainWindow) -> None:
    s = window.settings
    s.save_window(window.saveGeometry(), window.saveState())
    if window.session.project is not None:
        s.save_last_project(window.session.project)
    if window.plots.is_built:  # else they are as they were read
        s.set_recent("smoothing", window.plots.loss.smoothing)
        s.set_recent("loss_log", window.plots.loss.log_check.isChecked())
        s.set_recent("lr_log", window.plots.lr.log_check.isChecked())
    s.set_recent("runs_hidden", ",".join(window.runs_panel.columns.hidden()))
    s.sync()
