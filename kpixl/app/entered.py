"""One definition of "holds entered data": what a person typed in a kpixl workbook, or what kpixl
moved there for them, and so what ``build`` and ``demo`` must not replace and what ``update`` and
``actuals import`` must carry (or refuse to drop).

A workbook holds entered data when any of these is there (over the reader's
:class:`~kpixl.xlsx.reader.WorkbookData`, plus the typed cells of :mod:`kpixl.xlsx.typed`):

- an actual or an override (also one the reader could not read: text, a formula);
- an input whose value differs from the value as built (``WorkbookData.changed``);
- a PDCA row or a column added right of the PDCA table; a KFS status changed, or a row added to
  the KFS table;
- a Target History or Unplaced data sheet (kpixl moved values there: they exist nowhere else);
- a sheet a user added (also one named like a kpixl sheet of the other language, such as a
  Japanese workbook's own sheet ``Dashboard``);
- a cell typed on a kpixl sheet: notes above the PDCA or KFS table, remarks beside Tracking rows,
  rows inserted in Tracking or Inputs, a formula typed into an input cell.

``update`` carries the typed cells (:func:`carry_typed`): into the same place on the same sheet
of the new layout when kpixl puts nothing there, else into Unplaced data, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpixl.errors import KpixlError, WorkbookError
from kpixl.layout.contract import KFS_COLUMNS, META_SHEET, PDCA_COLUMNS, TABLE_TOP
from kpixl.layout.core import WorkbookLayout
from kpixl.layout.placing import Notes
from kpixl.xlsx.reader import WorkbookData, same_value
from kpixl.xlsx.typed import Expected, TypedCell

__all__ = ["carry_typed", "entered", "grid_notes", "refuse_entered", "typed"]

Lost = tuple[Any, Any, Any, Any, Any]


def _expected(layout: WorkbookLayout) -> dict[str, Expected]:
    out: dict[str, Expected] = {}
    for s in layout.sheets:
        if s.name == META_SHEET:
            continue
        cells: dict[tuple[int, int], tuple[str, Any]] = {}
        for rc, c in s.cells.items():
            if c.style.startswith("input"):
                cells[rc] = ("input", None)
            elif c.formula is not None:
                cells[rc] = ("formula", None)
            else:
                cells[rc] = ("value", c.value)
        out[s.name] = cells
    return out


def _layout_of(data: WorkbookData, plan: Any) -> WorkbookLayout:
    from kpixl.app.update_sheets import add_controls_again
    from kpixl.engine.solve import solve
    from kpixl.layout import build_layout

    layout = build_layout(solve(plan))
    add_controls_again(layout, data, plan, data.path)
    return layout


def _skips(data: WorkbookData) -> dict[str, tuple[int, int | None]]:
    from kpixl.layout.labels import sheet_name

    return {data.pdca.sheet: (TABLE_TOP, None),
            sheet_name("kfs", data.plan.locale): (TABLE_TOP, KFS_COLUMNS)}


TYPED_SCAN_CELLS = 12_000
"""Month-grid cells (KPIs x months) up to which :func:`typed` compares every cell of the file
with a fresh layout. The comparison loads the whole file and lays the plan out twice; above this
size (a company-wide plan of thousands of KPIs) it would cost several times the build, so such a
workbook is not scanned and ``kpixl update`` says so (docs/decisions.md)."""


def typed_scan_skipped(data: WorkbookData) -> bool:
    """True when ``data``'s workbook is too large for :func:`typed` (:data:`TYPED_SCAN_CELLS`)."""
    return len(data.plan.nodes) * data.plan.months > TYPED_SCAN_CELLS


def typed(data: WorkbookData) -> list[TypedCell]:
    """The cells a person typed on kpixl's sheets of ``data``'s workbook (module docstring).

    Compared with the layout of the plan as built and, for what differs, with the layout of the
    plan with the inputs the workbook now holds (``kpixl update`` writes that one): a cell
    counts only when it matches neither. Empty for a workbook over :data:`TYPED_SCAN_CELLS`."""
    if typed_scan_skipped(data):
        return []
    from kpixl.app.pull import workbook_plan
    from kpixl.xlsx.typed import typed_cells

    skips = _skips(data)
    built = _layout_of(data, data.plan)
    found = typed_cells(data.path, _expected(built), skip_rows=skips, names=built.names)
    if not found or not data.changed():
        return found
    try:
        now = workbook_plan(data)
    except KpixlError:
        return found
    layout = _layout_of(data, now)
    again = {(t.sheet, t.row, t.col) for t in typed_cells(
        data.path, _expected(layout), skip_rows=skips, names=layout.names)}
    return [t for t in found if (t.sheet, t.row, t.col) in again]


