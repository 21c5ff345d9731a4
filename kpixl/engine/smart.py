"""SMART checks (plan-format.md, "SMART checks"): warnings, never errors.

* Specific: a name and a description.
* Measurable: a numeric target can be computed (the back-calculation guarantees it; a plan that
  fails it is an error, not a warning).
* Assignable: ``owner`` on every root and lever.
* Realistic: with ``history`` or ``baseline``, the target must not need growth over the best past
  value above ``realism`` (default 50%); for ``"%"`` nodes it must not exceed the best past rate.
  For ``down`` nodes "best" is the lowest past value and the check mirrors (a target below
  best x (1 - realism), or for rates below the best past rate).
* Time-related: ``due`` on every root, within the plan period or at its end.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpixl.engine.solve import Solution
from kpixl.errors import Problem

__all__ = ["SmartResult", "smart_checks"]

LETTERS = ("S", "M", "A", "R", "T")


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartResult:
    node: str
    letter: str
    ok: bool
    message: str = ""


def smart_checks(solution: Solution) -> tuple[list[SmartResult], list[Problem]]:
    """Per node and letter, whether the check passes; and the warnings to print."""
    plan = solution.plan
    results: list[SmartResult] = []
    warnings: list[Problem] = []

    def add(n: str, letter: str, field: str, message: str | None) -> None:
        results.append(SmartResult(node=n, letter=letter, ok=message is None,
                                   message=message or ""))
        if message:
            path = f"kpis.{n}.{field}"
            warnings.append(Problem(file=plan.source, path=path,
                                    message=f"SMART {letter}: {message}",
                                    line=plan.lines.get(path) or plan.lines.get(f"kpis.{n}"),
                                    severity="warning", code=f"smart_{letter.lower()}"))

    start = plan.period.month_start(1)
    end = plan.period.end
    for n, node in plan.nodes.items():
        res = solution.nodes[n]
        add(n, "S", "description", None if node.description.strip() else
            "no description: say what is counted and how (formula and denominator)")
        add(n, "M", "target", None)
        needs_owner = res.role == "root" or node.kind == "lever"
        add(n, "A", "owner", "no owner: name who is responsible"
            if needs_owner and not node.owner.strip() else None)
        add(n, "R", "history", _realism(node.history, node.baseline, res.goal, node.is_rate,
                                        node.direction, plan.realism))
        msg = None
        if res.role == "root":
            if node.due is None:
                msg = "no due date: give `due` within the plan period"
            elif not start <= node.due <= end:
                msg = (f"due {node.due.isoformat()} is outside the plan period "
                       f"{start.isoformat()}..{end.isoformat()}")
        add(n, "T", "due", msg)
    return results, warnings


def _realism(history: tuple[float, ...], baseline: float | None, target: float, is_rate: bool,
             direction: str, realism: float) -> str | None:
    past = [*history, *([baseline] if baseline is not None else [])]
    if not past:
        return None
    if direction == "up":
        best = max(past)
        if is_rate:
            return (f"target {target:.4g} is above the best past rate {best:.4g}"
                    if target > best else None)
        if best > 0 and target > best * (1 + realism):
            return (f"target {target:,.10g} needs {target / best - 1:.0%} growth over the best "
                    f"past value {best:,.10g} (more than {realism:.0%})")
        return None
    best = min(past)
    if is_rate:
        return (f"target {target:.4g} is below the best past rate {best:.4g}"
                if target < best else None)
    if best > 0 and target < best * (1 - realism):
        return (f"target {target:,.10g} needs a {1 - target / best:.0%} cut from the best past "
                f"value {best:,.10g} (more than {realism:.0%})")
    return None
