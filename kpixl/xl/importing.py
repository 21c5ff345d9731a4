"""The "import actuals" button: actuals from CSV into the empty actual cells.

Where the CSV comes from depends on where the script runs (:attr:`BookLike.engine`):

* **classic xlwings** (Python on the user's machine, beside Excel): the ``action_csv`` cell may
  name a CSV file; a relative path is read from the workbook's folder;
* **xlwings Lite** (Pyodide in Excel) and **xlwings Server** (Python on a server): a path would
  name a file of the browser's sandbox or of the *server*, never the user's file, so a path is
  refused. The CSV is pasted instead: into a sheet whose name goes into ``action_csv`` (one
  field a cell, as Excel pastes CSV), or as text into the ``action_csv`` cell itself (a cell
  holding a line break or a comma is CSV text, not a path).

Every engine accepts the pasted forms. One parser reads all of them, the one of
``kpixl actuals import`` (:func:`kpixl.xlsx.importfile.read_actuals`): pasted text and sheets are
handed to it as a UTF-8 file in a temporary folder, so its checks, messages and line numbers
(a sheet's row numbers) are the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

from kpixl.engine.rounding import agree12
from kpixl.errors import WorkbookError
from kpixl.layout.controls import NAMES
from kpixl.messages import msg
from kpixl.xl.book import BookLike, Grid, cells_of
from kpixl.xl.state import is_number, read_state

__all__ = ["LOCAL_FILES", "import_actuals"]

LOCAL_FILES = ("classic", "file")
"""Engines that run beside the user's files: only they may open a path."""


def _field(v: Any) -> str:
    """A cell as a CSV field: a date Excel made of a pasted month label is that month."""
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _grid_csv(grid: Grid) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for row in grid:
        w.writerow([_field(v) for v in row])
    return out.getvalue()


def _parse_text(text: str, plan: Any, name: str) -> dict[tuple[str, str], float]:
    from kpixl.xlsx.importfile import read_actuals

    with tempfile.TemporaryDirectory(prefix="kpixl-csv-") as tmp:
        path = Path(tmp) / "pasted.csv"
        path.write_text(text, encoding="utf-8")
        return dict(read_actuals(path, plan, name=name).values)


def _source(book: BookLike, value: Any, folder: str | None, locale: str
            ) -> tuple[str, str | Path] | str:
    """("text"|"path", what) to read, or the message that says why nothing can be read."""
    text = "" if value is None else str(value)
    if not text.strip():
        key = "xl.csv-none" if book.engine in LOCAL_FILES else "xl.csv-none-remote"
        return msg(key, locale)
    name = text.strip()
    if name in book.sheet_names():
        return "sheet", name
    if "\n" in text or "," in text:
        return "text", text
    if book.engine not in LOCAL_FILES:
        return msg("xl.csv-path-remote", locale, engine=book.engine)
    p = Path(name.strip('"'))
    if not p.is_absolute() and folder:
        p = Path(folder) / p
    return "path", p


def import_actuals(book: BookLike, path: str | None = None, *, folder: str | None = None
                   ) -> str:
    """Actuals from the CSV named or pasted in ``action_csv`` (or ``path``) into the actual
    cells that are empty; a cell that already holds a different value is kept."""
    from kpixl.xlsx.importfile import read_actuals

    st = read_state(book)
    locale = st.plan.locale
    value: Any = path
    if value is None:
        sheet, r, c, _, _ = cells_of(book, NAMES["csv"])
        grid = book.read(sheet)
        value = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    source = _source(book, value, folder, locale)
    if isinstance(source, str):
        return source
    kind, what = source
    shown = Path(what).name if kind == "path" else (
        str(what) if kind == "sheet" else msg("xl.csv-cell", locale))
    try:
        if kind == "path":
            found = dict(read_actuals(Path(what), st.plan, name=shown).values)
        elif kind == "sheet":
            found = _parse_text(_grid_csv(book.read(str(what))), st.plan, shown)
        else:
            found = _parse_text(str(what), st.plan, shown)
    except WorkbookError as e:  # one line for the result cell: the first five problems
        problems = str(e).splitlines()
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise WorkbookError(" | ".join(problems[:5]) + more) from None
    month = {label: m for m, label in enumerate(st.labels)}
    values = {(node_id, month[label]): v for (node_id, label), v in found.items()}
    written = kept = 0
    grids: dict[str, Grid] = {}
    order = {node_id: i for i, node_id in enumerate(st.plan.nodes)}
    writes: list[tuple[str, int, int, float]] = []
    for (node_id, m), v in sorted(values.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        sheet, cells = st.row_cells(f"act_{node_id}")
        grid = grids.setdefault(sheet, book.read(sheet))
        r, c = cells[m]
        raw = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        if raw in (None, ""):
            writes.append((sheet, r, c, v))
            written += 1
        elif not (is_number(raw) and agree12(float(raw), v)):
            kept += 1
    for sheet, r, c, v in writes:  # actual cells: unlocked inputs, each written once
        book.write(sheet, r, c, [[v]])
    out = msg("xl.imported", locale, n=written, file=shown)
    return out + (msg("xl.kept-actuals", locale, n=kept) if kept else "")