def entered(data: WorkbookData, cells: Sequence[TypedCell] = (), locale: str = "en"
            ) -> list[str]:
    """What a person entered, one short description each in ``locale``, naming KPIs by their
    names (empty: nothing)."""
    from kpixl.app.update_text import input_name
    from kpixl.messages import msg

    def t(key: str, **params: object) -> str:
        return msg(key, locale, **params)

    plans = (data.plan,)
    found = [t(key, name=data.plan.nodes[k].name if k in data.plan.nodes else k)
             for p, key, rows in (("act_", "entered.actuals", data.actuals),
                                  ("ovr_", "entered.overrides", data.overrides))
             for k, row in rows.items()
             if any(v is not None for v in row) or f"{p}{k}" in data.unreadable]
    if data.pdca.rows or len(data.pdca.header) > PDCA_COLUMNS:
        found.append("PDCA")
    old = {k.id: k.status or None for k in data.plan.kfs}
    if any(not same_value(v, old.get(k)) for k, v in data.kfs_status.items()):
        found.append(t("entered.kfs-status"))
    if data.kfs_added:
        found.append(t("entered.kfs-rows"))
    found += [t("entered.input", name=input_name(plans, k, locale)) for k in data.changed()]
    if data.target_history is not None:
        found.append(t("entered.sheet", sheet=repr(data.target_history.sheet)))
    if data.unplaced is not None:
        found.append(t("entered.sheet", sheet=repr(data.unplaced.sheet)))
    found += [t("entered.sheet", sheet=repr(x.sheet)) for x in data.extra_sheets]
    by_sheet: dict[str, list[TypedCell]] = {}
    for c in cells:
        by_sheet.setdefault(c.sheet, []).append(c)
    for sheet, items in by_sheet.items():
        found.append(t("entered.cells", n=len(items), sheet=repr(sheet), where=items[0].where,
                       more=" ..." if len(items) > 1 else ""))
    return found


def refuse_entered(target: Path, *, force: bool, locale: str = "en",
                   command: str = "build") -> None:
    """Before ``build``/``demo`` replaces ``target``: refuse a file that is not a workbook (even
    with ``force``: kpixl never replaces a stranger's file of another kind), and, unless
    ``force``, a kpixl workbook that holds entered data (pointing to ``kpixl update``)."""
    from kpixl.messages import msg
    from kpixl.xlsx.reader import check_zip, read_workbook

    try:
        check_zip(target)
    except WorkbookError as exc:
        raise WorkbookError(f"{exc}; " + msg("entered.stranger", locale)) from None
    if force:
        return
    try:
        data = read_workbook(target)
    except WorkbookError as exc:
        raise WorkbookError(f"{exc}; " + msg("entered.stranger", locale)) from None
    what = entered(data, locale=locale)
    if not what:
        what = entered(data, typed(data), locale)
    if what:
        shown = "; ".join(what[:3]) + (f"; +{len(what) - 3}" if len(what) > 3 else "")
        key = "entered.demo" if command == "demo" else "entered.build"
        raise WorkbookError(f"{target}: " + msg(key, locale, what=shown))


def _sheet_map(data: WorkbookData, plan: Any) -> dict[str, str]:
    """Each kpixl sheet name of ``data``'s workbook -> its name in the new plan's language."""
    from kpixl.layout.labels import SHEETS, sheet_name

    to_new: dict[str, str] = {}
    for key, pair in SHEETS.items():
        for name in pair:
            if name not in to_new or name == sheet_name(key, data.plan.locale):
                to_new[name] = sheet_name(key, plan.locale)
    to_new[data.pdca.sheet] = sheet_name("pdca", plan.locale)
    return to_new


def grid_notes(cells: Sequence[TypedCell], data: WorkbookData, plan: Any,
               streamed: set[str]) -> Notes:
    """The typed cells that belong on the streamed month grids, for the layout to place as the
    rows stream (:class:`kpixl.layout.placing.Notes`)."""
    from kpixl.layout.placing import Notes

    to_new = _sheet_map(data, plan)
    out: dict[str, dict[tuple[int, int], Any]] = {}
    for t in cells:
        name = to_new.get(t.sheet, t.sheet)
        if name in streamed and not (t.formula or t.moved):
            out.setdefault(name, {})[(t.row, t.col)] = t.value
    return Notes(cells=out)


def carry_typed(layout: WorkbookLayout, data: WorkbookData, plan: Any, res: Any, *,
                cells: Sequence[TypedCell] | None = None, streamed: set[str] | None = None,
                notes: Notes | None = None) -> list[Lost]:
    """Place the typed cells of ``data``'s workbook in the new ``layout`` where kpixl puts
    nothing (same sheet, same cell), as text or a number, never as a formula; return Unplaced
    data rows for the rest (a formula typed into an input cell, a cell kpixl now uses, a cell of
    a sheet the new layout lacks), with the reason. Cells of the ``streamed`` month grids were
    placed by ``notes`` while the rows streamed. ``res`` (an UpdateResult) gets one line per
    sheet."""
    cells = typed(data) if cells is None else cells
    streamed = streamed or set()
    if not cells:
        return []
    to_new = _sheet_map(data, plan)
    sheets = {s.name: s for s in layout.sheets}
    lost: list[Lost] = []
    placed: dict[str, int] = dict(notes.placed) if notes is not None else {}
    clashed = {(s, r, c) for s, r, c, _ in notes.clashed} if notes is not None else set()
    for t in cells:
        name = to_new.get(t.sheet, t.sheet)
        sheet = sheets.get(name)
        value = t.value
        if t.formula and isinstance(value, str) and not value.startswith("="):
            value = "=" + value
        on_grid = name in streamed
        if on_grid and not (t.formula or t.moved) and (name, t.row, t.col) not in clashed:
            continue  # placed while the grid streamed
        if (t.formula or t.moved or sheet is None or on_grid
                or (t.row, t.col) in sheet.cells):
            why = res.t("update.why.input-formula" if t.in_input else
                        "update.why.formula" if t.formula else
                        "update.why.moved" if t.moved else "update.why.taken")
            lost.append(("cell", t.where, "", value, why))
            res.unplaced.append(res.t("update.unplaced.cell", where=t.where, value=repr(value),
                                      why=why))
            continue
        sheet.put(t.row, t.col, value, "text")
        placed[sheet.name] = placed.get(sheet.name, 0) + 1
    res.carried += [res.t("update.carried.typed", sheet=repr(name), n=n)
                    for name, n in placed.items()]
    return lost
