"""Model files: save a trained model with everything needed to use or continue it, and
load one back, validated, into a LoadedModel.

This module only assembles: the header is vetted by ``header``, the sections and the
tensor table by ``checks``, the training state by ``resume_state``, and the bytes reach
the disk through ``atomic``. The file format, field by field, is in README.md ("File formats").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core import persistence
from desktop_app.core.errors import OdysseyError
from desktop_app.core.persistence.atomic import write_bytes_atomic
from desktop_app.core.persistence.checks import (
    _check_tensors,
    _dtype_name,
    _history_from,
    _history_meta,
    _metrics_from,
    _preprocessing_from,
    _project_from,
    _read_tensors,
)
from desktop_app.core.persistence.header import _fail, _read_header, _sections
from desktop_app.core.persistence.resume_state import (
    ResumeState,
    _resume_from,
    _resume_meta,
    _resume_tensors,
)
from desktop_app.core.persistence.tagged_json import _dumps, _tag

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    import torch
    from torch import nn

    from desktop_app.core.callbacks import History
    from desktop_app.core.data import Preprocessing
    from desktop_app.core.specs import Project


HISTORY_TENSORS = ("history.steps", "history.batch_loss", "history.batch_lr", "history.epochs")


@dataclass
class LoadedModel:
    """A model file's contents, validated. ``model`` is on the CPU, in eval mode."""

    project: Project
    preprocessing: Preprocessing
    model: nn.Module
    history: History
    test_metrics: dict
    resume: ResumeState | None = None
    app_version: str = ""
    format_version: int = persistence.MODEL_FORMAT_VERSION  # as written in the file
    path: Path | None = None

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def epochs_trained(self) -> int:
        return self.resume.epoch if self.resume is not None else len(self.history.epochs)


def save_model(path: str | Path, source: Any, *, include_resume: bool = True) -> None:
    """Write a Trainer's (or a LoadedModel's) model file atomically.

    include_resume=False leaves out the optimizer, schedule and RNG state: a smaller
    file that predicts but cannot continue training.
    """
    from safetensors.torch import save

    loaded = source if isinstance(source, LoadedModel) else snapshot(source)
    tensors, metadata = _encode(loaded, include_resume)
    write_bytes_atomic(path, save(tensors, metadata=metadata))


def snapshot(trainer: Any) -> LoadedModel:
    """A CPU copy of everything a Trainer would write to a model file."""
    import torch

    from desktop_app.core.engine import Status
    from desktop_app.core.model import build_model

    if trainer.model is None or trainer.data is None:
        raise OdysseyError("there is no trained model to save yet; train first")
    if trainer.status in (Status.RUNNING, Status.PAUSED, Status.STOPPING):
        raise OdysseyError("training is still running; stop it before saving the model")
    prep = trainer.data.prep
    weights = _cpu(trainer.model.state_dict())
    model = build_model(trainer.project.model, prep.n_features, prep.n_outputs)
    model.load_state_dict(weights)
    model.eval()
    es = trainer.early_stopping
    best = None
    if es is not None and es.best_state is not None:
        best = _cpu(es.best_state)
    last = _cpu(trainer.last_state) if trainer.last_state is not None else None
    opt = trainer.optimizer.state_dict()
    resume = ResumeState(
        epoch=int(trainer.epoch),
        global_step=int(trainer.global_step),
        stop_reason=str(trainer.stop_reason),
        best_epoch=trainer.best_epoch,
        restored_epoch=trainer.restored_epoch,
        optimizer={
            "state": {i: _cpu(s) for i, s in opt["state"].items()},
            "param_groups": copy.deepcopy(opt["param_groups"]),
        },
        scheduler=None if trainer.scheduler is None else dict(trainer.scheduler.state_dict()),
        early_stopping=None if es is None else es.state(),
        early_stopping_best=None if best is None or _same(best, weights) else best,
        last_weights=None if last is None or _same(last, weights) else last,
        rng_torch=(trainer.rng_state if trainer.rng_state is not None else torch.get_rng_state())
        .detach()
        .clone(),
        rng_shuffle=trainer.generator.get_state().clone(),
        rng_cuda=None if trainer.cuda_rng_state is None else trainer.cuda_rng_state.clone(),
    )
    if es is not None and best is not None and resume.early_stopping_best is None:
        resume.early_stopping = {**resume.early_stopping, "best_weights": "main"}
    result = getattr(trainer, "result", None)
    metrics = result.test_metrics if result is not None else trainer.checkpoint_test_metrics
    return LoadedModel(
        project=trainer.project,
        preprocessing=prep,
        model=model,
        history=copy_history(trainer.history),
        test_metrics=dict(metrics or {}),
        resume=resume,
        app_version=_app_version(),
    )


