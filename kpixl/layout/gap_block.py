"""The gap-attribution block of the Dashboard: :func:`kpixl.engine.gap.attribute` as live
formulas (the engine's figures come from :func:`kpixl.engine.track.track`).

One row per node occurrence in the KGI's tree, depth first, descending only through nodes that
can be split (a pure product/quotient or sum/difference of ids, not determined). Each row holds
the node's A and T over the KGI's reported months (the Tracking sheet's helper cells), its
share of the KGI's gap G, its share as a leaf, and the actuals that would split it. Below: the
unexplained line (``kpixl_unexplained``; the leaf shares and it add up to G, ``kpixl_gap``) and
the cause (``kpixl_cause``: the id; its name beside it). Hidden columns hold whether each row
splits (1/0) and the node ids.
"""

from __future__ import annotations

from itertools import pairwise

from kpixl.engine.gap import NOISE, Attribution, _kind, linear_terms
from kpixl.engine.links import rate_links
from kpixl.formulas import tracking as ft
from kpixl.layout.context import Context
from kpixl.layout.core import Sheet
from kpixl.model import expr as ex

COLS = ("kpi", "ytd_actual", "ytd_target", "gap_share", "gap_leaf", "gap_needs")
# Hidden helper columns (split flags, ids, names for the cause): right of everything else on the
# Dashboard, so that hiding them hides no visible column (the KPI tables' missing-month marker)
# and none of the chart data (one column per month, at most 60 from column C).
SPLIT_COL, ID_COL, NAME_COL = 64, 65, 66


def _splittable(ctx: Context, node_id: str) -> str | None:
    """``product`` / ``sum`` when the node can be split at all, else None (a static leaf)."""
    if node_id in ctx.solution.determined:
        return None
    return _kind(ctx.plan.nodes[node_id].formula)


def _rows(ctx: Context) -> list[tuple[str, int, int | None]]:
    """(node, depth, parent row index) in depth-first order from the KGI."""
    out: list[tuple[str, int, int | None]] = []

    def visit(n: str, depth: int, parent: int | None, path: tuple[str, ...]) -> None:
        out.append((n, depth, parent))
        me = len(out) - 1
        f = ctx.plan.nodes[n].formula
        if _splittable(ctx, n) is None or f is None or n in path:
            return
        for child in dict.fromkeys(ex.refs(f)):
            visit(child, depth + 1, me, (*path, n))

    visit(ctx.plan.kgi, 0, None, ())
    return out


def _b(v: object) -> object:
    return "" if v is None else v


def _terms(f: ex.Expr, child: str, product: bool) -> list[tuple[int, str]]:
    pairs = ex.product_signs(f) if product else (linear_terms(f) or [])
    return [(sign, c) for c, sign in pairs if c == child]


