"""Formula builders for tracking over reported months and for the gap analysis.

The twins of :mod:`kpixl.engine.tracking`, :mod:`kpixl.engine.track` and
:mod:`kpixl.engine.gap` (paired in :mod:`kpixl.formulas.registry`). Each builder takes
references (anything whose ``str()`` is a reference or an expression) and returns formula text
without the leading ``=``.

Portability (workbook-contract.md, "Computes the same in every engine"): every set of months is
selected through a helper row ``h`` with ``h_m = m`` when month m has an actual and ``-m`` when
not (:func:`entered_month`), so that the reported months of a..b are the criteria
``h >= a, h <= b`` of COUNTIFS / SUMIFS, the last of them is ``LARGE(h, COUNTIF(h, ">"&b) + 1)``
and the missing months of 1..asof are ``h < 0, h >= -asof``. No array evaluation outside
SUMPRODUCT's arguments, and no INDEX over a range that can be one cell (:func:`pick`).
"""

from __future__ import annotations

from collections.abc import Sequence

from kpixl.formulas.builders import guard, text

__all__ = [
    "asof_caption",
    "asof_input",
    "asof_label",
    "chart_point",
    "complete",
    "entered_month",
    "gap_cause",
    "gap_cause_name",
    "gap_figure",
    "gap_lacking",
    "gap_leaf",
    "gap_node_share",
    "gap_share",
    "gap_split",
    "gap_total",
    "last_entered",
    "missing",
    "missing_marker",
    "missing_sum",
    "month_achievement",
    "observed_figure",
    "observed_month",
    "observed_month_rate",
    "over_reported",
    "own_asof",
    "pick",
    "rate_month",
    "reported_count",
    "reported_weight",
    "resolve_asof",
    "shifted",
    "typed_switch",
    "unexplained",
]

Ref = object

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _crit(op: str, x: Ref) -> str:
    """A COUNTIFS criterion: ``">=3"`` for a literal, ``">="&asof`` for a reference."""
    if isinstance(x, int):
        return f'"{op}{x}"'
    return f'"{op}"&{x}'


def _in(h: Ref, a: Ref, b: Ref) -> str:
    """The criteria pairs selecting the reported months a..b of helper row ``h``."""
    lo = _crit(">", 0) if a == 1 else _crit(">=", a)
    return f"{h},{lo},{h},{_crit('<=', b)}"


def pick(row: Ref, k: Ref, n: int) -> str:
    """Month k of a one-row range of n cells; the cell itself when n = 1 (INDEX over a
    one-cell range is #REF! in Gnumeric)."""
    return f"{row}" if n == 1 else f"INDEX({row},1,{k})"


# -- as-of and reported months -------------------------------------------------------------------
def entered_month(actual: Ref, month: int) -> str:
    """The helper row's cell: ``m`` when the month has an actual (a number), else ``-m``."""
    return f"IF(ISNUMBER({actual}),{month},-{month})"


def last_entered(h: Ref) -> str:
    """The last month with an actual, any month of the plan (0 when none)."""
    return f"MAX(0,MAX({h}))"


def asof_input(value: Ref, year: int, month: int, months: int, count_max: int) -> str:
    """The count an as-of input means: a number up to ``count_max`` is the count; a date names
    the last closed month (``12 (YEAR - y0) + MONTH - m0 + 1``, within 0..n); blank: ``""``."""
    k = f"({value})"
    conv = f"MAX(0,MIN({months},(YEAR({k})-{year})*12+MONTH({k})-{month - 1}))"
    return f'IF(ISNUMBER({k}),IF({k}<={count_max},INT({k}),{conv}),"")'


def asof_label(labels: Ref, n: int) -> str:
    """The as-of month's label (``2026-06``); blank when no month is closed."""
    return f'IF(asof=0,"",{pick(labels, "asof", n)})'


def asof_caption(caption: str, labels: Ref, n: int) -> str:
    """``caption`` followed by the as-of month and its count (``2026-06 (3)``), or ``-``."""
    return f'{text(caption)}&IF(asof=0,"-",{pick(labels, "asof", n)}&" ("&asof&")")'


