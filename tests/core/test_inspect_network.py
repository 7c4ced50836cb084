"""The numbers the views inside the network show: z, a, weights, gradient health."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from desktop_app.core.inspect.network import (
    LayerHealth,
    health_warnings,
    inspect_network,
)
from desktop_app.core.model import build_model
from desktop_app.core.specs.model import LayerSpec, ModelSpec


def tiny() -> nn.Sequential:
    """2 -> 2 (ReLU) -> 1 with weights a hand computation can follow."""
    model = build_model(ModelSpec(hidden=[LayerSpec(units=2, activation="relu")]), 2, 1)
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -2.0], [0.5, 0.5]]))
        model[0].bias.copy_(torch.tensor([0.1, -1.0]))
        model[2].weight.copy_(torch.tensor([[2.0, -1.0]]))
        model[2].bias.copy_(torch.tensor([0.3]))
    return model


def test_one_sample_forward_numbers_match_a_hand_computation():
    model = tiny()
    probe = torch.tensor([[3.0, 1.0], [0.0, 0.0]])
    s = inspect_network(model, probe)
    # Hidden: z = W x + b = [3 - 2 + 0.1, 1.5 + 0.5 - 1] = [1.1, 1.0]; a = relu(z).
    hidden, out = s.layers
    assert hidden.name == "Hidden 1" and hidden.activation == "relu"
    np.testing.assert_allclose(hidden.z(0), [1.1, 1.0], rtol=1e-6)
    np.testing.assert_allclose(hidden.a(0), [1.1, 1.0], rtol=1e-6)
    # Output (logit): 2 * 1.1 - 1 * 1.0 + 0.3 = 1.5.
    assert out.name == "Output" and out.activation == "identity"
    np.testing.assert_allclose(out.z(0), [1.5], rtol=1e-6)
    np.testing.assert_allclose(hidden.weight, [[1.0, -2.0], [0.5, 0.5]])
    np.testing.assert_allclose(hidden.bias, [0.1, -1.0], rtol=1e-6)
    np.testing.assert_allclose(s.inputs(0), [3.0, 1.0])
    assert s.describe(0) == "training row 1"


def test_without_a_sample_the_view_shows_the_batch_mean():
    model = tiny()
    probe = torch.tensor([[3.0, 1.0], [0.0, 0.0]])
    s = inspect_network(model, probe)
    # Row 2: z = [0.1, -1.0], a = [0.1, 0.0]; the means with row 1.
    np.testing.assert_allclose(s.layers[0].z(None), [0.6, 0.0], atol=1e-6)
    np.testing.assert_allclose(s.layers[0].a(None), [0.6, 0.5], atol=1e-6)
    np.testing.assert_allclose(s.layers[0].z(1), [0.1, -1.0], atol=1e-6)
    assert s.describe(None) == "mean over 2 training rows"
    assert s.describe(7) == "mean over 2 training rows"  # a row not kept: the mean


def test_a_unit_that_never_fires_on_the_batch_counts_as_dead():
    model = tiny()
    with torch.no_grad():
        model[0].bias[1] = -100.0  # unit 2's z is negative for every row below
    probe = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    s = inspect_network(model, probe)
    assert s.health[0].dead_share == pytest.approx(0.5)
    assert s.health[1].dead_share is None  # the output has no ReLU
    assert any("50% of its ReLU units" in w for w in s.warnings)


def test_gradient_health_reads_the_last_steps_gradients():
    model = tiny()
    probe = torch.tensor([[3.0, 1.0], [1.0, 2.0]])
    before = inspect_network(model, probe, lr=0.1)
    assert before.health[0].grad_norm is None and before.health[0].update_ratio is None
    loss = model(probe).pow(2).mean()
    loss.backward()
    s = inspect_network(model, probe, lr=0.1)
    for layer, h in zip((model[0], model[2]), s.health):
        g = float(layer.weight.grad.norm())
        w = float(layer.weight.detach().norm())
        assert h.grad_norm == pytest.approx(g, rel=1e-6)
        assert h.weight_norm == pytest.approx(w, rel=1e-6)
        assert h.update_ratio == pytest.approx(0.1 * g / w, rel=1e-6)


def test_inspecting_changes_nothing_and_restores_the_training_mode():
    model = build_model(
        ModelSpec(hidden=[LayerSpec(units=8, activation="tanh", dropout=0.5, batch_norm=True)]),
        3,
        2,
    )
    model.train()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    probe = torch.randn(32, 3)
    s = inspect_network(model, probe)
    assert model.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k  # batch norm's running stats untouched too
    assert "batch norm between W·x + b and the activation" in s.layers[0].notes
    assert s.layers[0].activation == "tanh"
    # Eval mode: dropout off, batch norm with running stats, so a equals the model's own.
    model.eval()
    with torch.no_grad():
        expected = model(probe)[3].numpy()
    np.testing.assert_allclose(s.layers[1].a(3), expected, rtol=1e-5, atol=1e-6)


def test_a_wide_layer_is_kept_as_block_means():
    model = build_model(ModelSpec(hidden=[LayerSpec(units=600)]), 4, 1)
    s = inspect_network(model, torch.randn(8, 4))
    layer = s.layers[0]
    assert layer.pooled and layer.weight.shape == (200, 4)  # 600 rows in blocks of 3
    w = model[0].weight.detach().numpy()
    np.testing.assert_allclose(layer.weight[0], w[:3].mean(axis=0), rtol=1e-5)
    assert layer.units == 600  # z and a keep every unit


def test_warnings_name_exploding_and_vanishing_layers_in_plain_words():
    healthy = [
        LayerHealth("Hidden 1", 5.0, 0.05, 1e-3, 0.0),
        LayerHealth("Output", 2, 0.1, 5e-3, None),
    ]
    assert health_warnings(healthy) == []
    exploding = [
        LayerHealth("Hidden 1", 5.0, 50.0, 0.5, 0.0),
        LayerHealth("Output", 2, 1, 0.01, None),
    ]
    (msg,) = health_warnings(exploding)
    assert "Hidden 1" in msg and "exploding" in msg and "Lower the learning rate" in msg
    vanishing = [
        LayerHealth("Hidden 1", 5.0, 1e-9, 1e-9, None),
        LayerHealth("Output", 2, 0.1, 1e-3, None),
    ]
    (msg,) = health_warnings(vanishing)
    assert msg.startswith("Hidden 1") and "vanishing" in msg
    # Converged: small everywhere alike is no vanishing-gradient fault.
    converged = [
        LayerHealth("Hidden 1", 5, 1e-8, 1e-8, None),
        LayerHealth("Output", 2, 1e-8, 1e-8, None),
    ]
    assert health_warnings(converged) == []
    nan = [LayerHealth("Hidden 1", 5.0, float("nan"), None, None)]
    assert "not a finite number" in health_warnings(nan)[0]
