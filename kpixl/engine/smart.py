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

Messages follow the plan's locale (``kpixl.messages``); the workbook's SMART sheet shows them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpixl.engine.solve import Solution
from kpixl.errors import Problem
from kpixl.messages import msg

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
    locale = plan.locale
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
            msg("smart_s", locale))
        add(n, "M", "target", None)
        needs_owner = res.role == "root" or node.kind == "lever"
        add(n, "A", "owner", msg("smart_a", locale)
            if needs_owner and not node.owner.strip() else None)
        add(n, "R", "history", _realism(node.history, node.baseline, res.goal, node.is_rate,
                                        node.direction, plan.realism, locale))
        due = None
        if res.role == "root":
            if node.due is None:
                due = msg("smart_t.missing", locale)
            elif not start <= node.due <= end:
                due = msg("smart_t.outside", locale, due=node.due.isoformat(),
                          start=start.isoformat(), end=end.isoformat())
        add(n, "T", "due", due)
    return results, warnings


def _realism(history: tuple[float, ...], baseline: float | None, target: float, is_rate: bool,
             direction: str, realism: float, locale: str) -> str | None:
    past = [*history, *([baseline] if baseline is not None else [])]
    if not past:
        return None
    if direction == "up":
        best = max(past)
        if is_rate:
            return (msg("smart_r.rate-above", locale, target=f"{target:.1%}", best=f"{best:.1%}")
                    if target > best else None)
        if best > 0 and target > best * (1 + realism):
            return msg("smart_r.growth", locale, target=f"{target:,.10g}",
                       change=f"{target / best - 1:.0%}", best=f"{best:,.10g}",
                       realism=f"{realism:.0%}")
        return None
    best = min(past)
    if is_rate:
        return (msg("smart_r.rate-below", locale, target=f"{target:.1%}", best=f"{best:.1%}")
                if target < best else None)
    if best > 0 and target < best * (1 - realism):
        return msg("smart_r.cut", locale, target=f"{target:,.10g}",
                   change=f"{1 - target / best:.0%}", best=f"{best:,.10g}",
                   realism=f"{realism:.0%}")
    return None
