"""The packaged program: build it with packaging/build.sh, then run its `--self-test`.

The build takes about three minutes on two cores, so those tests are marked `slow`
(run them with `pytest --run-slow tests/packaging` or ODYSSEY_RUN_SLOW=1). The first
test runs the same self-test from source, in a subprocess, in the normal suite, so a
change that breaks the self-test shows up without building.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The first test here also builds the bundle (minutes): a longer limit than the suite's.
pytestmark = pytest.mark.timeout(2400)

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "odyssey"
PROGRAM = DIST / "odyssey"
INTERNAL = DIST / "_internal"
MAX_BUNDLE_MIB = 900  # 800 before onnx/onnxscript/onnxruntime (the ONNX export)
CHECKS = ("window", "window training", "train", "model file", "predict", "sweep")


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user who never installed Python: no venv, no PYTHONPATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "QT_", "VIRTUAL_ENV", "ODYSSEY_"))
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env.update(extra)
    return env


def _assert_report(proc: subprocess.CompletedProcess, frozen: bool) -> str:
    report = proc.stdout
    assert proc.returncode == 0, f"exit {proc.returncode}\n{report}\n{proc.stderr[-3000:]}"
    assert ("frozen)" if frozen else "not frozen)") in report
    for name in CHECKS:
        assert f"  [ok] {name}: " in report, report
    assert "[FAIL]" not in report
    # The window trains as the app does, in its training process (a frozen build starts
    # it by running the program again: multiprocessing's freeze support).
    assert "[ok] window training: trained in the training process" in report
    assert f"self-test passed ({len(CHECKS)}/{len(CHECKS)} checks)" in report
    return report


def test_self_test_passes_from_source(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--self-test"],
        cwd=tmp_path,
        env={**_clean_env(HOME=str(tmp_path)), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = _assert_report(proc, frozen=False)
    assert "on offscreen" in report


# --------------------------------------------------------------------------- the bundle
@pytest.fixture(scope="module")
def build_output() -> str:
    """Build dist/odyssey once for this module; the build script's output."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is not installed: run .venv/bin/pip install -e '.[package]'")
    proc = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"packaging/build.sh failed (exit {proc.returncode}):\n{out[-6000:]}"
    )
    print(proc.stdout)  # build time, size and the largest items, shown with -s
    return proc.stdout


def _du_mib(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1024


@pytest.mark.slow
def test_bundle_is_built_small_and_without_what_the_app_never_loads(build_output):
    assert PROGRAM.is_file() and os.access(PROGRAM, os.X_OK)
    size = _du_mib(DIST)
    assert size <= MAX_BUNDLE_MIB, f"bundle is {size:.0f} MiB on disk (limit {MAX_BUNDLE_MIB})"
    assert re.search(r"^build time: [\d.]+ s$", build_output, re.M), build_output
    assert re.search(r"^bundle size: ", build_output, re.M)

    for gone in ("torch/test", "torch/include", "torch/share", "tkinter", "PySide6/Qt/qml"):
        assert not (INTERNAL / gone).exists(), f"{gone} should be left out of the bundle"
    assert not list(INTERNAL.rglob("*.a")), "static libraries should be left out"
    assert not list(INTERNAL.rglob("*.qm")), "Qt translations should be left out"
    torch_bin = sorted(p.name for p in (INTERNAL / "torch" / "bin").iterdir())
    assert torch_bin == ["torch_shm_manager"]
    assert os.access(INTERNAL / "torch" / "bin" / "torch_shm_manager", os.X_OK)
    qt_libs = " ".join(p.name for p in (INTERNAL / "PySide6" / "Qt" / "lib").iterdir())
    for unused in ("Qt6Qml", "Qt6Quick", "Qt6WebEngine", "Qt63D", "Qt6Multimedia", "Qt6Sql"):
        assert unused not in qt_libs, f"lib{unused} should be left out"

    if sys.platform.startswith("linux"):
        plugins = INTERNAL / "PySide6" / "Qt" / "plugins" / "platforms"
        assert (plugins / "libqxcb.so").is_file() and (plugins / "libqoffscreen.so").is_file()
        for lib in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"):
            assert (INTERNAL / lib).exists(), f"{lib} should travel with the bundle"
        # torch's own libraries are stripped; numpy's bundled ones are left as they were.
        import numpy
        import torch

        src = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
        dst = INTERNAL / "torch" / "lib" / "libtorch_cpu.so"
        assert dst.stat().st_size < src.stat().st_size * 0.9
        for lib in (Path(numpy.__file__).parent.parent / "numpy.libs").glob("*.so*"):
            assert (INTERNAL / "numpy.libs" / lib.name).stat().st_size == lib.stat().st_size


@pytest.mark.slow
def test_frozen_self_test_passes(build_output, tmp_path):
    """Window (offscreen), train, save, reload, predict, a sweep on worker processes
    (forked from a fork server on Linux): from another folder, no venv."""
    proc = subprocess.run(
        [str(PROGRAM), "--self-test"],
        cwd=tmp_path,
        env=_clean_env(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = _assert_report(proc, frozen=True)
    print(report)  # launch-to-paint and training figures, shown with -s
    assert "on offscreen" in report
    assert "devices: cpu" in report


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")
def test_frozen_window_paints_on_a_real_x_screen(build_output, tmp_path):
    """The bundle's own xcb plugin and libraries drive a real X server (Xvfb)."""
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is missing: install xvfb (scripts/setup.sh does)"
    proc = subprocess.run(
        [xvfb_run, "-a", str(PROGRAM), "--self-test", "--display"],
        cwd=tmp_path,
        env=_clean_env(HOME=str(tmp_path), QT_QPA_PLATFORM="xcb"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = _assert_report(proc, frozen=True)
    assert "on xcb" in report


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="install.sh is for Linux")
def test_linux_install_adds_program_menu_entry_and_icons_and_uninstalls(build_output, tmp_path):
    prefix = tmp_path / "prefix"
    env = _clean_env(HOME=str(tmp_path), PREFIX=str(prefix))
    subprocess.run(["bash", str(DIST / "install.sh")], env=env, check=True, timeout=300)

    installed = prefix / "lib" / "odyssey" / "odyssey"
    assert os.access(installed, os.X_OK)
    entry = (prefix / "share" / "applications" / "odyssey.desktop").read_text()
    assert f'Exec="{installed}" %f' in entry
    assert "Icon=odyssey" in entry and "Name=Odyssey" in entry
    assert (prefix / "share/icons/hicolor/256x256/apps/odyssey.png").is_file()
    assert (prefix / "share/icons/hicolor/scalable/apps/odyssey.svg").is_file()
    version = subprocess.run(
        [str(prefix / "bin" / "odyssey"), "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert version.returncode == 0 and version.stdout.startswith("odyssey "), version

    subprocess.run(["bash", str(DIST / "install.sh"), "--uninstall"], env=env, check=True)
    assert not installed.exists()
    assert not (prefix / "bin" / "odyssey").exists()
    assert not (prefix / "share" / "applications" / "odyssey.desktop").exists()
