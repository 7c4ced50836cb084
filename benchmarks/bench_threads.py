"""Which torch thread count trains fastest, alone and beside a busy thread (the GUI).

Run:  python benchmarks/bench_threads.py
The engine's policy (desktop_app.core.devices.cpu_threads_for) follows these figures.
"""

from __future__ import annotations

import json
import threading
import time

from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.specs.project import Project


def busy(stop: threading.Event) -> None:
    """A pure-Python busy loop holding the GIL part of the time, like a GUI thread painting."""
    x = 0
    while not stop.is_set():
        for i in range(10_000):
            x += i * i
        time.sleep(0)


def run(project: Project, data, threads: int, epochs: int) -> float:
    p = project.with_overrides([f"train.threads={threads}"])
    return Trainer(p, data=data).fit(epochs).timing.steps_per_second


def main() -> None:
    cases = {
        "default 20-10-1 batch 64": [],
        "wide 64-256-256-10 batch 256": [
            "data.n_features=64",
            "data.n_informative=10",
            "data.n_classes=10",
            'model.hidden=[{"units": 256}, {"units": 256}]',
            "train.batch_size=256",
        ],
    }
    for name, extra in cases.items():
        project = Project().with_overrides(
            [
                "data.n_samples=40000",
                "data.val_fraction=0",
                "train.early_stopping=false",
                "train.device=cpu",
                *extra,
            ]
        )
        data = prepare(project.data)
        row = {"case": name}
        for contended in (False, True):
            stop = threading.Event()
            t = threading.Thread(target=busy, args=(stop,), daemon=True)
            if contended:
                t.start()
            for threads in (1, 2):
                row[f"{threads}t{' +busy' if contended else ''}"] = round(
                    run(project, data, threads, 2)
                )
            stop.set()
        print(json.dumps(row))


if __name__ == "__main__":
    main()
