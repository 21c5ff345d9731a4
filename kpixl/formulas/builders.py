"""Formula builders: the Excel text that mirrors each engine function.

Each builder takes cell references (a defined name, or a :class:`~kpixl.layout.refs.CellRef`;
anything whose ``str()`` is a valid reference or expression) and returns formula text without the
leading ``=``. The pairs engine function <-> builder are listed in
:mod:`kpixl.formulas.registry`; the
LibreOffice conformance tests evaluate every builder against its engine twin.

Only portable functions are used (workbook-contract.md's allowlist plus LOG10, which the plan
format itself prescribes for the noise guard); nothing volatile.
"""

from __future__ import annotations

from collections.abc import Callable

from kpixl.engine import recipe as rc

__all__ = [
    "achievement",
    "carry_in",
    "catch_up",
    "cumulative_step",
    "effective_target",
    "forecast",
    "funnel_stage",
    "guard",
    "last_entered",
    "monthly_last",
    "monthly_sum",
    "monthly_sum_whole",
    "observed_rate",
    "remaining",
    "render",
    "resolve_asof",
    "rotated_weight",
    "rounded",
    "status",
    "window",
    "window_actual",
    "window_target",
]

Ref = object  # anything whose str() is a reference or an expression

_ROUND = {"up": "ROUNDUP", "down": "ROUNDDOWN", "nearest": "ROUND"}


def _p(x: Ref) -> str:
    """Parenthesise a sub-expression unless it is a plain reference or number."""
    s = str(x)
    simple = s.replace("_", "").replace("$", "").replace("!", "").replace(".", "").replace("'", "")
    return s if simple.isalnum() or (s.startswith("(") and s.endswith(")")) else f"({s})"


def guard(x: Ref) -> str:
    """12-significant-digit guard: ``IF(x=0,0,ROUND(x,11-INT(LOG10(ABS(x)))))``."""
    v = _p(x)
    return f"IF({v}=0,0,ROUND({v},11-INT(LOG10(ABS({v})))))"


def rounded(x: Ref, direction: str) -> str:
    """Guarded whole rounding: ROUNDUP / ROUNDDOWN / ROUND of ``guard(x)`` to 0 digits."""
    return f"{_ROUND[direction]}({guard(x)},0)"


def render(recipe: rc.Recipe, leaf: Callable[[rc.Recipe], str]) -> str:
    """A recipe as formula text, fully parenthesised so Excel computes in the engine's order."""
    if isinstance(recipe, rc.Num):
        return repr(recipe.value) if recipe.value != int(recipe.value) else str(int(recipe.value))
    if isinstance(recipe, rc.Op):
        return f"({render(recipe.left, leaf)}{recipe.op}{render(recipe.right, leaf)})"
    if isinstance(recipe, rc.Neg):
        return f"(-{render(recipe.operand, leaf)})"
    if isinstance(recipe, rc.Fn):
        inner = render(recipe.arg, leaf)
        return f"MAX(0,{inner})" if recipe.name == "floor0" else rounded(inner, recipe.name)
    return leaf(recipe)


# -- periods -----------------------------------------------------------------------------------
def rotated_weight(weights: object, month: int, shift: int, months: int) -> str:
    """Month ``month`` (1-based) of a shape shifted ``shift`` months earlier: a reference to
    weight ``(month - 1 + shift) mod n + 1`` of ``weights`` (a one-row range with ``.cell``)."""
    return str(weights.cell((month - 1 + shift) % months))  # type: ignore[attr-defined]


def cumulative_step(previous: Ref | None, weight: Ref) -> str:
    """``C_m = C_(m-1) + w_m`` (``C_1 = w_1``), left to right as the engine sums."""
    return str(weight) if previous is None else f"{previous}+{weight}"


# -- periods (continued) ----------------------------------------------------------------------
def monthly_sum(total: Ref, weight: Ref, cn: Ref) -> str:
    """``T * w_m / C_n``."""
    return f"{_p(total)}*{weight}/{cn}"


def monthly_sum_whole(total: Ref, cm: Ref, cm1: Ref | None, cn: Ref) -> str:
    """``nearest(T*C_m/C_n) - nearest(T*C_(m-1)/C_n)`` (``cm1`` None for month 1)."""
    hi = rounded(f"{_p(total)}*{cm}/{cn}", "nearest")
    return hi if cm1 is None else f"{hi}-{rounded(f'{_p(total)}*{cm1}/{cn}', 'nearest')}"


def monthly_last(total: Ref, baseline: Ref, cm: Ref, cn: Ref, whole: bool) -> str:
    """``B + (T - B) * C_m / C_n`` (nearest for whole nodes)."""
    x = f"{_p(baseline)}+({total}-{_p(baseline)})*{cm}/{cn}"
    return rounded(x, "nearest") if whole else x


def carry_in(total: Ref, cl: Ref, cn: Ref, whole: bool) -> str:
    """``T * C_L / C_n``, rounded up for whole operands."""
    x = f"{_p(total)}*{cl}/{cn}"
    return rounded(x, "up") if whole else x


