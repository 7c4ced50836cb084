"""What every live plot shares: a header with controls, a redraw clock, markers, export.

DESIGN.md §5: curves are created once; data arrives into growing buffers; a redraw is
scheduled by a single-shot timer (at most 25 per second per plot) only when something
changed, and calls setData on the filled slice of the buffers. Batch curves use peak
downsampling and clip-to-view so a million points stay cheap to draw. The timer runs
only while data keeps arriving, so an idle window has no timers ticking.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.tracking import track_timer

pg.setConfigOptions(background="w", foreground="#222", antialias=False)

REDRAW_INTERVAL_MS = 40  # 25 Hz at most

# Colours that stay apart for colour-blind readers (Okabe–Ito) and on a projector.
RAW = (120, 150, 200, 110)
BLUE = "#0072B2"
ORANGE = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = "#666666"


def setup_batch_curve(curve: pg.PlotDataItem) -> pg.PlotDataItem:
    """Settings that keep a curve of a million points fast to redraw."""
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    curve.setSkipFiniteCheck(True)
    return curve


class MarkerSet:
    """A reusable pool of labelled vertical lines (best epoch, LR drops, early stop)."""

    def __init__(
        self,
        plot_item: pg.PlotItem,
        color: str,
        style=Qt.PenStyle.DashLine,
        position: float = 0.92,
    ):
        self.plot_item = plot_item
        self.position = position  # label height, as a share of the view
        self.pen = pg.mkPen(color, width=1.5, style=style)
        self.color = color
        self.lines: list[pg.InfiniteLine] = []

    def set(self, marks: list[tuple[float, str]]) -> None:
        while len(self.lines) < len(marks):
            line = pg.InfiniteLine(
                angle=90,
                movable=False,
                pen=self.pen,
                label="",
                labelOpts={
                    "position": self.position,
                    "color": self.color,
                    "fill": (255, 255, 255, 200),
                },
            )
            line.setZValue(20)
            self.plot_item.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        for line, (x, text) in zip(self.lines, marks):
            line.setPos(x)
            line.label.setFormat(text)
            line.setVisible(True)
        for line in self.lines[len(marks) :]:
            line.setVisible(False)

    def positions(self) -> list[tuple[float, str]]:
        return [(ln.value(), ln.label.format) for ln in self.lines if ln.isVisible()]


class LivePlot(QWidget):
    """A titled pyqtgraph plot with log-scale toggle, hover read-out and PNG export.

    Subclasses implement `redraw()` and `readout(x)`; they call `mark_dirty()` whenever
    their data changed. `key` prefixes the objectNames of the plot's widgets.
    """

    def __init__(self, key: str, title: str, x_label: str, y_label: str, parent=None):
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"{key}Plot")
        self._dirty = False
        self._timer = track_timer(QTimer(self))
        self._timer.setObjectName(f"{key}RedrawTimer")
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer)
        self.redraw_count = 0

        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setObjectName(f"{key}PlotView")
        self.plot_widget.setAccessibleName(f"{title} plot")
        self.plot_widget.setToolTip(
            f"{title}. Drag to pan, scroll to zoom, right-click for more; "
            "the small A button in the corner fits the view to the data again."
        )
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setLabel("bottom", x_label)
        self.plot_item.setLabel("left", y_label)
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        for side in ("left", "bottom"):  # plain numbers, no "(x0.001)" rescaling
            self.plot_item.getAxis(side).enableAutoSIPrefix(False)
        self.plot_item.setMenuEnabled(True)
        self.legend = self.plot_item.addLegend(offset=(-10, 10), labelTextSize="8pt")

        self.title_label = QLabel(f"<b>{title}</b>")
        self.readout_label = QLabel("")
        self.readout_label.setObjectName(f"{key}Readout")
        self.readout_label.setAccessibleName(f"{title} value under the mouse")
        self.readout_label.setToolTip("The values at the mouse position (hover over the plot).")
        self.readout_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.log_check = QCheckBox("Log scale")
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

    # ------------------------------------------------------------------ redraw clock
    def mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_timer(self) -> None:
        if self._dirty:
            self.redraw_now()

    def redraw_now(self) -> None:
        self._dirty = False
        self.redraw()
        self.redraw_count += 1

    def redraw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def stop_updates(self) -> None:
        """Stop the redraw timer (window closing)."""
        self._timer.stop()
        self._dirty = False

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    # ------------------------------------------------------------------ interactions
    @Slot()
    def auto_range(self) -> None:
        self.plot_item.enableAutoRange()

    @Slot(bool)
    def _on_log_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self.plot_item.enableAutoRange()

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
