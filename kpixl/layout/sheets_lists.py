"""Dashboard, SMART, KFS, PDCA and the hidden ``_kpixl`` sheet."""

from __future__ import annotations

import json

from kpixl._version import __version__
from kpixl.engine import tracking as tr
from kpixl.engine.smart import LETTERS, SmartResult, smart_checks
from kpixl.formulas import tracking as ft
from kpixl.layout.context import Context
from kpixl.layout.contract import (
    CHUNK,
    FORMAT_VERSION,
    INPUT_KEY,
    KFS_HEADS,
    KFS_STATUS_COL,
    KFS_TABLE,
    META_SHEET,
    PDCA_DATE_COLS,
    PDCA_HEADS,
    PDCA_ROWS,
    PDCA_TABLE,
    TABLE_TOP,
)
from kpixl.layout.core import Chart, RangeRef, Sheet
from kpixl.layout.gap_block import gap_block
from kpixl.layout.labels import OLD_STATUS_WORDS
from kpixl.layout.sheets_plan import wrapped_height
from kpixl.model.plan_dict import plan_sha256, plan_to_json

PDCA_TEXT_COLS = (3, 4, 5, 6)  # finding, cause, action, owner: long text, wrapped
PDCA_ROW_HEIGHT = 46.0  # points: three lines of 10-point text
CHART_PX = (530, 280)  # the writer's chart size (width, height) in pixels
CHART_ROWS = 15  # rows per chart band: 280 px over 20-px rows is 14, one row to spare
DEFAULT_WIDTH = 8.43  # Excel's default column width (characters)


