"""A model file's training state (a TrainerState), validated when read back.

Beyond the weights, a run goes on from its optimizer state, LR schedule, early-stopping
counters and random-number generators. Torch's own state_dicts would be trusted blindly
by load_state_dict, so a saved state is checked against an optimizer and schedule
freshly built from the same project: the same parameter groups, state names, kinds of
value and tensor shapes, or a FileFormatError saying which part is damaged.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import FileFormatError
from desktop_app.core.persistence.checks import MAX_COUNT, is_finite_number, is_number
from desktop_app.core.persistence.header import fail
from desktop_app.core.persistence.tagged_json import untag
from desktop_app.core.run_state import TrainerState

if TYPE_CHECKING:  # pragma: no cover - torch stays off the startup path
    from desktop_app.core.specs.project import Project


def _fresh_optimizer(project: Project, n_params: int):
    """An optimizer and schedule built from the project on one-number stand-in
    parameters, stepped once: the state names and kinds a real one would hold."""
    import torch

    from desktop_app.core.catalog import split_sizes
    from desktop_app.core.training_parts import make_optimizer, make_scheduler

    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(n_params)]
    opt = make_optimizer(project, params, torch.device("cpu"))
    d, t = project.data, project.train
    n_train = split_sizes(d.total_samples, d.val_fraction, d.test_fraction)[0]
    sched, _ = make_scheduler(project, opt, max(1, math.ceil(n_train / t.batch_size)))
    groups = opt.state_dict()["param_groups"]  # before the step, as make_* leave them
    for q in params:
        q.grad = torch.zeros_like(q)
    opt.step()
    return opt, groups, sched


def resume_meta(p: Path, d: dict, project: Project, param_shapes: list[tuple]) -> dict:
    def bad(what: str) -> FileFormatError:
        return fail(p, f"its training state is damaged ({what})")

    def count(key: str, optional: bool = False) -> int | None:
        v = d.get(key)
        if v is None and optional:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_COUNT:
            raise bad(f"{key} must be a whole number")
        return v

    out: dict[str, Any] = {
        "epoch": count("epoch"),
        "global_step": count("global_step"),
        "best_epoch": count("best_epoch", True),
        "restored_epoch": count("restored_epoch", True),
        "stop_reason": d.get("stop_reason"),
        "last_weights": d.get("last_weights"),
        "rng_cuda": d.get("rng_cuda"),
    }
    if not isinstance(out["stop_reason"], str) or len(out["stop_reason"]) > 40:
        raise bad("stop_reason")
    if out["last_weights"] not in ("main", "separate") or not isinstance(out["rng_cuda"], bool):
        raise bad("last_weights or rng_cuda")
    try:
        opt_meta = d.get("optimizer")
        if not isinstance(opt_meta, dict):
            raise ValueError("no optimizer entry")
        opt, fresh_groups, sched = _fresh_optimizer(project, len(param_shapes))
        groups = untag(opt_meta.get("param_groups"))
        out["param_groups"] = _merge_groups(fresh_groups, groups)
        out["state_layout"] = _state_layout(opt, opt_meta.get("state"), param_shapes)
        out["scheduler"] = _merge_scheduler(sched, untag(d.get("scheduler")))
        out["early_stopping"] = _early_stopping(untag(d.get("early_stopping")))
    except (ValueError, TypeError) as exc:
        raise bad(str(exc)[:200]) from None
    return out


# What training changes in an optimizer's settings, and the range each may hold: the
# learning rate (schedules move it, never above the spec's limit of 100) and the
# momentum one-cycle moves. Everything else (amsgrad, centered, nesterov, eps, weight
# decay, ...) follows from the project, so it is taken from a freshly built optimizer:
# a flipped flag in a file made Continue crash at its first step.
_GROUP_VALUES = {"lr": (0.0, 100.0), "momentum": (0.0, 1.0), "betas": (0.0, 1.0)}
# What a schedule counts; its structure (step size, milestones, total steps, factor,
# mode) comes from the project. Counters are whole numbers, _last_lr learning rates.
_SCHEDULE_COUNTERS = ("last_epoch", "_step_count", "num_bad_epochs", "cooldown_counter")


def _in_range(value: Any, low: float, high: float) -> bool:
    if isinstance(value, tuple | list):
        return all(_in_range(v, low, high) for v in value)
    return is_finite_number(value) and low <= value <= high


def _merge_groups(fresh: list[dict], saved: Any) -> list[dict]:
    """A freshly built optimizer's settings, with the values training changes (the
    learning rate, one-cycle's momentum) restored from the file within their ranges."""
    if not isinstance(saved, list) or len(saved) != len(fresh):
        raise ValueError("optimizer param_groups do not match the project's optimizer")
    merged = []
    for f, s in zip(fresh, saved):
        if not isinstance(s, dict) or s.get("params") != f["params"]:
            raise ValueError("optimizer param_groups do not match the network")
        group = dict(f)
        for key, (low, high) in _GROUP_VALUES.items():
            if key not in f or key not in s:
                continue
            value = s[key]
            if not _same_kind(f[key], value) or not _in_range(value, low, high):
                raise ValueError(
                    f"optimizer setting {key!r} has the wrong kind of value or is out of range"
                )
            group[key] = value
        merged.append(group)
    return merged


