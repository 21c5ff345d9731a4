"""Back-calculation: from each root's target down to every lever (plan-format.md, rules 1-7).

For a derived node with target T, each operand is *determined* (an assumption, a number, or a
derived node whose operands are all determined: computed forward, whole ones rounded down) or
*free*. One free operand appearing once is solved by inverting the operations on its path
(``a * b = T`` -> ``a = T / b``); several free operands need a plain sum with ``split`` shares.
A solved whole operand is rounded in the direction that keeps its parent on the good side of the
parent's target (up for a need, down for a divisor), before its own operands are solved.

Every number is recorded as a :mod:`recipe <kpixl.engine.recipe>` first and then evaluated, so the
workbook formulas (rendered from the same recipes) cannot disagree with the engine.

Problems are worded in the plan's locale (``kpixl.messages``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from kpixl.engine import recipe as rc
from kpixl.engine.rounding import guard
from kpixl.errors import PlanError, Problem
from kpixl.messages import msg
from kpixl.model import Node, Plan
from kpixl.model import expr as ex

__all__ = ["NodeResult", "Solution", "solve"]

Role = Literal["assumption", "root", "determined", "solved"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeResult:
    """What the back-calculation found for one node.

    ``total`` is the node's plan-period number (``kpi_<id>``): the value for assumptions, the
    forward value for determined nodes, the back-calculated target for solved ones and the
    *planned* value (formula on its operands' totals) for roots. ``goal`` is the number its monthly
    targets split: the root's own ``target``, else ``total``.
    """

    id: str
    role: Role
    total: float
    goal: float
    recipe: rc.Recipe
    parent: str | None = None
    rounding: str | None = None
    shift: int = 0  # its monthly shape is seasonality rotated by this many months
    lag_node: str | None = None  # the lagged node it was solved through, for the carry-in
    lag: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Solution:
    plan: Plan
    nodes: Mapping[str, NodeResult]
    roots: tuple[str, ...]
    determined: frozenset[str]
    warnings: tuple[Problem, ...] = ()
    users: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def total(self, node_id: str) -> float:
        return self.nodes[node_id].total


class _Solver:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.nodes = plan.nodes
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.users: dict[str, list[str]] = {n: [] for n in self.nodes}
        for node in self.nodes.values():
            if node.formula is not None:
                for ref in dict.fromkeys(ex.refs(node.formula)):
                    if ref in self.users:
                        self.users[ref].append(node.id)
        self.recipes: dict[str, rc.Recipe] = {}
        self.results: dict[str, dict[str, object]] = {}
        self.values: dict[str, float] = {}

    # -- messages -----------------------------------------------------------------------------
    def t(self, key: str, **params: object) -> str:
        """The message ``key`` of ``kpixl.messages`` in the plan's locale."""
        return msg(key, self.plan.locale, **params)

    def problem(self, path: str, message: str, code: str, severity: str = "error") -> None:
        line = self.plan.lines.get(path) or self.plan.lines.get(path.rsplit(".", 1)[0])
        p = Problem(file=self.plan.source, path=path, line=line, message=message, code=code,
                    severity=severity)
        (self.errors if severity == "error" else self.warnings).append(p)

    # -- graph ----------------------------------------------------------------------------------
    def check_cycles(self) -> bool:
        """Depth-first search for cycles, with an explicit stack (a plan thousands of levels
        deep must not hit Python's recursion limit): the same visiting order and the same
        cycles as the recursive search."""
        state: dict[str, int] = {}
        found: list[list[str]] = []

        def children(n: str) -> list[str]:
            formula = self.nodes[n].formula
            return [r for r in dict.fromkeys(ex.refs(formula)) if r in self.nodes] if (
                formula is not None) else []

        for start in self.nodes:
            if start in state:
                continue
            state[start] = 1
            path = [start]
            todo = [iter(children(start))]
            while todo:
                ref = next(todo[-1], None)
                if ref is None:
                    todo.pop()
                    state[path.pop()] = 2
                elif state.get(ref) == 1:
                    found.append([*path[path.index(ref):], ref])
                elif ref not in state:
                    state[ref] = 1
                    path.append(ref)
                    todo.append(iter(children(ref)))
        for cycle in found:
            self.problem(f"kpis.{cycle[0]}.formula", self.t("cycle", cycle=" -> ".join(cycle)),
                         "cycle")
        return not found

    def is_determined(self, n: str, memo: dict[str, bool]) -> bool:
        """Every leaf below ``n`` is an assumption (computed children first, without
        recursion; the graph has no cycle by now)."""
        stack = [n]
        while stack:
            m = stack[-1]
            if m in memo:
                stack.pop()
                continue
            node = self.nodes[m]
            if node.kind == "assumption":
                memo[m] = True
            elif node.formula is None:
                memo[m] = False
            else:
                refs = list(dict.fromkeys(ex.refs(node.formula)))
                pending = [r for r in refs if r not in memo]
                if pending:
                    stack.extend(reversed(pending))
                    continue
                memo[m] = all(memo[r] for r in refs)
            stack.pop()
        return memo[n]

    # -- evaluation -----------------------------------------------------------------------------
    def leaf(self, leaf: rc.Recipe) -> float:
        if isinstance(leaf, rc.Kpi):
            return self.value(leaf.id)
        if isinstance(leaf, rc.Input):
            node = self.nodes[leaf.id]
            v = node.value if node.value is not None else node.target
            assert v is not None
            return v
        if isinstance(leaf, rc.Share):
            split = self.nodes[leaf.node].split
            assert split is not None
            return split[leaf.operand]
        raise TypeError(leaf)

    def value(self, n: str) -> float:
        """The value of ``n``'s recipe; the KPIs it refers to are evaluated first, from an
        explicit stack (a chain of thousands of levels needs no recursion)."""
        if n in self.values:
            return self.values[n]
        stack, seen = [n], set()
        while stack:
            m = stack[-1]
            if m in self.values:
                stack.pop()
                continue
            pending = [k for k in _kpis(self.recipes[m]) if k not in self.values]
            if pending and m not in seen:
                seen.add(m)
                stack.extend(pending)
                continue
            stack.pop()
            self.values[m] = rc.evaluate(self.recipes[m], self.leaf)
        return self.values[n]

    def goal_recipe(self, n: str) -> rc.Recipe:
        """The number a node's operands are solved against: a root's target, else its total."""
        return rc.Input(n) if n in self.roots else rc.Kpi(n)

    # -- the algorithm --------------------------------------------------------------------------
    def run(self) -> Solution:
        if not self.check_cycles():
            raise PlanError(self.errors)
        memo: dict[str, bool] = {}
        determined = frozenset(n for n in self.nodes if self.is_determined(n, memo))
        self.determined = determined
        self.roots = tuple(n for n in self.nodes if not self.users[n])
        for n, node in self.nodes.items():
            if node.kind == "assumption":
                self.recipes[n] = rc.Input(n)
                self.results[n] = {"role": "assumption"}
            elif n in determined and n not in self.roots:
                r = to_recipe(node.formula)  # type: ignore[arg-type]
                self.recipes[n] = rc.Fn("down", r) if node.whole else r
                self.results[n] = {"role": "determined", "rounding": "down" if node.whole else None}
        for n in self.roots:
            node = self.nodes[n]
            if node.kind == "assumption":
                continue
            if node.formula is None:  # a lever root: its target is its value
                self.recipes[n] = rc.Input(n)
            else:
                self.recipes[n] = to_recipe(node.formula)
            self.results[n] = {"role": "root"}
        for n in self.roots:
            if self.nodes[n].formula is not None and n not in determined:
                self.solve_from(n)
        for n in self.nodes:
            if n not in self.recipes and not self.errors:
                self.problem(f"kpis.{n}", self.t("unsolved"), "unsolved")
        if self.errors:
            raise PlanError(self.errors)
        return self.finish(determined)

    def solve_from(self, root: str) -> None:
        """Solve down from ``root``, depth first, in the order a recursive descent would (each
        solved operand's own operands before the next operand), with an explicit stack of
        :meth:`solve_node` steps: no recursion limit for deep plans."""
        stack = [self.solve_node(root, 0)]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
            else:
                stack.append(self.solve_node(*nxt))

    def solve_node(self, n: str, shift: int) -> Iterator[tuple[str, int]]:
        """Solve ``n``'s free operands; yields (operand, shift) for each solved operand that has
        a formula of its own, to be solved next (:meth:`solve_from`)."""
        node = self.nodes[n]
        assert node.formula is not None
        refs = list(ex.refs(node.formula))
        free = [r for r in dict.fromkeys(refs) if r not in self.determined]
        if not free:
            return
        child_shift = shift + node.lag
        goal = self.goal_recipe(n)
        try:
            goal_value = rc.evaluate(goal, self.leaf)
        except ZeroDivisionError:
            return  # reported where the division happens
        if len(free) == 1 and refs.count(free[0]) == 1:
            f = free[0]
            try:
                recipe, sign, additive = invert(node.formula, goal, f, self.leaf)
            except _ZeroOperand as z:
                self.problem(f"kpis.{n}.formula", self.t(z.key, id=f, other=z.other),
                             "zero_divisor")
                return
            solved = self.nodes[f]
            rounding = None
            if solved.whole:
                good = sign >= 0 if node.direction == "up" else sign < 0
                rounding = "up" if good else "down"
                recipe = rc.Fn(rounding, recipe)
            if additive and not solved.signed:
                recipe = self.clamp(n, f, recipe)
            if self.assign(f, recipe, n, rounding, child_shift, node, goal_value):
                yield f, child_shift
            return
        if not ex.is_sum_of_ids(node.formula) or len(set(refs)) != len(refs):
            self.problem(f"kpis.{n}.formula", self.t("free", free=", ".join(free)), "free")
            return
        if node.split is None or any(f not in node.split for f in free):
            missing = [f for f in free if node.split is None or f not in node.split]
            self.problem(f"kpis.{n}.split", self.t("split", formula=node.formula_text,
                                                   missing=", ".join(missing)), "split")
            return
        rest: rc.Recipe = goal
        for r in refs:
            if r in self.determined:
                rest = rc.Op("-", rest, rc.Kpi(r))
        if not self.nodes[n].signed:
            rest = self.clamp(n, ", ".join(free), rest)
        for f in free:
            recipe = rc.Op("*", rc.Share(n, f), rest)
            rounding = "nearest" if self.nodes[f].whole else None
            if rounding:
                recipe = rc.Fn(rounding, recipe)
            if self.assign(f, recipe, n, rounding, child_shift, node, goal_value):
                yield f, child_shift

    def clamp(self, n: str, what: str, recipe: rc.Recipe) -> rc.Recipe:
        """A sum already covered by its determined part: the free part becomes 0, with a warning."""
        try:
            v = rc.evaluate(recipe, self.leaf)
        except ZeroDivisionError:
            return recipe
        if v < 0:
            self.problem(f"kpis.{n}", self.t("over_covered", excess=f"{-v:,.10g}", what=what),
                         "over_covered", severity="warning")
        return rc.Fn("floor0", recipe)

    def assign(self, f: str, recipe: rc.Recipe, parent: str, rounding: str | None, shift: int,
               parent_node: Node, goal_value: float) -> bool:
        """Give ``f`` its recipe; True when ``f`` has a formula whose operands are to be
        solved next."""
        if f in self.recipes:
            first = self.results[f].get("parent")
            self.problem(f"kpis.{f}", self.t("solved_twice", first=first, second=parent),
                         "solved_twice")
            return False
        self.recipes[f] = recipe
        self.results[f] = {"role": "solved", "parent": parent, "rounding": rounding,
                           "shift": shift, "lag_node": parent if parent_node.lag else None,
                           "lag": parent_node.lag}
        try:
            v = self.value(f)
        except ZeroDivisionError:
            self.problem(f"kpis.{parent}", self.t("zero_divisor.target", id=f, parent=parent),
                         "zero_divisor")
            del self.recipes[f]
            return False
        why = self.t("why.back-calculated", parent=parent, goal=f"{goal_value:,.10g}")
        if not self.check_value(f, v, why):
            return False
        return self.nodes[f].formula is not None

    def check_value(self, n: str, v: float, why: str) -> bool:
        node = self.nodes[n]
        if not math.isfinite(v):
            self.problem(f"kpis.{n}", self.t("not_finite", why=why, value=v), "not_finite")
            return False
        bounds = node.effective_bounds
        # compared after the noise guard: 57 orders from 100 x 0.57 deals needs exactly 100%
        if bounds is not None and not bounds[0] <= guard(v) <= bounds[1]:
            self.problem(f"kpis.{n}", self.t("bounds.solved", why=why, value=f"{v:.10g}",
                                             low=f"{bounds[0]:g}", high=f"{bounds[1]:g}"),
                         "bounds")
            return False
        if v < 0 and not node.signed:
            self.problem(f"kpis.{n}", self.t("negative.solved", why=why, value=f"{v:,.10g}"),
                         "negative")
            return False
        return True

    def finish(self, determined: frozenset[str]) -> Solution:
        out: dict[str, NodeResult] = {}
        for n in self.nodes:
            info = self.results[n]
            try:
                total = self.value(n)
            except ZeroDivisionError:
                self.problem(f"kpis.{n}.formula", self.t("zero_divisor.forward"), "zero_divisor")
                continue
            role = info["role"]
            goal = total
            if role == "root":
                t = self.nodes[n].target
                goal = t if t is not None else total
            elif role == "determined":
                self.check_value(n, total, self.t("why.forward"))
            out[n] = NodeResult(id=n, role=role, total=total, goal=goal,  # type: ignore[arg-type]
                                recipe=self.recipes[n], parent=info.get("parent"),  # type: ignore[arg-type]
                                rounding=info.get("rounding"),  # type: ignore[arg-type]
                                shift=int(info.get("shift", 0)),  # type: ignore[call-overload]
                                lag_node=info.get("lag_node"),  # type: ignore[arg-type]
                                lag=int(info.get("lag", 0)))  # type: ignore[call-overload]
        if self.errors:
            raise PlanError(self.errors)
        return Solution(plan=self.plan, nodes=MappingProxyType(out), roots=self.roots,
                        determined=determined, warnings=tuple(self.warnings),
                        users=MappingProxyType({k: tuple(v) for k, v in self.users.items()}))


class _ZeroOperand(Exception):
    """The free operand is multiplied or divided by ``other``, which is 0."""

    def __init__(self, key: str, other: str) -> None:
        super().__init__(key, other)
        self.key, self.other = key, other  # key: a zero_divisor.* message


def _kpis(recipe: rc.Recipe) -> list[str]:
    """The KPI ids a recipe refers to (its ``Kpi`` leaves), walked without recursion."""
    out: list[str] = []
    todo = [recipe]
    while todo:
        r = todo.pop()
        if isinstance(r, rc.Kpi):
            out.append(r.id)
        elif isinstance(r, rc.Op):
            todo += (r.right, r.left)
        elif isinstance(r, rc.Neg):
            todo.append(r.operand)
        elif isinstance(r, rc.Fn):
            todo.append(r.arg)
    return list(dict.fromkeys(out))


def to_recipe(e: ex.Expr) -> rc.Recipe:
    """A plan formula as a recipe over the operands' totals."""
    if isinstance(e, ex.Num):
        return rc.Num(e.value)
    if isinstance(e, ex.Ref):
        return rc.Kpi(e.id)
    if isinstance(e, ex.Neg):
        return rc.Neg(to_recipe(e.operand))
    return rc.Op(e.op, to_recipe(e.left), to_recipe(e.right))


def _contains(e: ex.Expr, target: str) -> bool:
    return target in ex.refs(e)


def invert(e: ex.Expr, goal: rc.Recipe, free: str,
           leaf: object) -> tuple[rc.Recipe, int, bool]:
    """Solve ``e = goal`` for the one free operand ``free``.

    Returns the recipe of the operand's value, the sign of d(e)/d(free) (+1: the node grows with
    the operand) and whether the path is additive only (``+``, or the left side of ``-``).
    """
    sign, additive = 1, True
    while not (isinstance(e, ex.Ref) and e.id == free):
        if isinstance(e, ex.Neg):
            goal, sign, additive, e = rc.Neg(goal), -sign, False, e.operand
            continue
        assert isinstance(e, ex.BinOp)
        in_left = _contains(e.left, free)
        side, other = (e.left, e.right) if in_left else (e.right, e.left)
        o = to_recipe(other)
        ov = rc.evaluate(o, leaf)  # type: ignore[arg-type]
        if e.op == "+":
            goal = rc.Op("-", goal, o)
        elif e.op == "-" and in_left:
            goal = rc.Op("+", goal, o)
        elif e.op == "-":
            goal, sign, additive = rc.Op("-", o, goal), -sign, False
        elif e.op == "*":
            if ov == 0:
                raise _ZeroOperand("zero_divisor.multiplied", ex.to_text(other))
            goal, additive = rc.Op("/", goal, o), False
            sign *= 1 if ov > 0 else -1
        elif in_left:  # free / other = goal
            if ov == 0:
                raise _ZeroOperand("zero_divisor.divided", ex.to_text(other))
            goal, additive = rc.Op("*", goal, o), False
            sign *= 1 if ov > 0 else -1
        else:  # other / free = goal
            goal, additive = rc.Op("/", o, goal), False
            sign *= -1 if ov >= 0 else 1
        e = side
    return goal, sign, additive


def solve(plan: Plan) -> Solution:
    """Back-calculate every node's plan-period target; raise PlanError with every problem."""
    return _Solver(plan).run()