def column_px(width: float) -> int:
    """Pixels of a column ``width`` characters wide, as Excel (and XlsxWriter's anchors) count
    them: 7 px a character plus 5 px of padding (12 px a character below one)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def right_chart_col(widths: dict[int, float], first: int = 1, gap_px: int = 10) -> int:
    """The column where the right-hand chart of a band starts: the first column past the left
    chart's full width (from ``first``) plus a gap. A chart is anchored to cells (it moves and
    sizes with them), so the two never overlap however the columns are later resized."""
    col, px = first, 0
    while px < CHART_PX[0] + gap_px:
        px += column_px(widths.get(col, DEFAULT_WIDTH))
        col += 1
    return col


def _b(v: object) -> object:
    return "" if v is None else v


def dashboard(ctx: Context) -> Sheet:
    """KGI card, KPI summary, and cumulative target-vs-actual charts."""
    plan, sol, s = ctx.plan, ctx.solution, ctx.sheet("dashboard")
    trk = ctx.tracking
    kgi = plan.kgi
    big = ctx.width_for([abs(r.goal) for r in sol.nodes.values()], list(sol.nodes))
    s.widths = {0: 2, 1: 30, 2: big, 3: big, 4: big, 5: big, 6: big, 7: big, 8: 22}
    s.put(0, 1, plan.title, "title")
    assert ctx.month_labels is not None
    n = plan.months
    s.put(1, 1, formula=ft.asof_caption(ctx.t("asof_eff") + ": ", ctx.month_labels, n),
          cached=f"{ctx.t('asof_eff')}: " + (f"{plan.period.labels()[trk.asof - 1]} ({trk.asof})"
                                            if trk.asof else "-"), style="subtitle")
    heads = ["kpi", "ytd_target", "ytd_actual", "achievement", "status", "forecast", "goal",
             "missing"]
    row = 3
    s.put(row, 1, ctx.t("kgi"), "section")
    row += 1
    for i, key in enumerate(heads):
        s.put(row, 1 + i, ctx.t(key), "head")
    row += 1
    _summary_row(ctx, s, row, kgi, bold=True)
    row += 2
    s.put(row, 1, ctx.t("kpis"), "section")
    row += 1
    for i, key in enumerate(heads):
        s.put(row, 1 + i, ctx.t(key), "head")
    for node_id in plan.nodes:
        if node_id == kgi or sol.nodes[node_id].role == "assumption":
            continue
        row += 1
        _summary_row(ctx, s, row, node_id)
    row = gap_block(ctx, s, row + 2)
    for text, look in zip(ctx.statuses, ("good", "warn", "bad"), strict=True):
        s.cond_formats.append((s.range(5, 5, max(row, 5), 5), {
            "type": "cell", "criteria": "==", "value": f'"{text}"', "format": look}))
    # chart data: cumulative target and actual per month, for the KGI and each funnel stage
    charted = [kgi, *dict.fromkeys(st for f in plan.funnels for st in f.stages)]
    charted = list(dict.fromkeys(charted))
    row += 2
    chart_top = row
    row = chart_top + CHART_ROWS * ((len(charted) + 1) // 2) + 1
    # chart-data columns wide enough for the widest cumulative value (no ###)
    n = plan.months
    wide = ctx.width_for([abs(sol.nodes[k].total) for k in charted], charted)
    for c in range(2, 2 + n):
        s.widths[c] = max(s.widths.get(c, DEFAULT_WIDTH), wide)
    right = right_chart_col(s.widths)
    s.put(row, 1, ctx.t("chart_data"), "section")
    row += 1
    s.put(row, 1, ctx.t("month"), "head")
    assert ctx.month_labels is not None
    for m in range(n):
        s.put(row, 2 + m, formula=str(ctx.month_labels.cell(m)),
              cached=plan.period.labels()[m], style="head")
    cats = s.range(row, 2, row, 1 + n)
    data_top = row + 1
    for k, node_id in enumerate(charted):
        node, nt = plan.nodes[node_id], trk.nodes[node_id]
        erow, arow = ctx.effective_rows[node_id], f"act_{node_id}"
        cumulative = node.aggregate == "sum"
        row += 1
        title = ctx.t("chart_title", name=node.name) if cumulative else node.name
        title_cell = s.put(row, 1, title, "section")
        row += 1
        s.put(row, 1, f"{node.name}: {ctx.t('cum_target' if cumulative else 'target')}", "label")
        for m in range(n):
            if cumulative:
                f = f"SUM({erow.cell(0)}:{erow.cell(m)})"
                v = tr.window_target(nt.effective, 1, m + 1, "sum")
            else:
                f, v = str(erow.cell(m)), nt.effective[m]
            s.put(row, 2 + m, formula=f, cached=v, style=f"cell:{ctx.fmt(node_id)}")
        t_range = s.range(row, 2, row, 1 + n)
        row += 1
        s.put(row, 1, f"{node.name}: {ctx.t('cum_actual' if cumulative else 'actual')}", "label")
        acts = list((ctx.actuals or {}).get(node_id, [None] * n))
        h = ctx.track_cells[node_id]["h"]
        for m in range(n):
            if cumulative:
                body = ft.over_reported(arow, h, 1, m + 1, "sum", n)
                v = tr.window_actual(acts, 1, m + 1, "sum") if m < trk.asof else None
                cond = f"{ft.reported_count(h, 1, m + 1)}=0"
            else:
                body = ft.pick(arow, m + 1, n)
                v = acts[m] if m < trk.asof else None
                cond = f"NOT(ISNUMBER({body}))"
            f = ft.chart_point(m + 1, cond, body)
            s.put(row, 2 + m, formula=f, cached="#N/A" if v is None else v,
                  style=f"muted:{ctx.fmt(node_id)}")
        a_range = s.range(row, 2, row, 1 + n)
        anchor = (chart_top + CHART_ROWS * (k // 2), 1 if k % 2 == 0 else right)
        s.charts.append(Chart(title=title, categories=cats, anchor=anchor,
                              series=[(ctx.t("target"), t_range), (ctx.t("actual"), a_range)],
                              y_title=node.unit, title_cell=title_cell))
    # #N/A (no actual yet) makes a chart leave a gap; nobody should read it in a cell: one rule
    # over the whole chart-data block (the target rows are never #N/A)
    block = s.range(data_top, 2, row, 1 + n)
    s.cond_formats.append((block, {"type": "formula", "format": "invisible",
                                   "criteria": f"=ISNA({block.cell(0).local})"}))
    s.protect = True
    return s


def _summary_row(ctx: Context, s: Sheet, row: int, node_id: str, bold: bool = False) -> None:
    node, nt = ctx.plan.nodes[node_id], ctx.tracking.nodes[node_id]
    res = ctx.solution.nodes[node_id]
    fmt = ctx.fmt(node_id)
    look = "calc_bold" if bold else "calc"
    s.put(row, 1, node.name, "label")
    s.put(row, 2, formula=str(ctx.ytd_target_cells[node_id]), cached=_b(nt.ytd_target),
          style=f"{look}:{fmt}")
    s.put(row, 3, formula=f"ytd_{node_id}", cached=_b(nt.ytd_actual), style=f"{look}:{fmt}")
    s.put(row, 4, formula=f"ach_{node_id}", cached=_b(nt.achievement), style=f"{look}:pct")
    s.put(row, 5, formula=str(ctx.status_cells[node_id]), cached=ctx.status_text(nt.status),
          style="status")
    s.put(row, 6, formula=f"fc_{node_id}", cached=_b(nt.forecast), style=f"{look}:{fmt}")
    goal = ctx.goal_ref(node_id)
    s.put(row, 7, formula=goal, cached=res.goal, style=f"{look}:{fmt}")
    s.put(row, 8, formula=ctx.track_cells[node_id]["marker"],
          cached=_marker_text(ctx, nt.missing_months), style="missing")


def _marker_text(ctx: Context, months: tuple[int, ...]) -> str:
    from kpixl.layout.track_block import _marker

    return _marker(ctx, months)


def smart(ctx: Context) -> Sheet:
    plan, s = ctx.plan, ctx.sheet("smart")
    results, _ = smart_checks(ctx.solution)
    s.widths = {0: 24.0, 1: 26.0} | {2 + i: 8.0 for i in range(5)} | {7: 70.0}
    s.put(0, 0, plan.title, "title")
    s.put(2, 0, ctx.t("id"), "head")
    s.put(2, 1, ctx.t("kpi"), "head")
    for i, letter in enumerate(LETTERS):
        s.put(2, 2 + i, letter, "head")
    s.put(2, 7, ctx.t("check"), "head")
    row = 2
    by_node: dict[str, list[SmartResult]] = {}
    for r in results:
        by_node.setdefault(r.node, []).append(r)
    ctx.node_ids = s.range(row + 1, 0, row + len(by_node), 0)
    for node_id, rs in by_node.items():
        row += 1
        s.put(row, 0, node_id, "cell")
        s.put(row, 1, plan.nodes[node_id].name, "cell")
        msgs = []
        for i, r in enumerate(rs):
            s.put(row, 2 + i, "✓" if r.ok else "!", "good" if r.ok else "warn")
            if not r.ok:
                msgs.append(f"{r.letter}: {r.message}")
        text = "\n".join(msgs) or ctx.t("ok")
        s.put(row, 7, text, "cell_wrap")
        s.heights[row] = wrapped_height(text, 70)
    s.freeze = (3, 2)
    s.print_title_rows = (2, 2)
    s.protect = True
    return s


def kfs(ctx: Context) -> Sheet:
    plan, s = ctx.plan, ctx.sheet("kfs")
    heads = KFS_HEADS
    ids = max((len(k.id) for k in plan.kfs), default=0) + 2
    s.widths = {0: max(14, ids), 1: 30, 2: 30, 3: 18, 4: 12, 5: 14, 6: 50}
    s.put(0, 0, plan.title, "title")
    top = TABLE_TOP
    for i, key in enumerate(heads):
        s.put(top, i, ctx.t(key), "head")
    row = top
    options = ctx.t("status_values").split(",")
    for k in plan.kfs:
        row += 1
        linked = ("、" if ctx.locale == "ja" else ", ").join(plan.nodes[i].name for i in k.kpis)
        s.put(row, 0, k.id, "cell")
        s.put(row, 1, k.name, "cell_wrap")
        s.put(row, 2, linked, "cell_wrap")
        s.put(row, 3, k.owner, "cell_wrap")
        s.put(row, 4, k.due.isoformat() if k.due else "", "cell")
        s.put(row, KFS_STATUS_COL, OLD_STATUS_WORDS.get(k.status, k.status) or None, "input")
        s.put(row, 6, k.description, "cell_wrap")
        s.heights[row] = max(wrapped_height(k.name, 30), wrapped_height(linked, 30),
                             wrapped_height(k.owner, 18), wrapped_height(k.description, 50))
    last = max(row, top + 1)
    if row == top:
        for c in range(len(heads)):
            s.put(last, c, None, "input" if c == KFS_STATUS_COL else "cell")
    s.validations.append((s.range(top + 1, KFS_STATUS_COL, last, KFS_STATUS_COL),
                          {"validate": "list", "source": options}))
    s.tables.append((s.range(top, 0, last, len(heads) - 1),
                     {"name": KFS_TABLE, "columns": [ctx.t(h) for h in heads]}))
    s.freeze = (top + 1, 0)
    s.print_title_rows = (top, top)
    s.protect = True
    return s


def pdca(ctx: Context) -> Sheet:
    plan, s = ctx.plan, ctx.sheet("pdca")
    heads = PDCA_HEADS
    s.widths = {0: 12, 1: 10, 2: 20, 3: 40, 4: 30, 5: 40, 6: 16, 7: 12, 8: 12}
    s.put(0, 0, plan.title, "title")
    top = TABLE_TOP
    for i, key in enumerate(heads):
        s.put(top, i, ctx.t(key), "head")
    for r in range(top + 1, top + 1 + PDCA_ROWS):
        s.heights[r] = PDCA_ROW_HEIGHT  # three wrapped lines show without cutting the text
        for c in range(len(heads)):
            s.put(r, c, None, "input:date" if c in PDCA_DATE_COLS else
                  "input_wrap" if c in PDCA_TEXT_COLS else "input")
    last = top + PDCA_ROWS
    # drop-downs refer to ranges (a literal list is capped at 255 characters); the KPI list
    # offers names: the SMART sheet's name column, beside its id column
    assert ctx.node_ids is not None and ctx.month_labels is not None
    ids = ctx.node_ids
    names = RangeRef(ids.sheet, ids.row0, ids.col0 + 1, ids.row1, ids.col1 + 1)
    s.validations.append((s.range(top + 1, 2, last, 2),
                          {"validate": "list", "source": f"={names}"}))
    s.validations.append((s.range(top + 1, 1, last, 1),
                          {"validate": "list", "source": f"={ctx.month_labels}"}))
    s.validations.append((s.range(top + 1, 8, last, 8),
                          {"validate": "list", "source": ctx.t("status_values").split(",")}))
    s.tables.append((s.range(top, 0, last, len(heads) - 1),
                     {"name": PDCA_TABLE, "columns": [ctx.t(h) for h in heads]}))
    s.freeze = (top + 1, 0)
    s.print_title_rows = (top, top)
    return s


def meta(ctx: Context) -> Sheet:
    """The machine-readable copy: format version, the plan as JSON, its hash, the inputs (split
    shares and baselines with their cell in column C: kpixl.layout.contract)."""
    s = Sheet(META_SHEET, hidden=True)
    text = plan_to_json(ctx.plan)
    rows: list[tuple[str, object]] = [
        ("format_version", FORMAT_VERSION),
        ("kpixl_version", __version__),
        ("plan_sha256", plan_sha256(ctx.plan)),
        ("plan_json_chunks", (len(text) + CHUNK - 1) // CHUNK),
    ]
    rows += [("plan_json", text[i:i + CHUNK]) for i in range(0, len(text), CHUNK)]
    rows += [(f"{INPUT_KEY}{k}", json.dumps(v)) for k, v in ctx.inputs]
    refs = {f"{INPUT_KEY}split:{k}:{op}": ref for (k, op), ref in ctx.share_refs.items()}
    refs |= {f"{INPUT_KEY}baseline:{k}": ref for k, ref in ctx.baseline_refs.items()}
    for r, (k, v) in enumerate(rows):
        s.put(r, 0, k)
        s.put(r, 1, v)
        if k in refs:
            s.put(r, 2, str(refs[k]))
    return s
