"""Atomic writes: the one way every Odyssey file reaches the disk.

A model, project or export is written to a temporary file in the target's folder,
flushed to disk, then moved over the target with os.replace, so a crash or a full disk
leaves the previous file whole. Kept apart because the GUI and the exporters use it for
files that are not model files at all.
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
