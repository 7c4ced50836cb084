"""Comparing runs: each run's settings as flat `path = value` pairs, the ones that differ
between the runs shown, short column names for them, and curve labels that say what
differs ("run 12 · lr=0.01"). Plain Python, for the runs panel and `odyssey runs`.
"""

from __future__ import annotations

from typing import Any

# Settings no comparison needs: bookkeeping, or named by the run itself.
SKIPPED = ("format_version", "name", "data.table.sha256", "data.table.n_rows")
MISSING = None  # a setting one run has and another lacks (fewer layers)


def flatten_settings(project_data: dict) -> dict[str, Any]:
    """{"train.lr": 0.01, "model.hidden.0.units": 10, ...} from a project's JSON data."""
    out: dict[str, Any] = {}
    stack: list[tuple[str, dict]] = [("", project_data)]
    while stack:
        prefix, d = stack.pop()
        for k, v in d.items():
            path = f"{prefix}{k}"
            if isinstance(v, dict):
                stack.append((path + ".", v))
            elif isinstance(v, list):
                if v and isinstance(v[0], dict):
                    for i in range(len(v) - 1, -1, -1):
                        stack.append((f"{path}.{i}.", v[i]))
                elif path not in SKIPPED:
                    out[path] = ", ".join(str(x) for x in v)
            elif path not in SKIPPED:
                out[path] = v
    return out


def all_keys(settings: list[dict[str, Any]]) -> list[str]:
    """Every setting path, in the order projects list them (first seen first)."""
    seen: dict[str, None] = {}
    for s in settings:
        if len(s) != len(seen) or any(k not in seen for k in s):
            for k in s:
                seen.setdefault(k, None)
    return sorted(seen, key=_order(seen))


def differing_keys(settings: list[dict[str, Any]]) -> list[str]:
    """The setting paths whose values are not the same in every run (a path one run
    lacks differs too), in the order projects list them.

    One set operation per run (its pairs against the first run's): a few microseconds
    each, so 1,000 runs cost a few milliseconds."""
    if len(settings) < 2:
        return []
    first = settings[0]
    base = set(first.items())
    differ: set[str] = set()
    seen: dict[str, None] = dict.fromkeys(first)
    for s in settings[1:]:
        if s is first:
            continue
        for k, _ in s.items() ^ base:
            differ.add(k)
            if k not in seen:
                seen[k] = None
    return sorted(differ, key=_order(seen))


_ABSENT = object()


def _order(seen: dict[str, None]):
    """Sort key: data, then model, then training settings, each as projects list them."""
    rank = {k: i for i, k in enumerate(seen)}
    sections = {"data": 0, "model": 1, "train": 2}
    return lambda k: (sections.get(k.split(".", 1)[0], 3), rank[k])


def short_names(keys: list[str]) -> dict[str, str]:
    """A column heading per path: its last part ("lr"), longer only where two would read
    alike ("hidden.0.units" beside "hidden.1.units")."""
    names: dict[str, str] = {}
    parts = {k: k.split(".") for k in keys}
    depth = dict.fromkeys(keys, 1)
    while True:
        for k in keys:
            names[k] = ".".join(parts[k][-depth[k] :])
        clashes: dict[str, list[str]] = {}
        for k, n in names.items():
            clashes.setdefault(n, []).append(k)
        grown = False
        for group in clashes.values():
            if len(group) > 1:
                for k in group:
                    if depth[k] < len(parts[k]):
                        depth[k] += 1
                        grown = True
        if not grown:
            return names


def format_value(value: Any) -> str:
    if value is MISSING:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def curve_label(label: str, settings: dict[str, Any], keys: list[str], limit: int = 3) -> str:
    """A legend entry: the run's name and what differs, e.g. "run 12 · lr=0.01" (a part
    the name already says, as a race's "lr=0.03" does, is not said twice)."""
    names = short_names(keys)
    said = set(label.split(" · "))
    bits = [f"{names[k]}={format_value(settings.get(k, MISSING))}" for k in keys]
    bits = [b for b in bits if b not in said]
    shown = bits[:limit] + (["…"] if len(bits) > limit else [])
    return " · ".join([label, *shown]) if shown else label