def _state_layout(opt, saved: Any, param_shapes: list[tuple]) -> dict[int, dict]:
    """{param index: {state name: expected tensor shape, or ("value", v)}}."""
    if not isinstance(saved, dict):
        raise ValueError("no optimizer state")
    fresh = opt.state_dict()["state"]
    layout: dict[int, dict] = {}
    for key, entry in saved.items():
        if not (key.isascii() and key.isdigit() and int(key) < len(param_shapes)):
            raise ValueError(f"optimizer state for unknown parameter {key[:20]!r}")
        i = int(key)
        if not isinstance(entry, dict):
            raise ValueError(f"optimizer state {i} is not a table")
        if not entry:
            continue
        want = fresh.get(i, {})
        if set(entry) != set(want):
            raise ValueError(f"optimizer state {i} holds {sorted(entry)}, expected {sorted(want)}")
        spec = {}
        for name, kind in entry.items():
            import torch

            if isinstance(want[name], torch.Tensor):
                if kind != "tensor":
                    raise ValueError(f"optimizer state {i}.{name} must be a tensor")
                spec[name] = () if want[name].dim() == 0 else param_shapes[i]
            else:
                value = untag(kind.get("value")) if isinstance(kind, dict) else kind
                if not isinstance(kind, dict) or not _same_kind(want[name], value):
                    raise ValueError(f"optimizer state {i}.{name} has the wrong kind of value")
                spec[name] = ("value", value)
        layout[i] = spec
    return layout


