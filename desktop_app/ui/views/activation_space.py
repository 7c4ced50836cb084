"""Activation space: the test rows as a chosen hidden layer sees them, in two dimensions.

Each dot is a test row placed by the layer's outputs, projected onto the layer's two
principal axes (core.inspect.activations); its colour is the row's class (the boundary
plot's colours, with a legend) or, for regression, its target (viridis, with a colour
bar). While a model trains the cloud moves: classes that start mixed pull apart as the
layer learns features that separate them. The axes say how much of the layer's spread
each one holds.

A redraw is one setData on one scatter item; the brushes are built once per set of
labels (the same test rows all run), and the view range only moves when the cloud
leaves it or shrinks well inside it, which spares the axes regenerating their ticks.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QLabel

from desktop_app.core.inspect.activations import NO_HIDDEN
from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.class_colours import CLASS_COLORS

EMPTY_NOTE = "The activations of a hidden layer appear here while a model trains."
RAMP_STEPS = 64  # colours of the target ramp (regression)


class ActivationSpaceView(LivePlot):
    """The scatter of a hidden layer's activation space, with a layer chooser.

    `layerChosen(int)` says which hidden layer (0 = the first) the user picked, so the
    sampler can project that one from then on; the view itself only draws what it is
    given by `show_space`."""

    layerChosen = Signal(int)  # noqa: N815 (Qt naming)

    def __init__(self, parent=None):
        super().__init__("activationSpace", "Activation space", "PC1", "PC2", parent, budget=0.005)
        self.log_check.hide()
        self.legend.hide()
        self.space = None  # core.inspect.activations.ActivationSpace shown, or None
        self.labels: np.ndarray | None = None
        self.class_names: list[str] = []
        self.update_count = 0
        self._brush_key: object = ()  # what the cached brushes were built for
        self._brushes: list | None = None
        self._axis_labels = ("PC1", "PC2")
        self._filling = False  # set_layers fills the combo: not the user's choice

        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("activationLayerCombo")
        self.layer_combo.setAccessibleName("Hidden layer shown in the activation space")
        self.layer_combo.setToolTip("Which hidden layer's activations to show.")
        # Long names ("hidden 2 (batch norm, leaky ReLU, 100 units)") must not widen the
        # view past its pane: the combo shows their start, its list shows them whole.
        self.layer_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.layer_combo.setMinimumContentsLength(8)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.controls.addWidget(self.layer_combo)

        self.scatter = pg.ScatterPlotItem(size=6, pen=pg.mkPen(255, 255, 255, 160, width=0.6))
        self.plot_item.addItem(self.scatter)
        self.cmap = pg.colormap.get("viridis")
        self._ramp = [
            pg.mkBrush(self.cmap.mapToQColor(i / (RAMP_STEPS - 1))) for i in range(RAMP_STEPS)
        ]
        self._class_brushes = [pg.mkBrush(int(r), int(g), int(b), 220) for r, g, b in CLASS_COLORS]
        self.color_bar = pg.ColorBarItem(
            values=(0, 1), colorMap=self.cmap, interactive=False, width=12
        )
        self.color_bar.setToolTip("Colour: the row's target value.")
        self.plot_item.layout.addItem(self.color_bar, 2, 5)  # where pyqtgraph puts one
        self.plot_item.layout.setColumnFixedWidth(4, 5)
        self.color_bar.hide()

        self.note = QLabel(EMPTY_NOTE)
        self.note.setObjectName("activationSpaceNote")
        self.note.setAccessibleName("Activation space note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout().addWidget(self.note)
        self.plot_widget.setToolTip(
            "Each dot is a test row, placed by the outputs of the chosen hidden layer "
            "projected onto their two main directions (PCA); the percentages say how much "
            "of the layer's spread each axis shows. Colour: the row's class or target."
        )
        self._show_plot(False)

    def _show_plot(self, on: bool) -> None:
        self.plot_widget.setVisible(on)
        for w in (self.fit_button, self.png_button, self.readout_label):
            w.setVisible(on)

    # ------------------------------------------------------------------ layers
    def set_layers(self, layers, current: int = 0) -> None:
        """Offer these hidden layers (core.inspect.activations.LayerInfo); with none,
        say that the network has none."""
        self._filling = True
        try:
            self.layer_combo.clear()
            for row, layer in enumerate(layers):
                self.layer_combo.addItem(layer.name, layer.index)
                self.layer_combo.setItemData(row, layer.name, Qt.ItemDataRole.ToolTipRole)
            if layers:
                self.layer_combo.setCurrentIndex(min(max(current, 0), len(layers) - 1))
        finally:
            self._filling = False
        self.layer_combo.setEnabled(bool(layers))
        if not layers:
            self.clear(NO_HIDDEN)

    @property
    def current_layer(self) -> int | None:
        """The hidden layer chosen in the combo (0 = the first), or None."""
        data = self.layer_combo.currentData()
        return None if data is None else int(data)

    @Slot(int)
    def _on_layer_changed(self, _row: int) -> None:
        if not self._filling and self.current_layer is not None:
            self.layerChosen.emit(self.current_layer)

    # ------------------------------------------------------------------ data in
    def show_space(self, space, labels=None, class_names=None) -> None:
        """Show a new projection; `labels` are the rows' classes (with `class_names`) or
        their target values (regression: no class names), in the rows' order."""
        if space is None:
            return
        self.space = space
        self.labels = None if labels is None else np.asarray(labels).reshape(-1)
        self.class_names = list(class_names or [])
        self.update_count += 1
        self.note.setText(space.note)
        self.note.setVisible(bool(space.note))
        self._show_plot(True)
        self.mark_dirty()

    def clear(self, note: str = EMPTY_NOTE) -> None:
        """Nothing to show, and why (no run yet, no hidden layers, ...)."""
        self.space = None
        self.labels = None
        self.update_count = 0
        self.scatter.setData([], [])
        self._brush_key = ()
        self.legend.clear()
        self.legend.hide()
        self.color_bar.hide()
        self.readout_label.setText("")
        self.note.setText(note)
        self.note.setVisible(True)
        self._show_plot(False)

    # ------------------------------------------------------------------ drawing
    def _brushes_for(self, n: int) -> list | None:
        """One brush per row, rebuilt only when the labels or class names change."""
        labels = self.labels
        if labels is None or len(labels) != n:
            key = None
        else:
            key = (labels.dtype.str, labels.tobytes(), tuple(self.class_names))
        if key == self._brush_key:
            return self._brushes
        self._brush_key = key
        self.legend.clear()
        self.legend.setVisible(False)
        self.color_bar.setVisible(False)
        if key is None:
            self._brushes = None
        elif self.class_names:
            classes = labels.astype(np.int64) % len(self._class_brushes)
            self._brushes = [self._class_brushes[c] for c in classes]
            for c, name in enumerate(self.class_names[: len(self._class_brushes)]):
                sample = pg.ScatterPlotItem(size=8, pen=None, brush=self._class_brushes[c])
                self.legend.addItem(sample, name)
            self.legend.setVisible(True)
        else:
            values = labels.astype(np.float64)
            lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
            span = (hi - lo) or 1.0
            idx = np.clip(((values - lo) / span * (RAMP_STEPS - 1)).astype(int), 0, RAMP_STEPS - 1)
            self._brushes = [self._ramp[i] for i in idx]
            self.color_bar.setLevels((lo, hi if hi > lo else lo + 1.0))
            self.color_bar.setVisible(True)
        return self._brushes

    def redraw(self) -> None:
        s = self.space
        if s is None:
            return
        pts = s.points
        brushes = self._brushes_for(len(pts))
        if brushes is None:
            self.scatter.setData(pos=pts, brush=self._class_brushes[0])
        else:
            self.scatter.setData(pos=pts, brush=brushes)
        if tuple(s.axis_labels) != self._axis_labels:
            self._axis_labels = tuple(s.axis_labels)
            self.plot_item.setLabel("bottom", self._axis_labels[0])
            self.plot_item.setLabel("left", self._axis_labels[1])
        # Both principal axes are in the layer's units: equal scales keep distances
        # true. A 1-unit layer plots its value against the row number instead.
        self.plot_item.setAspectLocked(s.layer.width > 1, ratio=1.0)
        if self.following and len(pts):
            self._keep_in_view(pts)

    def _keep_in_view(self, pts: np.ndarray) -> None:
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        # A cloud with no spread (a constant layer) is shown on a unit scale, not zoomed
        # into the last digits of float32 noise.
        span = hi - lo
        span = np.where(span > 1e-6 * (1 + np.maximum(np.abs(lo), np.abs(hi))), span, 1.0)
        vb = self.plot_item.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        view_lo, view_hi = np.array([x0, y0]), np.array([x1, y1])
        outside = np.any(lo < view_lo) or np.any(hi > view_hi)
        too_loose = np.any(view_hi - view_lo > 3 * span)
        if outside or too_loose:
            pad = 0.15 * span
            vb.disableAutoRange()
            vb.setRange(
                xRange=(lo[0] - pad[0], hi[0] + pad[0]),
                yRange=(lo[1] - pad[1], hi[1] + pad[1]),
                padding=0,
            )

    def readout(self, x: float) -> str | None:
        return None

    def _on_mouse_moved(self, pos) -> None:
        s = self.space
        if s is None or not len(s.points) or not self.plot_item.sceneBoundingRect().contains(pos):
            return
        p = self.plot_item.vb.mapSceneToView(pos)
        self.readout_label.setText(self.describe_nearest(p.x(), p.y()))

    def describe_nearest(self, x: float, y: float) -> str:
        """The test row nearest (x, y) in the view, for the read-out."""
        s = self.space
        if s is None or not len(s.points):
            return ""
        i = int(np.argmin(np.sum((s.points - (x, y)) ** 2, axis=1)))
        text = f"row {i + 1}"
        if self.labels is not None and len(self.labels) == len(s.points):
            v = self.labels[i]
            if self.class_names:
                c = int(v)
                text += f": {self.class_names[c] if c < len(self.class_names) else c}"
            else:
                text += f": target {float(v):.4g}"
        if s.layer.width == 1:
            return f"{text}, output {s.points[i, 0]:.3g}"
        return f"{text} (PC1 {s.points[i, 0]:.3g}, PC2 {s.points[i, 1]:.3g})"
