"""Dashboard, SMART, KFS, PDCA and the hidden ``_kpixl`` sheet."""

from __future__ import annotations

import json

from kpixl._version import __version__
from kpixl.engine import tracking as tr
from kpixl.engine.smart import LETTERS, SmartResult, smart_checks
from kpixl.formulas import tracking as ft
from kpixl.layout.context import Context
from kpixl.layout.core import Chart, Sheet
from kpixl.layout.gap_block import gap_block
from kpixl.model.plan_dict import plan_sha256, plan_to_json

META_SHEET = "_kpixl"
TABLE_TOP = 2  # the KFS and PDCA tables: title, a blank row, then the header
KFS_HEADS = ("id", "initiative", "linked", "owner", "due", "status", "description")
PDCA_HEADS = ("date", "period", "kpi", "finding", "cause", "action", "owner", "due", "status")
PDCA_ROWS = 60
CHUNK = 30000  # characters per cell of the plan JSON (a cell holds at most 32,767)


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
    chart_h = 15
    row = chart_top + chart_h * ((len(charted) + 1) // 2) + 1
    s.put(row, 1, ctx.t("chart_data"), "section")
    row += 1
    s.put(row, 1, ctx.t("month"), "head")
    for m in range(n):
        s.put(row, 2 + m, formula=str(ctx.month_labels.cell(m)),
              cached=plan.period.labels()[m], style="head")
    cats = s.range(row, 2, row, 1 + n)
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
        anchor = (chart_top + chart_h * (k // 2), 1 if k % 2 == 0 else 5)
        s.charts.append(Chart(title=title, categories=cats, anchor=anchor,
                              series=[(ctx.t("target"), t_range), (ctx.t("actual"), a_range)],
                              y_title=node.unit, title_cell=title_cell))
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
        s.put(row, 7, "; ".join(msgs) or ctx.t("ok"), "cell")
    s.freeze = (3, 2)
    s.protect = True
    return s


def kfs(ctx: Context) -> Sheet:
    plan, s = ctx.plan, ctx.sheet("kfs")
    heads = KFS_HEADS
    s.widths = {0: 14, 1: 30, 2: 30, 3: 18, 4: 12, 5: 14, 6: 50}
    s.put(0, 0, plan.title, "title")
    top = TABLE_TOP
    for i, key in enumerate(heads):
        s.put(top, i, ctx.t(key), "head")
    row = top
    options = ctx.t("kfs_status_values").split(",")
    for k in plan.kfs:
        row += 1
        s.put(row, 0, k.id, "cell")
        s.put(row, 1, k.name, "cell")
        s.put(row, 2, ", ".join(plan.nodes[i].name for i in k.kpis), "cell")
        s.put(row, 3, k.owner, "cell")
        s.put(row, 4, k.due.isoformat() if k.due else "", "cell")
        s.put(row, 5, k.status or None, "input")
        s.put(row, 6, k.description, "cell")
    last = max(row, top + 1)
    if row == top:
        for c in range(len(heads)):
            s.put(last, c, None, "input" if c == 5 else "cell")
    s.validations.append((s.range(top + 1, 5, last, 5), {"validate": "list", "source": options}))
    s.tables.append((s.range(top, 0, last, len(heads) - 1),
                     {"name": "kpixl_kfs", "columns": [ctx.t(h) for h in heads]}))
    s.freeze = (top + 1, 0)
    s.protect = True
    return s


def pdca(ctx: Context) -> Sheet:
    plan, s = ctx.plan, ctx.sheet("pdca")
    heads = PDCA_HEADS
    s.widths = {0: 12, 1: 10, 2: 20, 3: 36, 4: 36, 5: 36, 6: 16, 7: 12, 8: 12}
    s.put(0, 0, plan.title, "title")
    top = TABLE_TOP
    for i, key in enumerate(heads):
        s.put(top, i, ctx.t(key), "head")
    for r in range(top + 1, top + 1 + PDCA_ROWS):
        for c in range(len(heads)):
            s.put(r, c, None, "input:date" if c in (0, 7) else "input")
    last = top + PDCA_ROWS
    # drop-downs refer to ranges (a literal list is capped at 255 characters)
    assert ctx.node_ids is not None and ctx.month_labels is not None
    s.validations.append((s.range(top + 1, 2, last, 2),
                          {"validate": "list", "source": f"={ctx.node_ids}"}))
    s.validations.append((s.range(top + 1, 1, last, 1),
                          {"validate": "list", "source": f"={ctx.month_labels}"}))
    s.validations.append((s.range(top + 1, 8, last, 8),
                          {"validate": "list", "source": ctx.t("pdca_status_values").split(",")}))
    s.tables.append((s.range(top, 0, last, len(heads) - 1),
                     {"name": "kpixl_pdca", "columns": [ctx.t(h) for h in heads]}))
    s.freeze = (top + 1, 0)
    return s


def meta(ctx: Context) -> Sheet:
    """The machine-readable copy: format version, the plan as JSON, its hash, the inputs."""
    s = Sheet(META_SHEET, hidden=True)
    text = plan_to_json(ctx.plan)
    rows: list[tuple[str, object]] = [
        ("format_version", 1),
        ("kpixl_version", __version__),
        ("plan_sha256", plan_sha256(ctx.plan)),
        ("plan_json_chunks", (len(text) + CHUNK - 1) // CHUNK),
    ]
    rows += [("plan_json", text[i:i + CHUNK]) for i in range(0, len(text), CHUNK)]
    rows += [(f"input:{k}", json.dumps(v)) for k, v in ctx.inputs]
    for r, (k, v) in enumerate(rows):
        s.put(r, 0, k)
        s.put(r, 1, v)
    return s
