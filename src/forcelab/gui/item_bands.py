"""The items of a per-item table as numbered bands on a force plot (a hop series: one band per hop's contact).

A band spans the item's start and end columns (:data:`forcelab.gui.item_tables.SPANS`), carries the item's number
in a label that alternates between two rows (neighbours never overprint), and is amber for the best items (the
five hops of ``rsi_best5_mean``), green for the rest, bright yellow and outlined for the one highlighted. The
review (:mod:`forcelab.gui.review`) links it with the table below the trace both ways.
"""

from __future__ import annotations

import pyqtgraph as pg

from forcelab.analysis.types import Table
from forcelab.gui.item_tables import BEST_COLOUR, SPANS, TableText

BAND_COLOUR = "#22c55e"
SELECTED_COLOUR = "#ffcc00"
#: Where the numbers go (fraction of the plot's height from the bottom), odd and even items apart.
NUMBER_ROWS = (0.9, 0.82)


class ItemBands:
    """The bands of one table on ``plot``; :meth:`show` replaces them, :meth:`clear` removes them."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self.name = ""
        self.best: frozenset[int] = frozenset()
        #: band per row (0-based) of the rows that span a time; their number labels
        self.regions: dict[int, pg.LinearRegionItem] = {}
        self.labels: list[pg.InfiniteLine] = []

    def clear(self) -> None:
        """Take every band and label off the plot."""
        for item in [*self.regions.values(), *self.labels]:
            self._plot.removeItem(item)
        self.name, self.best, self.regions, self.labels = "", frozenset(), {}, []

    def show(self, tables: dict[str, Table], texts: dict[str, TableText]) -> bool:
        """Bands for the first of ``tables`` whose items span the trace (``texts``: how each table reads, for the
        best rows and the tooltips); True when there are any."""
        self.clear()
        for name, table in tables.items():
            span = SPANS.get(name)
            if span is None or not table.rows or name not in texts:
                continue
            text = texts[name]
            self.name, self.best = name, text.best
            for i, row in enumerate(table.rows):
                a, b = row.get(span[0]), row.get(span[1])
                if a is None or b is None or not float(b) > float(a):
                    continue
                self._add(i, float(a), float(b), str(row.get("hop", i + 1)),
                          ", ".join(f"{h} {c}" for h, c in zip(text.heads[1:], text.cells[i][1:], strict=False) if c))
            self.highlight(-1)
            return bool(self.regions)
        return False

    def _add(self, i: int, a: float, b: float, number: str, details: str) -> None:
        region = pg.LinearRegionItem((a, b), movable=False, pen=pg.mkPen(None))
        region.setZValue(-5)
        item = self.name[:-1] if self.name.endswith("s") else self.name
        region.setToolTip(f"{item} {number}: {details}")
        self._plot.addItem(region, ignoreBounds=True)
        best = i in self.best
        label = pg.InfiniteLine(pos=(a + b) / 2, angle=90, movable=False, pen=pg.mkPen(None), label=number,
                                labelOpts={"position": NUMBER_ROWS[i % 2], "color": "#111111" if best else "#e6e6e6",
                                           "fill": BEST_COLOUR if best else "#1b1e24cc"})
        self._plot.addItem(label, ignoreBounds=True)
        self.regions[i] = region
        self.labels.append(label)

    def highlight(self, row: int) -> None:
        """Band ``row`` (0-based; -1: none) bright and outlined, the others as they are (best amber, rest green)."""
        for i, region in self.regions.items():
            colour = SELECTED_COLOUR if i == row else (BEST_COLOUR if i in self.best else BAND_COLOUR)
            c = pg.mkColor(colour)
            c.setAlpha(110 if i == row else (70 if i in self.best else 40))
            region.setBrush(pg.mkBrush(c))
            for line in region.lines:
                line.setPen(pg.mkPen(SELECTED_COLOUR, width=2) if i == row else pg.mkPen(None))
            region.update()

    def highlighted(self) -> int | None:
        """The row whose band is highlighted, or None."""
        selected = pg.mkColor(SELECTED_COLOUR).name()
        return next((i for i, r in self.regions.items() if r.brush.color().name() == selected), None)

    def row_at(self, x: float) -> int | None:
        """The row whose band holds time ``x`` (s), or None."""
        for i, region in self.regions.items():
            lo, hi = region.getRegion()
            if lo <= x <= hi:
                return i
        return None
