"""Sweep throughput: trials per minute of a random sweep on 2 worker processes, against
the same trials run one after another in this process (the baseline, same run).

Run:  python benchmarks/bench_sweep.py [--trials 50] [--workers 2] [--repeats 3]
The default project, 50 trials of a random sweep over the learning rate and the hidden
layer's width, pruning off, so that every side does exactly the same work (the same
values, each trial training until early stopping or its 100 epochs). Three sides, in
one run: the trials one after another in this process (warm), the sweep on 1 worker
process and on N. PyTorch is imported once, before any side is timed (the warm side
imports it), so the forked workers inherit it: the one import every process that trains
pays (about 2 s; `odyssey sweep`'s workers make it side by side) is left out of every
side. A sweep's time includes starting its processes ("total"); "steady" is from its
first trial's start to its last one's end. --threaded adds the sweep as the
window starts it, from a background thread: twice, the first one right after the fork
server was started (as the Sweep dialog's opening starts it). The three sides run in turn,
--repeats times, and each figure is the median of its side's rounds. The goal (issue 12): at least
1.8x the trials per minute of running them one after another, on 2 workers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time

PARAMS = ["train.lr=loguniform:1e-3:1e-1", "model.hidden.0.units=choice:8,16,32"]


def planned_values(n: int, seed: int = 0) -> list[dict]:
    """The trials' values, drawn once (Optuna's random sampler) for both sides."""
    import optuna

    from desktop_app.core.specs.project import Project
    from desktop_app.core.sweep.params import parse_params
    from desktop_app.core.sweep.study import quiet_optuna, suggest

    quiet_optuna()
    params = parse_params(PARAMS, Project())
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(suggest(trial, params))
        study.tell(trial, 0.0)
    return out


def in_process(values: list[dict]) -> float:
    """The trials one after another in this process, imports and data warm (a first
    trial runs untimed): the loop with no process overhead at all."""
    import torch

    from desktop_app.core.specs.project import Project
    from desktop_app.core.sweep.trial import run_trial

    torch.set_num_threads(1)
    cache: dict = {}
    run_trial(Project(), -1, values[0], "val_loss", "minimize", data_cache=cache)
    start = time.perf_counter()
    for i, v in enumerate(values):
        run_trial(Project(), i, v, "val_loss", "minimize", data_cache=cache)
    return time.perf_counter() - start


def swept(values: list[dict], workers: int) -> dict:
    """The sweep on `workers` processes: its whole time (starting the processes
    included) and its steady state (first trial's start to last trial's end)."""
    from desktop_app.core.specs.project import Project
    from desktop_app.core.sweep.local import LocalSweep
    from desktop_app.core.sweep.spec import build_sweep
    from desktop_app.core.sweep.study import create_study

    folder = tempfile.mkdtemp(prefix="bench-sweep-")
    spec = build_sweep(
        Project(), PARAMS, name=f"bench{workers}", method="random", trials=len(values)
    )
    spec = dataclasses.replace(spec, prune=False)
    study = create_study(spec, folder)
    for v in values:
        study.enqueue_trial(v)
    wall0, start = time.time(), time.perf_counter()
    tally = LocalSweep(spec, study, folder, workers).run()
    total = time.perf_counter() - start
    assert tally.complete == len(values), tally.line()
    first = min(o.started_at for o in tally.outcomes)
    last = max(o.started_at + o.seconds for o in tally.outcomes)
    return {
        "total_s": total,
        "startup_s": first - wall0,
        "steady_s": last - first,
        "epochs": sum(o.epochs_run for o in tally.outcomes),
        "trial_s_mean": sum(o.seconds for o in tally.outcomes) / len(tally.outcomes),
    }


def from_a_thread(values: list[dict], workers: int) -> dict:
    """The sweep as the window starts it, from a background thread (on Linux: workers
    forked from a fork server, which imports PyTorch once): a first sweep with the
    server started just before (the dialog opening), then a second one."""
    import threading

    from desktop_app.core.sweep.local import start_method, warm_up

    out: dict = {}

    def run() -> None:
        out["method"] = start_method()
        warm_up()
        out["first"] = swept(values, workers)
        out["second"] = swept(values, workers)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--threaded", action="store_true", help="also sweep from a thread, as the window does"
    )
    args = ap.parse_args()
    values = planned_values(args.trials)
    load_before = os.getloadavg()[0]
    rounds = []
    for _ in range(args.repeats):
        rounds.append((in_process(values), swept(values, 1), swept(values, args.workers)))
    threaded = from_a_thread(values, args.workers) if args.threaded else None
    load_after = os.getloadavg()[0]
    warm = statistics.median(r[0] for r in rounds)
    one = {k: statistics.median(r[1][k] for r in rounds) for k in rounds[0][1]}
    many = {k: statistics.median(r[2][k] for r in rounds) for k in rounds[0][2]}
    n = args.trials

    def rate(seconds: float) -> float:
        return round(n / seconds * 60, 1)

    print(
        json.dumps(
            {
                "trials": n,
                "workers": args.workers,
                "repeats": args.repeats,
                "cores": os.cpu_count(),
                "trials_per_min": {
                    "in_process_warm": rate(warm),
                    "1_worker": rate(one["total_s"]),
                    f"{args.workers}_workers": rate(many["total_s"]),
                    "1_worker_steady": rate(one["steady_s"]),
                    f"{args.workers}_workers_steady": rate(many["steady_s"]),
                },
                "ratio_vs_1_worker": round(one["total_s"] / many["total_s"], 2),
                "ratio_vs_in_process": round(warm / many["total_s"], 2),
                "ratio_steady": round(one["steady_s"] / many["steady_s"], 2),
                "seconds": {
                    "in_process": round(warm, 1),
                    "1_worker": {k: round(v, 2) for k, v in one.items()},
                    f"{args.workers}_workers": {k: round(v, 2) for k, v in many.items()},
                },
                "from_a_thread": threaded
                and {
                    "start_method": threaded["method"],
                    **{
                        f"{k}_sweep": {
                            m: round(threaded[k][m], 2) for m in ("total_s", "startup_s")
                        }
                        for k in ("first", "second")
                    },
                },
                "load_average_before_after": [round(load_before, 1), round(load_after, 1)],
            }
        )
    )


if __name__ == "__main__":
    main()
