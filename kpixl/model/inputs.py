"""Input cells as plan fields: read one from a plan mapping, or apply the workbook's values.

Input keys (the ``input:<key>`` rows of ``_kpixl``) map onto plan fields:

=========================  =============================================
``in_X``                   ``kpis.X.value`` (assumption) or ``kpis.X.target`` (root)
``in_on_track``            ``thresholds.on_track`` (``in_at_risk`` likewise)
``in_seasonality[m]``      ``seasonality[m - 1]``
``split:N:OP``             ``kpis.N.split.OP``
``baseline:N``             ``kpis.N.baseline``
``in_asof``                not part of the plan (the closed months of tracking)
=========================  =============================================

The changed mapping is validated by the loader again, so a value a user typed that the plan
format forbids (a rate of 1.5) is reported like an error in a plan file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from kpixl.errors import PlanError
from kpixl.model.plan import Plan

__all__ = ["apply_inputs", "input_value", "plan_from_dict", "tidy"]


def input_value(d: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """(exists, value) of an input key in a plan mapping."""
    kpis = d.get("kpis", {})
    if key.startswith("in_seasonality["):
        m = int(key[len("in_seasonality["):-1])
        season = d.get("seasonality") or []
        return (True, season[m - 1]) if 1 <= m <= len(season) else (False, None)
    if key in ("in_on_track", "in_at_risk"):
        return True, d.get("thresholds", {}).get(key[3:])
    if key == "in_asof":
        return False, None
    if key.startswith("split:"):
        _, node, op = key.split(":", 2)
        split = kpis.get(node, {}).get("split") or {}
        return (op in split), split.get(op)
    if key.startswith("baseline:"):
        node = key.split(":", 1)[1]
        return ("baseline" in kpis.get(node, {})), kpis.get(node, {}).get("baseline")
    if key.startswith("in_"):
        node = kpis.get(key[3:], {})
        for field in ("value", "target"):
            if field in node:
                return True, node[field]
    return False, None


def _set(d: dict[str, Any], key: str, value: Any) -> bool:
    """Set an input key in a plan mapping; False when the plan has no such input."""
    exists, _ = input_value(d, key)
    if not exists or value is None:
        return False
    kpis = d["kpis"]
    if key.startswith("in_seasonality["):
        d["seasonality"][int(key[len("in_seasonality["):-1]) - 1] = value
    elif key in ("in_on_track", "in_at_risk"):
        d["thresholds"][key[3:]] = value
    elif key.startswith("split:"):
        _, node, op = key.split(":", 2)
        kpis[node]["split"][op] = value
    elif key.startswith("baseline:"):
        kpis[key.split(":", 1)[1]]["baseline"] = value
    else:
        node = kpis[key[3:]]
        node["value" if "value" in node else "target"] = value
    return True


def apply_inputs(d: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of plan mapping ``d`` with input ``values`` applied (unknown keys are skipped)."""
    out = copy.deepcopy(dict(d))
    for key, value in values.items():
        _set(out, key, tidy(value))
    return out


def tidy(v: Any) -> Any:
    """Whole floats as ints, so a pulled plan reads ``120000000`` rather than ``120000000.0``."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def plan_from_dict(d: Mapping[str, Any], source: str) -> Plan:
    """Validate a plan mapping with the loader (its JSON is YAML); problems carry no line (the
    JSON's lines mean nothing to a user)."""
    from dataclasses import replace

    from kpixl.model.loader import loads

    try:
        return loads(json.dumps(d, ensure_ascii=False), source=source)
    except PlanError as exc:
        raise PlanError([replace(p, line=None) for p in exc.problems]) from None
