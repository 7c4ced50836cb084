"""Neuron maps: each hidden unit's output over the plane of two features, as thumbnails.

TensorFlow Playground's signature view, beside the network drawing: one column per
hidden layer, one small heat map per unit, and the output's map last (its white band is
the decision boundary). Across each thumbnail runs the first feature, up it the second,
over the training data's span (core.inspect.neuron_maps computes the values).

Colours: white is always 0 and orange positive. Units that can go negative (tanh,
identity, ELU, GELU, leaky ReLU, and the output's logits) use a diverging map, blue
below 0; units that cannot (ReLU, sigmoid) use a sequential one, white to orange. One
scale per layer (its largest |value|), so a unit that barely responds looks faint beside
one that does the work; each thumbnail's tooltip gives its own range.

Drawing is cheap: a layer's thumbnails are coloured in one numpy lookup, then each
becomes a pixmap on a QLabel (about 0.6 ms for 16 units, 3.5 ms for 130, paint included).
A hidden view keeps only the newest maps and draws them when shown, and like the plots
the view keeps its drawing within a share of the GUI thread's time (`budget`): maps that
arrive sooner wait for a single-shot timer, and only the newest is drawn.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from desktop_app.core.inspect.neuron_maps import output_meaning, unavailable_reason
from desktop_app.ui.plots.class_colours import CLASS_COLORS
from desktop_app.ui.tracking import track_timer

THUMB = 40  # px per thumbnail side
MAX_WIDTH = 360  # px the view asks for at most, beside a network drawing on 1366x768
EMPTY_NOTE = "Each hidden unit's map of the input plane appears here while a model trains."


def _ramp(far: np.ndarray, steps: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return 255.0 + t * (far[None, :] - 255.0)


# 256-entry colour tables, uint8 RGB: index 0..255 across the scale.
DIVERGING = np.vstack([_ramp(CLASS_COLORS[0], 128)[::-1], _ramp(CLASS_COLORS[1], 128)]).astype(
    np.uint8
)
SEQUENTIAL = _ramp(CLASS_COLORS[1], 256).astype(np.uint8)


def colourise(values: np.ndarray, limit: float, signed: bool) -> np.ndarray:
    """(units, ny, nx) values -> (units, ny, nx, 3) uint8 images, top row first (the
    maps' row 0 is the low end of the second feature, drawn at the bottom)."""
    limit = limit if limit > 0 else 1.0
    if signed:
        idx = (values / limit + 1.0) * 127.5
        table = DIVERGING
    else:
        idx = values / limit * 255.0
        table = SEQUENTIAL
    idx = np.clip(idx, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(table[idx[:, ::-1]])


def to_pixmap(rgb: np.ndarray, side: int = THUMB) -> QPixmap:
    ny, nx = rgb.shape[:2]
    image = QImage(rgb.data, nx, ny, 3 * nx, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image).scaled(
        side,
        side,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def scale_words(layer, limit: float) -> str:
    """How a column's colours read, for its header's tooltip."""
    if layer.signed:
        return f"blue below 0, white at 0, orange above; full colour at ±{limit:.3g}"
    return f"white at 0, orange up to {limit:.3g}"


class NeuronColumn(QWidget):
    """One layer's thumbnails under a short header."""

    def __init__(self, header: str, units: int, total: int, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.header = QLabel(header)
        self.header.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.header)
        self.thumbs: list[QLabel] = []
        for _ in range(units):
            thumb = QLabel()
            thumb.setFixedSize(THUMB, THUMB)
            layout.addWidget(thumb, 0, Qt.AlignmentFlag.AlignHCenter)
            self.thumbs.append(thumb)
        self.more = QLabel(f"+{total - units} more" if total > units else "")
        self.more.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.more.setVisible(total > units)
        layout.addWidget(self.more)
        layout.addStretch(1)


class NeuronMapsView(QWidget):
    """Thumbnails of every unit's map, one column per hidden layer and the output last;
    a note instead when there is nothing to show (not two-feature data, no run yet)."""

    def __init__(self, parent=None, budget: float = 0.005):
        super().__init__(parent)
        self.setObjectName("neuronMapsView")
        self.budget = budget  # share of wall time the drawing may take
        self.draw_cost_ms = 0.0  # CPU time of the last draw
        self._last_draw = -1e9  # time.monotonic() of the last draw
        self._timer = track_timer(QTimer(self))
        self._timer.setObjectName("neuronMapsRedrawTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)
        self.maps = None  # core.inspect.neuron_maps.NeuronMaps shown (or waiting), or None
        self.update_count = 0  # maps received
        self.draw_count = 0  # maps drawn (a hidden view skips all but the newest)
        self._pending = False
        self._shape = None  # the layers the columns were built for
        self.columns: list[NeuronColumn] = []

        self.title = QLabel("<b>Neuron maps</b>")
        self.axes = QLabel("")
        self.axes.setObjectName("neuronMapsAxes")
        self.axes.setWordWrap(True)
        self.note = QLabel(EMPTY_NOTE)
        self.note.setObjectName("neuronMapsNote")
        self.note.setAccessibleName("Neuron maps note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.grid = QWidget()
        self.grid_layout = QHBoxLayout(self.grid)
        self.grid_layout.setContentsMargins(2, 2, 2, 2)
        self.grid_layout.setSpacing(6)
        self.grid_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("neuronMapsScroll")
        self.scroll.setAccessibleName("Neuron maps: one column of thumbnails per layer")
        self.scroll.setToolTip(
            "What each unit computes over the plane of the two features: white is 0, "
            "orange positive, blue negative. Hover over a thumbnail for its unit."
        )
        self.scroll.setWidget(self.grid)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.axes)
        self._show_maps_area(False)

    def _show_maps_area(self, on: bool) -> None:
        self.scroll.setVisible(on)
        self.axes.setVisible(on)
        self.note.setVisible(not on)

    # ------------------------------------------------------------------ data in
    def show_maps(self, maps) -> None:
        """Show new maps; drawn now if the view is on screen, else when it is shown."""
        if maps is None:
            return
        self.maps = maps
        self.update_count += 1
        self._show_maps_area(True)
        self._pending = True
        if not self.isVisible() or self._timer.isActive():
            return
        wait_ms = 1000 * (
            self._last_draw + self.draw_cost_ms / 1000 / self.budget - time.monotonic()
        )
        if wait_ms > 1:
            self._timer.start(int(wait_ms))
        else:
            self._draw()

    @Slot()
    def _on_timer(self) -> None:
        if self._pending and self.maps is not None and self.isVisible():
            self._draw()

    @property
    def is_waiting(self) -> bool:
        """True while newer maps wait for the drawing budget."""
        return self._timer.isActive()

    def stop_updates(self) -> None:
        """Stop the redraw timer (window closing)."""
        self._timer.stop()
        self._pending = False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Room for a few columns beside the network drawing, never more."""
        return QSize(min(self.grid.sizeHint().width() + 24, MAX_WIDTH), 360)

    def prepare_for(self, n_features: int) -> None:
        """Empty, before a run on data with `n_features` features: the note says
        whether maps will come, or why they will not."""
        self.clear(unavailable_reason(n_features) or EMPTY_NOTE)

    def clear(self, note: str = EMPTY_NOTE) -> None:
        """Nothing to show, and why (not two-feature data, no run yet, ...)."""
        self.maps = None
        self.stop_updates()
        self.update_count = 0
        self.note.setText(note)
        self._show_maps_area(False)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._pending and self.maps is not None:
            self._draw()

    # ------------------------------------------------------------------ drawing
    def _rebuild(self, layers) -> None:
        for column in self.columns:
            self.grid_layout.removeWidget(column)
            column.deleteLater()
        self.columns = []
        for k, maps in enumerate(layers):
            last = k == len(layers) - 1
            header = "output" if last else f"layer {k + 1}"
            column = NeuronColumn(header, maps.shown, maps.layer.width)
            self.grid_layout.insertWidget(k, column, 0, Qt.AlignmentFlag.AlignTop)
            column.show()  # now, not from the event loop: the size below counts it
            self.columns.append(column)
        # Room for every column up to a few (more scroll sideways); the layout around
        # asks again for the size, which the columns just changed.
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        self.scroll.setMinimumWidth(min(self.grid.sizeHint().width() + bar, MAX_WIDTH))
        self.updateGeometry()

    def _draw(self) -> None:
        t0 = time.thread_time()
        m = self.maps
        self._pending = False
        layers = [*m.layers, m.output]
        shape = tuple((u.layer.name, u.shown) for u in layers)
        if shape != self._shape:
            self._shape = shape
            self._rebuild(layers)
        for k, (column, maps) in enumerate(zip(self.columns, layers, strict=True)):
            last = k == len(layers) - 1
            limit = maps.limit
            images = colourise(maps.values, limit, maps.layer.signed)
            part = f"; its first {maps.shown} of {maps.layer.width} units" * (
                maps.shown < maps.layer.width
            )
            column.header.setToolTip(
                f"{'output' if last else maps.layer.name}: {scale_words(maps.layer, limit)}{part}"
            )
            for u, thumb in enumerate(column.thumbs):
                thumb.setPixmap(to_pixmap(images[u]))
                lo, hi = float(maps.lo[u]), float(maps.hi[u])
                if last:
                    meaning = output_meaning(m.task, m.class_names, u)
                    text = f"output, unit {u + 1} ({meaning}): {lo:.3g} to {hi:.3g}"
                else:
                    text = f"layer {k + 1}, unit {u + 1}: {lo:.3g} to {hi:.3g}"
                thumb.setToolTip(text)
                thumb.setAccessibleName(text)
        names = [*m.feature_names, "feature 1", "feature 2"]
        self.axes.setText(f"→ {names[0]}   ↑ {names[1]}")
        self.draw_count += 1
        self.draw_cost_ms = (time.thread_time() - t0) * 1000
        self._last_draw = time.monotonic()

    def thumbnail(self, layer: int, unit: int) -> QLabel:
        """The thumbnail of `unit` in column `layer` (0-based; the output is last)."""
        return self.columns[layer].thumbs[unit]
