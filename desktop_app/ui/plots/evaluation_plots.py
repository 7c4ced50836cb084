"""The Evaluation window's other plots: residuals against predictions and the
histogram of errors (regression), permutation importance as bars with their spread,
and a partial-dependence curve. Each gets its data once per evaluation; items are
made once and given new data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.ui.plots.base import LivePlot
from desktop_app.ui.plots.class_curves import PALETTE
from desktop_app.ui.plots.parts import BLUE, GREY

MAX_BARS = 30  # columns drawn in the importance chart (the most important)
MAX_OUTPUTS = 10  # class curves drawn in the partial-dependence plot


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


class ResidualPlot(LivePlot):
    """Actual minus predicted against predicted: a good model leaves a shapeless band
    around zero; a curve or a funnel says what it misses."""

    def __init__(self, parent=None):
        super().__init__("evalResiduals", "Residuals (test)", "predicted", "actual − predicted")
        self.log_check.hide()
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.points = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(0, 79, 138, 120))
        self.plot_item.addItem(self.points)
        self.zero = pg.InfiniteLine(0, angle=0, pen=pg.mkPen(GREY, width=1))
        self.plot_item.addItem(self.zero)

    def set_points(self, predicted, residuals) -> None:
        self.x = np.asarray(predicted, dtype=np.float64)
        self.y = np.asarray(residuals, dtype=np.float64)
        self.mark_dirty()
        self.redraw_now()

    def redraw(self) -> None:
        self.points.setData(self.x, self.y)
        self.plot_item.enableAutoRange()

    def readout(self, x: float) -> str | None:
        if not len(self.x):
            return None
        i = int(np.argmin(np.abs(self.x - x)))
        return f"predicted {self.x[i]:.4g} · residual {self.y[i]:.4g}"


class HistogramPlot(LivePlot):
    """How the errors (actual − predicted) are spread, in the target's units."""

    def __init__(self, parent=None):
        super().__init__("evalErrors", "Errors (test)", "actual − predicted", "test rows")
        self.log_check.hide()
        self.counts = np.zeros(0)
        self.edges = np.zeros(1)
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=pg.mkBrush(BLUE), pen=None)
        self.plot_item.addItem(self.bars)

    def set_histogram(self, counts, edges) -> None:
        self.counts = np.asarray(counts, dtype=np.float64)
        self.edges = np.asarray(edges, dtype=np.float64)
        self.mark_dirty()
        self.redraw_now()

    def redraw(self) -> None:
        self.bars.setOpts(x0=self.edges[:-1], x1=self.edges[1:], height=self.counts)
        self.plot_item.enableAutoRange()

    def readout(self, x: float) -> str | None:
        if not len(self.counts):
            return None
        i = int(np.clip(np.searchsorted(self.edges, x) - 1, 0, len(self.counts) - 1))
        lo, hi = self.edges[i], self.edges[i + 1]
        return f"{lo:.4g} to {hi:.4g}: {int(self.counts[i])} rows"


