"""The few workbook operations the button scripts need, behind one small interface.

:class:`BookLike` is what :mod:`kpixl.xl.scripts` acts on. Two implementations:

* :class:`XlwingsBook` over an ``xlwings.Book``: classic xlwings on Windows and macOS, and
  xlwings' remote engine (``xlwings.Book(json=...)``, the engine behind xlwings Lite and xlwings
  Server);
* :class:`OpenpyxlBook` over an ``openpyxl.Workbook``: the quick stand-in of the tests. Like
  Excel it refuses a write to a locked cell of a protected sheet, and a format change on a
  protected sheet.

What every engine can do, and so all the scripts rely on (ARCHITECTURE.md, "xlwings' own
engine"):

* **no unprotect**: the remote engine has no action that lifts a sheet's protection, so a script
  writes only into unlocked cells (the layout unlocks what an action writes);
* **reads see the snapshot**: on Lite and Server the values a script reads were sent with the
  click, and its writes are queued and applied after it returns; so an action reads what it
  needs first, computes its whole result, then writes each range once;
* **text stays text only in a Text cell**: Excel turns ``2026-09`` into a date and ``=x`` into a
  formula on entry, so text goes into cells formatted ``@`` first (:meth:`BookLike.text_format`).

Coordinates are 0-based (row, column); values are 2-D lists (rows of cells) with ``None`` for a
blank cell. Nothing here knows what a kpixl workbook holds; :mod:`kpixl.xl.state` does.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Literal, Protocol

from kpixl.xlsx.reader import parse_range

__all__ = ["TEXT_FORMAT", "BookLike", "Engine", "Grid", "OpenpyxlBook", "XlwingsBook",
           "cells_of", "last_used_row"]

Grid = list[list[Any]]
Engine = Literal["classic", "server", "lite", "file"]
"""Where a script runs: classic xlwings (Excel on the user's machine), xlwings Server (a remote
CPython), xlwings Lite (Pyodide in Excel) or a workbook file (the tests' stand-in)."""
TEXT_FORMAT = "@"


class BookLike(Protocol):
    """An open workbook, as the button scripts see it."""

    @property
    def engine(self) -> Engine:
        """Where this script runs (what it may do: only classic and file may read local
        paths)."""
        ...

    def sheet_names(self) -> list[str]:
        """Sheet names, in tab order."""
        ...

    def ref(self, name: str) -> str | None:
        """What a workbook-scope defined name refers to (``'Sheet'!$A$1:$B$1``), or None."""
        ...

    def read(self, sheet: str) -> Grid:
        """The sheet's values from A1 to the last used cell (empty list for an empty sheet)."""
        ...

    def formulas(self, sheet: str, row: int, col: int, rows: int, cols: int) -> Grid | None:
        """Formula text (``=...``) or None per cell of a block; None when this engine cannot
        tell formulas from values (xlwings Lite and Server read formulas only
        asynchronously)."""
        ...

    def write(self, sheet: str, row: int, col: int, values: Grid) -> None:
        """Write a block of values with its top-left cell at (row, col)."""
        ...

    def text_format(self, sheet: str, row: int, col: int, rows: int, cols: int) -> None:
        """Format a block as Text (``@``) so that what is written there next stays text."""
        ...

    def add_sheet(self, name: str) -> None:
        """Add an empty sheet after the last one."""
        ...


# -- helpers over the protocol --------------------------------------------------------------------
def cells_of(book: BookLike, name: str) -> tuple[str, int, int, int, int]:
    """(sheet, row0, col0, row1, col1) of a defined name; KeyError when it is missing."""
    ref = book.ref(name)
    if ref is None:
        raise KeyError(name)
    return parse_range(ref)


def last_used_row(grid: Grid) -> int:
    """0-based index of the last row holding a value; -1 for none."""
    for r in range(len(grid) - 1, -1, -1):
        if any(v is not None and v != "" for v in grid[r]):
            return r
    return -1


# -- xlwings --------------------------------------------------------------------------------------
def xlwings_engine(book: Any) -> Engine:
    """Where an ``xlwings.Book`` lives: ``lite`` in Pyodide (``sys.platform == "emscripten"``),
    ``server`` for xlwings' remote engine (``xlwings.Book(json=...)``: its implementation comes
    from ``xlwings.pro._xlremote``) or with ``XLWINGS_ON_SERVER=true``, else ``classic``."""
    if sys.platform == "emscripten":
        return "lite"
    impl = getattr(book, "impl", None)
    module = type(impl).__module__ if impl is not None else ""
    if os.environ.get("XLWINGS_ON_SERVER", "").lower() == "true" or module.endswith(
            ("._xlremote", "._xlofficejs")):
        return "server"
    return "classic"


class XlwingsBook:
    """:class:`BookLike` over an ``xlwings.Book`` (classic, or the remote engine of Lite and
    Server)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._names: dict[str, str] | None = None
        self._engine = xlwings_engine(book)

    @property
    def engine(self) -> Engine:
        return self._engine

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def ref(self, name: str) -> str | None:
        if self._names is None:  # one pass: each name is a round trip to Excel
            self._names = {}
            for n in self.book.names:
                text = n.refers_to
                if text:
                    self._names[n.name] = str(text).lstrip("=")
        return self._names.get(name)

    def _range(self, sheet: str, row: int, col: int, rows: int = 1, cols: int = 1) -> Any:
        ws = self.book.sheets[sheet]
        return ws.range((row + 1, col + 1), (row + rows, col + cols))

    def read(self, sheet: str) -> Grid:
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        values = ws.range((1, 1), (last.row, last.column)).options(ndim=2).value
        return [list(r) for r in values] if values != [[None]] else []

    def formulas(self, sheet: str, row: int, col: int, rows: int, cols: int) -> Grid | None:
        try:
            got = self._range(sheet, row, col, rows, cols).formula
        except NotImplementedError:  # Lite and Server: formulas are read asynchronously only
            return None
        if not isinstance(got, tuple | list):
            got = ((got,),)
        return [[f if isinstance(f, str) and f.startswith("=") else None for f in r]
                for r in got]

    def write(self, sheet: str, row: int, col: int, values: Grid) -> None:
        if values:
            self._range(sheet, row, col).value = values

    def text_format(self, sheet: str, row: int, col: int, rows: int, cols: int) -> None:
        if rows > 0 and cols > 0:
            self._range(sheet, row, col, rows, cols).number_format = TEXT_FORMAT

    def add_sheet(self, name: str) -> None:
        sheets = self.book.sheets
        sheets.add(name, after=sheets[len(sheets) - 1])


# -- openpyxl (tests) -----------------------------------------------------------------------------
class OpenpyxlBook:
    """:class:`BookLike` over an ``openpyxl.Workbook`` loaded with formulas (not data_only).

    Reads give what the file stores: constants, and formula text for formula cells (Excel
    would give their results; the scripts never rely on formula results). A write to a locked
    cell of a protected sheet, and a format change on a protected sheet, raise
    ``PermissionError``, as Excel refuses them.
    """

    engine: Engine = "file"

    def __init__(self, wb: Any) -> None:
        self.wb = wb

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def ref(self, name: str) -> str | None:
        dn = self.wb.defined_names.get(name)
        return None if dn is None else str(dn.attr_text)

    def read(self, sheet: str) -> Grid:
        ws = self.wb[sheet]
        if ws.max_row == 1 and ws.max_column == 1 and ws.cell(1, 1).value is None:
            return []
        return [list(r) for r in ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=1,
                                              max_col=ws.max_column, values_only=True)]

    def formulas(self, sheet: str, row: int, col: int, rows: int, cols: int) -> Grid | None:
        ws = self.wb[sheet]
        return [[ws.cell(r + 1, c + 1).value if ws.cell(r + 1, c + 1).data_type == "f" else None
                 for c in range(col, col + cols)] for r in range(row, row + rows)]

    def write(self, sheet: str, row: int, col: int, values: Grid) -> None:
        ws = self.wb[sheet]
        cells = [[ws.cell(row + i + 1, col + j + 1) for j in range(len(r))]
                 for i, r in enumerate(values)]
        if ws.protection.sheet:  # refuse before writing anything, as Excel does
            for cell in (c for r in cells for c in r):
                if cell.protection.locked:
                    raise PermissionError(f"'{sheet}'!{cell.coordinate} is locked on a "
                                          "protected sheet")
        for r, vs in zip(cells, values, strict=True):
            for cell, v in zip(r, vs, strict=True):
                cell.value = v

    def text_format(self, sheet: str, row: int, col: int, rows: int, cols: int) -> None:
        ws = self.wb[sheet]
        if ws.protection.sheet and ws.protection.formatCells:
            raise PermissionError(f"'{sheet}' is protected: its cells cannot be formatted")
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                ws.cell(r + 1, c + 1).number_format = TEXT_FORMAT

    def add_sheet(self, name: str) -> None:
        self.wb.create_sheet(name)
