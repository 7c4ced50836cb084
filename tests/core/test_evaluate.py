"""Judging a model on its test split (core.evaluate): the per-class table, the
threshold, the curves' areas, the rows in the data's own units, regression residuals,
permutation importance, partial dependence and the CSV listings, each checked against
scikit-learn or against the constructed data."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from sklearn import metrics as skm

from desktop_app.core.evaluate.classes import ThresholdCounts, table_from_confusion
from desktop_app.core.evaluate.importance import (
    column_groups,
    partial_dependence,
    permutation_importance,
)
from desktop_app.core.evaluate.report import evaluate_outputs, evaluate_split, predictor
from desktop_app.core.evaluate.rows import write_listing_csv
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.data import DataSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.specs.table import TableSpec
from desktop_app.core.specs.train import TrainSpec


def random_outputs(n: int, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]  # better than guessing
    p = np.exp(logits)
    return y, p / p.sum(axis=1, keepdims=True)


def prep_for(task: str, k: int, n_features: int = 3) -> Preprocessing:
    names = [f"x{i + 1}" for i in range(n_features)]
    return Preprocessing(
        task=task,
        feature_names=names,
        class_names=[f"c{i}" for i in range(k)],
        mean=np.array([10.0, -2.0, 0.5][:n_features], dtype=np.float32),
        scale=np.array([2.0, 0.5, 4.0][:n_features], dtype=np.float32),
    )


def test_per_class_table_equals_classification_report():
    y, p = random_outputs(500, 4)
    x = np.random.default_rng(1).normal(size=(500, 3)).astype(np.float32)
    ev = evaluate_outputs(prep_for("multiclass", 4), x, y, p)
    report = skm.classification_report(y, p.argmax(1), output_dict=True, zero_division=0)
    t = ev.table
    for i in range(4):
        r = report[str(i)]
        assert (t.precision[i], t.recall[i], t.f1[i]) == pytest.approx(
            (r["precision"], r["recall"], r["f1-score"])
        )
        assert t.support[i] == r["support"]
    assert t.macro() == pytest.approx(
        tuple(report["macro avg"][k] for k in ("precision", "recall", "f1-score"))
    )
    assert t.weighted() == pytest.approx(
        tuple(report["weighted avg"][k] for k in ("precision", "recall", "f1-score"))
    )
    assert t.accuracy == pytest.approx(report["accuracy"])
    assert t.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(y, p.argmax(1)))
    assert (ev.matrix == skm.confusion_matrix(y, p.argmax(1))).all()


def test_roc_auc_equals_roc_auc_score():
    y, p = random_outputs(400, 3, seed=2)
    ev = evaluate_outputs(prep_for("multiclass", 3), np.zeros((400, 3), np.float32), y, p)
    assert ev.roc_auc == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr"))
    for c, curve in enumerate(ev.curves):
        assert curve.roc_auc == pytest.approx(skm.roc_auc_score(y == c, p[:, c]))
        assert curve.average_precision == pytest.approx(
            skm.average_precision_score(y == c, p[:, c])
        )
    yb, pb = random_outputs(300, 2, seed=3)
    ev = evaluate_outputs(prep_for("binary", 2), np.zeros((300, 3), np.float32), yb, pb[:, 1])
    assert len(ev.plotted_curves) == 1 and ev.roc_auc == pytest.approx(
        skm.roc_auc_score(yb, pb[:, 1])
    )


@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.35, 0.5, 0.77, 0.999, 1.0])
def test_threshold_matrix_and_metrics_equal_sklearn_at_that_threshold(threshold):
    y, p = random_outputs(700, 2, seed=4)
    p1 = np.round(p[:, 1], 2)  # ties at the threshold itself count as class 1
    counts = ThresholdCounts(y, p1)
    pred = (p1 >= threshold).astype(int)
    cm = skm.confusion_matrix(y, pred, labels=[0, 1])
    assert (counts.matrix(threshold) == cm).all()
    t = table_from_confusion(cm, ["no", "yes"])
    p_, r_, f_, s_ = skm.precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    assert t.precision == pytest.approx(p_) and t.recall == pytest.approx(r_)
    assert t.f1 == pytest.approx(f_) and (t.support == s_).all()
    assert t.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(y, pred))


def test_rows_come_back_in_original_units_and_cells_list_exactly_their_rows(tmp_path):
    y, p = random_outputs(200, 3, seed=5)
    prep = prep_for("multiclass", 3)
    raw = np.random.default_rng(6).normal(size=(200, 3)) * 7
    x = prep.transform(raw)
    ev = evaluate_outputs(prep, x, y, p)
    assert np.allclose(np.column_stack(ev.raw.values), raw, rtol=1e-5, atol=1e-4)
    rows = ev.cell_rows(2, 0)
    assert set(rows) == set(np.flatnonzero((y == 2) & (p.argmax(1) == 0)))
    listing = ev.listing(rows)
    assert listing.header[:4] == ["test row", "x1", "x2", "x3"]
    assert listing.header[-4:] == ["P(c0)", "P(c1)", "P(c2)", "loss (cross-entropy)"]
    out = tmp_path / "cell.csv"
    write_listing_csv(out, listing)
    with open(out, newline="", encoding="utf-8") as f:
        read = list(csv.reader(f))
    assert read[0] == listing.header and len(read) == len(rows) + 1
    for line, r in zip(read[1:], rows):
        assert int(line[0]) == r + 1
        assert float(line[1]) == pytest.approx(raw[r, 0], rel=1e-5, abs=1e-4)
        assert line[4:6] == ["c2", "c0"]
        assert float(line[6]) == pytest.approx(p[r, 0], rel=1e-5)
        assert float(line[-1]) == pytest.approx(-np.log(p[r, 2]), rel=1e-5)


def test_largest_losses_are_the_worst_rows_worst_first():
    y, p = random_outputs(300, 2, seed=7)
    ev = evaluate_outputs(prep_for("binary", 2), np.zeros((300, 3), np.float32), y, p[:, 1])
    top = ev.largest_losses(10)
    loss = -np.log(np.clip(np.where(y == 1, p[:, 1], 1 - p[:, 1]), 1e-7, 1))
    assert list(top) == list(np.argsort(-loss, kind="stable")[:10])
    assert len(ev.largest_losses(10_000)) == 300


def test_regression_residuals_and_histogram_in_target_units():
    rng = np.random.default_rng(8)
    prep = Preprocessing(task="regression", feature_names=["x"], target_mean=50.0, target_scale=5)
    y_std = rng.normal(size=400).astype(np.float32)
    out_std = y_std + rng.normal(scale=0.3, size=400)
    ev = evaluate_outputs(prep, np.zeros((400, 1), np.float32), y_std, out_std)
    actual, predicted = y_std.astype(np.float64) * 5.0 + 50.0, out_std * 5.0 + 50.0
    assert ev.y_true == pytest.approx(actual) and ev.outputs == pytest.approx(predicted)
    assert ev.residuals == pytest.approx(actual - predicted)
    counts, edges = ev.histogram
    assert counts.sum() == 400 and edges[0] <= ev.residuals.min() <= ev.residuals.max() <= edges[-1]
    assert ev.losses == pytest.approx((actual - predicted) ** 2)
    listing = ev.listing(ev.largest_losses(3))
    assert listing.header[-4:] == [
        "actual",
        "predicted",
        "error (actual − predicted)",
        "squared error",
    ]
    worst = int(np.argmax((actual - predicted) ** 2))
    assert listing.rows[0][0] == str(worst + 1)
    assert float(listing.rows[0][-2]) == pytest.approx(actual[worst] - predicted[worst], rel=1e-4)


# ------------------------------------------------------------------ a trained table model
def informative_csv(path, n: int = 600, seed: int = 0):
    """Four input columns, of which only `signal` decides the class."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    noise = rng.normal(size=n) * 3 + 10
    colour = rng.choice(["red", "green", "blue"], size=n)
    flag = rng.choice(["yes", "no"], size=n)
    label = np.where(signal > 0, "up", "down")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["noise", "colour", "signal", "flag", "label"])
        for row in zip(noise, colour, signal, flag, label):
            w.writerow([f"{row[0]:.4f}", row[1], f"{row[2]:.4f}", row[3], row[4]])
    return path


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    from desktop_app.core.engine import Trainer
    from desktop_app.core.tabular.prepare import load_project_data

    path = informative_csv(tmp_path_factory.mktemp("eval") / "signal.csv")
    spec = TableSpec(path=str(path), target="label")
    project = Project(
        name="signal",
        data=DataSpec(dataset="table", table=spec),
        train=TrainSpec(batch_size=32, epochs=15, early_stopping=False, lr=0.01),
    )
    project, data = load_project_data(project)
    trainer = Trainer(project, data=data)
    trainer.fit()
    return trainer.model, data


