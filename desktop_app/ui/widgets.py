"""Small widgets shared by the editing panels (and the dialogs).

- describe(): a control's objectName, accessible name and tooltip, in one call (every
  panel and dialog names its controls this way).
- mark_invalid(): the one way a panel marks a control as holding a bad value (red
  border, the message in its tooltip and accessible description, property "invalid").
- scrolling_column(): a panel's boxes stacked in a column that scrolls when the dock is
  shorter than they are; the mouse wheel over a control that has no focus scrolls the
  column instead of changing the value (guard_wheel).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

ERROR_COLOR = "#d9534f"


def describe(widget: QWidget, name: str, accessible: str, tooltip: str = "") -> QWidget:
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
