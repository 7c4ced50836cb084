"""The central area of the window: a message banner over the live plots."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from desktop_app.ui.dialogs import MessageBanner
from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.plots.boundary import DecisionBoundaryPlot
from desktop_app.ui.plots.loss import LossPlot
from desktop_app.ui.plots.lr import LearningRatePlot
from desktop_app.ui.plots.metrics import MetricPlot
from desktop_app.ui.settings import AppSettings


class PlotsArea(QWidget):
    """The central area: a message banner over the loss plot; below it the metric, the
    learning-rate and the decision-boundary plots side by side."""

    def __init__(self, history: LiveHistory, settings: AppSettings, parent=None):
        super().__init__(parent)
        self.setObjectName("plotsArea")
        self.banner = MessageBanner()
        self.loss = LossPlot(history, smoothing=settings.recent_float("smoothing", 0.6))
        self.metric = MetricPlot(history)
        self.lr = LearningRatePlot(history)
        self.boundary = DecisionBoundaryPlot()
        self.loss.set_log_scale(settings.recent_bool("loss_log", False))
        self.lr.set_log_scale(settings.recent_bool("lr_log", False))
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.metric)
        bottom.addWidget(self.lr)
        bottom.addWidget(self.boundary)
        for i, stretch in enumerate((3, 2, 3)):  # the boundary wants a squarish view
            bottom.setStretchFactor(i, stretch)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("plotsSplitter")
        self.splitter.addWidget(self.loss)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

    @property
    def all(self):
        return (self.loss, self.metric, self.lr, self.boundary)

    def stop_updates(self) -> None:
        for p in self.all:
            p.stop_updates()
