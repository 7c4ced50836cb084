"""Races: a vectorised race trains each variant exactly as its own separate run would."""

import numpy as np
import pytest

from desktop_app.core.data import prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import SpecError
from desktop_app.core.run_types import Control
from desktop_app.core.specs.project import Project
from desktop_app.core.variants.labels import variant_labels, vary_projects
from desktop_app.core.variants.race import RaceObserver, run_race, vector_problem

KEYS = ("train_loss", "val_loss", "train_metric", "val_metric")


def tiny(*overrides):
    base = ["data.dataset=moons", "data.n_samples=300", "train.epochs=6", "train.device=cpu"]
    return Project().with_overrides(base + list(overrides))


def assert_same_run(raced, alone, tol=1e-5):
    assert raced.epochs_run == alone.epochs_run
    assert raced.stop_reason == alone.stop_reason
    assert raced.best_epoch == alone.best_epoch
    for key in KEYS:
        a, b = raced.history.epoch_column(key), alone.history.epoch_column(key)
        np.testing.assert_allclose(a, b, atol=tol, rtol=0)
    np.testing.assert_allclose(raced.history.batch_loss, alone.history.batch_loss, atol=tol)
    np.testing.assert_array_equal(raced.history.steps, alone.history.steps)
    for key, value in alone.test_metrics.items():
        if isinstance(value, float):
            assert raced.test_metrics[key] == pytest.approx(value, abs=tol)


@pytest.mark.parametrize(
    ("optimizer", "vary", "extra"),
    [
        ("adam", "train.lr=0.001,0.003,0.01,0.03", ["train.weight_decay=0.001"]),
        ("adamw", "train.weight_decay=0,0.01,0.1", ["train.lr=0.02"]),
        ("adam", "train.beta1=0.8,0.9,0.95", ["train.beta2=0.99"]),
        ("sgd", "train.momentum=0.3,0.6,0.9", ["train.nesterov=true", "train.lr=0.05"]),
        ("sgd", "train.lr=0.01,0.1", ["train.momentum=0"]),
    ],
)
def test_a_vectorised_race_equals_separate_runs(optimizer, vary, extra):
    # early stopping with a short patience: the variants stop at different epochs
    base = tiny(f"train.optimizer={optimizer}", "train.patience=2", *extra)
    projects = vary_projects(base, vary)
    data = prepare(base.data)
    race = run_race(projects, data)
    assert race.vectorised and race.reason is None
    for raced, p in zip(race.results, projects):
        assert_same_run(raced, Trainer(p, data).fit())


def test_variants_with_different_layers_fall_back_to_separate_runs():
    projects = vary_projects(tiny("train.epochs=3"), "model.hidden.0.units=4,8")
    assert vector_problem(projects) is not None
    race = run_race(projects)
    assert not race.vectorised and "differ" in race.reason
    for raced, p in zip(race.results, projects):
        assert_same_run(raced, Trainer(p).fit(), tol=0)


def test_the_observer_hears_every_variant_every_epoch():
    class Heard(RaceObserver):
        def __init__(self):
            self.epochs, self.steps = [], {}

        def on_batch_end(self, variant, block):
            self.steps.setdefault(variant, []).extend(block.steps.tolist())

        def on_epoch_end(self, variant, epoch, logs):
            self.epochs.append((variant, epoch, logs["val_loss"]))

    heard = Heard()
    projects = vary_projects(
        tiny("train.early_stopping=false", "train.epochs=3"), "train.lr=0.01,0.1"
    )
    race = run_race(projects, observer=heard)
    assert sorted((v, e) for v, e, _ in heard.epochs) == [(v, e) for v in (0, 1) for e in (1, 2, 3)]
    for v, result in enumerate(race.results):
        assert heard.steps[v] == result.history.steps.tolist()


class StopLandsLate(Control):
    """The user's Stop lands just after the race last looked for one: once armed, the
    next look still finds none and every later one finds it (a click between epochs)."""

    def __init__(self):
        self.looks = None  # looks since armed (None: not armed)
        super().__init__()

    @property
    def stop_requested(self) -> bool:
        if self.looks is None:
            return self._requested
        self.looks += 1
        return self.looks > 1

    @stop_requested.setter
    def stop_requested(self, value: bool) -> None:
        self._requested = value


