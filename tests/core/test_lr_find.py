"""The learning-rate range test (core.lr_find) and how its curve is read (core.lr_curve).

The known-answer problem is linear regression with mean squared error, trained by plain
full-batch gradient descent (SGD without momentum, one batch holding every row). Its loss
is a quadratic in the weights whose Hessian is H = 2 E[x x^T] (x with a 1 appended for
the bias), computed here from the data. Gradient descent on a quadratic converges for
any rate below 2/L (L the largest eigenvalue of H) and diverges above it; 1/L is the
best rate along the stiffest direction. So a sensible suggestion lies below 2/L, and
cautious means below 1/L but not absurdly far below.

How far below is predictable too: during the test the rate grows by a factor r per step,
so by the time it reaches eta the weights have moved as if trained for C = 1/(1 - 1/r)
steps at eta, and the loss falls as exp(-2 * L * C * eta) along the stiffest direction.
Per decade of rate that fall is steepest at eta = 1/(2 * L * C): the suggestion, 1/(2 C) or about 1/22 of
the best rate for 200 steps from 1e-7 to 10. It must also follow the curvature: a
problem 100 times stiffer gets a rate 100 times lower.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from desktop_app.core.engine import Trainer
from desktop_app.core.errors import OdysseyError
from desktop_app.core.evaluation import targets_tensor
from desktop_app.core.lr_curve import (
    DIVERGE_FACTOR,
    DIVERGED,
    END_OF_RANGE,
    HIGH,
    LOW,
    MEDIUM,
    NON_FINITE,
    rate_schedule,
    suggest_rate,
)
from desktop_app.core.lr_find import find_learning_rate
from desktop_app.core.prepared import PreparedData, Preprocessing
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.model import ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.train import TrainSpec
from desktop_app.core.tabular.detect import Cancelled


def linear_problem(scale: float, n: int = 512, batch_size: int = 512, seed: int = 0):
    """A linear-regression project (no hidden layer, plain SGD) and its data: standard
    normal inputs times `scale`, so the Hessian's largest eigenvalue is 2 * scale**2
    (or 2, the bias's, when scale < 1)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4))
    x = ((x - x.mean(0)) / x.std(0) * scale).astype(np.float32)
    y = (x @ rng.standard_normal(4) / scale + 0.1 * rng.standard_normal(n)).astype(np.float32)
    prep = Preprocessing(task="regression", feature_names=["a", "b", "c", "d"])
    data = PreparedData(x, y, x[:0], y[:0], x[:0], y[:0], prep)
    project = Project(
        data=DataSpec(dataset="friedman1", n_samples=2000),
        model=ModelSpec(hidden=[]),
        train=TrainSpec(
            optimizer="sgd", momentum=0.0, batch_size=batch_size, loss="mse", device="cpu"
        ),
    )
    return project, data


def largest_curvature(data: PreparedData) -> float:
    """L: the largest eigenvalue of the MSE loss's Hessian 2 E[x x^T], bias included."""
    x = np.hstack([data.x_train, np.ones((len(data.x_train), 1), np.float32)]).astype(float)
    return float(np.linalg.eigvalsh(2 * x.T @ x / len(x)).max())


def test_on_a_quadratic_the_suggestion_is_stable_cautious_and_follows_the_curvature():
    rates = {}
    for scale in (1.0, 10.0):
        project, data = linear_problem(scale)
        curvature = largest_curvature(data)
        result = find_learning_rate(project, data)
        limit, best = 2 / curvature, 1 / curvature
        ratio = rate_schedule(1e-7, 10.0, 200)[1] / 1e-7
        predicted = (1 - 1 / ratio) / (2 * curvature)  # the steepest fall, see above
        assert result.suggestion is not None
        assert result.suggestion < best < limit, (scale, result.suggestion, best)
        assert result.suggestion > best / 50, (scale, result.suggestion, best)
        assert predicted / 1.5 < result.suggestion < predicted * 1.5, (predicted, result)
        assert result.confidence == HIGH, result.reason
        assert result.stop_reason == DIVERGED
        rates[scale] = result.suggestion
    assert 60 < rates[1.0] / rates[10.0] < 160  # 100 times stiffer: about 100 times lower


def test_small_noisy_batches_still_get_a_stable_rate_and_say_the_curve_is_noisy():
    project, data = linear_problem(1.0, batch_size=32)
    result = find_learning_rate(project, data)
    assert result.suggestion < 1 / largest_curvature(data)
    assert result.confidence != HIGH and "noisy" in result.reason


def test_the_test_stops_once_the_smoothed_loss_passes_four_times_its_best():
    project, data = linear_problem(1.0)
    result = find_learning_rate(project, data, steps=200)
    s = result.smoothed
    grace = 200 // 20
    assert result.stop_reason == DIVERGED and len(s) < 200
    best_before = np.minimum.accumulate(s[grace:-1])
    assert s[-1] > DIVERGE_FACTOR * best_before[-1]
    assert np.all(s[grace + 1 : -1] <= DIVERGE_FACTOR * best_before[:-1])  # not sooner
    assert "4 times its best" in result.stop_message
    assert np.allclose(result.lrs, rate_schedule(1e-7, 10.0, 200)[: len(s)])


def test_the_smoothed_curve_is_a_debiased_moving_average():
    project, data = linear_problem(1.0)
    result = find_learning_rate(project, data, steps=200)
    beta, avg = 0.9, 0.0  # 1 - 20/200
    for i, loss in enumerate(result.losses[:30]):
        avg = beta * avg + (1 - beta) * loss
        assert result.smoothed[i] == pytest.approx(avg / (1 - beta ** (i + 1)), rel=1e-9)


def test_it_starts_from_the_initial_weights_a_train_would_start_from():
    project = Project().with_overrides(["train.device=cpu", "data.n_samples=400"])
    result = find_learning_rate(project, steps=20)
    trainer = Trainer(project)
    trainer.setup()
    d = trainer.data
    x, y = targets_tensor(d.x_train, "cpu"), targets_tensor(d.y_train, "cpu")
    first = torch.randperm(len(x), generator=trainer.generator)[: project.train.batch_size]
    trainer.model.train()
    with torch.no_grad():
        expected = float(trainer.loss_fn(trainer.model(x[first]), y[first]))
    assert result.losses[0] == pytest.approx(expected, rel=1e-6)


def test_nothing_the_caller_owns_changes_and_a_later_train_is_the_same():
    project = Project().with_overrides(
        ["train.device=cpu", "data.n_samples=300", "train.epochs=2", "train.threads=1"]
    )
    copy = project.model_copy(deep=True)
    trainer = Trainer(project)
    trainer.setup()
    data = trainer.data
    arrays = [a.copy() for a in (data.x_train, data.y_train, data.x_val, data.y_val)]
    torch.manual_seed(123)
    rng, threads = torch.get_rng_state(), torch.get_num_threads()
    before = Trainer(project, data=data).fit().history.epochs
    torch.manual_seed(123)
    find_learning_rate(project, data)
    assert torch.equal(torch.get_rng_state(), rng)
    assert torch.get_num_threads() == threads
    assert project == copy and project.train.lr == 0.01
    for a, b in zip(arrays, (data.x_train, data.y_train, data.x_val, data.y_val)):
        assert np.array_equal(a, b)
    after = Trainer(project, data=data).fit().history.epochs
    assert [e["train_loss"] for e in after] == [e["train_loss"] for e in before]


def test_cancel_stops_it_and_progress_reaches_one():
    project, data = linear_problem(1.0)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(Cancelled):
        find_learning_rate(project, data, cancel=cancel)
    assert len(calls) == 6
    seen: list[float] = []
    result = find_learning_rate(project, data, progress=seen.append)
    assert seen == sorted(seen) and len(seen) == len(result.lrs)
    assert seen[-1] == pytest.approx(len(result.lrs) / 200)


def test_a_loss_that_is_never_a_number_gets_no_suggestion_and_says_why():
    project, data = linear_problem(1.0)
    data.x_train[:] = 1e30  # squares overflow float32: the first loss is infinite
    result = find_learning_rate(project, data)
    assert result.stop_reason == NON_FINITE and len(result.lrs) == 1
    assert result.suggestion is None and result.confidence == LOW
    assert "not a number even at the smallest rate" in result.reason


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"steps": 5}, "between 20 and"),
        ({"start": 1.0, "end": 0.1}, "must be below its end rate"),
        ({"start": -1.0}, "start rate must be a number above 0"),
        ({"end": math.inf}, "end rate must be a number above 0"),
    ],
)
def test_bad_range_settings_say_what_to_change(kwargs, fragment):
    project, data = linear_problem(1.0)
    with pytest.raises(OdysseyError, match=fragment):
        find_learning_rate(project, data, **kwargs)


