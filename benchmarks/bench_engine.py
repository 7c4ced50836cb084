"""Engine steps/second against the classic tutorial loop, in one process, same data.

Run:  python benchmarks/bench_engine.py [--epochs N]
Prints both ratios asked for in the README (default and wide model) and test accuracies.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.specs.project import Project

TORCH_DEFAULT_THREADS = torch.get_num_threads()  # before any run changes it


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
    t0 = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
        loss.item()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        out = model(torch.tensor(x_te))
        pred = (out.squeeze(1) > 0.5).long() if binary else out.argmax(1)
        acc = float((pred.numpy() == y_te).mean())
    return steps / seconds, acc


def engine_run(project: Project, data, epochs: int):
    trainer = Trainer(project, data=data)
    r = trainer.fit(epochs)
    return r.timing.steps_per_second, r.test_metrics["accuracy"], r.timing.threads


def case(name, n_features, n_informative, n_classes, hidden, batch, epochs, lr, threads):
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
    # The plain loop sees the same standardised split and torch's default thread pool,
    # as a tutorial's script would.
    default_threads = TORCH_DEFAULT_THREADS
    layers = [n_features, *hidden, 1 if n_classes == 2 else n_classes]
    # Interleave runs so that machine noise hits both alike; keep the best of each.
    plain, ours = [], []
    for _ in range(2):
        torch.set_num_threads(default_threads)
        plain.append(
            plain_loop(
                data.x_train,
                data.y_train,
                data.x_test,
                data.y_test,
                layers,
                n_classes,
                batch,
                epochs,
            )
        )
        ours.append(engine_run(project, data, epochs))
    p_sps, p_acc = max(plain)
    o_sps, o_acc, o_threads = max(ours)
    return {
        "case": name,
        "epochs": epochs,
        "engine_threads": o_threads,
        "plain_threads": default_threads,
        "plain_steps_per_s": round(p_sps),
        "engine_steps_per_s": round(o_sps),
        "ratio": round(o_sps / p_sps, 2),
        "plain_test_accuracy": round(p_acc, 4),
        "engine_test_accuracy": round(o_acc, 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0: the engine's own policy")
    a = ap.parse_args()
    rows = [
        case("default 20-10-1, batch 64, BCE", 20, 2, 2, [10], 64, a.epochs, 0.001, a.threads),
        case(
            "wide 64-256-256-10, batch 256, CE",
            64,
            10,
            10,
            [256, 256],
            256,
            a.epochs,
            0.001,
            a.threads,
        ),
    ]
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    np.random.seed(0)
    main()
