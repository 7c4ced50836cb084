"""How commands talk to the user: a banner for problems, the status bar for news, and
questions in message boxes over the window. Commands take a `Notifier`, so they can be
driven (and tested) without a MainWindow."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from desktop_app.ui.dialogs import MessageBanner

Button = QMessageBox.StandardButton


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
        return QMessageBox.question(self._parent, title, text, buttons, default)
