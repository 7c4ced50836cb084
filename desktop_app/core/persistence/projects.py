"""Project files: the user's choices as JSON, or the project embedded in a model file.

Small on its own, but it is the one entry point for "open a project" whatever file the
user picked, so the model-file branch reuses the header checks rather than a second
reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import FileFormatError, SpecError
from desktop_app.core.persistence.atomic import write_text_atomic
from desktop_app.core.persistence.checks import project_from
from desktop_app.core.persistence.header import read_header, read_sections

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.core.specs.project import Project


def save_project(project: Project, path: str | Path) -> None:
    """Write project as JSON (atomic); an imported table's path is stored relative to
    the project file's folder where possible, so project and data can move together."""
    write_text_atomic(path, project.to_json(path))


def load_project(path: str | Path) -> Project:
    """The project in a project file, or the one embedded in a .safetensors model file."""
    from desktop_app.core.specs.project import Project

    p = Path(path)
    if p.suffix.lower() == ".safetensors":
        _, metadata, _ = read_header(p)
        return project_from(p, read_sections(p, metadata))
    try:
        return Project.load(p)
    except SpecError as exc:
        raise FileFormatError(str(exc)) from None
