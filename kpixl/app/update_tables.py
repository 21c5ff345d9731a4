"""What ``kpixl update`` carries into the new PDCA and KFS tables (module docstring of
:mod:`kpixl.app.update`): PDCA rows and the columns a user added right of the table; KFS
statuses by id, and KFS rows a user added, placed when the new plan has their id, else kept in
*Unplaced data*.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kpixl.layout.contract import KFS_HEADS, KFS_STATUS_COL, PDCA_COLUMNS, TABLE_TOP
from kpixl.layout.core import RangeRef, Sheet, WorkbookLayout, col_letter
from kpixl.model import Plan
from kpixl.xlsx.reader import WorkbookData, excel_date, same_value

if TYPE_CHECKING:
    from kpixl.app.update import UpdateResult

__all__ = ["MAX_HEADER", "Lost", "carry_kfs", "carry_pdca", "header_text", "layout_sheet",
           "set_cell"]

MAX_HEADER = 255  # characters of an Excel table column name
Lost = tuple[Any, Any, Any, Any, Any]  # an Unplaced data row: kind, id, month, value, note


def layout_sheet(layout: WorkbookLayout, name: str) -> Sheet:
    return next(s for s in layout.sheets if s.name == name)


def set_cell(sheet: Sheet, rc: tuple[int, int], value: Any, style: str | None = None) -> None:
    old = sheet.cells.get(rc)
    sheet.put(rc[0], rc[1], value, style or (old.style if old else "input"))


def carry_pdca(layout: WorkbookLayout, data: WorkbookData, plan: Plan, res: UpdateResult
               ) -> list[Lost]:
    from kpixl.layout.labels import sheet_name

    rows = data.pdca.rows
    added = data.pdca.header[PDCA_COLUMNS:]
    if not rows and not added:
        return []
    sheet = layout_sheet(layout, sheet_name("pdca", plan.locale))
    first = TABLE_TOP + 1
    lost = _widen(sheet, data, res) if added else []
    _grow(sheet, first + len(rows) - 1)
    for i, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                look = None if c < PDCA_COLUMNS else (
                    "input:date" if isinstance(v, dt.date) else "input")
                set_cell(sheet, (first + i, c), excel_date(v), look)
    if rows:
        res.carried.append(res.t("update.carried.pdca-rows", n=len(rows)))
    return lost


def _widen(sheet: Sheet, data: WorkbookData, res: UpdateResult) -> list[Lost]:
    """Extend the PDCA table right by the columns a user added to the old one, in order, with
    their header texts. Excel needs unique (case-insensitive), non-blank headers of at most 255
    characters: a blank header becomes ``Column<n>`` (n: its column's number), a repeated one
    gets a number appended, a longer one is cut (its full text goes to Unplaced data)."""
    rng, spec = sheet.tables[0]
    names = list(spec["columns"])
    taken = {n.lower() for n in names}
    table = data.pdca
    was = table.columns or tuple(range(len(table.header)))
    moved: list[str] = []
    lost: list[Lost] = []
    for i, head in enumerate(table.header[PDCA_COLUMNS:]):
        c = rng.col1 + 1 + i
        at, old_at = col_letter(c), col_letter(was[PDCA_COLUMNS + i])
        text = header_text(head)
        blank = not text.strip()
        name = f"Column{c + 1}" if blank else text[:MAX_HEADER]
        k = 2
        while name.lower() in taken:
            stem = f"Column{c + 1}_" if blank else text[:MAX_HEADER - len(str(k))]
            name, k = f"{stem}{k}", k + 1
        taken.add(name.lower())
        names.append(name)
        sheet.put(rng.row0, c, name, "head")
        for r in range(rng.row0 + 1, rng.row1 + 1):
            sheet.put(r, c, None, "input")
        sheet.widths.setdefault(c, 16)
        moved.append(f"{name!r} ({at})" if at == old_at else
                     res.t("update.column-moved", name=repr(name), at=at, old=old_at))
        if blank:
            res.warnings.append(res.t("update.warn.pdca-blank", old=old_at, name=repr(name),
                                      at=at))
        elif len(text) > MAX_HEADER:
            note = res.t("update.note.pdca-long", old=old_at, limit=MAX_HEADER,
                         name=repr(name))
            lost.append(("pdca header", name, "", text, note))
            res.unplaced.append(res.t("update.unplaced.pdca-long", old=old_at,
                                      length=len(text), name=repr(name)))
        elif name != text:
            res.warnings.append(res.t("update.warn.pdca-repeat", old=old_at, text=repr(text),
                                      name=repr(name), at=at))
    sheet.tables[0] = (RangeRef(rng.sheet, rng.row0, rng.col0, rng.row1,
                                rng.col0 + len(names) - 1), dict(spec, columns=names))
    res.carried.append(res.t("update.carried.pdca-columns", columns=", ".join(moved)))
    return lost


def _grow(sheet: Sheet, last: int) -> None:
    """Extend the PDCA table (and its input cells and validations) down to row ``last``."""
    rng, spec = sheet.tables[0]
    if last <= rng.row1:
        return
    for r in range(rng.row1 + 1, last + 1):
        for c in range(rng.col0, rng.col1 + 1):
            sheet.put(r, c, None, sheet.cells[(rng.row1, c)].style)
    sheet.validations = [(RangeRef(v.sheet, v.row0, v.col0, last, v.col1)
                          if v.row1 == rng.row1 else v, rule) for v, rule in sheet.validations]
    sheet.tables[0] = (RangeRef(rng.sheet, rng.row0, rng.col0, last, rng.col1), spec)


def header_text(v: Any) -> str:
    """A header cell's value as the text of a table column name."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, dt.datetime) and v == dt.datetime.combine(v.date(), dt.time()):
        return v.date().isoformat()
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def carry_kfs(layout: WorkbookLayout, data: WorkbookData, plan: Plan, merged: Plan,
              res: UpdateResult, unplaced: list[Lost]) -> list[Lost]:
    """KFS statuses of the workbook by KFS id; rows a user added to the KFS table and KFS
    entries of the previous Unplaced data sheet: placed when the new plan has their id (and the
    workbook had no row for it), else unplaced."""
    from kpixl.layout.labels import sheet_name

    old = {k.id: k.status or None for k in data.plan.kfs}
    new = {k.id: k.status or None for k in plan.kfs}
    lost: list[Lost] = []
    if not (data.kfs_status or data.kfs_added or unplaced):
        return lost
    sheet = layout_sheet(layout, sheet_name("kfs", merged.locale))
    rows = {c.value: r for (r, col), c in sheet.cells.items() if col == 0 and r > TABLE_TOP}
    for kid, status in data.kfs_status.items():
        if same_value(status, old.get(kid)):
            continue
        if kid not in new:
            lost.append(("kfs status", kid, "", status, res.t("update.note.no-kfs")))
            res.unplaced.append(res.t("update.unplaced.kfs-status", kid=kid, status=repr(status)))
        elif same_value(new[kid], old.get(kid)):
            set_cell(sheet, (rows[kid], KFS_STATUS_COL), status)
            res.kept.append(res.t("update.kept.kfs-status", kid=kid, status=repr(status)))
        else:
            res.plan_won.append(res.t("update.plan-won.kfs-changed", kid=kid,
                                      new=repr(new[kid]), status=repr(status)))
    placed: dict[str, Any] = {}

    def place(kid: str, field: str, value: Any, source: str, note: str) -> Lost | None:
        """A cell for a KFS the new plan has and the old workbook had no row for: the status is
        placed unless the plan sets another; a cell equal to the plan's row is done; anything
        else stays unplaced (returned)."""
        col = KFS_HEADS.index(field)
        if field != "status":
            now = sheet.cells.get((rows[kid], col))
            if _same_text(value, None if now is None else now.value):
                return None
            return (f"kfs {field}", kid, "", value, res.t(
                "update.note.kfs-has", note=note, kid=kid,
                value=_show(None if now is None else now.value)))
        if kid in placed:
            if same_value(value, placed[kid]):
                return None
            return ("kfs status", kid, "", value, res.t(
                "update.note.kfs-status-has", note=note, kid=kid, status=repr(placed[kid])))
        placed[kid] = value if new[kid] is None else new[kid]
        if new[kid] is None:
            set_cell(sheet, (rows[kid], col), value)
            res.kept.append(res.t("update.kept.kfs-status-from", kid=kid, status=repr(value),
                                  source=source))
        elif not same_value(new[kid], value):
            res.plan_won.append(res.t("update.plan-won.kfs-sets", kid=kid, new=repr(new[kid]),
                                      status=repr(value), source=source))
            return ("kfs status", kid, "", value, res.t(
                "update.note.kfs-plan-sets", note=note, kid=kid, status=repr(new[kid])))
        return None

    where = sheet_name("kfs", data.plan.locale)
    for r, values in data.kfs_added:
        kid = values[0]
        cells = [(KFS_HEADS[c], v) for c, v in enumerate(values) if c and v is not None]
        at = res.t("update.kfs.at", row=r, sheet=where)
        if isinstance(kid, str) and kid in new and kid not in old:
            got = [place(kid, f, v, res.t("update.kfs.from-row", at=at),
                         res.t("update.kfs.from-row", at=at)) for f, v in cells]
            here = [x for x in got if x is not None]
            if here:
                res.unplaced.append(res.t("update.unplaced.kfs-other", kid=kid, at=at,
                                          fields=_fields(here)))
            lost += here
            continue
        if isinstance(kid, str) and kid in old:
            fix = res.t("update.kfs.fix-first" if kid in new else "update.kfs.fix-gone",
                        kid=kid)
            note = res.t("update.note.kfs-another", kid=kid, at=at, fix=fix)
        elif kid is None:
            fix = res.t("update.kfs.fix-no-id")
            note = res.t("update.note.kfs-no-id", at=at, fix=fix)
        else:
            fix = res.t("update.kfs.fix-add", kid=kid)
            note = res.t("update.note.kfs-added", at=at, fix=fix)
        here = [(f"kfs {f}", kid, "", v, note) for f, v in cells] or [
            ("kfs row", kid, "", None, note)]
        res.unplaced.append(res.t("update.unplaced.kfs-row", kid="" if kid is None else f" {kid}",
                                  at=at, fields=_fields(here), fix=fix))
        lost += here
    for row in unplaced:
        kind, kid, _, value, note = row
        field = str(kind)[4:]
        if (isinstance(kid, str) and kid in new and kid not in old and field in KFS_HEADS[1:]
                and value is not None):
            back = place(kid, field, value, res.t("update.kfs.from-unplaced"),
                         res.t("update.note.kfs-now", kid=kid))
            if back is not None:
                lost.append(back)
        elif not (kind == "kfs row" and isinstance(kid, str) and kid in new and kid not in old):
            lost.append(row)
    return lost


def _same_text(a: Any, b: Any) -> bool:
    return header_text(a).strip() == header_text(b).strip()


def _show(v: Any) -> str:
    return "nothing" if v in (None, "") else repr(header_text(v))


def _fields(rows: list[Lost]) -> str:
    return ", ".join("id only" if r[0] == "kfs row" else f"{str(r[0])[4:]} {_show(r[3])}"
                     for r in rows)
