"""Values typed into input cells, placed while the sheets are laid out (``kpixl update``).

An update carries what a user entered (actuals, overrides, the as-of month, and frozen months
where a later change adds them) into a freshly laid-out workbook. The month grids are streamed
to the file a block of rows at a time (:class:`~kpixl.layout.core.SheetSink`), so the carried
values cannot be patched in afterwards: :class:`Placer` sits between the sheet builders and the
writer and puts each defined name's values into its cells just before the rows holding them
are handed on. Names on the other sheets are placed by :meth:`Placer.place_rest` once every
sheet is laid out. A value keeps the cell's style (an input style), so only the value changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpixl.layout.contract import parse_range
from kpixl.layout.core import Sheet, SheetSink

__all__ = ["Entries", "Notes", "Placer"]

Entries = Mapping[str, Sequence[Any]]
"""Defined name -> one value per cell of it, left to right then down (None: leave blank)."""


@dataclass(kw_only=True)
class Notes:
    """Cells a person typed on the streamed month grids (``kpixl update``): sheet -> (row, col)
    -> value. Each is put as text where the new layout has no cell, as its rows stream by;
    ``clashed`` collects those whose cell kpixl now uses (sheet, row, col, value)."""

    cells: dict[str, dict[tuple[int, int], Any]]
    placed: dict[str, int] = field(default_factory=dict)
    clashed: list[tuple[str, int, int, Any]] = field(default_factory=list)

    def place(self, sheet: Sheet, below: int) -> None:
        mine = self.cells.get(sheet.name)
        for r, c in [rc for rc in (mine or {}) if rc[0] < below]:
            v = mine.pop((r, c))  # type: ignore[union-attr]
            if (r, c) in sheet.cells:
                self.clashed.append((sheet.name, r, c, v))
            else:
                sheet.put(r, c, v, "text")
                self.placed[sheet.name] = self.placed.get(sheet.name, 0) + 1


class Placer:
    """A :class:`~kpixl.layout.core.SheetSink` that places ``entries`` into the cells of their
    defined names (``names``: the layout's, filled in as the builders name cells), then hands
    the rows on to ``sink`` (None: nothing streams, everything is placed at the end)."""

    def __init__(self, entries: Entries, names: Mapping[str, str],
                 sink: SheetSink | None, notes: Notes | None = None) -> None:
        self.pending = {k: v for k, v in entries.items() if any(x is not None for x in v)}
        self.names, self.sink, self.notes = names, sink, notes

    def _place(self, sheet: Sheet, below: int) -> None:
        if self.notes is not None:
            self.notes.place(sheet, below)
        for name in list(self.pending):
            ref = self.names.get(name)
            if ref is None:
                continue
            where, r0, c0, r1, c1 = parse_range(ref)
            if where != sheet.name or r1 >= below:
                continue
            values = self.pending.pop(name)
            cells = [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
            if len(values) != len(cells):
                raise ValueError(f"{name}: {len(values)} values for {len(cells)} cells")
            for (r, c), v in zip(cells, values, strict=True):
                if v is not None:
                    old = sheet.cells.get((r, c))
                    sheet.put(r, c, v, old.style if old else "input")

    def rows(self, sheet: Sheet, below: int) -> None:
        self._place(sheet, below)
        if self.sink is not None:
            self.sink.rows(sheet, below)

    def done(self, sheet: Sheet) -> None:
        self._place(sheet, 1 << 30)
        if self.sink is not None:
            self.sink.done(sheet)

    def place_rest(self, sheets: Sequence[Sheet]) -> None:
        """Place the names of the sheets that were not streamed; every name must be placed."""
        for sheet in sheets:
            self._place(sheet, 1 << 30)
        if self.pending:
            raise ValueError(f"no cells for {', '.join(sorted(self.pending))}")
