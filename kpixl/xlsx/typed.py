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
    moved: bool = False  # rows were inserted or deleted above it (its row is not kpixl's now)

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


def _offsets(wb: Any, sheet: str, names: Mapping[str, str]) -> set[int]:
    """Row offsets (file row - layout row) of the defined names on ``sheet``: a row inserted
    (or deleted) above a named range moves it, and LibreOffice and Excel move the name with
    it. {0} when nothing moved."""
    from kpixl.xlsx.reader import parse_range

    found = {0}
    for name, ref in names.items():
        dn = wb.defined_names.get(name)
        if dn is None or not dn.attr_text:
            continue
        try:
            built, now = parse_range(ref), parse_range(dn.attr_text)
        except ValueError:
            continue
        if built[0] == sheet and now[0] == sheet:
            found.add(now[1] - built[1])
    return found


def _score(kind: str, want: Any, cell: Any) -> int:
    """How well a file cell fits a layout position: +2 the same constant, +1 a formula where
    kpixl has one, 0 an input cell holding a constant (anything may be typed there), -1 else."""
    is_formula = cell.data_type == "f"
    if kind == "value" and not is_formula and _same(cell.value, want):
        return 2
    if kind == "formula" and is_formula:
        return 1
    if kind == "input" and not is_formula:
        return 0
    return -1


MAX_SHIFT = 50  # rows inserted or deleted above a row, looked for when its cells do not fit


def _shift(row: list[tuple[int, Any]], cells: Expected, r0: int, named: list[int]) -> int:
    """The offset (file row - layout row) that fits ``row`` best: 0 unless another fits better
    and has at least one cell that kpixl put there (a lone note never moves into an input
    cell); the offsets of moved names first, then any within ``MAX_SHIFT``."""
    def score(o: int) -> int:
        return sum(_score(*cells.get((r0 - o, c0), ("none", None)), cell) for c0, cell in row)

    here = score(0)
    if here == 2 * len(row) or all(_score(*cells.get((r0, c0), ("none", None)), cell) >= 0
                                   for c0, cell in row):
        return 0
    best, best_score = 0, here
    for o in [*named, *range(-MAX_SHIFT, MAX_SHIFT + 1)]:
        if o == 0:
            continue
        got = score(o)
        if got > max(best_score, 0) or (got == best_score and got > 0 and abs(o) < abs(best)):
            best, best_score = o, got
    return best


def _open(path: Path) -> Any:
    import openpyxl

    from kpixl.errors import WorkbookError

    try:
        return openpyxl.load_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        first = (str(exc).strip().splitlines() or [""])[0]
        from kpixl.messages import msg

        raise WorkbookError(f"{path}: " + msg("wb.unreadable-xml", "en",
                                              reason=f"{type(exc).__name__}: {first}")) from None


def typed_cells(path: Path, expected: Mapping[str, Expected], *,
                skip_rows: Mapping[str, tuple[int, int | None]] | None = None,
                names: Mapping[str, str] | None = None) -> list[TypedCell]:
    """Cells typed on the sheets named in ``expected`` (module docstring); ``skip_rows`` maps a
    sheet to (first row, columns or None for all) that the reader carries itself (the PDCA and
    KFS tables: from their header row down). ``names`` are the layout's defined names: where a
    person inserted rows, the names moved, and each row of the file is compared with the layout
    row it came from (the offset of the names that fits the row best)."""
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
            offsets = sorted(_offsets(wb, name, names or {}), key=abs)
            first, width = (skip_rows or {}).get(name, (None, None))
            rows: dict[int, list[tuple[int, Any]]] = {}
            for (r, c), cell in ws._cells.items():
                v = cell.value
                if v is None or (isinstance(v, str) and v.strip() == ""):
                    continue
                rows.setdefault(r - 1, []).append((c - 1, cell))
            for r0 in sorted(rows):
                row = sorted(rows[r0], key=lambda x: x[0])
                shift = _shift(row, cells, r0, offsets)
                lr = r0 - shift
                if first is not None and lr >= first:
                    row = [(c0, cell) for c0, cell in row if width is not None and c0 >= width]
                for c0, cell in row:
                    v = cell.value
                    is_formula = cell.data_type == "f"
                    kind, want = cells.get((lr, c0), ("none", None))
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
                    text = v if isinstance(v, str | int | float | bool | dt.date) else str(v)
                    out.append(TypedCell(sheet=name, row=r0, col=c0, value=text,
                                         formula=is_formula, in_input=kind == "input",
                                         moved=shift != 0))
                    if len(out) > MAX_TYPED:
                        return out
    finally:
        wb.close()
    return out
