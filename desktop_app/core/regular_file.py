"""Open a file only if it is a regular file, and read it within a size budget.

A FIFO given as a model or project file blocks the first read forever (the window's
Load model hung, and the process never exited); /dev/zero never ends. So a file is
opened without blocking, checked with fstat on the open descriptor (no race with a
rename between the check and the read), and refused unless it is a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotARegularFile(OSError):
    """The path names a pipe, device or socket, not a file on disk."""


def open_regular(path: str | Path) -> BinaryIO:
    """A binary file object for `path`; OSError (NotARegularFile for a pipe, device or
    socket; IsADirectoryError for a folder) otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(os.fspath(path), flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise NotARegularFile(
                errno.EINVAL,
                "it is not a regular file (a pipe, device or socket); give a file on disk",
                str(path),
            )
        if flags & getattr(os, "O_NONBLOCK", 0) and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int) -> bytes | None:
    """The bytes of a regular file, or None when it holds more than `limit` bytes
    (checked before reading, and again while reading a file that grows)."""
    with open_regular(path) as f:
        if os.fstat(f.fileno()).st_size > limit:
            return None
        data = f.read(limit + 1)
    return None if len(data) > limit else data
