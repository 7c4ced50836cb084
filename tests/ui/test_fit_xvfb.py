"""The laptop screen is the design target: on a real 1366×768 X screen (Xvfb), with
fresh settings, the window and every dialog fit, and nothing shows a horizontal scroll
bar, while a user trains a two-feature project, hovers every plot and opens every dialog,
then trains the 20-feature project and picks the boundary's two-feature plane.

The child process runs under `xvfb-run -a` (as test_screenshot_xvfb.py) and checks after
each step: every visible top-level window lies within the screen, and no visible scroll
area in it has a horizontal scroll bar. A modal dialog is checked from a timer while it
is open, then closed the way a user would (Escape / Cancel).
"""

from __future__ import annotations

import textwrap

import pytest
from xvfb_run import run_report

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QComboBox, QToolButton, QWidget
    from desktop_app.app import create_application, install_exception_hooks
    from desktop_app.core.specs.data import DataSpec
    from desktop_app.core.specs.project import Project
    from desktop_app.core.specs.train import TrainSpec
    from desktop_app.ui.main_window import MainWindow

    table = sys.argv[1]
    app = create_application([])
    install_exception_hooks(app)
    project = Project(  # two features, three classes, ended by early stopping
        name="Spiral",
        data=DataSpec(dataset="spiral", n_samples=600),
        train=TrainSpec(epochs=300, patience=2),
    )
    w = MainWindow(project)
    w.show()
    screen = w.screen().geometry()
    problems, steps, sizes = [], [], []

    def check(step):
        steps.append(step)
        for top in QApplication.topLevelWidgets():
            if not top.isVisible() or top.windowType() == Qt.WindowType.ToolTip:
                continue
            g = top.frameGeometry()
            name = top.objectName() or type(top).__name__
            sizes.append(f"{step}: {name} {g.width()}x{g.height()}")
            if g.width() > screen.width() or g.height() > screen.height():
                problems.append(f"{step}: {name} is {g.width()}x{g.height()}")
            for area in top.findChildren(QAbstractScrollArea):
                bar = area.horizontalScrollBar()
                if area.isVisible() and bar.isVisible() and bar.maximum() > 0:
                    owner = area
                    while owner is not None and not owner.objectName():
                        owner = owner.parentWidget()
                    where = owner.objectName() if owner is not None else "?"
                    wide = ("importPreviewTable", "predictionsTable", "evalCellRows", "evalLossRows")
                    if not where.startswith(wide):
                        problems.append(f"{step}: horizontal scroll bar in {where}")

    def later(ms, fn):
        QTimer.singleShot(ms, fn)

    def modal(step, trigger, then):
        # Check the modal dialog `trigger` opens, close it, then go on.
        def inspect():
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                problems.append(f"{step}: no dialog opened")
            else:
                check(step)
                dialog.close()
            later(300, then)

        later(600, inspect)
        trigger()

    with_data = {}

    def start():
        if w.devices is None:
            later(100, start)
            return
        check("start")
        w.controller.finished.connect(on_finished)
        QTest.mouseClick(w.findChild(QToolButton, "trainButton"), Qt.MouseButton.LeftButton)

    def on_finished(outcome):
        if "done" in with_data:  # the second run: the 20-feature project
            later(800, wide_trained)
        else:
            with_data["done"] = outcome
            later(800, hover)

    def hover():
        check("trained")
        for plot in w.plots.all:
            view = plot.plot_widget
            if view.isVisible():
                for fx in (0.3, 0.5, 0.7):
                    QTest.mouseMove(view.viewport(), QPoint(int(view.width() * fx), view.height() // 2))
                    app.processEvents()
        QTest.qWait(300)
        check("hovered every plot")
        modal("Continue training", lambda: w.actions["actionContinueTraining"].trigger(), predict)

    def predict():
        w.actions["actionPredict"].trigger()
        later(500, lambda: (check("Predict"), w.models.predict_dialog.close(), later(200, evaluation)))

    def evaluation():
        QTest.mouseClick(w.results_panel.evaluate_button, Qt.MouseButton.LeftButton)
        later(3000, evaluation_tabs)

    def evaluation_tabs():
        dialog = w.evaluation.dialog
        for i in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(i)
            app.processEvents()
            QTest.qWait(200)
            check("Evaluation: " + dialog.tabs.tabText(i).replace("&", ""))
        dialog.close()
        later(200, import_table)

    def import_table():
        w.tables.import_table(table)
        later(1500, lambda: (check("Import table"), w.tables.import_dialog.reject(), later(300, about)))

    def about():
        modal("About", lambda: w.actions["actionAbout"].trigger(), rename)

    def rename():
        modal("Rename", lambda: w.actions["actionRename"].trigger(), lr_find)

    def lr_find():
        w.actions["actionFindLearningRate"].trigger()
        later(4000, lambda: (check("Find learning rate"), w.lr_find.dialog.close(), later(300, sweep)))

    def sweep():
        w.actions["actionSweep"].trigger()
        later(800, lambda: (check("Sweep"), w.sweeps.dialog.close(), later(300, wide)))

    def wide():
        # Twenty features: the boundary's pane shows the plane chooser and a caption.
        combo = w.findChild(QComboBox, "datasetCombo")
        combo.setCurrentIndex(combo.findData("classification"))
        QTest.mouseClick(w.findChild(QToolButton, "trainButton"), Qt.MouseButton.LeftButton)

    def wide_trained():
        check("20 features, trained")
        plane = w.findChild(QComboBox, "boundaryPlaneCombo")
        plane.setCurrentIndex(plane.findData("features"))
        later(500, lambda: (check("20 features, two-feature plane"), inside()))

    def inside():
        # The views inside the network, in their tab.
        w.tabs.setCurrentWidget(w.inside)
        later(800, lambda: (check("Inside the network"), runs()))

    def runs():
        # The Runs tab, filtered to one run: no setting differs, so only its own
        # columns show, and they fit (the settings' columns of a comparison may scroll).
        w.tabs.setCurrentWidget(w.runs_panel)
        later(1500, runs_filtered)

    def runs_filtered():
        box = w.runs_panel.findChild(QWidget, "runsFilter")
        box.setFocus()
        QTest.keyClicks(box, "dataset=spiral")
        later(500, runs_shown)

    def runs_shown():
        table = w.runs_panel.findChild(QWidget, "runsTable")
        if table.model().rowCount() != 1:
            problems.append(f"Runs: {table.model().rowCount()} rows shown, not 1")
        check("Runs")
        finish()

    def finish():
        w.shutdown()
        done = with_data.get("done")
        stop = done.run.stop_reason if done is not None else None
        print("REPORT " + json.dumps({"steps": steps, "problems": problems, "sizes": sizes,
                                     "stop_reason": stop,
                                     "screen": [screen.width(), screen.height()]}))
        app.quit()

    later(300, start)
    later(150_000, lambda: (problems.append("timeout"), finish()))
    app.exec()
    """
)


@pytest.mark.xvfb
@pytest.mark.parametrize(
    ("screen", "scale"),
    [("1366x768", None), ("2732x1536", "2")],
    ids=["laptop", "laptop-size-at-2x-hidpi"],
)
def test_window_and_dialogs_fit_a_1366x768_screen(tmp_path, screen, scale):
    """Also at a 2x HiDPI scale: 2732x1536 pixels are 1366x768 logical ones."""
    table = tmp_path / "rows.csv"
    table.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(60)))
    report = run_report(SCRIPT, str(table), tmp_path / "settings", screen, scale)
    assert report["screen"] == [1366, 768]
    assert report["stop_reason"] == "early_stopping"  # Continue then explains it at length
    assert report["steps"] == [
        "start",
        "trained",
        "hovered every plot",
        "Continue training",
        "Predict",
        "Evaluation: Classes",
        "Evaluation: ROC and PR curves",
        "Evaluation: Largest losses",
        "Evaluation: What it relies on",
        "Import table",
        "About",
        "Rename",
        "Find learning rate",
        "Sweep",
        "20 features, trained",
        "20 features, two-feature plane",
        "Inside the network",
        "Runs",
    ], report
    assert any(s.startswith("Find learning rate: lrFindDialog") for s in report["sizes"])
    assert any(s.startswith("Sweep: sweepDialog") for s in report["sizes"])
    assert report["problems"] == [], "\n".join(report["problems"] + report["sizes"])
