"""File ▸ Export ▸ ONNX… and Python script… driven from the menu: the file is written in
the background and the ONNX report says how it was checked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QToolButton

from desktop_app.core.specs.project import Project

TINY = ["data.dataset=moons", "data.n_samples=200", "train.epochs=2", "train.device=cpu"]


def export_menu_action(w, name: str) -> QAction:
    menu = w.findChild(QMenu, "menuExport")
    assert menu is not None and menu.menuAction() in w.menuBar().actions()[0].menu().actions()
    return next(a for a in menu.actions() if a.objectName() == name)


def answer_save_dialog(monkeypatch, path):
    asked = []

    def fake(parent, title, default, filters):
        asked.append((title, filters))
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    return asked


def test_export_onnx_from_the_menu_after_training(
    qtbot, make_main_window, monkeypatch, tmp_path, capfd
):
    w = make_main_window(Project().with_overrides(TINY))
    onnx = export_menu_action(w, "actionExportOnnx")
    assert not onnx.isEnabled()  # no model yet
    with qtbot.waitSignal(w.controller.finished, timeout=60_000):
        qtbot.mouseClick(w.findChild(QToolButton, "trainButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(onnx.isEnabled, timeout=10_000)
    asked = answer_save_dialog(monkeypatch, tmp_path / "moons")
    shown = []
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: shown.append((box.text(), box.informativeText())) or 0
    )
    onnx.trigger()
    assert asked and "ONNX" in asked[0][1]
    assert not onnx.isEnabled()  # one export at a time, while it runs
    qtbot.waitUntil(lambda: bool(shown), timeout=120_000)
    text, detail = shown[0]
    assert str(tmp_path / "moons.onnx") in text and (tmp_path / "moons.onnx").is_file()
    assert "largest difference" in detail and "within 1e-05" in detail
    assert onnx.isEnabled() and not w.banner.text()
    err = capfd.readouterr().err.lower()
    assert "onnx" not in err and "torchvision" not in err  # the exporter's noise stays out


def test_export_script_from_the_menu(qtbot, make_main_window, monkeypatch, tmp_path):
    w = make_main_window(Project().with_overrides(TINY))
    script = export_menu_action(w, "actionExportScript")
    assert script.isEnabled()  # a valid project is enough: nothing needs training first
    answer_save_dialog(monkeypatch, tmp_path / "train_moons")
    script.trigger()
    target = tmp_path / "train_moons.py"
    qtbot.waitUntil(lambda: "Wrote" in w.statusBar().currentMessage(), timeout=60_000)
    text = target.read_text(encoding="utf-8")
    assert "make_moons(n_samples=200" in text and "desktop_app" not in text


@pytest.mark.parametrize("name", ["actionExportOnnx"])
def test_export_without_a_model_says_train_first(main_window, name):
    w = main_window
    w.actions[name].setEnabled(True)  # a shortcut or a stale menu may still reach it
    w.actions[name].trigger()
    assert "train" in w.banner.text().lower()
