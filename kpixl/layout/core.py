"""The workbook as plain data: sheets of cells (value or formula with its cached engine value),
styles by key, defined names, validations, conditional formats, tables and charts.

No Excel library here: the writer turns this into a file, and tests read it as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Cell", "CellRef", "Chart", "RangeRef", "Sheet", "SheetSink", "WorkbookLayout",
           "col_letter"]


def col_letter(col: int) -> str:
    """0-based column index -> letters (0 -> A, 26 -> AA)."""
    s = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class CellRef:
    """A cell of a sheet (0-based row and column); ``str()`` is an absolute reference."""

    sheet: str
    row: int
    col: int

    def __str__(self) -> str:
        return f"{_quote(self.sheet)}!${col_letter(self.col)}${self.row + 1}"

    @property
    def local(self) -> str:
        """Reference without the sheet, relative (``D5``)."""
        return f"{col_letter(self.col)}{self.row + 1}"

    def right(self, k: int = 1) -> CellRef:
        return CellRef(self.sheet, self.row, self.col + k)


@dataclass(frozen=True, slots=True)
class RangeRef:
    sheet: str
    row0: int
    col0: int
    row1: int
    col1: int

    def __str__(self) -> str:
        a = f"${col_letter(self.col0)}${self.row0 + 1}"
        b = f"${col_letter(self.col1)}${self.row1 + 1}"
        return f"{_quote(self.sheet)}!{a}:{b}"

    def cell(self, i: int) -> CellRef:
        """The i-th cell (0-based) of a one-row or one-column range."""
        if self.row0 == self.row1:
            return CellRef(self.sheet, self.row0, self.col0 + i)
        return CellRef(self.sheet, self.row0 + i, self.col0)


@dataclass(slots=True)
class Cell:
    value: Any = None  # constant: str | float | int | bool | None
    formula: str | None = None  # formula text without "="
    cached: Any = None  # the engine's value of a formula cell ("" for blank)
    style: str = "text"


@dataclass(slots=True)
class Chart:
    title: str
    categories: RangeRef
    series: list[tuple[str, RangeRef]]  # (name, values)
    anchor: tuple[int, int]
    y_title: str = ""
    kind: str = "line"
    title_cell: CellRef | None = None
    """The cell holding the title text: user text reaches the chart only through a cell, so a
    name like ``Team!A1`` is never read as a reference."""


class SheetSink(Protocol):
    """Takes a sheet's cells while it is being laid out (a streaming writer)."""

    def rows(self, sheet: Sheet, below: int) -> None:
        """The cells above row ``below`` are final: take them out of ``sheet.cells``."""

    def done(self, sheet: Sheet) -> None:
        """The sheet is complete: take the rest."""


@dataclass(slots=True)
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    validations: list[tuple[RangeRef, dict[str, Any]]] = field(default_factory=list)
    cond_formats: list[tuple[RangeRef, dict[str, Any]]] = field(default_factory=list)
    tables: list[tuple[RangeRef, dict[str, Any]]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    protect: bool = False
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    print_title_rows: tuple[int, int] | None = None
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    buttons: list[dict[str, Any]] = field(default_factory=list)
    """Form buttons (XlsxWriter ``insert_button`` options plus ``row``/``col``): classic macros."""
    textboxes: list[dict[str, Any]] = field(default_factory=list)
    """Text boxes (``row``, ``col``, ``text``, XlsxWriter ``insert_textbox`` options): Lite
    buttons, hyperlinked to a cell through ``url: internal:'Sheet'!A1`` and named by ``name``."""
    sink: SheetSink | None = None
    """Set for a sheet that is written while it is laid out: see :meth:`rows_done`."""

    def rows_done(self, below: int) -> None:
        """Builders call this when no cell above row ``below`` will change or be added: a sink
        then writes those rows and drops them, so a big sheet is never whole in memory."""
        if self.sink is not None:
            self.sink.rows(self, below)

    def put(self, row: int, col: int, value: Any = None, style: str = "text", *,
            formula: str | None = None, cached: Any = None) -> CellRef:
        """Place a constant (``value``) or a formula (with its cached engine value)."""
        self.cells[(row, col)] = Cell(value=value, formula=formula, cached=cached, style=style)
        return CellRef(self.name, row, col)

    def ref(self, row: int, col: int) -> CellRef:
        return CellRef(self.name, row, col)

    def range(self, row0: int, col0: int, row1: int, col1: int) -> RangeRef:
        return RangeRef(self.name, row0, col0, row1, col1)


@dataclass(slots=True)
class WorkbookLayout:
    sheets: list[Sheet]
    names: dict[str, str]  # defined name -> reference text
    properties: dict[str, str]
    styles: dict[str, dict[str, Any]]
    active: int = 0
