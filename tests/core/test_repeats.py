"""Repeats over seeds and folds, their mean ± sd, and baselines on the project's split."""

import numpy as np
import pytest

from desktop_app.core.data import generate, prepare
from desktop_app.core.engine import Trainer
from desktop_app.core.errors import DataError, SpecError
from desktop_app.core.prepared import split_indices
from desktop_app.core.specs.project import Project
from desktop_app.core.variants.baselines import run_baselines
from desktop_app.core.variants.folds import fold_data, fold_indices
from desktop_app.core.variants.repeats import RepeatPlan, run_repeats
from desktop_app.core.variants.summary import curve_band


def tiny(*overrides):
    base = ["data.dataset=moons", "data.n_samples=300", "train.epochs=4", "train.device=cpu"]
    return Project().with_overrides(base + ["train.patience=2", *overrides])


def test_seed_repeats_summarise_mean_and_sd_of_their_runs():
    project = tiny("train.seed=5")
    group = run_repeats(project, RepeatPlan(seeds=3))
    assert [p.train.seed for p in group.projects] == [5, 6, 7]
    best = [min(e["val_loss"] for e in r.history.epochs) for r in group.results]
    tests = [r.test_metrics["accuracy"] for r in group.results]
    s = group.summary
    assert s.n_runs == 3
    assert s.best_val_loss.mean == pytest.approx(np.mean(best))
    assert s.best_val_loss.sd == pytest.approx(np.std(best, ddof=1))
    assert s.test_metric.mean == pytest.approx(np.mean(tests))
    assert s.test_metric.sd == pytest.approx(np.std(tests, ddof=1))
    assert s.seconds.n == 3
    # each member is the ordinary run of its seed
    alone = Trainer(group.projects[2]).fit()
    assert group.results[2].test_metrics["accuracy"] == alone.test_metrics["accuracy"]
    assert len({round(b, 9) for b in best}) > 1  # the seeds really differ


def test_curve_band_is_mean_and_sd_per_epoch_over_the_runs_that_got_there():
    runs = [
        [{"val_loss": 1.0}, {"val_loss": 0.5}, {"val_loss": 0.4}],
        [{"val_loss": 3.0}, {"val_loss": 1.5}],
        [{"val_loss": 2.0}, {"val_loss": None}],
    ]
    band = curve_band(runs, "val_loss")
    assert band.epochs.tolist() == [1, 2, 3]
    assert band.n.tolist() == [3, 2, 1]
    np.testing.assert_allclose(band.mean, [2.0, 1.0, 0.4])
    np.testing.assert_allclose(band.sd, [np.std([1, 3, 2], ddof=1), np.std([0.5, 1.5], ddof=1), 0])


def test_folds_are_disjoint_cover_train_and_val_and_keep_the_test_rows():
    project = tiny()
    d = prepare(project.data)
    x, y, *_ = generate(project.data)
    train_idx, val_idx, test_idx = split_indices(y, project.data, project.task)
    folds = fold_data(d, project.data, 4)
    assert len(folds) == 4
    pool = np.concatenate([x[train_idx], x[val_idx]]).astype(np.float32)

    def raw(f, a):
        return a * f.prep.scale + f.prep.mean

    seen = []
    for f in folds:
        np.testing.assert_allclose(raw(f, f.x_test), x[test_idx], atol=1e-5)  # held out
        np.testing.assert_array_equal(f.y_test, y[test_idx])
        assert len(f.x_train) + len(f.x_val) == len(pool)
        # the fold's scaling is fitted on its own training rows
        np.testing.assert_allclose(f.prep.mean, raw(f, f.x_train).mean(axis=0), atol=1e-5)
        seen.append(raw(f, f.x_val))
    val_rows = np.concatenate(seen)
    assert len(val_rows) == len(pool)  # disjoint folds that together cover the pool
    key = lambda a: np.round(a, 4)[np.lexsort(np.round(a, 4).T)]  # noqa: E731
    np.testing.assert_allclose(key(val_rows), key(pool), atol=1e-3)


def test_fold_indices_are_stratified_and_disjoint_and_refuse_too_many_folds():
    y = np.array([0] * 30 + [1] * 10)
    folds = fold_indices(y, "binary", 5, seed=0)
    vals = np.concatenate([v for _, v in folds])
    assert sorted(vals.tolist()) == list(range(40))
    for train, val in folds:
        assert not set(train) & set(val)
        assert (y[val] == 1).sum() == 2
    with pytest.raises(DataError, match="rarest class has 10"):
        fold_indices(y, "binary", 11, seed=0)


def test_fold_repeats_train_one_run_per_fold():
    group = run_repeats(tiny(), RepeatPlan(folds=3))
    assert len(group.results) == 3 and group.summary.n_runs == 3
    assert [p.name.split("[")[-1] for p in group.projects] == [
        "fold 1/3]",
        "fold 2/3]",
        "fold 3/3]",
    ]


def test_a_repeat_plan_needs_one_of_seeds_or_folds_in_range():
    for kwargs, words in [
        ({}, "one of"),
        ({"seeds": 2, "folds": 2}, "one of"),
        ({"seeds": 1}, "2 to"),
    ]:
        with pytest.raises(SpecError, match=words):
            RepeatPlan(**kwargs)


@pytest.mark.parametrize("dataset", ["moons", "sine", "blobs"])
def test_baselines_use_the_networks_split_and_match_scikit_learn(dataset):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.metrics import accuracy_score, r2_score

    project = tiny(f"data.dataset={dataset}")
    results = run_baselines(project)  # prepares its own data
    trainer = Trainer(project)
    trainer.setup()
    d = trainer.data  # exactly what the network trains and is tested on
    regression = dataset == "sine"
    models = (
        [LinearRegression(), HistGradientBoostingRegressor(early_stopping=False, random_state=0)]
        if regression
        else [
            LogisticRegression(max_iter=1000),
            HistGradientBoostingClassifier(early_stopping=False, random_state=0),
        ]
    )
    assert [r.estimator for r in results] == [type(m).__name__ for m in models]
    for r, model in zip(results, models):
        model.fit(d.x_train, d.y_train)
        if regression:
            p = d.prep
            expected = r2_score(
                d.y_test * p.target_scale + p.target_mean,
                model.predict(d.x_test) * p.target_scale + p.target_mean,
            )
            assert r.test_metric == pytest.approx(expected, abs=1e-6)
        else:
            assert r.test_metric == pytest.approx(accuracy_score(d.y_test, model.predict(d.x_test)))
            assert r.val_metric == pytest.approx(accuracy_score(d.y_val, model.predict(d.x_val)))
        assert r.seconds > 0
