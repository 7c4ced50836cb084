"""What the Evaluation window costs on a large test split, against one forward pass.

Everything the window computes runs on its job threads; this measures each piece on a
test split of --rows rows (100,000 by default), in the same process, against the
baseline of one prediction over those rows (core.evaluation.predict_prepared):

- evaluate_s: core.evaluate.report.evaluate_split (predictions, per-class table,
  curves, threshold counts, residuals, losses, raw rows): what the window waits for
  before it shows anything;
- importance_s: permutation importance of every input column, 5 shuffles each, on a
  seeded sample of 10,000 test rows (core.evaluate.importance.MAX_ROWS);
- dependence_s: partial dependence on one column (25 values x 2,000 rows);
- threshold_ms: the confusion matrix and per-class table at a new threshold (what a
  slider move costs the GUI thread);
- cell_ms: the rows of one confusion-matrix cell and the listing of the first 1,000
  (what a click costs the GUI thread);
- export_s: the listing of every test row as CSV text (the largest export there is).

Cases: binary and 10-class classification and regression on 20 numeric inputs, and a
table of 10 numeric and 3 category columns (8 categories each, 34 model inputs), all
with a 64 -> 64 hidden MLP (random weights: the cost does not depend on them).

Torch threads: by default one core fewer than the machine has, as in the window after
a run (the engine's policy leaves a core to the GUI thread, and the job threads share
torch's pool); --threads 0 keeps torch's own default.

With --gui (QT_QPA_PLATFORM=offscreen): the Evaluation window itself on the table case,
from opening to the evaluation shown (shown_s), to a confusion-matrix cell listed, and to
everything in place (all_s, the partial dependence last), with the longest time the GUI
thread went without serving a 10 ms timer meanwhile (max_gui_gap_ms).

Usage: python benchmarks/bench_evaluation.py [--rows N] [--threads T] [--gui]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from desktop_app.core.evaluate.importance import column_groups, partial_dependence
from desktop_app.core.evaluate.importance import permutation_importance as importance
from desktop_app.core.evaluate.report import evaluate_split, predictor
from desktop_app.core.evaluation import predict_prepared
from desktop_app.core.model import build_model
from desktop_app.core.prepared import Preprocessing, RawColumn
from desktop_app.core.specs.model import LayerSpec, ModelSpec


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def case(task: str, n: int, table: bool, rng: np.random.Generator) -> tuple:
    classes = {"binary": 2, "multiclass": 10, "regression": 0}[task]
    if table:
        raw = [RawColumn(f"n{i}", "numeric") for i in range(10)]
        raw += [RawColumn(f"c{i}", "categorical", [f"k{j}" for j in range(8)]) for i in range(3)]
        names = [f"n{i}" for i in range(10)] + [f"c{i}={j}" for i in range(3) for j in range(8)]
        x = np.zeros((n, len(names)), np.float32)
        x[:, :10] = rng.normal(size=(n, 10))
        for i in range(3):
            x[np.arange(n), 10 + 8 * i + rng.integers(0, 8, n)] = 1.0
    else:
        raw, names = None, [f"x{i + 1}" for i in range(20)]
        x = rng.normal(size=(n, 20)).astype(np.float32)
    prep = Preprocessing(
        task=task,
        feature_names=names,
        class_names=[f"class {i}" for i in range(classes)],
        mean=np.zeros(len(names), np.float32),
        scale=np.ones(len(names), np.float32),
        raw_columns=raw,
    )
    y = rng.integers(0, classes, n) if classes else rng.normal(size=n).astype(np.float32)
    spec = ModelSpec(hidden=[LayerSpec(units=64), LayerSpec(units=64)])
    model = build_model(spec, len(names), prep.n_outputs)
    model.eval()
    return model, prep, x, y


def measure(task: str, n: int, table: bool) -> dict:
    rng = np.random.default_rng(0)
    model, prep, x, y = case(task, n, table, rng)
    # Warm up: scikit-learn's metrics import what they need on first use, which the app
    # has done before (its test metrics at the end of training use the same functions).
    evaluate_split(model, prep, x[:1000], y[:1000])
    _, forward = timed(lambda: predict_prepared(model, task, x, "cpu"))
    ev, evaluate = timed(lambda: evaluate_split(model, prep, x, y))
    groups = column_groups(prep)
    predict = predictor(model, prep)
    _, imp = timed(lambda: importance(predict, task, x, y, groups, repeats=5))
    _, pd = timed(lambda: partial_dependence(predict, prep, x, groups[0], prep.class_names))
    out = {
        "case": f"{task}{' table' if table else ''}",
        "rows": n,
        "inputs": x.shape[1],
        "columns": len(groups),
        "forward_s": round(forward, 3),
        "evaluate_s": round(evaluate, 3),
        "importance_s": round(imp, 3),
        "dependence_s": round(pd, 3),
    }
    if ev.classify:
        t0 = time.perf_counter()
        for t in np.linspace(0.01, 0.99, 99):
            ev.matrix_at(t)
            ev.table_at(t)
        out["threshold_ms"] = round((time.perf_counter() - t0) / 99 * 1000, 3)
        t0 = time.perf_counter()
        rows = ev.cell_rows(1, 1)
        ev.listing(rows[:1000])
        out["cell_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    _, export = timed(lambda: ev.listing(np.arange(ev.n_rows)).csv_text())
    out["export_s"] = round(export, 3)
    out["all_s"] = round(evaluate + imp + pd, 3)
    out["all_per_forward"] = round((evaluate + imp + pd) / forward, 1)
    return out


def measure_gui(n: int) -> dict:
    from types import SimpleNamespace

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.core.specs.project import Project
    from desktop_app.ui.evaluation.dialog import EvaluationDialog

    app = QApplication.instance() or QApplication([])
    model, prep, x, y = case("multiclass", n, True, np.random.default_rng(0))
    evaluate_split(model, prep, x[:1000], y[:1000])  # warm up, as in measure()
    loaded = SimpleNamespace(model=model, preprocessing=prep, project=Project())
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    marks: dict = {}
    t0 = time.perf_counter()
    dialog = EvaluationDialog(loaded, (x, y))
    dialog.show()

    def poll() -> None:
        if dialog.evaluation is not None and "shown_s" not in marks:
            marks["shown_s"] = round(time.perf_counter() - t0, 3)
            dialog.classes.show_cell(1, 1)
            marks["cell_listed_s"] = round(time.perf_counter() - t0, 3)
        if dialog.importance.dependence is not None:
            marks["all_s"] = round(time.perf_counter() - t0, 3)
            timer.stop()
            dialog.shutdown()
            app.quit()
            return
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    app.exec()
    return {"case": "window, multiclass table", "rows": n, **marks,
            "max_gui_gap_ms": round(max(gaps) * 1000, 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 1) - 1))
    ap.add_argument("--gui", action="store_true", help="also time the Evaluation window")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")
    for task, table in (
        ("binary", False),
        ("multiclass", False),
        ("regression", False),
        ("multiclass", True),
    ):
        print(json.dumps(measure(task, args.rows, table)))
    if args.gui:
        print(json.dumps(measure_gui(args.rows)))


if __name__ == "__main__":
    main()
