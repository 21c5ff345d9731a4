"""Button actions: what the Run button of the Guide sheet does to the open workbook.

Each action reads the workbook through :class:`~kpixl.xl.book.BookLike` (inputs, actuals,
overrides: :mod:`kpixl.xl.state`), computes with the engine and writes back, and returns one
line for the ``action_result`` cell:

* ``replan``: the remaining months' catch-up targets (months after the as-of month, ``sum``
  KPIs with at least one actual up to it) written into the override cells. Never over a
  formula, never over text; each changed cell appended to the **Target History** sheet (date,
  action, KPI, month, old and new target, reason). Actuals are never written.
* ``snapshot``: every KPI's effective monthly targets appended to **Target Versions** as the
  next version number.
* ``review``: one row on the PDCA sheet for the as-of month: the KPIs off track (and at risk),
  and the cause of the KGI's gap (the engine's gap attribution).
* ``smart``: the SMART sheet's checks recomputed from the inputs as they are now.
* ``import``: actuals from CSV into empty actual cells only (:mod:`kpixl.xl.importing`: a
  file path under classic xlwings only; a pasted sheet or text everywhere).

Every action reads what it needs first, computes its whole result, then writes each range once,
only into unlocked cells, text into Text cells (:mod:`kpixl.xl.book` says why: on xlwings Lite
and Server reads see the snapshot sent with the click, nothing can lift a sheet's protection,
and Excel converts text as if typed).

:func:`run` reads the ``action`` dropdown and dispatches; :func:`run_xlwings` is the entry point
for an ``xlwings.Book`` (classic: the companion ``<workbook>.py``; Lite: ``main.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kpixl.engine.gap import attribute
from kpixl.engine.rounding import agree12
from kpixl.engine.smart import LETTERS, smart_checks
from kpixl.engine.tracking import window_target
from kpixl.errors import KpixlError, WorkbookError
from kpixl.layout.contract import PDCA_COLUMNS, TABLE_TOP
from kpixl.layout.contract import TARGET_HISTORY as HISTORY  # carried by kpixl update
from kpixl.layout.controls import ACTIONS, NAMES, SMART_FIRST_ROW, SMART_MARKS, action_key
from kpixl.layout.labels import label, sheet_name
from kpixl.messages import msg
from kpixl.xl.book import BookLike, Grid, XlwingsBook, cells_of
from kpixl.xl.importing import import_actuals
from kpixl.xl.state import State, is_number, read_state
from kpixl.xl.tables import append_table, find_sheet, month_text, spans

__all__ = ["HISTORY", "VERSIONS", "import_actuals", "refresh_smart", "replan", "review", "run",
           "run_xlwings", "snapshot"]

VERSIONS = ("Target Versions", "目標バージョン")
PDCA_HEADER_ROW = TABLE_TOP  # 0-based: title, blank, header
_PDCA_TEXT = (1, 2, 3, 4, 6, 8)  # month, KPI, finding, cause, owner, status: Text cells

_HEAD = {
    "history": (("Date", "Action", "KPI", "Name", "Month", "Old target", "New target", "Reason"),
                ("日付", "操作", "KPI", "名称", "対象月", "変更前", "変更後", "理由")),
    "versions": (("Version", "Date", "Reason", "KPI", "Name", "Total"),
                 ("バージョン", "日付", "理由", "KPI", "名称", "合計")),
}


def _t(st_or_locale: State | str, key: str, **fmt: Any) -> str:
    locale = st_or_locale if isinstance(st_or_locale, str) else st_or_locale.plan.locale
    return msg(f"xl.{key}", locale, **fmt)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.4g}"


def _reason(book: BookLike) -> str:
    try:
        sheet, r, c, _, _ = cells_of(book, NAMES["reason"])
    except KeyError:
        return ""
    grid = book.read(sheet)
    v = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    return "" if v is None else str(v).strip()


# -- re-plan --------------------------------------------------------------------------------------
_HISTORY_TEXT = (1, 2, 3, 4, 7)  # action, KPI, name, month, reason: Text cells
_VERSIONS_TEXT = (2, 3, 4)  # reason, KPI, name


def _history_last_new(grid: Grid) -> dict[tuple[str, str], Any]:
    """(KPI id, month label) -> the last new target kpixl wrote there (a month label read as
    text or as the date Excel made of it)."""
    out: dict[tuple[str, str], Any] = {}
    for row in grid[1:]:
        row = [*row, *[None] * 8][:8]
        month = month_text(row[4])
        if isinstance(row[2], str) and month is not None:
            out[(row[2], month)] = row[6]
    return out


def replan(book: BookLike, *, reason: str | None = None, today: dt.date | None = None) -> str:
    """Write the catch-up targets of the months after the as-of month into the override cells
    of ``sum`` KPIs that have an actual up to the as-of month (a KPI nobody tracks is left
    alone: no data is not a zero), recording every change in Target History.

    Everything is read first (state, history, override formulas), then each changed override
    cell is written once and the history rows are appended in one block."""
    st = read_state(book)
    plan, n, a = st.plan, st.plan.months, st.asof
    if a >= n:
        return _t(st, "all_closed", asof=a)
    labels = st.labels
    locale = plan.locale
    head = _HEAD["history"][1 if locale == "ja" else 0]
    history = find_sheet(book, HISTORY)
    history_grid = book.read(history) if history is not None else []
    written_before = _history_last_new(history_grid)
    why = reason if reason is not None else _reason(book)
    why = why or _t(st, "reason", month=labels[a - 1] if a else labels[0])
    when = today or dt.date.today()
    action_label = ACTIONS["replan"][1 if locale == "ja" else 0]
    rows: Grid = []
    writes: list[tuple[str, int, int, float]] = []
    kept = {"formula": 0, "text": 0, "unknown": 0}
    grids: dict[str, Grid] = {}
    for node_id, node in plan.nodes.items():
        nt = st.tracking.nodes[node_id]
        if node.aggregate != "sum" or node.kind == "assumption" or nt.ytd_actual is None:
            continue  # no actual up to the as-of month: no data is not a zero
        sheet, cells = st.row_cells(f"ovr_{node_id}")
        grid = grids.setdefault(sheet, book.read(sheet))
        r0, c0 = cells[0]
        formulas = book.formulas(sheet, r0, c0, 1, n)
        for m in range(a, n):
            new = nt.catch_up[m]
            if new is None or agree12(new, nt.effective[m]):
                continue
            r, c = cells[m]
            raw = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            if formulas is not None and formulas[0][m]:
                kept["formula"] += 1
                continue
            if raw not in (None, "") and not is_number(raw):
                kept["text"] += 1
                continue
            if formulas is None and raw not in (None, "") and not agree12(
                    raw, written_before.get((node_id, labels[m]))):
                kept["unknown"] += 1
                continue
            writes.append((sheet, r, c, new))
            rows.append([when, action_label, node_id, node.name, labels[m], nt.effective[m],
                         new, why])
    for sheet, r, c, new in writes:  # override cells: unlocked inputs, numbers
        book.write(sheet, r, c, [[new]])
    if rows:
        history, _ = append_table(book, HISTORY, locale, head, rows, _HISTORY_TEXT,
                                  history_grid if history is not None else None)
    key = "replanned" if rows else "unchanged"
    msg = _t(st, key, first=labels[a], last=labels[-1], n=len(rows),
             sheet=history or HISTORY[1 if locale == "ja" else 0])
    for kind, count in kept.items():
        if count:
            msg += _t(st, f"kept_{kind}", n=count)
    return msg


# -- snapshot -------------------------------------------------------------------------------------
def snapshot(book: BookLike, *, reason: str | None = None, today: dt.date | None = None) -> str:
    """Append every KPI's effective monthly targets (published, with overrides) as a version:
    the header (month labels as text) and the rows in one write."""
    st = read_state(book)
    plan = st.plan
    head = (*_HEAD["versions"][1 if plan.locale == "ja" else 0], *st.labels)
    sheet = find_sheet(book, VERSIONS)
    grid = book.read(sheet) if sheet is not None else []
    versions = [r[0] for r in grid[1:] if r and is_number(r[0])]
    v = int(max(versions, default=0)) + 1
    why = reason if reason is not None else _reason(book)
    when = today or dt.date.today()
    rows: Grid = []
    for node_id, node in plan.nodes.items():
        if node.kind == "assumption":
            continue
        eff = st.tracking.nodes[node_id].effective
        total = window_target(eff, 1, plan.months, node.aggregate)
        rows.append([v, when, why or None, node_id, node.name, total, *eff])
    sheet, _ = append_table(book, VERSIONS, plan.locale, head, rows, _VERSIONS_TEXT,
                            grid if sheet is not None else None)
    return _t(st, "snapshot", v=v, n=len(rows), sheet=sheet)


# -- PDCA review ----------------------------------------------------------------------------------
def _finding(st: State) -> str:
    plan, trk = st.plan, st.tracking
    parts = []
    for status, key in (("off_track", "off"), ("at_risk", "risk")):
        items = []
        for node_id, node in plan.nodes.items():
            nt = trk.nodes[node_id]
            if node.kind == "assumption" or nt.status != status or nt.achievement is None:
                continue
            items.append(f"{node.name} {nt.achievement:.0%} ({_fmt(nt.ytd_actual or 0)} / "
                         f"{_fmt(nt.ytd_target or 0)})")
        if items:
            parts.append(f"{_t(st, key)}: " + ", ".join(items))
    return "; ".join(parts) or _t(st, "none_off")


def _cause(st: State) -> str:
    plan, trk = st.plan, st.tracking
    kgi = plan.kgi
    att = attribute(kgi, {k: n.formula for k, n in plan.nodes.items()},
                    st.solution.determined, plan.nodes[kgi].direction,
                    {k: v.ytd_actual for k, v in trk.nodes.items()},
                    {k: v.ytd_target for k, v in trk.nodes.items()})
    if att.gap is None:
        return _t(st, "no_cause")
    if att.cause is None:
        return _t(st, "no_gap")
    node = plan.nodes[att.cause]
    return _t(st, "cause", name=node.name, id=att.cause, share=_fmt(att.shares[att.cause]),
              gap=_fmt(att.gap), unit=plan.nodes[kgi].unit)


def review(book: BookLike, *, today: dt.date | None = None) -> str:
    """One PDCA row for the as-of month: date, month, the KGI, the finding (KPIs off track and
    at risk, with achievement) and the cause of the KGI's gap; owner and an open status."""
    st = read_state(book)
    plan, a = st.plan, st.asof
    if a == 0:
        return _t(st, "no_review")
    month = st.labels[a - 1]
    sheet = sheet_name("pdca", plan.locale)
    if sheet not in book.sheet_names():
        raise WorkbookError(msg("xl.sheet-missing", plan.locale, sheet=sheet))
    grid = book.read(sheet)
    finding, cause = _finding(st), _cause(st)
    first_free = None
    for r in range(PDCA_HEADER_ROW + 1, len(grid)):
        row = [*grid[r], *[None] * PDCA_COLUMNS][:PDCA_COLUMNS]
        if (month_text(row[1]) == month and row[2] == plan.kgi and row[3] == finding
                and row[4] == cause):
            return _t(st, "already", month=month, row=r + 1, sheet=sheet)
        if first_free is None and all(v in (None, "") for v in row):
            first_free = r
    r = first_free if first_free is not None else max(len(grid), PDCA_HEADER_ROW + 1)
    status = label("pdca_status_values", plan.locale).split(",")[0]
    kgi = plan.nodes[plan.kgi]
    entry = [today or dt.date.today(), month, plan.kgi, finding, cause, None, kgi.owner or None,
             None, status]
    for c, count in spans(_PDCA_TEXT):  # the month label and every text stays text
        book.text_format(sheet, r, c, 1, count)
    book.write(sheet, r, 0, [entry])  # one write: the row was free (columns 5, 7 blank)
    return _t(st, "reviewed", month=month, row=r + 1, sheet=sheet)


