"""Frozen months for ``kpixl update`` (cli.md; plan-format.md "Periods", frozen months).

A mid-year plan change must not rewrite history: the closed months 1..asof of the old workbook
keep the monthly targets they were published with. ``kpixl update`` writes them as frozen months
(``frz_X``) of the new workbook, so the open months carry the rest of the new plan's totals, the
Monthly Targets sheet still adds up to the new target, and past statuses do not change.
``--replan-closed`` clears them and rebuilds the closed months from the new plan.

The frozen values are also recorded in ``_kpixl`` as ``input:frz:<id>:<month>`` rows, so the
next update and ``kpixl report`` know them without reading the cells (they are written by
update, not typed by people).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kpixl.messages import msg
from kpixl.model import Plan

__all__ = ["FROZEN_KEY", "freeze", "frozen_inputs", "recorded_frozen"]

FROZEN_KEY = "frz:"
Rows = dict[str, list[float | None]]


def recorded_frozen(recorded: Mapping[str, Any], plan: Plan) -> Rows:
    """The frozen months a workbook was built with (its ``input:frz:<id>:<m>`` rows)."""
    out: Rows = {}
    for key, value in recorded.items():
        if not key.startswith(FROZEN_KEY) or not isinstance(value, int | float):
            continue
        node, _, month = key[len(FROZEN_KEY):].rpartition(":")
        if node in plan.nodes and month.isdigit() and 1 <= int(month) <= plan.months:
            out.setdefault(node, [None] * plan.months)[int(month) - 1] = float(value)
    return out


def frozen_inputs(frozen: Mapping[str, Sequence[float | None]]) -> list[tuple[str, object]]:
    """``_kpixl`` input rows recording the frozen months."""
    return [(f"{FROZEN_KEY}{k}:{m + 1}", v) for k, row in frozen.items()
            for m, v in enumerate(row) if v is not None]


def _old_published(data: Any) -> tuple[Plan, Rows, int]:
    """(old plan with the workbook's inputs, its monthly targets as published, closed months)."""
    from kpixl.engine import tracking
    from kpixl.engine.compute import schedule
    from kpixl.engine.solve import solve
    from kpixl.model.inputs import apply_inputs, plan_from_dict
    from kpixl.model.plan_dict import plan_to_dict

    old: Plan = data.plan
    inputs = {k: v for k, v in data.current.items() if k != "in_asof"
              and not k.startswith(FROZEN_KEY)}
    try:
        old = plan_from_dict(apply_inputs(plan_to_dict(old), inputs), "workbook")
    except Exception:
        old = data.plan
    frozen = recorded_frozen(data.recorded, old)
    sched = schedule(solve(old), frozen)
    published: Rows = {k: list(s.monthly) for k, s in sched.items()}
    acts = {k: list(v) for k, v in data.actuals.items()}
    blank = [None] * old.months
    asof = tracking.resolve_asof(data.asof, acts.values(), acts.get(old.kgi, blank))
    return old, published, asof


def freeze(data: Any, new: Plan, *, replan: bool) -> tuple[Rows, list[str]]:
    """The frozen months of the new workbook and the lines saying what was frozen (in the new
    plan's language). ``data``: the old workbook (:class:`kpixl.xlsx.reader.WorkbookData`)."""
    from kpixl.engine.compute import schedule
    from kpixl.engine.solve import solve

    old, published, asof = _old_published(data)
    loc = new.locale
    if asof == 0:
        return {}, []
    old_labels, labels = old.period.labels(), new.period.labels()
    closed = old_labels[:asof]
    if replan:
        return {}, [msg("freeze.replanned", loc, first=closed[0], last=closed[-1])]
    if labels[:asof] != closed:
        return {}, [msg("freeze.moved", loc, first=closed[0], last=closed[-1])]
    frozen: Rows = {}
    for k in new.nodes:
        if k in published:
            frozen[k] = [*published[k][:asof], *[None] * (new.months - asof)]
    plain = schedule(solve(new))
    lines = [msg("freeze.summary", loc, first=closed[0], last=closed[-1], count=len(frozen))]
    for k, row in frozen.items():
        kept = [v for v in row if v is not None]
        if any(abs(a - b) > 1e-9 * max(1.0, abs(a)) for a, b in zip(kept, plain[k].monthly,
                                                                    strict=False)):
            node = new.nodes[k]
            total = sum(kept)
            lines.append(msg("freeze.node", loc, name=node.name, months=len(kept),
                             total=f"{total:,.10g}"))
            if new.nodes[k].aggregate == "sum" and total > solve(new).nodes[k].goal:
                lines.append(msg("freeze.over", loc, name=node.name))
    return frozen, lines
