"""The "Inside the network" tab: the network with its numbers (and, for two-feature data,
each hidden unit's map of the input plane beside it) over its gradient health and the
activation space of a hidden layer.

The sample the network view shows is picked here (the mean over a batch of training
rows, or one of its first rows); switching is instant, also while a run is paused or
after it ended, because every sample carries the values of those rows.
objectNames: insideView, insideSampleCombo, insideReadout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.views.network_values import NetworkValuesView
from desktop_app.ui.views.neuron_maps import NeuronMapsView
from desktop_app.ui.views.replay_bar import ReplayBar

TOP_SHARE = 0.55  # of the height: the network (and the neuron maps)

LEGEND = (
    "<span style='color:#1f5fa8'>■</span> positive, "
    "<span style='color:#d55e00'>■</span> negative; edges: weights (thicker: larger |w|), "
    "nodes: the sample's values (white: 0)"
)


class InsideView(QWidget):
    """What the network looks like inside, live during a run and for a finished model."""

    layerChosen = Signal(int)  # noqa: N815 (Qt naming): the activation space's layer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insideView")
        self.replay_bar = ReplayBar()
        self.class_names: list[str] = []
        self.sample = None
        self.built = False
        self._pending_run = None  # what arrived before the views were built
        self._pending_look = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self.replay_bar)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.build()
        super().showEvent(event)

    def build(self) -> None:
        """Make the views (four plots and the network drawing, about 25 ms): the window
        calls it after its first paint, so startup does not wait for a hidden tab."""
        if self.built:
            return
        self.built = True
        from desktop_app.ui.views.activation_space import ActivationSpaceView  # (pyqtgraph)
        from desktop_app.ui.views.gradient_health import GradientHealthView

        self.network = NetworkValuesView()
        self.health = GradientHealthView()
        self.neurons = NeuronMapsView()
        self.activations = ActivationSpaceView()
        self.activations.layerChosen.connect(self.layerChosen)
        self.sample_combo = QComboBox()
        self.sample_combo.setObjectName("insideSampleCombo")
        self.sample_combo.setAccessibleName("Sample shown in the network")
        self.sample_combo.setToolTip(
            "Whose values the nodes show: the mean over a batch of training rows, or one "
            "training row (its inputs, each layer's z = W·x + b and output a)."
        )
        self.sample_combo.setMinimumContentsLength(14)
        self.sample_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.sample_combo.currentIndexChanged.connect(self._on_sample_chosen)
        self.readout = QLabel("")
        self.readout.setObjectName("insideReadout")
        self.readout.setAccessibleName("Value under the mouse in the network")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.network.hovered.connect(self._on_hovered)
        self.step_label = QLabel("")
        self.step_label.setObjectName("insideStep")
        legend = QLabel(LEGEND)
        legend.setWordWrap(True)
        legend.setObjectName("insideLegend")

        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 0)
        title = QLabel("<b>Network</b>")
        header.addWidget(title)
        sample_label = QLabel("&Sample:")
        sample_label.setBuddy(self.sample_combo)
        header.addWidget(sample_label)
        header.addWidget(self.sample_combo)
        header.addWidget(self.step_label)
        header.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(2)
        left_layout.addLayout(header)
        left_layout.addWidget(self.network, 1)
        left_layout.addWidget(self.readout)
        left_layout.addWidget(legend)

        self.top = QSplitter(Qt.Orientation.Horizontal)
        self.top.setObjectName("insideTopSplitter")
        self.top.addWidget(left)
        self.top.addWidget(self.neurons)
        self.top.setStretchFactor(0, 3)
        self.top.setStretchFactor(1, 1)
        self.bottom = QSplitter(Qt.Orientation.Horizontal)
        self.bottom.setObjectName("insideBottomSplitter")
        self.bottom.addWidget(self.health)
        self.bottom.addWidget(self.activations)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("insideSplitter")
        self.splitter.addWidget(self.top)
        self.splitter.addWidget(self.bottom)
        self.splitter.setStretchFactor(0, 11)
        self.splitter.setStretchFactor(1, 9)
        self._layout.addWidget(self.splitter, 1)
        self.splitter.show()  # now, if this view is on screen (a layout shows it later)
        self._fill_samples(0)
        run, look = self._pending_run, self._pending_look
        self._pending_run = self._pending_look = None
        if run is not None:
            self.start_run(run)
        if look is not None:
            self.show_look(*look)

    @property
    def current_layer(self) -> int | None:
        """The hidden layer the activation space shows (0 = the first)."""
        return self.activations.current_layer if self.built else None

    def stop_updates(self) -> None:
        """Stop the redraw timers (window closing)."""
        if not self.built:
            return
        self.health.plot.stop_updates()
        self.neurons.stop_updates()
        self.activations.stop_updates()

    # ------------------------------------------------------------------ data
    def clear(self) -> None:
        self.replay_bar.set_epochs([])
        if not self.built:
            self._pending_run = self._pending_look = None
            return
        self.sample = None
        self.network.set_sample(None)
        self.health.clear()
        self.neurons.clear()
        self.activations.clear()
        self.step_label.setText("")
        self.readout.setText("")

    def start_run(self, info) -> None:
        """A run begins (run_reports.RunInfo): its layers, classes and data shape."""
        if not self.built:
            self._pending_run, self._pending_look = info, None
            return
        self.class_names = list(info.class_names)
        self.activations.set_layers(info.hidden_layers, self.activations.current_layer or 0)
        self.neurons.prepare_for(info.n_features)
        self.neurons.setVisible(info.n_features == 2)

    def show_look(self, look, input_names=None, class_names=None, live: bool = True) -> None:
        """A core.inspect.look.InsideLook: every view's latest numbers."""
        if not self.built:
            self._pending_look = (look, input_names, class_names, live)
            return
        if class_names is not None:
            self.class_names = list(class_names)
        self.show_sample(look.network, input_names, live)
        if look.activations is not None:
            self.activations.show_space(look.activations, look.labels, self.class_names)
            if not live and self.activations.isVisible():
                self.activations.redraw_now()  # a replayed epoch: at once, not on the clock
        if look.neurons is not None:
            self.neurons.setVisible(True)
            self.neurons.show_maps(look.neurons)

    def show_sample(self, sample, input_names: list[str] | None = None, live: bool = True) -> None:
        """A core.inspect.network.NetworkSample (live: during a run, added to the plots)."""
        self.sample = sample
        if self.sample_combo.count() - 1 != sample.rows:
            self._fill_samples(sample.rows)
        self.network.set_sample(sample, input_names)
        self.health.show_sample(sample, live=live)
        self.step_label.setText(f"at step {sample.step:,}" if sample.step else "initial weights")

    def _fill_samples(self, rows: int) -> None:
        current = self.sample_combo.currentIndex()
        self.sample_combo.blockSignals(True)
        self.sample_combo.clear()
        n = self.sample.n_probe if self.sample is not None else 0
        self.sample_combo.addItem(f"Mean over {n} training rows" if n else "Mean over a batch")
        for r in range(rows):
            self.sample_combo.addItem(f"Training row {r + 1}")
        self.sample_combo.setCurrentIndex(current if 0 <= current <= rows else 0)
        self.sample_combo.blockSignals(False)

    @Slot(int)
    def _on_sample_chosen(self, index: int) -> None:
        self.network.set_row(None if index <= 0 else index - 1)

    @Slot(str)
    def _on_hovered(self, text: str) -> None:
        self.readout.setText(text)
