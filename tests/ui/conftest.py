"""Qt test setup: offscreen platform, isolated settings, the main-window fixture, and a
guard that fails any test leaving one of our threads or timers running.

The platform and the settings folder are set here at import time, before anything
imports Qt or reads QSettings.
"""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
# Never the user's real settings, even for code that runs outside a test function.
os.environ["ODYSSEY_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="odyssey-test-settings-")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def gui_thread_garbage_collection(qapp):
    """As in the app (MainWindow installs it): Python's cycle collector runs only in the
    GUI thread, so tests that build panels without a window (their preview threads run
    Python code) cannot have Qt objects collected, and deadlock, off the GUI thread."""
    from desktop_app.ui.gc_policy import collect_in_gui_thread

    collect_in_gui_thread()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """A fresh, empty settings folder per test."""
    folder = tmp_path / "settings"
    monkeypatch.setenv("ODYSSEY_SETTINGS_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_unanswered_dialogs(monkeypatch):
    """Answer any blocking dialog a test did not expect with Cancel, and fail the test.

    Offscreen, a modal QMessageBox, file or input dialog waits for a click that never
    comes: one the test did not stand in for would hang the whole suite. Tests that
    expect a dialog replace these stand-ins with their own (monkeypatch, later wins).
    """
    from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

    seen: list[str] = []

    def stand_in(kind: str, answer):
        def ask(*args, **kwargs):
            words = [a for a in args if isinstance(a, str)]
            for a in args:
                if isinstance(a, QMessageBox):
                    words += [a.windowTitle(), a.text()]
                elif isinstance(a, QDialog):
                    words.append(a.windowTitle() or type(a).__name__)
            seen.append(f"{kind}: {' | '.join(w for w in words if w)[:300]}")
            return answer

        return ask

    cancel = QMessageBox.StandardButton.Cancel
    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, stand_in(f"QMessageBox.{name}", cancel))
    monkeypatch.setattr(QMessageBox, "exec", stand_in("QMessageBox.exec", 0))
    monkeypatch.setattr(QDialog, "exec", stand_in("QDialog.exec", 0))
    for name in ("getOpenFileName", "getSaveFileName", "getOpenFileNames"):
        monkeypatch.setattr(QFileDialog, name, stand_in(f"QFileDialog.{name}", ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", stand_in("getExistingDirectory", ""))
    for name, value in (("getInt", 0), ("getDouble", 0.0), ("getText", ""), ("getItem", "")):
        monkeypatch.setattr(QInputDialog, name, stand_in(f"QInputDialog.{name}", (value, False)))
    yield seen
    if seen:
        pytest.fail(
            "a blocking dialog the test did not expect was shown (answered Cancel): "
            + "; ".join(seen),
            pytrace=False,
        )


def _our_object(obj) -> bool:
    parent = obj.parent() if obj is not None else None
    return parent is not None and type(parent).__module__.startswith("desktop_app")


@pytest.fixture(autouse=True)
def no_threads_or_timers_left(request):
    """Fail the test if it leaves a QThread, an active QTimer of ours or a training
    process behind.

    Runs after pytest-qt has closed the test's widgets (its teardown hook closes them
    before fixture finalizers run), so whatever is still running here was leaked.
    """
    yield
    import multiprocessing

    from PySide6.QtCore import QEvent, QThread, QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.tracking import active_timers, busy_runners, running_threads, stop_all

    if QApplication.instance() is None:
        return
    QApplication.processEvents()
    # Windows pytest-qt closed were deleteLater()-ed: delete them now, as the event loop
    # would, so that only objects still alive are inspected.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    problems: list[str] = []
    threads = running_threads()
    timers = active_timers()
    pools = []
    for top in QApplication.topLevelWidgets():
        try:
            for t in top.findChildren(QTimer):
                if t.isActive() and _our_object(t) and t not in timers:
                    timers.append(t)
            for t in top.findChildren(QThread):
                if t.isRunning() and t not in threads:
                    threads.append(t)
            pools += [p for p in top.findChildren(QThreadPool) if p.activeThreadCount() > 0]
        except RuntimeError:  # deleted while we looked
            continue
    for t in threads:
        problems.append(f"QThread {t.objectName() or t!r} is still running")
    for t in timers:
        owner = type(t.parent()).__name__ if t.parent() is not None else "no parent"
        problems.append(f"QTimer {t.objectName() or '(unnamed)'} of {owner} is still active")
    for p in pools:
        problems.append(f"a QThreadPool of {type(p.parent()).__name__} still runs a job")
    runners = busy_runners()
    for r in runners:
        problems.append(f"the job runner {r.objectName()} still runs a job")
    children = [p for p in multiprocessing.active_children() if p.name == "odyssey-training"]
    for p in children:
        problems.append(f"the training process {p.pid} is still running")
    # Clean up so that one leak does not cascade into the following tests.
    for t in timers:
        t.stop()
    stop_all()
    for t in threads:
        t.quit()
        t.wait(30_000)
    for p in pools:
        p.waitForDone(30_000)
    for r in runners:
        r.shutdown(30_000)
    for p in children:
        p.kill()
        p.join(10)
    if problems:
        pytest.fail("left running after the test: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def training_mode(request, monkeypatch):
    """Where the windows a test makes train: "thread" (the suite's default, see
    tests/conftest.py) or "process", the app's own default (training_process.py). Tests
    that must hold for both are parametrized with
    `@pytest.mark.parametrize("training_mode", BOTH_MODES, indirect=True)`."""
    from desktop_app.ui.training_process import MODE_ENV

    mode = getattr(request, "param", None) or os.environ.get(MODE_ENV, "thread")
    monkeypatch.setenv(MODE_ENV, mode)
    return mode


@pytest.fixture
def make_main_window(qtbot, training_mode):
    """Factory: MainWindow(project) registered with qtbot; its teardown stops training
    and waits for every thread (and the training process) before the window is closed."""
    from desktop_app.ui.main_window import MainWindow

    windows = []

    def make(project=None, show: bool = True):
        w = MainWindow(project=project)
        qtbot.addWidget(w, before_close_func=lambda win: win.shutdown())
        if show:
            w.show()
            qtbot.waitExposed(w)
            qtbot.waitUntil(lambda: w.plots.is_built)  # made just after the first paint
        windows.append(w)
        return w

    yield make
    for w in windows:
        try:
            w.shutdown()
        except RuntimeError:  # already deleted
            pass


@pytest.fixture
def main_window(make_main_window):
    """The window on the default project, shown (offscreen)."""
    return make_main_window()