def test_permutation_importance_finds_the_one_informative_column(table_model):
    model, d = table_model
    groups = column_groups(d.prep)
    assert [g.name for g in groups] == ["noise", "colour", "signal", "flag"]
    assert len(groups[1].inputs) == 3  # the categories of one column go together
    imp = permutation_importance(
        predictor(model, d.prep), d.task, d.x_test, d.y_test, groups, repeats=4
    )
    assert imp.baseline > 0.9
    assert imp.names[imp.order()[0]] == "signal"
    assert imp.mean[2] > 0.25
    others = np.delete(imp.mean, 2)
    assert (np.abs(others) < 0.1).all() and imp.scores.shape == (4, 4)


def test_table_rows_show_categories_and_partial_dependence_rises_with_the_signal(table_model):
    model, d = table_model
    ev = evaluate_split(model, d.prep, d.x_test, d.y_test)
    colours = set(ev.raw.values[1])
    assert colours <= {"red", "green", "blue"} and len(colours) == 3
    assert set(ev.raw.values[3]) == {"yes", "no"} or set(ev.raw.values[3]) <= {"true", "false"}
    groups = column_groups(d.prep)
    up = d.prep.class_names.index("up")
    pd_signal = partial_dependence(predictor(model, d.prep), d.prep, d.x_test, groups[2], [])
    assert pd_signal.mean[-1, up] > 0.8 > 0.2 > pd_signal.mean[0, up]
    pd_colour = partial_dependence(predictor(model, d.prep), d.prep, d.x_test, groups[1], [])
    assert pd_colour.labels == groups[1].categories
    assert np.ptp(pd_colour.mean[:, up]) < 0.15


