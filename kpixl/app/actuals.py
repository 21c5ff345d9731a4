"""``kpixl actuals import WORKBOOK CSV``: bring actuals in from an export file.

The file is read by :func:`kpixl.xlsx.importfile.parse_csv` (the one reader, shared with the
workbook's button). The workbook is rebuilt through the same path as ``kpixl update`` (read
everything, place it, write with XlsxWriter), so charts, buttons and a VBA project survive, and it
is replaced atomically. A cell that already holds a different number is never overwritten without
``overwrite``: the error lists every such cell.
"""

from __future__ import annotations

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
    from kpixl.app.update import check_lock, rebuild
    from kpixl.xlsx.reader import read_workbook

    path = Path(workbook)
    check_lock(path)
    data = read_workbook(path)
    new = parse_csv(csv_path, data.plan)
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
    if clash and not overwrite:
        raise WorkbookError("\n".join([f"{path}: {len(clash)} cell(s) already hold a different "
                                       "actual; use --overwrite to replace them:",
                                       *(f"  {c}" for c in clash)]))
    result = rebuild(data, data.plan, path, new_actuals=new, backup=False,
                     freeze_closed=False)
    result.carried.insert(0, f"imported {len(new)} actual(s) from {Path(csv_path).name}"
                          + (f", replacing {len(clash)}" if clash else ""))
    return result
