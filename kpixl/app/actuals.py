"""``kpixl actuals import WORKBOOK CSV``: bring actuals in from an export file.

The file is read by :func:`kpixl.xlsx.importfile.parse_csv` (the one reader, shared with the
workbook's button). The workbook is rebuilt through the same path as ``kpixl update`` (read
everything, place it, write with XlsxWriter), so charts, buttons and a VBA project survive, and it
is replaced atomically. A cell that already holds a different number is never overwritten without
``overwrite``: the error lists every such cell.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kpixl.errors import WorkbookError
from kpixl.xlsx.importfile import parse_csv

if TYPE_CHECKING:
    from kpixl.app.update import UpdateResult

__all__ = ["import_actuals", "parse_csv"]


def import_actuals(workbook: str | os.PathLike[str], csv_path: str | os.PathLike[str], *,
                   overwrite: bool = False) -> UpdateResult:
    """Place the CSV's actuals into ``workbook`` (rebuilt like ``kpixl update`` with the plan it
    holds); return the :class:`~kpixl.app.update.UpdateResult`."""
    from kpixl.app.update import check_lock
    from kpixl.xlsx.safewrite import locked

    path = Path(workbook)
    check_lock(path)
    with locked(path):  # read and write under one lock: a concurrent writer is never lost
        return _import(path, csv_path, overwrite=overwrite)


MAX_VALUE = 1e15  # the largest actual an import takes: Excel keeps 15 significant digits


def check_source(p: Path) -> None:
    """The import file must be a regular file (a FIFO would hang the read, ``/dev/zero`` never
    end); its size is bounded by the parser."""
    import stat

    try:
        st = os.stat(p)
    except OSError:
        return  # the parser says what is wrong (no such file, unreadable)
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "a pipe, device or socket"
        raise WorkbookError(f"{p}: is {what}, not an import file")


def _import(path: Path, csv_path: str | os.PathLike[str], *, overwrite: bool) -> UpdateResult:
    from kpixl.app.entered import typed
    from kpixl.app.update import rebuild
    from kpixl.messages import msg
    from kpixl.xlsx.reader import read_workbook

    check_source(Path(csv_path))
    data = read_workbook(path)
    new = parse_csv(csv_path, data.plan)
    bad = [f"{node} {label}: {v!r}" for (node, label), v in new.items()
           if not (isinstance(v, int | float) and math.isfinite(v) and abs(v) <= MAX_VALUE)]
    if bad:  # 1e309 reads as inf; Excel holds neither it nor 1e308-sized sums
        raise WorkbookError(f"{csv_path}: " + msg("import.not-finite", data.plan.locale,
                                                  limit=f"{MAX_VALUE:g}",
                                                  cells="; ".join(bad[:5])))
    have = data.entered()
    clash = [f"{node} {label}: the workbook has {have[(node, label)]:g}, the CSV {v:g}"
             for (node, label), v in new.items()
             if (node, label) in have and have[(node, label)] != v]
    if data.unreadable and not overwrite:
        # the rebuilt workbook keeps numbers only: text or formulas typed there would be lost
        cells = [w.split(": ", 1)[1] for w in data.warnings if "is not a number" in w
                 and ("act_" in w or "ovr_" in w)]
        raise WorkbookError("\n".join([
            f"{path}: {len(data.unreadable)} row(s) hold text or formulas where numbers belong "
            "(" + ", ".join(sorted(data.unreadable)) + "); fix or clear them first, or use "
            "--overwrite to drop them", *(f"  {c}" for c in cells)]))
    formulas = [t for t in typed(data) if t.formula and t.in_input]
    if formulas and not overwrite:
        # an input cell holding a formula is rebuilt with a number: say so, never reset it
        raise WorkbookError(f"{path}: " + msg(
            "import.input-formulas", data.plan.locale, count=len(formulas),
            cells=", ".join(t.where for t in formulas[:5])))
    if clash and not overwrite:
        raise WorkbookError("\n".join([f"{path}: {len(clash)} cell(s) already hold a different "
                                       "actual; use --overwrite to replace them:",
                                       *(f"  {c}" for c in clash)]))
    result = rebuild(data, data.plan, path, new_actuals=new, backup=True)
    result.carried.insert(0, f"imported {len(new)} actual(s) from {Path(csv_path).name}"
                          + (f", replacing {len(clash)}" if clash else ""))
    return result
