"""A repeat group as one row of the runs table: mean ± sd of its members' best validation
value, test metric and time, and the ids of the members whose curves make its band.

The row is a RunSummary (so the table sorts and filters it like any run) with a negative
id, which no stored run has; `cell(column)` is its text for the columns that show a
spread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.core.runs.records import RunSummary
from desktop_app.core.variants.summary import Spread, spread

REPEAT_KINDS = ("repeat", "fold")
GROUP_KIND = {"repeat": "seeds group", "fold": "folds group"}
BEST, TEST, TIME = "Best val (epoch)", "Test", "Time"


@dataclass
class GroupRow(RunSummary):
    """A repeat group's summary row (id < 0)."""

    group_members: list[int] = field(default_factory=list)
    spreads: dict[str, Spread] = field(default_factory=dict)

    def cell(self, column: str) -> str | None:
        """The row's text in one of the spread columns (None for other columns)."""
        s = self.spreads.get(column)
        if s is None:
            return None
        if s.mean is None:
            return "—"
        if column == TIME:
            return f"{s.mean:.1f} ± {s.sd or 0:.1f} s"
        return f"{s.mean:.4f} ± {s.sd or 0:.4f}"


def is_group_row(run: RunSummary) -> bool:
    return isinstance(run, GroupRow)


def group_rows(runs: list[RunSummary]) -> list[GroupRow]:
    """One summary row per repeat group among `runs` (members in the order given)."""
    groups: dict[str, list[RunSummary]] = {}
    for r in runs:
        if r.group_id and r.kind in REPEAT_KINDS and not is_group_row(r):
            groups.setdefault(r.group_id, []).append(r)
    rows = []
    for i, (gid, members) in enumerate(sorted(groups.items())):
        first = members[0]
        done = [m for m in members if m.status == "finished"]
        spreads = {
            BEST: spread(m.best_value for m in done),
            TEST: spread(m.test_value for m in done),
            TIME: spread(m.seconds for m in done),
        }
        base = first.label.split(" [")[0]
        status = "finished" if len(done) == len(members) else f"{len(done)}/{len(members)} done"
        rows.append(
            GroupRow(
                id=-(i + 1),
                name=f"{base} (mean ± sd of {len(done)})",
                kind=GROUP_KIND[first.kind],
                group_id=gid,
                source=first.source,
                status=status,
                project_data=first.project_data,
                data_hash=first.data_hash,
                task=first.task,
                metric_name=first.metric_name,
                best_value=spreads[BEST].mean,
                test_metrics={first.metric_name or "": spreads[TEST].mean},
                seconds=spreads[TIME].mean,
                seed=None,
                note=f"{len(members)} runs of group {gid}",
                created=max(m.created for m in members),
                group_members=[m.id for m in members],
                spreads=spreads,
            )
        )
    return rows


def with_group_rows(runs: list[RunSummary]) -> list[RunSummary]:
    """The runs with their repeat groups' summary rows, each just before its members."""
    rows = {r.group_id: r for r in group_rows(runs)}
    out: list[RunSummary] = []
    placed = set()
    for r in runs:
        gid = r.group_id
        if gid in rows and gid not in placed:
            out.append(rows[gid])
            placed.add(gid)
        out.append(r)
    return out
