"""The central area of the window: a message banner over the live plots.

The plots get the room, and the decision boundary is the star where it applies (all
classification data of two or more features; for regression the fitted curve or a heat
map of the prediction): it sits beside the loss plot, as square as the row allows. Where
it does not apply (a classifier of one feature), its pane is hidden, the loss plot takes
the whole row, and one line under the plots says why. The learning-rate plot, a flat line
in most runs, takes less room than the metric plot beside it. `reset_layout()` brings
back every pane, a plot collapsed by dragging a splitter included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from desktop_app.ui.dialogs import MessageBanner
from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.settings import AppSettings

if TYPE_CHECKING:  # pyqtgraph is imported with the plots, after the first paint
    from desktop_app.ui.plots.boundary import DecisionBoundaryPlot
    from desktop_app.ui.plots.loss import LossPlot
    from desktop_app.ui.plots.lr import LearningRatePlot
    from desktop_app.ui.plots.metrics import MetricPlot

TOP_SHARE = 0.58  # of the height: the loss plot's and the boundary's row
METRIC_SHARE = 0.68  # of the lower row's width: the metric plot (the rest: learning rate)


class PlotsArea(QWidget):
    """The loss plot and the decision boundary on top, the metric and learning-rate plots
    below (see the module docstring).

    The plots are made by build(), which the window calls just after its first paint
    (pyqtgraph's import, about 110 ms, and its set-up of the plots, 60-75 ms, which the
    first paint no longer waits for), or the first use of one of them, whichever comes
    first; `built` is emitted then."""

    built = Signal()

    def __init__(self, history: LiveHistory, settings: AppSettings, parent=None):
        super().__init__(parent)
        self.setObjectName("plotsArea")
        self.history, self.settings = history, settings
        self.banner = MessageBanner()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self.banner)
        self.is_built = False
        self._project = None  # the project the boundary is told of once it exists
        self._sized = False

    def build(self) -> None:
        if self.is_built:
            return
        self.is_built = True
        from desktop_app.ui.plots.boundary import DecisionBoundaryPlot
        from desktop_app.ui.plots.loss import LossPlot
        from desktop_app.ui.plots.lr import LearningRatePlot
        from desktop_app.ui.plots.metrics import MetricPlot

        settings, history = self.settings, self.history
        self._loss = LossPlot(history, smoothing=settings.recent_float("smoothing", 0.6))
        self._metric = MetricPlot(history)
        self._lr = LearningRatePlot(history)
        self._boundary = DecisionBoundaryPlot()
        self._loss.set_log_scale(settings.recent_bool("loss_log", False))
        self._lr.set_log_scale(settings.recent_bool("lr_log", False))
        self.top = QSplitter(Qt.Orientation.Horizontal)
        self.top.setObjectName("plotsTopSplitter")
        self.top.addWidget(self._loss)
        self.top.addWidget(self._boundary)
        self.bottom = QSplitter(Qt.Orientation.Horizontal)
        self.bottom.setObjectName("plotsBottomSplitter")
        self.bottom.addWidget(self._metric)
        self.bottom.addWidget(self._lr)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("plotsSplitter")
        self.splitter.addWidget(self.top)
        self.splitter.addWidget(self.bottom)
        # Where the boundary's note goes while its pane is hidden: one line, not a pane.
        self.note_row = QWidget()
        self.note_row.setObjectName("boundaryNoteRow")
        QHBoxLayout(self.note_row).setContentsMargins(6, 0, 6, 2)
        self.note_row.hide()
        self._layout.addWidget(self.splitter, 1)
        self._layout.addWidget(self.note_row)
        self._boundary.applicabilityChanged.connect(self._on_applicability)
        if self._project is not None:
            self._boundary.project_changed(self._project)
        self.built.emit()
        if self.isVisible():  # shown before it was built: share the room now
            self._sized = True
            QTimer.singleShot(0, self, self.fit_panes)

    @property
    def loss(self) -> LossPlot:
        self.build()
        return self._loss

    @property
    def metric(self) -> MetricPlot:
        self.build()
        return self._metric

    @property
    def lr(self) -> LearningRatePlot:
        self.build()
        return self._lr

    @property
    def boundary(self) -> DecisionBoundaryPlot:
        self.build()
        return self._boundary

    def project_changed(self, project) -> None:
        """Tell the boundary (now, or when it is made) which project it is for."""
        self._project = project
        if self.is_built:
            self._boundary.project_changed(project)

    @property
    def all(self):
        return (self.loss, self.metric, self.lr, self.boundary)

    def stop_updates(self) -> None:
        if self.is_built:
            for p in self.all:
                p.stop_updates()

    # ------------------------------------------------------------------ layout
    @Slot(bool)
    def _on_applicability(self, applicable: bool) -> None:
        note = self.boundary.note
        if applicable:
            self.boundary.note_slot.addWidget(note, 1)
            self.note_row.hide()
        else:
            note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.note_row.layout().addWidget(note)
            self.note_row.show()
            note.show()
        if applicable:
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            note.setVisible(self.boundary.grid is None)
        self.boundary.setVisible(applicable)
        QTimer.singleShot(0, self, self.fit_panes)

    def fit_panes(self) -> None:
        """Share the room: the boundary as wide as its row is high (square), the loss
        plot the rest; below, the metric plot before the learning rate."""
        if not self.is_built:
            return
        height = max(1, self.splitter.height())
        top_h = int(height * TOP_SHARE)
        self.splitter.setSizes([top_h, height - top_h])
        width = max(1, self.top.width())
        square = min(top_h, width // 2) if self.boundary.isVisibleTo(self) else 0
        self.top.setSizes([width - square, square])
        lower = max(1, self.bottom.width())
        metric = int(lower * METRIC_SHARE)
        self.bottom.setSizes([metric, lower - metric])

    def reset_layout(self) -> None:
        """Every pane back, at its first size (also one collapsed by a splitter drag)."""
        self.build()
        for splitter in (self.splitter, self.top, self.bottom):
            for i in range(splitter.count()):
                splitter.setCollapsible(i, True)
        self.fit_panes()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._sized and self.is_built:
            self._sized = True
            QTimer.singleShot(0, self, self.fit_panes)