# ------------------------------------------------------------------ reading the curve
def synthetic_curve(steps: int = 200):
    """A textbook range-test curve: flat, a fall centred on 1e-3, a floor, then a blow-up
    from 0.3 on."""
    lrs = rate_schedule(1e-7, 10.0, steps)
    x = np.log10(lrs)
    loss = 1.0 - 0.9 / (1 + np.exp(-2.5 * (x + 3)))
    loss = loss * np.where(lrs > 0.3, (lrs / 0.3) ** 3, 1.0)
    return lrs, loss


def test_a_clean_curve_gets_the_steepest_fall_below_a_tenth_of_the_minimum():
    lrs, loss = synthetic_curve()
    s = suggest_rate(lrs, loss, DIVERGED)
    assert s.confidence == HIGH
    assert 5e-4 < s.rate < 2e-3  # the fall is steepest at 1e-3
    assert s.rate <= s.min_lr / 10


def test_early_spikes_do_not_fool_it():
    lrs, loss = synthetic_curve()
    clean = suggest_rate(lrs, loss, DIVERGED).rate
    spiky = loss.copy()
    spiky[[1, 2, 60, 61]] = [500.0, 40.0, 30.0, 25.0]  # a steep "fall" after each spike
    s = suggest_rate(lrs, spiky, DIVERGED)
    assert s.rate == pytest.approx(clean, rel=0.25)
    assert s.steepest_lr > 1e-4  # not the fall right after a spike


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_or_infinite_losses_are_never_chosen(bad):
    lrs, loss = synthetic_curve()
    clean = suggest_rate(lrs, loss, DIVERGED).rate
    broken = loss.copy()
    broken[-8:] = bad  # what a blow-up ends in
    broken[-20] = bad  # and one in the middle of the rise: the curve ends there
    s = suggest_rate(lrs, broken, NON_FINITE)
    assert s.rate is not None and math.isfinite(s.rate)
    assert s.rate == pytest.approx(clean, rel=0.25)
    assert s.min_lr < lrs[-20]


