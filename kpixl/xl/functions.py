"""Excel user functions (``KPIXL_*``): one-line adapters over the engine, for xlwings.

Each function converts Excel's arguments (numbers, ranges as lists, blanks as ``None``), calls
its engine twin and returns what Excel shows; :mod:`kpixl.formulas.registry` pairs each one with its
engine function and formula builder, and ``tests/test_xl_functions.py`` proves the three agree.

Where they run: classic xlwings on Windows (``UDF Modules = kpixl.xl.functions`` on the
workbook's ``xlwings.conf`` sheet, then *Import Functions*) and xlwings Lite (import this module
in ``main.py``). On Linux and macOS the decorators are no-ops, so tests and scripts call the
functions as plain Python.

Conventions (all positional; optional ones at the end):

* A bad argument gives an **error value**: text that starts with the Excel error code and says
  what is wrong, e.g. ``#VALUE! rates: cell 2 is blank``. ``#VALUE!`` is a blank or text where
  a number is needed; ``#NUM!`` a number out of range (a rate above 1, a negative target).
  Test for it with ``=ISTEXT(cell)`` or ``=LEFT(cell,1)="#"`` (IFERROR does not catch text).
* A result that is blank in the workbook (no actuals yet, a month before the as-of month) is
  ``""``, as the workbook's formulas return.
* Ranges come back in the orientation they went in: a row of rates gives a row of counts.

Type hints are for type checkers only: :func:`_errors_as_values` removes them at import,
because classic xlwings turns a parameter's hint into its converter (``typing.Any`` has none and
would fail at call time). The raw values (numbers, text, ``None`` for blanks, lists for ranges)
are what the checks below expect.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from kpixl.engine import funnel, periods, tracking
from kpixl.engine.confidence import confidence_count
from kpixl.engine.solve import solve
from kpixl.errors import PlanError
from kpixl.layout.labels import status_labels
from kpixl.model import Plan

if TYPE_CHECKING:
    from xlwings import arg, func
else:
    try:  # the decorators register the functions with Excel; no-ops off Windows
        from xlwings import arg, func
    except ImportError:  # pragma: no cover - kpixl[xlwings] not installed: plain Python
        def func(f):
            return f

        def arg(*_args, **_kwargs):
            return lambda f: f

__all__ = [
    "KPIXL_ACHIEVEMENT",
    "KPIXL_BACKCALC",
    "KPIXL_CATCHUP",
    "KPIXL_CONFIDENCE",
    "KPIXL_FORECAST",
    "KPIXL_MONTHLY",
    "KPIXL_SOLVE",
    "KPIXL_STATUS",
    "XlArgError",
]

Grid = list[list[Any]]


class XlArgError(ValueError):
    """A bad argument; becomes the error value ``"<code> <message>"``."""

    def __init__(self, message: str, code: str = "#VALUE!") -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return f"{self.code} {self.args[0]}"


_R = TypeVar("_R")


def _errors_as_values(f: Callable[..., _R]) -> Callable[..., _R | str]:
    """Turn argument and engine errors into an error value instead of a traceback in Excel;
    drop the type hints that xlwings would read as converters (see the module docstring)."""
    f.__annotations__ = {}

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> _R | str:
        try:
            return f(*args, **kwargs)
        except XlArgError as e:
            return str(e)
        except PlanError as e:
            return f"#NUM! {e.problems[0].path}: {e.problems[0].message}"
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            return f"#NUM! {e}"

    wrapper.__annotations__ = {}
    return wrapper


# -- argument conversion ----------------------------------------------------------------------
def _grid(x: Any) -> Grid:
    """Any argument as a 2-D list (a scalar is a 1 x 1 range)."""
    if isinstance(x, list | tuple):
        if x and all(isinstance(r, list | tuple) for r in x):
            return [list(r) for r in x]
        return [list(x)]
    return [[x]]


def _is_column(g: Grid) -> bool:
    return len(g) > 1 and all(len(r) == 1 for r in g)


def _shape_like(values: Sequence[Any], like: Grid) -> Any:
    """A 1-D result as a column when the input range was a column, else as a row."""
    out = ["" if v is None else v for v in values]
    return [[v] for v in out] if _is_column(like) else [out]


def _num(x: Any, what: str) -> float:
    """A number, or an error value naming the argument."""
    if isinstance(x, list | tuple):
        g = _grid(x)
        if len(g) == 1 and len(g[0]) == 1:
            return _num(g[0][0], what)
        raise XlArgError(f"{what}: one cell expected, got a range")
    if x is None or x == "":
        raise XlArgError(f"{what} is blank")
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise XlArgError(f"{what} must be a number, got {x!r}")
    if not math.isfinite(x):
        raise XlArgError(f"{what} must be a finite number", "#NUM!")
    return float(x)


def _opt_num(x: Any, what: str) -> float | None:
    return None if x is None or x == "" else _num(x, what)


def _cells(x: Any) -> list[Any]:
    """The cells of a one-row or one-column range, in order."""
    g = _grid(x)
    if len(g) > 1 and any(len(r) > 1 for r in g):
        rows, cols = len(g), max(len(r) for r in g)
        raise XlArgError(f"one row or one column expected, got {rows} x {cols} cells")
    return [c for r in g for c in r]


def _nums(x: Any, what: str, *, blanks: bool = False) -> list[float | None]:
    """Numbers of a row or column; blanks allowed (as None) only where they mean "not entered"."""
    out: list[float | None] = []
    for i, c in enumerate(_cells(x), 1):
        if blanks and (c is None or c == ""):
            out.append(None)
        else:
            out.append(_num(c, f"{what}: cell {i}"))
    return out


def _weights(x: Any) -> list[float]:
    ws = [w for w in _nums(x, "weights") if w is not None]
    if any(w < 0 for w in ws) or sum(ws) <= 0:
        raise XlArgError("weights must be >= 0 with a positive sum", "#NUM!")
    return ws


def _month(x: Any, n: int, what: str = "asof") -> int:
    v = _num(x, what)
    if v != int(v) or not 0 <= v <= n:
        raise XlArgError(f"{what} must be a whole month 0..{n}, got {v:g}", "#NUM!")
    return int(v)


def _flag(x: Any, what: str) -> bool:
    if x is None or x == "":
        return False
    if isinstance(x, bool):
        return x
    if isinstance(x, int | float):
        return bool(x)
    raise XlArgError(f"{what} must be TRUE or FALSE, got {x!r}")


def _choice(x: Any, what: str, options: tuple[str, ...]) -> str:
    s = options[0] if x is None or x == "" else str(x).strip().lower()
    if s not in options:
        raise XlArgError(f"{what} must be one of {', '.join(options)}, got {x!r}")
    return s


def _blank(v: float | None) -> float | str:
    return "" if v is None else v


# -- the functions ----------------------------------------------------------------------------
@func
@arg("rates", ndim=2)
@_errors_as_values
def KPIXL_BACKCALC(target: Any, rates: Any) -> Any:
    """Funnel back-calculation: counts needed at each stage, top to bottom (spills).

    ``rates`` are the stage conversion rates in funnel order, top first (0 < r <= 1); each
    stage above the target needs ROUNDUP(next / rate) (after the 12-digit noise guard):
    ``KPIXL_BACKCALC(12, {0.35, 0.6, 0.3})`` gives 192, 67, 40, 12. Engine:
    :func:`kpixl.engine.funnel.required_counts`.
    """
    t = _num(target, "target")
    rs = [r for r in _nums(rates, "rates") if r is not None]
    if t < 0:
        raise XlArgError(f"target must be >= 0, got {t:g}", "#NUM!")
    return _shape_like(funnel.required_counts(t, rs), _grid(rates))


@func
@_errors_as_values
def KPIXL_CONFIDENCE(target: Any, rate: Any, confidence: Any) -> Any:
    """Trials needed to reach a count with a given confidence (binomial; whole number).

    The smallest N with P(Binomial(N, rate) >= ROUNDUP(target)) >= confidence: 12 orders at a
    30% close rate need 48 deals for 80% confidence (40 reach 12 only about 56% of the time).
    ``rate`` is the product of the rates from the trials' stage down to the target (0 < p <= 1).
    Engine: :func:`kpixl.engine.confidence.confidence_count` (no portable formula: it searches
    over N).
    """
    t, p, c = _num(target, "target"), _num(rate, "rate"), _num(confidence, "confidence")
    if not 0 < p <= 1:
        raise XlArgError(f"rate must be within (0, 1], got {p:g}", "#NUM!")
    if not 0 < c < 1:
        raise XlArgError(f"confidence must be within (0, 1), got {c:g}", "#NUM!")
    return confidence_count(t, p, c)


@func
@arg("weights", ndim=2)
@_errors_as_values
def KPIXL_MONTHLY(total: Any, weights: Any, aggregate: Any = None, whole: Any = None,
                  baseline: Any = None) -> Any:
    """Monthly targets from a plan-period target and seasonality weights (spills).

    ``aggregate``: "sum" (default; month m gets total * w_m / C_n, with cumulative rounding when
    ``whole`` is TRUE so months add up exactly), "mean" (every month is the total) or "last"
    (from ``baseline`` B: B + (total - B) * C_m / C_n). Engine:
    :func:`kpixl.engine.periods.monthly_targets`.
    """
    t = _num(total, "total")
    ws = _weights(weights)
    agg = _choice(aggregate, "aggregate", ("sum", "mean", "last"))
    out = periods.monthly_targets(t, ws, aggregate=agg, whole=_flag(whole, "whole"),
                                  baseline=_opt_num(baseline, "baseline"))
    return _shape_like(out, _grid(weights))


@func
@arg("weights", ndim=2)
@_errors_as_values
def KPIXL_CATCHUP(total: Any, ytd_actual: Any, weights: Any, asof: Any,
                  whole: Any = None) -> Any:
    """Catch-up targets: what the months after the as-of month still need to reach the total.

    Month m > asof gets max(0, total - YTD actual) * w_m / (C_n - C_asof) (cumulative rounding
    when ``whole`` is TRUE); months up to asof are blank (spills). A blank YTD actual counts as
    0. Engine: :func:`kpixl.engine.tracking.catch_up`.
    """
    t = _num(total, "total")
    ytd = _opt_num(ytd_actual, "ytd_actual")
    ws = _weights(weights)
    a = _month(asof, len(ws))
    out = tracking.catch_up(t, ytd, ws, a, whole=_flag(whole, "whole"))
    return _shape_like(out, _grid(weights))


@func
@arg("actuals", ndim=2)
@arg("weights", ndim=2)
@_errors_as_values
def KPIXL_FORECAST(actuals: Any, weights: Any, asof: Any, aggregate: Any = None) -> Any:
    """Landing forecast for the whole period from the actuals up to the as-of month.

    "sum" nodes (default): run rate with seasonality, YTD actual * C_n / C_asof; "mean" and
    "last": the latest actual at or before asof. Blank actuals are months not entered; the
    result is blank when nothing is entered. Engine: :func:`kpixl.engine.tracking.forecast`.
    """
    acts = _nums(actuals, "actuals", blanks=True)
    ws = _weights(weights)
    if len(acts) != len(ws):
        raise XlArgError(f"actuals ({len(acts)} months) and weights ({len(ws)}) differ in size")
    a = _month(asof, len(ws))
    agg = _choice(aggregate, "aggregate", ("sum", "mean", "last"))
    return _blank(tracking.forecast(acts, ws, a, agg))


@func
@_errors_as_values
def KPIXL_ACHIEVEMENT(actual: Any, target: Any, direction: Any = None) -> Any:
    """Achievement: actual / target ("up", default) or MAX(0, 2 - actual / target) ("down").

    Blank when the actual is blank or the target is blank or <= 0. Engine:
    :func:`kpixl.engine.tracking.achievement`.
    """
    d = _choice(direction, "direction", ("up", "down"))
    return _blank(tracking.achievement(_opt_num(actual, "actual"), _opt_num(target, "target"), d))


@func
@_errors_as_values
def KPIXL_STATUS(achievement: Any, on_track: Any = None, at_risk: Any = None,
                 language: Any = None) -> Any:
    """Status label from an achievement: On track (>= on_track, default 1), At risk
    (>= at_risk, default 0.9), else Off track; blank when the achievement is blank.

    Compares ROUND(achievement, 9) as the workbook does; ``language`` "en" (default) or "ja"
    (順調 / 注意 / 未達). Engine: :func:`kpixl.engine.tracking.status`.
    """
    on = 1.0 if on_track is None or on_track == "" else _num(on_track, "on_track")
    risk = 0.9 if at_risk is None or at_risk == "" else _num(at_risk, "at_risk")
    lang = _choice(language, "language", ("en", "ja"))
    key = tracking.status(_opt_num(achievement, "achievement"), on, risk)
    return "" if key is None else status_labels(lang)[tracking.STATUSES.index(key)]


@func
@arg("plan", ndim=2)
@arg("inputs", ndim=2)
@_errors_as_values
def KPIXL_SOLVE(plan: Any, node: Any, inputs: Any = None) -> Any:
    """A node's back-calculated plan-period target, solving the whole plan from its inputs.

    ``plan``: the cells holding the plan (the ``plan_json`` cells of the hidden ``_kpixl``
    sheet, or plan YAML text), joined in order. ``inputs``: optional range whose first column
    holds node ids and last column their values (assumptions' values and root targets), e.g. the
    Inputs sheet's table; blank rows are skipped. Engine: :func:`kpixl.engine.solve.solve`.
    """
    text = "".join(str(c) for r in _grid(plan) for c in r if c is not None)
    if not text.strip():
        raise XlArgError("plan is blank")
    base = _plan(text)
    node_id = str(node or "").strip()
    if node_id.startswith("kpi_"):
        node_id = node_id[4:]
    if node_id not in base.nodes:
        raise XlArgError(f"node: {node_id!r} is not a node of the plan")
    given = _inputs(base, inputs)
    return solve(_with_inputs(base, given) if given else base).total(node_id)


@functools.lru_cache(maxsize=8)
def _plan(text: str) -> Plan:
    """Parse the plan once per distinct text (Excel recalculates often)."""
    from kpixl.model.loader import loads

    return loads(text, source="plan")


def _inputs(plan: Plan, inputs: Any) -> dict[str, float]:
    if inputs is None or inputs == "":
        return {}
    out: dict[str, float] = {}
    for i, row in enumerate(_grid(inputs), 1):
        key, value = row[0], row[-1]
        if (key is None or key == "") and (value is None or value == ""):
            continue
        node_id = str(key or "").strip()
        if node_id.startswith("in_"):
            node_id = node_id[3:]
        node = plan.nodes.get(node_id)
        if node is None:
            raise XlArgError(f"inputs: row {i}: {key!r} is not a node of the plan")
        if node.value is None and node.target is None:
            raise XlArgError(f"inputs: row {i}: {node_id} is not an input (an assumption or "
                             "a root target)")
        out[node_id] = _num(value, f"inputs: row {i} ({node_id})")
    return out


def _with_inputs(plan: Plan, given: dict[str, float]) -> Plan:
    """The plan with the given assumption values and root targets."""
    nodes = {}
    for k, n in plan.nodes.items():
        if k in given and n.value is not None:
            n = dataclasses.replace(n, value=given[k])
        elif k in given:
            n = dataclasses.replace(n, target=given[k])
        nodes[k] = n
    return dataclasses.replace(plan, nodes=MappingProxyType(nodes))
