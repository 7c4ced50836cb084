"""The learning-rate test's answer (Run ▸ Find learning rate…): loss against rate on a
logarithmic rate axis, the suggested rate marked, how sure the test is and why, and
"Use this rate".

It only shows a core.lr_curve.LrFindResult and says which rate the user chose
(`rateChosen`); putting the rate into the project is the command's (commands/lr_find).

objectNames: lrFindDialog; lrFindPlot (rawLossCurve, smoothedLossCurve,
suggestionMarker); suggestionLabel, confidenceLabel, stopLabel, currentRateLabel;
useRateButton, closeButton.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.plots.parts import BLUE, GRID, ORANGE, RAW

CONFIDENCE_WORDS = {
    "high": "High confidence",
    "medium": "Medium confidence",
    "low": "Low confidence: treat it as a rough guide",
}


def _label(name: str, accessible: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LrFindDialog(QDialog):
    """Shows one range test; emits rateChosen(rate) when the user takes the suggestion."""

    rateChosen = Signal(float)  # noqa: N815 (Qt signal naming)

    def __init__(self, result, current_lr: float | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lrFindDialog")
        self.setWindowTitle("Find learning rate")
        self.setAccessibleName("Learning-rate test result")
        self.test_result = result  # (not "result": QDialog.result() is the exit code)
        rate = result.suggestion

        self.suggestion_label = _label("suggestionLabel", "Suggested learning rate")
        self.suggestion_label.setText(
            f"<b>Suggested learning rate: {rate:g}</b>"
            if rate is not None
            else "<b>No learning rate to suggest</b>"
        )
        self.confidence_label = _label("confidenceLabel", "How sure the test is, and why")
        words = CONFIDENCE_WORDS.get(result.confidence, result.confidence)
        self.confidence_label.setText(
            f"{words}. {result.reason}." if rate is not None else f"{result.reason}."
        )
        self.stop_label = _label("stopLabel", "Why the test ended")
        self.stop_label.setText(
            f"The test {result.stop_message}. It trained a copy of the network from the "
            "project's initial weights; the project, its weights and any trained model are "
            "unchanged."
        )
        self.current_label = _label("currentRateLabel", "The project's learning rate now")
        if current_lr is not None:
            self.current_label.setText(f"The project's learning rate now: {current_lr:g}")

        self.plot = self._build_plot(result)

        buttons = QDialogButtonBox()
        self.use_button = QPushButton("&Use this rate")
        self.use_button.setObjectName("useRateButton")
        self.use_button.setAccessibleName("Use this rate")
        self.use_button.setEnabled(rate is not None)
        self.use_button.setToolTip(
            f"Set the project's learning rate to {rate:g} (Optimizer panel)"
            if rate is not None
            else "The test found no rate to suggest (see why above)."
        )
        self.use_button.setDefault(rate is not None)
        self.use_button.clicked.connect(self._use)
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName("Close")
        self.close_button.setToolTip("Close without changing the project (Esc)")
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.suggestion_label)
        layout.addWidget(self.confidence_label)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.stop_label)
        layout.addWidget(self.current_label)
        layout.addWidget(buttons)
        self.resize(720, 540)  # well inside a 1366x768 screen

    def _build_plot(self, result) -> pg.PlotWidget:
        view = pg.PlotWidget()
        view.setObjectName("lrFindPlot")
        view.setAccessibleName("Loss against learning rate")
        view.setToolTip(
            "Training loss at each rate of the test (logarithmic rate axis): the faint "
            "line is each step's loss, the dark one its smoothed value; the orange line "
            "marks the suggested rate. Drag to pan, scroll to zoom."
        )
        view.setMinimumHeight(220)
        item = view.getPlotItem()
        item.setLabel("bottom", "learning rate")
        item.setLabel("left", "training loss")
        item.setLogMode(x=True, y=False)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.enableAutoSIPrefix(False)
            axis.setGrid(255)
            axis.setTickPen(pg.mkPen(GRID))
        item.addLegend(offset=(-10, 10), labelTextSize="8pt")
        lrs = np.asarray(result.lrs, dtype=np.float64)
        losses = np.asarray(result.losses, dtype=np.float64)
        smoothed = np.asarray(result.smoothed, dtype=np.float64)
        ok = np.isfinite(losses)
        self.raw_curve = item.plot(lrs[ok], losses[ok], pen=pg.mkPen(RAW), name="loss per step")
        self.raw_curve.setObjectName("rawLossCurve")
        ok = np.isfinite(smoothed)
        self.smoothed_curve = item.plot(
            lrs[ok], smoothed[ok], pen=pg.mkPen(BLUE, width=2), name="smoothed loss"
        )
        self.smoothed_curve.setObjectName("smoothedLossCurve")
        self.marker = None
        if result.suggestion is not None and ok.any():
            x = float(result.suggestion)
            y = float(np.interp(math.log10(x), np.log10(lrs[ok]), smoothed[ok]))
            # Items other than curves live in the view's own coordinates: log10 of the rate.
            line = pg.InfiniteLine(math.log10(x), angle=90, pen=pg.mkPen(ORANGE, width=1))
            item.addItem(line)
            self.marker = item.plot(
                [x], [y], pen=None, symbol="o", symbolBrush=ORANGE, name=f"suggested: {x:g}"
            )
            self.marker.setObjectName("suggestionMarker")
        if ok.any():  # the raw blow-up at the end would squash the rest: fit the curve
            raw = losses[np.isfinite(losses)]
            lo = min(float(smoothed[ok].min()), float(np.percentile(raw, 2)))
            hi = float(smoothed[ok].max())
            pad = 0.05 * (hi - lo or abs(hi) or 1.0)
            item.setYRange(lo - pad, hi + pad, padding=0)
        return view

    @Slot()
    def _use(self) -> None:
        if self.test_result.suggestion is not None:
            self.rateChosen.emit(float(self.test_result.suggestion))
        self.accept()
