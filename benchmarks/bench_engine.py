"""Engine steps/second against the classic tutorial loop and scikit-learn's
MLPClassifier, in one process, same data; the fast path against the autograd path.

Run:  python benchmarks/bench_engine.py [--epochs N] [--reps R] [--threads N]
          [--others-threads N] [--cases default,wide]
Prints, per model (default and wide), the median steps/s of R interleaved runs of each
kind and the ratios: Odyssey (fast path) ÷ MLPClassifier, fast ÷ autograd, Odyssey ÷
the tutorial loop, and the test accuracies. Every figure is the whole fit() call's wall
time (set-up, per-epoch evaluation and the final test metrics included) for the steps
it ran, for scikit-learn as for Odyssey.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
import warnings

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.specs.project import Project

TORCH_DEFAULT_THREADS = torch.get_num_threads()  # before any run changes it


class Clock:
    """Wall time, and this thread's CPU time: with one thread doing all the work (1
    torch thread, 1 BLAS thread), steps per CPU second do not count the time other
    processes on a shared machine took the core, so their ratios stay put under load."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.thread_time()

    def rates(self, steps: int) -> tuple[float, float]:
        wall, cpu = time.perf_counter() - self.wall, time.thread_time() - self.cpu
        return steps / wall, steps / max(cpu, 1e-9)


def plain_loop(x_tr, y_tr, x_te, y_te, layers, n_classes, batch, epochs, seed=0):
    """The tutorial's loop: DataLoader over a TensorDataset, shuffle, .item() each epoch."""
    torch.manual_seed(seed)
    mods: list[nn.Module] = []
    for a, b in zip(layers[:-1], layers[1:]):
        mods += [nn.Linear(a, b), nn.ReLU()]
    mods = mods[:-1]
    binary = n_classes == 2
    if binary:
        mods.append(nn.Sigmoid())
    model = nn.Sequential(*mods)
    loss_fn = nn.BCELoss() if binary else nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    yt = torch.tensor(y_tr, dtype=torch.float32).unsqueeze(1) if binary else torch.tensor(y_tr)
    loader = DataLoader(TensorDataset(torch.tensor(x_tr), yt), batch_size=batch, shuffle=True)
    steps = 0
    clock = Clock()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
        loss.item()
    rates = clock.rates(steps)
    with torch.no_grad():
        out = model(torch.tensor(x_te))
        pred = (out.squeeze(1) > 0.5).long() if binary else out.argmax(1)
        acc = float((pred.numpy() == y_te).mean())
    return rates[0], acc, rates[1]


def sklearn_run(x_tr, y_tr, x_te, y_te, hidden, batch, epochs, lr, seed=0):
    """MLPClassifier with the engine's settings: the same layers (ReLU), Adam with the
    same rate and betas, batch size and epochs; no L2 penalty, no early stopping, no
    convergence test (tol=0, n_iter_no_change beyond the epochs), shuffled each epoch."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(hidden),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=batch,
        learning_rate_init=lr,
        max_iter=epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        early_stopping=False,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    )
    clock = Clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the plan here
        clf.fit(x_tr, y_tr)
    wall, cpu = clock.rates(clf.n_iter_ * -(-len(x_tr) // batch))
    return wall, float(clf.score(x_te, y_te)), str(clf.coefs_[0].dtype), cpu


def engine_run(project: Project, data, epochs: int, fast: bool = True):
    clock = Clock()
    trainer = Trainer(project, data=data)
    trainer.use_fast_path = fast
    r = trainer.fit(epochs)
    wall, cpu = clock.rates(r.steps)
    return wall, r.test_metrics["accuracy"], r.timing.threads, trainer.step_path, cpu


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        return "?"
    return ",".join(f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info())


def blas_limit(threads: int):
    """A limit on numpy's BLAS threads (threadpoolctl), or nothing for 0."""
    if not threads:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


