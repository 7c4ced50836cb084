"""The project a command works on: a project file or the default, with `--set` overrides
and `--device` applied (train, lr-find, sweep and the repeat/fold variants share it)."""

from __future__ import annotations


def load_project(path: str | None, overrides: list[str], device: str | None):
    from desktop_app.core.specs.project import Project

    project = Project.load(path) if path else Project()
    if device:
        overrides = [*overrides, f"train.device={device}"]
    if overrides:
        project = project.with_overrides(overrides)
    return project
