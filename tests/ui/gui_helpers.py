"""What the GUI tests share: finding a widget by objectName, clicking it and typing a
value into a spin box as a user does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

# Where a window trains (the training_mode fixture): in a thread, and in the training
# process that the app uses.
BOTH_MODES = ["thread", "process"]


def find(parent: QWidget, cls, name: str):
    """The child of `parent` of class `cls` named `name`; fails the test when there is none."""
    widget = parent.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def click(qtbot, widget: QWidget) -> None:
    """A left click, as a user's: the widget must be enabled."""
    assert widget.isEnabled(), f"{widget.objectName()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot, spin, text: str) -> None:
    """Select the spin box's text, type a new value and press Enter, as a user does."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)
