"""The Runs tab's ⚙ button: its recording settings (record every run, how many runs keep
their model files, the run folder) and the table's Columns menu. A part of RunsPanel
(ui/panels/runs.py), which forwards its signals to the window.

objectNames: runsSettings (the button), runsSettingsMenu, runsRecordAction,
runsKeepModelsAction, runsFolderAction; the Columns submenu is header_columns.py's.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QToolButton, QWidget


class RecordingSettings(QObject):
    recordingChanged = Signal(bool)
    keepModelsChanged = Signal(int)
    folderChanged = Signal(str)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.parent_widget = parent
        self.recording, self.keep_models, self.folder = True, 20, ""
        self.button = b = QToolButton()
        b.setObjectName("runsSettings")
        b.setText("⚙")
        b.setToolTip("Recording settings")
        b.setAccessibleName("Recording settings")
        b.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = menu = QMenu(b)
        menu.setObjectName("runsSettingsMenu")
        self.record_action = QAction("&Record every run", menu)
        self.record_action.setObjectName("runsRecordAction")
        self.record_action.setCheckable(True)
        self.record_action.setChecked(True)
        self.record_action.toggled.connect(self._on_record)
        keep = QAction("&Keep model files…", menu)
        keep.setObjectName("runsKeepModelsAction")
        keep.triggered.connect(self._ask_keep_models)
        folder = QAction("Run &folder…", menu)
        folder.setObjectName("runsFolderAction")
        folder.triggered.connect(self._ask_folder)
        for a in (self.record_action, keep, folder):
            menu.addAction(a)
        b.setMenu(menu)

    def add_columns_menu(self, columns: QMenu) -> None:
        self.menu.addSeparator()
        self.menu.addMenu(columns)

    def set_settings(self, recording: bool, keep_models: int, folder: str) -> None:
        self.recording, self.keep_models, self.folder = recording, keep_models, folder
        self.record_action.blockSignals(True)
        self.record_action.setChecked(recording)
        self.record_action.blockSignals(False)
        self.button.setToolTip(
            f"Recording {'on' if recording else 'off'}; model files kept for the last "
            f"{keep_models} runs and starred ones; folder {folder}"
        )

    def _on_record(self, on: bool) -> None:
        self.recording = on
        self.recordingChanged.emit(on)

    def _ask_keep_models(self) -> None:
        n, ok = QInputDialog.getInt(
            self.parent_widget,
            "Keep model files",
            "Keep the model files of the last N runs (starred runs always keep theirs):",
            self.keep_models,
            0,
            100_000,
        )
        if ok:
            self.keepModelsChanged.emit(int(n))

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent_widget, "Run folder", self.folder)
        if folder:
            self.folderChanged.emit(folder)
