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

The new workbook is written as ``kpixl build`` writes one: the month grids stream to the file
while they are laid out, and the carried actuals, overrides and as-of month go into their cells
on the way (:class:`kpixl.layout.placing.Placer`), so memory holds one KPI's rows of the grids,
never the whole workbook. Reading streams too (:mod:`kpixl.xlsx.reader`). The carrying of the
PDCA and KFS tables is in :mod:`kpixl.app.update_tables`, the sheets added in
:mod:`kpixl.app.update_sheets`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpixl.app.update_text import input_name, input_text, kpi_name
from kpixl.errors import PlanError, WorkbookError
from kpixl.layout.contract import ACTUAL, META_SHEET, OVERRIDE, UNPLACED
from kpixl.layout.core import Sheet
from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.xlsx.reader import WorkbookData, read_workbook, same_value
from kpixl.xlsx.writer import check_lock

__all__ = ["UpdateResult", "check_lock", "rebuild", "update"]

Lost = tuple[Any, Any, Any, Any, Any]  # an Unplaced data row: kind, id, month, value, note


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
    locale: str = "en"  # the new plan's: every line is in its language (cli.md)
    plans: tuple[Plan, ...] = ()  # the new plan, then the workbook's: KPI names for the lines

    def t(self, key: str, **params: object) -> str:
        """The catalogue's message ``key`` in the plan's language."""
        return msg(key, self.locale, **params)

    def lines(self) -> list[str]:
        out = [self.t("update.updated", path=self.path)]
        if self.backup:
            out.append(self.t("update.backup", path=self.backup))
        out += self.frozen
        unplaced = UNPLACED[self.locale == "ja"]
        for head, items in (("update.head.carried", self.carried),
                            ("update.head.kept", self.kept),
                            ("update.head.plan-won", self.plan_won),
                            ("update.head.unplaced", self.unplaced),
                            ("update.head.warnings", self.warnings)):
            if items:
                out.append(self.t(head, sheet=unplaced))
                out += [f"  {x}" for x in items]
        return out


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
        name = input_name(res.plans, key, res.locale)

        def show(value: Any) -> str:
            return input_text(res.plans, key, value)  # noqa: B023 (called in this pass)

        if not exists:
            lost.append(("input", key, "", now, res.t("update.why.no-input")))
            res.unplaced.append(res.t("update.unplaced.input", name=name, now=show(now)))
        elif same_value(new, old):
            keep[key] = now
            res.kept.append(res.t("update.kept.input", name=name, now=show(now), was=show(was)))
        else:
            res.plan_won.append(res.t("update.plan-won.input", name=name, old=show(old),
                                      new=show(new), now=show(now)))
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


# -- the rebuild ----------------------------------------------------------------------------------
def rebuild(data: WorkbookData, plan: Plan, target: Path, *,
            new_actuals: dict[tuple[str, str], float] | None = None, backup: bool = True,
            now: dt.datetime | None = None, replan_closed: bool = False,
            freeze_closed: bool = True) -> UpdateResult:
    """Write ``target`` from ``plan`` (the plan file) with everything ``data`` holds carried
    over; ``new_actuals`` ((node, YYYY-MM) -> value) are placed on top (actuals import). The
    closed months keep their published targets (``freeze_closed``; ``replan_closed`` rebuilds
    them from the plan instead); an import keeps the frozen months as they were."""
    from kpixl.app.freeze import freeze, recorded_frozen
    from kpixl.engine.solve import solve
    from kpixl.model.inputs import apply_inputs, plan_from_dict
    from kpixl.model.plan_dict import plan_to_dict

    res = UpdateResult(path=target, warnings=list(data.warnings), locale=plan.locale,
                       plans=(plan, data.plan))
    solve(plan)  # the plan file itself must solve
    new_d = plan_to_dict(plan)
    keep, lost = _merge_inputs(data, new_d, res)
    try:
        merged = plan_from_dict(apply_inputs(new_d, keep), plan.source) if keep else plan
        solution = solve(merged)
    except PlanError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        names = ", ".join(input_name(res.plans, k, res.locale) for k in keep)
        raise WorkbookError(f"{data.path}: " + res.t("update.fit", inputs=names, first=first)
                            ) from None
    acts, ovrs, kfs_lost = _carried(data, merged, new_actuals, lost, res)
    n = merged.months
    asof = data.asof
    if asof is not None and asof > n:
        lost.append(("asof", "in_asof", "", asof, res.t("update.why.asof", n=n)))
        res.unplaced.append(res.t("update.unplaced.asof", asof=asof, n=n))
        asof = None
    entries: dict[str, list[Any]] = {f"{ACTUAL}{k}": v for k, v in acts.items()}
    entries |= {f"{OVERRIDE}{k}": v for k, v in ovrs.items()}
    if asof is not None:
        entries["in_asof"] = [asof]
        labels = merged.period.labels()
        res.kept.append(res.t("update.kept.asof",
                              month=labels[asof - 1] if 1 <= asof <= n else asof))
    if freeze_closed:  # closed months keep their published targets (kpixl.app.freeze)
        frozen, res.frozen = freeze(data, merged, replan=replan_closed)
    else:  # the same plan (actuals import): the frozen months stay as they were
        frozen = recorded_frozen(data.recorded, merged)
    _write(data, plan, merged, solution, target, entries, asof, lost, kfs_lost, res,
           backup=backup, now=now, frozen=frozen)
    return res


