"""Monthly Targets and Tracking sheets: the monthly split, overrides, actuals and their math."""

from __future__ import annotations

from kpixl.engine import periods
from kpixl.engine import tracking as tr
from kpixl.engine.periods import cumulative
from kpixl.engine.rounding import sheet_sub
from kpixl.formulas import builders as fx
from kpixl.formulas import tracking as ft
from kpixl.layout.context import Context
from kpixl.layout.core import RangeRef, Sheet
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
        at = s.put(row, mc + n + nq + 2, formula=ctx.c_at(shift, "asof"),
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
        r_f = row + 2  # the frozen row, below the override row
        xc = mc + n + len(quarters) + 3  # hidden helper columns: F, rest, C_F, month F's level
        f_ref, rest_ref, cf_ref, b_ref = (s.ref(r_f, xc + i).local for i in range(4))
        frz = s.range(r_f, mc, r_f, mc + n - 1)
        for m in range(n):
            z = s.ref(r_f, mc + m).local
            if node.aggregate == "mean":
                body = total
            elif node.aggregate == "last":
                ramp = fx.monthly_last(total, b_ref, ctx.c_at(shift, m + 1), cn, node.whole,
                                       cf_ref)
                ramp = fx.frozen_open(cn, cf_ref, ramp, total)
                body = ramp if node.baseline is not None else fx.frozen_at(f_ref, total, ramp)
            elif node.whole:
                body = fx.monthly_sum_whole(rest_ref, ctx.c_at(shift, m + 1),
                                            ctx.c_at(shift, m) if m else None, cn, cf_ref)
                body = fx.frozen_open(cn, cf_ref, body, 0)
            else:
                body = fx.monthly_sum(rest_ref, ctx.shape_rows[shift].cell(m), cn, cf_ref)
                body = fx.frozen_open(cn, cf_ref, body, 0)
            s.put(row, mc + m, formula=fx.frozen_month(z, m + 1, f_ref, body),
                  cached=sc.monthly[m], style=f"calc:{fmt}")
        tgt = s.range(row, mc, row, mc + n - 1)
        ctx.name(f"tgt_{node_id}", tgt)
        for qi, (q0, q1) in enumerate(quarters):
            f = fx.window_target(s.ref(row, mc + q0 - 1).local, s.ref(row, mc + q1 - 1).local,
                                 node.aggregate)
            s.put(row, mc + n + qi, formula=f,
                  cached=tr.window_target(sc.monthly, q0, q1, node.aggregate), style=f"sub:{fmt}")
        f = fx.window_target(s.ref(row, mc).local, s.ref(row, mc + n - 1).local, node.aggregate)
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
        _frozen_row(ctx, s, row, node_id, frz, (f_ref, rest_ref, cf_ref, b_ref), xc)
        row += 1
        s.rows_done(row)
    s.hidden_cols |= {mc + n + len(quarters) + 3 + i for i in range(4)}
    s.freeze = (head + 1, mc)
    s.print_title_rows = (head, head)
    s.protect = True
    return s


def _frozen_row(ctx: Context, s: Sheet, row: int, node_id: str, frz: RangeRef,
                helpers: tuple[str, str, str, str], xc: int) -> None:
    """The frozen months (``frz_X``: input cells ``kpixl update`` writes) and the helper cells
    the monthly formulas use: F, the rest for the open months, C_F and month F's level."""
    plan, node, res = ctx.plan, ctx.plan.nodes[node_id], ctx.solution.nodes[node_id]
    n, mc, fmt = plan.months, FIRST_MONTH_COL, ctx.fmt(node_id)
    frozen = list((ctx.frozen or {}).get(node_id, [None] * n))
    f = periods.frozen_count(frozen)
    s.put(row, 0, "", "cell")
    s.put(row, 1, ctx.t("frozen"), "cell")
    s.put(row, 2, "", "cell")
    for m in range(n):
        s.put(row, mc + m, frozen[m], f"input:{fmt}")
    ctx.name(f"frz_{node_id}", frz)
    s.validations.append((frz, _number_rule(node)))
    total = ctx.goal_ref(node_id)
    f_ref = helpers[0]
    head = [0.0 if x is None else float(x) for x in frozen[:f]]
    rest = res.goal if f == 0 else max(0.0, sheet_sub(res.goal, sum(head)))
    cum = periods.cumulative(periods.rotate(plan.weights, res.shift))
    base = node.baseline if node_id in ctx.baseline_refs and node.baseline is not None \
        else res.goal
    s.put(row, xc, formula=fx.frozen_count(frz), cached=f, style="muted")
    s.put(row, xc + 1, formula=fx.frozen_rest(total, frz, f_ref), cached=rest, style="muted")
    s.put(row, xc + 2, formula=fx.frozen_at(f_ref, 0, ft.pick(ctx.cum_rows[res.shift], f_ref, n)),
          cached=cum[f], style="muted")
    level = head[-1] if f else base
    s.put(row, xc + 3, formula=fx.frozen_at(f_ref, ctx.baseline_refs.get(node_id, total),
                                            ft.pick(frz, f_ref, n)), cached=level, style="muted")


def _widths(ctx: Context) -> float:
    """One width for the month columns: wide enough for the largest monthly target."""
    ids = list(ctx.plan.nodes)
    peaks = [max(abs(x) for x in ctx.sched[i].monthly) for i in ids]
    return ctx.width_for(peaks, ids)


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


def tracking(ctx: Context) -> Sheet:
    """The Tracking sheet (:mod:`kpixl.layout.track_block`)."""
    from kpixl.layout.track_block import tracking_sheet

    return tracking_sheet(ctx)
