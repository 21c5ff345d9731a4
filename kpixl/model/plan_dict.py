"""A Plan back to the plan format's plain mapping (for the ``_kpixl`` sheet, JSON and ``pull``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kpixl.model import Node, Plan

__all__ = ["plan_sha256", "plan_to_dict", "plan_to_json"]


def _node(node: Node) -> dict[str, Any]:
    d: dict[str, Any] = {"name": node.name}
    for key in ("unit", "description", "owner"):
        if getattr(node, key):
            d[key] = getattr(node, key)
    if node.due:
        d["due"] = node.due.isoformat()
    if node.direction != "up":
        d["direction"] = node.direction
    if node.whole:
        d["whole"] = True
    d["aggregate"] = node.aggregate
    if node.signed:
        d["signed"] = True
    if node.bounds is not None:
        d["bounds"] = list(node.bounds)
    if node.baseline is not None:
        d["baseline"] = node.baseline
    if node.history:
        d["history"] = list(node.history)
    if node.value is not None:
        d["value"] = node.value
    if node.formula is not None:
        d["formula"] = node.formula_text
    if node.target is not None:
        d["target"] = node.target
    if node.split is not None:
        d["split"] = dict(node.split)
    if node.lag:
        d["lag"] = node.lag
    return d


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as the mapping a plan file holds (every default made explicit)."""
    d: dict[str, Any] = {
        "kpixl": plan.version,
        "title": plan.title,
        "locale": plan.locale,
        "currency": plan.currency,
        "money_display": plan.money_display,
        "period": {"start": f"{plan.period.year:04d}-{plan.period.month:02d}",
                   "months": plan.period.months},
        "seasonality": list(plan.weights),
        "thresholds": {"on_track": plan.thresholds.on_track,
                       "at_risk": plan.thresholds.at_risk},
        "realism": plan.realism,
        "kgi": plan.kgi,
        "kpis": {k: _node(n) for k, n in plan.nodes.items()},
    }
    if plan.confidence is not None:
        d["confidence"] = plan.confidence
    if plan.funnels:
        d["funnels"] = {
            f.id: ({"stages": list(f.stages), "confidence": f.confidence}
                   if f.confidence is not None else list(f.stages))
            for f in plan.funnels
        }
    if plan.kfs:
        d["kfs"] = [
            {k: v for k, v in {
                "id": k_.id, "name": k_.name, "kpis": list(k_.kpis), "owner": k_.owner,
                "due": k_.due.isoformat() if k_.due else None, "status": k_.status,
                "description": k_.description}.items() if v not in (None, "", [])}
            for k_ in plan.kfs
        ]
    return d


def plan_to_json(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), ensure_ascii=False, sort_keys=False,
                      separators=(",", ":"))


def plan_sha256(plan: Plan) -> str:
    return hashlib.sha256(plan_to_json(plan).encode("utf-8")).hexdigest()
