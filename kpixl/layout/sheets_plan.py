"""Guide, Inputs, KPI Tree and Funnel sheets."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

from kpixl.engine.compute import confidence_counts, funnel_links, rate_value
from kpixl.layout.context import Context
from kpixl.layout.core import Sheet
from kpixl.layout.labels import funnel_title, sheet_name
from kpixl.layout.styles import link_numfmt, unit_label
from kpixl.messages import msg
from kpixl.model import expr as ex

# the Guide sheet describes these sheets, in this order, and its method in these lines (the
# catalogue's ``guide.sheet.<key>`` and ``guide.method.<n>``)
GUIDE_SHEETS = ("inputs", "tree", "funnel", "monthly", "tracking", "dashboard", "smart", "kfs",
                "pdca")
GUIDE_METHOD_LINES = 4


def guide(ctx: Context) -> Sheet:
    s = ctx.sheet("guide")
    loc = ctx.locale
    intro, inputs = msg("guide.intro", loc), msg("guide.inputs", loc)
    s.widths = {0: 2, 1: 24, 2: 90}
    s.put(0, 1, ctx.plan.title, "title")
    s.put(1, 1, intro, "wrap")
    s.merges.append((1, 1, 1, 2))
    s.heights[1] = wrapped_height(intro, 24 + 90)
    s.put(3, 1, ctx.t("input_cell"), "input")
    s.put(3, 2, inputs, "wrap")
    s.heights[3] = wrapped_height(inputs, 90)
    row = 5
    s.put(row, 1, ctx.t("guide_sheets"), "section")
    row += 1
    for key in GUIDE_SHEETS:
        s.put(row, 1, sheet_name(key, loc), "label")
        s.put(row, 2, msg(f"guide.sheet.{key}", loc), "cell")
        row += 1
    row += 1
    s.put(row, 1, ctx.t("guide_method"), "section")
    for n in range(1, GUIDE_METHOD_LINES + 1):
        line = msg(f"guide.method.{n}", loc)
        row += 1
        s.put(row, 2, line, "wrap")
        s.heights[row] = wrapped_height(line, 90)
    s.protect = True
    return s


def inputs(ctx: Context) -> Sheet:
    """Every input cell: root targets, assumptions, as-of month, thresholds, seasonality, splits,
    baselines."""
    plan, s = ctx.plan, ctx.sheet("inputs")
    n = plan.months
    s.widths = {0: 22, 1: 26, 2: 10, 3: 18, 4: 16, 5: 18, 6: 12, 7: 50}
    s.put(0, 0, plan.title, "title")
    row = 2
    s.put(row, 0, ctx.t("asof"), "label")
    s.merges.append((row, 0, row, 3))
    ref = s.put(row, 4, None, "input:asof")
    ctx.name("in_asof", ref)
    ctx.inputs.append(("in_asof", None))
    # the plan's months as real dates (shown yyyy-mm) for the drop-down; a count 0..n typed
    # instead is accepted too (the list does not reject other values)
    epoch = dt.date(1899, 12, 30)
    for m in range(n):
        s.put(row + 1, 4 + m, float((plan.period.month_start(m + 1) - epoch).days), "muted:asof")
    s.hidden_rows.add(row + 1)
    s.validations.append((s.range(row, 4, row, 4), {
        "validate": "list", "source": f"={s.range(row + 1, 4, row + 1, 3 + n)}",
        "show_error": False}))
    row += 2
    s.put(row, 0, ctx.t("thresholds"), "section")
    for key, value in (("on_track", plan.thresholds.on_track),
                       ("at_risk", plan.thresholds.at_risk)):
        row += 1
        s.put(row, 0, ctx.t(f"{key}_th"), "label")
        s.merges.append((row, 0, row, 3))
        ref = s.put(row, 4, value, "input:pct")
        ctx.name(f"in_{key}", ref)
        ctx.inputs.append((f"in_{key}", value))
        s.validations.append((s.range(row, 4, row, 4), {"validate": "decimal", "criteria": ">=",
                                                         "value": 0}))
    row += 3
    s.put(row, 0, ctx.t("assumptions"), "section")
    row += 1
    heads = ["id", "kpi", "unit", "kind", "value", "owner", "due", "description"]
    for c, key in enumerate(heads):
        s.put(row, c, ctx.t(key), "head")
    for node_id, node in plan.nodes.items():
        res = ctx.solution.nodes[node_id]
        if node.kind != "assumption" and res.role != "root":
            continue
        row += 1
        given = node.value if node.value is not None else node.target
        kind = "kind_assumption" if node.kind == "assumption" else "kind_target"
        s.put(row, 0, node_id, "cell")
        s.put(row, 1, node.name, "cell")
        s.put(row, 2, unit_label(node, plan), "cell")
        s.put(row, 3, ctx.t(kind), "cell")
        ref = s.put(row, 4, given, f"input:{ctx.fmt(node_id)}")
        ctx.name(f"in_{node_id}", ref)
        ctx.inputs.append((f"in_{node_id}", given))
        lo: float | None
        hi: float | None
        lo, hi = node.effective_bounds or (None, None)
        if lo is None and not node.signed:
            lo = 0.0
        rule: dict[str, object] = {"validate": "decimal"}
        if lo is not None and hi is not None:
            rule |= {"criteria": "between", "minimum": lo, "maximum": hi}
        elif lo is not None:
            rule |= {"criteria": ">=", "value": lo}
        else:
            rule = {}
        if rule:
            s.validations.append((s.range(row, 4, row, 4), rule))
        s.put(row, 5, node.owner, "cell_wrap")
        s.put(row, 6, node.due.isoformat() if node.due else "", "cell")
        s.put(row, 7, node.description, "cell_wrap")
        s.heights[row] = max(wrapped_height(node.description, 50),
                             wrapped_height(node.owner, 18))
    splits = [(k, nd) for k, nd in plan.nodes.items() if nd.split]
    if splits:
        row += 2
        s.put(row, 0, ctx.t("splits"), "section")
        row += 1
        for c, key in enumerate(("node", "operand", "share")):
            s.put(row, c, ctx.t(key), "head")
        for k, nd in splits:
            assert nd.split is not None
            for op, share in nd.split.items():
                row += 1
                s.put(row, 0, f"{nd.name} ({k})", "cell")
                s.put(row, 1, f"{plan.nodes[op].name} ({op})", "cell")
                ref = s.put(row, 2, share, "input:pct")
                ctx.share_refs[(k, op)] = ref
                ctx.inputs.append((f"split:{k}:{op}", share))
                s.validations.append((s.range(row, 2, row, 2), {
                    "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1}))
    bases = [(k, nd) for k, nd in plan.nodes.items()
             if nd.baseline is not None and nd.aggregate == "last"]
    if bases:
        row += 2
        s.put(row, 0, ctx.t("baselines"), "section")
        row += 1
        s.put(row, 0, ctx.t("kpi"), "head")
        s.put(row, 1, ctx.t("baseline"), "head")
        for k, nd in bases:
            row += 1
            s.put(row, 0, f"{nd.name} ({k})", "cell_wrap")
            s.heights[row] = wrapped_height(f"{nd.name} ({k})", 22)
            ref = s.put(row, 1, nd.baseline, f"input:{ctx.fmt(k)}")
            ctx.baseline_refs[k] = ref
            ctx.inputs.append((f"baseline:{k}", nd.baseline))
    # seasonality last, a row of n weights (the contract's shape) under the tables' own columns:
    # the sheet is no wider than its tables plus a few month columns, so it prints readable on
    # one page width (split-share and baseline cells keep their rows: the reader finds them
    # where this layout puts them, in old workbooks too)
    row += 2
    s.put(row, 0, ctx.t("seasonality"), "section")
    labels = plan.period.labels()
    for m in range(n):
        s.put(row + 1, m, labels[m], "head")
        s.put(row + 2, m, plan.weights[m], "input:weight")
        s.widths.setdefault(m, 9)
        ctx.inputs.append((f"in_seasonality[{m + 1}]", plan.weights[m]))
    row += 2
    ctx.season = s.range(row, 0, row, n - 1)
    ctx.name("in_seasonality", ctx.season)
    s.validations.append((ctx.season, {"validate": "decimal", "criteria": ">=", "value": 0}))
    s.freeze = (2, 0)
    s.protect = True
    return s


def tree_order(ctx: Context) -> list[tuple[str, int, bool]]:
    """Depth-first (node, depth, repeated) from the KGI, then the other roots."""
    plan, sol = ctx.plan, ctx.solution
    roots = [plan.kgi, *[r for r in sol.roots if r != plan.kgi]]
    seen: set[str] = set()
    out: list[tuple[str, int, bool]] = []

    def visit(n: str, depth: int) -> None:
        out.append((n, depth, n in seen))
        if n in seen:
            return
        seen.add(n)
        f = plan.nodes[n].formula
        for child in dict.fromkeys(ex.refs(f)) if f is not None else ():
            visit(child, depth + 1)

    for r in roots:
        if r not in seen:
            visit(r, 0)
    return out


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_height(text: str, width: float, line: float = 14.0) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide: wide
    (CJK) characters take two, 10-point text takes ``line`` points a line. Excel does not grow
    a row for wrapped text it did not type itself, so the layout sets it."""
    lines = sum(max(1, math.ceil(_display_width(part) / max(1.0, width - 1)))
                for part in (text or "").split("\n"))
    return line * lines + 4


