"""The tables of a kpixl workbook read as values, over a :class:`~kpixl.xlsx.readback.CellSource`
(no Excel library here): PDCA rows with the columns a user added right of the table, KFS
statuses by id and the rows a user added to the KFS table, and what ``kpixl update`` carries
as values (Target History, a previous Unplaced data sheet, the xlwings settings, sheets a user
added).

Only the cells a file holds are visited: one far-away cell (``XFD1048576``) never makes kpixl
walk a grid of billions of empty cells, and a table that would span more than
:data:`MAX_TABLE_CELLS` is refused with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpixl.errors import WorkbookError
from kpixl.layout.contract import KFS_COLUMNS, KFS_STATUS_COL, PDCA_COLUMNS, TABLE_TOP
from kpixl.model import Plan
from kpixl.xlsx.readback import Cells, Got

__all__ = ["MAX_TABLE_CELLS", "Table", "first_row", "kfs", "pdca", "table"]

MAX_TABLE_CELLS = 2_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A sheet read as values: its name, header row and the non-empty rows below it."""

    sheet: str
    header: tuple[Any, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    columns: tuple[int, ...] = ()  # the sheet column (0-based) of each value; () for 0, 1, ...


def value(got: Got, values: bool) -> Any:
    """A cell as a table holds it: with ``values`` the cached result of a formula, else its
    text; an empty string is blank."""
    v = got.value if values or got.formula is None else got.formula
    return None if isinstance(v, str) and v == "" else v


def _too_big(where: Path, sheet: str, rows: int, width: int, what: str,
             fix: str = "delete the far-away cells") -> WorkbookError:
    return WorkbookError(f"{where}: sheet {sheet!r} spans {rows:,} rows x {width:,} columns; "
                         f"kpixl copies at most {MAX_TABLE_CELLS:,} cells of {what} ({fix})")


def _filled(cells: Cells, top: int, width: int | None, values: bool
            ) -> dict[tuple[int, int], Any]:
    out: dict[tuple[int, int], Any] = {}
    for (r, c), got in cells.items():
        if r >= top and (width is None or c < width):
            v = value(got, values)
            if v is not None:
                out[(r, c)] = v
    return out


def grid(where: Path, sheet: str, cells: Cells, top: int, width: int | None = None, *,
         beyond: bool = False, values: bool = False, what: str = "a sheet"
         ) -> tuple[list[int], tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]:
    """The columns read (0-based), the header (row ``top``, 0-based) and the rows below it that
    hold a value, each with its 1-based row number: ``width`` columns (else as many as the
    right-most value needs), and with ``beyond`` every column right of them that holds anything,
    in order (empty columns between them skipped)."""
    filled = _filled(cells, top, None if beyond else width, values)
    used = {c for _, c in filled}
    width = width or max(used, default=0) + 1
    columns = [*range(width), *sorted(c for c in used if c >= width)]
    wanted = sorted({r for r, _ in filled if r > top})
    if (len(wanted) + 1) * len(columns) > MAX_TABLE_CELLS:
        raise _too_big(where, sheet, len(wanted) + 1, len(columns), what)
    header = tuple(filled.get((top, c)) for c in columns)
    return columns, header, [(r + 1, tuple(filled.get((r, c)) for c in columns))
                             for r in wanted]


def table(where: Path, sheet: str, cells: Cells, top: int, *, keep_empty: bool = False,
          values: bool = True) -> Table:
    """Header on row ``top`` (0-based), the non-empty rows below it (every row with
    ``keep_empty``, so that a sheet keeps its shape), as values."""
    if not keep_empty:
        _, header, rows = grid(where, sheet, cells, top, values=values)
        return Table(sheet=sheet, header=header, rows=tuple(v for _, v in rows))
    present = [(r, c) for (r, c) in cells if r >= top]
    width = max((c for _, c in present), default=0) + 1
    last = max((r for r, _ in present), default=top)
    if (last - top + 1) * width > MAX_TABLE_CELLS:
        raise _too_big(where, sheet, last - top + 1, width, "a sheet a user added",
                       "delete the far-away cells, or the sheet")

    def at(r: int, c: int) -> Any:
        got = cells.get((r, c))
        return None if got is None else value(got, values)

    return Table(sheet=sheet, header=tuple(at(top, c) for c in range(width)),
                 rows=tuple(tuple(at(r, c) for c in range(width))
                            for r in range(top + 1, last + 1)))


def first_row(cells: Cells) -> int:
    """The first row (0-based) holding a value."""
    return min((r for (r, _), got in cells.items() if value(got, True) is not None), default=0)


def pdca(where: Path, sheet: str, cells: Cells) -> Table:
    """The PDCA table: columns A..I, then each column right of them that holds anything (the
    columns a user added), in order; empty columns between them are skipped."""
    columns, header, rows = grid(where, sheet, cells, TABLE_TOP, PDCA_COLUMNS, beyond=True,
                                 what="the PDCA table")
    return Table(sheet=sheet, header=header, rows=tuple(v for _, v in rows),
                 columns=tuple(columns) if len(columns) > PDCA_COLUMNS else ())


def kfs(where: Path, sheet: str, cells: Cells, plan: Plan
        ) -> tuple[dict[str, str | None], tuple[tuple[int, tuple[Any, ...]], ...]]:
    """KFS id -> status now, for the plan's KFS (the first row with its id), and the other rows
    of the KFS table that hold anything (a user added them: an id the plan lacks or repeats, or
    none), each with its 1-based row number."""
    ids = {k.id for k in plan.kfs}
    out: dict[str, str | None] = {}
    added: list[tuple[int, tuple[Any, ...]]] = []
    for r, row in grid(where, sheet, cells, TABLE_TOP, KFS_COLUMNS)[2]:
        kid = row[0]
        if isinstance(kid, str) and kid in ids and kid not in out:
            status = row[KFS_STATUS_COL]
            out[kid] = None if status is None else str(status)
        else:
            added.append((r, row))
    return out, tuple(added)
