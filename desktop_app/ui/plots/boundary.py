"""The decision boundary: the model's predicted class over a plane through its inputs.

For classification data the image shows, at each point of the plane, the class the
model predicts there, coloured by class and shaded by its probability (white where the
model is unsure), with the training points on top. Two-feature data (moons, circles,
spiral, XOR, a two-column table) is drawn on its own plane; with more features the
plane is chosen in the pane (plane_chooser.py: principal components or two features,
the rest at their mean) and the axes and a caption under the plot say which plane is
shown. Regression on one feature draws the fitted curve, on more features the predicted
value as a heat map on the same kind of plane. It updates live during a run (the worker
sends a new grid at most every half second) and shows the final model after a run or a
model file is loaded. For data with nothing to draw a note says why.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QLabel

from desktop_app.core.boundary import NOT_SHOWN, CurveGrid, HeatGrid, unavailable_reason
from desktop_app.core.catalog import REGRESSION
from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.class_colours import CLASS_COLORS
from desktop_app.ui.plots.plane_chooser import PlaneChooser

EMPTY_NOTE = "The decision boundary appears here while a model trains."
EMPTY_CURVE_NOTE = "The fitted curve appears here while a model trains."
EMPTY_HEAT_NOTE = "The model's predicted value appears here while a model trains."
EMPTY_NOTES = (EMPTY_NOTE, EMPTY_CURVE_NOTE, EMPTY_HEAT_NOTE)
HEAT_MAP = pg.colormap.get("viridis")  # perceptually even, colour-blind safe


def shade(probabilities: np.ndarray) -> np.ndarray:
    """RGB image (ny, nx, 3) uint8: each cell in its predicted class's colour, faded to
    white as the probability falls to chance (1 / n_classes)."""
    k = probabilities.shape[-1]
    cls = probabilities.argmax(axis=-1)
    p = probabilities.max(axis=-1)
    strength = np.clip((p - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None]
    color = CLASS_COLORS[cls % len(CLASS_COLORS)]
    light = 255.0 - 0.55 * (255.0 - color)  # a paler tint, so the points stand out
    rgb = 255.0 + strength * (light - 255.0)
    return rgb.astype(np.uint8)


def heat(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """RGB (..., 3) uint8 of `values` on the heat map's colours, lo to hi."""
    t = np.clip((np.asarray(values, np.float64) - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
    return HEAT_MAP.map(t, mode="byte")[..., :3]


class DecisionBoundaryPlot(LivePlot):
    """The model's decision boundary over a plane, with the training points.

    `applicable` says whether the project in view gets a picture at all;
    `applicabilityChanged(bool)` lets the plots area give the pane's room to the other
    plots when it does not. `planeChosen(PlaneChoice)`: the user picked another plane.
    Its axes keep equal scales where the plane's two axes share units (circles stay
    circles)."""

    applicabilityChanged = Signal(bool)  # noqa: N815 (Qt naming)
    planeChosen = Signal(object)  # noqa: N815 (Qt naming)

    def __init__(self, parent=None):
        super().__init__(
            "boundary",
            "Decision boundary",
            "feature 1",
            "feature 2",
            parent,
            budget=0.003,
            grid_over_data=True,  # over the heat map, which would hide it
        )
        self.log_check.hide()
        self.grid = None  # core.boundary.BoundaryGrid shown, or None
        self.update_count = 0  # grids received (live updates and final ones)
        self._drawn_points = None
        self._drawn_rect = None
        self._drawn_labels = None
        self._drawn_aspect = None
        self._drawn_plane = None
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot_item.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen(255, 255, 255, 160, width=0.6))
        self.plot_item.addItem(self.points)
        # Regression on one feature: the model's curve over the training points instead.
        self.curve = self.plot_item.plot(pen=pg.mkPen((213, 94, 0), width=2.5))
        self.curve.setZValue(10)
        self.plot_item.setAspectLocked(True, ratio=1.0)  # equal scales: circles are circles
        self.applicable = True  # until the project says otherwise
        self.legend.hide()
        self.chooser = PlaneChooser()
        self.chooser.chosen.connect(self.planeChosen)
        self.chooser.hide()  # until the project has more than two features
        self.layout().insertWidget(1, self.chooser)
        self.caption = QLabel("")
        self.caption.setObjectName("boundaryCaption")
        self.caption.setAccessibleName("Decision boundary: plane shown")
        self.caption.setWordWrap(True)
        self.caption.setContentsMargins(6, 0, 6, 2)
        font = self.caption.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)  # a figure's caption: read, not the figure
        self.caption.setFont(font)
        self.caption.hide()
        self.layout().addWidget(self.caption)
        self.note = QLabel(EMPTY_NOTE)
        self.note.setObjectName("boundaryNote")
        self.note.setAccessibleName("Decision boundary note")
        self.note.setToolTip(
            "The decision boundary shows which class the model predicts at each point of "
            "the plane of two features."
        )
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout().addWidget(self.note, 1)
        self.note_slot = self.layout()  # where the note sits while the pane is shown
        self.plot_widget.setToolTip(
            "What the model predicts at each point of the plane its axes name: colour is "
            "the class, paler means less sure, white is the boundary (for regression: the "
            "predicted value); dots are training samples, dropped onto the plane. Drag to "
            "pan, scroll to zoom."
        )
        self._show_plot(False)

    def _show_plot(self, on: bool) -> None:
        self.plot_widget.setVisible(on)
        self.note.setVisible(not on)
        for w in (self.fit_button, self.png_button, self.readout_label):
            w.setVisible(on)
        if not on:
            self.caption.hide()

    @property
    def choice(self):
        """The plane the user chose (core.planes.PlaneChoice)."""
        return self.chooser.choice

    # ------------------------------------------------------------------ data in
    def _set_applicable(self, applicable: bool) -> None:
        if applicable != self.applicable:
            self.applicable = applicable
            self.applicabilityChanged.emit(applicable)

    def _set_note(self, text: str) -> None:
        self.note.setText(text)
        self._set_applicable(self.grid is not None or text in EMPTY_NOTES)

    def set_grid(self, grid) -> None:
        """Show a new boundary grid (core.boundary.BoundaryGrid)."""
        if grid is None:
            return
        self.grid = grid
        names = getattr(grid, "feature_names", [])
        self.chooser.setVisible(len(names) > 2)
        self.chooser.set_features(names)
        self._set_applicable(True)
        self.update_count += 1
        self._show_plot(True)
        self.mark_dirty()

    def show_final(self, grid, reason: str | None = None, at_once: bool = True) -> None:
        """After a run or a loaded model: its boundary, or why there is none.

        at_once=False: drawn in the next turn, as at the end of a run, when the GUI
        thread already has the results and the other plots to draw."""
        if grid is not None:
            self.set_grid(grid)
            if at_once:
                self.redraw_now()
            else:
                self.redraw_soon()
        else:
            self.clear(reason or NOT_SHOWN)

    def project_changed(self, project) -> None:
        """With no boundary shown, say whether this project will get one."""
        if self.grid is not None or project is None:
            return
        self._set_note(self._note_for(project))

    def _note_for(self, project) -> str:
        task = "binary" if project.task == "auto" else project.task  # a table not read yet
        n = project.data.features
        curve = task == REGRESSION and n == 1
        title, empty = "Decision boundary", EMPTY_NOTE
        if task == REGRESSION:
            title, empty = (
                ("Fitted curve", EMPTY_CURVE_NOTE)
                if curve
                else ("Predicted value", EMPTY_HEAT_NOTE)
            )
        self.title_label.setText(f"<b>{title}</b>")
        self.chooser.setVisible(n > 2)
        return unavailable_reason(task, n) or empty

    def clear_for(self, project) -> None:
        """Empty, for `project` (about to open or run): its pane stays as the project
        decides (shown or given to the other plots) rather than flickering open until a
        run starts, which cost the GUI thread for the whole run."""
        self.clear(self._note_for(project))

    def prepare_run(self, project) -> None:
        """Before a run of `project`: as clear_for, except that a boundary on screen
        stays until the run's first grid (its initial weights, sent as the run starts)
        replaces it; emptying the pane and filling it again laid it out and painted it
        twice more at every run."""
        note = self._note_for(project)
        if self.grid is not None and note in EMPTY_NOTES:
            self.update_count = 0
            return
        self.clear(note)

    def explain(self, reason: str) -> None:
        self.clear(reason)

    def clear(self, note: str = EMPTY_NOTE) -> None:
        self.grid = None
        self.update_count = 0
        self.image.clear()
        self.points.setData([], [])
        self._drawn_points = None
        self._drawn_plane = None
        self._drawn_rect = None
        self._drawn_labels = None
        self._drawn_aspect = None
        self.readout_label.setText("")
        self._show_plot(False)
        self._set_note(note)

    # ------------------------------------------------------------------ drawing
    def _draw_curve(self, g) -> None:
        self.plot_item.setAspectLocked(False)  # a curve: its axes have different units
        self._drawn_aspect = False
        self.title_label.setText("<b>Fitted curve</b>")
        self._set_caption("")
        self.image.clear()
        self.curve.setData(g.x, g.y)
        if g.points is not self._drawn_points:
            self._drawn_points = g.points
            self.points.setData(g.points[:, 0], g.points[:, 1], brush=pg.mkBrush(0, 114, 178, 150))
        self.plot_item.setLabel("bottom", g.feature_name)
        self.plot_item.setLabel("left", "target")
        self._drawn_labels = None
        if self.following:
            ys = np.concatenate([g.y, g.points[:, 1]])
            pad = 0.05 * ((ys.max() - ys.min()) or 1.0)
            self.plot_item.vb.setRange(
                xRange=(g.x[0], g.x[-1]), yRange=(ys.min() - pad, ys.max() + pad), padding=0
            )

    def redraw(self) -> None:
        g = self.grid
        if g is None:
            return
        if isinstance(g, CurveGrid):
            self._draw_curve(g)
            return
        if self._drawn_aspect != g.equal_scale:  # each call lays the view out again
            self._drawn_aspect = g.equal_scale
            self.plot_item.setAspectLocked(g.equal_scale, ratio=1.0)
        if g.choice != self._drawn_plane:  # another plane: its own view, from the start
            self._drawn_plane = g.choice
            if not self.following:
                self.auto_range()
        if self.curve.xData is not None and len(self.curve.xData):
            self.curve.setData([], [])  # a fitted curve drawn before
        (x0, x1), (y0, y1) = g.x_range, g.y_range
        if isinstance(g, HeatGrid):
            self._set_title("Predicted value")
            lo, hi = float(g.values.min()), float(g.values.max())
            self.image.setImage(heat(g.values, lo, hi), autoLevels=False, levels=(0, 255))
            self._set_caption(f"{g.caption}. Purple {lo:.3g}, yellow {hi:.3g}.")
        else:
            self._set_title("Decision boundary")
            self.image.setImage(shade(g.probabilities), autoLevels=False, levels=(0, 255))
            self._set_caption(g.caption)
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        if rect != self._drawn_rect:
            self._drawn_rect = rect
            self.image.setRect(rect)
        if g.points is not self._drawn_points:  # the same points all run: drawn once
            self._drawn_points = g.points
            self.points.setData(g.points[:, 0], g.points[:, 1], brush=self._brushes(g))
        # Labels and the view only when they change: setting them, even to what they
        # are, lays the plot out again and costs a second paint at every update.
        if (g.x_label, g.y_label) != self._drawn_labels:
            self._drawn_labels = (g.x_label, g.y_label)
            self.plot_item.setLabel("bottom", g.x_label)
            self.plot_item.setLabel("left", g.y_label)
        if self.following and self.plot_item.vb.viewRange() != [[x0, x1], [y0, y1]]:
            self.plot_item.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _set_title(self, title: str) -> None:
        text = f"<b>{title}</b>"
        if self.title_label.text() != text:
            self.title_label.setText(text)

    @staticmethod
    def _brushes(g) -> list:
        """One brush per colour, shared by the points of that colour: pyqtgraph renders
        a symbol per distinct brush, which for 2,000 brushes of their own took ~50 ms
        of the GUI thread at each new plane."""
        if isinstance(g, HeatGrid):  # each sample in its value's colour, in 32 steps
            lo, hi = float(g.values.min()), float(g.values.max())
            steps = np.clip(np.round((g.targets - lo) / ((hi - lo) or 1.0) * 31), 0, 31)
            index = steps.astype(int)
            palette = heat(np.linspace(lo, hi, 32), lo, hi)
        else:
            labels = g.labels if len(g.labels) == len(g.points) else np.zeros(len(g.points), int)
            index = labels % len(CLASS_COLORS)
            palette = CLASS_COLORS
        brushes = [pg.mkBrush(int(r), int(gg), int(b), 230) for r, gg, b in palette]
        return [brushes[i] for i in index]

    def _set_caption(self, text: str) -> None:
        if text != self.caption.text():
            self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def class_at(self, x: float, y: float) -> int | None:
        """The class the shown boundary predicts at (x, y), in the data's units."""
        if self.grid is None or isinstance(self.grid, CurveGrid | HeatGrid):
            return None
        return self.grid.class_at(x, y)

    def readout(self, x: float) -> str | None:
        return None

    def _on_mouse_moved(self, pos) -> None:
        g = self.grid
        if g is None or not self.plot_item.sceneBoundingRect().contains(pos):
            return
        p = self.plot_item.vb.mapSceneToView(pos)
        if isinstance(g, CurveGrid):  # the model's value at this x
            i = int(np.clip(np.searchsorted(g.x, p.x()), 0, len(g.x) - 1))
            self.readout_label.setText(f"x {g.x[i]:.3g}: predicted {g.y[i]:.4g}")
            return
        (x0, x1), (y0, y1) = g.x_range, g.y_range
        if not (x0 <= p.x() <= x1 and y0 <= p.y() <= y1):
            self.readout_label.setText("")
            return
        if isinstance(g, HeatGrid):
            value = g.value_at(p.x(), p.y())
            self.readout_label.setText(f"({p.x():.3g}, {p.y():.3g}): predicted {value:.4g}")
            return
        probs = g.probabilities[g.cell(p.x(), p.y())]
        c = int(probs.argmax())
        name = g.class_names[c] if c < len(g.class_names) else str(c)
        self.readout_label.setText(
            f"({p.x():.3g}, {p.y():.3g}): {name} {100 * float(probs[c]):.0f}%"
        )
