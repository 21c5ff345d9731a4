"""The gap-attribution block of the Dashboard: the engine's :func:`kpixl.engine.gap.attribute`
as live formulas.

One row per node occurrence in the KGI's tree, depth first, descending only through nodes that
can be split (a formula that is a pure sum or a pure product/quotient of ids, not determined).
Each row holds the node's YTD actual and YTD target (references to the Tracking sheet), its
planned value (its formula on the operands' YTD targets), whether it splits this month (the
run-time conditions: positive actuals and targets, actual != planned for products), and its
share of the KGI's gap. The cause is the leaf whose share is worst for the KGI's direction.
"""

from __future__ import annotations

from collections.abc import Callable

from kpixl.engine import recipe as rc
from kpixl.engine.gap import Attribution, attribute
from kpixl.engine.solve import to_recipe
from kpixl.formulas import builders as fx
from kpixl.layout.context import Context
from kpixl.layout.core import CellRef, Sheet
from kpixl.model import expr as ex

COLS = ("kpi", "ytd_actual", "ytd_target", "planned", "gap_share", "gap_leaf")


def _kind(ctx: Context, node_id: str) -> str | None:
    """``product`` / ``sum`` when the node can be split at all, else None (a static leaf)."""
    f = ctx.plan.nodes[node_id].formula
    if f is None or node_id in ctx.solution.determined:
        return None
    if ex.is_product_of_ids(f):
        return "product"
    return "sum" if ex.is_sum_of_ids(f) else None


def _rows(ctx: Context) -> list[tuple[str, int, int | None]]:
    """(node, depth, parent row index) in depth-first order from the KGI."""
    out: list[tuple[str, int, int | None]] = []

    def visit(n: str, depth: int, parent: int | None, path: tuple[str, ...]) -> None:
        out.append((n, depth, parent))
        me = len(out) - 1
        f = ctx.plan.nodes[n].formula
        if _kind(ctx, n) is None or f is None or n in path:
            return
        for child in dict.fromkeys(ex.refs(f)):
            visit(child, depth + 1, me, (*path, n))

    visit(ctx.plan.kgi, 0, None, ())
    return out


def _num(ref: str) -> str:
    return f"IF(ISNUMBER({ref}),{ref},0)"


