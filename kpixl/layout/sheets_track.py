"""Monthly Targets and Tracking sheets: the monthly split, overrides, actuals and their math."""

from __future__ import annotations

from kpixl.engine import tracking as tr
from kpixl.engine.periods import cumulative
from kpixl.formulas import builders as fx
from kpixl.layout.context import Context
from kpixl.layout.core import Sheet
from kpixl.model import Node

FIRST_MONTH_COL = 3


def _month_header(ctx: Context, s: Sheet, row: int, extra: list[str]) -> None:
    plan = ctx.plan
    s.put(row, 0, ctx.t("kpi"), "head")
    s.put(row, 1, "", "head")
    s.put(row, 2, ctx.t("unit"), "head")
    for m, lab in enumerate(plan.period.labels()):
        s.put(row, FIRST_MONTH_COL + m, lab, "head")
    for i, text in enumerate(extra):
        s.put(row, FIRST_MONTH_COL + plan.months + i, text, "head")


def _quarter_labels(ctx: Context) -> list[str]:
    return [ctx.t("quarter", q=i + 1) for i in range(len(ctx.plan.period.quarters))]


def monthly(ctx: Context) -> Sheet:
    """Shapes (weights, cumulative weights), then per node its target row and override row."""
    plan, sol, s = ctx.plan, ctx.solution, ctx.sheet("monthly")
    n, mc = plan.months, FIRST_MONTH_COL
    quarters = plan.period.quarters
    width = _widths(ctx)
    s.widths = {0: 24.0, 1: 16.0, 2: 8.0} | {mc + m: width for m in range(n)}
    s.widths |= {mc + n + i: width * 1.3 for i in range(len(quarters) + 3)}
    s.put(0, 0, plan.title, "title")
    head = 2
    _month_header(ctx, s, head, [*_quarter_labels(ctx), ctx.t("total"), ctx.t("carry_in"),
                                 ctx.t("at_asof")])
    row = head + 1
    assert ctx.season is not None
    shifts = sorted({r.shift for r in sol.nodes.values()} | {0})
    base = plan.weights
    for shift in shifts:
        label = ctx.t("weights") if shift == 0 else ctx.t("shape_shift", k=shift)
        s.put(row, 0, label, "sub")
        s.put(row, 1, "", "sub")
        s.put(row, 2, "", "sub")
        for m in range(n):
            s.put(row, mc + m, formula=fx.rotated_weight(ctx.season, m + 1, shift, n),
                  cached=base[(m + shift) % n], style="sub:weight")
        ctx.shape_rows[shift] = s.range(row, mc, row, mc + n - 1)
        row += 1
        s.put(row, 0, ctx.t("cumulative"), "sub")
        s.put(row, 1, "", "sub")
        s.put(row, 2, "", "sub")
        shape = [base[(m + shift) % n] for m in range(n)]
        cum = cumulative(shape)
        for m in range(n):
            prev = s.ref(row, mc + m - 1).local if m else None
            s.put(row, mc + m, formula=fx.cumulative_step(prev, s.ref(row - 1, mc + m).local),
                  cached=cum[m + 1], style="sub:weight")
        cum_row = ctx.cum_rows[shift] = s.range(row, mc, row, mc + n - 1)
        # C_n and C at the as-of month, named once: every forecast and catch-up refers to them
        nq = len(quarters)
        cn_cell = s.put(row, mc + n + nq, formula=cum_row.cell(n - 1).local, cached=cum[n],
                        style="sub:weight")
        ctx.cn_names[shift] = ctx.name(f"kpixl_cn_{shift}", cn_cell)
        at = s.put(row, mc + n + nq + 2, formula=f"IF(asof=0,0,INDEX({cum_row},1,asof))",
                   cached=cum[ctx.tracking.asof], style="sub:weight")
        ctx.c_asof_names[shift] = ctx.name(f"kpixl_casof_{shift}", at)
        row += 1
    row += 1
    s.rows_done(row)
    for node_id, node in plan.nodes.items():
        res, sc = sol.nodes[node_id], ctx.sched[node_id]
        fmt = ctx.fmt(node_id)
        total = ctx.goal_ref(node_id)
        shift = res.shift
        s.put(row, 0, node.name, "label")
        s.put(row, 1, ctx.t("target"), "cell")
        s.put(row, 2, node.unit, "cell")
        cn = ctx.cn(shift)
        for m in range(n):
            if node.aggregate == "mean" or (node.aggregate == "last" and node.baseline is None):
                f = total
            elif node.aggregate == "last":
                f = fx.monthly_last(total, ctx.baseline_refs[node_id], ctx.c_at(shift, m + 1),
                                    cn, node.whole)
            elif node.whole:
                f = fx.monthly_sum_whole(total, ctx.c_at(shift, m + 1),
                                         ctx.c_at(shift, m) if m else None, cn)
            else:
                f = fx.monthly_sum(total, ctx.shape_rows[shift].cell(m), cn)
            s.put(row, mc + m, formula=f, cached=sc.monthly[m], style=f"calc:{fmt}")
        tgt = s.range(row, mc, row, mc + n - 1)
        ctx.name(f"tgt_{node_id}", tgt)
        for qi, (q0, q1) in enumerate(quarters):
            f = _span(node.aggregate, s.ref(row, mc + q0 - 1).local, s.ref(row, mc + q1 - 1).local)
            s.put(row, mc + n + qi, formula=f,
                  cached=tr.window_target(sc.monthly, q0, q1, node.aggregate), style=f"sub:{fmt}")
        f = _span(node.aggregate, s.ref(row, mc).local, s.ref(row, mc + n - 1).local)
        s.put(row, mc + n + len(quarters), formula=f,
              cached=tr.window_target(sc.monthly, 1, n, node.aggregate), style=f"calc_bold:{fmt}")
        if sc.carry_in is not None:
            s.put(row, mc + n + len(quarters) + 1, formula=ctx.carry_formula(node_id),
                  cached=sc.carry_in, style=f"calc:{fmt}")
        row += 1
        s.put(row, 0, "", "cell")
        s.put(row, 1, ctx.t("override"), "cell")
        s.put(row, 2, "", "cell")
        for m in range(n):
            s.put(row, mc + m, None, f"input:{fmt}")
        ovr = s.range(row, mc, row, mc + n - 1)
        ctx.name(f"ovr_{node_id}", ovr)
        s.validations.append((ovr, _number_rule(node)))
        row += 1
        s.rows_done(row)
    s.freeze = (head + 1, mc)
    s.print_title_rows = (head, head)
    s.protect = True
    return s


