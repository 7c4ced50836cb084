"""A 4-variant race (four learning rates, one vectorised step) against the same four
variants trained one after another by the Trainer, in one process, on the same data.

Run:  python benchmarks/bench_race.py [--epochs N] [--repeats R] [--dataset NAME]
Prints each repeat's times and the median speed-up (sequential time / race time), in
wall-clock and in this process's CPU time (steadier on a shared machine); both
sides train the same epochs (early stopping off) and their test accuracies are printed
so that the race is seen to train the same networks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.specs.project import Project
from desktop_app.core.variants.labels import vary_projects
from desktop_app.core.variants.race import run_race

LRS = "train.lr=0.001,0.003,0.01,0.03"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dataset", default="classification")
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    base = Project().with_overrides(
        [
            f"data.dataset={args.dataset}",
            f"data.n_samples={args.samples}",
            f"train.epochs={args.epochs}",
            "train.early_stopping=false",
            f"train.device={args.device}",
        ]
    )
    projects = vary_projects(base, LRS)
    data = prepare(base.data)
    run_race(projects, data)  # warm-up of both sides: first-call costs of the kernels
    Trainer(projects[0], data).fit()
    rows, cpu_rows = [], []
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        race = run_race(projects, data)
        t_race, c_race = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        alone = [Trainer(p, data).fit() for p in projects]
        t_seq, c_seq = time.perf_counter() - t0, time.process_time() - c0
        rows.append((t_seq, t_race))
        cpu_rows.append((c_seq, c_race))
        print(
            f"sequential {t_seq:.2f} s, race {t_race:.2f} s (vectorised: {race.vectorised}): "
            f"{t_seq / t_race:.2f}x wall, {c_seq / c_race:.2f}x CPU time"
        )
    ratios = [s / r for s, r in rows]
    steps = sum(r.steps for r in alone)
    summary = {
        "variants": len(projects),
        "epochs": args.epochs,
        "train_rows": len(data.x_train),
        "steps_total": steps,
        "median_sequential_s": statistics.median(s for s, _ in rows),
        "median_race_s": statistics.median(r for _, r in rows),
        "median_speedup": statistics.median(ratios),
        "speedups": [round(x, 2) for x in ratios],
        # CPU time of this process: less swayed by other processes on a shared machine
        "median_cpu_speedup": statistics.median(s / r for s, r in cpu_rows),
        "test_accuracy_race": [r.test_metrics.get("accuracy") for r in race.results],
        "test_accuracy_sequential": [r.test_metrics.get("accuracy") for r in alone],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
