"""File ▸ Export: the per-epoch history and the per-step losses as CSV tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from desktop_app.core.errors import OdysseyError
from desktop_app.ui.commands.notifier import Notifier
from desktop_app.ui.live_history import LiveHistory
from desktop_app.ui.settings import AppSettings


class HistoryExports:
    """Export history as CSV, Export per-step losses as CSV."""

    def __init__(
        self,
        history: LiveHistory,
        smoothed: Callable[[], np.ndarray | None],
        notifier: Notifier,
        settings: AppSettings,
    ):
        """smoothed: the loss plot's smoothed curve, as shown (written beside each loss)."""
        self.history, self.smoothed = history, smoothed
        self.notifier, self.settings = notifier, settings

    def epochs_csv(self, path: str | None = None) -> bool:
        if not self.history.epochs:
            return self._nothing("history")
        path = path or self._ask_path("Export history as CSV", "history.csv")
        return bool(path) and self._write(lambda: self.history.write_epochs_csv(path), path)

    def steps_csv(self, path: str | None = None) -> bool:
        if not len(self.history.steps):
            return self._nothing("per-step losses")
        path = path or self._ask_path("Export per-step losses as CSV", "steps.csv")
        smoothed = self.smoothed()
        return bool(path) and self._write(
            lambda: self.history.write_steps_csv(path, smoothed), path
        )

    def _nothing(self, what: str) -> bool:
        self.notifier.error(
            f"There are no {what} to export yet: train the project, or load a model, first."
        )
        return False

    def _ask_path(self, title: str, default_name: str) -> str | None:
        folder = self.settings.recent("export_folder", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(
            self.notifier.parent, title, str(Path(folder) / default_name), "CSV table (*.csv)"
        )
        if not path:
            return None
        self.settings.set_recent("export_folder", str(Path(path).parent))
        return path if path.lower().endswith(".csv") else path + ".csv"

    def _write(self, fn: Callable[[], None], path: str) -> bool:
        try:
            fn()
        except OdysseyError as exc:
            self.notifier.error(str(exc))
            return False
        self.notifier.status(f"Wrote {path}", 5000)
        return True
