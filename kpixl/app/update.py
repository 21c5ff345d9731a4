"""``kpixl update PLAN WORKBOOK``: rebuild a workbook from a changed plan and carry over
everything a user entered.

What is carried, and how:

- **actuals and overrides** by node id and month label (``YYYY-MM``); those whose node or month
  no longer exists go to an *Unplaced data* sheet, never dropped (and are placed again by a
  later update when their node and month come back);
- **inputs a user changed** (value now != value recorded in ``_kpixl``) are kept, unless the new
  plan changes the same input relative to the plan stored in ``_kpixl``: then the plan wins and
  the result says so. The new ``_kpixl`` records the plan file's values, so a kept input still
  counts as the user's change at the next update;
- the **as-of month**, **PDCA rows** with the **columns a user added** right of the PDCA table
  (each column holding anything, placed right of the built columns in order, with its header
  text; Excel tables need unique headers, so a blank one is named ``Column<n>`` and a repeated
  one gets a number, with a warning, and one longer than 255 characters is cut, its full text
  going to *Unplaced data*), **KFS statuses** (by KFS id, kept like inputs), a **Target
  History** sheet, and **sheets a user added** (as values, with a note);
- **KFS rows a user added** to the KFS table: kpixl never invents plan entries, so a row whose
  id the new plan lacks (or repeats, or which has none) goes to *Unplaced data*, one
  ``kfs <column>`` row per filled cell, with a note to add it to the plan's ``kfs:`` list; once
  the plan has that id, its status is placed (unless the plan sets one) and cells equal to the
  plan's row are dropped; the same holds for the status of a KFS the plan had removed;
- a classic ``.xlsm``'s VBA project, byte for byte.

The old file is copied to ``NAME.YYYYmmdd-HHMMSS.bak.xlsx`` beside it first and replaced
atomically; an Excel lock file (``~$NAME.xlsx``) stops the update.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpixl.errors import PlanError, WorkbookError
from kpixl.layout.core import RangeRef, Sheet, WorkbookLayout, col_letter
from kpixl.layout.sheets_lists import KFS_HEADS
from kpixl.model import Plan
from kpixl.xlsx.reader import (
    META_SHEET,
    PDCA_COLUMNS,
    TABLE_TOP,
    TARGET_HISTORY,
    UNPLACED,
    WorkbookData,
    excel_date,
    parse_range,
    read_workbook,
    same_value,
)
from kpixl.xlsx.writer import check_lock

__all__ = ["UpdateResult", "check_lock", "rebuild", "update"]

UNPLACED_HEAD = ("kind", "id", "month", "value", "note")
MAX_HEADER = 255  # characters of an Excel table column name
Lost = tuple[Any, Any, Any, Any, Any]  # an Unplaced data row: kind, id, month, value, note
NOTE = {"en": "Copied by kpixl update from the previous workbook, as values (formulas, formats "
              "and charts are not kept).",
        "ja": "kpixl update が以前のブックから値として複写しました（数式・書式・グラフは複写され"
              "ません）。"}


@dataclass
class UpdateResult:
    """What an update did, one line per fact, for people."""

    path: Path
    backup: Path | None = None
    carried: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    plan_won: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)  # what kpixl.app.freeze froze

    def lines(self) -> list[str]:
        out = [f"updated {self.path}"]
        if self.backup:
            out.append(f"backup: {self.backup}")
        out += self.frozen
        for head, items in (("carried", self.carried), ("kept (changed in the workbook)",
                                                        self.kept),
                            ("plan wins", self.plan_won),
                            ("unplaced (see the Unplaced data sheet)", self.unplaced),
                            ("warnings", self.warnings)):
            if items:
                out.append(f"{head}:")
                out += [f"  {x}" for x in items]
        return out


# -- cells in a layout ----------------------------------------------------------------------------
def _sheet(layout: WorkbookLayout, name: str) -> Sheet:
    return next(s for s in layout.sheets if s.name == name)


def _cells(layout: WorkbookLayout, name: str) -> tuple[Sheet, list[tuple[int, int]]]:
    sheet, r0, c0, r1, c1 = parse_range(layout.names[name])
    return _sheet(layout, sheet), [(r, c) for r in range(r0, r1 + 1)
                                   for c in range(c0, c1 + 1)]


def _set(sheet: Sheet, rc: tuple[int, int], value: Any, style: str | None = None) -> None:
    old = sheet.cells.get(rc)
    sheet.put(rc[0], rc[1], value, style or (old.style if old else "input"))


# -- inputs ---------------------------------------------------------------------------------------
def _merge_inputs(data: WorkbookData, new_d: dict[str, Any], res: UpdateResult
                  ) -> tuple[dict[str, Any], list[Lost]]:
    """Inputs to keep (key -> the workbook's value) and unplaced rows."""
    from kpixl.model.inputs import input_value
    from kpixl.model.plan_dict import plan_to_dict

    old_d = plan_to_dict(data.plan)
    keep: dict[str, Any] = {}
    lost: list[Lost] = []
    for key, (was, now) in data.changed().items():
        if key == "in_asof":
            continue
        exists, new = input_value(new_d, key)
        _, old = input_value(old_d, key)
        if not exists:
            lost.append(("input", key, "", now, "the new plan has no such input"))
            res.unplaced.append(f"input {key} = {now} (no longer in the plan)")
        elif same_value(new, old):
            keep[key] = now
            res.kept.append(f"{key} = {now} (built as {was})")
        else:
            res.plan_won.append(f"{key}: the plan changed it from {old} to {new}; the "
                                f"workbook's {now} was replaced")
    return keep, lost


def _lost(row: tuple[Any, ...]) -> Lost:
    kind, node, label, value, note = (list(row) + [None] * 5)[:5]
    return (kind, node, label, value, note)


def _meta_sheet(plan: Plan, frozen: dict[str, list[float | None]] | None = None) -> Sheet:
    """The ``_kpixl`` sheet recording ``plan`` as built (the plan file's own values) and the
    frozen months written (:mod:`kpixl.app.freeze`)."""
    from kpixl.app.freeze import frozen_inputs
    from kpixl.engine.solve import solve
    from kpixl.layout import sheets_lists, sheets_plan
    from kpixl.layout.context import Context

    ctx = Context(plan=plan, solution=solve(plan))
    sheets_plan.inputs(ctx)
    ctx.inputs += frozen_inputs(frozen or {})
    return sheets_lists.meta(ctx)


def _layout(solution: Any, acts: dict[str, list[Any]], ovrs: dict[str, list[Any]],
            asof: int | None, frozen: dict[str, list[float | None]] | None = None
            ) -> WorkbookLayout:
    """The new layout; with tracking inputs when ``build_layout`` takes them (so cached values
    of formula cells match the carried actuals; else Excel recalculates on open:
    XlsxWriter sets ``fullCalcOnLoad``)."""
    from kpixl.layout import build_layout

    return build_layout(solution, actuals=acts, overrides=ovrs, asof=asof, frozen=frozen)


# -- the rebuild ----------------------------------------------------------------------------------
def rebuild(data: WorkbookData, plan: Plan, target: Path, *,
            new_actuals: dict[tuple[str, str], float] | None = None, backup: bool = True,
            now: dt.datetime | None = None, replan_closed: bool = False,
            freeze_closed: bool = True) -> UpdateResult:
    """Write ``target`` from ``plan`` (the plan file) with everything ``data`` holds carried
    over; ``new_actuals`` ((node, YYYY-MM) -> value) are placed on top (actuals import)."""
    from kpixl.engine.solve import solve
    from kpixl.model.inputs import apply_inputs, plan_from_dict
    from kpixl.model.plan_dict import plan_to_dict
    from kpixl.xlsx.writer import write_workbook

    res = UpdateResult(path=target, warnings=list(data.warnings))
    solve(plan)  # the plan file itself must solve
    new_d = plan_to_dict(plan)
    keep, lost = _merge_inputs(data, new_d, res)
    try:
        merged = plan_from_dict(apply_inputs(new_d, keep), plan.source) if keep else plan
        solution = solve(merged)
    except PlanError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        raise WorkbookError(f"{data.path}: the inputs changed in the workbook "
                            f"({', '.join(keep)}) do not fit the new plan ({first}); put them "
                            "into the plan (`kpixl pull`) or undo them in the workbook") from None
    labels = merged.period.labels()
    n = merged.months
    # what goes where: (kind, node, label) -> value
    want: dict[tuple[str, str, str], float] = {}
    kfs_lost: list[Lost] = []  # KFS entries of the previous Unplaced data sheet
    if data.unplaced is not None:
        for row in data.unplaced.rows:
            kind, node, label, value = (list(row) + [None] * 4)[:4]
            if kind in ("actual", "override") and isinstance(value, int | float):
                want[(str(kind), str(node), str(label))] = float(value)
            elif isinstance(kind, str) and kind.startswith("kfs "):
                kfs_lost.append(_lost(row))
            else:
                lost.append(_lost(row))
    for kind in ("actual", "override"):
        for (node, label), v in data.entered(kind).items():
            was = want.get((kind, node, label))
            if was is not None and was != v:  # an unplaced value met a newer entry: keep both
                lost.append((kind, node, label, was, "superseded by the workbook's value"))
            want[(kind, node, label)] = v
    for (node, label), v in (new_actuals or {}).items():
        want[("actual", node, label)] = v
    acts: dict[str, list[float | None]] = {k: [None] * n for k in merged.nodes}
    ovrs: dict[str, list[float | None]] = {k: [None] * n for k in merged.nodes}
    counts: dict[tuple[str, str], int] = {}
    for (kind, node, label), v in want.items():
        if node in merged.nodes and label in labels:
            (acts if kind == "actual" else ovrs)[node][labels.index(label)] = v
            counts[(kind, node)] = counts.get((kind, node), 0) + 1
        else:
            why = "no such KPI in the plan" if node not in merged.nodes else \
                "month outside the plan"
            lost.append((kind, node, label, v, why))
            res.unplaced.append(f"{kind} {node} {label} = {v:g} ({why})")
    res.carried += [f"{kind}s of {node}: {c} month{'s' * (c != 1)}"
                    for (kind, node), c in counts.items()]
    asof = data.asof
    if asof is not None and asof > n:
        lost.append(("asof", "in_asof", "", asof, f"the plan has {n} months"))
        res.unplaced.append(f"as-of month {asof} (the plan has {n} months)")
        asof = None
    from kpixl.app.freeze import freeze, recorded_frozen

    if freeze_closed:  # closed months keep their published targets (kpixl.app.freeze)
        frozen, res.frozen = freeze(data, merged, replan=replan_closed)
    else:  # the same plan (actuals import): the frozen months stay as they were
        frozen = recorded_frozen(data.recorded, merged)
    layout = _layout(solution, acts, ovrs, asof, frozen)
    for name, rows in (("act_", acts), ("ovr_", ovrs)):
        for node, values in rows.items():
            sheet, cells = _cells(layout, f"{name}{node}")
            for rc, cell in zip(cells, values, strict=True):
                if cell is not None:
                    _set(sheet, rc, cell)
    if asof is not None:
        sheet, (rc,) = _cells(layout, "in_asof")
        _set(sheet, rc, asof)
        res.kept.append(f"in_asof = {asof}")
    layout.sheets = [_meta_sheet(plan, frozen) if s.name == META_SHEET else s
                     for s in layout.sheets]
    _controls(layout, data, merged, target)
    lost += _pdca(layout, data, merged, res)
    lost += _kfs(layout, data, plan, merged, res, kfs_lost)
    _extra_sheets(layout, data, merged, lost, res)
    if backup:
        res.backup = _backup(data.path, now)
    vba = None if data.vba_project is None else _Vba(data.vba_project)
    write_workbook(layout, target, vba_project=vba)
    return res


class _Vba(bytes):
    """The VBA project's bytes, also readable as a stream: ``write_workbook`` hands its
    ``vba_project`` to XlsxWriter as a stream (``is_stream=True``), which calls ``getvalue()``."""

    def getvalue(self) -> bytes:
        return bytes(self)


def _controls(layout: WorkbookLayout, data: WorkbookData, plan: Plan, target: Path) -> None:
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


def _pdca(layout: WorkbookLayout, data: WorkbookData, plan: Plan, res: UpdateResult
          ) -> list[Lost]:
    from kpixl.layout.labels import sheet_name

    rows = data.pdca.rows
    added = data.pdca.header[PDCA_COLUMNS:]
    if not rows and not added:
        return []
    sheet = _sheet(layout, sheet_name("pdca", plan.locale))
    first = TABLE_TOP + 1
    lost = _widen(sheet, data, res) if added else []
    _grow(sheet, first + len(rows) - 1)
    for i, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                look = None if c < PDCA_COLUMNS else (
                    "input:date" if isinstance(v, dt.date) else "input")
                _set(sheet, (first + i, c), excel_date(v), look)
    if rows:
        res.carried.append(f"PDCA rows: {len(rows)}")
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
        text = _header_text(head)
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
        moved.append(f"{name!r} ({at if at == old_at else f'{at}, was {old_at}'})")
        if blank:
            res.warnings.append(f"PDCA column {old_at} has no header; it is named {name!r} "
                                f"(column {at}): an Excel table needs one")
        elif len(text) > MAX_HEADER:
            note = (f"the header of PDCA column {old_at}, longer than Excel's {MAX_HEADER} "
                    f"characters; the column is named {name!r}")
            lost.append(("pdca header", name, "", text, note))
            res.unplaced.append(f"PDCA column {old_at}'s header ({len(text)} characters): "
                                f"named {name!r}, the full text is kept")
        elif name != text:
            res.warnings.append(f"PDCA column {old_at}'s header {text!r} repeats another "
                                f"header of the table; it is named {name!r} (column {at})")
    sheet.tables[0] = (RangeRef(rng.sheet, rng.row0, rng.col0, rng.row1,
                                rng.col0 + len(names) - 1), dict(spec, columns=names))
    res.carried.append(f"PDCA columns added right of the table: {', '.join(moved)}")
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


def _header_text(v: Any) -> str:
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


def _kfs(layout: WorkbookLayout, data: WorkbookData, plan: Plan, merged: Plan,
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
    sheet = _sheet(layout, sheet_name("kfs", merged.locale))
    rows = {c.value: r for (r, col), c in sheet.cells.items() if col == 0 and r > TABLE_TOP}
    for kid, status in data.kfs_status.items():
        if same_value(status, old.get(kid)):
            continue
        if kid not in new:
            lost.append(("kfs status", kid, "", status, "no such KFS in the plan"))
            res.unplaced.append(f"KFS {kid} status {status!r} (no longer in the plan)")
        elif same_value(new[kid], old.get(kid)):
            _set(sheet, (rows[kid], 5), status)
            res.kept.append(f"KFS {kid} status = {status!r}")
        else:
            res.plan_won.append(f"KFS {kid}: the plan changed its status to {new[kid]!r}; the "
                                f"workbook's {status!r} was replaced")
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
            return (f"kfs {field}", kid, "", value, f"{note}; the plan's KFS {kid} has "
                    f"{_show(None if now is None else now.value)} there")
        if kid in placed:
            if same_value(value, placed[kid]):
                return None
            return ("kfs status", kid, "", value, f"{note}; KFS {kid} has the status "
                    f"{placed[kid]!r} already")
        placed[kid] = value if new[kid] is None else new[kid]
        if new[kid] is None:
            _set(sheet, (rows[kid], col), value)
            res.kept.append(f"KFS {kid} status = {value!r} (from {source})")
        elif not same_value(new[kid], value):
            res.plan_won.append(f"KFS {kid}: the plan sets its status to {new[kid]!r}; "
                                f"{value!r} from {source} stays in Unplaced data")
            return ("kfs status", kid, "", value, f"{note}; the plan sets the status of KFS "
                    f"{kid} to {new[kid]!r}")
        return None

    where = sheet_name("kfs", data.plan.locale)
    for r, values in data.kfs_added:
        kid = values[0]
        cells = [(KFS_HEADS[c], v) for c, v in enumerate(values) if c and v is not None]
        at = f"row {r} of the {where} sheet"
        if isinstance(kid, str) and kid in new and kid not in old:
            got = [place(kid, f, v, f"a row added to the KFS table ({at})",
                         f"added to the KFS table ({at})") for f, v in cells]
            here = [x for x in got if x is not None]
            if here:
                res.unplaced.append(f"KFS row {kid} ({at}): {_fields(here)} (the plan's KFS "
                                    f"{kid} has other values)")
            lost += here
            continue
        if isinstance(kid, str) and kid in old:
            fix = (f"only the first row of KFS {kid} counts: copy what you need into it"
                   if kid in new else f"the new plan has no KFS {kid}")
            note = f"another row for KFS {kid} ({at}); {fix}"
        elif kid is None:
            fix = "give it an id and add it to the plan's kfs: list to place it"
            note = f"a row added to the KFS table without an id ({at}); {fix}"
        else:
            fix = f"add initiative {kid} to the plan's kfs: list to place it"
            note = f"a row added to the KFS table ({at}); {fix}"
        here = [(f"kfs {f}", kid, "", v, note) for f, v in cells] or [
            ("kfs row", kid, "", None, note)]
        res.unplaced.append(f"KFS row{'' if kid is None else f' {kid}'} ({at}): "
                            f"{_fields(here)}: {fix}")
        lost += here
    for row in unplaced:
        kind, kid, _, value, note = row
        field = str(kind)[4:]
        if (isinstance(kid, str) and kid in new and kid not in old and field in KFS_HEADS[1:]
                and value is not None):
            back = place(kid, field, value, "Unplaced data", f"KFS {kid} is in the plan now")
            if back is not None:
                lost.append(back)
        elif not (kind == "kfs row" and isinstance(kid, str) and kid in new and kid not in old):
            lost.append(row)
    return lost


def _same_text(a: Any, b: Any) -> bool:
    return _header_text(a).strip() == _header_text(b).strip()


def _show(v: Any) -> str:
    return "nothing" if v in (None, "") else repr(_header_text(v))


def _fields(rows: list[Lost]) -> str:
    return ", ".join("id only" if r[0] == "kfs row" else f"{str(r[0])[4:]} {_show(r[3])}"
                     for r in rows)


def _extra_sheets(layout: WorkbookLayout, data: WorkbookData, plan: Plan,
                  lost: list[Lost], res: UpdateResult) -> None:
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
            res.warnings.append(f"sheet {name!r} was renamed {s.name!r} (its name is taken)")

    hist = data.target_history
    if hist is not None:
        add(TARGET_HISTORY[plan.locale == "ja"], hist.header, list(hist.rows), False)
        res.carried.append(f"target history rows: {len(hist.rows)}")
    for t in data.extra_sheets:
        add(t.sheet, t.header, list(t.rows), True)
        res.carried.append(f"sheet {t.sheet!r} (as values)")
    if lost:
        add(UNPLACED[plan.locale == "ja"], UNPLACED_HEAD, list(lost), False)
    keys = {c.style for s in layout.sheets for c in s.cells.values()} - set(layout.styles)
    layout.styles.update(build_styles(plan, keys))


def _look(v: Any) -> str:
    return "text:date" if isinstance(v, dt.date | dt.datetime) else "text"


def _backup(path: Path, now: dt.datetime | None) -> Path:
    """A copy beside ``path`` named by the time; never replaces an earlier backup (two updates
    in one second get ``-2``, ``-3``...)."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.{stamp}.bak{path.suffix}")
    k = 2
    while target.exists():
        target = path.with_name(f"{path.stem}.{stamp}-{k}.bak{path.suffix}")
        k += 1
    try:
        shutil.copy2(path, target)
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot write the backup {target.name} ({exc.strerror})"
                            ) from None
    return target


def update(plan_path: str | os.PathLike[str], workbook: str | os.PathLike[str], *,
           backup: bool = True, replan_closed: bool = False) -> UpdateResult:
    """Rebuild ``workbook`` from the plan file at ``plan_path``, carrying over what a user
    entered (module docstring). Raises PlanError or WorkbookError; nothing is written then."""
    from kpixl.model.loader import load

    path = Path(workbook)
    check_lock(path)
    plan = load(plan_path)
    data = read_workbook(path)
    return rebuild(data, plan, path, backup=backup, replan_closed=replan_closed)
