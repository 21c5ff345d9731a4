"""``kpixl actuals import WORKBOOK FILE``: bring actuals in from an export file.

The file is read by :func:`kpixl.xlsx.importfile.read_actuals` (the one reader, shared with the
workbook's button). The workbook is rebuilt through the same path as ``kpixl update``
(:func:`kpixl.app.update.rebuild`: read everything, place it, write with XlsxWriter), so charts,
buttons and a VBA project survive; it is copied to a backup first (update's backup, the same
helper) and replaced atomically. A cell that already holds a different number is never
overwritten without ``overwrite``: the error lists every such cell. ``dry_run`` reads and checks
everything, writes nothing, and shows the KPI x month grid that would be imported.

Everything printed is in the plan's language and names KPIs by their names.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kpixl.errors import WorkbookError
from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.model.checker import num
from kpixl.xlsx.importfile import Imported, read_actuals

__all__ = ["ActualsResult", "grid_lines", "import_actuals", "show_value"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActualsResult:
    """What an import did (or, for a dry run, would do), as lines for people."""

    path: Path
    imported: Imported
    dry_run: bool
    backup: Path | None = None
    report: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return list(self.report)


def _width(s: str) -> int:
    """Columns a terminal gives ``s`` (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, n: int, right: bool = False) -> str:
    gap = " " * max(0, n - _width(s))
    return gap + s if right else s + gap


def show_value(x: float) -> str:
    """A value as the grid shows it: whole numbers grouped (12,000), others as written (0.45)."""
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return num(x)


def grid_lines(plan: Plan, values: dict[tuple[str, str], float] | Imported) -> list[str]:
    """The KPI x month grid of ``values``: one line per KPI (plan order, by name), one column
    per month that holds a value."""
    vals = values.values if isinstance(values, Imported) else values
    months = [lb for lb in plan.period.labels() if any(m == lb for _, m in vals)]
    kpis = [nid for nid in plan.nodes if any(n == nid for n, _ in vals)]
    head = [msg("import.grid.kpi", plan.locale), *months]
    rows = [[plan.nodes[nid].name, *(show_value(vals[(nid, m)]) if (nid, m) in vals else "."
                                      for m in months)] for nid in kpis]
    widths = [max(_width(r[k]) for r in [head, *rows]) for k in range(len(head))]
    return ["  ".join(_pad(c, widths[k], right=k > 0) for k, c in enumerate(r)).rstrip()
            for r in [head, *rows]]


def import_actuals(workbook: str | os.PathLike[str], file: str | os.PathLike[str], *,
                   overwrite: bool = False, dry_run: bool = False,
                   sheet: str | None = None) -> ActualsResult:
    """Place the file's actuals into ``workbook`` (rebuilt like ``kpixl update`` with the plan it
    holds, after a backup); with ``dry_run``, only say what would be placed."""
    from kpixl.app.update import check_lock
    from kpixl.xlsx.safewrite import locked

    path = Path(workbook)
    check_source(Path(file))
    if dry_run:
        return _import(path, file, overwrite=overwrite, dry_run=True, sheet=sheet)
    check_lock(path)
    with locked(path):  # read and write under one lock: a concurrent writer is never lost
        return _import(path, file, overwrite=overwrite, dry_run=False, sheet=sheet)


def check_source(p: Path) -> None:
    """The import file must be a regular file (a FIFO would hang the read, ``/dev/zero`` never
    end); its size is bounded by the parser."""
    import stat

    try:
        st = os.stat(p)
    except OSError:
        return  # the parser says what is wrong (no such file, unreadable)
    if not stat.S_ISREG(st.st_mode):
        what = msg("wb.what.folder" if stat.S_ISDIR(st.st_mode) else "wb.what.device", "en")
        raise WorkbookError(f"{p}: " + msg("import.not-a-file", "en", what=what))


def _import(path: Path, file: str | os.PathLike[str], *, overwrite: bool, dry_run: bool,
            sheet: str | None) -> ActualsResult:
    from kpixl.app.entered import typed
    from kpixl.app.update import rebuild
    from kpixl.xlsx.reader import read_workbook

    data = read_workbook(path)
    plan, loc = data.plan, data.plan.locale
    got = read_actuals(file, plan, name=str(file), sheet=sheet, workbook=str(path))
    new = dict(got.values)
    have = data.entered()
    clash = [msg("import.conflict", loc, kpi=plan.nodes[nid].name, month=label,
                 have=show_value(have[(nid, label)]), new=show_value(v))
             for (nid, label), v in new.items()
             if (nid, label) in have and have[(nid, label)] != v]
    if data.unreadable and not overwrite and not dry_run:
        # the rebuilt workbook keeps numbers only: text or formulas typed there would be lost
        names = sorted(plan.nodes[k.split("_", 1)[1]].name if k.split("_", 1)[1] in plan.nodes
                       else k for k in data.unreadable)
        raise WorkbookError(msg("import.unreadable", loc, workbook=path, n=len(names),
                                kpis=", ".join(names)))
    formulas = [t for t in typed(data) if t.formula and t.in_input]
    if formulas and not overwrite and not dry_run:
        # an input cell holding a formula is rebuilt with a number: say so, never reset it
        raise WorkbookError(f"{path}: " + msg(
            "import.input-formulas", loc, count=len(formulas),
            cells=", ".join(t.where for t in formulas[:5])))
    if clash and not overwrite and not dry_run:
        raise WorkbookError("\n".join([msg("import.conflicts", loc, workbook=path, n=len(clash)),
                                       *(f"  {c}" for c in clash)]))
    skipped = [msg(f"import.skipped.{s.kind}", loc, where=s.where, text=s.text)
               for s in got.skipped]
    layout = msg("import.layout", loc, layout=msg(f"import.layout.{got.layout}", loc))
    if dry_run:
        out = [msg("import.dry-run", loc, n=len(new), file=file, workbook=path), layout,
               *grid_lines(plan, got), *skipped]
        if clash:
            out += [msg("import.conflicts.dry", loc, n=len(clash)), *(f"  {c}" for c in clash)]
        return ActualsResult(path=path, imported=got, dry_run=True, report=tuple(out))
    result = rebuild(data, plan, path, new_actuals=new, backup=True,
                     freeze_closed=False)  # an import changes no published target
    out = [msg("import.done", loc, n=len(new), file=file, workbook=path)]
    if result.backup is not None:
        out.append(msg("import.backup", loc, path=result.backup))
    out += [layout, *skipped]
    if clash:
        out.append(msg("import.replaced", loc, n=len(clash)))
    out += [msg("import.unplaced", loc, text=u) for u in result.unplaced]
    out += result.warnings
    return ActualsResult(path=path, imported=got, dry_run=False, backup=result.backup,
                         report=tuple(out))
