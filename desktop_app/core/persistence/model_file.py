"""Model files: save a trained model with everything needed to use or continue it, and
load one back, validated, into a LoadedModel.

This module only assembles: the header is vetted by ``header``, the sections and the
tensor table by ``checks``, the training state by ``resume_state``, and the bytes reach
the disk through ``atomic``. The file format, field by field, is in README.md ("File formats").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from desktop_app.core import persistence
from desktop_app.core.history import EPOCH_KEYS, History
from desktop_app.core.memory import file_memory_problem
from desktop_app.core.persistence.atomic import write_bytes_atomic
from desktop_app.core.persistence.checks import (
    RUN_STATE_PREFIXES,
    check_tensors,
    dtype_name,
    history_from,
    history_meta,
    metrics_from,
    network_tensor_count,
    preprocessing_from,
    project_from,
    read_tensors,
)
from desktop_app.core.persistence.header import fail, read_header, read_sections
from desktop_app.core.persistence.resume_state import resume_from, resume_meta, resume_tensors
from desktop_app.core.persistence.tagged_json import dumps, tag
from desktop_app.core.run_state import TrainerState
from desktop_app.core.run_types import Status, TrainResult

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    import torch
    from torch import nn

    from desktop_app.core.prepared import Preprocessing
    from desktop_app.core.specs.project import Project


HISTORY_TENSORS = ("history.steps", "history.batch_loss", "history.batch_lr", "history.epochs")


@dataclass
class LoadedModel:
    """A model file's contents, validated. ``model`` is on the CPU, in eval mode."""

    project: Project
    preprocessing: Preprocessing
    model: nn.Module
    history: History
    test_metrics: dict
    resume: TrainerState | None = None  # None: saved for prediction only
    app_version: str = ""
    format_version: int = persistence.MODEL_FORMAT_VERSION  # as written in the file
    path: Path | None = None
    # core.inspect.replay.WeightHistory: the run's weights epoch by epoch (epoch replay),
    # saved with the training state; None in files without it (and in older files).
    replay_weights: object | None = None

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def epochs_trained(self) -> int:
        return self.resume.epoch if self.resume is not None else len(self.history.epochs)

    @property
    def result(self) -> TrainResult:
        """The run this file keeps, as the Trainer reported it (its timing is not kept)."""
        r, prep = self.resume, self.preprocessing
        return TrainResult(
            project=self.project,
            status=Status.FINISHED,
            stop_reason=r.stop_reason if r is not None else "completed",
            epochs_run=self.epochs_trained,
            steps=r.global_step if r is not None else int(self.history.n_steps),
            best_epoch=r.best_epoch if r is not None else None,
            task=prep.task,
            metric_name=self.history.metric_name,
            class_names=list(prep.class_names),
            test_metrics=dict(self.test_metrics),
            history=self.history,
            restored_epoch=r.restored_epoch if r is not None else None,
        )


class Checkpointable(Protocol):
    """What save_model takes besides a LoadedModel: a run that can copy itself into one
    (the engine's Trainer, without persistence having to know it)."""

    def checkpoint(self) -> LoadedModel: ...


def save_model(
    path: str | Path, source: LoadedModel | Checkpointable, *, include_resume: bool = True
) -> None:
    """Write a model file atomically from a LoadedModel or a Trainer (its checkpoint()).

    include_resume=False leaves out the optimizer, schedule and RNG state: a smaller
    file that predicts but cannot continue training.
    """
    from safetensors.torch import save

    loaded = source if isinstance(source, LoadedModel) else source.checkpoint()
    tensors, metadata = _encode(loaded, include_resume)
    write_bytes_atomic(path, save(tensors, metadata=metadata))


