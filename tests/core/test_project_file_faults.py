"""Project files from the fault matrix (issue 15): each loaded, refused with a message
naming what is wrong, or accepted as the user meant it; never a traceback or a hang."""

import json
import os
import threading

import pytest

from desktop_app.core.errors import FileFormatError, SpecError
from desktop_app.core.persistence.projects import load_project
from desktop_app.core.persistence.summary import file_summary
from desktop_app.core.specs.model import MAX_HIDDEN_LAYERS
from desktop_app.core.specs.project import Project


def write(tmp_path, data, name="p.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def default():
    return Project().model_dump(mode="json")


def refused(path, *fragments):
    with pytest.raises(FileFormatError) as err:
        load_project(path)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "\n" not in message and len(message) < 600, message
    return message


def test_a_project_saved_with_a_byte_order_mark_opens(tmp_path):
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(default()).encode())
    assert load_project(path) == Project()


def test_deep_nesting_and_huge_integers_are_refused(tmp_path):
    refused(write(tmp_path, "[" * 200_000 + "]" * 200_000), "nested too deeply")
    refused(write(tmp_path, '{"format_version": ' + "9" * 5000 + "}"), "not a valid project")
    d = default()
    d["train"]["epochs"] = int("9" * 4000)
    refused(write(tmp_path, d), "train.epochs")


@pytest.mark.parametrize("version", [0, -1, True, "1", 1.0])
def test_format_version_must_be_a_whole_number_from_1(tmp_path, version):
    d = default()
    d["format_version"] = version
    refused(write(tmp_path, d), "format_version")


def test_numbers_must_be_numbers(tmp_path):
    d = default()
    d["model"]["hidden"][0]["units"] = "10"
    refused(write(tmp_path, d), "model.hidden.0.units")
    d = default()
    d["train"]["lr"] = 1  # a whole number where a float goes is still a number
    assert load_project(write(tmp_path, d)).train.lr == 1.0


@pytest.mark.parametrize(
    "field",
    ["weight_decay", "l1", "min_delta", "min_lr", "huber_delta", "grad_clip", "max_seconds"],
)
def test_infinity_is_refused_for_every_number(tmp_path, field):
    d = default()
    d["train"][field] = float("inf")
    text = json.dumps(d)
    assert "Infinity" in text
    refused(write(tmp_path, text), f"train.{field}")


def table_project(**table):
    d = default()
    d["data"] = {"dataset": "table", "table": {"path": "t.csv", "target": "y", **table}}
    return d


@pytest.mark.parametrize("path", ["~nosuchuser_odyssey/t.csv", "t\x00.csv"])
def test_table_paths_that_cannot_name_a_file(tmp_path, path):
    refused(write(tmp_path, table_project(path=path)), "table path")


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "no-such-codec"])
def test_encodings_must_be_text_encodings(tmp_path, encoding):
    refused(write(tmp_path, table_project(encoding=encoding)), "not a text encoding")


def test_a_long_or_multi_line_value_is_cut_in_the_message(tmp_path):
    d = default()
    d["data"]["dataset"] = "x" * 1_000_000
    assert len(refused(write(tmp_path, d), "dataset")) < 400
    d = default()
    d["train"]["bad\nkey" + "k" * 10_000] = 1
    refused(write(tmp_path, d), "bad\\nkey")


@pytest.mark.timeout(30)  # a hang guard: the quadratic check took 99 s, now 0.03 s
def test_100000_feature_names_load_quickly(tmp_path):
    """A quadratic duplicate check took 99 s (and the window reopens the last project at
    every launch)."""
    names = [f"f{i}" for i in range(100_000)]
    path = write(tmp_path, table_project(features=names))
    assert len(load_project(path).data.table.features) == 100_000
    refused(write(tmp_path, table_project(features=[*names, "f7", "f9"])), "'f7'", "'f9'")


@pytest.mark.timeout(30)  # a hang guard: 200,000 layers took 48 s and 3 GB, now 0.05 s
def test_hidden_layers_are_capped(tmp_path):
    d = default()
    d["model"]["hidden"] = [{"units": 2}] * 200_000
    refused(write(tmp_path, d), "model.hidden", str(MAX_HIDDEN_LAYERS))
    d["model"]["hidden"] = [{"units": 2}] * MAX_HIDDEN_LAYERS
    assert len(load_project(write(tmp_path, d)).model.hidden) == MAX_HIDDEN_LAYERS


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("name", ["fifo.json", "fifo.safetensors", "fifo"])
def test_a_fifo_is_refused_without_blocking(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    errors = []

    def attempt():
        for load in (load_project, file_summary):
            try:
                load(fifo)
            except FileFormatError as exc:
                errors.append(str(exc))

    t = threading.Thread(target=attempt, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert len(errors) == 2 and all("not a regular file" in e for e in errors), errors


def test_a_device_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(FileFormatError, match="not a regular file"):
        load_project("/dev/zero")


def test_old_valid_projects_still_load(tmp_path):
    old = {"name": "old", "train": {"lr": 0.1, "epochs": 5}, "model": {"hidden": [{"units": 4}]}}
    assert load_project(write(tmp_path, old)).train.epochs == 5
    with pytest.raises(SpecError):
        Project.from_json('{"train": {"epochs": "5"}}')


@pytest.mark.parametrize(
    "place",
    [
        ("format_version",),
        ("train", "step_size"),
        ("train", "plateau_patience"),
        ("train", "milestones"),
        ("table", "n_rows"),
    ],
)
def test_numbers_too_large_to_compute_with_are_refused_in_short(tmp_path, place):
    """A 4,200-digit format_version came back as a 4,346-character message; a 400-digit
    row count raised OverflowError (found by the fuzz benchmark)."""
    huge = 10**400
    if place[0] == "table":
        d = table_project(n_rows=huge)
    else:
        d = default()
        target = d if len(place) == 1 else d[place[0]]
        target[place[-1]] = [huge] if place[-1] == "milestones" else huge
    message = refused(write(tmp_path, d))
    assert len(message) < 400, message


def test_a_project_file_over_10_mb_says_so(tmp_path):
    d = default()
    d["model"]["hidden"] = [{"units": 10}] * 1_000_000  # 15 MB
    refused(write(tmp_path, d), "too large to be a project file (over 10 MB)")


def test_a_nul_byte_in_the_file_name_is_a_message(tmp_path):
    refused(str(tmp_path / "p\x00.json"), "not a usable file name")
