"""Small widgets shared by the editing panels.

- ScientificSpinBox: a double spin box that shows and accepts values such as 1e-3 and
  steps multiplicatively (a learning rate spans six orders of magnitude).
- LogSlider + LearningRateEdit: a spin box paired with a logarithmic slider.
- mark_invalid(): the one way a panel marks a control as holding a bad value (red
  border, the message in its tooltip and accessible description, property "invalid").
- make_spin()/make_double_spin(): spin boxes configured the way every panel wants them
  (value committed on Enter or focus-out, not on every keystroke).
- scrolling_column(): a panel's boxes stacked in a column that scrolls when the dock is
  shorter than they are; the mouse wheel over a control that has no focus scrolls the
  column instead of changing the value (guard_wheel).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

ERROR_COLOR = "#d9534f"


def describe(widget: QWidget, name: str, accessible: str, tooltip: str) -> QWidget:
    """Give a control its objectName, accessibleName and learner-facing tooltip."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tooltip)
    widget.setProperty("baseToolTip", tooltip)
    widget.setProperty("invalid", False)
    return widget


def mark_invalid(widget: QWidget, message: str | None) -> None:
    """Show (message) or clear (None) a validation problem at the control itself."""
    base = widget.property("baseToolTip") or widget.toolTip()
    if message:
        widget.setProperty("invalid", True)
        widget.setStyleSheet(
            f"#{widget.objectName()} {{ border: 2px solid {ERROR_COLOR}; border-radius: 3px; }}"
        )
        widget.setToolTip(f"{base}\n\n⚠ {message}")
        widget.setAccessibleDescription(f"Invalid: {message}")
    elif widget.property("invalid"):
        widget.setProperty("invalid", False)
        widget.setStyleSheet("")
        widget.setToolTip(base)
        widget.setAccessibleDescription("")


class _WheelGuard(QObject):
    """Passes a wheel event on to the scrolling parent unless the control has focus, so
    scrolling a panel never edits the value that happens to pass under the mouse."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Wheel and not obj.hasFocus():
            event.ignore()  # ignored and filtered: Qt offers it to the parent widgets
            return True
        return False


_WHEEL_GUARD: _WheelGuard | None = None
WHEEL_GUARDED = (QAbstractSpinBox, QComboBox, QSlider)


def guard_wheel(widgets) -> None:
    """The wheel changes these controls only once they have focus (a click or Tab)."""
    global _WHEEL_GUARD
    if _WHEEL_GUARD is None:
        _WHEEL_GUARD = _WheelGuard()  # lives as long as the process: no parent
    for widget in widgets:
        if isinstance(widget, WHEEL_GUARDED):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel gives no focus
        widget.installEventFilter(_WHEEL_GUARD)


class FoldingSection(QWidget):
    """A panel's group box under a header button that folds it away (and back), so a
    short screen can show the part one needs: the dataset preview, the network drawing.
    The section follows its box when the panel itself hides or shows the box."""

    def __init__(self, box: QGroupBox, parent: QWidget | None = None):
        super().__init__(parent)
        title = box.title()
        self.box = box
        self.header = QToolButton()
        self.header.setObjectName("section" + "".join(w.capitalize() for w in title.split()[:3]))
        self.header.setText(title)
        self.header.setAccessibleName(f"{title} section")
        self.header.setToolTip(f"Fold or unfold the {title} section")
        self.header.setCheckable(True)
        self.header.setChecked(True)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.DownArrow)
        self.header.setStyleSheet("QToolButton { font-weight: bold; border: none; }")
        self.header.toggled.connect(self._on_toggled)
        box.setTitle("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(box)
        self._folding = False
        if box.isHidden():  # the panel hid it already: so is the section
            self.hide()
        box.installEventFilter(self)

    @property
    def folded(self) -> bool:
        return not self.header.isChecked()

    @Slot(bool)
    def _on_toggled(self, unfolded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if unfolded else Qt.ArrowType.RightArrow)
        self._folding = True
        try:
            self.box.setVisible(unfolded)
        finally:
            self._folding = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # The panel hiding its box (a table hides the preview) hides the whole section.
        if obj is self.box and not self._folding and not self.folded:
            if event.type() == QEvent.Type.HideToParent:
                self.setVisible(False)
            elif event.type() == QEvent.Type.ShowToParent:
                self.setVisible(True)
        return False


def scrolling_column(panel: QWidget, parts, stretch_last: bool = False) -> None:
    """Lay `parts` out top to bottom in panel, inside a frameless scroll area. The last
    part takes the spare height when stretch_last; otherwise the spare height stays below."""
    content = QWidget()
    column = QVBoxLayout(content)
    parts = [FoldingSection(p) if isinstance(p, QGroupBox) and p.title() else p for p in parts]
    for part in parts[:-1] if stretch_last else parts:
        column.addWidget(part)
    if stretch_last:
        column.addWidget(parts[-1], 1)
    else:
        column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    panel.setMinimumWidth(300)
    guard_wheel(w for w in content.findChildren(QWidget) if isinstance(w, WHEEL_GUARDED))
    for combo in content.findChildren(QComboBox):
        # A combo's longest item must not set the panel's width (the Optimizer panel had
        # a horizontal scroll bar at 1366x768): it shrinks, the list still shows it all.
        # (An explicit minimum width: Qt keeps a combo's content-based minimum size hint
        # once computed, whatever its size policy says later.)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.setMinimumWidth(combo.fontMetrics().averageCharWidth() * 10 + 32)


def error_label(name: str) -> QLabel:
    """A red, word-wrapped label for a panel's current validation message."""
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName("Validation message")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def show_error(label: QLabel, message: str | None) -> None:
    label.setText(f"⚠ {message}" if message else "")
    label.setVisible(bool(message))


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
        value = self._typed_number(text)
        if value is not None and not (self.minimum() <= value <= self.maximum()):
            self._explain(value)
        return super().fixup(text)

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
        value = self._typed_number(text)
        if value is not None and not (self.minimum() <= value <= self.maximum()):
            self._explain(value)
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
