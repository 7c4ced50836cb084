"""A sweep's parameters as the command line writes them, and applying values to a Project.

``train.lr=loguniform:1e-4:1e-1``, ``train.momentum=uniform:0.5:0.99``,
``train.batch_size=int:16:128``, ``model.hidden.0.units=choice:8,16,32``. The field path
is the one ``odyssey train --set`` takes: values reach the project through
``Project.with_overrides``, so a sweep and ``--set`` agree on what a path means and on
every message about a bad value. A parameter is checked against the project before
any trial runs (both ends of a range, every choice, a value in between), so that a
typo fails at once with a message naming the part that is wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop_app.core.errors import SpecError
from desktop_app.core.specs.project import Project

KINDS = ("loguniform", "uniform", "int", "choice")
EXAMPLE = "train.lr=loguniform:1e-4:1e-1"
GRID_POINTS = 5  # values per numeric range in a grid search
INT_GRID_ALL = 10  # an int range with at most this many values is searched whole

Scalar = bool | int | float | str | None


@dataclass(frozen=True)
class ParamSpec:
    """One searched setting: a project field path and where its values come from."""

    path: str
    kind: str  # one of KINDS
    low: float | None = None
    high: float | None = None
    choices: tuple[Scalar, ...] = ()

    @property
    def log(self) -> bool:
        return self.kind == "loguniform"

    @property
    def text(self) -> str:
        """The spec as the command line writes it (what parse_param reads back)."""
        if self.kind == "choice":
            return f"{self.path}=choice:" + ",".join(_choice_text(c) for c in self.choices)
        if self.kind == "int":
            return f"{self.path}=int:{int(self.low)}:{int(self.high)}"
        return f"{self.path}={self.kind}:{self.low:g}:{self.high:g}"

    def grid(self, points: int = GRID_POINTS) -> list[Scalar]:
        """The values a grid search tries: every choice; a range at `points` values
        (evenly spaced, or evenly on a log scale), an int range whole when short."""
        if self.kind == "choice":
            return list(self.choices)
        lo, hi = float(self.low), float(self.high)
        if self.kind == "int":
            if hi - lo + 1 <= max(INT_GRID_ALL, points):
                return list(range(int(lo), int(hi) + 1))
            return sorted({int(round(v)) for v in np.linspace(lo, hi, points)})
        values = np.geomspace(lo, hi, points) if self.log else np.linspace(lo, hi, points)
        return [float(f"{v:.6g}") for v in values]


def _choice_text(value: Scalar) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _number(text: str, where: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SpecError(f"{where}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SpecError(f"{where}: {what} {text!r} must be a finite number")
    return value


def _choice_value(text: str) -> Scalar:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word: relu, adam, cosine
    return value if isinstance(value, bool | int | float | str) or value is None else text


def parse_param(text: str) -> ParamSpec:
    """Read one ``FIELD=KIND:ARGS`` spec; a SpecError names the part that is wrong."""
    where = f"--param {text!r}"
    if "=" not in text:
        raise SpecError(f"{where}: expected FIELD=KIND:..., e.g. {EXAMPLE}")
    path, rule = (part.strip() for part in text.split("=", 1))
    if not path or any(not key for key in path.split(".")):
        raise SpecError(f"{where}: the field path {path!r} is empty or has an empty part")
    kind, _, args = rule.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise SpecError(f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == "choice":
        parts = [p.strip() for p in args.split(",")]
        if not args.strip() or any(not p for p in parts):
            raise SpecError(f"{where}: choice needs values separated by commas, e.g. choice:8,16")
        choices = tuple(_choice_value(p) for p in parts)
        if len(set(map(repr, choices))) != len(choices):
            raise SpecError(f"{where}: a choice is listed twice")
        return ParamSpec(path, kind, choices=choices)
    ends = args.split(":")
    if len(ends) != 2:
        raise SpecError(f"{where}: {kind} needs two ends, e.g. {kind}:{_example_ends(kind)}")
    low = _number(ends[0].strip(), where, "the low end")
    high = _number(ends[1].strip(), where, "the high end")
    if kind == "int" and not (low.is_integer() and high.is_integer()):
        raise SpecError(f"{where}: int takes whole-number ends, e.g. int:{_example_ends(kind)}")
    if low >= high:
        raise SpecError(f"{where}: the low end {low:g} must be below the high end {high:g}")
    if kind == "loguniform" and low <= 0:
        raise SpecError(
            f"{where}: loguniform needs ends above 0 (got {low:g}); use uniform for a range "
            "that reaches 0 or below"
        )
    return ParamSpec(path, kind, low, high)


def _example_ends(kind: str) -> str:
    return {"int": "16:128", "uniform": "0.1:0.9"}.get(kind, "1e-4:1e-1")


def parse_params(texts: list[str], project: Project) -> list[ParamSpec]:
    """Read and check every spec against the project; at least one is needed."""
    if not texts:
        raise SpecError(f"a sweep needs at least one --param, e.g. --param {EXAMPLE}")
    specs = [parse_param(t) for t in texts]
    seen: set[str] = set()
    for spec in specs:
        if spec.path in seen:
            raise SpecError(f"--param {spec.path}: that field is searched twice; give it once")
        seen.add(spec.path)
        check_param(spec, project)
    return specs


def check_param(spec: ParamSpec, project: Project) -> None:
    """Raise a SpecError when a value the spec can produce does not fit the project."""
    where = f"--param {spec.text!r}"
    if spec.kind == "choice":
        probes = [("the choice", c) for c in spec.choices]
    else:
        lo, hi = spec.low, spec.high
        cast = int if spec.kind == "int" else float
        mid = math.sqrt(lo * hi) if spec.log else lo + 0.37 * (hi - lo)
        probes = [("the low end", cast(lo)), ("the high end", cast(hi))]
        if spec.kind != "int":
            probes.append(("a value in between", float(f"{mid:.6g}")))
    for what, value in probes:
        try:
            project.with_overrides([f"{spec.path}={json.dumps(value)}"], option="--param")
        except SpecError as exc:
            reason = str(exc).removeprefix("invalid project: ")
            if " is not a field of the project" in reason:
                raise SpecError(
                    f"{where}: {spec.path!r} is not a field of the project (paths are as "
                    "for --set, e.g. train.lr or model.hidden.0.units)"
                ) from None
            hint = ""
            if spec.kind in ("uniform", "loguniform") and "integer" in reason:
                hint = f"; {spec.path} takes whole numbers, so use int:LOW:HIGH or choice"
            raise SpecError(f"{where}: {what} {value!r} does not fit: {reason}{hint}") from None


def apply_values(project: Project, values: dict[str, Any]) -> Project:
    """The project with each field path set to its value (validated)."""
    return project.with_overrides(
        [f"{path}={json.dumps(value)}" for path, value in values.items()], option="--param"
    )