def chart_point(month: int, empty: str, value: str) -> str:
    """A chart cell: #N/A (no point) after the as-of month or when ``empty``, else ``value``."""
    return f"IF({month}>asof,NA(),IF({empty},NA(),{value}))"


def month_achievement(month: int, achievement: str) -> str:
    """A month's achievement: blank after the as-of month."""
    return f'IF({month}>asof,"",{achievement})'


def typed_switch(typed: Ref, own: str, observed: str) -> str:
    """A funnel rate's figure: its own while a rate is typed in 1..asof, else the observed."""
    return f"IF({typed}>0,{own},{observed})"


def resolve_asof(asof_input: Ref, kgi_last: Ref, last_months: Ref) -> str:
    """The input when given; else the KGI's last month with an actual; else any node's."""
    return (f"IF(ISNUMBER({asof_input}),{asof_input},IF({kgi_last}>0,{kgi_last},"
            f"MAX(0,{last_months})))")


def reported_count(h: Ref, a: Ref, b: Ref) -> str:
    """How many months of a..b have an actual."""
    return f"COUNTIFS({_in(h, a, b)})"


def own_asof(h: Ref, b: Ref) -> str:
    """The last reported month at or before b (0 when none)."""
    return f'IF(COUNTIFS({_in(h, 1, b)})=0,0,LARGE({h},COUNTIF({h},{_crit(">", b)})+1))'


def missing(actuals: Ref, h: Ref, asof: Ref) -> str:
    """``missing_X``: months of 1..asof without an actual; blank for a node with no actual."""
    return f'IF(COUNT({actuals})=0,"",{asof}-COUNTIFS({_in(h, 1, asof)}))'


def missing_sum(row: Ref, h: Ref, asof: Ref) -> str:
    """The sum of ``row`` (targets) over the missing months of 1..asof."""
    return f'SUMIFS({row},{h},"<0",{h},">="&-{asof})'


def missing_marker(h: Ref, count: Ref, asof: Ref, start: tuple[int, int], locale: str) -> str:
    """``6月 未入力`` / ``Jun missing`` for the latest missing month of 1..asof, with
    ``（ほか2か月）`` / ``(+2 more)`` when more are missing; blank when none is."""
    last = f"-SMALL({h},COUNTIF({h},\"<\"&-{asof})+1)"
    month = f"MONTH(DATE({start[0]},{start[1]}+{last}-1,1))"
    if locale == "ja":
        name = f'{month}&"月 未入力"'
        more = f'IF({count}>1,"（ほか"&({count}-1)&"か月）","")'
    else:
        name = f"CHOOSE({month},{','.join(text(m) for m in MONTHS_EN)})&\" missing\""
        more = f'IF({count}>1," (+"&({count}-1)&" more)","")'
    return f'IF(ISNUMBER({count}),IF({count}>0,{name}&{more},""),"")'


def over_reported(row: Ref, h: Ref, a: Ref, b: Ref, aggregate: str, n: int) -> str:
    """A row's figure over the reported months of a..b: SUMIFS (``sum``), SUMIFS / COUNTIFS
    (``mean``) or the value of the last of them (``last``); blank when none is reported."""
    sel = _in(h, a, b)
    count = f"COUNTIFS({sel})"
    body = {"sum": f"SUMIFS({row},{sel})", "mean": f"SUMIFS({row},{sel})/{count}",
            "last": pick(row, f"LARGE({h},COUNTIF({h},{_crit('>', b)})+1)", n)}[aggregate]
    return f'IF({count}=0,"",{body})'


def reported_weight(shape: Ref, h: Ref, asof: Ref) -> str:
    """The sum of the node's shape weights over its reported months (the forecast's base)."""
    return f"SUMIFS({shape},{_in(h, 1, asof)})"