def _widths(ctx: Context) -> float:
    """One width for the month columns: wide enough for the largest monthly target."""
    ids = list(ctx.plan.nodes)
    peaks = [max(abs(x) for x in ctx.sched[i].monthly) for i in ids]
    return ctx.width_for(peaks, ids)


def _span(aggregate: str, a: str, b: str) -> str:
    return {"sum": f"SUM({a}:{b})", "mean": f"AVERAGE({a}:{b})", "last": b}[aggregate]


def _number_rule(node: Node) -> dict[str, object]:
    """Validation of a node's actual and override cells: its bounds ("%" nodes 0..1), else >= 0
    unless it is signed."""
    bounds = node.effective_bounds
    if bounds is not None:
        return {"validate": "decimal", "criteria": "between", "minimum": bounds[0],
                "maximum": bounds[1]}
    if node.signed:
        return {"validate": "decimal", "criteria": "between", "minimum": -1e300, "maximum": 1e300}
    return {"validate": "decimal", "criteria": ">=", "value": 0}


def _b(v: object) -> object:
    return "" if v is None else v


def tracking(ctx: Context) -> Sheet:
    """Per node: effective target, actual (input), achievement, status, catch-up; quarters, YTD
    and forecast to the right."""
    plan, sol, s = ctx.plan, ctx.solution, ctx.sheet("tracking")
    n, mc = plan.months, FIRST_MONTH_COL
    quarters = plan.period.quarters
    nq = len(quarters)
    ytd_col, fc_col, last_col = mc + n + nq, mc + n + nq + 1, mc + n + nq + 2
    width = _widths(ctx)
    s.widths = {0: 24.0, 1: 14.0, 2: 8.0} | {mc + m: width for m in range(n)}
    s.widths |= {mc + n + i: width * 1.3 for i in range(nq + 2)}
    s.widths[last_col] = 10
    s.put(0, 0, plan.title, "title")
    s.put(1, 0, ctx.t("asof_eff"), "label")
    trk = ctx.tracking
    head = 3
    _month_header(ctx, s, head, [*_quarter_labels(ctx), ctx.t("ytd"), ctx.t("forecast"),
                                 ctx.t("last_entered")])
    idx_row = head + 1
    s.put(idx_row, 1, ctx.t("month_index"), "muted")
    for m in range(n):
        s.put(idx_row, mc + m, m + 1, "muted")
    ctx.month_idx = s.range(idx_row, mc, idx_row, mc + n - 1)
    ctx.month_labels = s.range(head, mc, head, mc + n - 1)
    idx = str(ctx.month_idx)
    labels = ctx.statuses
    th_on, th_risk = "in_on_track", "in_at_risk"
    row = idx_row + 2
    first_block, end = row, row + 6 * len(plan.nodes)
    # the as-of month first: the rows below are written (streamed) block by block
    last_range = s.range(first_block, last_col, end, last_col)
    asof_ref = s.put(1, 2, formula=fx.resolve_asof("in_asof", last_range), cached=trk.asof,
                     style="calc_bold:int")
    ctx.name("asof", asof_ref)
    s.rows_done(first_block)
    for node_id, node in plan.nodes.items():
        res, nt = sol.nodes[node_id], trk.nodes[node_id]
        fmt, agg, dirn = ctx.fmt(node_id), node.aggregate, node.direction
        r_t, r_a, r_ach, r_st, r_cu = row, row + 1, row + 2, row + 3, row + 4
        # the name heads its five rows as one block; not merged, so rows can be copied, sorted
        # and filtered, and the sheet can be streamed
        s.put(r_t, 0, node.name, "label_top")
        for r in (r_a, r_ach, r_st):
            s.put(r, 0, None, "label_mid")
        s.put(r_cu, 0, None, "label_end")
        for r, key in ((r_t, "target"), (r_a, "actual"), (r_ach, "achievement"),
                       (r_st, "status"), (r_cu, "catch_up")):
            s.put(r, 1, ctx.t(key), "cell")
            s.put(r, 2, node.unit if r in (r_t, r_a) else "", "cell")
        goal, c_asof, cn = ctx.goal_ref(node_id), ctx.c_at(res.shift, "asof"), ctx.cn(res.shift)
        rem = f"kpixl_rem_{node_id}"  # what is left of the goal: the catch-up row's YTD cell
        for m in range(n):
            c = mc + m
            tgt, ovr = f"INDEX(tgt_{node_id},1,{m + 1})", f"INDEX(ovr_{node_id},1,{m + 1})"
            s.put(r_t, c, formula=fx.effective_target(tgt, ovr), cached=nt.effective[m],
                  style=f"calc:{fmt}")
            s.put(r_a, c, None, f"input:{fmt}")
            a_ref, t_ref = s.ref(r_a, c).local, s.ref(r_t, c).local
            s.put(r_ach, c, formula=f'IF({m + 1}>asof,"",{fx.achievement(a_ref, t_ref, dirn)})',
                  cached=_b(nt.month_achievement[m]), style="calc:pct")
            s.put(r_st, c, formula=fx.status(s.ref(r_ach, c).local, th_on, th_risk, labels),
                  cached=ctx.status_text(nt.month_status[m]), style="status")
            if agg == "sum":
                f = fx.catch_up(m + 1, rem, "asof", ctx.shape_rows[res.shift].cell(m),
                                ctx.c_at(res.shift, m + 1), ctx.c_at(res.shift, m) if m else None,
                                c_asof, cn, node.whole)
                s.put(r_cu, c, formula=f, cached=_b(nt.catch_up[m]), style=f"calc:{fmt}")
            else:
                s.put(r_cu, c, None, "calc")
        erow = s.range(r_t, mc, r_t, mc + n - 1)
        arow = s.range(r_a, mc, r_a, mc + n - 1)
        ctx.effective_rows[node_id] = erow
        ctx.name(f"act_{node_id}", arow)
        s.validations.append((arow, _number_rule(node)))
        for qi, (q0, q1) in enumerate(quarters):
            c = mc + n + qi
            b = f"MIN({q1},asof)"
            s.put(r_t, c, formula=fx.window_target(erow, q0, b, agg),
                  cached=_b(nt.quarter_target[qi]), style=f"sub:{fmt}")
            s.put(r_a, c, formula=fx.window_actual(arow, idx, q0, b, agg),
                  cached=_b(nt.quarter_actual[qi]), style=f"sub:{fmt}")
            s.put(r_ach, c, formula=fx.achievement(s.ref(r_a, c).local, s.ref(r_t, c).local,
                                                   dirn),
                  cached=_b(nt.quarter_achievement[qi]), style="sub:pct")
            s.put(r_st, c, formula=fx.status(s.ref(r_ach, c).local, th_on, th_risk, labels),
                  cached=ctx.status_text(nt.quarter_status[qi]), style="status")
            s.put(r_cu, c, None, "sub")
        c = ytd_col
        ctx.ytd_target_cells[node_id] = s.put(
            r_t, c, formula=fx.window_target(erow, 1, "asof", agg), cached=_b(nt.ytd_target),
            style=f"calc_bold:{fmt}")
        ctx.status_cells[node_id] = s.ref(r_st, c)
        ctx.name(f"ytd_{node_id}", s.put(r_a, c, formula=fx.window_actual(arow, idx, 1, "asof",
                                                                          agg),
                                         cached=_b(nt.ytd_actual), style=f"calc_bold:{fmt}"))
        ctx.name(f"ach_{node_id}", s.put(r_ach, c, formula=fx.achievement(
            f"ytd_{node_id}", s.ref(r_t, c).local, dirn), cached=_b(nt.achievement),
            style="calc_bold:pct"))
        s.put(r_st, c, formula=fx.status(f"ach_{node_id}", th_on, th_risk, labels),
              cached=ctx.status_text(nt.status), style="status")
        if agg == "sum":
            ctx.name(rem, s.put(r_cu, c, formula=fx.remaining(goal, f"ytd_{node_id}"),
                                cached=nt.remaining, style=f"calc:{fmt}"))
            f = fx.forecast(f"ytd_{node_id}", c_asof, cn)
        else:
            s.put(r_cu, c, None, "calc")
            f = fx.window_actual(arow, idx, 1, "asof", "last")
        ctx.name(f"fc_{node_id}", s.put(r_a, fc_col, formula=f, cached=_b(nt.forecast),
                                        style=f"calc_bold:{fmt}"))
        for r in (r_t, r_ach, r_st, r_cu):
            s.put(r, fc_col, None, "calc")
        s.put(r_a, last_col, formula=fx.last_entered(arow, idx), cached=nt.last_entered,
              style="muted")
        row += 6
        s.rows_done(row)
    assert row == end
    s.hidden_cols.add(last_col)
    s.freeze = (idx_row + 1, mc)
    s.print_title_rows = (head, head)
    s.protect = True
    # traffic lights on every status cell and achievement cell
    body = s.range(first_block, mc, row, fc_col)
    for text, look in zip(labels, ("good", "warn", "bad"), strict=True):
        s.cond_formats.append((body, {"type": "cell", "criteria": "==",
                                      "value": f'"{text}"', "format": look}))
    return s
