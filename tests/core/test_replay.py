"""Epoch replay's snapshots: bounded, thinned evenly, the first and newest always kept."""

from __future__ import annotations

import numpy as np
import torch

from desktop_app.core.inspect.look import Looker
from desktop_app.core.inspect.replay import Replay, WeightHistory
from desktop_app.core.model import build_model
from desktop_app.core.specs.model import ModelSpec


def weights(value: float, size: int = 10) -> dict[str, np.ndarray]:
    return {"w": np.full(size, value, np.float32)}


def test_a_long_run_keeps_at_most_the_limit_spread_evenly_over_it():
    h = WeightHistory(max_count=10)
    for epoch in range(0, 101):
        h.add_weights(epoch, epoch * 5, weights(epoch))
    epochs = h.epochs
    assert len(epochs) <= 10
    assert epochs[0] == 0 and epochs[-1] == 100  # the start and the end stay
    gaps = np.diff(epochs[:-1])
    assert len(set(gaps.tolist())) == 1  # evenly spaced (the newest may be off-stride)
    assert h.nearest(37).epoch <= 37 and h.nearest(37).weights["w"][0] == h.nearest(37).epoch


def test_the_memory_budget_thins_too_and_a_huge_network_keeps_none():
    one = weights(0.0, size=1000)  # 4,000 bytes a snapshot
    h = WeightHistory(max_count=100, budget=20_000)
    for epoch in range(30):
        h.add_weights(epoch, epoch, weights(epoch, 1000))
    assert h.nbytes <= 20_000 and len(h.epochs) <= 5
    assert h.epochs[0] == 0 and h.epochs[-1] == 29
    big = WeightHistory(budget=6_000)
    big.add_weights(0, 0, one)
    assert big.too_large and big.epochs == []


def test_replay_rebuilds_the_model_at_a_snapshot():
    torch.manual_seed(0)
    model = build_model(ModelSpec(), 2, 1)
    h = WeightHistory()
    h.add(0, 0, model)
    first = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight.add_(1.0)
    h.add(1, 10, model)
    rng = np.random.default_rng(0)
    looker = Looker(rng.normal(size=(16, 2)).astype(np.float32), None, None)
    replay = Replay(h, ModelSpec(), 2, 1, looker)
    frame = replay.frame(0)
    assert frame.epoch == 0
    np.testing.assert_allclose(frame.look.network.layers[0].weight, first.numpy())
    frame = replay.frame(1)
    np.testing.assert_allclose(frame.look.network.layers[0].weight, first.numpy() + 1.0)
    assert frame.step == 10 and frame.boundary is None