# -- SMART ----------------------------------------------------------------------------------------
def refresh_smart(book: BookLike) -> str:
    """Recompute the SMART checks from the inputs as they are now; rewrite the marks and
    messages of the SMART sheet (rows found by KPI id)."""
    st = read_state(book)
    plan = st.plan
    results, warnings = smart_checks(st.solution)
    by_node: dict[str, list[Any]] = {}
    for res in results:
        by_node.setdefault(res.node, []).append(res)
    sheet = sheet_name("smart", plan.locale)
    grid = book.read(sheet)
    ok = label("ok", plan.locale)
    for r in range(SMART_FIRST_ROW, len(grid)):  # marks and message: unlocked (controls.py)
        rs = by_node.get(grid[r][0]) if grid[r] else None
        if not rs:
            continue
        marks = {x.letter: x for x in rs}
        cells = ["✓" if marks[x].ok else "!" for x in LETTERS]
        msg = "; ".join(f"{x.letter}: {x.message}" for x in rs if not x.ok) or ok
        book.write(sheet, r, SMART_MARKS, [[*cells, msg]])
    return _t(st, "smart", n=len(warnings))


# -- dispatch -------------------------------------------------------------------------------------
def _locale(book: BookLike) -> str:
    return "ja" if sheet_name("guide", "ja") in book.sheet_names() else "en"


