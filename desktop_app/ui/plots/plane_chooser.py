"""The decision boundary's plane chooser: principal components, or two features.

With many features there are far too many pairs for one list (190 for twenty), so the
pair is two lists, one per axis. The feature names come from the first grid of the data
(the project alone does not know a table's column names); until then the lists wait.
Choosing emits a frozen core.planes.PlaneChoice, which the window hands to the running
run and, after a run, to the display that redraws the final model on it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.core.planes import FEATURES, PCA, PlaneChoice


def _combo(name: str, accessible: str, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    combo.setToolTip(tip)
    # Long column names never widen the boundary's pane (nor the window past the screen).
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(5)
    return combo


PAIR_TIP = " Listed once the data is read (when training starts)."


class PlaneChooser(QWidget):
    """A row of combos: the kind of plane, then (for two features) the feature across
    and the feature up."""

    chosen = Signal(object)  # core.planes.PlaneChoice

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("boundaryPlaneChooser")
        self.choice = PlaneChoice()
        self.names: list[str] = []
        self.kind = _combo(
            "boundaryPlaneCombo",
            "Decision boundary: plane shown",
            "The plane through the inputs the boundary is drawn on. Principal components: "
            "the two directions along which the training data varies most. Two features: "
            "the two you pick. Every other input is held at its training mean.",
        )
        self.kind.addItem("Principal components", PCA)
        self.kind.addItem("Two features", FEATURES)
        self.x = _combo(
            "boundaryXFeature",
            "Decision boundary: feature across",
            "The feature along the horizontal axis." + PAIR_TIP,
        )
        self.y = _combo(
            "boundaryYFeature",
            "Decision boundary: feature up",
            "The feature along the vertical axis." + PAIR_TIP,
        )
        for combo in (self.x, self.y):
            # (no placeholder text: Qt sizes a combo for it, which widened the pane)
            combo.setEnabled(False)  # until the data's features are known
        # Two rows, the pair under the kind: the pane is as narrow as the plots' row is
        # high (about 240 px on a 1366 x 768 screen), too narrow for three combos.
        self.pair = QWidget()
        self.pair.setObjectName("boundaryFeaturePair")
        row = QHBoxLayout(self.pair)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.x, 1)
        row.addWidget(QLabel("×"))
        row.addWidget(self.y, 1)
        top = QHBoxLayout()
        top.setSpacing(4)
        label = QLabel("Plane:")
        label.setBuddy(self.kind)
        top.addWidget(label)
        top.addWidget(self.kind, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.pair)
        self._show_pair(False)
        self.kind.currentIndexChanged.connect(self._on_changed)
        self.x.currentIndexChanged.connect(self._on_x)
        self.y.currentIndexChanged.connect(self._on_y)

    def _show_pair(self, on: bool) -> None:
        self.pair.setVisible(on)

    def set_features(self, names: list[str]) -> None:
        """The data's feature names (from a grid): fill the lists, keeping the pair chosen
        where the new data has it (else its first two features, as core.planes does)."""
        names = list(names)
        if names == self.names:
            return
        self.names = names
        x = self.choice.x if self.choice.x in names else (names + [""])[0]
        y = self.choice.y if self.choice.y in names and self.choice.y != x else ""
        y = y or next((n for n in names if n != x), "")
        for combo, pick in ((self.x, x), (self.y, y)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(combo.findText(pick))
            combo.setEnabled(bool(names))
            combo.blockSignals(False)
        if self.choice.kind == FEATURES:
            self.choice = PlaneChoice(FEATURES, x, y)

    @Slot(int)
    def _on_x(self, _index: int) -> None:
        if self.x.currentText() == self.y.currentText() and self.choice.x:
            self._set_quietly(self.y, self.choice.x)  # picking y's feature across: swap
        self._on_changed()

    @Slot(int)
    def _on_y(self, _index: int) -> None:
        if self.x.currentText() == self.y.currentText() and self.choice.y:
            self._set_quietly(self.x, self.choice.y)
        self._on_changed()

    @staticmethod
    def _set_quietly(combo: QComboBox, text: str) -> None:
        combo.blockSignals(True)
        combo.setCurrentIndex(combo.findText(text))
        combo.blockSignals(False)

    @Slot()
    def _on_changed(self, *_args) -> None:
        pair = self.kind.currentData() == FEATURES
        self._show_pair(pair)
        if pair:
            choice = PlaneChoice(FEATURES, self.x.currentText(), self.y.currentText())
        else:
            choice = PlaneChoice(PCA, self.choice.x, self.choice.y)  # the pair is kept
        if choice != self.choice:
            self.choice = choice
            self.chosen.emit(choice)
