"""Reading actuals from an export file: :func:`read_actuals` is the one reader of the format.

``kpixl actuals import`` (:mod:`kpixl.app.actuals`) and the workbook's "import actuals" button
(:mod:`kpixl.xl.scripts`) both use it. The work is split by job:

- :mod:`kpixl.xlsx.importgrid`: the file as a grid of cells (CSV in UTF-8 or cp932 with any of
  the usual separators, or an .xlsx sheet);
- :mod:`kpixl.xlsx.importlayouts`: the header row and the layout (long, wide, months as rows),
  found from the content, title and total rows/columns skipped;
- :mod:`kpixl.xlsx.cells`: one cell as a number or a month; :mod:`kpixl.xlsx.kpinames`: one
  cell as a KPI; :mod:`kpixl.xlsx.importcheck`: the checks of a value against its KPI.

Every problem is reported, one a line, as ``FILE:ROW: CELL (HEADER): message; fix`` in the
plan's language, all at once, and nothing is returned then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kpixl.errors import WorkbookError
from kpixl.model import Plan
from kpixl.xlsx.importcheck import Found, Skipped
from kpixl.xlsx.importgrid import read_grid
from kpixl.xlsx.importlayouts import SCAN, read_layout

__all__ = ["Imported", "Skipped", "read_actuals"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Imported:
    """What a file gives: (node id, ``YYYY-MM``) -> value, the cell each came from (``C5``),
    the layout found (``long``, ``wide``, ``rows``) and what was skipped on purpose."""

    values: Mapping[tuple[str, str], float]
    origin: Mapping[tuple[str, str], str]
    layout: str
    skipped: tuple[Skipped, ...]


def read_actuals(path: str | os.PathLike[str], plan: Plan, *, name: str | None = None,
                 sheet: str | None = None, workbook: str = "WORKBOOK") -> Imported:
    """Read the export file at ``path`` for ``plan``. ``name``: how messages call the file (its
    path by default); ``sheet``: the .xlsx sheet (default: the first); ``workbook``: the path
    shown in "``kpixl ids WORKBOOK`` lists them all". Raises WorkbookError listing every
    problem."""
    p = Path(path)
    file = str(p) if name is None else name
    grid = read_grid(p, plan.locale, name=file, sheet=sheet)
    found = Found(plan, file, workbook)
    if not any(str(v).strip() for row in grid for v in row if v is not None):
        raise WorkbookError(found.t("file.empty", file=file))
    layout = read_layout(found, grid)
    if layout is None:
        raise WorkbookError(found.t("layout.no-header", file=file, rows=SCAN,
                                    workbook=workbook))
    if not found.errors and not found.values:
        found.errors.append(found.t("layout.no-values", file=file))
    if found.errors:
        raise WorkbookError("\n".join(found.errors))
    return Imported(values=found.values, origin=found.origin, layout=layout,
                    skipped=tuple(sorted(found.skipped, key=_place)))


def _place(s: Skipped) -> tuple[int, int, str]:
    """Title rows first, then columns left to right, then rows top to bottom."""
    if s.kind == "column":
        return 1, len(s.where), s.where
    return (0, 0, "") if s.kind == "title" else (2, int(s.where), "")
