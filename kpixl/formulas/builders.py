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
    "frozen_at",
    "frozen_count",
    "frozen_month",
    "frozen_open",
    "frozen_rest",
    "funnel_stage",
    "guard",
    "monthly_last",
    "monthly_sum",
    "monthly_sum_whole",
    "remaining",
    "render",
    "rotated_weight",
    "rounded",
    "status",
    "text",
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
def _from(c: Ref, cf: Ref | None) -> str:
    """``C`` counted from the last frozen month: ``(C - C_F)``, or ``C`` without frozen months."""
    return str(c) if cf is None else f"({c}-{cf})"


def monthly_sum(total: Ref, weight: Ref, cn: Ref, cf: Ref | None = None) -> str:
    """``T * w_m / C_n`` (after frozen months: ``rest * w_m / (C_n - C_F)``)."""
    return f"{_p(total)}*{weight}/{_from(cn, cf)}"


def monthly_sum_whole(total: Ref, cm: Ref, cm1: Ref | None, cn: Ref,
                      cf: Ref | None = None) -> str:
    """``nearest(T*C_m/C_n) - nearest(T*C_(m-1)/C_n)`` (``cm1`` None for month 1; C counted
    from C_F after frozen months)."""
    t, n = _p(total), _from(cn, cf)
    hi = rounded(f"{t}*{_from(cm, cf)}/{n}", "nearest")
    return hi if cm1 is None else f"{hi}-{rounded(f'{t}*{_from(cm1, cf)}/{n}', 'nearest')}"


def monthly_last(total: Ref, baseline: Ref, cm: Ref, cn: Ref, whole: bool,
                 cf: Ref | None = None) -> str:
    """``B + (T - B) * C_m / C_n`` (nearest for whole nodes; after frozen months B is month F's
    frozen target and C is counted from C_F)."""
    x = f"{_p(baseline)}+({total}-{_p(baseline)})*{_from(cm, cf)}/{_from(cn, cf)}"
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


def window_target(first: Ref, last: Ref, aggregate: str) -> str:
    """Target of a whole window of months (first..last cells): SUM, AVERAGE or the last."""
    return {"sum": f"SUM({first}:{last})", "mean": f"AVERAGE({first}:{last})",
            "last": str(last)}[aggregate]


def achievement(actual: Ref, target: Ref, direction: str) -> str:
    """actual/target (``up``) or MAX(0, 2 - actual/target) (``down``); blank when not computable."""
    ratio = f"{actual}/{target}"
    body = ratio if direction == "up" else f"MAX(0,2-{ratio})"
    return f'IF(ISNUMBER({actual}),IF(ISNUMBER({target}),IF({target}>0,{body},""),""),"")'


def status(ach: Ref, on_track: Ref, at_risk: Ref, labels: tuple[str, str, str]) -> str:
    """The status label from ROUND(achievement, 9) and the thresholds; blank when blank."""
    r = f"ROUND({ach},9)"
    on, risk, off = (text(x) for x in labels)
    return f'IF(ISNUMBER({ach}),IF({r}>={on_track},{on},IF({r}>={at_risk},{risk},{off})),"")'


def forecast(ytd_sum: Ref, weight_sum: Ref, cn: Ref) -> str:
    """Run rate with the node's shape over its reported months: ``YTD * C_n / sum_R w``;
    blank when that weight sum is 0."""
    return f'IF(ISNUMBER({ytd_sum}),IF({weight_sum}>0,{ytd_sum}*{cn}/{weight_sum},""),"")'


def remaining(total: Ref, ytd: Ref, missing_target: Ref = 0, active: Ref | None = None) -> str:
    """What the open months must still bring: ``max(0, total - YTD - the missing months'
    targets)`` (a blank YTD counts as 0); blank unless ``active`` (asof >= 1 and an actual)."""
    miss = "" if missing_target == 0 else f"-{_p(missing_target)}"
    body = f"MAX(0,{_p(total)}-IF(ISNUMBER({ytd}),{ytd},0){miss})"
    return body if active is None else f'IF({active},{body},"")'


def catch_up(month: int, remaining: Ref, asof: Ref, weight: Ref, cm: Ref, cm1: Ref | None,
             c_asof: Ref, cn: Ref, whole: bool) -> str:
    """Month m's catch-up target from the :func:`remaining` amount (blank at or before asof,
    when no month remains, or when the remaining amount is blank)."""
    rest = f"({cn}-{c_asof})"
    r = _p(remaining)
    if whole:
        hi = rounded(f"{r}*({cm}-{c_asof})/{rest}", "nearest")
        lo = "0" if cm1 is None else (
            f"IF({month - 1}>{asof},{rounded(f'{r}*({cm1}-{c_asof})/{rest}', 'nearest')},0)")
        body = f"{hi}-{lo}"
    else:
        body = f"{r}*{weight}/{rest}"
    return f'IF(ISNUMBER({r}),IF({month}>{asof},IF({rest}>0,{body},""),""),"")'


# -- frozen months (plan-format.md "Periods") ----------------------------------------------------
def frozen_count(frozen: Ref) -> str:
    """F: the number of frozen months (``COUNT(frz_X)``)."""
    return f"COUNT({frozen})"


def frozen_rest(total: Ref, frozen: Ref, count: Ref) -> str:
    """What the open months of a ``sum`` node split: T, or ``max(0, T - sum frozen)``."""
    return f"IF({count}=0,{total},MAX(0,{_p(total)}-SUM({frozen})))"


def frozen_month(frozen: Ref, month: int, count: Ref, body: str) -> str:
    """A month's target: its frozen value, else 0 inside the frozen months (a blank there), else
    the open months' rule ``body``."""
    return f"IF(ISNUMBER({frozen}),{frozen},IF({month}<={count},0,{body}))"


def frozen_open(cn: Ref, cf: Ref, body: str, otherwise: Ref) -> str:
    """The open months' rule ``body`` while weights remain after month F, else ``otherwise``."""
    return f"IF(({cn}-{cf})>0,{body},{otherwise})"


def frozen_at(count: Ref, unfrozen: Ref, frozen: str) -> str:
    """A helper value that depends on F: ``unfrozen`` when F = 0, else ``frozen``."""
    return f"IF({count}=0,{unfrozen},{frozen})"


def text(s: str) -> str:
    """A string literal inside a formula (doubled quotes)."""
    return '"' + s.replace('"', '""') + '"'
