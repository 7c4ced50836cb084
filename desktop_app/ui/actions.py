"""The window's actions, toolbar and menus, built from one table.

Run actions: actionTrain (Ctrl+Return), actionPause (Ctrl+P, also resumes), actionStop
(Esc or Ctrl+.), actionStepBatch (Ctrl+B) and actionStepEpoch (Ctrl+E); their toolbar
buttons are trainButton, pauseButton, stopButton, stepBatchButton and stepEpochButton,
beside paceSpin (slow motion, steps per second; 0 is full speed).
File menu: actionNew (Ctrl+N), actionOpen (Ctrl+O), menuOpenRecent (actionRecent<i>,
actionClearRecent), actionSave (Ctrl+S), actionSaveAs (Ctrl+Shift+S), actionRename,
actionImportTable (Ctrl+I), actionLoadModel, actionSaveModel, actionExportCsv,
actionExportSteps, menuExport (actionExportOnnx, actionExportScript), actionQuit (Ctrl+Q).
Run menu also: actionFindLearningRate, actionSweep, actionContinueTraining, actionPredict,
actionStepThrough. View: the docks' toggles,
actionResetLayout; Help: actionAbout. `WindowActions.actions` maps every action's
objectName to the action; what is enabled when is action_state.py's.
A new menu command: its method in a commands/ class, a row here, a rule in action_state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QSpinBox,
    QStyle,
    QToolBar,
)

from desktop_app.ui.commands.exports import HistoryExports
from desktop_app.ui.commands.files import ProjectFiles, RecentFiles
from desktop_app.ui.commands.inspect import InspectCommands
from desktop_app.ui.commands.lr_find import LrFindCommands
from desktop_app.ui.commands.model_exports import ModelExports
from desktop_app.ui.commands.models import ModelCommands
from desktop_app.ui.commands.run import RunCommands
from desktop_app.ui.commands.sweep import SweepCommands
from desktop_app.ui.commands.tables import TableCommands
from desktop_app.ui.commands.variants import VariantCommands, add_variant_actions
from desktop_app.ui.controller import TrainingController

SP = QStyle.StandardPixmap
KEY = QKeySequence.StandardKey


def make_action(
    window: QMainWindow, text, name, tip, shortcuts=(), icon=None, slot=None
) -> QAction:
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


def _call(fn: Callable[[], object]) -> Callable[[], None]:
    """A zero-argument slot (PySide would pass `checked` to a callable with defaults)."""

    def call() -> None:
        fn()

    return call


@dataclass
class ActionTargets:
    """What the actions call."""

    controller: TrainingController
    run: RunCommands
    files: ProjectFiles
    recent: RecentFiles
    models: ModelCommands
    tables: TableCommands
    exports: HistoryExports
    lr_find: LrFindCommands
    docks: Sequence[QDockWidget]
    reset_layout: Callable[[], None]
    about: Callable[[], None]
    inspect: InspectCommands
    model_exports: ModelExports
    sweep: SweepCommands
    variants: VariantCommands | None = None  # Repeat…, Baselines, Race… (commands/variants.py)


@dataclass
class WindowActions:
    train: QAction
    pause: QAction
    stop: QAction
    actions: dict[str, QAction]  # every action by objectName (menuOpenRecent's too)
    toolbar: QToolBar
    project_message: QLabel
    project_message_action: QAction


def build_actions(window: QMainWindow, t: ActionTargets) -> WindowActions:
    """Create the actions, the Run toolbar and the menus of `window`."""
    c = t.controller
    train = make_action(
        window,
        "&Train",
        "actionTrain",
        "Train the network on the current project",
        ("Ctrl+Return", "Ctrl+Enter"),
        SP.SP_MediaPlay,
        t.run.train,
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
    step_batch = make_action(
        window,
        "Step &batch",
        "actionStepBatch",
        "Train one batch, then pause: watch a single gradient step (starts a run if none)",
        ("Ctrl+B",),
        SP.SP_MediaSeekForward,
        _call(lambda: t.run.step("batch")),
    )
    step_epoch = make_action(
        window,
        "Step &epoch",
        "actionStepEpoch",
        "Train to the end of the epoch, then pause (starts a run if none)",
        ("Ctrl+E",),
        SP.SP_MediaSkipForward,
        _call(lambda: t.run.step("epoch")),
    )

    toolbar = QToolBar("Run")
    toolbar.setObjectName("runToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    for action, name in (
        (train, "trainButton"),
        (pause, "pauseButton"),
        (stop, "stopButton"),
        (step_batch, "stepBatchButton"),
        (step_epoch, "stepEpochButton"),
    ):
        toolbar.addAction(action)
        button = toolbar.widgetForAction(action)
        button.setObjectName(name)
        button.setAccessibleName(action.text().replace("&", ""))
        button.setToolTip(action.toolTip())
    pace = QSpinBox()
    pace.setObjectName("paceSpin")
    pace.setAccessibleName("Speed: steps per second")
    pace.setToolTip(
        "Slow motion: at most this many training steps a second, so you can watch the "
        "loss and the decision boundary change step by step. Full speed: as fast as the "
        "computer can. Takes effect at once, also during a run."
    )
    pace.setRange(0, 500)
    pace.setSpecialValueText("Full speed")
    pace.setSuffix(" steps/s")
    pace.setKeyboardTracking(False)
    pace.valueChanged.connect(c.set_pace)
    pace_label = QLabel("Speed")
    pace_label.setBuddy(pace)
    toolbar.addWidget(pace_label)
    toolbar.addWidget(pace)
    toolbar.addSeparator()
    message = QLabel("")
    message.setObjectName("projectMessage")
    message.setAccessibleName("Why Train is disabled")
    message.setToolTip("What must be fixed in the project before it can be trained.")
    message.setStyleSheet("color:#b3261e; padding-left:6px;")
    message.setWordWrap(True)
    message_action = toolbar.addWidget(message)
    message_action.setObjectName("projectMessageAction")

    f, m = t.files, t.models
    rows = [
        ("&New project", "actionNew", "Start again from the default project", (KEY.New,), f.new),
        (
            "&Open project…",
            "actionOpen",
            "Open a project file (JSON)",
            (KEY.Open,),
            f.open_dialog,
        ),
        (
            "&Save project",
            "actionSave",
            "Save the project's settings to its JSON file",
            (KEY.Save,),
            f.save,
        ),
        (
            "Save project &as…",
            "actionSaveAs",
            "Save the project's settings to a new JSON file",
            ("Ctrl+Shift+S",),
            f.save_as,
        ),
        ("&Rename project…", "actionRename", "Change the project's name", (), f.rename),
        None,
        (
            "&Import table…",
            "actionImportTable",
            "Train on your own data: import a CSV or TSV file",
            ("Ctrl+I",),
            t.tables.import_table,
        ),
        None,
        (
            "&Load model…",
            "actionLoadModel",
            "Open a trained model file (.safetensors): its project, history and results",
            (),
            m.load_dialog,
        ),
        (
            "Save &model…",
            "actionSaveModel",
            "Save the trained model (weights, project, history, test results) to a file",
            (),
            m.save_dialog,
        ),
        None,
        (
            "Export history as &CSV…",
            "actionExportCsv",
            "Save the per-epoch history (losses, metrics, learning rate) as a CSV table",
            (),
            t.exports.epochs_csv,
        ),
        (
            "Export per-step &losses as CSV…",
            "actionExportSteps",
            "Save every step's loss, smoothed loss and learning rate as a CSV table",
            (),
            t.exports.steps_csv,
        ),
        None,
        ("&Quit", "actionQuit", "Close Odyssey", ("Ctrl+Q",), window.close),
    ]
    file_menu = window.menuBar().addMenu("&File")
    actions: dict[str, QAction] = {
        "actionTrain": train,
        "actionPause": pause,
        "actionStop": stop,
        "actionStepBatch": step_batch,
        "actionStepEpoch": step_epoch,
    }
    for row in rows:
        if row is None:
            file_menu.addSeparator()
            continue
        text, name, tip, keys, slot = row
        actions[name] = make_action(window, text, name, tip, keys, slot=_call(slot))
        file_menu.addAction(actions[name])
        if name == "actionOpen":
            file_menu.addMenu(t.recent.menu)
            actions["menuOpenRecent"] = t.recent.menu.menuAction()

    _add_export_menu(window, file_menu, actions, t.model_exports)

    run_menu = window.menuBar().addMenu("&Run")
    for a in (train, pause, stop, step_batch, step_epoch):
        run_menu.addAction(a)
    tip = "Try rising learning rates on a copy of the network and suggest one (nothing is trained)"
    actions["actionFindLearningRate"] = make_action(
        window, "Find &learning rate…", "actionFindLearningRate", tip, slot=_call(t.lr_find.find)
    )
    run_menu.addAction(actions["actionFindLearningRate"])
    tip = "Search the settings: many trials of the project, weak ones pruned (Optuna, Ray)"
    actions["actionSweep"] = make_action(
        window, "S&weep…", "actionSweep", tip, slot=_call(t.sweep.open)
    )
    run_menu.addAction(actions["actionSweep"])
    if t.variants is not None:
        add_variant_actions(window, run_menu, actions, t.variants)
    run_menu.addSeparator()
    model_rows = (
        (
            "&Continue training…",
            "actionContinueTraining",
            "Train the current model for more epochs, going on from where it stopped",
            m.continue_training,
        ),
        (
            "Pre&dict…",
            "actionPredict",
            "Predict with the current model: typed values or the rows of a CSV file",
            m.open_predict,
        ),
        (
            "&One sample, step by step…",
            "actionStepThrough",
            "Follow one sample through the current model: forward, loss, backward and "
            "update, with the numbers",
            t.inspect.open_step_through,
        ),
    )
    for text, name, tip, fn in model_rows:
        actions[name] = make_action(window, text, name, tip, slot=_call(fn))
        run_menu.addAction(actions[name])

    view_menu = window.menuBar().addMenu("&View")
    for dock in t.docks:
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    for text, name, tip, fn, menu in (
        (
            "&Reset layout",
            "actionResetLayout",
            "Put the panels back where they started",
            t.reset_layout,
            view_menu,
        ),
        (
            "&About Odyssey",
            "actionAbout",
            "Version and libraries",
            t.about,
            window.menuBar().addMenu("&Help"),
        ),
    ):
        actions[name] = make_action(window, text, name, tip, slot=_call(fn))
        menu.addAction(actions[name])
    return WindowActions(train, pause, stop, actions, toolbar, message, message_action)


def _add_export_menu(window: QMainWindow, file_menu, actions: dict, exports: ModelExports) -> None:
    """File ▸ Export ▸ ONNX… / Python script…, placed before the separator above Quit."""
    menu = QMenu("&Export", file_menu)
    menu.setObjectName("menuExport")
    for text, name, tip, fn in (
        (
            "&ONNX…",
            "actionExportOnnx",
            "Save the current model as one ONNX file (raw inputs in, probabilities or values "
            "out), checked against PyTorch with onnxruntime",
            exports.onnx,
        ),
        (
            "&Python script…",
            "actionExportScript",
            "Save a standalone PyTorch + scikit-learn script that reproduces this project's run",
            exports.script,
        ),
    ):
        actions[name] = make_action(window, text, name, tip, slot=_call(fn))
        menu.addAction(actions[name])
    items = file_menu.actions()
    at = items.index(actions["actionQuit"])
    before = items[at - 1] if at and items[at - 1].isSeparator() else items[at]
    file_menu.insertMenu(before, menu)
    actions["menuExport"] = menu.menuAction()
