"""Files users keep: project files (JSON) and model files (safetensors). No pickle.

API (what the GUI and the command line use):

- ``save_project(project, path)``: write a project as JSON (atomic).
- ``load_project(path) -> Project``: a project file, or the project inside a
  ``.safetensors`` model file.
- ``save_model(path, source)``: ``source`` is a ``LoadedModel``, or a Trainer after
  ``fit()`` (or after a failure or a stop), saved through its ``checkpoint()``. Writes
  weights, project, preprocessing, history, test metrics and the Trainer's state
  (a ``run_state.TrainerState``) needed to continue training (atomic).
- ``snapshot(state, project=..., preprocessing=..., model=..., history=...,
  test_metrics=...) -> LoadedModel``: a CPU copy of a run; persistence never imports
  the engine, so the Trainer hands over its ``state_dict()`` and its parts.
- ``load_model(path) -> LoadedModel``: the validated contents; ``.model`` is rebuilt
  from the project's spec on the CPU, in eval mode. Continue training with
  ``engine.Trainer.from_checkpoint(loaded)``; predict with ``core.predict``.
  ``LoadedModel.resume`` is the saved TrainerState (None: saved for prediction only).
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
- ``resume_state``: the TrainerState read back, its optimizer, schedule and
  early-stopping state checked against a freshly built optimizer.
- ``tagged_json``: strict JSON that keeps tuples, Counters and non-finite floats.
- ``model_file``: LoadedModel, save_model, snapshot, load_model (assembles the above).
- ``summary``: file_summary.

The format's identity (MODEL_FORMAT, MODEL_FORMAT_VERSION, MIGRATIONS) is defined here,
and the modules read it from here when they run: bumping the format, or a test standing
in for a newer one, changes one place. Everything else is imported from the module that
defines it (``persistence.model_file.load_model``, ...).
"""

from __future__ import annotations

from collections.abc import Callable

MODEL_FORMAT = "odyssey-model"
MODEL_FORMAT_VERSION = 1
# version v -> function turning format-v metadata sections into format v+1 ones.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}
