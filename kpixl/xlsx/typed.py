"""Cells a person typed on kpixl's own sheets: what the reader does not carry by name.

The reader (:mod:`kpixl.xlsx.reader`) carries what has a place: inputs, actuals and overrides
by defined name, the PDCA and KFS tables, Target History, Unplaced data and sheets a user added.
Everything else on a kpixl sheet is kpixl's own, unless a person typed it: a note above the PDCA
table, a remark beside a Tracking row, a row inserted in Tracking, a formula typed into an input
cell. This module finds those by comparing the file with what kpixl wrote there.

``expected`` describes a sheet as kpixl lays it out: (row, col) (0-based) -> ``("input", None)``
for an input cell, ``("formula", None)`` for a formula, ``("value", v)`` for a constant. A cell of
the file is *typed* when it holds something and

- kpixl put nothing there, or a different constant (numbers equal to 12 digits are the same), or
  a constant where kpixl put a formula; and the value is not one kpixl put elsewhere in the
  same sheet (a label that moved down when a row was inserted above it is kpixl's own), or
- it is an input cell that holds a formula (kpixl keeps numbers only; the formula would be
  replaced by the value as built).

Only the cells the file holds are visited (openpyxl's cell dictionary), so one far-away cell
costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Expected", "TypedCell", "typed_cells"]

Expected = Mapping[tuple[int, int], tuple[str, Any]]
MAX_TYPED = 10_000  # more than this on kpixl's sheets is not a person typing notes


@dataclass(frozen=True, slots=True, kw_only=True)
class TypedCell:
    """One cell a person typed on a kpixl sheet."""

    sheet: str
    row: int  # 0-based
    col: int
    value: Any  # the constant, or a formula's text (``=...``), as text
    formula: bool  # a formula (typed into an input cell, or anywhere kpixl has none)
    in_input: bool  # the cell is one of kpixl's input cells

    @property
    def where(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"'{self.sheet}'!{get_column_letter(self.col + 1)}{self.row + 1}"


def _same(a: Any, b: Any) -> bool:
    from kpixl.xlsx.reader import excel_date, same_value

    a, b = excel_date(a), excel_date(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return same_value(a, b)


def _norm(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        from kpixl.xlsx.reader import excel_date

        return excel_date(v)
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(f"{float(v):.12g}")
    return v


def typed_cells(path: Path, expected: Mapping[str, Expected], *,
                skip_rows: Mapping[str, tuple[int, int | None]] | None = None
                ) -> list[TypedCell]:
    """Cells typed on the sheets named in ``expected`` (module docstring); ``skip_rows`` maps a
    sheet to (first row, columns or None for all) that the reader carries itself (the PDCA and
    KFS tables: from their header row down)."""
    from kpixl.xlsx.reader import _open

    wb = _open(path)
    out: list[TypedCell] = []
    try:
        for name, cells in expected.items():
            if name not in wb.sheetnames:
                continue
            ws = wb[name]
            if not hasattr(ws, "_cells"):
                continue
            own = {_norm(v) for kind, v in cells.values() if kind == "value" and v is not None}
            first, width = (skip_rows or {}).get(name, (None, None))
            for (r, c), cell in sorted(ws._cells.items()):
                r0, c0 = r - 1, c - 1
                if first is not None and r0 >= first and (width is None or c0 < width):
                    continue
                v = cell.value
                if v is None or (isinstance(v, str) and v.strip() == ""):
                    continue
                is_formula = cell.data_type == "f"
                text = v if isinstance(v, str | int | float | bool | dt.date) else str(v)
                kind, want = cells.get((r0, c0), ("none", None))
                if kind == "input":
                    if not is_formula:
                        continue
                elif kind == "formula":
                    if is_formula or _norm(v) in own:
                        continue
                elif kind == "value":
                    if not is_formula and (_same(v, want) or _norm(v) in own):
                        continue
                elif not is_formula and _norm(v) in own:
                    continue
                out.append(TypedCell(sheet=name, row=r0, col=c0, value=text,
                                     formula=is_formula, in_input=kind == "input"))
                if len(out) > MAX_TYPED:
                    return out
    finally:
        wb.close()
    return out
