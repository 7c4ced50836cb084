"""The class colours every view shares (the boundary, the activation space, the neuron
maps): Okabe–Ito, colour-blind safe; blue and orange first (the binary pair). A module of
its own, without pyqtgraph, so that the views that only need the colours (the neuron
maps, on the startup path) do not import pyqtgraph before the window's first paint."""

from __future__ import annotations

import numpy as np

CLASS_COLORS = np.array(
    [
        (0, 114, 178),
        (213, 94, 0),
        (0, 158, 115),
        (204, 121, 167),
        (230, 159, 0),
        (86, 180, 233),
        (240, 228, 66),
        (0, 0, 0),
    ],
    dtype=np.float64,
)
