"""Exceptions whose messages are written for the person at the keyboard.

Every error the app shows a user derives from OdysseyError; its str() is the whole
message (what is wrong, and how to fix it). Anything else reaching the user is a bug.
"""

from __future__ import annotations


class OdysseyError(Exception):
    """Base class: the message is meant to be shown as-is."""


class SpecError(OdysseyError, ValueError):
    """A project, or a value in it, is invalid."""


class DataError(OdysseyError):
    """A dataset cannot be built or read."""


class DeviceError(OdysseyError):
    """The requested compute device is not available."""


class TrainingError(OdysseyError):
    """Training could not go on (non-finite loss, out of memory, ...)."""


class PreparationStopped(TrainingError):
    """Stop was pressed (or the window closed) while the data was being prepared."""

    def __init__(self) -> None:
        super().__init__("Stopped before training began, while the data was being prepared.")


class NonFiniteLossError(TrainingError):
    """The loss became NaN or infinite; the last finite weights were kept."""

    def __init__(self, epoch: int, step: int, lr: float):
        self.epoch = epoch
        self.step = step
        self.lr = lr
        super().__init__(
            f"The loss became NaN or infinite at epoch {epoch}, step {step} "
            f"(learning rate {lr:.3g}). Training stopped and the last weights with a finite "
            f"loss were kept. Try a lower learning rate (for example {lr / 10:.3g}), "
            "gradient clipping, or standardised inputs."
        )


class FileFormatError(OdysseyError):
    """A file the user asked to open is not something we can read."""
