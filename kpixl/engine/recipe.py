"""Recipes: how each plan number is computed, as a small expression tree.

The back-calculation does not only produce numbers; it records *how* each number follows from the
inputs, as a recipe. The engine evaluates a recipe to get the number; the formula layer renders the
very same recipe as Excel formula text. One tree, two readings: the workbook cannot drift from the
engine.

Leaves:
  ``Num(v)``             a constant from a plan formula
  ``Kpi(id)``            the plan-period value of node ``id`` (the workbook's ``kpi_<id>``)
  ``Input(id)``          an input cell: an assumption's value or a root's target (``in_<id>``)
  ``Share(node, op)``    the split share of operand ``op`` in ``node``'s sum (an input cell)
Inner nodes:
  ``Op(op, left, right)``   + - * /
  ``Neg(x)``                unary minus
  ``Fn(name, x)``           ``up`` | ``down`` | ``nearest`` (guarded rounding),
                            ``floor0`` (max(0, x))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kpixl.engine.rounding import round_down, round_nearest, round_up, sheet_op
from kpixl.model import expr as ex

__all__ = [
    "Fn", "Input", "Kpi", "Neg", "Num", "Op", "Recipe", "Share", "evaluate", "evaluate_formula",
    "from_formula",
]


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Kpi:
    id: str


@dataclass(frozen=True, slots=True)
class Input:
    id: str


@dataclass(frozen=True, slots=True)
class Share:
    node: str
    operand: str


@dataclass(frozen=True, slots=True)
class Op:
    op: str
    left: Recipe
    right: Recipe


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Recipe


@dataclass(frozen=True, slots=True)
class Fn:
    name: str  # up | down | nearest | floor0
    arg: Recipe


Recipe = Num | Kpi | Input | Share | Op | Neg | Fn

_FN: dict[str, Callable[[float], float]] = {
    "up": round_up,
    "down": round_down,
    "nearest": round_nearest,
    "floor0": lambda x: max(0.0, x),
}


def evaluate(recipe: Recipe, leaf: Callable[[Recipe], float]) -> float:
    """Evaluate a recipe; ``leaf`` gives the value of Kpi, Input and Share leaves.

    Raises ZeroDivisionError on a division by zero, as the spreadsheet shows #DIV/0!.
    """
    if isinstance(recipe, Num):
        return recipe.value
    if isinstance(recipe, Op):
        return sheet_op(recipe.op, evaluate(recipe.left, leaf), evaluate(recipe.right, leaf))
    if isinstance(recipe, Neg):
        return -evaluate(recipe.operand, leaf)
    if isinstance(recipe, Fn):
        return _FN[recipe.name](evaluate(recipe.arg, leaf))
    return leaf(recipe)


def from_formula(expr: ex.Expr) -> Recipe:
    """A plan formula as a recipe over ``Kpi`` leaves (each id's plan-period value)."""
    if isinstance(expr, ex.Num):
        return Num(expr.value)
    if isinstance(expr, ex.Ref):
        return Kpi(expr.id)
    if isinstance(expr, ex.Neg):
        return Neg(from_formula(expr.operand))
    return Op(expr.op, from_formula(expr.left), from_formula(expr.right))


def evaluate_formula(expr: ex.Expr, value: Mapping[str, float] | Callable[[str], float]) -> float:
    """Evaluate a plan formula on values by id with the spreadsheet's arithmetic (the one
    evaluator: :func:`evaluate` over :func:`from_formula`).

    Raises ZeroDivisionError on a division by zero.
    """
    get = value if callable(value) else value.__getitem__

    def leaf(r: Recipe) -> float:
        assert isinstance(r, Kpi)
        return get(r.id)

    return evaluate(from_formula(expr), leaf)