def test_a_stop_between_epochs_ends_every_variant_as_stopped_by_the_user():
    control = StopLandsLate()

    class ArmAfterTwo(RaceObserver):
        def on_epoch_end(self, variant, epoch, logs):
            if variant == 1 and epoch == 2:
                control.looks = 0

    projects = vary_projects(
        tiny("train.early_stopping=false", "train.epochs=50"), "train.lr=0.01,0.1"
    )
    race = run_race(projects, observer=ArmAfterTwo(), control=control)
    assert race.vectorised
    assert [r.stop_reason for r in race.results] == ["user", "user"]  # not "completed"
    assert [r.epochs_run for r in race.results] == [2, 2]


def test_a_variant_that_diverges_ends_alone_and_the_others_finish():
    base = Project().with_overrides(
        ["data.dataset=sine", "data.n_samples=300", "train.epochs=4", "train.optimizer=sgd"]
        + ["train.early_stopping=false", "train.device=cpu"]
    )
    projects = vary_projects(base, "train.lr=0.01,100")
    race = run_race(projects)
    assert race.vectorised
    assert race.results[0] is not None and race.results[0].epochs_run == 4
    assert race.results[1] is None and "non-finite" in race.errors[1]


def test_vary_names_variants_by_what_differs_and_rejects_bad_input():
    projects = vary_projects(tiny(), "train.lr=0.001,0.01")
    assert variant_labels(projects) == ["lr=0.001", "lr=0.01"]
    assert projects[1].train.lr == 0.01 and projects[1].name.endswith("[lr=0.01]")
    for bad, words in [
        ("train.lr=0.1", "2 to 4 values"),
        ("train.lr=1,2,3,4,5", "2 to 4 values"),
        ("train.lr=0.1,0.1", "twice"),
        ("train.nope=1,2", "not a field"),
        ("train.lr", "field.path=v1,v2"),
    ]:
        with pytest.raises(SpecError, match=words):
            vary_projects(tiny(), bad)


@pytest.mark.parametrize("dataset", ["moons", "blobs", "sine"])
def test_the_stacked_step_is_the_network_run_per_variant(dataset):
    """The batched products of the hot loop give what functional_call under vmap gives,
    and each variant's loss is its own network's loss on the batch."""
    import torch

    from desktop_app.core.model import build_model
    from desktop_app.core.training_parts import make_loss
    from desktop_app.core.variants.stacked import StackedNetwork, losses_fn

    p = tiny(f"data.dataset={dataset}", "model.hidden.0.activation=tanh")
    d = prepare(p.data)
    torch.manual_seed(0)
    model = build_model(p.model, d.n_features, d.n_outputs)
    net = StackedNetwork(model, 3)
    with torch.no_grad():
        net.data.add_(torch.randn_like(net.data) * 0.1)  # three different networks
    x = torch.from_numpy(d.x_train[:50])
    classify = dataset == "blobs"
    y = torch.from_numpy(d.y_train[:50])
    y = y if classify else y.float().unsqueeze(1)
    loss = make_loss(p)
    got = losses_fn(net, loss)(x, y)
    reference = net.forward(x)
    for v in range(3):
        net.load_into(v, model)
        with torch.no_grad():
            torch.testing.assert_close(reference[v], model(x), atol=1e-6, rtol=1e-5)
            assert float(got[v]) == pytest.approx(float(loss(model(x), y)), abs=1e-6)


@pytest.mark.parametrize("dataset", ["blobs", "sine"])
def test_multiclass_and_regression_races_equal_separate_runs(dataset):
    base = tiny(f"data.dataset={dataset}", "train.patience=2", "train.epochs=4")
    projects = vary_projects(base, "train.lr=0.003,0.03")
    data = prepare(base.data)
    race = run_race(projects, data)
    assert race.vectorised
    for raced, p in zip(race.results, projects):
        assert_same_run(raced, Trainer(p, data).fit())
