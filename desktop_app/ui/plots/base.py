"""What every live plot shares: a header with controls, a redraw clock, markers, export.

DESIGN.md §5: curves are created once; data arrives into growing buffers; a redraw is
scheduled by a single-shot timer (at most 25 per second per plot) only when something
changed, and calls setData on the filled slice of the buffers. Batch curves use peak
downsampling and clip-to-view so a million points stay cheap to draw. The timer runs
only while data keeps arriving, so an idle window has no timers ticking.

Every redraw of a plot holds the GIL that the training loop also needs: measured on a
2-core machine, each 1% of GUI-thread Python time cost the loop about 1% of its steps.
So a plot also keeps its redraws within a share of the GUI thread's time (`budget`:
1% for the loss plot, less for the others, about 2% for all of them together): it
times each redraw's CPU (setData and the paints that follow) and spaces redraws out to
stay within that share, and never waits more than a second. On a fast desktop the loss
plot redraws three to five times a second; on a slow, busy machine about once a second,
and training keeps its speed. (With 3% in all, the window's drawing took 5.8% of the
GUI thread during a default run on a 2-core machine; with 2%, 5.0%.)

The GUI thread also stays responsive between the pieces of a redraw (nothing in it
may take long at a stretch). A redraw on the clock sets the data with
its view's updates off and lets it paint 1 ms later, so that timers and input already
due run between the two; and the plots take turns (`TURN_GAP_S` apart), so that two
plots' redraws and paints never follow each other in one stretch. On a busy 2-core
machine a loss-plot redraw and its paint took 12-19 ms in one piece before.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.plots.parts import GRID, MAX_INTERVAL_MS, REDRAW_INTERVAL_MS, nice_ceil
from desktop_app.ui.tracking import track_timer

TURN_GAP_S = 0.02  # between one plot's redraw on the clock and the next plot's


def _single_shot(parent: QWidget, ms: int, slot, precise: bool = False) -> QTimer:
    timer = track_timer(QTimer(parent))
    timer.setSingleShot(True)
    timer.setInterval(ms)
    if precise:
        timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(slot)
    return timer


class _TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that reports the CPU time of each of its paints."""

    def __init__(self, report):
        super().__init__()
        self._report = report

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        t0 = time.thread_time()
        super().paintEvent(event)
        self._report((time.thread_time() - t0) * 1000)