def snapshot(
    state: TrainerState,
    *,
    project: Project,
    preprocessing: Preprocessing,
    model: nn.Module,
    history: History,
    test_metrics: dict,
) -> LoadedModel:
    """A CPU copy of a run, as a model file would hold it: a network rebuilt from the
    project with the run's weights, and copies of the state, history and metrics, so
    that the live run may go on without changing what was kept."""
    from desktop_app.core.model import build_model

    weights = _cpu(model.state_dict())
    copy = build_model(project.model, preprocessing.n_features, preprocessing.n_outputs)
    copy.load_state_dict(weights)
    copy.eval()
    last = None if state.last_weights is None else _cpu(state.last_weights)
    kept = TrainerState(
        epoch=int(state.epoch),
        global_step=int(state.global_step),
        stop_reason=str(state.stop_reason),
        best_epoch=state.best_epoch,
        restored_epoch=state.restored_epoch,
        optimizer=_detached(state.optimizer),
        scheduler=None if state.scheduler is None else dict(state.scheduler),
        rng_torch=_plain(state.rng_torch),
        rng_shuffle=_plain(state.rng_shuffle),
        rng_cuda=None if state.rng_cuda is None else _plain(state.rng_cuda),
        last_weights=None if last is None or _same(last, weights) else last,
        callbacks=_detached(state.callbacks),
    )
    return LoadedModel(
        project=project,
        preprocessing=preprocessing,
        model=copy,
        history=history.copy(),
        test_metrics=dict(test_metrics or {}),
        resume=kept,
        app_version=_app_version(),
    )