def formula_in_words(ctx: Context, node_id: str) -> str:
    f = ctx.plan.nodes[node_id].formula
    if f is None:
        return ""
    text = ex.to_text(f)
    ids = sorted(set(ex.refs(f)), key=len, reverse=True)
    tokens = text.split(" ")
    names = {i: ctx.display_name(i) for i in ids}
    sym = {"*": "×", "/": "÷", "+": "+", "-": "−"}
    out = []
    for tok in tokens:
        core = tok.strip("()")
        lead = tok[: len(tok) - len(tok.lstrip("("))]
        trail = tok[len(tok.rstrip(")")):]
        out.append(lead + names.get(core, sym.get(core, core)) + trail)
    return " ".join(out)


def tree(ctx: Context) -> Sheet:
    """The KPI tree as boxes joined by border lines, with target, unit, owner and formula."""
    plan, sol, s = ctx.plan, ctx.solution, ctx.sheet("tree")
    order = tree_order(ctx)
    depth = max(d for _, d, _ in order)
    # a name box covers enough narrow columns for the longest name (wide characters count 2)
    longest = max(_display_width(plan.nodes[n].name) for n, _, _ in order) + 3
    box_span = min(24, max(4, math.ceil(longest / 3.2)))
    first_data = 1 + depth + box_span
    for c in range(1, first_data):
        s.widths[c] = 3.2
    s.widths[0] = 2
    cols = ["planned", "unit", "kind", "goal", "formula", "owner", "due"]
    big = ctx.width_for([abs(r.total) for r in sol.nodes.values()], list(sol.nodes))
    widths = [big, 8, 14, big, 44, 18, 12]
    for i, w in enumerate(widths):
        s.widths[first_data + i] = w
    s.put(0, 1, plan.title, "title")
    s.put(2, 1, ctx.t("kpi"), "head")
    s.merges.append((2, 1, 2, first_data - 1))
    for i, key in enumerate(cols):
        s.put(2, first_data + i, ctx.t(key), "head")
    row0 = 3
    last_child_row: dict[int, int] = {}
    parent_row: dict[int, int] = {}
    stack: list[int] = []
    for i, (n, d, repeated) in enumerate(order):
        row = row0 + i
        node, res = plan.nodes[n], sol.nodes[n]
        look = {"root": "tree_root", "solved": "tree_solved", "determined": "tree_determined",
                "assumption": "tree_assumption"}[res.role]
        s.put(row, 1 + d, f"{node.name}" + (" ↑" if repeated else ""), look)
        s.merges.append((row, 1 + d, row, 1 + d + box_span - 1))
        s.heights[row] = 20
        del stack[d:]
        if d > 0:
            last_child_row[d] = row
            prow = parent_row[d - 1]
            for r in range(prow + 1, row):
                if (r, d) not in s.cells:
                    s.put(r, d, None, "tree_v")
            s.put(row, d, None, "tree_l")
        parent_row[d] = row
        stack.append(row)
        fmt = ctx.fmt(n)
        c = first_data
        if repeated:
            s.put(row, c, formula=f"kpi_{n}", cached=res.total, style=f"calc:{fmt}")
        else:
            ref = s.put(row, c, formula=ctx.render(res.recipe), cached=res.total,
                        style=f"calc_bold:{fmt}")
            ctx.name(f"kpi_{n}", ref)
        s.put(row, c + 1, unit_label(node, plan), "cell")
        s.put(row, c + 2, ctx.t(f"kind_{res.role}"), "cell")
        if res.role == "root" and node.target is not None:
            s.put(row, c + 3, formula=f"in_{n}", cached=node.target, style=f"calc:{fmt}")
        else:
            s.put(row, c + 3, None, "cell")
        s.put(row, c + 4, formula_in_words(ctx, n), "cell")
        s.put(row, c + 5, node.owner, "cell_wrap")
        s.put(row, c + 6, node.due.isoformat() if node.due else "", "cell")
    s.freeze = (3, 0)
    s.print_title_rows = (2, 2)
    s.protect = True
    return s


