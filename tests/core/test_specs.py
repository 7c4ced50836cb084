"""The project as validated data: defaults, JSON round trip, messages for bad values."""

import json

import pytest

from desktop_app.core.errors import SpecError
from desktop_app.core.specs.project import FORMAT_VERSION, Project


def test_default_project_is_the_classic_first_example():
    p = Project()
    assert p.data.dataset == "classification"
    assert p.data.total_samples == 1000 and p.data.features == 20 and p.data.classes == 2
    assert p.data.seed == 42 and p.data.test_fraction == 0.2
    assert [(h.units, h.activation) for h in p.model.hidden] == [(10, "relu")]
    assert p.train.optimizer == "adam" and p.train.batch_size == 64
    assert p.task == "binary" and p.loss == "bce"


def test_json_round_trip_keeps_every_field():
    p = Project().with_overrides(
        [
            'model.hidden=[{"units": 32, "activation": "tanh", "dropout": 0.2}, {"units": 8}]',
            "train.optimizer=sgd",
            "train.nesterov=true",
            "train.schedule=multistep",
            "train.milestones=[5, 9]",
            "data.dataset=moons",
            "data.noise=0.3",
        ]
    )
    text = p.to_json()
    assert json.loads(text)["format_version"] == FORMAT_VERSION
    assert Project.from_json(text) == p


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("data.dataset=mnist", "dataset 'mnist' is unknown; choose one of"),
        ("model.hidden.0.activation=swish", "model.hidden.0.activation = 'swish'"),
        ("model.hidden.0.units=0", "model.hidden.0.units = 0: Input should be greater than 0"),
        ("data.n_samples=-5", "data.n_samples = -5"),
        ("train.lr=0", "train.lr = 0: Input should be greater than 0"),
        ("train.loss=mse", "train.loss 'mse' does not fit the binary task"),
        ("train.batch_size=5000", "larger than the training set (700 samples)"),
        ("train.epochs=0", "train.epochs = 0"),
        ("data.test_fraction=0.95", "leaves no training data"),
        ("data.n_classes=5", "set n_informative to at least 4"),
        ("train.device=", None),  # empty device string is allowed and means auto at run time
    ],
)
def test_bad_values_are_rejected_with_a_message_naming_the_field(override, fragment):
    if fragment is None:
        Project().with_overrides([override])
        return
    with pytest.raises(SpecError) as info:
        Project().with_overrides([override])
    assert fragment in str(info.value)


def test_split_leaving_no_training_data():
    with pytest.raises(SpecError, match="leaves no training data"):
        Project().with_overrides(["data.val_fraction=0.5", "data.test_fraction=0.5"])


def test_early_stopping_needs_a_validation_split():
    with pytest.raises(SpecError, match="validation split, which is empty"):
        Project().with_overrides(["data.val_fraction=0"])
    Project().with_overrides(["data.val_fraction=0", "train.early_stopping=false"])


def test_loss_must_fit_task_for_regression_and_multiclass():
    Project().with_overrides(["data.dataset=diabetes", "train.loss=huber"])
    with pytest.raises(SpecError, match="does not fit the regression task"):
        Project().with_overrides(["data.dataset=diabetes", "train.loss=bce"])
    with pytest.raises(SpecError, match="use one of: auto, cross_entropy"):
        Project().with_overrides(["data.dataset=iris", "train.loss=bce"])


def test_malformed_and_unknown_key_json():
    with pytest.raises(SpecError, match=r"not valid JSON \(line 1"):
        Project.from_json("{ not json")
    with pytest.raises(SpecError, match="trian: unknown setting"):
        Project.from_json('{"trian": {}}')
    with pytest.raises(SpecError, match="expected a JSON object"):
        Project.from_json("[1, 2]")
    with pytest.raises(SpecError, match="newer Odyssey"):
        Project.from_json(json.dumps({"format_version": FORMAT_VERSION + 1}))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        Project.load(tmp_path / "nope.json")
    with pytest.raises(SpecError, match="is a folder"):
        Project.load(tmp_path)


def test_set_rejects_unknown_paths():
    with pytest.raises(SpecError, match="'train.learning_rate' is not a field"):
        Project().with_overrides(["train.learning_rate=0.1"])
    with pytest.raises(SpecError, match="expected field.path=value"):
        Project().with_overrides(["train.lr"])


def test_training_problems_name_what_is_wrong_the_field_and_the_fix():
    from desktop_app.core.specs.messages import training_problems
    from desktop_app.core.specs.train import TrainSpec

    fine = TrainSpec(batch_size=64, device="cpu")
    assert training_problems(fine, "binary", (800, 100), ["cpu"]) == []
    # What only the task, the data sizes or the devices present can show wrong.
    wrong = TrainSpec(loss="mse", batch_size=1000, early_stopping=True, device="cuda:1")
    problems = dict(
        (field, message)
        for message, field in training_problems(wrong, "binary", (800, 0), ["cpu", "cuda:0"])
    )
    assert set(problems) == {"loss", "batch_size", "early_stopping", "device"}
    assert "'mse' does not fit a binary task" in problems["loss"] and "bce" in problems["loss"]
    assert (
        "larger than the training set (800 samples); choose at most 800" in problems["batch_size"]
    )
    assert "validation split, which is empty" in problems["early_stopping"]
    assert "'cuda:1' is not present" in problems["device"] and "cuda:0" in problems["device"]
    # Not known yet (no data sizes, devices not listed): nothing is guessed.
    assert [f for _, f in training_problems(wrong, "binary")] == ["loss"]