def funnel_stage(below: Ref, rate: Ref) -> str:
    """A stage's need from the stage below it: ``ROUNDUP(guard(below / rate), 0)``."""
    return rounded(f"{below}/{rate}", "up")


# -- tracking ----------------------------------------------------------------------------------
def effective_target(target: Ref, override: Ref) -> str:
    """The override when a number is entered, else the published target."""
    return f"IF(ISNUMBER({override}),{override},{target})"


def window(row: Ref, a: Ref, b: Ref) -> str:
    """Months a..b of a one-row range as a reference: ``INDEX(r,1,a):INDEX(r,1,b)``."""
    return f"INDEX({row},1,{a}):INDEX({row},1,{b})"


def last_entered(row: Ref, month_index: Ref) -> str:
    """The last month with a number entered (0 when none)."""
    return f"SUMPRODUCT(MAX(ISNUMBER({row})*{month_index}))"


def resolve_asof(asof_input: Ref, last_months: Ref) -> str:
    """The as-of input when a number, else the last month with any actual."""
    return f"IF(ISNUMBER({asof_input}),{asof_input},MAX(0,{last_months}))"


def window_target(row: Ref, a: Ref, b: Ref, aggregate: str) -> str:
    """Target of months a..b (blank when b < a or b < 1)."""
    w = window(row, a, b)
    body = {"sum": f"SUM({w})", "mean": f"AVERAGE({w})", "last": f"INDEX({row},1,{b})"}[aggregate]
    return f'IF(OR({b}<{a},{b}<1),"",{body})'


def window_actual(row: Ref, idx: Ref, a: Ref, b: Ref, aggregate: str) -> str:
    """Actual of months a..b: SUM / AVERAGE of the entered numbers, or the latest entered."""
    w = window(row, a, b)
    if aggregate == "sum":
        body = f"SUM({w})"
    elif aggregate == "mean":
        body = f"AVERAGE({w})"
    else:
        body = f"INDEX({row},1,SUMPRODUCT(MAX(ISNUMBER({w})*{window(idx, a, b)})))"
    return f'IF(OR({b}<{a},{b}<1),"",IF(COUNT({w})=0,"",{body}))'


def achievement(actual: Ref, target: Ref, direction: str) -> str:
    """actual/target (``up``) or MAX(0, 2 - actual/target) (``down``); blank when not computable."""
    ratio = f"{actual}/{target}"
    body = ratio if direction == "up" else f"MAX(0,2-{ratio})"
    return f'IF(ISNUMBER({actual}),IF(ISNUMBER({target}),IF({target}>0,{body},""),""),"")'


def status(ach: Ref, on_track: Ref, at_risk: Ref, labels: tuple[str, str, str]) -> str:
    """The status label from ROUND(achievement, 9) and the thresholds; blank when blank."""
    r = f"ROUND({ach},9)"
    on, risk, off = (_text(x) for x in labels)
    return f'IF(ISNUMBER({ach}),IF({r}>={on_track},{on},IF({r}>={at_risk},{risk},{off})),"")'


def forecast(ytd_sum: Ref, c_asof: Ref, cn: Ref) -> str:
    """Run rate with the node's shape: ``YTD * C_n / C_asof``; blank when C_asof = 0."""
    return f'IF(ISNUMBER({ytd_sum}),IF({c_asof}>0,{ytd_sum}*{cn}/{c_asof},""),"")'


def remaining(total: Ref, ytd: Ref) -> str:
    """What is left of ``total`` after the YTD actual (a blank YTD counts as 0), at least 0."""
    return f"MAX(0,{_p(total)}-IF(ISNUMBER({ytd}),{ytd},0))"


def catch_up(month: int, remaining: Ref, asof: Ref, weight: Ref, cm: Ref, cm1: Ref | None,
             c_asof: Ref, cn: Ref, whole: bool) -> str:
    """Month m's catch-up target from the :func:`remaining` amount (blank at or before asof, or
    when no month remains)."""
    rest = f"({cn}-{c_asof})"
    r = _p(remaining)
    if whole:
        hi = rounded(f"{r}*({cm}-{c_asof})/{rest}", "nearest")
        lo = "0" if cm1 is None else (
            f"IF({month - 1}>{asof},{rounded(f'{r}*({cm1}-{c_asof})/{rest}', 'nearest')},0)")
        body = f"{hi}-{lo}"
    else:
        body = f"{r}*{weight}/{rest}"
    return f'IF({month}>{asof},IF({rest}>0,{body},""),"")'


def observed_rate(lower_row: Ref, upper_row: Ref, asof: Ref, lag: int) -> str:
    """Sum of stage k+1's actuals in months 1..asof over stage k's in months 1..asof-lag."""
    b = f"{asof}-{lag}" if lag else str(asof)
    wl, wu = window(lower_row, 1, asof), window(upper_row, 1, b)
    return (f'IF({asof}<1,"",IF(COUNT({wl})=0,"",IF({b}<1,"",IF(COUNT({wu})=0,"",'
            f'IF(SUM({wu})>0,SUM({wl})/SUM({wu}),"")))))')


def _text(s: str) -> str:
    """A string literal inside a formula (our own labels only, never user text)."""
    return '"' + s.replace('"', '""') + '"'
