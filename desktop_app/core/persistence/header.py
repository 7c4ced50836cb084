"""The first thing read from a model file: its safetensors header and format version.

A model file is untrusted. Before any tensor is read or any network built, the raw
header is bounded, parsed as strict JSON and checked for consistency (dtypes, shapes,
offsets that tile the data exactly), and the metadata's format and version are checked
and migrated. Everything later (checks, resume_state, model_file) starts from what this
module has already vouched for.

The format constants are read from the package (``persistence.MODEL_FORMAT_VERSION``)
when these functions run, so there is one place to change them.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from desktop_app.core import persistence
from desktop_app.core.errors import FileFormatError
from desktop_app.core.printable import quoted
from desktop_app.core.regular_file import NotARegularFile, open_regular

MAX_HEADER_BYTES = 100_000_000  # the limit the safetensors library itself enforces

_DTYPE_BYTES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
    "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip

_SECTIONS = ("project", "preprocessing", "history", "test_metrics")
# A project file may hold at most 10 MB; so may the project inside a model file (one of
# 1.5 million layers took a second and 330 MB just to parse before it was refused).
MAX_SECTION_CHARS = {"project": 10_000_000, "history": 100_000, "test_metrics": 1_000_000}


def migrate(sections: dict, version: int) -> dict:
    """Bring metadata sections written by format `version` up to the current format."""
    for v in range(version, persistence.MODEL_FORMAT_VERSION):
        sections = persistence.MIGRATIONS[v](sections)
    return sections


def fail(path: Path, problem: str) -> FileFormatError:
    return FileFormatError(f"cannot open model file {path}: {problem}")


def read_header(p: Path) -> tuple[dict, dict, int]:
    """Tensor entries, metadata and file size, checked before anything is parsed further."""
    try:
        with open_regular(p) as f:  # a FIFO would block here forever
            size = os.fstat(f.fileno()).st_size
            first = f.read(8)
            if size == 0:
                raise fail(p, "the file is empty")
            if len(first) < 8:
                raise fail(
                    p, f"the file is only {size} bytes long (truncated, or not a model file)"
                )
            n = int.from_bytes(first, "little")
            if n > MAX_HEADER_BYTES:
                raise fail(
                    p,
                    f"its header claims {n:,} bytes, over the {MAX_HEADER_BYTES:,}-byte limit "
                    "(the file is damaged or not a safetensors model file)",
                )
            if 8 + n > size:
                raise fail(
                    p,
                    f"the file is truncated or not a model file: its header needs {n:,} bytes "
                    f"but only {size - 8:,} follow",
                )
            raw = f.read(n)
    except FileNotFoundError:
        raise fail(p, "the file does not exist") from None
    except IsADirectoryError:
        raise fail(p, "it is a folder, not a model file") from None
    except NotARegularFile as exc:
        raise fail(p, exc.strerror) from None
    except OSError as exc:
        raise fail(p, f"it cannot be read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL byte in the path
        raise fail(p, "that is not a usable file name") from None
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise fail(p, "it is not a safetensors model file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise fail(p, "it is not a safetensors model file (its header is not a JSON object)")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise fail(p, "its metadata is not a table of text values")
    infos = {}
    spans = []
    for name, info in header.items():
        shape = info.get("shape") if isinstance(info, dict) else None
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if (
            not isinstance(dtype, str)  # a list would be unhashable below
            or dtype not in _DTYPE_BYTES
            or not _int_list(shape)
            or not _int_list(offsets)
            or len(offsets) != 2
            or offsets[0] > offsets[1]
        ):
            raise fail(p, f"the header entry for tensor {quoted(name)} is damaged")
        if math.prod(shape) * _DTYPE_BYTES[dtype] != offsets[1] - offsets[0]:
            raise fail(p, f"tensor {quoted(name)}: its size does not match its shape")
        infos[name] = (tuple(shape), dtype)
        spans.append(tuple(offsets))
    spans.sort()
    data_len = size - 8 - n
    end = 0
    for a, b in spans:
        if a != end:
            raise fail(p, "the tensor data is damaged (tensors overlap or leave gaps)")
        end = b
    if end > data_len:
        raise fail(
            p, f"the file is truncated: the tensors need {end:,} bytes, it holds {data_len:,}"
        )
    if end < data_len:
        raise fail(p, f"{data_len - end:,} unexpected bytes follow the tensor data")
    return infos, metadata, size


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _int_list(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v
    )


def read_sections(p: Path, metadata: dict[str, str]) -> dict:
    name, current = persistence.MODEL_FORMAT, persistence.MODEL_FORMAT_VERSION
    fmt = metadata.get("format")
    if fmt is None:
        raise fail(
            p,
            "it holds no Odyssey metadata (a safetensors file from another program, "
            "not an Odyssey model)",
        )
    if fmt != name:
        raise fail(p, f"it is a {fmt[:60]!r} file, not an Odyssey model ({name!r})")
    raw = metadata.get("format_version", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise fail(p, f"its format_version {raw[:20]!r} is not a version number")
    version = int(raw)
    if version > current:
        app = metadata.get("app_version", "?")[:40]
        raise fail(
            p,
            f"it was written by a newer Odyssey ({app}, model format {version}); this "
            f"version reads model formats up to {current}: update Odyssey to open it",
        )
    if version < 1 or (version < current and version not in persistence.MIGRATIONS):
        raise fail(p, f"model format {version} is not one Odyssey ever wrote")
    sections = {}
    for key in (*_SECTIONS, "resume", "replay"):
        if key not in metadata:
            if key in ("resume", "replay"):  # optional (replay: since Odyssey 0.11)
                continue
            raise fail(p, f"its metadata has no {key!r} entry")
        if len(metadata[key]) > MAX_SECTION_CHARS.get(key, MAX_HEADER_BYTES):
            raise fail(p, f"its {key!r} metadata is too large (a damaged or hostile file)")
        try:
            value = json.loads(metadata[key], parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise fail(p, f"its {key!r} metadata is not valid JSON") from None
        if not isinstance(value, dict):
            raise fail(p, f"its {key!r} metadata is not a JSON object")
        sections[key] = value
    try:
        return migrate(sections, version)
    except (KeyError, TypeError, ValueError) as exc:
        raise fail(p, f"cannot upgrade model format {version}: {exc}") from None