def _encode(m: LoadedModel, include_resume: bool) -> tuple[dict, dict[str, str]]:
    import numpy as np
    import torch

    tensors: dict[str, torch.Tensor] = _cpu(m.model.state_dict())
    h = m.history
    tensors["history.steps"] = torch.from_numpy(np.array(h.steps, dtype=np.int64))
    tensors["history.batch_loss"] = torch.from_numpy(np.array(h.batch_loss, dtype=np.float64))
    tensors["history.batch_lr"] = torch.from_numpy(np.array(h.batch_lr, dtype=np.float64))
    cols = np.stack([h.epoch_column(k) for k in EPOCH_KEYS], axis=1) if h.epochs else None
    tensors["history.epochs"] = torch.from_numpy(
        np.zeros((0, len(EPOCH_KEYS))) if cols is None else np.ascontiguousarray(cols)
    )
    metadata = {
        "format": persistence.MODEL_FORMAT,
        "format_version": str(persistence.MODEL_FORMAT_VERSION),
        "app_version": _app_version(),
        "torch_version": torch.__version__,
        "project": dumps(m.project.model_dump(mode="json")),
        "preprocessing": dumps(m.preprocessing.to_dict()),
        "history": dumps(
            {
                "metric_name": h.metric_name,
                "epoch_columns": list(EPOCH_KEYS),
                "n_steps": int(h.n_steps),
                "n_epochs": len(h.epochs),
            }
        ),
        "test_metrics": dumps(m.test_metrics),
    }
    r = m.resume
    if include_resume and r is not None:
        tensors.update(_resume_tensors_of(r, tensors))
        metadata["resume"] = dumps(_resume_meta_of(r, tensors))
    snaps = getattr(m.replay_weights, "snapshots", None) or []
    if include_resume and len(snaps) >= 2:
        for i, snap in enumerate(snaps):
            for k, v in snap.weights.items():
                tensors[f"replay.{i}.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
        metadata["replay"] = dumps(
            {"epochs": [s.epoch for s in snaps], "steps": [s.step for s in snaps]}
        )
    return tensors, metadata


def _resume_tensors_of(r: TrainerState, weights: dict) -> dict:
    """The tensors of a TrainerState under their names in the file (format 1): the
    optimizer's, the last and the best weights where they differ from the model's, and
    the random-number states."""
    import torch

    unknown = sorted(set(r.callbacks) - {"early_stopping"})
    if unknown:
        raise ValueError(f"the model file format has no place for callback state {unknown[0]!r}")
    out: dict[str, torch.Tensor] = {}
    for i, state in r.optimizer["state"].items():
        for name, value in state.items():
            if isinstance(value, torch.Tensor):
                out[f"optimizer.state.{int(i)}.{name}"] = _plain(value)
    for k, v in (r.last_weights or {}).items():
        out["resume.last." + k] = _plain(v)
    if _best_weights_kept(r, weights) == "separate":
        for k, v in r.callbacks["early_stopping"]["best_weights"].items():
            out["resume.best." + k] = _plain(v)
    out["rng.torch"] = _plain(r.rng_torch)
    out["rng.shuffle"] = _plain(r.rng_shuffle)
    if r.rng_cuda is not None:
        out["rng.cuda"] = _plain(r.rng_cuda)
    return out


def _resume_meta_of(r: TrainerState, weights: dict) -> dict:
    """The "resume" metadata section of a TrainerState (format 1)."""
    import torch

    layout: dict[str, dict] = {}
    for i, state in r.optimizer["state"].items():
        entry = layout.setdefault(str(int(i)), {})
        for name, value in state.items():
            entry[name] = "tensor" if isinstance(value, torch.Tensor) else {"value": tag(value)}
    es = None
    if "early_stopping" in r.callbacks:
        saved = r.callbacks["early_stopping"]
        es = {k: saved.get(k) for k in ("best", "best_epoch", "wait")}
        es["best_weights"] = _best_weights_kept(r, weights)
    return {
        "epoch": r.epoch,
        "global_step": r.global_step,
        "stop_reason": r.stop_reason,
        "best_epoch": r.best_epoch,
        "restored_epoch": r.restored_epoch,
        "last_weights": "separate" if r.last_weights is not None else "main",
        "optimizer": {"param_groups": tag(r.optimizer["param_groups"]), "state": layout},
        "scheduler": None if r.scheduler is None else tag(r.scheduler),
        "early_stopping": None if es is None else tag(es),
        "rng_cuda": r.rng_cuda is not None,
    }


def _best_weights_kept(r: TrainerState, weights: dict) -> str | None:
    """Where early stopping's best weights go: nowhere (None), "main" when they are the
    model's own weights (restored at the end), else "separate" tensors."""
    best = r.callbacks.get("early_stopping", {}).get("best_weights")
    if best is None:
        return None
    model_weights = {k: weights[k] for k in best if k in weights}
    return "main" if _same(_cpu(best), model_weights) else "separate"


def load_model(path: str | Path) -> LoadedModel:
    """Read, validate and rebuild a model file. Raises FileFormatError on any problem."""
    import torch

    from desktop_app.core.model import build_model

    p = Path(path)
    infos, metadata, size = read_header(p)
    sections = read_sections(p, metadata)
    project = project_from(p, sections)
    prep = preprocessing_from(p, sections["preprocessing"], project)
    hist_meta = history_meta(p, sections["history"])
    # Before building anything: the tensors the header names against those the project
    # implies (a 3 MB file of 200,000 layers took 48 s and 3 GB to refuse).
    # A small difference is left to check_tensors, which names the tensor.
    n_network = sum(not k.startswith(RUN_STATE_PREFIXES) for k in infos)
    if network_tensor_count(project.model) > 2 * n_network + 16:
        raise fail(
            p,
            f"it holds {n_network:,} network tensors, but the network its project describes "
            f"has {network_tensor_count(project.model):,}",
        )
    with torch.device("meta"):  # shapes only: a damaged spec cannot allocate gigabytes
        skeleton = build_model(project.model, prep.n_features, prep.n_outputs)
    model_shapes = {
        k: (tuple(v.shape), dtype_name(v.dtype)) for k, v in skeleton.state_dict().items()
    }
    param_shapes = [tuple(q.shape) for q in skeleton.parameters()]
    expected: dict[str, tuple | None] = dict(model_shapes)
    expected["history.steps"] = ((hist_meta["n_steps"],), "I64")
    expected["history.batch_loss"] = ((hist_meta["n_steps"],), "F64")
    expected["history.batch_lr"] = ((hist_meta["n_steps"],), "F64")
    expected["history.epochs"] = ((hist_meta["n_epochs"], len(hist_meta["epoch_columns"])), "F64")
    replay_meta = replay_section(p, sections.get("replay"))
    if replay_meta is not None:
        floats = [k for k, v in skeleton.state_dict().items() if v.is_floating_point()]
        for i in range(len(replay_meta["epochs"])):
            for k in floats:
                expected[f"replay.{i}.{k}"] = (model_shapes[k][0], "F32")
    saved_resume = None
    if "resume" in sections:
        saved_resume = resume_meta(p, sections["resume"], project, param_shapes)
        expected.update(resume_tensors(saved_resume, model_shapes, param_shapes, infos))
    check_tensors(p, infos, expected)
    problem = file_memory_problem(size)  # the budget, before a byte of tensor data is read
    if problem:
        raise fail(p, problem)
    tensors = read_tensors(p, list(infos))
    model = build_model(project.model, prep.n_features, prep.n_outputs)
    try:
        model.load_state_dict({k: tensors[k] for k in model_shapes}, strict=True)
    except RuntimeError as exc:  # pragma: no cover - names, shapes, dtypes checked above
        raise fail(p, f"the weights do not fit the network ({exc})") from None
    model.eval()
    history = history_from(p, hist_meta, tensors)
    metrics = metrics_from(p, sections["test_metrics"], len(prep.class_names))
    resume = None
    if saved_resume is not None:
        resume = resume_from(p, saved_resume, tensors, model_shapes)
    return LoadedModel(
        project=project,
        preprocessing=prep,
        model=model,
        history=history,
        test_metrics=metrics,
        resume=resume,
        app_version=str(metadata.get("app_version", "")),
        format_version=int(metadata["format_version"]),
        path=p,
        replay_weights=replay_from(replay_meta, tensors),
    )


def replay_section(p: Path, raw) -> dict | None:
    """The replay metadata, checked: epochs and steps, as many of each, at most
    MAX_SNAPSHOTS (a damaged count cannot ask for thousands of tensors)."""
    from desktop_app.core.inspect.replay import MAX_SNAPSHOTS

    if raw is None:
        return None
    epochs, steps = raw.get("epochs"), raw.get("steps")
    ok = (
        isinstance(epochs, list)
        and isinstance(steps, list)
        and len(epochs) == len(steps)
        and 2 <= len(epochs) <= MAX_SNAPSHOTS
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in epochs + steps)
    )
    if not ok:
        raise fail(p, "its epoch-replay metadata is damaged (epochs and steps do not match)")
    return {"epochs": epochs, "steps": steps}


