"""What a look inside the network costs the training thread, against a training step.

The live views (activation space, neuron maps) are computed on the training thread a few
times a second, so their cost is paid in training steps. Measured in the same run, on
one torch thread (the engine's policy on CPU):

- step_ms: one training step of the same network (a batch of 32: forward, loss,
  backward, Adam), the baseline;
- activation_space_ms: core.inspect.activations on the default project (20 features,
  MLP 20 -> 10 -> 1) for 200 test rows, and its ratio to a step;
- neuron_maps_ms: core.inspect.neuron_maps on moons (2 features) for a 2 -> 10 -> 1 and a
  2 -> 8 -> 8 -> 8 -> 1 network, 32 x 32 cells, and the ratios;
- with --gui (QT_QPA_PLATFORM=offscreen): the views' redraw + paint on the GUI thread
  (CPU ms), which the plots' budget spaces out.

Usage: python benchmarks/bench_inspect.py [--calls N] [--gui]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from desktop_app.core.engine import Trainer
from desktop_app.core.inspect.activations import ActivationSampler
from desktop_app.core.inspect.neuron_maps import NeuronPlane
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project


def per_call_ms(fn, calls: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(3):  # the best of three runs: least disturbed by other work
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls * 1000)
    return best


def step_ms(trainer: Trainer, calls: int) -> float:
    model = trainer.model
    x = torch.from_numpy(trainer.data.x_train[:32])
    y = torch.from_numpy(trainer.data.y_train[:32].astype("float32")).reshape(-1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    return per_call_ms(step, calls)


def setup(project: Project) -> Trainer:
    trainer = Trainer(project)
    trainer.setup()
    return trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--gui", action="store_true", help="also time the views' redraws")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out: dict = {}

    default = setup(Project())
    sampler = ActivationSampler.of(default.data.x_test[:200], default.data.y_test[:200])
    out["step_ms"] = step_ms(default, args.calls)
    out["activation_space_ms"] = per_call_ms(lambda: sampler.sample(default.model), args.calls)
    out["activation_space_steps"] = out["activation_space_ms"] / out["step_ms"]

    planes = {}
    for hidden in ((10,), (8, 8, 8)):
        name = "x".join(map(str, hidden))
        spec = ModelSpec(hidden=[LayerSpec(units=u, activation="tanh") for u in hidden])
        trainer = setup(Project(data=DataSpec(dataset="moons"), model=spec))
        plane = NeuronPlane.of(trainer.data.prep, trainer.data.x_train)
        planes[name] = (trainer, plane)
        ms = per_call_ms(lambda: plane.maps(trainer.model), args.calls)  # noqa: B023
        out[f"neuron_maps_{name}_ms"] = ms
        out[f"neuron_maps_{name}_steps"] = ms / step_ms(trainer, args.calls)

    if args.gui:
        out.update(gui_costs(default, sampler, planes, max(20, args.calls // 10)))
    print(json.dumps({k: round(v, 4) for k, v in out.items()}, indent=2))


def gui_costs(default: Trainer, sampler: ActivationSampler, planes: dict, calls: int) -> dict:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.views.activation_space import ActivationSpaceView
    from desktop_app.ui.views.neuron_maps import NeuronMapsView

    app = QApplication.instance() or QApplication([])
    costs = {}
    view = ActivationSpaceView()
    view.resize(520, 420)
    view.show()
    space = sampler.sample(default.model)
    names = default.data.prep.class_names

    def redraw():
        view.show_space(space, sampler.labels, names)
        view.redraw_now()
        view.plot_widget.repaint()

    t0 = time.thread_time()
    for _ in range(calls):
        redraw()
    costs["activation_view_redraw_cpu_ms"] = (time.thread_time() - t0) / calls * 1000
    view.stop_updates()
    view.close()
    for name, (trainer, plane) in planes.items():
        maps_view = NeuronMapsView(budget=1e6)  # draw every time: this measures a draw
        maps_view.resize(300, 520)
        maps_view.show()
        maps = plane.maps(trainer.model)
        maps_view.show_maps(maps)
        app.processEvents()
        t0 = time.thread_time()
        for _ in range(calls):
            maps_view.show_maps(maps)
            maps_view.repaint()
        costs[f"neuron_view_{name}_draw_cpu_ms"] = (time.thread_time() - t0) / calls * 1000
        maps_view.stop_updates()
        maps_view.close()
    return costs


if __name__ == "__main__":
    main()
