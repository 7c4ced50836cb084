"""The window's actions, toolbar and menus, built from one table.

Run actions: actionTrain (Ctrl+Return), actionPause (Ctrl+P, also resumes), actionStop
(Esc or Ctrl+.); their toolbar buttons are trainButton, pauseButton and stopButton.
File menu: actionNew (Ctrl+N), actionOpen (Ctrl+O), menuOpenRecent (actionRecent<i>,
actionClearRecent), actionSave (Ctrl+S), actionSaveAs (Ctrl+Shift+S), actionRename,
actionImportTable (Ctrl+I), actionLoadModel, actionSaveModel, actionExportCsv,
actionExportSteps, actionQuit (Ctrl+Q).
Run menu also: actionContinueTraining, actionPredict. `file_actions` maps every menu
action's objectName (Run-menu model actions included) to the action.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QStyle, QToolBar

from desktop_app.ui import file_actions as files
from desktop_app.ui import model_actions as models

SP = QStyle.StandardPixmap
KEY = QKeySequence.StandardKey


def make_action(window: QMainWindow, text, name, tip, shortcuts=(), icon=None, slot=None):
    action = QAction(text, window)
    action.setObjectName(name)
    keys = [QKeySequence(s) for s in shortcuts]
    if keys:
        action.setShortcuts(keys)
        fmt = QKeySequence.SequenceFormat.NativeText
        tip += f" ({' or '.join(k.toString(fmt) for k in keys)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if slot is not None:
        action.triggered.connect(slot)
    return action


def _bind(fn, window):
    """A zero-argument slot (PySide would pass `checked` to a callable with defaults)."""

    def call() -> None:
        fn(window)

    return call


@dataclass
class WindowActions:
    train: QAction
    pause: QAction
    stop: QAction
    file_actions: dict[str, QAction]
    toolbar: QToolBar
    project_message: QLabel
    project_message_action: QAction


def build_actions(window) -> WindowActions:
    """Create the actions, the Run toolbar and the menus of `window` (a MainWindow)."""
    c = window.controller
    train = make_action(
        window,
        "&Train",
        "actionTrain",
        "Train the network on the current project",
        ("Ctrl+Return", "Ctrl+Enter"),
        SP.SP_MediaPlay,
        window.train,
    )
    pause = make_action(
        window,
        "&Pause",
        "actionPause",
        "Pause the running training, or resume it",
        ("Ctrl+P",),
        SP.SP_MediaPause,
        c.toggle_pause,
    )
    stop = make_action(
        window,
        "&Stop",
        "actionStop",
        "Stop training after the current step; the results so far are kept",
        ("Esc", "Ctrl+."),
        SP.SP_MediaStop,
        c.stop,
    )

    toolbar = QToolBar("Run")
    toolbar.setObjectName("runToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    for action, name in ((train, "trainButton"), (pause, "pauseButton"), (stop, "stopButton")):
        toolbar.addAction(action)
        button = toolbar.widgetForAction(action)
        button.setObjectName(name)
        button.setAccessibleName(action.text().replace("&", ""))
        button.setToolTip(action.toolTip())
    toolbar.addSeparator()
    message = QLabel("")
    message.setObjectName("projectMessage")
    message.setAccessibleName("Why Train is disabled")
    message.setToolTip("What must be fixed in the project before it can be trained.")
    message.setStyleSheet("color:#b3261e; padding-left:6px;")
    message.setWordWrap(True)
    message_action = toolbar.addWidget(message)
    message_action.setObjectName("projectMessageAction")

    rows = [
        (
            "&New project",
            "actionNew",
            "Start again from the default project",
            (KEY.New,),
            window.new_project,
        ),
        (
            "&Open project…",
            "actionOpen",
            "Open a project file (JSON)",
            (KEY.Open,),
            window.open_project,
        ),
        (
            "&Save project",
            "actionSave",
            "Save the project's settings to its JSON file",
            (KEY.Save,),
            lambda: files.save_project(window),
        ),
        (
            "Save project &as…",
            "actionSaveAs",
            "Save the project's settings to a new JSON file",
            ("Ctrl+Shift+S",),
            window.save_project_as,
        ),
        (
            "&Rename project…",
            "actionRename",
            "Change the project's name",
            (),
            window.rename_project,
        ),
        None,
        (
            "&Import table…",
            "actionImportTable",
            "Train on your own data: import a CSV or TSV file",
            ("Ctrl+I",),
            lambda: window.import_table(),
        ),
        None,
        (
            "&Load model…",
            "actionLoadModel",
            "Open a trained model file (.safetensors): its project, history and results",
            (),
            lambda: models.load_model_dialog(window),
        ),
        (
            "Save &model…",
            "actionSaveModel",
            "Save the trained model (weights, project, history, test results) to a file",
            (),
            lambda: models.save_model_dialog(window),
        ),
        None,
        (
            "Export history as &CSV…",
            "actionExportCsv",
            "Save the per-epoch history (losses, metrics, learning rate) as a CSV table",
            (),
            window.export_history_csv,
        ),
        (
            "Export per-step &losses as CSV…",
            "actionExportSteps",
            "Save every step's loss, smoothed loss and learning rate as a CSV table",
            (),
            window.export_steps_csv,
        ),
        None,
        ("&Quit", "actionQuit", "Close Odyssey", ("Ctrl+Q",), window.close),
    ]
    file_menu = window.menuBar().addMenu("&File")
    file_actions: dict[str, QAction] = {}
    for row in rows:
        if row is None:
            file_menu.addSeparator()
            continue
        text, name, tip, keys, slot = row
        file_actions[name] = make_action(window, text, name, tip, keys, slot=slot)
        file_menu.addAction(file_actions[name])
        if name == "actionOpen":
            recent = file_menu.addMenu("Open &Recent")
            recent.setObjectName("menuOpenRecent")
            recent.setToolTipsVisible(True)
            recent.aboutToShow.connect(lambda: files.rebuild_recent_menu(window))
            window.recent_menu = recent
            files.rebuild_recent_menu(window)

    run_menu = window.menuBar().addMenu("&Run")
    for a in (train, pause, stop):
        run_menu.addAction(a)
    run_menu.addSeparator()
    model_rows = (
        (
            "&Continue training…",
            "actionContinueTraining",
            "Train the current model for more epochs, going on from where it stopped",
            models.continue_training,
        ),
        (
            "Pre&dict…",
            "actionPredict",
            "Predict with the current model: typed values or the rows of a CSV file",
            models.open_predict_dialog,
        ),
    )
    for text, name, tip, fn in model_rows:
        file_actions[name] = make_action(window, text, name, tip, slot=_bind(fn, window))
        run_menu.addAction(file_actions[name])

    view_menu = window.menuBar().addMenu("&View")
    for dock in window.docks:
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addAction(
        make_action(
            window,
            "&Reset layout",
            "actionResetLayout",
            "Put the panels back where they started",
            slot=window.reset_layout,
        )
    )
    help_menu = window.menuBar().addMenu("&Help")
    help_menu.addAction(
        make_action(
            window, "&About Odyssey", "actionAbout", "Version and libraries", slot=window.about
        )
    )
    return WindowActions(train, pause, stop, file_actions, toolbar, message, message_action)
