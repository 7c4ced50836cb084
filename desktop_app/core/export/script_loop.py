"""The option-dependent lines of a generated script's training loop: L1 penalty,
gradient clipping, the schedule's step, early stopping with best weights and the other
stopping criteria, in the order Odyssey's engine and callbacks apply them (the step
criteria every 32 steps and at an epoch's end, then the epoch criteria, then early
stopping, whose reason wins when both stop the same epoch)."""

from __future__ import annotations

from string import Template

from desktop_app.core.export import script_parts as parts
from desktop_app.core.specs.train import TrainSpec


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def loop_parts(t: TrainSpec) -> dict[str, str]:
    out = dict.fromkeys(
        ("early_init", "l1", "clip", "step_check", "tail_check", "epoch_check", "restore"), ""
    )
    if t.l1:
        out["l1"] = _indent(
            f"loss = loss + {t.l1!r} * sum(w.abs().sum() for w in weights)  # L1 penalty", 12
        )
    if t.grad_clip:
        out["clip"] = _indent(f"nn.utils.clip_grad_norm_(params, {t.grad_clip!r})", 12)
    step_rules = []
    if t.max_seconds is not None:
        step_rules.append(
            f"if not stop and time.perf_counter() - started >= {t.max_seconds!r}:\n"
            '    stop, stop_reason = True, "time_budget"'
        )
    if t.min_grad_norm is not None:
        step_rules.append(
            f"if not stop and grad_norm(params) < {t.min_grad_norm!r}:\n"
            '    stop, stop_reason = True, "min_grad_norm"'
        )
    if step_rules:
        rules = "\n".join(step_rules)
        out["step_check"] = _indent("if in_epoch % BLOCK == 0:\n" + _indent(rules, 4), 12)
        out["tail_check"] = _indent(
            "if in_epoch % BLOCK:  # the epoch's last, partial block\n" + _indent(rules, 4), 8
        )
    if t.schedule == "constant":
        out["schedule_step"] = ""
    elif t.schedule == "onecycle":
        out["schedule_step"] = ""  # stepped after every optimizer step
    elif t.schedule == "plateau":
        out["schedule_step"] = _indent(
            'schedule.step(logs["val_loss"] if logs["val_loss"] is not None '
            'else logs["train_loss"])',
            8,
        )
    else:
        out["schedule_step"] = _indent("schedule.step()", 8)
    epoch_rules = []
    goals = (
        ("train_loss", "<=", t.train_loss_goal, "train_loss_goal"),
        ("val_loss", "<=", t.val_loss_goal, "val_loss_goal"),
        ("val_metric", ">=", t.val_metric_goal, "val_metric_goal"),
    )
    for key, op, goal, reason in goals:
        if goal is not None:
            epoch_rules.append(
                f'if not stop and logs["{key}"] is not None and logs["{key}"] {op} {goal!r}:\n'
                f'    stop, stop_reason = True, "{reason}"'
            )
    if t.max_seconds is not None:
        epoch_rules.append(
            f"if not stop and time.perf_counter() - started >= {t.max_seconds!r}:\n"
            '    stop, stop_reason = True, "time_budget"'
        )
    if t.early_stopping:
        better, sign = ("<", "-") if t.monitor == "val_loss" else (">", "+")
        values = {
            "monitor": t.monitor,
            "patience": t.patience,
            "min_delta": repr(t.min_delta),
            "better": better,
            "sign": sign,
            "restore_best": repr(t.restore_best),
        }
        out["early_init"] = Template(parts.EARLY_INIT).substitute(values)
        epoch_rules.append(Template(parts.EARLY_CHECK).substitute(values))
        out["restore"] = Template(parts.RESTORE).substitute(values)
    out["epoch_check"] = "\n".join(
        r if r.startswith("        ") else _indent(r, 8) for r in epoch_rules
    )
    return out