def case(
    name, n_features, n_informative, n_classes, hidden, batch, epochs, lr, threads, reps, others=0
):
    """others: threads for the tutorial loop and scikit-learn's BLAS (0: their defaults)."""
    overrides = [
        "data.n_samples=100000",
        f"data.n_features={n_features}",
        f"data.n_informative={n_informative}",
        f"data.n_classes={n_classes}",
        "data.val_fraction=0.0",
        "data.test_fraction=0.2",
        f"train.batch_size={batch}",
        "train.early_stopping=false",
        f"train.lr={lr}",
        "train.device=cpu",
        f"model.hidden={json.dumps([{'units': h} for h in hidden])}",
    ]
    if threads:
        overrides.append(f"train.threads={threads}")
    project = Project().with_overrides(overrides)
    data = prepare(project.data)
    # The plain loop and scikit-learn see the same standardised split and their
    # libraries' default thread pools, as a tutorial's script would.
    default_threads = others or TORCH_DEFAULT_THREADS
    layers = [n_features, *hidden, 1 if n_classes == 2 else n_classes]
    split = (data.x_train, data.y_train, data.x_test, data.y_test)
    # Interleave runs so that machine noise hits all kinds alike; report medians.
    runs: dict[str, list] = {"plain": [], "sklearn": [], "autograd": [], "fast": []}
    for _ in range(reps):
        torch.set_num_threads(default_threads)
        runs["plain"].append(plain_loop(*split, layers, n_classes, batch, epochs))
        with blas_limit(others):
            runs["sklearn"].append(sklearn_run(*split, hidden, batch, epochs, lr))
        runs["autograd"].append(engine_run(project, data, epochs, fast=False))
        runs["fast"].append(engine_run(project, data, epochs, fast=True))
    med = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r[-1] for r in v) for k, v in runs.items()}
    one_thread = runs["fast"][0][2] == 1 and default_threads == 1 and others == 1
    return {
        "case": name,
        "epochs": epochs,
        "reps": reps,
        "load_average_1min": round(os.getloadavg()[0], 1),  # the machine may be shared
        "cores": os.cpu_count(),
        "engine_threads": runs["fast"][0][2],
        "plain_threads": default_threads,
        "sklearn_blas_threads": others or blas_threads(),
        "sklearn_dtype": runs["sklearn"][0][2],
        "fast_step": runs["fast"][0][3],
        "plain_steps_per_s": round(med["plain"]),
        "sklearn_steps_per_s": round(med["sklearn"]),
        "autograd_steps_per_s": round(med["autograd"]),
        "fast_steps_per_s": round(med["fast"]),
        "fast_runs_steps_per_s": [round(r[0]) for r in runs["fast"]],
        "sklearn_runs_steps_per_s": [round(r[0]) for r in runs["sklearn"]],
        "odyssey_over_sklearn": round(med["fast"] / med["sklearn"], 2),
        "fast_over_autograd": round(med["fast"] / med["autograd"], 2),
        "odyssey_over_plain": round(med["fast"] / med["plain"], 2),
        "autograd_over_plain": round(med["autograd"] / med["plain"], 2),
        # steps per CPU second: meaningful only when every kind ran on one thread
        "cpu_time_ratios": None
        if not one_thread
        else {
            "odyssey_over_sklearn": round(cpu["fast"] / cpu["sklearn"], 2),
            "fast_over_autograd": round(cpu["fast"] / cpu["autograd"], 2),
            "odyssey_over_plain": round(cpu["fast"] / cpu["plain"], 2),
            "fast_steps_per_cpu_s": round(cpu["fast"]),
            "sklearn_steps_per_cpu_s": round(cpu["sklearn"]),
            "autograd_steps_per_cpu_s": round(cpu["autograd"]),
        },
        "test_accuracy": {k: round(statistics.median(r[1] for r in v), 4) for k, v in runs.items()},
    }


CASES = {  # name: (features, informative, classes, hidden, batch)
    "default": ("default 20-10-1, batch 64, BCE", 20, 2, 2, [10], 64),
    "wide": ("wide 64-256-256-10, batch 256, CE", 64, 10, 10, [256, 256], 256),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3, help="interleaved runs of each kind")
    ap.add_argument("--threads", type=int, default=0, help="0: the engine's own policy")
    ap.add_argument("--cases", default="default,wide", help="which models, comma-separated")
    ap.add_argument(
        "--others-threads",
        type=int,
        default=0,
        help="threads for the tutorial loop and scikit-learn (0: their libraries' defaults)",
    )
    a = ap.parse_args()
    for key in a.cases.split(","):
        name, features, informative, classes, hidden, batch = CASES[key.strip()]
        row = case(
            name,
            features,
            informative,
            classes,
            hidden,
            batch,
            a.epochs,
            0.001,
            a.threads,
            a.reps,
            a.others_threads,
        )
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    np.random.seed(0)
    main()
