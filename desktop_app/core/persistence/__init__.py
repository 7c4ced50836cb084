"""Files users keep: project files (JSON) and model files (safetensors). No pickle.

API (what the GUI and the command line use):

- ``save_project(project, path)``: write a project as JSON (atomic).
- ``load_project(path) -> Project``: a project file, or the project inside a
  ``.safetensors`` model file.
- ``save_model(path, source)``: ``source`` is a Trainer after ``fit()`` (or after a
  failure or a stop), or a ``LoadedModel``. Writes weights, project, preprocessing,
  history, test metrics and the state needed to continue training (atomic).
- ``load_model(path) -> LoadedModel``: the validated contents; ``.model`` is rebuilt
  from the project's spec on the CPU, in eval mode. Continue training with
  ``engine.Trainer.from_checkpoint(loaded)``; predict with ``core.predict``.
- ``file_summary(path) -> dict``: what a model or project file holds (``odyssey info``).

Every write goes to a temporary file in the same folder, is flushed to disk, then
replaces the target with os.replace, so a crash or a full disk leaves the previous file
intact. Every read treats the file as untrusted: each problem (missing, a folder,
empty, truncated, garbage, a header claiming gigabytes, a newer format, missing, extra
or misshapen tensors, an invalid project, damaged training state) raises
FileFormatError naming the file and the problem, before anything is built from it.
Nothing in a file is executed: the header is JSON, tensors are raw numbers.
The file format, field by field, is in README.md ("File formats").

The package, one concern per module:

- ``atomic``: write_bytes_atomic / write_text_atomic, the one way files reach the disk.
- ``projects``: save_project / load_project.
- ``header``: the safetensors header and format version, vetted before anything else.
- ``checks``: each metadata section and the tensor table, validated.
- ``resume_state``: ResumeState and the checks of optimizer, schedule and
  early-stopping state against a freshly built optimizer.
- ``tagged_json``: strict JSON that keeps tuples, Counters and non-finite floats.
- ``model_file``: LoadedModel, save_model, snapshot, load_model (assembles the above).
- ``summary``: file_summary.

The format's identity (MODEL_FORMAT, MODEL_FORMAT_VERSION, MIGRATIONS) is defined here,
and the modules read it from here when they run: bumping the format, or a test standing
in for a newer one, changes one place.
"""

# The format constants come before the imports: the modules below read them from here.
# ruff: noqa: E402

from __future__ import annotations

from collections.abc import Callable

MODEL_FORMAT = "odyssey-model"
MODEL_FORMAT_VERSION = 1
# version v -> function turning format-v metadata sections into format v+1 ones.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

from desktop_app.core.persistence.atomic import write_bytes_atomic, write_text_atomic
from desktop_app.core.persistence.checks import MAX_COUNT
from desktop_app.core.persistence.header import MAX_HEADER_BYTES, migrate
from desktop_app.core.persistence.model_file import (
    HISTORY_TENSORS,
    LoadedModel,
    copy_history,
    load_model,
    save_model,
    snapshot,
)
from desktop_app.core.persistence.projects import load_project, save_project
from desktop_app.core.persistence.resume_state import ResumeState
from desktop_app.core.persistence.summary import file_summary

__all__ = [
    "HISTORY_TENSORS",
    "MAX_COUNT",
    "MAX_HEADER_BYTES",
    "MIGRATIONS",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "LoadedModel",
    "ResumeState",
    "copy_history",
    "file_summary",
    "load_model",
    "load_project",
    "migrate",
    "save_model",
    "save_project",
    "snapshot",
    "write_bytes_atomic",
    "write_text_atomic",
]