def _carried(data: WorkbookData, merged: Plan, new_actuals: dict[tuple[str, str], float] | None,
             lost: list[Lost], res: UpdateResult
             ) -> tuple[dict[str, list[float | None]], dict[str, list[float | None]],
                        list[Lost]]:
    """Actuals and overrides by node and month for the new plan (the workbook's, those of a
    previous Unplaced data sheet, then ``new_actuals``), and the KFS entries of that sheet;
    what has no place joins ``lost``."""
    labels = merged.period.labels()
    month = {label: m for m, label in enumerate(labels)}
    n = merged.months
    want: dict[tuple[str, str, str], float] = {}  # (kind, node, label) -> value
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
                lost.append((kind, node, label, was, res.t("update.why.superseded")))
            want[(kind, node, label)] = v
    for (node, label), v in (new_actuals or {}).items():
        want[("actual", node, label)] = v
    acts: dict[str, list[float | None]] = {k: [None] * n for k in merged.nodes}
    ovrs: dict[str, list[float | None]] = {k: [None] * n for k in merged.nodes}
    counts: dict[tuple[str, str], int] = {}
    for (kind, node, label), v in want.items():
        if node in merged.nodes and label in month:
            (acts if kind == "actual" else ovrs)[node][month[label]] = v
            counts[(kind, node)] = counts.get((kind, node), 0) + 1
        else:
            why = res.t("update.why.no-kpi" if node not in merged.nodes else
                        "update.why.no-month")
            lost.append((kind, node, label, v, why))
            res.unplaced.append(res.t("update.unplaced.entry", kind=res.t(f"update.kind.{kind}"),
                                      name=kpi_name(res.plans, node), month=label,
                                      value=f"{v:g}", why=why))
    res.carried += [res.t("update.carried.entries" + ".one" * (c == 1),
                          kinds=res.t(f"update.kinds.{kind}"), name=kpi_name(res.plans, node),
                          n=c)
                    for (kind, node), c in counts.items()]
    return acts, ovrs, kfs_lost


def _write(data: WorkbookData, plan: Plan, merged: Plan, solution: Any, target: Path,
           entries: dict[str, list[Any]], asof: int | None, lost: list[Lost],
           kfs_lost: list[Lost], res: UpdateResult, *, backup: bool,
           now: dt.datetime | None, frozen: dict[str, list[float | None]]) -> None:
    """Lay the new workbook out and write it as build does (the month grids streamed, the
    carried entries placed on the way), then the tables, sheets and backup."""
    from kpixl.app.entered import (
        TYPED_SCAN_CELLS,
        carry_typed,
        grid_notes,
        typed,
        typed_scan_skipped,
    )
    from kpixl.app.update_sheets import add_controls_again, add_sheets
    from kpixl.app.update_tables import carry_kfs, carry_pdca
    from kpixl.layout import build_layout, streamed_sheets, tabs
    from kpixl.layout.styles import build_styles
    from kpixl.xlsx.writer import WorkbookWriter

    typed_cells = typed(data)  # notes and remarks a person typed on kpixl's sheets
    if typed_scan_skipped(data):
        from kpixl.messages import msg

        res.warnings.append(msg("update.typed-not-scanned", merged.locale,
                                cells=f"{TYPED_SCAN_CELLS:,}"))
    streamed = set(streamed_sheets(merged))
    notes = grid_notes(typed_cells, data, merged, streamed)
    with WorkbookWriter(target, tabs(merged), streamed=streamed_sheets(merged),
                        styles=lambda key: build_styles(merged, {key})[key]) as writer:
        layout = build_layout(solution, actuals=entries_rows(entries, ACTUAL),
                              overrides=entries_rows(entries, OVERRIDE), asof=asof, sink=writer,
                              entries=entries, notes=notes, frozen=frozen)
        if merged is not plan or frozen:  # _kpixl: the plan file's own values, frozen months
            layout.sheets = [_meta_sheet(plan, frozen) if s.name == META_SHEET else s
                             for s in layout.sheets]
        add_controls_again(layout, data, merged, target)
        lost += carry_pdca(layout, data, merged, res)
        lost += carry_kfs(layout, data, plan, merged, res, kfs_lost)
        lost += carry_typed(layout, data, merged, res, cells=typed_cells, streamed=streamed,
                            notes=notes)
        add_sheets(layout, data, merged, lost, res)
        if backup:
            res.backup = _backup(data.path, now)
        writer.finish(layout, vba_project=data.vba_project)


def entries_rows(entries: dict[str, list[Any]], prefix: str) -> dict[str, list[Any]]:
    """The rows of ``entries`` named ``<prefix>X``, by X."""
    return {k[len(prefix):]: v for k, v in entries.items() if k.startswith(prefix)}


def _backup(path: Path, now: dt.datetime | None) -> Path:
    """A copy beside ``path`` named by the time (:func:`kpixl.xlsx.safewrite.backup`: two in
    one second get ``-2``, ``-3``...)."""
    from kpixl.xlsx.safewrite import backup

    made = backup(path, now)  # beside the real file (a link is followed)
    return path.with_name(made.name) if path.parent.resolve() == made.parent else made


def update(plan_path: str | os.PathLike[str], workbook: str | os.PathLike[str], *,
           backup: bool = True, replan_closed: bool = False) -> UpdateResult:
    """Rebuild ``workbook`` from the plan file at ``plan_path``, carrying over what a user
    entered (module docstring). Raises PlanError or WorkbookError; nothing is written then."""
    from kpixl.app.build import check_depth
    from kpixl.model.loader import load
    from kpixl.xlsx.safewrite import locked

    path = Path(workbook)
    check_lock(path)
    plan = load(plan_path)
    check_depth(plan)  # a tree too deep for a workbook (kpixl.app.build)
    with locked(path, plan.locale):  # read and write under one lock: no import is lost
        data = read_workbook(path)
        return rebuild(data, plan, path, backup=backup, replan_closed=replan_closed)
