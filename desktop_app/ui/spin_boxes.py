"""The panels' number inputs: spin boxes that say why they did not take a value, the
scientific spin box for values spanning orders of magnitude (learning rates, decays),
and the learning-rate editor (a spin box beside a logarithmic slider).

- SaysWhyOutOfRange (RangeSpinBox, RangeDoubleSpinBox, ScientificSpinBox): a typed
  number outside the range stays visible until Enter, then the box says the range and
  the value it kept.
- make_spin()/make_double_spin(): spin boxes configured the way every panel wants them
  (value committed on Enter or focus-out, not on every keystroke).
- ScientificSpinBox accepts 1e-3 and steps multiplicatively; LogSlider + LearningRateEdit
  pair it with a logarithmic slider.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QRect, Qt, Signal, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QSlider,
    QSpinBox,
    QToolTip,
    QWidget,
)


class SaysWhyOutOfRange:
    """Mixin for spin boxes: a typed number outside the range stays visible while being
    typed, and when the box takes it back (Enter, leaving the box) it says why next to
    itself: "Batch size must be at least 1; 0 was not taken, it stays 64". A spin box
    used to swallow such a keystroke, or revert the value without a word."""

    last_rejection = ""  # the last explanation shown (tests, screen readers)

    def _typed_number(self, text: str) -> float | None:
        s = text.strip()
        for affix in (self.prefix(), self.suffix()):
            if affix:
                s = s.replace(affix.strip(), "")
        s = s.replace(self.locale().groupSeparator(), "").replace(",", ".").strip()
        try:
            value = float(s)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def validate(self, text: str, pos: int):
        state, text, pos = super().validate(text, pos)
        started = text.strip() in ("-", "+")  # the first key of a negative number
        if state == QValidator.State.Invalid and (started or self._typed_number(text) is not None):
            return QValidator.State.Intermediate, text, pos  # explained on leaving
        return state, text, pos

    def fixup(self, text: str):
        self._explain_if_out_of_range(text)
        return super().fixup(text)

    def _explain_if_out_of_range(self, text: str) -> None:
        value = self._typed_number(text)
        if value is not None and not (self.minimum() <= value <= self.maximum()):
            self._explain(value)

    def _explain(self, typed: float) -> None:
        name = self.accessibleName() or "This value"
        lo, hi = self.textFromValue(self.minimum()), self.textFromValue(self.maximum())
        bound = f"at least {lo}" if typed < self.minimum() else f"at most {hi}"
        kept = self.textFromValue(self.value())
        self.last_rejection = f"{name} must be {bound}; {typed:g} was not taken, it stays {kept}."
        self.setAccessibleDescription(self.last_rejection)
        QToolTip.showText(
            self.mapToGlobal(QPoint(0, self.height())), self.last_rejection, self, QRect(), 6000
        )


class RangeSpinBox(SaysWhyOutOfRange, QSpinBox):
    """A QSpinBox that says why it did not take a value (SaysWhyOutOfRange)."""


class RangeDoubleSpinBox(SaysWhyOutOfRange, QDoubleSpinBox):
    """A QDoubleSpinBox that says why it did not take a value (SaysWhyOutOfRange)."""


def make_spin(lo: int, hi: int, step: int = 1, suffix: str = "") -> QSpinBox:
    spin = RangeSpinBox()
    spin.setRange(lo, hi)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setKeyboardTracking(False)
    spin.setGroupSeparatorShown(True)
    spin.setAccelerated(True)
    return spin


def make_double_spin(
    lo: float, hi: float, step: float, decimals: int = 3, suffix: str = ""
) -> QDoubleSpinBox:
    spin = RangeDoubleSpinBox()
    spin.setRange(lo, hi)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    spin.setSuffix(suffix)
    spin.setKeyboardTracking(False)
    spin.setAccelerated(True)
    return spin


def format_sci(value: float) -> str:
    """1e-03 style for small/large values, plain for ordinary ones: 0.01, 3e-05, 0.5."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


class ScientificSpinBox(SaysWhyOutOfRange, QDoubleSpinBox):
    """A spin box for values spanning orders of magnitude (learning rates, decays).

    Typing accepts 0.001, 1e-3 or 1E-3. The arrows step through 1, 2, 5 × 10^k,
    so ten clicks cover a factor of 100 instead of adding 0.0001 at a time. With
    a minimum of 0, stepping down from the smallest positive value gives 0.
    """

    _LADDER = (1.0, 2.0, 5.0)

    def __init__(self, lo: float, hi: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._smallest = 1e-8 if lo <= 0 else lo
        self.setDecimals(12)
        self.setRange(lo, hi)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        return format_sci(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        s = text.strip().replace(",", ".")
        if s == "":
            return QValidator.State.Intermediate, text, pos
        try:
            v = float(s)
        except ValueError:
            if all(c in "0123456789.eE+-" for c in s):
                return QValidator.State.Intermediate, text, pos
            return QValidator.State.Invalid, text, pos
        if not math.isfinite(v):
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= v <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        self._explain_if_out_of_range(text)
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:  # noqa: N802
        value = self.value()
        for _ in range(abs(steps)):
            value = self._next(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))
        self.selectAll()

    def _next(self, value: float, up: bool) -> float:
        if value <= 0:
            return self._smallest if up else 0.0
        exponent = math.floor(math.log10(value) + 1e-9)
        candidates = [
            m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in self._LADDER
        ]
        if up:
            bigger = [c for c in candidates if c > value * (1 + 1e-9)]
            return min(bigger)
        smaller = [c for c in candidates if c < value * (1 - 1e-9)]
        result = max(smaller)
        if result < self._smallest:
            return self.minimum()
        return result


class LogSlider(QSlider):
    """A horizontal slider whose position is log10 of the value (100 ticks a decade)."""

    valueChangedFloat = Signal(float)  # noqa: N815 (Qt naming)

    def __init__(self, lo: float, hi: float, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._lo, self._hi = math.log10(lo), math.log10(hi)
        self.setRange(0, round((self._hi - self._lo) * 100))
        self.setSingleStep(10)
        self.setPageStep(100)
        self.valueChanged.connect(self._emit)

    def float_value(self) -> float:
        return 10.0 ** (self._lo + self.value() / 100)

    def set_float_value(self, value: float) -> None:
        value = min(max(value, 10.0**self._lo), 10.0**self._hi)
        self.blockSignals(True)
        self.setValue(round((math.log10(value) - self._lo) * 100))
        self.blockSignals(False)

    @Slot(int)
    def _emit(self, _position: int) -> None:
        # Round to 3 significant figures so the spin box shows 0.00316, not 0.0031622776.
        self.valueChangedFloat.emit(float(f"{self.float_value():.3g}"))


class LearningRateEdit(QWidget):
    """The learning rate as a scientific spin box plus a logarithmic slider."""

    valueChanged = Signal(float)  # noqa: N815

    def __init__(self, lo: float = 1e-6, hi: float = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = ScientificSpinBox(lo, hi)
        self.slider = LogSlider(lo, hi)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin, 2)
        layout.addWidget(self.slider, 3)
        self.spin.valueChanged.connect(self._from_spin)
        self.slider.valueChangedFloat.connect(self._from_slider)

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, value: float) -> None:  # noqa: N802
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        self.slider.set_float_value(value)

    @Slot(float)
    def _from_spin(self, value: float) -> None:
        self.slider.set_float_value(value)
        self.valueChanged.emit(value)

    @Slot(float)
    def _from_slider(self, value: float) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        self.valueChanged.emit(self.spin.value())
