"""Model files from the fault matrix (issue 15): bombs refused before they spend, damaged
training state refused or replaced by what the project implies, and metadata the window
could not show refused with a message. Continue never crashes on a file that loaded."""

import json

import pytest
import torch
from safetensors.torch import load_file, save

from desktop_app.core.engine import Trainer
from desktop_app.core.errors import FileFormatError
from desktop_app.core.persistence.model_file import load_model, save_model
from desktop_app.core.specs.project import Project

# A hang guard for the bombs (one took 48 s and 3 GB before its fix; each is now
# refused in well under a second): a regression fails here, not the machine.
pytestmark = pytest.mark.timeout(60)

BASE = ["data.dataset=moons", "data.n_samples=100", "train.device=cpu", "train.batch_size=20"]


def trained(tmp_path_factory, *overrides, epochs=2):
    project = Project().with_overrides([*BASE, f"train.epochs={epochs + 2}", *overrides])
    trainer = Trainer(project)
    trainer.fit(epochs)
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    save_model(path, trainer)
    return load_file(str(path)), _metadata(path)


def _metadata(path):
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata())


@pytest.fixture(scope="module")
def adam(tmp_path_factory):
    return trained(tmp_path_factory, "train.schedule=step", "train.step_size=1")


@pytest.fixture(scope="module")
def rmsprop(tmp_path_factory):
    return trained(tmp_path_factory, "train.optimizer=rmsprop", "train.schedule=plateau")


@pytest.fixture(scope="module")
def onecycle(tmp_path_factory):
    return trained(tmp_path_factory, "train.schedule=onecycle")


def changed(tmp_path, source, section, change, tensors=None):
    src_tensors, metadata = source
    meta = dict(metadata)
    value = json.loads(meta[section])
    change(value)
    meta[section] = json.dumps(value)
    path = tmp_path / "changed.safetensors"
    path.write_bytes(save(tensors if tensors is not None else src_tensors, metadata=meta))
    return path


def refused(path, fragment):
    with pytest.raises(FileFormatError) as err:
        load_model(path)
    assert fragment in str(err.value), str(err.value)
    return str(err.value)


def continues(path):
    """The file loads, and Continue trains one more epoch from it."""
    loaded = load_model(path)
    trainer = Trainer.from_checkpoint(loaded)
    result = trainer.fit(1)
    assert result.epochs_run == loaded.resume.epoch + 1
    return loaded, trainer


def test_a_history_of_10_to_the_15_empty_epochs_is_refused_at_once(tmp_path, adam):
    tensors = {**adam[0], "history.epochs": torch.zeros((0, 0), dtype=torch.float64)}

    def bomb(h):
        h.update(epoch_columns=[], n_epochs=10**15)

    path = changed(tmp_path, adam, "history", bomb, tensors)
    # the tensor table says (0, 0) and the history 10**15 rows: either way, no loop
    refused(path, "history")


def test_nan_epoch_numbers_are_refused(tmp_path, adam):
    epochs = adam[0]["history.epochs"].clone()
    epochs[0, 0] = float("nan")
    path = changed(tmp_path, adam, "history", lambda h: None, {**adam[0], "history.epochs": epochs})
    refused(path, "epoch numbers are not whole numbers")


def test_200000_layers_in_the_project_are_refused_before_building(tmp_path, adam):
    def many(p):
        p["model"]["hidden"] = [{"units": 1}] * 200_000

    refused(changed(tmp_path, adam, "project", many), "model.hidden")


def test_a_dtype_written_as_a_list_is_refused(tmp_path, adam):
    data = (tmp_path / "x").write_bytes(save(adam[0], metadata=adam[1])) and (
        tmp_path / "x"
    ).read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    header["0.weight"]["dtype"] = ["F32"]
    raw = json.dumps(header).encode()
    path = tmp_path / "dtype.safetensors"
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n :])
    refused(path, "the header entry for tensor '0.weight' is damaged")


def test_flipped_optimizer_flags_take_the_projects_own(tmp_path, adam, rmsprop):
    def flip(key):
        def change(r):
            for g in r["optimizer"]["param_groups"]:
                g[key] = not g[key]

        return change

    loaded, trainer = continues(changed(tmp_path, adam, "resume", flip("amsgrad")))
    assert trainer.optimizer.param_groups[0]["amsgrad"] is False
    loaded, trainer = continues(changed(tmp_path, rmsprop, "resume", flip("centered")))
    assert trainer.optimizer.param_groups[0]["centered"] is False


def test_schedule_structure_comes_from_the_project(tmp_path, adam):
    def zero(r):
        r["scheduler"]["step_size"] = 0
        r["scheduler"]["gamma"] = 50.0

    _, trainer = continues(changed(tmp_path, adam, "resume", zero))
    assert trainer.scheduler.step_size == 1 and trainer.scheduler.gamma == 0.1


def test_one_cycle_steps_beyond_its_total_are_refused(tmp_path, onecycle):
    def beyond(r):
        r["scheduler"]["total_steps"] = 1  # ignored: the project's total counts
        r["scheduler"]["last_epoch"] = 10**6

    refused(changed(tmp_path, onecycle, "resume", beyond), "one-cycle schedule has run")

    def small_total(r):
        r["scheduler"]["total_steps"] = 1

    continues(changed(tmp_path, onecycle, "resume", small_total))


@pytest.mark.parametrize("lr", [1e52, -0.1])
def test_a_learning_rate_out_of_range_is_refused(tmp_path, rmsprop, lr):
    def huge(r):
        r["optimizer"]["param_groups"][0]["lr"] = lr

    refused(changed(tmp_path, rmsprop, "resume", huge), "optimizer setting 'lr'")


@pytest.mark.parametrize(
    "metrics, fragment",
    [
        ({"confusion_matrix": [[1, 2], [3]]}, "confusion matrix is damaged"),
        ({"confusion_matrix": None}, "confusion matrix is damaged"),
        ({"confusion_matrix": [[1, 2, 3]] * 3}, "confusion matrix is damaged"),
        ({"confusion_matrix": [[1, -2], [3, 4]]}, "confusion matrix is damaged"),
        ({"accuracy": [0.5, 0.5]}, "test metric 'accuracy' is not a number"),
        ({"accuracy": {"a": 1}}, "test metric 'accuracy' is not a number"),
    ],
)
def test_metrics_the_window_cannot_show_are_refused(tmp_path, adam, metrics, fragment):
    refused(changed(tmp_path, adam, "test_metrics", lambda m: m.update(metrics)), fragment)


def test_a_valid_file_still_loads_and_continues(tmp_path, adam, onecycle):
    for source in (adam, onecycle):
        continues(changed(tmp_path, source, "history", lambda h: None))


@pytest.mark.parametrize(
    "section, change",
    [
        ("preprocessing", lambda d: d["mean"].__setitem__(0, 10**400)),
        ("preprocessing", lambda d: d["mean"].__setitem__(0, 1e308)),
        ("test_metrics", lambda d: d.update(accuracy=10**400)),
        ("resume", lambda d: d["optimizer"]["param_groups"][0].update(lr=10**400)),
    ],
)
def test_numbers_too_large_for_a_float_are_refused(tmp_path, adam, section, change):
    """math.isfinite raised OverflowError on a 400-digit integer (found by the fuzz
    benchmark); 1e308 became infinity once stored as float32."""
    with pytest.raises(FileFormatError):
        load_model(changed(tmp_path, adam, section, change))