def replay_from(meta: dict | None, tensors: dict):
    from desktop_app.core.inspect.replay import Snapshot, WeightHistory

    if meta is None:
        return None
    history = WeightHistory()
    for i, (epoch, step) in enumerate(zip(meta["epochs"], meta["steps"])):
        prefix = f"replay.{i}."
        weights = {k[len(prefix) :]: v.numpy() for k, v in tensors.items() if k.startswith(prefix)}
        history.snapshots.append(Snapshot(epoch, step, weights))
    return history


def _plain(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to("cpu").contiguous().clone()


def _cpu(state: dict) -> dict:
    import torch

    return {k: _plain(v) if isinstance(v, torch.Tensor) else v for k, v in state.items()}


def _detached(obj: Any) -> Any:
    """A copy of a state (nested dicts, lists, tuples) with its tensors on the CPU."""
    import copy

    import torch

    if isinstance(obj, torch.Tensor):
        return _plain(obj)
    if type(obj) is dict:
        return {k: _detached(v) for k, v in obj.items()}
    if type(obj) in (list, tuple):
        return type(obj)(_detached(v) for v in obj)
    return copy.deepcopy(obj)


def _same(a: dict, b: dict) -> bool:
    import torch

    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _app_version() -> str:
    from desktop_app import __version__

    return __version__
