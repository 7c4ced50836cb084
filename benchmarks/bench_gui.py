"""GUI speed figures, offscreen, in one process (startup in fresh child processes).

Run:  QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--epochs N] [--repeats R]

Prints JSON lines:
- gui_vs_headless: the 100,000-sample default project (early stopping off, fixed
  epochs) trained by the engine headless and by the window, with its plots live, as the
  app trains (in its training process; `training` says which); steps/s of each and
  their ratio (target ≥ 0.95). `ratio_training_thread_median`: the same window training
  in a thread of this process instead (ODYSSEY_TRAINING=thread), for comparison. Runs are interleaved
  so machine noise hits both alike; reported as best-of-each and as the median of the
  ratios of adjacent pairs. Also with the "Inside the network" tab shown instead of the
  plots (its network drawing and gradient health live; target ≥ 0.9). And the share of
  the GUI thread's time its work took from `started` to `finished` (CPU time ÷ wall
  time), which is far steadier than steps/s on a noisy machine; each 1% of it cost the
  loop about 1-2% on a 2-core machine.
- gui_responsiveness: lateness of a 10 ms QTimer in the GUI thread during GUI runs of
  their own (the probe itself slows the loop by about 1 %), interleaved with the others
  (target: p99 ≤ 8 ms, max ≤ 16 ms).
- redraw_1m: setData + paint of the loss plot holding 1,000,000 batch points (raw and
  smoothed curves), after appending one block as a live update does (target ≤ 16 ms);
  also a single 1M-point curve.
- startup_paint: seconds from process start to the main window's first paint, and
  whether torch and pyqtgraph were imported by then (target ≤ 0.45 s, neither imported).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the user's settings, and a fresh store each run (startup opens the last project).
os.environ.setdefault("ODYSSEY_SETTINGS_DIR", tempfile.mkdtemp(prefix="odyssey-bench-"))
os.environ.setdefault("ODYSSEY_DATA_DIR", tempfile.mkdtemp(prefix="odyssey-bench-data-"))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def emit(row: dict) -> None:
    print(json.dumps(row), flush=True)


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else 0.0


class LatenessProbe(QObject):
    """A 10 ms timer in the GUI thread; records how late each tick is."""

    def __init__(self, interval_ms: int = 10):
        super().__init__()
        self.interval = interval_ms / 1000
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.late_ms: list[float] = []
        self._last = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last - self.interval) * 1000))
        self._last = now


def bench_project(epochs: int):
    from desktop_app.core.specs.project import Project

    return Project().with_overrides(
        [
            "data.n_samples=100000",
            "train.early_stopping=false",
            f"train.epochs={epochs}",
            "train.device=cpu",
        ]
    )


def headless_run(project) -> float:
    from desktop_app.core.engine import Trainer

    return Trainer(project).fit().timing.steps_per_second


def gui_run(
    app: QApplication, window, project, probe: LatenessProbe | None
) -> tuple[float, int, float]:
    """(steps/s, plot redraws, the GUI thread's CPU share from started to finished)."""
    done = {}
    loop = QEventLoop()  # not app.exec()/quit(): quitting the app closes its windows

    class Sink(QObject):
        @Slot(object)
        def started(self, _info):
            done["start"] = (time.thread_time(), time.perf_counter())

        @Slot(object)
        def finished(self, outcome):
            done["outcome"] = outcome
            done["end"] = (time.thread_time(), time.perf_counter())
            loop.quit()

        @Slot(str)
        def failed(self, message):
            done["failed"] = message
            loop.quit()

    sink = Sink()
    window.controller.started.connect(sink.started)
    window.controller.finished.connect(sink.finished)
    window.controller.failed.connect(sink.failed)
    if window.session.project != project:
        window.session.update(project)
    settle(app, window)  # as a person would: the preview is on screen before Train
    if probe is not None:
        window.controller.started.connect(probe.start)  # measure while the loop runs
    before = sum(p.redraw_count for p in window.plots.all)
    window.runs.train()
    loop.exec()
    if probe is not None:
        probe.stop()
        window.controller.started.disconnect(probe.start)
    window.controller.started.disconnect(sink.started)
    window.controller.finished.disconnect(sink.finished)
    window.controller.failed.disconnect(sink.failed)
    if "failed" in done:
        raise RuntimeError(done["failed"])
    redraws = sum(p.redraw_count for p in window.plots.all) - before
    (c0, t0), (c1, t1) = done["start"], done["end"]
    share = (c1 - c0) / max(t1 - t0, 1e-9)  # includes the window's own end-of-run work
    return done["outcome"].run.timing.steps_per_second, redraws, share


def settle(app: QApplication, window, timeout_s: float = 60.0) -> None:
    """Wait until the dataset preview (a background job) and the plots are idle."""
    preview = getattr(window.dataset_panel, "preview", None)
    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        app.processEvents()
        busy = preview is not None and preview.is_busy()
        # A hidden plot (another tab shown) stays dirty until it is shown again.
        if not busy and not any(p.is_dirty and p.isVisible() for p in window.plots.all):
            break
        time.sleep(0.01)
    app.processEvents()


def bench_training(app: QApplication, epochs: int, repeats: int) -> None:
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.training_process import MODE_ENV, trains_in_process

    project = bench_project(epochs)
    window = MainWindow(project=project)  # trains as the app does (the training process)
    mode = "process" if trains_in_process() else "thread"
    # For comparison: the same window training in a thread of this process.
    old_mode = os.environ.get(MODE_ENV)
    os.environ[MODE_ENV] = "thread"
    in_thread = MainWindow(project=project)
    if old_mode is None:
        os.environ.pop(MODE_ENV)
    else:
        os.environ[MODE_ENV] = old_mode
    for w in (in_thread, window):
        w.resize(1440, 900)  # a typical desktop window, whatever the offscreen screen
        w.show()
        app.processEvents()
        w.dataset_panel.request_preview()
    # Warm up every path (imports, allocator, first paints) before measuring.
    headless_run(bench_project(1))
    gui_run(app, window, bench_project(1), LatenessProbe())
    in_thread.hide()
    gui_run(app, in_thread, bench_project(1), None)
    in_thread.hide()
    window.show()
    headless, gui, inside, probed, late_all, redraws = [], [], [], [], [], 0
    gui_share, inside_share, threaded = [], [], []
    for _ in range(repeats):
        headless.append(headless_run(project))
        window.hide()  # (a hidden window paints nothing)
        in_thread.show()
        threaded.append(gui_run(app, in_thread, project, None)[0])
        in_thread.hide()
        window.show()
        sps, n, share = gui_run(app, window, project, None)
        gui.append(sps)
        gui_share.append(share)
        redraws += n
        window.tabs.setCurrentWidget(window.inside)  # the views inside the network
        sps, _, share = gui_run(app, window, project, None)
        inside.append(sps)
        inside_share.append(share)
        window.tabs.setCurrentWidget(window.plots)
        # The lateness probe wakes the GUI thread 100 times a second, which the app never
        # does and which costs the loop about 1 %: it runs in runs of its own.
        probe = LatenessProbe()
        sps, _, _ = gui_run(app, window, project, probe)
        probed.append(sps)
        late_all += probe.late_ms
    for w in (window, in_thread):
        w.shutdown()
        w.close()
    h, g = max(headless), max(gui)
    pair_ratios = [gv / hv for gv, hv in zip(gui, headless)]
    emit(
        {
            "bench": "gui_vs_headless",
            "samples": 100_000,
            "epochs": epochs,
            "repeats": repeats,
            "training": mode,
            "headless_steps_per_s": round(h),
            "gui_steps_per_s": round(g),
            "ratio_best_of_each": round(g / h, 3),
            "ratio_median_of_pairs": round(statistics.median(pair_ratios), 3),
            "ratio_inside_tab_median": round(
                statistics.median(i / hv for i, hv in zip(inside, headless)), 3
            ),
            "ratio_with_probe_median": round(
                statistics.median(p / hv for p, hv in zip(probed, headless)), 3
            ),
            "ratio_training_thread_median": round(
                statistics.median(t / hv for t, hv in zip(threaded, headless)), 3
            ),
            "all_headless": [round(v) for v in headless],
            "all_gui": [round(v) for v in gui],
            "all_inside_tab": [round(v) for v in inside],
            # Steadier than steps/s on a noisy machine: the share of the GUI thread's
            # time its work took during the runs (each % of it costs the loop 1-2 %).
            "gui_thread_cpu_share_median": round(statistics.median(gui_share), 4),
            "inside_tab_gui_thread_cpu_share_median": round(statistics.median(inside_share), 4),
            "plot_redraws": redraws,
            "loss_redraw_cpu_ms": round(window.plots.loss.redraw_cost_ms, 2),
            "target": ">= 0.95",
        }
    )
    emit(
        {
            "bench": "gui_responsiveness",
            "timer_ms": 10,
            "ticks": len(late_all),
            "late_p50_ms": round(percentile(late_all, 50), 2),
            "late_p99_ms": round(percentile(late_all, 99), 2),
            "late_max_ms": round(max(late_all) if late_all else 0.0, 2),
            "target": "p99 <= 8 ms, max <= 16 ms",
        }
    )


def bench_redraw(app: QApplication, n: int = 1_000_000, rounds: int = 30) -> None:
    import pyqtgraph as pg

    from desktop_app.ui.live_history import LiveHistory
    from desktop_app.ui.plots.loss import LossPlot
    from desktop_app.ui.plots.parts import setup_batch_curve

    history = LiveHistory()
    plot = LossPlot(history)
    plot.resize(900, 450)
    plot.show()
    history.clear()  # a live run: the view follows the data as during training
    rng = np.random.default_rng(0)
    steps = np.arange(1, n + 1)
    history.add_batches(steps, np.exp(-steps / 2e5) + 0.05 * rng.random(n), np.full(n, 0.01))
    plot.redraw_now()
    plot.plot_widget.viewport().repaint()
    app.processEvents()
    times = []
    next_step = n + 1
    for _ in range(rounds):
        block = np.arange(next_step, next_step + 32)
        next_step += 32
        history.add_batches(block, np.full(32, 0.06), np.full(32, 0.01))  # a live update
        t0 = time.perf_counter()
        plot.redraw_now()  # setData on both 1M-point curves
        plot.plot_widget.viewport().repaint()  # and the paint, synchronously
        times.append((time.perf_counter() - t0) * 1000)
    plot.stop_updates()

    # One bare curve, for comparison with the figure.
    widget = pg.PlotWidget()
    widget.resize(900, 450)
    widget.show()
    curve = setup_batch_curve(widget.plot())
    y = np.exp(-steps / 2e5)
    curve.setData(steps, y)
    widget.viewport().repaint()
    app.processEvents()
    single = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        curve.setData(steps, y)
        widget.viewport().repaint()
        single.append((time.perf_counter() - t0) * 1000)
    emit(
        {
            "bench": "redraw_1m",
            "points": n,
            "loss_plot_median_ms": round(statistics.median(times), 2),
            "loss_plot_max_ms": round(max(times), 2),
            "single_curve_median_ms": round(statistics.median(single), 2),
            "target": "<= 16 ms",
        }
    )
    plot.close()
    widget.close()
    plot.deleteLater()
    widget.deleteLater()


STARTUP_CHILD = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from desktop_app.app import create_application, create_main_window

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not hasattr(self, "t"):
                self.t = time.time()
                seen = f"{'torch' in sys.modules} {'pyqtgraph' in sys.modules}"
                print(f"PAINT {self.t!r} {seen}", flush=True)
                QTimer.singleShot(0, window.close)
            return False

    app = create_application([])
    window = create_main_window([])
    f = FirstPaint()
    window.installEventFilter(f)
    window.show()
    app.exec()
    window.shutdown()
    """
)


def bench_startup(runs: int = 3) -> None:
    seconds, torch_seen, pg_seen = [], [], []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(runs):
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", STARTUP_CHILD], env=env, capture_output=True, text=True
        )
        line = [s for s in proc.stdout.splitlines() if s.startswith("PAINT ")]
        if proc.returncode != 0 or not line:
            raise RuntimeError(f"startup child failed: {proc.stderr[-2000:]}")
        _, t_paint, torch_loaded, pg_loaded = line[-1].split()
        seconds.append(float(t_paint) - t0)
        torch_seen.append(torch_loaded == "True")
        pg_seen.append(pg_loaded == "True")
    emit(
        {
            "bench": "startup_paint",
            "runs": runs,
            "first_paint_s_median": round(statistics.median(seconds), 3),
            "first_paint_s_all": [round(s, 3) for s in seconds],
            "torch_imported_before_paint": any(torch_seen),
            "pyqtgraph_imported_before_paint": any(pg_seen),
            "target": "<= 0.45 s",
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3, help="epochs per training run")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved runs of each kind")
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    ap.add_argument("--switch-interval", type=float, default=0.0, help="sys.setswitchinterval")
    a = ap.parse_args()
    if a.switch_interval:
        sys.setswitchinterval(a.switch_interval)
    if not a.skip_startup:
        bench_startup()  # first, before this process's own load competes with it
    from desktop_app.app import create_application

    app = create_application([])  # as the app runs: Fusion style, names, icon
    bench_redraw(app)
    if not a.skip_training:
        bench_training(app, a.epochs, a.repeats)


if __name__ == "__main__":
    main()
