"""The Tracking sheet: per node its effective targets, actuals (input), achievement, status and
catch-up, with quarters, YTD and forecast to the right, all over the node's reported months.

Each node's block ends in hidden helper rows (plan-format.md "Tracking"; the formulas are in
:mod:`kpixl.formulas.tracking`):

* ``h``: ``m`` where month m has an actual, ``-m`` where not. Its right-hand cells hold the
  reported-month count, the node's own as-of month, ``missing_X``, the gap figures A and T over
  the KGI's reported months, whether the node is complete there, the missing months' targets and
  (hidden column) the last month entered, from which the as-of month is found;
* a funnel rate that can be observed: ``h`` of the months its observed rate counts (its own while
  a rate is typed in 1..asof);
* per funnel link into this node: the link's months and stage k's actuals L months earlier.

The as-of cell comes first: the blocks below are streamed row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpixl.engine import tracking as tr
from kpixl.engine.links import FunnelLink, funnel_links, rate_links
from kpixl.formulas import builders as fx
from kpixl.formulas import tracking as ft
from kpixl.layout.context import Context
from kpixl.layout.core import RangeRef, Sheet
from kpixl.layout.sheets_track import (
    FIRST_MONTH_COL,
    _month_header,
    _number_rule,
    _quarter_labels,
    _widths,
)

HELPER_KEYS = ("cnt", "own", "missing", "gap_a", "gap_t", "complete", "miss_t")


@dataclass
class Block:
    """Where a node's cells are: five visible rows from ``top`` (a blank row follows), its
    helper scalars from column ``xs`` of row ``top`` and its helper rows in bands of hidden
    columns from ``xb`` (item i: row ``top + i % 5``, band ``i // 5``)."""

    top: int
    xs: int
    xb: int
    n: int
    items: list[str] = field(default_factory=list)  # "h", "used", "link_h:u:l", "link_s:u:l"

    @property
    def end(self) -> int:
        return self.top + 6

    def at(self, item: str, m: int) -> tuple[int, int]:
        """(row, col) of month m (0-based) of a helper row."""
        i = self.items.index(item)
        return self.top + i % 5, self.xb + (i // 5) * (self.n + 1) + m

    def row(self, s: Sheet, item: str) -> RangeRef:
        r, c = self.at(item, 0)
        return s.range(r, c, r, c + self.n - 1)

    def scalar(self, s: Sheet, key: str) -> str:
        return str(s.ref(self.top, self.xs + HELPER_KEYS.index(key)))


def _b(v: object) -> object:
    return "" if v is None else v


def _plan_blocks(ctx: Context, first: int, xs: int, rates: dict[str, FunnelLink],
                 links: list[FunnelLink]) -> dict[str, Block]:
    into: dict[str, list[tuple[str, str]]] = {}
    for lk in links:
        key = (lk.upper, lk.lower)
        if key not in into.setdefault(lk.lower, []):
            into[lk.lower].append(key)
    out: dict[str, Block] = {}
    for i, k in enumerate(ctx.plan.nodes):
        b = Block(top=first + 6 * i, xs=xs, xb=xs + len(HELPER_KEYS) + 1, n=ctx.plan.months)
        b.items.append("h")
        if k in rates:
            b.items.append("used")
        for up, lo in into.get(k, []):
            b.items += [f"link_h:{up}:{lo}", f"link_s:{up}:{lo}"]
        out[k] = b
    return out


def tracking_sheet(ctx: Context) -> Sheet:
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
    links = funnel_links(sol)
    rates = rate_links(sol)
    first = idx_row + 2
    xs = last_col + 1
    blocks = _plan_blocks(ctx, first, xs, rates, links)
    end = first + 6 * len(blocks)
    bands = max((len(b.items) + 4) // 5 for b in blocks.values())
    for k, b in blocks.items():
        ctx.track_cells[k] = {key: b.scalar(s, key) for key in HELPER_KEYS}
        ctx.track_cells[k]["h"] = str(b.row(s, "h"))
        ctx.track_cells[k]["used"] = str(b.row(s, "used" if "used" in b.items else "h"))
        ctx.track_cells[k]["marker"] = str(s.ref(b.top + 1, 0))
        ctx.track_cells[k]["name"] = str(s.ref(b.top, 0))  # the KPI's name, a text cell
        ctx.track_cells[k]["last"] = str(s.ref(b.top + 1, last_col))
        for item in b.items:
            if item.startswith("link_h:"):
                _, up, lo = item.split(":")
                ctx.link_rows[(up, lo)] = (b.row(s, item), b.row(s, f"link_s:{up}:{lo}"))
    # the as-of month first: the rows below are written (streamed) block by block
    conv = ft.asof_input("in_asof", plan.period.year, plan.period.month, n, tr.ASOF_COUNT_MAX)
    kgi_last = ctx.track_cells[plan.kgi]["last"]
    asof_ref = s.put(1, 2, formula=ft.resolve_asof(conv, kgi_last,
                                                   s.range(first, last_col, end, last_col)),
                     cached=trk.asof, style="calc_bold:int")
    ctx.name("asof", asof_ref)
    month = plan.period.labels()[trk.asof - 1] if trk.asof else ""
    s.put(1, 3, formula=ft.asof_label(ctx.month_labels, n), cached=month, style="calc_bold")
    s.put(1, 5, ctx.t("not_counted_note"), "muted")
    s.rows_done(first)
    for k in plan.nodes:
        _block(ctx, s, k, blocks[k], rates.get(k), ytd_col, fc_col, last_col)
        s.rows_done(blocks[k].end)
    s.hidden_cols |= {last_col, *range(xs, xs + len(HELPER_KEYS) + 1 + bands * (n + 1))}
    s.freeze = (idx_row + 1, mc)
    s.print_title_rows = (head, head)
    s.protect = True
    body = s.range(first, mc, end, fc_col)
    for text, look in zip(ctx.statuses, ("good", "warn", "bad"), strict=True):
        s.cond_formats.append((body, {"type": "cell", "criteria": "==",
                                      "value": f'"{text}"', "format": look}))
    # an actual after the as-of month is shown as "not counted yet" (grey italic)
    top_left = s.ref(first, mc).local
    idx0 = s.ref(idx_row, mc).local.rstrip("0123456789")
    label_col = f"$B{first + 1}"
    s.cond_formats.append((s.range(first, mc, end, mc + n - 1), {
        "type": "formula", "format": "muted",
        "criteria": f'=AND({idx0}${idx_row + 1}>asof,ISNUMBER({top_left}),'
                    f'{label_col}={fx.text(ctx.t("actual"))})'}))
    return s


def _block(ctx: Context, s: Sheet, k: str, b: Block, rate: FunnelLink | None, ytd_col: int,
           fc_col: int, last_col: int) -> None:
    plan, sol = ctx.plan, ctx.solution
    node, res, nt = plan.nodes[k], sol.nodes[k], ctx.tracking.nodes[k]
    n, mc = plan.months, FIRST_MONTH_COL
    fmt, agg, dirn = ctx.fmt(k), node.aggregate, node.direction
    r_t, r_a, r_ach, r_st, r_cu = range(b.top, b.top + 5)
    cells = ctx.track_cells[k]
    acts = {x: list((ctx.actuals or {}).get(x, [None] * n)) for x in plan.nodes}
    act = acts[k]
    s.put(r_t, 0, node.name, "label_top")
    marker = ft.missing_marker(cells["h"], cells["missing"], "asof",
                               (plan.period.year, plan.period.month), ctx.locale)
    s.put(r_a, 0, formula=marker, cached=_marker(ctx, nt.missing_months), style="label_missing")
    for r in (r_ach, r_st):
        s.put(r, 0, None, "label_mid")
    s.put(r_cu, 0, None, "label_end")
    for r, key in ((r_t, "target"), (r_a, "actual"), (r_ach, "achievement"),
                   (r_st, "status"), (r_cu, "catch_up")):
        s.put(r, 1, ctx.t(key), "cell")
        s.put(r, 2, node.unit if r in (r_t, r_a) else "", "cell")
    erow = s.range(r_t, mc, r_t, mc + n - 1)
    arow = s.range(r_a, mc, r_a, mc + n - 1)
    typed = cells["cnt"]
    lower = shifted_row = None
    if rate is not None:
        lower = f"act_{rate.lower}"
        shifted_row = ctx.link_rows[(rate.upper, rate.lower)][1]
    c_asof, cn = ctx.c_at(res.shift, "asof"), ctx.cn(res.shift)
    rem = f"kpixl_rem_{k}"
    for m in range(n):
        c = mc + m
        tgt, ovr = ft.pick(f"tgt_{k}", m + 1, n), ft.pick(f"ovr_{k}", m + 1, n)
        s.put(r_t, c, formula=fx.effective_target(tgt, ovr), cached=nt.effective[m],
              style=f"calc:{fmt}")
        s.put(r_a, c, None, f"input:{fmt}")
        a_ref, t_ref = s.ref(r_a, c).local, s.ref(r_t, c).local
        if rate is not None:
            assert shifted_row is not None
            obs = ft.observed_month_rate(s.ref(*b.at("used", m)).local,
                                         str(ft.pick(lower, m + 1, n)), shifted_row.cell(m))
            a_ref = ft.typed_switch(typed, a_ref, obs)
        s.put(r_ach, c, formula=ft.month_achievement(m + 1, fx.achievement(a_ref, t_ref, dirn)),
              cached=_b(nt.month_achievement[m]), style="calc:pct")
        s.put(r_st, c, formula=fx.status(s.ref(r_ach, c).local, "in_on_track", "in_at_risk",
                                         ctx.statuses),
              cached=ctx.status_text(nt.month_status[m]), style="status")
        if agg == "sum":
            f = fx.catch_up(m + 1, rem, "asof", ctx.shape_rows[res.shift].cell(m),
                            ctx.c_at(res.shift, m + 1), ctx.c_at(res.shift, m) if m else None,
                            c_asof, cn, node.whole)
            s.put(r_cu, c, formula=f, cached=_b(nt.catch_up[m]), style=f"calc:{fmt}")
        else:
            s.put(r_cu, c, None, "calc")
        # helper rows
        s.put(*b.at("h", m), formula=ft.entered_month(s.ref(r_a, c).local, m + 1),
              cached=m + 1 if act[m] is not None else -(m + 1), style="muted")
    ctx.effective_rows[k] = erow
    ctx.name(f"act_{k}", arow)
    s.validations.append((arow, _number_rule(node)))
    if rate is not None:
        link_h = ctx.link_rows[(rate.upper, rate.lower)][0]
        link_months = _link_months(acts, rate.upper, rate.lower, rate.lag, n)
        for m in range(n):
            own = m + 1 if act[m] is not None else -(m + 1)
            lk = m + 1 if (m + 1) in link_months else -(m + 1)
            s.put(*b.at("used", m), formula=ft.rate_month(typed, s.ref(*b.at("h", m)).local,
                                                          link_h.cell(m)),
                  cached=own if not nt.observed else lk, style="muted")
    for item in b.items:
        if not item.startswith("link_h:"):
            continue
        _, up, lo = item.split(":")
        lag = plan.nodes[lo].lag
        months = _link_months(acts, up, lo, lag, n)
        for m in range(n):
            upper = None if m - lag < 0 else ft.pick(f"act_{up}", m - lag + 1, n)
            s.put(*b.at(item, m), formula=ft.observed_month(ft.pick(f"act_{lo}", m + 1, n),
                                                             upper, m + 1),
                  cached=m + 1 if m + 1 in months else -(m + 1), style="muted")
            uv = acts[up][m - lag] if m - lag >= 0 else None
            s.put(*b.at(f"link_s:{up}:{lo}", m), formula=ft.shifted(upper),
                  cached=0.0 if uv is None else uv, style="muted")
    _right(ctx, s, k, b, rate, erow, arow, ytd_col, fc_col, last_col)


def _link_months(acts: dict[str, list[float | None]], upper: str, lower: str, lag: int,
                 n: int) -> set[int]:
    """Months m of the plan with stage k+1 entered in m and stage k in m - L."""
    return set(tr.observed_months(acts[upper], acts[lower], n, lag))


def _marker(ctx: Context, months: tuple[int, ...]) -> str:
    if not months:
        return ""
    d = ctx.plan.period.month_start(months[-1])
    more = len(months) - 1
    if ctx.locale == "ja":
        return f"{d.month}月 未入力" + (f"（ほか{more}か月）" if more else "")
    return f"{ft.MONTHS_EN[d.month - 1]} missing" + (f" (+{more} more)" if more else "")


def _right(ctx: Context, s: Sheet, k: str, b: Block, rate: FunnelLink | None, erow: RangeRef,
           arow: RangeRef, ytd_col: int, fc_col: int, last_col: int) -> None:
    """Quarters, YTD, forecast and the helper cells of one block."""
    plan, sol = ctx.plan, ctx.solution
    node, res, nt = plan.nodes[k], sol.nodes[k], ctx.tracking.nodes[k]
    n, mc = plan.months, FIRST_MONTH_COL
    fmt, agg, dirn = ctx.fmt(k), node.aggregate, node.direction
    r_t, r_a, r_ach, r_st, r_cu = range(b.top, b.top + 5)
    cells, kgi = ctx.track_cells[k], ctx.track_cells[plan.kgi]
    h, used, typed = cells["h"], cells["used"], cells["cnt"]
    th = ("in_on_track", "in_at_risk")

    def actual_over(a: object, bb: object) -> str:
        own = ft.over_reported(arow, used, a, bb, agg, n)
        if rate is None:
            return own
        lower = f"act_{rate.lower}"
        shifted_row = ctx.link_rows[(rate.upper, rate.lower)][1]
        return ft.typed_switch(typed, own, ft.observed_figure(lower, shifted_row, used, a, bb))

    for qi, (q0, q1) in enumerate(plan.period.quarters):
        c = mc + n + qi
        hi = f"MIN({q1},asof)"
        s.put(r_t, c, formula=ft.over_reported(erow, used, q0, hi, agg, n),
              cached=_b(nt.quarter_target[qi]), style=f"sub:{fmt}")
        s.put(r_a, c, formula=actual_over(q0, hi), cached=_b(nt.quarter_actual[qi]),
              style=f"sub:{fmt}")
        s.put(r_ach, c, formula=fx.achievement(s.ref(r_a, c).local, s.ref(r_t, c).local, dirn),
              cached=_b(nt.quarter_achievement[qi]), style="sub:pct")
        s.put(r_st, c, formula=fx.status(s.ref(r_ach, c).local, *th, ctx.statuses),
              cached=ctx.status_text(nt.quarter_status[qi]), style="status")
        s.put(r_cu, c, None, "sub")
    c = ytd_col
    ctx.ytd_target_cells[k] = s.put(r_t, c, formula=ft.over_reported(erow, used, 1, "asof", agg,
                                                                      n),
                                    cached=_b(nt.ytd_target), style=f"calc_bold:{fmt}")
    ctx.status_cells[k] = s.ref(r_st, c)
    ctx.name(f"ytd_{k}", s.put(r_a, c, formula=actual_over(1, "asof"), cached=_b(nt.ytd_actual),
                               style=f"calc_bold:{fmt}"))
    ctx.name(f"ach_{k}", s.put(r_ach, c, formula=fx.achievement(f"ytd_{k}", s.ref(r_t, c).local,
                                                                dirn),
                               cached=_b(nt.achievement), style="calc_bold:pct"))
    s.put(r_st, c, formula=fx.status(f"ach_{k}", *th, ctx.statuses),
          cached=ctx.status_text(nt.status), style="status")
    shape = ctx.shape_rows[res.shift]
    if agg == "sum":
        active = f"AND(asof>=1,COUNT({arow})>0)"
        ctx.name(f"kpixl_rem_{k}", s.put(r_cu, c, formula=fx.remaining(
            ctx.goal_ref(k), f"ytd_{k}", cells["miss_t"], active), cached=_b(nt.remaining),
            style=f"calc:{fmt}"))
        f = fx.forecast(f"ytd_{k}", ft.reported_weight(shape, used, "asof"), ctx.cn(res.shift))
    else:
        s.put(r_cu, c, None, "calc")
        f = actual_over(cells["own"], cells["own"]) if rate is not None else \
            ft.over_reported(arow, used, 1, "asof", "last", n)
    ctx.name(f"fc_{k}", s.put(r_a, fc_col, formula=f, cached=_b(nt.forecast),
                              style=f"calc_bold:{fmt}"))
    for r in (r_t, r_ach, r_st, r_cu):
        s.put(r, fc_col, None, "calc")
    # helper cells (hidden row): reported count, own as-of, missing, gap figures, ...
    x, r0 = b.xs, b.top
    s.put(r0, x, formula=ft.reported_count(h, 1, "asof"),
          cached=len(tr.reported(list((ctx.actuals or {}).get(k, [None] * n)),
                                 ctx.tracking.asof)), style="muted")
    s.put(r0, x + 1, formula=ft.own_asof(used, "asof"), cached=max(nt.reported, default=0),
          style="muted")
    miss = ft.missing(arow, h, "asof")
    if rate is not None:
        miss = ft.typed_switch(typed, miss, '""')
    ctx.name(f"missing_{k}", s.put(r0, x + 2, formula=miss, cached=_b(nt.missing),
                                   style="muted"))
    ga = ft.gap_figure(arow, kgi["h"], h, "asof", kgi["own"], agg, n, actual=True)
    gt = ft.gap_figure(erow, kgi["h"], h, "asof", kgi["own"], agg, n, actual=False)
    full = ft.complete(kgi["h"], [h], "asof")
    if rate is not None:
        lower = f"act_{rate.lower}"
        shifted_row = ctx.link_rows[(rate.upper, rate.lower)][1]
        obs = ft.observed_figure(lower, shifted_row, kgi["h"], 1, "asof")
        ga = ft.typed_switch(typed, ga, obs)
        gt = ft.gap_figure(erow, kgi["h"], h, "asof", kgi["own"], "mean", n, actual=False)
        both = ft.complete(kgi["h"], [ctx.track_cells[rate.lower]["h"],
                                      ctx.track_cells[rate.upper]["h"]], "asof")
        full = ft.typed_switch(typed, full, both)
    s.put(r0, x + 3, formula=ga, cached=_b(nt.gap_actual), style="muted")
    s.put(r0, x + 4, formula=gt, cached=_b(nt.gap_target), style="muted")
    s.put(r0, x + 5, formula=full, cached=1 if nt.complete else 0, style="muted")
    act = list((ctx.actuals or {}).get(k, [None] * n))
    gone = sum(nt.effective[m] for m in range(ctx.tracking.asof) if act[m] is None)
    s.put(r0, x + 6, formula=ft.missing_sum(erow, h, "asof"), cached=gone, style="muted")
    s.put(r_a, last_col, formula=ft.last_entered(h), cached=nt.last_entered, style="muted")
