"""Messages to the user: the in-window error banner and the crash dialog.

Run errors go to a banner above the plots rather than a modal box: the message stays
readable while the user fixes the learning rate, and nothing blocks the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSizePolicy,
    QToolButton,
    QWidget,
)


class MessageBanner(QWidget):
    """A dismissible coloured strip with one message (errors, notices)."""

    dismissed = Signal()

    STYLES = {
        "error": "background:#fdecea; color:#611a15; border:1px solid #f5c2c0;",
        "info": "background:#e8f1fb; color:#0b3c6f; border:1px solid #b9d3ee;",
    }

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setAccessibleName("Message")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.kind = "error"
        self.text_label = QLabel()
        self.text_label.setObjectName("errorBannerText")
        self.text_label.setAccessibleName("Message text")
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setObjectName("errorBannerClose")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.setToolTip("Hide this message.")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.kind = kind
        self.setStyleSheet(f"#errorBanner {{ {self.STYLES.get(kind, '')} border-radius:4px; }}")
        prefix = "⚠ " if kind == "error" else ""
        self.text_label.setText(prefix + text)
        self.setToolTip(text)
        self.show()

    def text(self) -> str:
        return self.text_label.text() if self.isVisible() else ""

    @Slot()
    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()


def show_unexpected_error(parent: QWidget | None, summary: str, details: str) -> None:
    """The dialog for an exception nobody caught: the app keeps running."""
    box = QMessageBox(parent)
    box.setObjectName("unexpectedErrorDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Odyssey: unexpected error")
    box.setText(
        "Something went wrong inside Odyssey. The app is still running and your project "
        "is unchanged; saving your project now is a good idea."
    )
    box.setInformativeText(summary)
    box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


SHOW_PROGRESS_AFTER_MS = 300  # a quick job never flashes a progress dialog


class JobProgress:
    """A window-modal progress dialog (0 to 1000) for background jobs of one kind, shown
    only when a job takes longer than SHOW_PROGRESS_AFTER_MS; Cancel calls `cancel`.

    One dialog serves every job of its owner: `start` shows it afresh, `close` hides it.
    It is never deleted while the app runs. A window-modal QProgressDialog processes
    events inside setValue(), and deleting one progress dialog while the next one's
    setValue() was running crashed the app (QProgressDialog::setValue on a destroyed
    bar, seen on a busy machine when one job's end and the next job's progress met).
    """

    def __init__(
        self, parent: QWidget | None, text: str, name: str, accessible: str, title: str, cancel
    ):
        dialog = QProgressDialog(text, "Cancel", 0, 1000, parent)
        dialog.setObjectName(name)
        dialog.setAccessibleName(accessible)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(SHOW_PROGRESS_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(cancel)
        dialog.reset()  # hidden until a job runs long enough
        self.dialog = dialog
        self.running = False

    def start(self, text: str | None = None) -> None:
        """A new job: the dialog appears if it runs past the minimum duration."""
        if text is not None:
            self.dialog.setLabelText(text)
        self.dialog.reset()
        self.running = True
        self.dialog.setValue(0)

    def set_fraction(self, fraction: float) -> None:
        if self.running:
            self.dialog.setValue(int(1000 * fraction))  # may run the job's result handler

    def close(self) -> None:
        self.running = False
        self.dialog.hide()
        self.dialog.reset()


def reuse_window(old, model) -> bool:
    """One window per model (Predict, Evaluate, Step through): the open one, when it
    shows `model`, is shown, raised and activated (True); otherwise it is shut down and
    closed to make way for a new one (False)."""
    if old is not None and old.loaded is model:
        old.show()
        old.raise_()
        old.activateWindow()
        return True
    if old is not None:
        old.shutdown()
        old.close()
        old.deleteLater()
    return False
