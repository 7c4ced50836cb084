"""Atomic writes: the one way every Odyssey file reaches the disk.

A model, project or export is written to a temporary file in the target's folder,
flushed to disk, then moved over the target with os.replace, so a crash or a full disk
leaves the previous file whole. The new file gets the permissions a plain write would
give it: an overwritten file's own mode, else the usual 0666 less the umask (mkstemp's
0600 would hide every saved model and project from the user's group). Kept apart
because the GUI and the exporters use it for files that are not model files at all.

No litter: the temporary file is removed on any exception (Ctrl+C and, through
cli.signals, SIGTERM included), and the folder is fsynced after the rename. A save
killed outright (kill -9, a power cut) leaves its temporary file behind; such files
are recognised by their name (``.NAME.XXXXXXXX.odyssey.tmp``, and the older
``.NAME.XXXXXXXX.tmp`` next to a model or project) and removed at the next save in
that folder, unless a live save still holds its lock on them (posix), or, where files
cannot be locked, unless they are younger than an hour.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
import time
from pathlib import Path

from desktop_app.core.errors import OdysseyError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

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


SUFFIX = ".odyssey.tmp"
_OURS = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.odyssey\.tmp$")
_OLDER = re.compile(r"^\..+\.(safetensors|json)\.[A-Za-z0-9_]{8}\.tmp$")
STALE_SECONDS = 3600  # where a live save's lock cannot be seen
FRESH_SECONDS = 10  # between mkstemp and its lock, a live save's file looks unlocked


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_temporaries(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=SUFFIX, dir=folder)
    except OSError as exc:
        raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # this save is alive
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if os.name == "posix":
            os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException as exc:  # Ctrl+C, SIGTERM (as SystemExit), a full disk
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OdysseyError(f"cannot write {path}: {exc.strerror}") from None
        raise
    _fsync_folder(folder)


def remove_stale_temporaries(folder: Path) -> list[str]:
    """Remove the temporary files saves in `folder` left behind when they were killed;
    returns their names."""
    removed = []
    try:
        names = [n for n in os.listdir(folder) if _OURS.match(n) or _OLDER.match(n)]
    except OSError:
        return removed
    for name in names:
        tmp = folder / name
        try:
            if _in_use(tmp):
                continue
            os.unlink(tmp)
            removed.append(name)
        except OSError:
            continue
    return removed


def _in_use(tmp: Path) -> bool:
    """Whether a live save may still write `tmp`: it holds an exclusive lock on it, or
    it is so young that its save may not have taken the lock yet."""
    age = time.time() - os.stat(tmp).st_mtime
    if fcntl is None or age < FRESH_SECONDS:
        return age < (STALE_SECONDS if fcntl is None else FRESH_SECONDS)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (posix; Windows cannot open a folder)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
