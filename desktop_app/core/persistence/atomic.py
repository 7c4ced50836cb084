"""Atomic writes: the one way every Odyssey file reaches the disk.

A model, project or export is written to a temporary file in the target's folder,
flushed to disk, then moved over the target with os.replace, so a crash or a full disk
leaves the previous file whole. The new file gets the permissions a plain write would
give it: an overwritten file's own mode, else the usual 0666 less the umask (mkstemp's
0600 would hide every saved model and project from the user's group). Kept apart
because the GUI and the exporters use it for files that are not model files at all.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

from desktop_app.core.errors import OdysseyError

_UMASK_LOCK = threading.Lock()


def _current_umask() -> int:
    """The process's umask: Linux shows it; elsewhere Python can only read it by setting
    it, so swap it briefly (under a lock)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)  # an overwritten file keeps its mode
    except OSError:
        return 0o666 & ~_current_umask()


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
        if os.name == "posix":
            os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