def _encode(m: LoadedModel, include_resume: bool) -> tuple[dict, dict[str, str]]:
    import numpy as np
    import torch

    from desktop_app.core.callbacks import EPOCH_KEYS

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
        "project": _dumps(m.project.model_dump(mode="json")),
        "preprocessing": _dumps(m.preprocessing.to_dict()),
        "history": _dumps(
            {
                "metric_name": h.metric_name,
                "epoch_columns": list(EPOCH_KEYS),
                "n_steps": int(h.n_steps),
                "n_epochs": len(h.epochs),
            }
        ),
        "test_metrics": _dumps(m.test_metrics),
    }
    r = m.resume
    if include_resume and r is not None:
        layout: dict[str, dict] = {}
        for i, state in r.optimizer["state"].items():
            entry = layout.setdefault(str(int(i)), {})
            for name, value in state.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.state.{int(i)}.{name}"] = _plain(value)
                    entry[name] = "tensor"
                else:
                    entry[name] = {"value": _tag(value)}
        for k, v in (r.last_weights or {}).items():
            tensors["resume.last." + k] = _plain(v)
        es = None
        if r.early_stopping is not None:
            es = {k: r.early_stopping.get(k) for k in ("best", "best_epoch", "wait")}
            es["best_weights"] = r.early_stopping.get("best_weights")
            if r.early_stopping_best is not None:
                es["best_weights"] = "separate"
                for k, v in r.early_stopping_best.items():
                    tensors["resume.best." + k] = _plain(v)
        tensors["rng.torch"] = _plain(r.rng_torch)
        tensors["rng.shuffle"] = _plain(r.rng_shuffle)
        if r.rng_cuda is not None:
            tensors["rng.cuda"] = _plain(r.rng_cuda)
        metadata["resume"] = _dumps(
            {
                "epoch": r.epoch,
                "global_step": r.global_step,
                "stop_reason": r.stop_reason,
                "best_epoch": r.best_epoch,
                "restored_epoch": r.restored_epoch,
                "last_weights": "separate" if r.last_weights is not None else "main",
                "optimizer": {
                    "param_groups": _tag(r.optimizer["param_groups"]),
                    "state": layout,
                },
                "scheduler": None if r.scheduler is None else _tag(r.scheduler),
                "early_stopping": None if es is None else _tag(es),
                "rng_cuda": r.rng_cuda is not None,
            }
        )
    return tensors, metadata


def load_model(path: str | Path) -> LoadedModel:
    """Read, validate and rebuild a model file. Raises FileFormatError on any problem."""
    import torch

    from desktop_app.core.model import build_model

    p = Path(path)
    infos, metadata, _ = _read_header(p)
    sections = _sections(p, metadata)
    project = _project_from(p, sections)
    prep = _preprocessing_from(p, sections["preprocessing"], project)
    hist_meta = _history_meta(p, sections["history"])
    with torch.device("meta"):  # shapes only: a damaged spec cannot allocate gigabytes
        skeleton = build_model(project.model, prep.n_features, prep.n_outputs)
    model_shapes = {
        k: (tuple(v.shape), _dtype_name(v.dtype)) for k, v in skeleton.state_dict().items()
    }
    param_shapes = [tuple(q.shape) for q in skeleton.parameters()]
    expected: dict[str, tuple | None] = dict(model_shapes)
    expected["history.steps"] = ((hist_meta["n_steps"],), "I64")
    expected["history.batch_loss"] = ((hist_meta["n_steps"],), "F64")
    expected["history.batch_lr"] = ((hist_meta["n_steps"],), "F64")
    expected["history.epochs"] = ((hist_meta["n_epochs"], len(hist_meta["epoch_columns"])), "F64")
    resume_meta = None
    if "resume" in sections:
        resume_meta = _resume_meta(p, sections["resume"], project, param_shapes)
        expected.update(_resume_tensors(resume_meta, model_shapes, param_shapes, infos))
    _check_tensors(p, infos, expected)
    tensors = _read_tensors(p, list(infos))
    model = build_model(project.model, prep.n_features, prep.n_outputs)
    try:
        model.load_state_dict({k: tensors[k] for k in model_shapes}, strict=True)
    except RuntimeError as exc:  # pragma: no cover - names, shapes, dtypes checked above
        raise _fail(p, f"the weights do not fit the network ({exc})") from None
    model.eval()
    history = _history_from(p, hist_meta, tensors)
    metrics = _metrics_from(p, sections["test_metrics"])
    resume = None
    if resume_meta is not None:
        resume = _resume_from(p, resume_meta, tensors, model_shapes)
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
    )


def _plain(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to("cpu").contiguous().clone()


def _cpu(state: dict) -> dict:
    import torch

    return {k: _plain(v) if isinstance(v, torch.Tensor) else v for k, v in state.items()}


def _same(a: dict, b: dict) -> bool:
    import torch

    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def copy_history(h: History) -> History:
    from desktop_app.core.callbacks import History

    out = History(metric_name=h.metric_name)
    out.add_block(h.steps.copy(), h.batch_loss.copy(), h.batch_lr.copy())
    out.epochs = [dict(e) for e in h.epochs]
    return out


def _app_version() -> str:
    from desktop_app import __version__

    return __version__
