"""One look inside a model: everything the views inside the network show at one moment,
computed from the model and the rows a run set aside for it.

`Looker` holds those rows (the probe batch of training rows, the test rows of the
activation space, the plane of the neuron maps and of the decision boundary), so the
training thread (ui/relay.py) and epoch replay (core.inspect.replay) compute their looks
the same way. Plain numpy out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop_app.core.inspect.activations import ActivationSampler
from desktop_app.core.inspect.network import PROBE_ROWS, NetworkSample, inspect_network
from desktop_app.core.inspect.neuron_maps import NeuronPlane


@dataclass
class InsideLook:
    """The views inside the network at one step.

    network: the weights, activations and gradient health; activations: the chosen
    hidden layer's ActivationSpace (None without hidden layers), with `labels` (the
    rows' classes or targets); neurons: NeuronMaps for two-feature data, else None."""

    network: NetworkSample
    activations: object | None = None
    labels: np.ndarray | None = None
    neurons: object | None = None


@dataclass
class Looker:
    """The rows a run's looks are computed on; `of` picks them from prepared data."""

    probe: np.ndarray  # up to PROBE_ROWS training rows (model inputs)
    acts: ActivationSampler | None  # test rows (else validation rows)
    neurons: NeuronPlane | None  # two-feature data only

    @classmethod
    def of(cls, data) -> Looker:
        """From a core.prepared.PreparedData."""
        d = data
        rows = (d.x_test, d.y_test) if len(d.x_test) else (d.x_val, d.y_val)
        acts = ActivationSampler.of(*rows, d.prep) if len(rows[0]) else None
        probe = np.ascontiguousarray(d.x_train[:PROBE_ROWS], dtype=np.float32)
        return cls(probe, acts, NeuronPlane.of(d.prep, d.x_train))

    def look(
        self, model, device="cpu", lr: float = 0.0, step: int = 0, layer: int | None = None
    ) -> InsideLook:
        """The look at `model` now; `layer`: the hidden layer the activation space shows
        (None: the one chosen before)."""
        import torch

        probe = torch.from_numpy(self.probe).to(device)
        out = InsideLook(inspect_network(model, probe, lr, step))
        acts = self.acts
        if acts is not None:
            if layer is not None and layer != acts.layer:
                acts.choose(layer)
            out.activations, out.labels = acts.sample(model), acts.labels
        if self.neurons is not None:
            out.neurons = self.neurons.maps(model)
        return out
