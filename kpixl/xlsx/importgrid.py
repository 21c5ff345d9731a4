"""An export file as a grid of cells, the way a spreadsheet shows it.

Row ``r`` of the grid is the spreadsheet's row ``r + 1`` (for a CSV: its ``r + 1``-th record,
as Excel numbers the rows when it opens the file; a quoted field over two lines is one row), so
every message can name a cell as ``C5``. Blank rows are kept for the numbering.

- **CSV**: UTF-8 (with or without a BOM) or Shift_JIS (cp932), as Excel's "CSV UTF-8" and
  "CSV (コンマ区切り)" write them; CR LF or LF; comma, tab or semicolon separated, the separator
  being the one that splits the most rows into the same number of cells;
- **.xlsx**: the first sheet, or ``sheet``; read with openpyxl in read-only mode, values only
  (the cached results of formulas), so a date cell is a ``datetime``; at most ``MAX_ROWS`` rows
  and ``MAX_COLS`` columns. An old ``.xls`` is refused with the fix.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from kpixl.errors import WorkbookError
from kpixl.messages import msg

__all__ = ["MAX_BYTES", "MAX_COLS", "MAX_ROWS", "Grid", "read_grid"]

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLS = 1_000
SEPARATORS = (",", "\t", ";")
Grid = list[list[Any]]


def _fail(key: str, loc: str, **params: object) -> WorkbookError:
    return WorkbookError(msg(f"import.{key}", loc, **params))


def read_grid(path: Path, loc: str, *, name: str, sheet: str | None = None) -> Grid:
    """The cells of the file at ``path`` (``name``: how messages call it); WorkbookError in
    ``loc`` when it is not a file kpixl reads."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _fail("file.missing", loc, file=name) from None
    except IsADirectoryError:
        raise _fail("file.unreadable", loc, file=name, reason="a folder") from None
    except OSError as exc:
        raise _fail("file.unreadable", loc, file=name, reason=exc.strerror) from None
    if len(raw) > MAX_BYTES:
        raise _fail("file.too-large", loc, file=name, mb=MAX_BYTES // 2**20)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail("file.xls", loc, file=name)
    if raw.startswith(b"PK\x03\x04"):
        return _xlsx(raw, loc, name, sheet)
    if sheet is not None:
        raise _fail("file.sheet-csv", loc, file=name)
    return _csv(_text(raw, loc, name), loc, name)


def _text(raw: bytes, loc: str, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        raise _fail("file.utf16", loc, file=name)
    for enc in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise _fail("file.encoding", loc, file=name)


def _records(text: str, sep: str, loc: str, name: str) -> Grid:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: Grid = []
    try:
        for row in reader:
            rows.append(list(row))
            if len(rows) > MAX_ROWS:
                raise _fail("file.too-many", loc, file=name, rows=MAX_ROWS, cols=MAX_COLS)
    except csv.Error as exc:
        raise _fail("file.not-csv", loc, file=name, row=len(rows) + 1, detail=str(exc)) from None
    return rows


def _csv(text: str, loc: str, name: str) -> Grid:
    """The records, split by the separator that gives the most rows of one width > 1."""
    sample = "\n".join(text.splitlines()[:200])
    best, score = ",", (-1, 0)
    for sep in SEPARATORS:
        if sep not in sample:
            continue
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=sep))
        except csv.Error:
            continue
        widths: dict[int, int] = {}
        for row in rows:
            n = len(row)
            while n and not row[n - 1].strip():
                n -= 1
            if n > 1:
                widths[n] = widths.get(n, 0) + 1
        common = max(widths.values(), default=0)
        s = (common, sum(widths.values()))
        if s > score:
            best, score = sep, s
    rows = _records(text, best, loc, name)
    if any(len(r) > MAX_COLS for r in rows):
        raise _fail("file.too-many", loc, file=name, rows=MAX_ROWS, cols=MAX_COLS)
    return rows


def _xlsx(raw: bytes, loc: str, name: str, sheet: str | None) -> Grid:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip: openpyxl raises many kinds
        raise _fail("file.bad-xlsx", loc, file=name, detail=type(exc).__name__) from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise _fail("file.no-sheet", loc, file=name, sheet=sheet,
                        sheets=", ".join(names))
        ws = book[sheet if sheet is not None else names[0]]
        rows: Grid = []
        for row in ws.iter_rows(values_only=True):
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            if len(cells) > MAX_COLS or len(rows) >= MAX_ROWS:
                raise _fail("file.too-many", loc, file=name, rows=MAX_ROWS, cols=MAX_COLS)
            rows.append(cells)
        return rows
    finally:
        book.close()
