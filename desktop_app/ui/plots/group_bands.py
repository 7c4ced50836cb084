"""Bands of repeat groups on the runs panel's curves: for each ticked group, the mean of
its members' validation loss (and metric) per epoch as a line and mean ± sd as a shaded
band (pyqtgraph FillBetweenItem), named in the curves' legend by the group's row.

It draws on the plots of a RunCurves widget (ui/plots/run_curves.py) and keeps its own
items, so the runs' own curves and these bands come and go independently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desktop_app.core.runs.records import RunRecord
from desktop_app.core.variants.summary import curve_band
from desktop_app.ui.plots.run_curves import PALETTE, RunCurves

if TYPE_CHECKING:  # pyqtgraph is imported when a plot is made, after the first paint
    import pyqtgraph as pg

BAND_ALPHA = 60  # of 255: the band shades, the runs' curves stay readable through it


class GroupBands:
    """Mean lines and mean ± sd bands of groups, on a RunCurves' two plots."""

    def __init__(self, curves: RunCurves):
        self.curves = curves
        self._items: dict[int, list[tuple[pg.PlotWidget, object]]] = {}
        self.labels: dict[int, str] = {}
        self._records: dict[int, RunRecord] = {}  # members read so far
        self.members: dict[int, list[int]] = {}  # group row id -> its runs' ids

    def note_groups(self, runs) -> None:
        """Remember which runs each repeat group's row stands for (runs: what the table
        is given: a list of RunSummary or a PreparedRuns)."""
        from desktop_app.core.variants.groups import is_group_row

        rows = getattr(runs, "runs", runs)
        self.members = {r.id: list(r.group_members) for r in rows if is_group_row(r)}

    def expand(self, ids: list[int]) -> list[int]:
        """`ids` with each group row's id replaced by its members' (what deleting the
        group's row deletes)."""
        out: list[int] = []
        for run_id in ids:
            for i in self.members.get(run_id, [run_id] if run_id >= 0 else []):
                if i not in out:
                    out.append(i)
        return out

    @property
    def shown(self) -> list[int]:
        return list(self._items)

    def set_groups(self, groups: list[tuple[int, str, list[RunRecord]]]) -> None:
        """Show exactly these groups: (row id, legend name, member records)."""
        wanted = {g[0] for g in groups}
        for key in [k for k in self._items if k not in wanted]:
            self._remove(key)
        for slot, (key, label, records) in enumerate(groups):
            if key in self._items and self.labels.get(key) == label:
                continue
            self._remove(key)
            self._add(key, label, records, PALETTE[-1 - slot % len(PALETTE)])
        if groups:
            self.curves.hint.setVisible(False)

    def band_data(self, key: int, which: str = "loss") -> tuple[np.ndarray, ...] | None:
        """(epochs, lower, mean, upper) of a shown group's band (for tests and export)."""
        import pyqtgraph as pg

        for plot, item in self._items.get(key, []):
            wanted = self.curves.loss if which == "loss" else self.curves.metric
            if plot is wanted and isinstance(item, pg.FillBetweenItem):
                lo, hi = item.curves
                x, lower = lo.getData()
                _, upper = hi.getData()
                return x, lower, (lower + upper) / 2, upper
        return None

    def _add(self, key: int, label: str, records: list[RunRecord], colour: str) -> None:
        import pyqtgraph as pg

        epochs = [r.epochs for r in records]
        items: list[tuple[pg.PlotWidget, object]] = []
        fill = QColor(colour)
        fill.setAlpha(BAND_ALPHA)
        for plot, value in ((self.curves.loss, "val_loss"), (self.curves.metric, "val_metric")):
            band = curve_band(epochs, value)
            if len(band.epochs) == 0:
                continue
            x = band.epochs.astype(float)
            edge = pg.mkPen(colour, width=0.5, style=Qt.PenStyle.DotLine)
            lower = pg.PlotDataItem(x, band.mean - band.sd, pen=edge)
            upper = pg.PlotDataItem(x, band.mean + band.sd, pen=edge)
            shade = pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(fill))
            mean = plot.plot(x, band.mean, pen=pg.mkPen(colour, width=3))
            mean.setObjectName("groupMean")
            for item in (lower, upper, shade):
                plot.addItem(item)
            items += [(plot, mean), (plot, lower), (plot, upper), (plot, shade)]
        self._items[key] = items
        self.labels[key] = label
        if items:
            self.curves.legend.put(("group", key), colour, f"{label} (mean ± sd)", bold=True)

    def _remove(self, key: int) -> None:
        for plot, item in self._items.pop(key, []):
            plot.getPlotItem().removeItem(item)
        self.labels.pop(key, None)
        self.curves.legend.drop(("group", key))

    def show(self, model, ids: list[int], store) -> list[int]:
        """Draw the bands of the group rows among the ticked `ids` (ids < 0, rows of the
        runs table `model`), reading members through `store()`; returns the other ids."""
        from desktop_app.core.errors import OdysseyError
        from desktop_app.core.variants.groups import is_group_row

        groups, rest = [], []
        for run_id in ids:
            row = model.row_of(run_id) if run_id < 0 else None
            group = model.run_at(row) if row is not None else None
            if group is None or not is_group_row(group):
                rest.append(run_id)
                continue
            records = []
            for member in group.group_members:
                rec = self._records.get(member)
                if rec is None:
                    try:
                        rec = self._records[member] = store().get_run(member)
                    except OdysseyError:
                        continue
                records.append(rec)
            groups.append((run_id, group.label, records))
        self.set_groups(groups)
        return rest