def gap_block(ctx: Context, s: Sheet, top: int) -> int:
    """Write the block starting at ``top``; return the first free row below it."""
    plan = ctx.plan
    rows = _rows(ctx)
    kgi_fmt = ctx.fmt(plan.kgi)
    trk = ctx.tracking
    ytd_a = {k: v.ytd_actual for k, v in trk.nodes.items()}
    ytd_t = {k: v.ytd_target for k, v in trk.nodes.items()}
    att = attribute(plan.kgi, {k: n.formula for k, n in plan.nodes.items()},
                    ctx.solution.determined, plan.nodes[plan.kgi].direction, ytd_a, ytd_t)
    s.put(top, 1, ctx.t("gap_title"), "section")
    head = top + 1
    for i, key in enumerate(COLS):
        s.put(head, 1 + i, ctx.t(key), "head")
    s.put(head, 7, ctx.t("gap_split"), "head")
    first = head + 1
    a_ref: dict[int, str] = {}
    t_ref: dict[int, str] = {}
    p_ref: dict[int, str] = {}
    share_ref: dict[int, CellRef] = {}
    split_ref: dict[int, CellRef] = {}
    for i, (n, depth, _parent) in enumerate(rows):
        r = first + i
        node = plan.nodes[n]
        a_ref[i], t_ref[i] = f"ytd_{n}", str(ctx.ytd_target_cells[n])
        s.put(r, 1, "　" * depth + node.name, "label")
        s.put(r, 2, formula=a_ref[i], cached=_b(ytd_a[n]), style=f"calc:{ctx.fmt(n)}")
        s.put(r, 3, formula=t_ref[i], cached=_b(ytd_t[n]), style=f"calc:{ctx.fmt(n)}")
        share_ref[i] = s.ref(r, 5)
        split_ref[i] = s.ref(r, 7)
    # planned values need every row's target reference: a second pass
    for i, (n, _depth, _parent) in enumerate(rows):
        r = first + i
        f = plan.nodes[n].formula
        if f is None:
            p_ref[i] = t_ref[i]
            s.put(r, 4, formula=t_ref[i], cached=_b(ytd_t[n]), style=f"calc:{ctx.fmt(n)}")
            continue
        body = fx.render(to_recipe(f), _target_leaf(ctx))
        cell = s.put(r, 4, formula=f'IFERROR({body},"")', cached=_b(_planned(f, ytd_t)),
                     style=f"calc:{ctx.fmt(n)}")
        p_ref[i] = cell.local
    for i, (n, _depth, parent) in enumerate(rows):
        r = first + i
        kind = _kind(ctx, n)
        a, p = a_ref[i], p_ref[i]
        if parent is None:
            gap = (f'IF(AND(ISNUMBER({a}),ISNUMBER({p})),'
                   f'IF({fx.guard(a)}={fx.guard(p)},0,{a}-{p}),"")')
            s.put(r, 5, formula=gap, cached=_b(att.gap), style=f"calc_bold:{kgi_fmt}")
        else:
            s.put(r, 5, formula=_child_share(ctx, rows, i, parent, a_ref, t_ref, p_ref,
                                             share_ref, split_ref),
                  cached=_b(_row_share(att, rows, i)), style=f"calc:{kgi_fmt}")
        children = [j for j, (_, _, par) in enumerate(rows) if par == i]
        if kind is None or not children:
            s.put(r, 7, formula="FALSE", cached=False, style="calc")
        else:
            conds = [f"ISNUMBER({share_ref[i].local})", f"ISNUMBER({a})", f"ISNUMBER({p})"]
            for j in children:
                conds += [f"{_num(a_ref[j])}>0", f"{_num(t_ref[j])}>0"]
            if kind == "product":
                conds += [f"{_num(a)}>0", f"{_num(p)}>0"]
                guard_ne = f"{fx.guard(_num(a))}<>{fx.guard(_num(p))}"
                conds.append(guard_ne)
            splits = n in att.shares and n not in att.leaves
            s.put(r, 7, formula=f"AND({','.join(conds)})", cached=splits, style="calc")
        leaf = f'IF(NOT({split_ref[i].local}),IF(ISNUMBER({share_ref[i].local}),' \
               f'{share_ref[i].local},""),"")'
        s.put(r, 6, formula=leaf, cached=_b(att.shares.get(n) if n in att.leaves else None),
              style=f"calc:{kgi_fmt}")
    last = first + len(rows) - 1
    leaf_col = s.range(first, 6, last, 6)
    names = s.range(first, 1, last, 1)
    pick = "MIN" if plan.nodes[plan.kgi].direction == "up" else "MAX"
    row = last + 2
    s.put(row, 1, ctx.t("gap_cause"), "label")
    gap_cell = share_ref[0].local
    cause = (f'IF(ISNUMBER({gap_cell}),IF({gap_cell}=0,"",IF(COUNT({leaf_col})=0,"",'
             f'INDEX({names},MATCH({pick}({leaf_col}),{leaf_col},0)))),"")')
    cause_name = ("　" * rows[[r[0] for r in rows].index(att.cause)][1] +
                  plan.nodes[att.cause].name) if att.cause else ""
    s.put(row, 2, formula=cause, cached=cause_name, style="calc_bold")
    s.merges.append((row, 2, row, 4))
    return row + 2


def _child_share(ctx: Context, rows: list[tuple[str, int, int | None]], i: int, parent: int,
                 a_ref: dict[int, str], t_ref: dict[int, str], p_ref: dict[int, str],
                 share_ref: dict[int, CellRef], split_ref: dict[int, CellRef]) -> str:
    """share_child = share_parent * fraction, blank unless the parent splits."""
    pn = rows[parent][0]
    f = ctx.plan.nodes[pn].formula
    assert f is not None
    child = rows[i][0]
    pa, pp = a_ref[parent], p_ref[parent]
    if _kind(ctx, pn) == "product":
        terms = [f"{sign}*LN({a_ref[i]}/{t_ref[i]})" for c, sign in ex.product_signs(f)
                 if c == child]
        frac = f"({'+'.join(terms)})/LN({pa}/{pp})"
    else:
        count = list(ex.refs(f)).count(child)
        w = f"({a_ref[i]}-{t_ref[i]})" if count == 1 else f"{count}*({a_ref[i]}-{t_ref[i]})"
        frac = f"IF({fx.guard(pa)}={fx.guard(pp)},0,{w}/({pa}-{pp}))"
    share = share_ref[parent].local
    return f'IF({split_ref[parent].local},{share}*({frac}),"")'


def _row_share(att: Attribution, rows: list[tuple[str, int, int | None]],
               i: int) -> float | None:
    return att.shares.get(rows[i][0])


def _planned(f: ex.Expr, ytd_t: dict[str, float | None]) -> float | None:
    values = {c: ytd_t[c] for c in ex.refs(f)}
    if any(v is None for v in values.values()):
        return None
    try:
        return rc.evaluate_formula(f, values)  # type: ignore[arg-type]
    except ZeroDivisionError:
        return None


def _target_leaf(ctx: Context) -> Callable[[rc.Recipe], str]:
    """Render a formula's operands as their YTD-target cells."""

    def leaf(x: rc.Recipe) -> str:
        assert isinstance(x, rc.Kpi)
        return str(ctx.ytd_target_cells[x.id])

    return leaf


def _b(v: object) -> object:
    return "" if v is None else v