def test_listing_csv_text_round_trips():
    y, p = random_outputs(20, 2, seed=9)
    ev = evaluate_outputs(prep_for("binary", 2), np.ones((20, 3), np.float32), y, p[:, 1])
    text = ev.listing(ev.cell_rows(1, 1, threshold=0.3), threshold=0.3).csv_text()
    rows = list(csv.reader(io.StringIO(text)))
    expected = np.flatnonzero((y == 1) & (p[:, 1] >= 0.3))
    assert [int(r[0]) - 1 for r in rows[1:]] == list(expected)
    assert all(r[rows[0].index("predicted class")] == "c1" for r in rows[1:])


def test_regression_importance_starts_from_the_test_r2():
    from desktop_app.core.engine import Trainer

    project = Project().with_overrides(
        ["data.dataset=friedman1", "data.n_samples=400", "train.epochs=20", "train.device=cpu"]
    )
    trainer = Trainer(project)
    result = trainer.fit()
    d = trainer.data
    ev = evaluate_split(trainer.model, d.prep, d.x_test, d.y_test)
    predict = predictor(trainer.model, d.prep)
    imp = permutation_importance(
        predict, d.task, d.x_test, ev.y_true, column_groups(d.prep), repeats=2
    )
    assert imp.metric == "r2"
    assert imp.baseline == pytest.approx(result.test_metrics["r2"], abs=1e-4)
    # friedman1: x6..x10 are noise, x4 is among the strongest inputs
    assert imp.mean[3] > max(imp.mean[5:])