def test_a_minimum_at_the_end_of_the_range_is_low_confidence():
    lrs, loss = synthetic_curve()
    falling = 1.0 - 0.9 / (1 + np.exp(-2.5 * (np.log10(lrs) - 0.5)))  # still falling at 10
    s = suggest_rate(lrs, falling, END_OF_RANGE)
    assert s.confidence == LOW and "still falling at the end of the range" in s.reason


def test_a_loss_that_barely_fell_is_low_confidence():
    lrs, loss = synthetic_curve()
    flat = 1.0 - 0.05 * (1 - loss) / 0.9
    flat = flat * np.where(lrs > 0.3, (lrs / 0.3) ** 3, 1.0)
    s = suggest_rate(lrs, flat, DIVERGED)
    assert s.confidence == LOW and "barely fell" in s.reason


@pytest.mark.parametrize(
    ("spread", "confidence", "words"), [(0.2, MEDIUM, "noisy"), (0.8, LOW, "very noisy")]
)
def test_a_noisy_curve_says_so(spread, confidence, words):
    lrs, loss = synthetic_curve()
    noisy = loss * np.exp(np.random.default_rng(1).normal(0, spread, len(loss)))
    s = suggest_rate(lrs, noisy, DIVERGED)
    assert s.confidence == confidence and f"the curve is {words}" in s.reason.lower()
    assert s.rate is not None and s.rate < 0.03  # still below a tenth of the minimum


def test_a_curve_that_never_falls_gets_no_suggestion():
    lrs, _ = synthetic_curve()
    rising = np.linspace(1.0, 3.0, len(lrs))
    s = suggest_rate(lrs, rising, DIVERGED)
    assert s.rate is None and "did not fall" in s.reason


def test_the_result_as_csv_and_as_a_short_table():
    project, data = linear_problem(1.0)
    result = find_learning_rate(project, data)
    lines = result.to_csv().splitlines()
    assert lines[0] == "step,learning_rate,loss,smoothed_loss"
    assert len(lines) == len(result.lrs) + 1
    rows = result.table_rows(12)
    assert len(rows) == 12 and rows[0][0] == 1 and rows[-1][0] == len(result.lrs)
    assert result.summary()["suggestion"] == result.suggestion