class ImportancePlot(LivePlot):
    """One bar per input column: how much the headline metric drops when the column's
    values are shuffled across the test rows; the whisker is ± one standard deviation
    over the shuffles. The most important column is at the top."""

    def __init__(self, parent=None):
        super().__init__("evalImportance", "Permutation importance (test)", "", "")
        self.log_check.hide()
        self.names: list[str] = []
        self.mean = np.zeros(0)
        self.std = np.zeros(0)
        self.bars = pg.BarGraphItem(
            x0=[], y=[], width=[], height=0.7, brush=pg.mkBrush(86, 180, 233), pen=None
        )
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), pen=pg.mkPen("k", width=2))
        self.errors.setZValue(5)  # over the bars
        self.plot_item.addItem(self.bars)
        self.plot_item.addItem(self.errors)
        self.plot_item.invertY(True)
        # Room for the column names (cut at 18 characters): pyqtgraph sizes an axis for
        # numbers and may leave longer tick labels out.
        self.plot_item.getAxis("left").setWidth(125)
        self.zero = pg.InfiniteLine(0, angle=90, pen=pg.mkPen(GREY, width=1))
        self.plot_item.addItem(self.zero)

    def set_importance(self, imp) -> None:
        """imp: core.evaluate.importance.Importance, or None to clear."""
        if imp is None:
            self.names, self.mean, self.std = [], np.zeros(0), np.zeros(0)
            self.plot_item.setLabel("bottom", "")
        else:
            order = imp.order()[:MAX_BARS]
            self.names = [imp.names[i] for i in order]
            self.mean, self.std = imp.mean[order], imp.std[order]
            metric = "R²" if imp.metric == "r2" else "accuracy"
            self.plot_item.setLabel("bottom", f"drop in {metric} when shuffled")
        self.mark_dirty()
        self.redraw_now()

    def redraw(self) -> None:
        n = len(self.names)
        y = np.arange(n, dtype=np.float64)
        self.bars.setOpts(x0=np.minimum(self.mean, 0), y=y, width=np.abs(self.mean), height=0.7)
        self.errors.setData(x=self.mean, y=y, left=self.std, right=self.std, beam=0.25)
        ticks = [[(float(i), _short(name)) for i, name in enumerate(self.names)]]
        self.plot_item.getAxis("left").setTicks(ticks)
        if n:
            lo = float(min(0.0, (self.mean - self.std).min()))
            hi = float(max((self.mean + self.std).max(), 1e-3))
            self.plot_item.setRange(xRange=(lo, hi), yRange=(-0.6, n - 0.4), padding=0.03)

    def readout(self, x: float) -> str | None:
        return None  # bars are read by row; see the table-like tooltip below

    def _on_mouse_moved(self, pos) -> None:
        if not self.names or not self.plot_item.sceneBoundingRect().contains(pos):
            return
        row = int(round(self.plot_item.vb.mapSceneToView(pos).y()))
        if 0 <= row < len(self.names):
            self.readout_label.setText(
                f"{self.names[row]}: {self.mean[row]:.4f} ± {self.std[row]:.4f}"
            )


class DependencePlot(LivePlot):
    """The mean prediction as one column is set to each of its values (partial
    dependence): class probabilities, or the predicted value."""

    def __init__(self, parent=None):
        super().__init__("evalDependence", "Partial dependence (test)", "", "mean prediction")
        self.log_check.hide()
        self.pd = None
        self.show_outputs: list[int] = []
        self.items = []

    def set_dependence(self, pd, show_outputs: list[int]) -> None:
        """pd: core.evaluate.importance.PartialDependence (None clears); show_outputs:
        which output columns to draw (for a binary model only class 1)."""
        self.pd = pd
        self.show_outputs = list(show_outputs)[:MAX_OUTPUTS]
        self.mark_dirty()
        self.redraw_now()

    def redraw(self) -> None:
        pd = self.pd
        shown = self.show_outputs if pd is not None else []
        while len(self.items) < len(shown):
            color = PALETTE[len(self.items) % len(PALETTE)]
            self.items.append(
                self.plot_item.plot(
                    pen=pg.mkPen(color, width=2),
                    symbol="o",
                    symbolSize=6,
                    symbolBrush=color,
                    symbolPen=None,
                    name="",
                )
            )
        axis = self.plot_item.getAxis("bottom")
        for i, item in enumerate(self.items):
            self.legend.removeItem(item)
            if i >= len(shown):
                item.setData([], [])
                item.hide()
                continue
            k = shown[i]
            item.setData(
                pd.grid if pd.kind == "numeric" else np.arange(len(pd.grid)), pd.mean[:, k]
            )
            item.show()
            name = pd.output_names[k] if k < len(pd.output_names) else "predicted"
            self.legend.addItem(item, name)
        if pd is None:
            axis.setTicks(None)
            self.plot_item.setLabel("bottom", "")
            return
        if pd.kind == "numeric":
            axis.setTicks(None)
        else:
            axis.setTicks([[(float(i), _short(s, 12)) for i, s in enumerate(pd.labels)]])
        self.plot_item.setLabel("bottom", pd.column)
        self.plot_item.enableAutoRange()

    def readout(self, x: float) -> str | None:
        pd = self.pd
        if pd is None or not len(pd.grid):
            return None
        xs = pd.grid if pd.kind == "numeric" else np.arange(len(pd.grid))
        i = int(np.argmin(np.abs(xs - x)))
        values = ", ".join(
            f"{pd.output_names[k] if k < len(pd.output_names) else 'predicted'} {pd.mean[i, k]:.3f}"
            for k in self.show_outputs
        )
        return f"{pd.column} = {pd.labels[i]}: {values}"
