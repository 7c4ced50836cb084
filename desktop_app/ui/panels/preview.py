"""The dataset preview: size, class balance and a scatter plot, built off the GUI thread.

Generating a dataset imports scikit-learn and may take a while, so DatasetPreview
debounces requests (150 ms), runs the newest one on its JobRunner (ui.jobs) and
drops any result that is not for the newest request. At most PREVIEW_ROWS rows are
generated and at most PLOT_POINTS are drawn, whatever the dataset's size.

objectNames: previewSummaryLabel, previewBalanceLabel, previewStatusLabel, previewPlot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop_app.core.catalog import REGRESSION
from desktop_app.core.specs.data import DataSpec
from desktop_app.ui.jobs import JobRunner
from desktop_app.ui.widgets import guard_wheel

PREVIEW_ROWS = 20_000  # rows generated for the balance estimate
PLOT_POINTS = 2_000  # points drawn in the scatter plot
DEBOUNCE_MS = 150

# Tableau 10: distinguishable, and readable on a projector.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip


@dataclass
class PreviewResult:
    rows: int  # the dataset's full size
    features: int
    classes: int  # 0 for regression
    task: str
    generated: int  # rows actually generated for this preview
    class_names: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # per class, among `generated`
    feature_names: list[str] = field(default_factory=list)
    x: np.ndarray | None = None  # up to PLOT_POINTS rows, first two features (or one)
    y: np.ndarray | None = None  # class index or target value for those rows
    target_range: tuple[float, float] = (0.0, 0.0)


def compute_preview(spec: DataSpec) -> PreviewResult:
    """Generate (a capped sample of) the dataset and summarise it. Runs in a worker."""
    from desktop_app.core.data import generate

    total = spec.total_samples
    capped = spec
    if spec.info.synthetic and total > PREVIEW_ROWS:
        capped = spec.model_copy(update={"n_samples": PREVIEW_ROWS})
    x, y, feature_names, class_names = generate(capped)
    result = PreviewResult(
        rows=total,
        features=int(x.shape[1]),
        classes=spec.classes,
        task=spec.task,
        generated=len(x),
        class_names=list(class_names),
        feature_names=list(feature_names),
    )
    if spec.task != REGRESSION:
        yi = np.asarray(y, dtype=np.int64)
        result.counts = np.bincount(yi, minlength=max(spec.classes, 1)).tolist()
    else:
        yf = np.asarray(y, dtype=np.float64)
        result.target_range = (float(yf.min()), float(yf.max())) if len(yf) else (0.0, 0.0)
    if x.shape[1] <= 2 and len(x):
        rng = np.random.default_rng(0)
        take = rng.choice(len(x), size=min(PLOT_POINTS, len(x)), replace=False)
        result.x = np.asarray(x[take], dtype=np.float64)
        result.y = np.asarray(y[take], dtype=np.float64)
    return result


class DatasetPreview(QWidget):
    """Summary labels plus a pyqtgraph scatter of the first two features."""

    updated = Signal()  # a preview for the newest request is on screen (or failed)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._shown_generation = -1
        self._pending: DataSpec | None = None
        self._jobs = JobRunner(self, "previewJobs")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        self.last_result: PreviewResult | None = None

        self.summary = QLabel("Preview appears here.")
        self.summary.setObjectName("previewSummaryLabel")
        self.summary.setAccessibleName("Dataset summary")
        self.summary.setWordWrap(True)
        self.balance = QLabel()
        self.balance.setObjectName("previewBalanceLabel")
        self.balance.setAccessibleName("Class balance")
        self.balance.setWordWrap(True)
        self.balance.setToolTip(
            "How many samples each class has. A very unbalanced set lets a network score "
            "high accuracy by always guessing the big class."
        )
        self.status = QLabel()
        self.status.setObjectName("previewStatusLabel")
        self.status.setAccessibleName("Preview status")
        self.status.setWordWrap(True)
        self.plot = None  # the scatter's pyqtgraph plot, made for the first scatter shown
        self.scatter = None  # (pyqtgraph is imported then, after the window's first paint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.balance)
        layout.addWidget(self.status)

    def _make_plot(self) -> None:
        import pyqtgraph as pg

        import desktop_app.ui.plots.parts  # noqa: F401 (pyqtgraph's options: a white plot)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("previewPlot")
        self.plot.setAccessibleName("Scatter plot of the dataset")
        self.plot.setToolTip(
            "The first two features of (a sample of) the data, one dot per row, coloured "
            "by class or by target value."
        )
        self.plot.setMinimumHeight(200)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.plot.setMenuEnabled(False)
        # A still picture: the wheel scrolls the panel (a zoom had no way back).
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        guard_wheel([self.plot])
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.scatter = pg.ScatterPlotItem(size=5, pen=None)
        self.plot.addItem(self.scatter)
        self._class_brushes = [pg.mkBrush(c) for c in PALETTE]
        cmap = pg.colormap.get("viridis")
        self._ramp = [pg.mkBrush(cmap.mapToQColor(i / 63)) for i in range(64)]
        self.layout().addWidget(self.plot, 1)

    def _hide_plot(self) -> None:
        if self.plot is not None:
            self.plot.setVisible(False)

    # --- requests --------------------------------------------------------------------
    def request(self, spec: DataSpec) -> None:
        """Ask for a preview of spec; only the newest request is ever shown."""
        self._generation += 1
        self._pending = spec
        self.status.setText("Updating preview…")
        self._timer.start()

    def is_busy(self) -> bool:
        return self._timer.isActive() or self._shown_generation != self._generation

    def shutdown(self) -> None:
        """Stop the debounce timer and wait for a running job (call before closing)."""
        self._timer.stop()
        self._pending = None
        self._jobs.shutdown(5000)

    @Slot()
    def _start(self) -> None:
        if self._pending is None:
            return
        generation, spec = self._generation, self._pending
        self._pending = None
        self._jobs.submit(
            lambda _progress, _cancelled: compute_preview(spec),
            lambda result: self._on_done(generation, result),
            lambda exc: self._on_failed(generation, str(exc) or type(exc).__name__),
            kind="preview",
            supersede=True,  # an older preview still generating is stale now
        )

    # --- results ---------------------------------------------------------------------
    def _on_done(self, generation: int, result: PreviewResult) -> None:
        if generation != self._generation:
            return  # stale: a newer request is on its way
        self._shown_generation = generation
        self.last_result = result
        self.status.setText("")
        self._show(result)
        self.updated.emit()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._shown_generation = generation
        self.last_result = None
        self.status.setText(f"⚠ Preview failed: {message}")
        self.balance.setText("")
        self._hide_plot()
        self.updated.emit()

    def _show(self, r: PreviewResult) -> None:
        what = (
            "regression (predict a number)"
            if r.task == REGRESSION
            else f"{r.classes} classes ({r.task})"
        )
        self.summary.setText(f"<b>{r.rows:,}</b> rows · <b>{r.features}</b> features · {what}")
        sample_note = (
            f" (estimated from {r.generated:,} generated rows)" if r.generated < r.rows else ""
        )
        if r.counts:
            total = max(sum(r.counts), 1)
            parts = []
            for i, n in enumerate(r.counts):
                name = r.class_names[i] if i < len(r.class_names) else f"class {i}"
                colour = PALETTE[i % len(PALETTE)]
                count = "" if sample_note else f"{n:,} = "
                item = f"{name}: {count}{100 * n / total:.1f} %".replace(" ", "&nbsp;")
                parts.append(f"<span style='color:{colour}'>■</span>&nbsp;{item}")
            shown = parts[:12] + ([f"… {len(parts) - 12} more"] if len(parts) > 12 else [])
            self.balance.setText("Class balance" + sample_note + ": " + " · ".join(shown))
        else:
            lo, hi = r.target_range
            self.balance.setText(f"Target range: {lo:.3g} to {hi:.3g}{sample_note}")
        self._plot(r)

    def _plot(self, r: PreviewResult) -> None:
        if r.x is None or r.y is None:
            self._hide_plot()
            if r.features > 2:
                self.status.setText(
                    f"No scatter plot: the data has {r.features} features (plots need 1 or 2)."
                )
            return
        if self.plot is None:
            self._make_plot()
        if r.task == REGRESSION:
            lo, hi = r.target_range
            span = (hi - lo) or 1.0
            idx = np.clip(((r.y - lo) / span * 63).astype(int), 0, 63)
            brushes = [self._ramp[i] for i in idx]
        else:
            idx = r.y.astype(int) % len(self._class_brushes)
            brushes = [self._class_brushes[i] for i in idx]
        if r.x.shape[1] == 1:  # 1-D regression: x against the target
            xs, ys = r.x[:, 0], r.y
            labels = (r.feature_names[0] if r.feature_names else "x", "target")
        else:
            xs, ys = r.x[:, 0], r.x[:, 1]
            names = r.feature_names or ["x1", "x2"]
            labels = (names[0], names[1])
        self.scatter.setData(x=xs, y=ys, brush=brushes)
        self.plot.setLabel("bottom", labels[0])
        self.plot.setLabel("left", labels[1])
        self.plot.getPlotItem().enableAutoRange()
        self.plot.setVisible(True)