def run(book: BookLike, action: str | None = None, *, today: dt.date | None = None,
        folder: str | None = None) -> str:
    """Run the action chosen in the ``action`` cell (or ``action``: a key or a label); write
    the one-line result into ``action_result`` and return it. Errors a user can fix become the
    result line; a bug keeps its traceback."""
    locale = _locale(book)
    if action is None:
        sheet, r, c, _, _ = cells_of(book, NAMES["action"])
        grid = book.read(sheet)
        action = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    key = action_key(action)
    actions: dict[str, Callable[[], str]] = {
        "replan": lambda: replan(book, today=today),
        "snapshot": lambda: snapshot(book, today=today),
        "review": lambda: review(book, today=today),
        "smart": lambda: refresh_smart(book),
        "import": lambda: import_actuals(book, folder=folder),
    }
    if key is None:
        msg = _t(locale, "unknown", got=action)
    else:
        try:
            msg = actions[key]()
        except KpixlError as e:
            msg = _t(locale, "error", msg=str(e).splitlines()[0])
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M") if today is None else today.isoformat()
    try:
        sheet, r, c, _, _ = cells_of(book, NAMES["result"])
        book.write(sheet, r, c, [[f"{stamp} {msg}"]])
    except KeyError:
        pass
    return msg


def run_xlwings(xw_book: Any) -> str:
    """Entry point for an ``xlwings.Book``: the companion ``<workbook>.py`` of a classic
    workbook calls it from ``main()``, a Lite ``main.py`` from its button script (also what
    xlwings Server runs). Only classic xlwings has a workbook folder to read a CSV path from."""
    book = XlwingsBook(xw_book)
    folder = None
    if book.engine == "classic":
        try:
            full = str(xw_book.fullname)
            folder = str(Path(full).parent) if full else None
        except Exception:  # a workbook not saved yet
            folder = None
    return run(book, folder=folder)