def funnel(ctx: Context) -> Sheet:
    """One block per funnel: stage, rates, required counts, carry-in, confidence counts."""
    plan, sol, s = ctx.plan, ctx.solution, ctx.sheet("funnel")
    s.widths = {0: 2, 1: 26, 2: 14, 3: 14, 4: 16, 5: 18, 6: 20}
    s.put(0, 1, plan.title, "title")
    links = {(lk.upper, lk.lower): lk for lk in funnel_links(sol)}
    counts = confidence_counts(sol)
    row = 2
    if not plan.funnels:
        s.put(row, 1, ctx.t("no_funnels"), "muted")
    for f in plan.funnels:
        c = f.confidence if f.confidence is not None else plan.confidence
        s.put(row, 1, funnel_title(plan, f), "section")
        row += 1
        heads = ["stage", "planned_rate", "observed_rate", "required", "carry_in"]
        for i, key in enumerate(heads):
            s.put(row, 1 + i, ctx.t(key), "head")
        if c is not None:
            s.put(row, 6, ctx.t("confidence_n", c=c), "head")
        multipliers = False
        for k, stage in enumerate(f.stages):
            row += 1
            node, res = plan.nodes[stage], sol.nodes[stage]
            sched = ctx.sched[stage]
            s.put(row, 1, node.name, "label")
            if k > 0:
                lk = links[(f.stages[k - 1], stage)]
                try:
                    rate: object = rate_value(sol, lk.rate)
                except ZeroDivisionError:  # a ratio over a stage planned at 0
                    rate = ""
                kind = link_numfmt(plan, lk.rate)  # pct, or mult (x 3) for a multiplier
                multipliers |= kind == "mult"
                s.put(row, 2, formula=f'IFERROR({ctx.render(lk.rate)},"")', cached=rate,
                      style=f"calc:{kind}")
                s.put(row, 3, formula=ctx.observed_formula(lk), style=f"calc:{kind}",
                      cached=_blank(ctx.tracking.observed[(lk.upper, lk.lower)]))
            else:
                s.put(row, 2, None, "calc")
                s.put(row, 3, None, "calc")
            s.put(row, 4, formula=f"kpi_{stage}", cached=res.total,
                  style=f"calc_bold:{ctx.fmt(stage)}")
            if sched.carry_in is not None:
                s.put(row, 5, formula=ctx.carry_formula(stage), cached=sched.carry_in,
                      style=f"calc:{ctx.fmt(stage)}")
            else:
                s.put(row, 5, None, "calc")
            if c is not None:
                s.put(row, 6, counts.get((f.id, stage), ""), f"cell:{ctx.fmt(stage)}")
        if multipliers:
            row += 1
            s.put(row, 1, ctx.t("multiplier_note"), "muted")
        if c is not None:
            row += 1
            s.put(row, 6, ctx.t("confidence_note"), "muted")
        row += 2
    s.protect = True
    return s


def _blank(v: object) -> object:
    return "" if v is None else v

