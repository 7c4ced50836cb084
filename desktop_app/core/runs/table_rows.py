"""The runs table's rows worked out ahead: each run's settings flattened and the words
the text filter matches. Plain Python, so that the GUI's loading job prepares them off
the GUI thread and the table model only takes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_app.core.runs.compare import MISSING, differing_keys, flatten_settings, format_value
from desktop_app.core.runs.records import RunSummary


@dataclass
class PreparedRuns:
    """Runs with their flattened settings and search text: worked out off the GUI thread
    (prepare_runs in the loading job), then handed to the model as they are."""

    runs: list[RunSummary]
    settings: list[dict[str, Any]]
    search: list[str]  # per run: its own words and the settings that differ
    common: str  # the settings every run shares, as `lr=0.01` words
    varying: list[str]  # the setting paths that differ between the runs


def prepare_runs(runs: list[RunSummary]) -> PreparedRuns:
    """Flatten each run's settings and build what the text filter matches. A setting the
    runs share is written once (`common`), not a thousand times."""
    settings = [flatten_settings(r.project_data) for r in runs]
    varying = differing_keys(settings)
    common = " ".join(setting_words(settings[0], None, set(varying))) if settings else ""
    search = [search_text(r, s, varying) for r, s in zip(runs, settings)]
    return PreparedRuns(list(runs), settings, search, common.lower(), varying)


def setting_words(s: dict, keys: list[str] | None, skip: set[str] = frozenset()) -> list[str]:
    chosen = s if keys is None else {k: s.get(k, MISSING) for k in keys}
    return [f"{k.rsplit('.', 1)[-1]}={format_value(v)}" for k, v in chosen.items() if k not in skip]


def search_text(r: RunSummary, s: dict, varying: list[str]) -> str:
    """What the filter matches in one run: id, name, kind, status, note, group, and its
    values of the settings that differ (`lr=0.01`)."""
    bits = [str(r.id), r.label, r.kind, r.status, r.note, r.group_id or ""]
    return " ".join(bits + setting_words(s, varying)).lower()
