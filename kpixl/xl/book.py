"""The few workbook operations the button scripts need, behind one small interface.

:class:`BookLike` is what :mod:`kpixl.xl.scripts` acts on. Two implementations:

* :class:`XlwingsBook` over an open ``xlwings.Book`` (classic xlwings on Windows and macOS, and
  xlwings Lite in the browser);
* :class:`OpenpyxlBook` over an ``openpyxl.Workbook``: the stand-in the tests use. It refuses
  to write a locked cell of a protected sheet, as Excel does, so a script that would fail in
  Excel fails in the tests too.

Coordinates are 0-based (row, column); values are 2-D lists (rows of cells) with ``None`` for a
blank cell. Nothing here knows what a kpixl workbook holds; :mod:`kpixl.xl.state` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Protocol

from kpixl.xlsx.reader import parse_range

__all__ = ["BookLike", "Grid", "OpenpyxlBook", "XlwingsBook", "append_rows", "cells_of",
           "last_used_row"]

Grid = list[list[Any]]


class BookLike(Protocol):
    """An open workbook, as the button scripts see it."""

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
        tell formulas from values (xlwings Lite reads formulas only asynchronously)."""
        ...

    def write(self, sheet: str, row: int, col: int, values: Grid) -> None:
        """Write a block of values with its top-left cell at (row, col)."""
        ...

    def add_sheet(self, name: str) -> None:
        """Add an empty sheet after the last one."""
        ...

    def unprotected(self, sheet: str) -> contextlib.AbstractContextManager[None]:
        """Lift a sheet's protection (kpixl protects without a password) while writing."""
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


def append_rows(book: BookLike, sheet: str, rows: Grid) -> int:
    """Write ``rows`` below the last row that holds a value; return the first row written."""
    start = last_used_row(book.read(sheet)) + 1
    book.write(sheet, start, 0, rows)
    return start


# -- xlwings --------------------------------------------------------------------------------------
class XlwingsBook:
    """:class:`BookLike` over an ``xlwings.Book`` (classic or Lite)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._names: dict[str, str] | None = None

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
        except NotImplementedError:  # xlwings Lite: formulas are read asynchronously only
            return None
        if not isinstance(got, tuple | list):
            got = ((got,),)
        return [[f if isinstance(f, str) and f.startswith("=") else None for f in r]
                for r in got]

    def write(self, sheet: str, row: int, col: int, values: Grid) -> None:
        if values:
            self._range(sheet, row, col).value = values

    def add_sheet(self, name: str) -> None:
        sheets = self.book.sheets
        sheets.add(name, after=sheets[len(sheets) - 1])

    @contextlib.contextmanager
    def unprotected(self, sheet: str) -> Iterator[None]:
        api = self.book.sheets[sheet].api
        lifted = _call(api, "Unprotect") or _call(api, "unprotect")  # Windows COM, macOS
        try:
            yield
        finally:
            if lifted:  # as the writer protects: formatting of rows and columns allowed
                _call(api, "Protect", DrawingObjects=True, Contents=True, Scenarios=True,
                      AllowFormattingColumns=True, AllowFormattingRows=True,
                      AllowFiltering=True) or _call(api, "protect")


def _call(api: Any, method: str, **kwargs: Any) -> bool:
    """Call an engine-specific method when the engine has it; True when it ran."""
    f = getattr(api, method, None)
    if f is None:
        return False
    try:
        f(**kwargs)
    except Exception:  # not supported by this engine (e.g. xlwings Lite)
        return False
    return True


# -- openpyxl (tests) -----------------------------------------------------------------------------
class OpenpyxlBook:
    """:class:`BookLike` over an ``openpyxl.Workbook`` loaded with formulas (not data_only).

    Reads give what the file stores: constants, and formula text for formula cells (Excel
    would give their results; the scripts never rely on formula results). Writes to a locked
    cell of a protected sheet raise ``PermissionError`` unless inside :meth:`unprotected`.
    """

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self._lifted: set[str] = set()

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
        guarded = bool(ws.protection.sheet) and sheet not in self._lifted
        for i, r in enumerate(values):
            for j, v in enumerate(r):
                cell = ws.cell(row + i + 1, col + j + 1)
                if guarded and cell.protection.locked:
                    raise PermissionError(f"'{sheet}'!{cell.coordinate} is locked on a "
                                          "protected sheet")
                cell.value = v

    def add_sheet(self, name: str) -> None:
        self.wb.create_sheet(name)

    @contextlib.contextmanager
    def unprotected(self, sheet: str) -> Iterator[None]:
        self._lifted.add(sheet)
        try:
            yield
        finally:
            self._lifted.discard(sheet)