class LivePlot(QWidget):
    """A titled pyqtgraph plot with log-scale toggle, hover read-out and PNG export.

    Subclasses implement `redraw()` and `readout(x)`; they call `mark_dirty()` whenever
    their data changed. `key` prefixes the objectNames of the plot's widgets.
    """

    _next_turn = 0.0  # perf_counter time from which any plot may redraw on its clock

    def __init__(
        self,
        key: str,
        title: str,
        x_label: str,
        y_label: str,
        parent=None,
        interval_ms: int = REDRAW_INTERVAL_MS,
        budget: float = 0.01,
        grid_over_data: bool = False,
    ):
        super().__init__(parent)
        self.base_interval_ms = interval_ms
        self.budget = budget  # share of wall time this plot's redraws may take
        self.redraw_cost_ms = 0.0  # smoothed CPU cost of one redraw (setData + paint)
        self._pending_cost: float | None = None
        self.paint_count = 0
        self.key = key
        self.setObjectName(f"{key}Plot")
        self._dirty = False
        self._follow = True  # keep the data in view, until the user zooms or pans
        self._timer = _single_shot(self, interval_ms, self._on_timer)
        self._timer.setObjectName(f"{key}RedrawTimer")
        self._turn_timer = _single_shot(self, 1, self._on_timer)  # another plot's turn
        self._turn_timer.setObjectName(f"{key}TurnTimer")
        self._paint_timer = _single_shot(self, 1, self._let_paint, precise=True)
        self._paint_timer.setObjectName(f"{key}PaintTimer")
        self.redraw_count = 0

        self.plot_widget = _TimedPlotWidget(self._add_paint_cost)
        self.plot_widget.setObjectName(f"{key}PlotView")
        self.plot_widget.setAccessibleName(f"{title} plot")
        self.plot_widget.setToolTip(
            f"{title}. Drag to pan, scroll to zoom, right-click for more; "
            "the small A button in the corner fits the view to the data again."
        )
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setLabel("bottom", x_label)
        self.plot_item.setLabel("left", y_label)
        for side in ("left", "bottom"):
            axis = self.plot_item.getAxis(side)
            axis.enableAutoSIPrefix(False)  # plain numbers, no "(x0.001)" rescaling
            # An opaque light grid (ticks share its pen; the numbers keep theirs): a
            # translucent one is blended into every pixel it crosses on every repaint,
            # which took a third of a small plot's repaint on a 2-core machine.
            axis.setGrid(255)
            axis.setTickPen(pg.mkPen(GRID))
            axis.setTextPen(pg.mkPen(pg.getConfigOption("foreground")))
            # Grid lines at the major ticks only: each finer level adds to the cost of
            # every repaint during training and little to read off.
            axis.setStyle(maxTickLevel=0)
            # The axis draws the grid, above the data (its z 0.5, the view's -100): an
            # opaque grid line hid a curve along it, as a constant learning rate on a
            # tick value. Below the view, the grid lies under the data; the axis line
            # and numbers are outside the view and look the same.
            if not grid_over_data:
                axis.setZValue(-1000)
        self.plot_item.setMenuEnabled(True)
        self.legend = self.plot_item.addLegend(offset=(-10, 10), labelTextSize="8pt")

        self.title_label = QLabel(f"<b>{title}</b>")
        self.readout_label = QLabel("")
        self.readout_label.setObjectName(f"{key}Readout")
        self.readout_label.setAccessibleName(f"{title} value under the mouse")
        self.readout_label.setToolTip("The values at the mouse position (hover over the plot).")
        self.readout_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The read-out never widens the plot (hovering two plots grew the window past the
        # screen): it takes the room the header has left, and a long value is cut.
        self.readout_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout_label.setMinimumWidth(0)

        self.log_check = QCheckBox("Log")
        self.log_check.setObjectName(f"{key}LogScale")
        self.log_check.setAccessibleName(f"{title}: logarithmic vertical axis")
        self.log_check.setToolTip(
            "Show the vertical axis on a logarithmic scale: equal steps are equal factors, "
            "so small late improvements stay visible."
        )
        self.log_check.toggled.connect(self._on_log_toggled)

        self.fit_button = QToolButton()
        self.fit_button.setText("Fit")
        self.fit_button.setObjectName(f"{key}AutoRange")
        self.fit_button.setAccessibleName(f"{title}: fit view to data")
        self.fit_button.setToolTip("Zoom out to show all the data again (auto-range).")
        self.fit_button.clicked.connect(self.auto_range)

        self.png_button = QToolButton()
        self.png_button.setText("PNG…")
        self.png_button.setObjectName(f"{key}ExportPng")
        self.png_button.setAccessibleName(f"Export the {title.lower()} plot as PNG")
        self.png_button.setToolTip("Save this plot as a PNG image.")
        self.png_button.clicked.connect(self._ask_export_png)

        self.header = QHBoxLayout()
        self.header.setContentsMargins(4, 2, 4, 0)
        self.header.setSpacing(8)
        self.header.addWidget(self.title_label)
        self.header.addWidget(self.readout_label, 1)
        self.controls = QHBoxLayout()
        self.controls.setSpacing(6)
        self.header.addLayout(self.controls)
        self.header.addWidget(self.log_check)
        self.header.addWidget(self.fit_button)
        self.header.addWidget(self.png_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self.header)
        layout.addWidget(self.plot_widget, 1)

        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot_item.vb.sigRangeChangedManually.connect(self._on_manual_range)

    # ------------------------------------------------------------------ redraw clock
    def mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def redraw_soon(self) -> None:
        """Redraw in the next turn (not after the redraw interval): new data the user
        waits for, such as a run's final picture, without drawing it in the caller's
        stretch of the GUI thread."""
        self._dirty = True
        self._turn_timer.start(0)

    @Slot()
    def _on_timer(self) -> None:
        if not (self._dirty and self.isVisible()):  # a hidden plot redraws when shown
            return
        wait_ms = math.ceil((LivePlot._next_turn - time.perf_counter()) * 1000)
        if wait_ms > 0:  # another plot has just redrawn: its paint comes first
            self._turn_timer.start(wait_ms)
            return
        self.plot_widget.setUpdatesEnabled(False)  # painted 1 ms later, not straight on
        self._paint_timer.start()
        self.redraw_now()
        LivePlot._next_turn = time.perf_counter() + TURN_GAP_S

    @Slot()
    def _let_paint(self) -> None:
        self.plot_widget.setUpdatesEnabled(True)  # (which schedules the paint)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self._timer.start()

    def redraw_now(self) -> None:
        # CPU time of this thread, not wall time: waiting for the GIL while the
        # training loop holds it costs the loop nothing and must not slow the plot.
        # The cost of a redraw is its setData work plus the paints that follow it
        # (counted by the plot widget), up to the next redraw.
        if self._pending_cost is not None:
            c, cost = self.redraw_cost_ms, self._pending_cost
            self.redraw_cost_ms = cost if c == 0 else 0.8 * c + 0.2 * cost
            interval = max(self.base_interval_ms, self.redraw_cost_ms / self.budget)
            self._timer.setInterval(int(min(MAX_INTERVAL_MS, interval)))
        t0 = time.thread_time()
        self._dirty = False
        self.redraw()
        self._pending_cost = (time.thread_time() - t0) * 1000
        self.redraw_count += 1

    def _add_paint_cost(self, ms: float) -> None:
        if self._pending_cost is not None:
            self._pending_cost += ms
        self.paint_count += 1

    def redraw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def stop_updates(self) -> None:
        """Stop the redraw timers (window closing); a held-back paint is let through."""
        self._timer.stop()
        self._turn_timer.stop()
        if self._paint_timer.isActive():
            self._paint_timer.stop()
            self._let_paint()
        self._dirty = False

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    # ------------------------------------------------------------------ view range
    def follow(self, x_lo: float, x_hi: float, y_lo: float, y_hi: float, live: bool = True) -> None:
        """Keep live data in view with few range changes.

        pyqtgraph's auto-range recomputes every item's bounds on each repaint and moves
        the axes on every update, which regenerates their ticks and grid: most of a
        live plot's cost. Instead the x range grows in 1-2-5 steps and the y range only
        changes when the data leaves it or fills much less of it. After a zoom or pan
        by the user the view is left alone until Fit is pressed. `live=False` (the run
        has ended): fit the data exactly.
        """
        if not self._follow or not (math.isfinite(x_lo) and math.isfinite(x_hi)):
            return
        vb = self.plot_item.vb
        (vx0, vx1), (vy0, vy1) = vb.viewRange()
        x_span = nice_ceil(max(x_hi - x_lo, 1.0) * 1.1)
        x_range = None
        if not live:
            pad = 0.02 * max(x_hi - x_lo, 1.0)
            x_range = (x_lo - pad, x_hi + pad)
            vy0, vy1 = math.inf, -math.inf  # and a fresh y range
        elif vb.state["autoRange"][0] or x_hi > vx1 or x_lo < vx0 or (vx1 - vx0) > 2.5 * x_span:
            x_range = (x_lo, x_lo + x_span)
        y_range = None
        if self.log_check.isChecked():
            if y_hi <= 0:
                y_lo = y_hi = float("nan")
            else:
                y_lo, y_hi = math.log10(y_lo if y_lo > 0 else y_hi * 1e-3), math.log10(y_hi)
        if math.isfinite(y_lo) and math.isfinite(y_hi):
            span = y_hi - y_lo
            if span <= abs(y_hi) * 1e-9:  # a constant: show it against zero
                lo, hi = (0.0, y_hi * 1.25) if y_hi > 0 else (y_lo - 1, y_hi + 1)
            else:
                lo, hi = y_lo - 0.08 * span, y_hi + 0.08 * span
            if vb.state["autoRange"][1] or y_lo < vy0 or y_hi > vy1 or (vy1 - vy0) > 3 * (hi - lo):
                # Leave room in the direction the data moved, so that a falling loss
                # does not move the axis on every update.
                sticky = live and not vb.state["autoRange"][1]
                if y_lo < vy0 and sticky:
                    lo = y_lo - 0.3 * span
                if y_hi > vy1 and sticky:
                    hi = y_hi + 0.3 * span
                y_range = (lo, hi)
        if x_range is not None or y_range is not None:
            vb.disableAutoRange()
            vb.setRange(xRange=x_range, yRange=y_range, padding=0)
            # Apply the new transform now rather than in the coming paint, where the
            # items it moves would ask for a second paint.
            vb.updateMatrix()

    def fit(self) -> None:
        """Fit the view to all the data (pyqtgraph's auto-range), e.g. when a run ends."""
        if self._follow:
            self.plot_item.enableAutoRange()

    @Slot(object)
    def _on_manual_range(self, *_args) -> None:
        if self._follow:
            self._follow = False
            self.mark_dirty()  # zoomed in: draw the points themselves, not the envelope

    @property
    def following(self) -> bool:
        """True while the view follows the data (no zoom or pan by the user since Fit)."""
        return self._follow

    # ------------------------------------------------------------------ interactions
    @Slot()
    def auto_range(self) -> None:
        self._follow = True
        self.plot_item.enableAutoRange()
        self.mark_dirty()

    @Slot(bool)
    def _on_log_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self.auto_range()

    def set_log_scale(self, on: bool) -> None:
        self.log_check.setChecked(on)

    @Slot(object)
    def _on_mouse_moved(self, pos) -> None:
        vb = self.plot_item.vb
        if not self.plot_item.sceneBoundingRect().contains(pos):
            return
        x = vb.mapSceneToView(pos).x()
        if self.plot_item.ctrl.logXCheck.isChecked():
            x = 10**x
        self.show_readout_at(x)

    def show_readout_at(self, x: float) -> str:
        text = self.readout(x) or ""
        self.readout_label.setText(text)
        return text

    def readout(self, x: float) -> str | None:  # pragma: no cover - abstract
        return None

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | Path, width: int = 1200) -> None:
        import pyqtgraph.exporters

        if self._dirty:
            self.redraw_now()
        exporter = pyqtgraph.exporters.ImageExporter(self.plot_item)
        exporter.parameters()["width"] = width
        exporter.export(str(path))

    @Slot()
    def _ask_export_png(self) -> None:
        from desktop_app.ui.settings import AppSettings

        settings = AppSettings()
        folder = settings.recent("export_folder", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(
            self, "Export plot as PNG", str(Path(folder) / f"{self.key}.png"), "PNG (*.png)"
        )
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        try:
            self.export_png(path)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            QMessageBox.warning(self, "Export failed", f"Could not write {path}: {exc}")
            return
        settings.set_recent("export_folder", str(Path(path).parent))
