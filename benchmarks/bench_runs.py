"""Run store and Runs tab speed, offscreen, in one process.

Run:  QT_QPA_PLATFORM=offscreen python benchmarks/bench_runs.py [--runs 1000] [--repeats 5]

Prints JSON lines (milliseconds; the median of the repeats):
- runs_table_open: a store of N recorded runs (each 50 epochs, 2,000 step points,
  projects differing in 4 settings) opened, listed and prepared (the loading job's
  part, off the GUI thread: background_ms), then put in the table model and painted
  in the Runs tab (the GUI thread's part: gui_thread_ms); open_ms is both (target:
  open, sort and filter each within 100 ms).
- runs_table_sort: a header click on the best-value column and on a setting's column,
  painted; with the model's own sort (what the panel does) and, as the baseline, the
  QSortFilterProxyModel's sort through data() on the same model: their ratio.
- runs_table_filter: typing a filter ("lr=0.01") and clearing it, painted.
- runs_curves: reading 10 ticked runs' records and overlaying their curves.
- recording_overhead: steps/s of a training run with the RunRecorder against one
  without, interleaved (target ≥ 0.98: recording never slows the run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ODYSSEY_SETTINGS_DIR", tempfile.mkdtemp(prefix="odyssey-bench-"))
os.environ["ODYSSEY_DATA_DIR"] = tempfile.mkdtemp(prefix="odyssey-bench-data-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSortFilterProxyModel, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def emit(row: dict) -> None:
    print(json.dumps(row), flush=True)


def ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def fake_result(i: int, rng: np.random.Generator):
    from desktop_app.core.history import History
    from desktop_app.core.run_types import RunTiming, Status, TrainResult
    from desktop_app.core.specs.project import Project

    sets = [
        f"train.lr={[0.001, 0.003, 0.01, 0.03, 0.1][i % 5]}",
        f"model.hidden.0.units={[8, 16, 32, 64][i % 4]}",
        f"train.batch_size={[32, 64, 128][i % 3]}",
        f"train.optimizer={['adam', 'sgd'][i % 2]}",
    ]
    project = Project().with_overrides(sets)
    h = History(metric_name="accuracy")
    n = 5000
    h.add_block(np.arange(1, n + 1), rng.random(n), np.full(n, 0.01))
    h.epochs = [
        {
            "epoch": e,
            "step": e * 100,
            "train_loss": float(rng.random()),
            "val_loss": float(rng.random()),
            "train_metric": float(rng.random()),
            "val_metric": float(rng.random()),
            "lr": 0.01,
            "seconds": 0.1,
        }
        for e in range(1, 51)
    ]
    return TrainResult(
        project=project,
        status=Status.FINISHED,
        stop_reason="completed",
        epochs_run=50,
        steps=n,
        best_epoch=None,
        task="binary",
        metric_name="accuracy",
        test_metrics={"accuracy": float(rng.random())},
        history=h,
        timing=RunTiming(
            seconds=float(rng.random() * 100), steps_per_second=1.0, device="cpu", threads=1
        ),
    )


def build_store(folder: Path, n: int) -> None:
    from desktop_app.core.runs.store import RunStore

    store = RunStore(folder)
    rng = np.random.default_rng(0)
    results = [fake_result(i, rng) for i in range(20)]
    for i in range(n):
        store.record_result(results[i % 20], name=f"trial {i}" if i % 7 == 0 else None)
    store.close()


def one_round(app, folder: Path) -> dict:
    """Open, sort, filter and tick once, in a fresh panel; milliseconds of each."""
    from desktop_app.core.runs.store import RunStore
    from desktop_app.core.runs.table_rows import prepare_runs
    from desktop_app.ui.panels.runs import RunsPanel
    from desktop_app.ui.runs_table import SORT_ROLE, RunsTableModel

    out: dict = {}
    panel = RunsPanel()
    panel.resize(1366, 700)
    panel.show()
    app.processEvents()

    def paint() -> None:
        panel.table.viewport().repaint()
        app.processEvents()

    t0 = time.perf_counter()
    store = RunStore(folder)
    runs = store.list_runs()
    prepared = prepare_runs(runs)  # these two run in the loading job, off the GUI thread
    t2 = time.perf_counter()
    panel.set_runs(prepared)
    t3 = time.perf_counter()
    # The whole tab, its (empty) curve plots too, painted once as the event loop paints
    # it (repaint() and then processEvents() painted the table twice).
    panel.update()
    app.processEvents()
    t4 = time.perf_counter()
    out.update(
        n=len(runs),
        open=(t4 - t0) * 1000,
        background=(t2 - t0) * 1000,
        gui=(t4 - t2) * 1000,
        model=(t3 - t2) * 1000,
    )
    for _ in range(20):  # let deferred work settle (pyqtgraph lays its plots out late)
        app.processEvents()
        time.sleep(0.01)
    header = panel.table.horizontalHeader()
    model = panel.model
    cols = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    best, lr = cols.index("Best val (epoch)"), cols.index("lr")

    def click(col: int) -> None:
        header.setSortIndicator(col, Qt.SortOrder.DescendingOrder)
        paint()

    out["sort_best"] = ms(lambda: click(best))
    out["sort_setting"] = ms(lambda: click(lr))

    def type_filter(text: str) -> None:
        panel.filter.setText(text)
        paint()

    out["filter"] = ms(lambda: type_filter("lr=0.01"))
    out["clear"] = ms(lambda: type_filter(""))
    ids = [r.id for r in runs[:10]]

    def tick() -> None:
        panel.show_curves([store.get_run(i) for i in ids])
        app.processEvents()

    out["curves"] = ms(tick)
    panel.show_curves([])
    app.processEvents()
    panel.show_curves([store.get_run(i) for i in ids[:9]])
    app.processEvents()
    out["one_more"] = ms(tick)  # the tenth tick, nine already shown
    # The baseline: the proxy's own sort, comparing through data() (SORT_ROLE).
    plain = RunsTableModel()
    plain.set_runs(runs)
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(SORT_ROLE)
    proxy.setSourceModel(plain)
    out["proxy_sort"] = ms(lambda: proxy.sort(best, Qt.SortOrder.DescendingOrder))
    t0 = time.perf_counter()
    plain.sort(best, Qt.SortOrder.DescendingOrder)
    out["model_sort"] = (time.perf_counter() - t0) * 1000
    panel.close()
    panel.deleteLater()
    store.close()
    app.processEvents()
    return out


def bench_table(app, folder: Path, repeats: int) -> None:
    rounds = [one_round(app, folder) for _ in range(repeats)]

    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in rounds), 1)

    n = rounds[0]["n"]
    emit(
        {
            "bench": "runs_table_open",
            "runs": n,
            "open_ms": med("open"),
            "background_ms": med("background"),
            "gui_thread_ms": med("gui"),
            "model_reset_ms": med("model"),
            "target_ms": 100,
        }
    )
    emit(
        {
            "bench": "runs_table_sort",
            "runs": n,
            "best_value_ms": med("sort_best"),
            "setting_ms": med("sort_setting"),
            "model_sort_only_ms": med("model_sort"),
            "proxy_sort_baseline_ms": med("proxy_sort"),
            "proxy_over_model": round(med("proxy_sort") / max(med("model_sort"), 1e-3), 1),
            "target_ms": 100,
        }
    )
    emit(
        {
            "bench": "runs_table_filter",
            "runs": n,
            "filter_ms": med("filter"),
            "clear_ms": med("clear"),
            "target_ms": 100,
        }
    )
    emit(
        {
            "bench": "runs_curves",
            "ticked": 10,
            "read_and_plot_ms": med("curves"),
            "one_more_tick_ms": med("one_more"),
        }
    )


def bench_recording(repeats: int) -> None:
    from desktop_app.core.engine import Trainer
    from desktop_app.core.runs.recorder import RunRecorder
    from desktop_app.core.runs.store import RunStore
    from desktop_app.core.specs.project import Project

    project = Project().with_overrides(
        ["data.n_samples=20000", "train.epochs=8", "train.early_stopping=false"]
    )
    store = RunStore(tempfile.mkdtemp(prefix="odyssey-bench-rec-"))
    plain, recorded = [], []
    for _ in range(repeats):
        r = Trainer(project).fit()
        plain.append(r.timing.steps_per_second)
        r = Trainer(project, callbacks=[RunRecorder(store, source="cli")]).fit()
        recorded.append(r.timing.steps_per_second)
    ratios = [b / a for a, b in zip(plain, recorded)]
    emit(
        {
            "bench": "recording_overhead",
            "plain_steps_per_s": round(max(plain)),
            "recorded_steps_per_s": round(max(recorded)),
            "ratio_median": round(statistics.median(ratios), 3),
            "target": 0.98,
        }
    )
    store.close()


def python_reference_ms() -> float:
    """A fixed pure-Python workload (about 15 ms on an idle 2020s desktop core): the
    figures above scale with it on a busy or slow machine."""
    return min(ms(lambda: sum(i * i for i in range(300_000))) for _ in range(5))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-recording", action="store_true")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="odyssey-bench-runs-"))
    t0 = time.perf_counter()
    build_store(folder, args.runs)
    emit(
        {
            "bench": "runs_store_build",
            "runs": args.runs,
            "ms_per_recorded_run": round((time.perf_counter() - t0) * 1000 / args.runs, 2),
        }
    )
    emit({"bench": "python_reference", "ms": round(python_reference_ms(), 1)})
    bench_table(app, folder, args.repeats)
    if not args.skip_recording:
        bench_recording(max(3, args.repeats // 2 + 1))


if __name__ == "__main__":
    main()
