"""The sheets ``kpixl update`` adds to the new workbook: the xlwings control panel and
settings sheet of a workbook built with ``--xlwings``, a Target History sheet, the sheets a
user added (as values, with a note), and *Unplaced data* (what has no place in the new plan).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpixl.layout.contract import META_SHEET, TARGET_HISTORY, UNPLACED
from kpixl.layout.core import Sheet, WorkbookLayout
from kpixl.model import Plan
from kpixl.xlsx.reader import WorkbookData, excel_date

if TYPE_CHECKING:
    from kpixl.app.update import UpdateResult

__all__ = ["NOTE", "UNPLACED_HEAD", "add_controls_again", "add_sheets"]

UNPLACED_HEAD = ("kind", "id", "month", "value", "note")
NOTE = {"en": "Copied by kpixl update from the previous workbook, as values (formulas, formats "
              "and charts are not kept).",
        "ja": "kpixl update が以前のブックから値として複写しました（数式・書式・グラフは複写され"
              "ません）。"}


def add_controls_again(layout: WorkbookLayout, data: WorkbookData, plan: Plan,
                       target: Path) -> None:
    """Built with ``--xlwings lite|classic``: the control panel again (classic: with the old
    ``xlwings.conf`` sheet's cells, which a user may have extended); the VBA project is carried
    as it was, so neither needs xlwings installed."""
    if data.xlwings == "none":
        return
    from kpixl.layout.controls import add_controls, add_xlwings_conf

    if data.xlwings == "lite":
        from kpixl.xl import lite_main_py, lite_requirements

        add_controls(layout, plan, "lite", main_py=lite_main_py, requirements=lite_requirements())
        return
    add_controls(layout, plan, "classic", companion=target.with_suffix(".py").name)
    conf = add_xlwings_conf(layout)
    old = data.xlwings_conf
    if old is not None:
        for r, row in enumerate([old.header, *old.rows]):
            for c, v in enumerate(row):
                if v is not None:
                    conf.put(r, c, v)


def add_sheets(layout: WorkbookLayout, data: WorkbookData, plan: Plan,
               lost: list[Any], res: UpdateResult) -> None:
    """Target History, Unplaced data and sheets a user added, as values."""
    from kpixl.layout.styles import build_styles

    taken = {s.name.lower() for s in layout.sheets}

    def free(name: str) -> str:
        base, k = name, 2
        while name.lower() in taken:
            suffix = f" ({k})"
            name, k = base[:31 - len(suffix)] + suffix, k + 1
        taken.add(name.lower())
        return name

    def add(name: str, header: tuple[Any, ...], rows: list[tuple[Any, ...]], note: bool) -> None:
        s = Sheet(free(name))
        for c, v in enumerate(header):
            if v is not None:
                s.put(0, c, excel_date(v), "head" if not note else _look(v))
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row):
                if v is not None:
                    s.put(r, c, excel_date(v), _look(v))
        if note:
            s.comments[(0, 0)] = NOTE[plan.locale]
        s.widths = {c: 14 for c in range(max((len(r) for r in [header, *rows]), default=0))}
        at = next(i for i, x in enumerate(layout.sheets) if x.name == META_SHEET)
        layout.sheets.insert(at, s)
        if name != s.name:
            res.warnings.append(res.t("update.warn.sheet-renamed", old=repr(name),
                                      new=repr(s.name)))

    hist = data.target_history
    if hist is not None:
        add(TARGET_HISTORY[plan.locale == "ja"], hist.header, list(hist.rows), False)
        res.carried.append(res.t("update.carried.history", n=len(hist.rows)))
    for t in data.extra_sheets:
        add(t.sheet, t.header, list(t.rows), True)
        res.carried.append(res.t("update.carried.sheet", sheet=repr(t.sheet)))
    if lost:
        add(UNPLACED[plan.locale == "ja"], UNPLACED_HEAD, list(lost), False)
    keys = {c.style for s in layout.sheets for c in s.cells.values()} - set(layout.styles)
    layout.styles.update(build_styles(plan, keys))


def _look(v: Any) -> str:
    return "text:date" if isinstance(v, dt.date | dt.datetime) else "text"