def gap_block(ctx: Context, s: Sheet, top: int) -> int:
    """Write the block starting at ``top``; return the first free row below it."""
    plan = ctx.plan
    rows = _rows(ctx)
    kgi_fmt = ctx.fmt(plan.kgi)
    att: Attribution = ctx.tracking.gap
    rates = rate_links(ctx.solution)
    cells = ctx.track_cells
    s.put(top, 1, ctx.t("gap_title"), "section")
    head = top + 1
    for i, key in enumerate(COLS):
        s.put(head, 1 + i, ctx.t(key), "head")
    first = head + 1
    share, split = {}, {}
    for i in range(len(rows)):
        share[i], split[i] = s.ref(first + i, 4).local, s.ref(first + i, SPLIT_COL).local
    for i, (n, depth, parent) in enumerate(rows):
        r = first + i
        node, nt = plan.nodes[n], ctx.tracking.nodes[n]
        a, t = cells[n]["gap_a"], cells[n]["gap_t"]
        s.put(r, 1, "　" * depth + node.name, "label")
        s.put(r, 2, formula=a, cached=_b(nt.gap_actual), style=f"calc:{ctx.fmt(n)}")
        s.put(r, 3, formula=t, cached=_b(nt.gap_target), style=f"calc:{ctx.fmt(n)}")
        if parent is None:
            f = ft.gap_total(a, t)
        else:
            pn = rows[parent][0]
            pf = plan.nodes[pn].formula
            assert pf is not None
            product = _splittable(ctx, pn) == "product"
            terms = [(sg, cells[c]["gap_a"], cells[c]["gap_t"])
                     for sg, c in _terms(pf, n, product)]
            f = ft.gap_share(split[parent], share[parent], cells[pn]["gap_a"],
                             cells[pn]["gap_t"], terms, product)
        s.put(r, 4, formula=f, cached=_b(_occurrence_share(att, rows, i)),
              style=f"{'calc_bold' if parent is None else 'calc'}:{kgi_fmt}")
        kind = _splittable(ctx, n)
        children = [j for j, (_, _, par) in enumerate(rows) if par == i]
        splits = n in att.shares and n not in att.leaves and _reached(att, rows, i)
        if kind is None or not children:
            s.put(r, SPLIT_COL, 0, "calc")
            s.put(r, 6, None, "calc")
        else:
            ops = [rows[j][0] for j in children]
            triples = [(cells[c]["gap_a"], cells[c]["gap_t"], cells[c]["complete"])
                       for c in ops]
            s.put(r, SPLIT_COL, formula=ft.gap_split(share[i], a, t, triples,
                                                     kind == "product"),
                  cached=1 if splits else 0, style="calc")
            flags: dict[str, list[str]] = {}  # id -> its flags (named when one is 0)
            for c in ops:
                lk = rates.get(c)
                if lk is None:
                    flags.setdefault(c, []).append(cells[c]["complete"])
                else:  # a rate typed in 1..asof names itself, an observed one its stages
                    typed = f"{cells[c]['cnt']}>0"
                    flags.setdefault(c, []).append(f"IF({typed},{cells[c]['complete']},1)")
                    for stage in (lk.upper, lk.lower):
                        flags.setdefault(stage, []).append(
                            f"IF({typed},1,MAX({cells[c]['complete']},"
                            f"{cells[stage]['complete']}))")
            items = [(fl[0] if len(fl) == 1 else f"MIN({','.join(fl)})", cells[x]["name"])
                     for x, fl in flags.items()]
            lacking = att.lacking.get(n) if _reached(att, rows, i) else None
            cached = (ctx.t("gap_enter") + "".join(plan.nodes[x].name + " " for x in lacking)
                      if lacking else "")
            s.put(r, 6, formula=ft.gap_lacking(share[i], a, t, items, ctx.t("gap_enter"),
                                               kind == "product"),
                  cached=cached, style="muted")
        leaf = ft.gap_leaf(split[i], share[i])
        is_leaf = _reached(att, rows, i) and n in att.leaves
        s.put(r, 5, formula=leaf, cached=_b(_occurrence_share(att, rows, i) if is_leaf else None),
              style=f"calc:{kgi_fmt}")
        s.put(r, ID_COL, n, "cell")
    last = first + len(rows) - 1
    s.hidden_cols |= {SPLIT_COL, ID_COL}
    ctx.name("kpixl_gap", s.ref(first, 4))
    leaves = s.range(first, 5, last, 5)
    row = last + 1
    s.put(row, 1, ctx.t("gap_unexplained"), "label")
    ctx.name("kpixl_unexplained", s.put(row, 5, formula=ft.unexplained(share[0], leaves, NOISE),
                                         cached=_b(att.unexplained), style=f"calc:{kgi_fmt}"))
    row += 2
    s.put(row, 1, ctx.t("gap_cause"), "label")
    down = plan.nodes[plan.kgi].direction == "down"
    if len(rows) == 1:
        cause = ft.gap_cause(None, None, 0, down)
    elif len(rows) == 2:
        cause = ft.gap_cause(None, None, 1, down, single=(s.ref(first + 1, 5).local, rows[1][0]))
    else:
        cause = ft.gap_cause(s.range(first + 1, 5, last, 5), s.range(first + 1, ID_COL, last,
                                                                     ID_COL),
                             len(rows) - 1, down)
    cause_ref = s.put(row, ID_COL, formula=cause, cached=att.cause or "", style="cell")
    ctx.name("kpixl_cause", cause_ref)
    cause_name = ""
    if att.cause is not None:
        i = [x[0] for x in rows].index(att.cause)
        cause_name = "　" * rows[i][1] + plan.nodes[att.cause].name
    if len(rows) > 1:
        show = ft.gap_cause_name(cause_ref.local, s.range(first, 1, last, 1),
                                 s.range(first, ID_COL, last, ID_COL))
    else:
        show = '""'
    s.put(row, 2, formula=show, cached=cause_name, style="calc_bold")
    s.merges.append((row, 2, row, 4))
    _node_names(ctx, s, rows, first, share)
    return row + 2


def _node_names(ctx: Context, s: Sheet, rows: list[tuple[str, int, int | None]], first: int,
                share: dict[int, str]) -> None:
    """``gap_X`` for every node: its share (the sum over its rows), blank outside the analysis
    (hidden column, one row per node)."""
    att = ctx.tracking.gap
    for k, n in enumerate(ctx.plan.nodes):
        r = first + k
        mine = [share[i] for i, (x, _, _) in enumerate(rows) if x == n]
        cell = s.ref(r, NAME_COL)
        if mine:
            s.put(r, NAME_COL, formula=ft.gap_node_share(mine), cached=_b(att.shares.get(n)),
                  style="muted")
        else:
            s.put(r, NAME_COL, None, "muted")
        ctx.name(f"gap_{n}", cell)
    s.hidden_cols.add(NAME_COL)


def _reached(att: Attribution, rows: list[tuple[str, int, int | None]], i: int) -> bool:
    """Whether the engine reached this row: its parents up to the KGI all split."""
    p = rows[i][2]
    while p is not None:
        pn = rows[p][0]
        if pn not in att.shares or pn in att.leaves:
            return False
        p = rows[p][2]
    return att.gap is not None


def _occurrence_share(att: Attribution, rows: list[tuple[str, int, int | None]],
                      i: int) -> float | None:
    """This row's own share: the parent's share times the engine's fraction for this operand.

    The engine sums a node's shares over its occurrences; a row shows one occurrence, so it is
    the product of the fractions along its path (the split is linear in the share)."""
    if not _reached(att, rows, i):
        return None
    path = []
    j: int | None = i
    while j is not None:
        path.append(rows[j][0])
        j = rows[j][2]
    path.reverse()
    value = att.gap
    assert value is not None
    for parent, child in pairwise(path):
        frac = att.fractions.get((parent, child))
        if frac is None:
            return None
        value *= frac
    return value
