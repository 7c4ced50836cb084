"""Run a Qt script in its own child process on a real X server (Xvfb) and read its report.

`xvfb-run -a` gives the child its own server on a free display, torn down even if the
child crashes; the child prints one line `REPORT {json}` that the test reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_report(
    script: str, arg: str, settings: Path, screen: str = "1366x768", scale: str | None = None
) -> dict:
    """Run `script` (with `arg` as sys.argv[1]) on an Xvfb screen of `screen` pixels, at
    Qt scale factor `scale` (a HiDPI screen); its REPORT as a dict."""
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is needed for this test (scripts/setup.sh installs it)"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "ODYSSEY_SETTINGS_DIR": str(settings)}
    env.pop("DISPLAY", None)
    if scale is not None:
        env["QT_SCALE_FACTOR"] = scale
    proc = subprocess.run(
        [xvfb_run, "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-c", script, arg],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{proc.stderr[-3000:]}"
    line = [s for s in proc.stdout.splitlines() if s.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT ") :])