def _merge_scheduler(sched, saved: Any) -> dict | None:
    if sched is None:
        if saved is not None:
            raise ValueError("a schedule state, but the project's schedule is constant")
        return None
    if saved is None:
        return None  # resume restarts the schedule
    if not isinstance(saved, dict):
        raise ValueError("the schedule state is not a table")
    fresh = sched.state_dict()
    merged = {}
    for key in _SCHEDULE_COUNTERS:
        if key in fresh and key in saved:
            value = saved[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < -1:
                raise ValueError(f"schedule counter {key!r} must be a whole number")
            if value > MAX_COUNT:
                raise ValueError(f"schedule counter {key!r} is out of range")
            merged[key] = value
    total = fresh.get("total_steps")
    if isinstance(total, int) and merged.get("last_epoch", 0) > total:
        raise ValueError(
            f"the one-cycle schedule has run {merged['last_epoch']} steps of its {total}"
        )
    if "_last_lr" in fresh and "_last_lr" in saved:
        lrs = saved["_last_lr"]
        if not _same_kind(fresh["_last_lr"], lrs) or not _in_range(lrs, 0.0, 100.0):
            raise ValueError("the schedule's learning rates are out of range")
        merged["_last_lr"] = lrs
    if "best" in fresh and "best" in saved:  # the plateau's best loss so far (may be inf)
        best = saved["best"]
        if not (is_finite_number(best) or (isinstance(best, float) and math.isinf(best))):
            raise ValueError("the plateau schedule's best value is not a number")
        merged["best"] = best
    return merged


def _early_stopping(saved: Any) -> dict | None:
    if saved is None:
        return None
    if not isinstance(saved, dict):
        raise ValueError("the early-stopping state is not a table")
    best, best_epoch, wait = saved.get("best"), saved.get("best_epoch"), saved.get("wait")
    if not (best is None or is_finite_number(best)):
        raise ValueError("early-stopping best value")
    for v in (best_epoch, wait):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise ValueError("early-stopping counters")
    if wait is None or saved.get("best_weights") not in (None, "main", "separate"):
        raise ValueError("early-stopping state")
    return {"best": best, "best_epoch": best_epoch, "wait": wait,
            "best_weights": saved.get("best_weights")}  # fmt: skip


def resume_tensors(meta: dict, model_shapes: dict, param_shapes: list, infos: dict) -> dict:
    expected: dict[str, tuple | None] = {}
    for i, spec in meta["state_layout"].items():
        for name, shape in spec.items():
            if not (isinstance(shape, tuple) and shape and shape[0] == "value"):
                expected[f"optimizer.state.{i}.{name}"] = (shape, "float")
    if meta["last_weights"] == "separate":
        expected.update({"resume.last." + k: v for k, v in model_shapes.items()})
    es = meta["early_stopping"]
    if es is not None and es["best_weights"] == "separate":
        expected.update({"resume.best." + k: v for k, v in model_shapes.items()})
    expected["rng.torch"] = (None, "U8")
    expected["rng.shuffle"] = (None, "U8")
    if meta["rng_cuda"]:
        expected["rng.cuda"] = (None, "U8")
    return expected


def resume_from(p: Path, meta: dict, tensors: dict, model_shapes: dict) -> TrainerState:
    """The TrainerState of a file whose metadata and tensors were checked by resume_meta
    and resume_tensors; early stopping's best weights are the model's own ("main") or
    their own tensors ("separate")."""
    import torch

    for name in ("rng.torch", "rng.shuffle"):
        try:
            torch.Generator().set_state(tensors[name])
        except (RuntimeError, ValueError, TypeError):
            raise fail(p, f"its random-number state {name!r} is damaged") from None
    for name, t in tensors.items():  # moments: finite, and squares never negative
        if name.startswith("optimizer.state."):
            square = name.rsplit(".", 1)[-1] in (
                "exp_avg_sq",
                "max_exp_avg_sq",
                "square_avg",
                "sum",
            )
            if not bool(torch.isfinite(t).all()) or (square and bool((t < 0).any())):
                raise fail(p, f"its training state is damaged (tensor {name!r} is not valid)")
    state: dict[int, dict] = {}
    for i, spec in meta["state_layout"].items():
        state[i] = {
            name: shape[1]
            if isinstance(shape, tuple) and shape and shape[0] == "value"
            else tensors[f"optimizer.state.{i}.{name}"]
            for name, shape in spec.items()
        }
    es = meta["early_stopping"]

    def weights(prefix: str) -> dict:
        return {k: tensors[prefix + k] for k in model_shapes}

    callbacks = {}
    if es is not None:
        where = es["best_weights"]
        best = weights("resume.best.") if where == "separate" else None
        if where == "main":
            best = weights("")
        callbacks["early_stopping"] = {
            "best": es["best"],
            "best_epoch": es["best_epoch"],
            "wait": es["wait"],
            "best_weights": best,
        }
    return TrainerState(
        epoch=meta["epoch"],
        global_step=meta["global_step"],
        stop_reason=meta["stop_reason"],
        best_epoch=meta["best_epoch"],
        restored_epoch=meta["restored_epoch"],
        optimizer={"state": state, "param_groups": meta["param_groups"]},
        scheduler=meta["scheduler"],
        rng_torch=tensors["rng.torch"],
        rng_shuffle=tensors["rng.shuffle"],
        rng_cuda=tensors.get("rng.cuda"),
        last_weights=weights("resume.last.") if meta["last_weights"] == "separate" else None,
        callbacks=callbacks,
    )


def _same_kind(fresh: Any, saved: Any) -> bool:
    """Whether a value read from a file has the shape of the one torch would hold."""
    if isinstance(fresh, bool) or isinstance(saved, bool):
        return isinstance(fresh, bool) and isinstance(saved, bool)
    if is_number(fresh):
        return is_number(saved)
    if fresh is None or isinstance(fresh, str):
        return type(saved) is type(fresh)
    if isinstance(fresh, Counter):
        return isinstance(saved, Counter) and all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, int)
            for k, v in saved.items()
        )
    if isinstance(fresh, list | tuple):
        return (
            type(saved) is type(fresh)
            and len(saved) == len(fresh)
            and all(_same_kind(a, b) for a, b in zip(fresh, saved))
        )
    if isinstance(fresh, dict):
        return (
            isinstance(saved, dict)
            and saved.keys() == fresh.keys()
            and all(_same_kind(fresh[k], saved[k]) for k in fresh)
        )
    return False
