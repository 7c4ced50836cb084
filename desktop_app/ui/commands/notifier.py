"""How commands talk to the user: a banner for problems, the status bar for news, and
questions in message boxes over the window. Commands take a `Notifier`, so they can be
driven (and tested) without a MainWindow."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from desktop_app.ui.dialogs import MessageBanner

Button = QMessageBox.StandardButton
MNEMONICS = {
    Button.Save: "&Save",
    Button.Discard: "&Discard",
    Button.Cancel: "&Cancel",
    Button.Yes: "&Yes",
    Button.No: "&No",
}


class Notifier(Protocol):
    """What a command may tell or ask the user."""

    @property
    def parent(self) -> QWidget:
        """The widget dialogs open over."""
        ...

    def error(self, text: str) -> None: ...

    def dismiss(self) -> None: ...

    def status(self, text: str, ms: int = 0) -> None: ...

    def clear_status(self) -> None: ...

    def ask(self, title: str, text: str, buttons: Button, default: Button) -> Button: ...


class WindowNotifier:
    """A Notifier on the main window's banner and status bar."""

    def __init__(self, parent: QWidget, banner: MessageBanner, status_bar: QStatusBar):
        self._parent, self.banner, self.status_bar = parent, banner, status_bar

    @property
    def parent(self) -> QWidget:
        return self._parent

    def error(self, text: str) -> None:
        self.banner.show_message(text)

    def dismiss(self) -> None:
        self.banner.dismiss()

    def status(self, text: str, ms: int = 0) -> None:
        self.status_bar.showMessage(text, ms)

    def clear_status(self) -> None:
        self.status_bar.clearMessage()

    def ask(self, title: str, text: str, buttons: Button, default: Button) -> Button:
        """A question box whose buttons have Alt-key mnemonics (Alt+S saves, Alt+D
        discards), which QMessageBox's standard buttons lack on Linux."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, self._parent)
        box.setObjectName("questionBox")
        box.setDefaultButton(default)
        for button, label in MNEMONICS.items():
            widget = box.button(button)
            if widget is not None:
                widget.setText(label)
        return Button(box.exec())
