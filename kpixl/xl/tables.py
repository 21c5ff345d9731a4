"""The sheets the button scripts append to (Target History, Target Versions), and how a month
label or a piece of user text is written so that Excel keeps it as it is.

Why a table is written in one piece: on xlwings Lite and Server a script reads the snapshot sent
with the click and its writes are applied after it returns, so a header written at row 1 and
rows then "appended below the last used row" land on row 1 too: the rows overwrite the header.
:func:`append_table` reads once, computes the first free row from that one read, and writes the
header (for a new or empty sheet) and all rows as ONE block; that is right whether reads see
earlier writes (classic) or not (Lite, Server).

Why Text cells: Excel converts what it is given as if typed, so ``2026-09`` in a General cell
becomes the date 2026-09-01 and ``=Sales`` becomes a formula. Every text column of a block, and
a header row, is formatted ``@`` before the values are written (a format change and a write are
two queued actions, applied in order), so month labels, KPI names and typed reasons stay text.
A label read back may still be a date (a workbook where Excel converted it before this
release): :func:`month_text` reads either.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from kpixl.xl.book import BookLike, Grid, last_used_row

__all__ = ["append_table", "find_sheet", "month_text", "spans"]


def find_sheet(book: BookLike, names: Sequence[str]) -> str | None:
    """The first of ``names`` (the sheet's name in each language) that the workbook has."""
    have = set(book.sheet_names())
    return next((n for n in names if n in have), None)


def month_text(value: Any) -> str | None:
    """A month label (``2026-09``) from what a cell holds: the text itself, or the date Excel
    made of it (a ``datetime``/``date``, the first of the month); None for anything else."""
    if isinstance(value, dt.date):  # datetime is a date too
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        found = _MONTH.match(unicodedata.normalize("NFKC", value).strip())
        if found and 1 <= int(found[2]) <= 12:
            return f"{int(found[1]):04d}-{int(found[2]):02d}"
    return None


_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def spans(cols: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive column indexes, as (first, count): ``[2, 3, 4, 7]`` ->
    ``[(2, 3), (7, 1)]``, so that each run is formatted with one action."""
    out: list[tuple[int, int]] = []
    for c in sorted(set(cols)):
        if out and out[-1][0] + out[-1][1] == c:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((c, 1))
    return out


def append_table(book: BookLike, names: Sequence[str], locale: str, head: Sequence[str],
                 rows: Grid, text_cols: Iterable[int], grid: Grid | None = None
                 ) -> tuple[str, int]:
    """Append ``rows`` to the table sheet (either language's name; created in the plan's
    language when missing), below its last used row; a missing or empty sheet gets ``head``
    as row 1 in the same write. Returns (sheet, 0-based row of the first data row).

    ``grid``: the sheet as already read by the caller (the same snapshot, one read).
    """
    sheet = find_sheet(book, names)
    if sheet is None:
        sheet = names[1 if locale == "ja" else 0]
        book.add_sheet(sheet)
        grid = []
    elif grid is None:
        grid = book.read(sheet)
    start = last_used_row(grid) + 1
    block = [list(r) for r in rows]
    first = start
    if start == 0:
        block.insert(0, list(head))
        first = 1
        book.text_format(sheet, 0, 0, 1, len(head))
    if rows:
        for c, n in spans(text_cols):
            book.text_format(sheet, first, c, len(rows), n)
    width = max(len(r) for r in block) if block else 0
    book.write(sheet, start, 0, [[*r, *[None] * (width - len(r))] for r in block])
    return sheet, first
