"""Epoch replay's control: a slider over the snapshots a run kept, with the epoch it
shows in words. It emits the snapshot's epoch; what to show there is decided elsewhere
(ui/run_display.py). Disabled while a run is live and before any run.
objectNames: replaySlider, replayLabel, replayLatestButton.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

IDLE = "Epoch replay: after a run, move back and forth through its epochs."


class ReplayBar(QWidget):
    """A slider over epochs; `epochChosen(int)` when the user moves it."""

    epochChosen = Signal(int)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.epochs: list[int] = []
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("replaySlider")
        self.slider.setAccessibleName("Epoch shown (replay)")
        self.slider.setToolTip(
            "Move through the run: the network, its maps, the activation space and the "
            "decision boundary as they were after each epoch kept (Left/Right, Home/End)."
        )
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_value)
        self.label = QLabel(IDLE)
        self.label.setObjectName("replayLabel")
        self.label.setAccessibleName("Epoch replay position")
        self.latest = QToolButton()
        self.latest.setText("Latest")
        self.latest.setObjectName("replayLatestButton")
        self.latest.setAccessibleName("Show the end of the run again")
        self.latest.setToolTip("Back to the end of the run.")
        self.latest.clicked.connect(self.show_latest)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        title = QLabel("&Replay:")
        title.setBuddy(self.slider)
        layout.addWidget(title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.latest)
        self.set_epochs([])

    def set_epochs(self, epochs: list[int], note: str = "") -> None:
        """The epochs kept (oldest first), the slider at the newest; none: disabled."""
        self.epochs = list(epochs)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(self.epochs) - 1, 0))
        self.slider.setValue(max(len(self.epochs) - 1, 0))
        self.slider.blockSignals(False)
        on = len(self.epochs) >= 2
        self.slider.setEnabled(on)
        self.latest.setEnabled(on)
        self.label.setText(self._words() if on else (note or IDLE))

    def _words(self) -> str:
        i = self.slider.value()
        epoch = self.epochs[i]
        where = "initial weights" if epoch == 0 else f"after epoch {epoch}"
        return f"{where} ({i + 1} of {len(self.epochs)} kept)"

    @property
    def epoch(self) -> int | None:
        return self.epochs[self.slider.value()] if self.epochs else None

    @Slot(int)
    def _on_value(self, _value: int) -> None:
        if not self.epochs:
            return
        self.label.setText(self._words())
        self.epochChosen.emit(self.epoch)

    @Slot()
    def show_latest(self) -> None:
        if self.epochs:
            self.slider.setValue(len(self.epochs) - 1)
