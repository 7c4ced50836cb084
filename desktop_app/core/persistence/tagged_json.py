"""Strict JSON for model-file metadata, keeping what plain JSON would lose.

Optimizer and scheduler state holds tuples, non-finite floats, Counters and dicts with
non-text keys; ``tag`` turns those into tagged JSON objects and ``untag`` reads them
back, refusing unknown tags and runaway nesting (the file is untrusted). ``dumps``
writes the plain sections, with non-finite numbers as null.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any


def dumps(obj: Any) -> str:
    return json.dumps(_finite_or_none(obj), allow_nan=False, separators=(",", ":"))


def _finite_or_none(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite_or_none(v) for v in obj]
    return obj


_TAGS = ("$float", "$tuple", "$counter", "$items")


def tag(obj: Any) -> Any:
    """Python values torch keeps in optimizer and scheduler state -> strict JSON, keeping
    what plain JSON loses: tuples, non-finite floats, Counters and non-text keys."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"$float": repr(float(obj))}
    if isinstance(obj, Counter):
        return {"$counter": [[tag(k), tag(v)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"$tuple": [tag(v) for v in obj]}
    if isinstance(obj, list):
        return [tag(v) for v in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: tag(v) for k, v in obj.items()}
        return {"$items": [[tag(k), tag(v)] for k, v in obj.items()]}
    raise TypeError(f"cannot store a {type(obj).__name__} in a model file")


def untag(obj: Any, depth: int = 0) -> Any:
    if depth > 50:
        raise ValueError("nested too deeply")
    if isinstance(obj, list):
        return [untag(v, depth + 1) for v in obj]
    if not isinstance(obj, dict):
        return obj
    tags = [k for k in obj if k.startswith("$")]
    if not tags:
        return {k: untag(v, depth + 1) for k, v in obj.items()}
    if len(obj) != 1 or tags[0] not in _TAGS:
        raise ValueError(f"unknown tag {tags[0][:20]!r}")
    tag, value = tags[0], obj[tags[0]]
    if tag == "$float":
        if value not in ("inf", "-inf", "nan"):
            raise ValueError("bad $float")
        return float(value)
    if not isinstance(value, list):
        raise ValueError(f"bad {tag}")
    if tag == "$tuple":
        return tuple(untag(v, depth + 1) for v in value)
    pairs = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"bad {tag}")
        k = untag(pair[0], depth + 1)
        if not isinstance(k, str | int | float | tuple | type(None)) or (
            isinstance(k, tuple) and not all(isinstance(x, str | int | float) for x in k)
        ):
            raise ValueError(f"bad {tag} key")
        pairs.append((k, untag(pair[1], depth + 1)))
    return Counter(dict(pairs)) if tag == "$counter" else dict(pairs)