# -- observed funnel rates -------------------------------------------------------------------------
def observed_month(lower: Ref, upper: Ref | None, month: int) -> str:
    """A funnel link's helper cell: ``m`` when stage k+1 has an actual in m and stage k in
    m - L (``upper``; None when m - L lies before the plan), else ``-m``."""
    if upper is None:
        return f"-{month}"
    return f"IF(AND(ISNUMBER({lower}),ISNUMBER({upper})),{month},-{month})"


def rate_month(typed: Ref, own: Ref, link: Ref) -> str:
    """A funnel rate's helper cell: its own while a rate is typed in 1..asof (``typed`` > 0),
    else its link's (the observed rate's months)."""
    return f"IF({typed}>0,{own},{link})"


def shifted(upper: Ref | None) -> str:
    """Stage k's actual L months earlier (0 when blank, or before the plan)."""
    return "0" if upper is None else f"IF(ISNUMBER({upper}),{upper},0)"


def observed_figure(lower: Ref, shifted_row: Ref, h: Ref, a: Ref, b: Ref) -> str:
    """sum(stage k+1) / sum(stage k, L months earlier) over the months of a..b selected by
    ``h``; blank when none or when the denominator is 0."""
    sel = _in(h, a, b)
    den = f"SUMIFS({shifted_row},{sel})"
    return f'IF(COUNTIFS({sel})=0,"",IF({den}=0,"",SUMIFS({lower},{sel})/{den}))'


def observed_month_rate(h: Ref, lower: Ref, shifted_cell: Ref) -> str:
    """One month's observed rate (blank unless the month counts and stage k is not 0)."""
    return f'IF({h}>0,IF({shifted_cell}<>0,{lower}/{shifted_cell},""),"")'


# -- gap attribution -------------------------------------------------------------------------------
def gap_figure(row: Ref, h_kgi: Ref, h: Ref, asof: Ref, own_kgi: Ref, aggregate: str, n: int,
               *, actual: bool) -> str:
    """A or T of a node over the KGI's reported months: sums, means (of the months the node
    has, for A) or the value at the KGI's own as-of month (``last``)."""
    sel = _in(h_kgi, 1, asof)
    count = f"COUNTIFS({sel})"
    if aggregate == "last":
        v = pick(row, own_kgi, n)
        body = f'IF(ISNUMBER({v}),{v},"")' if actual else v
    elif actual:
        have = f'COUNTIFS({sel},{h},">0")'
        s = f"SUMIFS({row},{sel})"
        body = f'IF({have}=0,"",{s if aggregate == "sum" else f"{s}/{have}"})'
    else:
        body = f"SUMIFS({row},{sel})" + ("" if aggregate == "sum" else f"/{count}")
    return f'IF({count}=0,"",{body})'


def complete(h_kgi: Ref, hs: Sequence[Ref], asof: Ref) -> str:
    """1 when every helper row in ``hs`` has an actual in every month of R_KGI, else 0."""
    sel = _in(h_kgi, 1, asof)
    checks = ",".join(f'COUNTIFS({sel},{h},">0")={f"COUNTIFS({sel})"}' for h in hs)
    return f"IF(COUNTIFS({sel})=0,0,IF(AND({checks}),1,0))"


def gap_total(actual: Ref, target: Ref) -> str:
    """G = A - T of the KGI (0 when equal to 12 significant digits); blank when either is."""
    return (f'IF(AND(ISNUMBER({actual}),ISNUMBER({target})),'
            f'IF({guard(actual)}={guard(target)},0,{actual}-{target}),"")')


def gap_split(share: Ref, a: Ref, t: Ref, children: Sequence[tuple[Ref, Ref, Ref]],
              product: bool) -> str:
    """1 when a node splits (see :mod:`kpixl.engine.gap`), else 0. ``children``: each
    operand's (A, T, complete)."""
    known = ",".join(f"ISNUMBER({x})" for c in children for x in c[:2])
    full = ",".join(f"{c[2]}=1" for c in children)
    pos = ",".join(f"{x}>0" for c in children for x in c[:2])
    inner = f"IF(AND({pos},{a}>0,{t}>0),1,0)" if product else "1"
    differs = f"IF({t}<>0,ROUND({a}/{t}-1,9)<>0,{a}<>0)"
    return (f"IF(AND(ISNUMBER({share}),ISNUMBER({a}),ISNUMBER({t})),IF({differs},"
            f"IF(AND({full},{known}),{inner},0),0),0)")


