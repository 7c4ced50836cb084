"""Files users keep: projects (JSON) and, later, models (safetensors). Writes are atomic.

A crash or a full disk during a save must leave the previous file intact, so every
write goes to a temporary file in the same folder, is flushed to disk, then replaces
the target with os.replace (atomic on POSIX and Windows).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from desktop_app.core.errors import OdysseyError


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def save_project(project, path: str | Path) -> None:
    write_text_atomic(path, project.to_json())
