"""The race window: the variants' validation loss and metric per epoch, overlaid live, one
colour per variant named by what differs; a Stop button, and each variant's result once
the race is over.

The race's observer (in the training thread) only appends epoch records to a RaceFeed
under a lock; the window's timer reads what is new a few times a second and extends the
curves (DESIGN.md §4: never one signal per epoch or step).
"""

from __future__ import annotations

import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.ui.plots.run_curves import colour_for, epoch_plot

REFRESH_MS = 200


class RaceFeed:
    """Epoch records of each variant, appended by the training thread."""

    def __init__(self, n: int):
        self._lock = threading.Lock()
        self._epochs: list[list[dict]] = [[] for _ in range(n)]
        self.version = 0

    def on_batch_end(self, variant: int, block) -> None: ...

    def on_epoch_end(self, variant: int, epoch: int, logs: dict) -> None:
        with self._lock:
            self._epochs[variant].append(dict(logs))
            self.version += 1

    def columns(self, variant: int, key: str) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            rows = list(self._epochs[variant])
        x = np.array([r["epoch"] for r in rows], dtype=np.float64)
        y = np.array([np.nan if r.get(key) is None else r[key] for r in rows], np.float64)
        return x, y


class RaceWindow(QDialog):
    """Live overlaid curves of a race's variants."""

    stopRequested = Signal()

    def __init__(self, labels: list[str], feed: RaceFeed, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("raceWindow")
        self.setAccessibleName("Race of variants")
        self.setWindowTitle("Race: " + " · ".join(labels))
        self.labels, self.feed = labels, feed
        self._seen = -1
        self.loss_plot = self._plot("raceLossPlot", "Validation loss", "loss")
        self.metric_plot = self._plot("raceMetricPlot", "Validation metric", "metric")
        self.curves: dict[str, list[pg.PlotDataItem]] = {"val_loss": [], "val_metric": []}
        for i, label in enumerate(labels):
            pen = pg.mkPen(colour_for(i), width=2)
            for key, plot in (("val_loss", self.loss_plot), ("val_metric", self.metric_plot)):
                curve = plot.plot([], [], pen=pen, name=label)
                curve.setObjectName(f"raceCurve{i}")
                self.curves[key].append(curve)
        self.status = QLabel("Starting…")
        self.status.setObjectName("raceStatusLabel")
        self.status.setAccessibleName("Race status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("raceStopButton")
        self.stop_button.setAccessibleName("Stop the race")
        self.stop_button.clicked.connect(self.stopRequested)
        close = QPushButton("Close")
        close.setObjectName("raceCloseButton")
        close.setAccessibleName("Close the race window")
        close.clicked.connect(self.close)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.metric_plot)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(close)
        box = QVBoxLayout(self)
        box.addLayout(plots, 1)
        box.addLayout(buttons)
        self.resize(900, 420)
        self.timer = QTimer(self)
        self.timer.setObjectName("raceRefreshTimer")
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)

    def _plot(self, name: str, title: str, y: str) -> pg.PlotWidget:
        w = epoch_plot(name, title, y)
        w.setMinimumSize(240, 160)
        item = w.getPlotItem()
        # A falling loss leaves the top right free; a rising metric, the bottom right.
        item.addLegend(offset=(-5, 5) if y == "loss" else (-5, -5), labelTextSize="8pt")
        return w

    @Slot()
    def refresh(self) -> None:
        """Extend the curves with what the race has done since the last refresh."""
        if self.feed.version == self._seen:
            return
        self._seen = self.feed.version
        for key, curves in self.curves.items():
            for i, curve in enumerate(curves):
                curve.setData(*self.feed.columns(i, key))

    def set_progress(self, fraction: float) -> None:
        self.status.setText(f"Racing… {100 * fraction:.0f}%")

    def finish(self, text: str) -> None:
        """The race is over: last curves, the result, no more refreshes."""
        self.timer.stop()
        self._seen = -1
        self.refresh()
        self.stop_button.setEnabled(False)
        self.status.setText(text)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.timer.stop()
        super().closeEvent(event)