def gap_share(parent_split: Ref, parent_share: Ref, pa: Ref, pt: Ref,
              terms: Sequence[tuple[int, Ref, Ref]], product: bool) -> str:
    """An operand's share: ``S_X e_i ln(A_i/T_i) / ln(A_X/T_X)`` (product) or
    ``S_X s_i (A_i - T_i) / (A_X - T_X)`` (sum); ``terms`` are (sign, A_i, T_i), one per
    appearance; blank unless the parent splits."""
    if product:
        num = "+".join(f"{s}*LN({a}/{t})" for s, a, t in terms)
        frac = f"({num})/LN({pa}/{pt})"
    else:
        num = "+".join(f"{s}*({a}-{t})" for s, a, t in terms)
        frac = f"({num})/({pa}-{pt})"
    return f'IF({parent_split}=1,{parent_share}*{frac},"")'


def gap_lacking(share: Ref, a: Ref, t: Ref, items: Sequence[tuple[Ref, str]], prefix: str,
                product: bool) -> str:
    """The actuals that would split a node: the names of the operands (or stages) whose
    complete flag is 0 (``items``: flag, a reference to a cell holding the name: user text never
    goes into a formula), after ``prefix``; blank when all are there, or when the node would not
    split anyway (no share, A = T, or a product with A or T <= 0)."""
    parts = "&".join(f'IF({c}=1,"",{name}&" ")' for c, name in items)
    differs = f"IF({t}<>0,ROUND({a}/{t}-1,9)<>0,{a}<>0)"
    if product:
        differs = f"IF(AND({a}>0,{t}>0),{differs},FALSE)"
    return (f'IF(AND(ISNUMBER({share}),ISNUMBER({a}),ISNUMBER({t})),IF({differs},'
            f'IF(({parts})="","",{text(prefix)}&{parts}),""),"")')


def unexplained(gap: Ref, leaves: Ref, noise: float) -> str:
    """G - the sum of the leaf shares, 0 below ``noise`` x |G|; blank without a gap."""
    u = f"({gap}-SUM({leaves}))"
    return f'IF(ISNUMBER({gap}),IF(ABS{u}<={noise!r}*ABS({gap}),0,{u}),"")'


def gap_leaf(split: Ref, share: Ref) -> str:
    """A row's share as a leaf: its share when it does not split, else blank."""
    return f'IF({split}=0,IF(ISNUMBER({share}),{share},""),"")'


def gap_node_share(shares: Sequence[Ref]) -> str:
    """``gap_X``: the sum of a node's rows' shares (one row: that cell); blank when none."""
    if len(shares) == 1:
        return str(shares[0])
    cells = ",".join(map(str, shares))
    return f'IF(COUNT({cells})=0,"",SUM({cells}))'


def gap_cause_name(cause: Ref, names: Ref, ids: Ref) -> str:
    """The cause's name as the block shows it (its first row); blank without a cause."""
    return f'IF({cause}="","",INDEX({names},MATCH({cause},{ids},0)))'


def gap_cause(leaves: Ref | None, ids: Ref | None, n: int, down: bool,
              single: tuple[Ref, str] | None = None) -> str:
    """The id of the leaf with the worst share (MIN below 0 for ``up``, MAX above 0 for
    ``down``); blank when none. ``single``: the one leaf cell and its id when there is one."""
    bad = ">" if down else "<"
    if single is not None:
        cell, node = single
        return f'IF(ISNUMBER({cell}),IF({cell}{bad}0,{text(node)},""),"")'
    if leaves is None or ids is None or n == 0:
        return '""'
    pick_ = f"{'MAX' if down else 'MIN'}({leaves})"
    return (f'IF(COUNT({leaves})=0,"",IF({pick_}{bad}0,INDEX({ids},MATCH({pick_},{leaves},0)),'
            f'""))')
