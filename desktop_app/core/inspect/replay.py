"""Epoch replay: a bounded set of weight snapshots taken as a run goes, and the looks and
boundaries of the model as it was at any of them.

`WeightHistory` keeps the weights at the start of a run and at the end of every epoch,
thinned as the run grows: when it holds more than `max_count` snapshots or more than
`budget` bytes, it keeps every other one (the first and the newest always stay) and
from then on takes every second epoch, then every fourth, and so on. A long run thus
keeps about max_count snapshots spread evenly over it. The budget is MEMORY_BUDGET
(32 MiB) and MAX_SNAPSHOTS (100) snapshots: the default project's network (221
parameters) fits 100 snapshots in under 100 KiB, a 256-256 network on 64 inputs
(about 83,000 parameters, 330 KB a snapshot) keeps about 100 too, and a network whose
one snapshot would pass half the budget keeps none (replay then says so).

`Replay` rebuilds the model once and loads a snapshot's weights into it to compute what
the views show at that epoch (core.inspect.look, core.boundary). Plain numpy in and out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_SNAPSHOTS = 100
MEMORY_BUDGET = 32 * 2**20  # bytes


@dataclass
class Snapshot:
    epoch: int  # epochs completed when it was taken (0: the initial weights)
    step: int
    weights: dict[str, np.ndarray]  # the model's state_dict, float32 on the CPU

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.weights.values())


@dataclass
class WeightHistory:
    """The snapshots of one run, oldest first (see the module docstring)."""

    max_count: int = MAX_SNAPSHOTS
    budget: int = MEMORY_BUDGET
    snapshots: list[Snapshot] = field(default_factory=list)
    stride: int = 1  # epochs between the snapshots it takes now
    too_large: bool = False  # one snapshot would take more than half the budget

    @property
    def epochs(self) -> list[int]:
        return [s.epoch for s in self.snapshots]

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.snapshots)

    def add(self, epoch: int, step: int, model) -> None:
        """Take a snapshot of `model` after `epoch` epochs (if the stride wants it). The
        newest epoch is always kept: it replaces the previous newest when off-stride."""
        weights = {  # the floating-point state (batch norm's step counter is not needed)
            k: v.detach().float().cpu().numpy().copy()
            for k, v in model.state_dict().items()
            if v.is_floating_point()
        }
        self.add_weights(epoch, step, weights)

    def add_weights(self, epoch: int, step: int, weights: dict[str, np.ndarray]) -> None:
        snap = Snapshot(int(epoch), int(step), weights)
        if snap.nbytes * 2 > self.budget:
            self.too_large, self.snapshots = True, []
            return
        s = self.snapshots
        if len(s) >= 2 and s[-1].epoch % self.stride and s[-1].epoch != s[0].epoch:
            s.pop()  # the previous newest was kept only for being the newest
        if s and s[-1].epoch == snap.epoch:
            s.pop()  # the same epoch again (a run's final weights): the latest wins
        s.append(snap)
        while len(self.snapshots) > self.max_count or self.nbytes > self.budget:
            self._thin()  # a new list each time

    def _thin(self) -> None:
        self.stride *= 2
        first, newest = self.snapshots[0], self.snapshots[-1]
        kept = [x for x in self.snapshots[1:-1] if x.epoch % self.stride == 0]
        self.snapshots = [first, *kept, newest]
        if len(self.snapshots) > self.max_count:  # a stride that cannot thin enough
            self.snapshots = [first, newest]

    def nearest(self, epoch: int) -> Snapshot | None:
        """The snapshot taken at `epoch`, or the closest one before it."""
        best = None
        for s in self.snapshots:
            if s.epoch <= epoch:
                best = s
        return best if best is not None else (self.snapshots[0] if self.snapshots else None)


@dataclass
class ReplayFrame:
    """What the views show at one snapshot."""

    epoch: int
    step: int
    look: object  # core.inspect.look.InsideLook
    boundary: object | None  # core.boundary grid on the plane asked for, or None


class Replay:
    """The model of a run at any of its snapshots (rebuilt once from its ModelSpec)."""

    def __init__(
        self,
        weights: WeightHistory,
        model_spec,
        n_inputs: int,
        n_outputs: int,
        looker,
        boundary_source=None,
    ):
        from desktop_app.core.model import build_model

        self.weights = weights
        self.looker = looker  # core.inspect.look.Looker
        self.boundary_source = boundary_source  # core.boundary.BoundarySource or None
        self.model = build_model(model_spec, n_inputs, n_outputs)
        self.model.eval()

    @property
    def epochs(self) -> list[int]:
        return self.weights.epochs

    def frame(self, epoch: int, plane=None, layer: int | None = None) -> ReplayFrame | None:
        """The looks at the snapshot of `epoch` (or the closest before it)."""
        import torch

        snap = self.weights.nearest(epoch)
        if snap is None:
            return None
        state = {k: torch.from_numpy(v) for k, v in snap.weights.items()}
        self.model.load_state_dict(state, strict=False)  # all but batch norm's counter
        look = self.looker.look(self.model, step=snap.step, layer=layer)
        grid = None
        if self.boundary_source is not None:
            grid = self.boundary_source.grid(self.model, plane)
        return ReplayFrame(snap.epoch, snap.step, look, grid)
