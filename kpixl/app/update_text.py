"""How an update names what it carried: an input by the KPI it belongs to, a value as the
workbook shows it.

The ``_kpixl`` input keys (``in_X``, ``split:N:OP``, ``baseline:N``, ``in_seasonality[m]``,
``in_on_track``) are cell names a person never sees (cli.md); :func:`input_name` gives the name
the Inputs sheet shows (the KPI's name, a split as "売上 の配分（東日本）"), and
:func:`input_text` the value through the KPI's number format
(:func:`kpixl.app.report_format.format_number` of :func:`kpixl.layout.styles.number_formats`),
so ``in_win_rate = 0.025`` reads ``受注率 = 2.5%``.
"""

from __future__ import annotations

from typing import Any

from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.model.checker import num

__all__ = ["input_name", "input_text", "kpi_name"]


def kpi_name(plans: tuple[Plan, ...], node: str) -> str:
    """The name of KPI ``node`` in the first of ``plans`` that has it, else the id itself."""
    for plan in plans:
        if node in plan.nodes:
            return plan.nodes[node].name
    return node


def input_name(plans: tuple[Plan, ...], key: str, locale: str) -> str:
    """The name a person reads for input ``key`` (looked up in ``plans``, newest first)."""
    if key.startswith("split:"):
        _, node, op = key.split(":", 2)
        return msg("update.input.split", locale, kpi=kpi_name(plans, node),
                   part=kpi_name(plans, op))
    if key.startswith("baseline:"):
        return msg("update.input.baseline", locale, kpi=kpi_name(plans, key.split(":", 1)[1]))
    if key.startswith("in_seasonality["):
        m = int(key[len("in_seasonality["):-1])
        labels = plans[0].period.labels()
        month = labels[m - 1] if 1 <= m <= len(labels) else str(m)
        return msg("update.input.seasonality", locale, month=month)
    if key in ("in_on_track", "in_at_risk", "in_asof"):
        return msg(f"update.input.{key[3:]}", locale)
    if key.startswith("in_"):
        return kpi_name(plans, key[3:])
    return key


def input_text(plans: tuple[Plan, ...], key: str, value: Any) -> str:
    """``value`` of input ``key`` as the workbook's cell shows it (the KPI's unit)."""
    from kpixl.app.report_format import format_number
    from kpixl.layout.styles import node_numfmt, number_formats

    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-" if value is None else str(value)
    plan = plans[0]
    fmt = "weight"
    if key.startswith(("split:", "in_on_track", "in_at_risk")):
        fmt = "pct"
    elif key.startswith(("baseline:", "in_")) and not key.startswith("in_seasonality["):
        node = key.split(":", 1)[1] if key.startswith("baseline:") else key[3:]
        owner = next((p for p in plans if node in p.nodes), None)
        if owner is None:
            return num(float(value))
        plan, fmt = owner, node_numfmt(owner.nodes[node], owner)
    try:
        return format_number(float(value), number_formats(plan)[fmt])
    except (ValueError, KeyError, ArithmeticError):  # outside the subset, or too large
        return num(float(value))
