"""The same sweep on Ray Tune, against a local Ray instance this test starts (slow: Ray
takes a while to start): trials run the engine in Ray's workers, Optuna's study gets
their values, and the trials land in the same run store."""

from __future__ import annotations

import pytest

from desktop_app.core.runs.store import RunStore
from desktop_app.core.specs.project import Project
from desktop_app.core.sweep.folders import sweep_folder
from desktop_app.core.sweep.progress import SweepListener
from desktop_app.core.sweep.record import TrialRecorder, group_id
from desktop_app.core.sweep.spec import build_sweep
from desktop_app.core.sweep.study import create_study


class Finished(SweepListener):
    def __init__(self):
        self.outcomes = []

    def trial_finished(self, outcome, tally):
        self.outcomes.append(outcome)


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.slow
def test_a_small_sweep_on_a_local_ray_instance(local_ray):
    from desktop_app.core.sweep.ray_backend import RaySweep

    project = Project().with_overrides(
        ["data.n_samples=200", "train.epochs=4", "train.early_stopping=false"]
    )
    spec = build_sweep(
        project,
        ["train.lr=loguniform:1e-3:1e-1", "model.hidden.0.units=choice:4,8"],
        name="on-ray",
        method="random",
        trials=3,
        prune=False,
    )
    folder = sweep_folder(spec.name)
    study = create_study(spec, folder)
    store = RunStore.default()
    events = Finished()
    tally = RaySweep(spec, study, folder, None, 2, events, TrialRecorder(store)).run()
    assert tally.complete == 3
    assert sorted(o.number for o in events.outcomes) == [0, 1, 2]
    for o in events.outcomes:
        assert o.project.train.lr == pytest.approx(o.values["train.lr"])
        assert o.epochs_run == 4 and o.test_metrics  # the engine ran to the end
    assert sorted(t.state.name for t in study.trials) == ["COMPLETE"] * 3
    assert {t.number: t.value for t in study.trials} == {o.number: o.value for o in events.outcomes}
    runs = store.list_runs(group=group_id(spec))
    assert len(runs) == 3 and {r.kind for r in runs} == {"trial"}
    store.close()


def test_a_missing_ray_says_how_to_install_it(monkeypatch):
    import builtins

    from desktop_app.core.errors import OdysseyError
    from desktop_app.core.sweep.ray_parts import import_ray

    real = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(OdysseyError, match=r"pip install 'odyssey-trainer\[cluster\]'"):
        import_ray()
