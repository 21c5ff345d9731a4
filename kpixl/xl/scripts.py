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
* ``import``: actuals from the CSV file named in ``action_csv``, into empty actual cells only.

:func:`run` reads the ``action`` dropdown and dispatches; :func:`run_xlwings` is the entry point
for an ``xlwings.Book`` (classic: the companion ``<workbook>.py``; Lite: ``main.py``).
"""

from __future__ import annotations

import datetime as dt
import sys
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
from kpixl.layout.controls import ACTIONS, NAMES, action_key
from kpixl.layout.labels import label, sheet_name
from kpixl.xl.book import BookLike, Grid, XlwingsBook, append_rows, cells_of, last_used_row
from kpixl.xl.state import State, is_number, read_state

__all__ = ["HISTORY", "VERSIONS", "import_actuals", "refresh_smart", "replan", "review", "run",
           "run_xlwings", "snapshot"]

VERSIONS = ("Target Versions", "目標バージョン")
PDCA_HEADER_ROW = TABLE_TOP  # 0-based: title, blank, header
SMART_FIRST_ROW = 3

_HEAD = {
    "history": (("Date", "Action", "KPI", "Name", "Month", "Old target", "New target", "Reason"),
                ("日付", "操作", "KPI", "名称", "対象月", "変更前", "変更後", "理由")),
    "versions": (("Version", "Date", "Reason", "KPI", "Name", "Total"),
                 ("バージョン", "日付", "理由", "KPI", "名称", "合計")),
}

_MSG = {
    "en": {
        "all_closed": "Nothing to re-plan: every month is closed (as-of month {asof}).",
        "replanned": "Re-planned {first}..{last}: {n} target(s) changed; see {sheet}.",
        "unchanged": "Re-plan {first}..{last}: the targets already reach the goals; nothing "
                     "changed.",
        "kept_formula": " Kept {n} override cell(s) holding a formula.",
        "kept_text": " Kept {n} override cell(s) holding text.",
        "kept_unknown": " Kept {n} override cell(s) entered by hand (this engine cannot tell "
                        "values from formulas).",
        "reason": "Catch-up after {month}",
        "snapshot": "Saved version {v} ({n} KPIs) to {sheet}.",
        "no_review": "Nothing to review yet: no month is closed.",
        "reviewed": "Wrote the PDCA review of {month} on row {row} of {sheet}.",
        "already": "The PDCA review of {month} is already on row {row} of {sheet}.",
        "off": "Off track", "risk": "At risk", "none_off": "All KPIs on track",
        "cause": "{name} ({id}): {share} of the gap {gap} {unit}",
        "no_gap": "No gap to explain (KGI on plan)",
        "no_cause": "Gap not attributable (missing actuals or targets)",
        "smart": "SMART checks refreshed: {n} warning(s).",
        "no_csv": "Enter the CSV file's path in the cell next to \"CSV file\" first.",
        "lite_csv": "xlwings Lite cannot read files on this computer: use classic xlwings or "
                    "`kpixl actuals import`.",
        "imported": "Imported {n} actual(s) from {file}.",
        "kept_actuals": " Kept {n} cell(s) that already hold a different value.",
        "unknown": "Choose an action in the dropdown first (got {got!r}).",
        "error": "Error: {msg}",
    },
    "ja": {
        "all_closed": "再計画する月がありません（締め月数 {asof}）。",
        "replanned": "{first}〜{last} を再計画しました：{n} 件の目標を変更（{sheet}に記録）。",
        "unchanged": "{first}〜{last} の再計画：現在の目標で達成できるため変更はありません。",
        "kept_formula": " 数式の入った上書きセル {n} 件はそのままにしました。",
        "kept_text": " 文字の入った上書きセル {n} 件はそのままにしました。",
        "kept_unknown": " 手入力の上書きセル {n} 件はそのままにしました（この環境では数式と値を"
                        "区別できません）。",
        "reason": "{month}締め後の挽回",
        "snapshot": "バージョン {v}（{n} KPI）を{sheet}に保存しました。",
        "no_review": "締めた月がないため振り返りはまだできません。",
        "reviewed": "{month}のPDCA振り返りを{sheet}の {row} 行目に記入しました。",
        "already": "{month}のPDCA振り返りは{sheet}の {row} 行目に記入済みです。",
        "off": "未達", "risk": "注意", "none_off": "全KPI順調",
        "cause": "{name}（{id}）：差異 {gap} {unit} のうち {share}",
        "no_gap": "差異なし（KGIは計画どおり）",
        "no_cause": "差異を分解できません（実績または目標が不足）",
        "smart": "SMARTチェックを更新しました：警告 {n} 件。",
        "no_csv": "先に「CSVファイル」の隣のセルにCSVファイルのパスを入力してください。",
        "lite_csv": "xlwings Liteではこのパソコンのファイルを読めません。通常版xlwingsか "
                    "`kpixl actuals import` を使ってください。",
        "imported": "{file} から実績 {n} 件を取り込みました。",
        "kept_actuals": " 既に別の値が入っているセル {n} 件はそのままにしました。",
        "unknown": "先にドロップダウンで操作を選んでください（{got!r}）。",
        "error": "エラー：{msg}",
    },
}


def _t(st_or_locale: State | str, key: str, **fmt: Any) -> str:
    locale = st_or_locale if isinstance(st_or_locale, str) else st_or_locale.plan.locale
    return _MSG["ja" if locale == "ja" else "en"][key].format(**fmt)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.4g}"


def _sheet(book: BookLike, names: tuple[str, str], locale: str, head: tuple[str, ...]) -> str:
    """The sheet (either language's name), created with its header row when missing."""
    for name in names:
        if name in book.sheet_names():
            if last_used_row(book.read(name)) < 0:
                book.write(name, 0, 0, [list(head)])
            return name
    name = names[1 if locale == "ja" else 0]
    book.add_sheet(name)
    book.write(name, 0, 0, [list(head)])
    return name


def _reason(book: BookLike) -> str:
    try:
        sheet, r, c, _, _ = cells_of(book, NAMES["reason"])
    except KeyError:
        return ""
    grid = book.read(sheet)
    v = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    return "" if v is None else str(v).strip()


# -- re-plan --------------------------------------------------------------------------------------
def _history_last_new(book: BookLike, sheet: str) -> dict[tuple[str, str], Any]:
    """(KPI id, month label) -> the last new target kpixl wrote there."""
    out: dict[tuple[str, str], Any] = {}
    for row in book.read(sheet)[1:]:
        row = [*row, *[None] * 8][:8]
        if isinstance(row[2], str) and row[4] is not None:
            out[(row[2], str(row[4]))] = row[6]
    return out


def replan(book: BookLike, *, reason: str | None = None, today: dt.date | None = None) -> str:
    """Write the catch-up targets of the months after the as-of month into the override cells
    of ``sum`` KPIs that have an actual up to the as-of month (a KPI nobody tracks is left
    alone: no data is not a zero), recording every change in Target History."""
    st = read_state(book)
    plan, n, a = st.plan, st.plan.months, st.asof
    if a >= n:
        return _t(st, "all_closed", asof=a)
    labels = st.labels
    locale = plan.locale
    head = _HEAD["history"][1 if locale == "ja" else 0]
    history = _sheet(book, HISTORY, locale, head)
    written_before = _history_last_new(book, history)
    why = reason if reason is not None else _reason(book)
    why = why or _t(st, "reason", month=labels[a - 1] if a else labels[0])
    when = today or dt.date.today()
    action_label = ACTIONS["replan"][1 if locale == "ja" else 0]
    rows: Grid = []
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
            book.write(sheet, r, c, [[new]])
            rows.append([when, action_label, node_id, node.name, labels[m], nt.effective[m],
                         new, why])
    if rows:
        append_rows(book, history, rows)
    key = "replanned" if rows else "unchanged"
    msg = _t(st, key, first=labels[a], last=labels[-1], n=len(rows), sheet=history)
    for kind, count in kept.items():
        if count:
            msg += _t(st, f"kept_{kind}", n=count)
    return msg


# -- snapshot -------------------------------------------------------------------------------------
def snapshot(book: BookLike, *, reason: str | None = None, today: dt.date | None = None) -> str:
    """Append every KPI's effective monthly targets (published, with overrides) as a version."""
    st = read_state(book)
    plan = st.plan
    head = (*_HEAD["versions"][1 if plan.locale == "ja" else 0], *st.labels)
    sheet = _sheet(book, VERSIONS, plan.locale, head)
    versions = [r[0] for r in book.read(sheet)[1:] if r and is_number(r[0])]
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
    append_rows(book, sheet, rows)
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
        raise WorkbookError(f"the {sheet} sheet is missing; the workbook was altered")
    grid = book.read(sheet)
    finding, cause = _finding(st), _cause(st)
    first_free = None
    for r in range(PDCA_HEADER_ROW + 1, len(grid)):
        row = [*grid[r], *[None] * PDCA_COLUMNS][:PDCA_COLUMNS]
        if row[1] == month and row[2] == plan.kgi and row[3] == finding and row[4] == cause:
            return _t(st, "already", month=month, row=r + 1, sheet=sheet)
        if first_free is None and all(v in (None, "") for v in row):
            first_free = r
    r = first_free if first_free is not None else max(len(grid), PDCA_HEADER_ROW + 1)
    status = label("pdca_status_values", plan.locale).split(",")[0]
    kgi = plan.nodes[plan.kgi]
    book.write(sheet, r, 0, [[today or dt.date.today(), month, plan.kgi, finding, cause]])
    book.write(sheet, r, 6, [[kgi.owner or None]])
    book.write(sheet, r, 8, [[status]])
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
    with book.unprotected(sheet):
        for r in range(SMART_FIRST_ROW, len(grid)):
            rs = by_node.get(grid[r][0]) if grid[r] else None
            if not rs:
                continue
            marks = {x.letter: x for x in rs}
            cells = ["✓" if marks[x].ok else "!" for x in LETTERS]
            msg = "; ".join(f"{x.letter}: {x.message}" for x in rs if not x.ok) or ok
            book.write(sheet, r, 2, [[*cells, msg]])
    return _t(st, "smart", n=len(warnings))


# -- import ---------------------------------------------------------------------------------------
def import_actuals(book: BookLike, path: str | None = None, *, folder: str | None = None) -> str:
    """Actuals from a CSV file (``action_csv``; relative paths from ``folder``) into the actual
    cells that are empty; a cell that already holds a different value is kept."""
    from kpixl.xlsx.importfile import parse_csv

    st = read_state(book)
    if sys.platform == "emscripten":  # xlwings Lite (Pyodide): no access to local files
        return _t(st, "lite_csv")
    if path is None:
        sheet, r, c, _, _ = cells_of(book, NAMES["csv"])
        grid = book.read(sheet)
        path = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    if path is None or not str(path).strip():
        return _t(st, "no_csv")
    p = Path(str(path).strip().strip('"'))
    if not p.is_absolute() and folder:
        p = Path(folder) / p
    try:
        found = parse_csv(p, st.plan, name=p.name)
    except WorkbookError as e:  # one line for the result cell: the first five problems
        problems = str(e).splitlines()
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise WorkbookError(" | ".join(problems[:5]) + more) from None
    month = {label: m for m, label in enumerate(st.labels)}
    values = {(node_id, month[label]): v for (node_id, label), v in found.items()}
    written = kept = 0
    grids: dict[str, Grid] = {}
    order = {node_id: i for i, node_id in enumerate(st.plan.nodes)}
    for (node_id, m), v in sorted(values.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        sheet, cells = st.row_cells(f"act_{node_id}")
        grid = grids.setdefault(sheet, book.read(sheet))
        r, c = cells[m]
        raw = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        if raw in (None, ""):
            book.write(sheet, r, c, [[v]])
            written += 1
        elif not (is_number(raw) and agree12(float(raw), v)):
            kept += 1
    msg = _t(st, "imported", n=written, file=p.name)
    return msg + (_t(st, "kept_actuals", n=kept) if kept else "")


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
    workbook calls it from ``main()``, a Lite ``main.py`` from its button script."""
    folder = None
    try:
        full = str(xw_book.fullname)
        folder = str(Path(full).parent) if full else None
    except Exception:  # xlwings Lite has no file on disk
        folder = None
    return run(XlwingsBook(xw_book), folder=folder)
