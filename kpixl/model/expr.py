"""Node formulas: ``orders * unit_price``, ``(new + existing) * arpa``, ``1 - churn``.

A formula is parsed with Python's ``ast`` module in ``eval`` mode and then rebuilt as kpixl's own
small tree; it is never evaluated as code. Only numbers, ids, ``+ - * /``, unary minus and
parentheses are allowed.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

__all__ = [
    "BinOp",
    "Expr",
    "ExprError",
    "Neg",
    "Num",
    "Ref",
    "is_product_of_ids",
    "is_sum_of_ids",
    "parse",
    "product_signs",
    "refs",
    "to_text",
]


class ExprError(ValueError):
    """A formula that is not plain arithmetic over ids and numbers."""


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    id: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # one of + - * /
    left: Expr
    right: Expr


Expr = Num | Ref | Neg | BinOp

_OPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_MAX_LEN = 2000


def parse(text: str) -> Expr:
    """Parse formula text into an expression tree, or raise ExprError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("must be an arithmetic expression such as `deals * win_rate`")
    if len(text) > _MAX_LEN:
        raise ExprError(f"is {len(text)} characters long; at most {_MAX_LEN} are allowed")
    try:
        # a block scalar (`formula: |`) may span lines: newlines are spaces in arithmetic
        tree = ast.parse(" ".join(text.split()), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"is not valid arithmetic ({exc.msg}): {text!r}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExprError(f"is not valid arithmetic: {text[:60]!r}") from None
    try:
        return _convert(tree.body)
    except RecursionError:
        raise ExprError("is nested too deeply") from None


def _convert(node: ast.AST) -> Expr:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return BinOp(_OPS[type(node.op)], _convert(node.left), _convert(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _convert(node.operand)
        return Num(-inner.value) if isinstance(inner, Num) else Neg(inner)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        return _convert(node.operand)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        try:
            value = float(cast("int | float", node.value))
        except OverflowError:
            raise ExprError("has a number that is not finite") from None
        if not math.isfinite(value):
            raise ExprError("has a number that is not finite")
        return Num(value)
    if isinstance(node, ast.Name):
        return Ref(node.id)
    raise ExprError(f"may only use ids, numbers, + - * / and parentheses; found {_describe(node)}")


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return "a function call"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return "`**` (power)"
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.Attribute):
        return "attribute access (`.`)"
    if isinstance(node, ast.Subscript):
        return "subscripting (`[]`)"
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"
    if isinstance(node, ast.Compare):
        return "a comparison"
    return f"a {type(node).__name__} expression"


def refs(expr: Expr) -> Iterator[str]:
    """Ids used by a formula, left to right, with repeats."""
    if isinstance(expr, Ref):
        yield expr.id
    elif isinstance(expr, Neg):
        yield from refs(expr.operand)
    elif isinstance(expr, BinOp):
        yield from refs(expr.left)
        yield from refs(expr.right)


def is_sum_of_ids(expr: Expr) -> bool:
    """True for ``a + b + c`` (ids joined by + only)."""
    if isinstance(expr, Ref):
        return True
    return isinstance(expr, BinOp) and expr.op == "+" and all(
        is_sum_of_ids(side) for side in (expr.left, expr.right)
    )


def is_product_of_ids(expr: Expr) -> bool:
    """True for ``a * b / c`` (ids joined by * and / only)."""
    if isinstance(expr, Ref):
        return True
    return isinstance(expr, BinOp) and expr.op in "*/" and is_product_of_ids(expr.left) and (
        isinstance(expr.right, Ref)
    )


def product_signs(expr: Expr, sign: int = 1) -> list[tuple[str, int]]:
    """For a product/quotient of ids: (id, +1 multiplied | -1 divided), left to right."""
    if isinstance(expr, Ref):
        return [(expr.id, sign)]
    assert isinstance(expr, BinOp)
    right_sign = sign if expr.op == "*" else -sign
    return product_signs(expr.left, sign) + product_signs(expr.right, right_sign)


def to_text(expr: Expr) -> str:
    """Formula text with minimal parentheses (for display)."""
    return _text(expr, 0)


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def _text(expr: Expr, parent_prec: int, right: bool = False) -> str:
    if isinstance(expr, Num):
        v = expr.value
        return f"{v:g}" if v != int(v) or abs(v) >= 1e15 else str(int(v))
    if isinstance(expr, Ref):
        return expr.id
    if isinstance(expr, Neg):
        return "-" + _text(expr.operand, 3)
    prec = _PREC[expr.op]
    s = f"{_text(expr.left, prec)} {expr.op} {_text(expr.right, prec, True)}"
    if prec < parent_prec or (right and prec == parent_prec):
        return f"({s})"
    return s
