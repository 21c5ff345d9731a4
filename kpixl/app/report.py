"""``kpixl report``: read a workbook alone, run the engine on what it holds, say where things
stand.

The plan is the one stored in ``_kpixl`` with the workbook's current inputs applied
(:mod:`kpixl.app.pull`); actuals, overrides and the as-of month are the workbook's. Every number is
the engine's (:func:`~kpixl.engine.compute.track`, :func:`~kpixl.engine.gap.attribute`,
:func:`~kpixl.engine.compute.confidence_counts`, :func:`~kpixl.engine.smart.smart_checks`), so
the report equals the workbook after recalculation.

The deals -> orders switch rule is :func:`kpixl.engine.switch.evaluate_switch`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpixl.app.report_format import format_pct
from kpixl.engine import switch as sw
from kpixl.errors import KpixlError
from kpixl.messages import msg

__all__ = ["FORMATS", "evaluate_switch", "render", "report", "report_data"]

FORMATS = ("text", "markdown", "json", "html")

RULE_KEY = "report.rule"  # the switch rule in words, through the catalogue


# -- the engine on the workbook -------------------------------------------------------------------
def evaluate_switch(upper: Sequence[float | None], lower: Sequence[float | None], asof: int,
                    lag: int = 0, locale: str = "en") -> dict[str, Any]:
    """The engine's switch rule for one funnel link, with its reasons put in words (``why``)."""
    got = sw.evaluate_switch(upper, lower, asof, lag)
    why = []
    for r in got.pop("reasons"):
        if r["kind"] == "elasticity":
            why.append(msg("report.why-elasticity", locale, before=_g(r["before"]),
                           last=_g(r["last"])))
        else:
            why.append(msg("report.why-marginal", locale,
                           marginal=format_pct(r["marginal_rate"]),
                           trailing=format_pct(r["trailing_rate"])))
    return {**got, "why": ("; " if locale != "ja" else "、").join(why)}


def _g(x: float) -> str:
    return "-∞" if x == -math.inf else f"{x:.2f}"


def _missing(plan: Any, leaves: Sequence[str], trk: Any) -> dict[str, list[str]]:
    """Leaves with a formula that stayed whole because operands have no YTD actual."""
    from kpixl.model import expr as ex

    out: dict[str, list[str]] = {}
    for leaf in leaves:
        f = plan.nodes[leaf].formula
        ids = [] if f is None else [i for i in dict.fromkeys(ex.refs(f))
                                    if trk.nodes[i].ytd_actual is None]
        if ids:
            out[leaf] = ids
    return out


def _link_kind(plan: Any, rate: Any) -> str:
    """``conversion`` or ``multiplier``: the spec's Funnels rule, as the Funnel sheet applies it."""
    from kpixl.layout.styles import link_numfmt

    return "multiplier" if link_numfmt(plan, rate) == "mult" else "conversion"


def _problem(plan: Any, p: Any) -> str:
    """A warning for a person: the KPI's name instead of its field path where it has one."""
    parts = p.path.split(".") if p.path else []
    if len(parts) >= 2 and parts[0] == "kpis" and parts[1] in plan.nodes:
        return f"{plan.nodes[parts[1]].name}: {p.message}"
    return f"{p.path}: {p.message}" if p.path else str(p.message)


def report_data(path: str | os.PathLike[str], asof: int | str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain JSON-able data (numbers as numbers). ``asof``: the
    closed months as a count, or the last closed month as ``YYYY-MM`` (cli.md)."""
    from kpixl.app.freeze import recorded_frozen
    from kpixl.app.pull import workbook_plan
    from kpixl.engine import tracking as tr
    from kpixl.engine.compute import confidence_counts, funnel_links, rate_value, schedule, track
    from kpixl.engine.smart import smart_checks
    from kpixl.engine.solve import solve
    from kpixl.layout.labels import funnel_title
    from kpixl.layout.styles import node_numfmt, number_formats
    from kpixl.xlsx.reader import read_workbook

    data = read_workbook(Path(path), extras=False)  # no user sheets: a report needs none
    plan = workbook_plan(data)
    asof = _asof_count(asof, plan)
    sol = solve(plan)
    sched = schedule(sol, recorded_frozen(data.recorded, plan))
    acts, ovrs = dict(data.actuals), dict(data.overrides)
    trk = track(sol, sched, acts, ovrs, data.asof if asof is None else asof)
    a, labels = trk.asof, plan.period.labels()
    fmts = number_formats(plan)
    nodes: list[dict[str, Any]] = []
    for k, node in plan.nodes.items():
        nt, res = trk.nodes[k], sol.nodes[k]
        cum_t = [tr.window_target(nt.effective, 1, m, node.aggregate) for m in
                 range(1, plan.months + 1)]
        cum_a = [tr.window_actual(acts[k], 1, m, node.aggregate) if m <= a else None
                 for m in range(1, plan.months + 1)]
        nodes.append({
            "id": k, "name": node.name, "unit": node.unit, "role": res.role,
            "aggregate": node.aggregate, "direction": node.direction, "whole": node.whole,
            "numfmt": fmts[node_numfmt(node, plan)],
            "goal": res.goal, "planned": res.total, "ytd_target": nt.ytd_target,
            "ytd_actual": nt.ytd_actual, "achievement": nt.achievement, "status": nt.status,
            "forecast": nt.forecast, "missing": nt.missing,
            "missing_months": [labels[m - 1] for m in nt.missing_months],
            "observed": nt.observed,
            "forecast_vs_goal": (nt.forecast / res.goal if nt.forecast is not None and
                                 node.aggregate == "sum" and res.goal > 0 else None),
            "catch_up": {labels[m]: v for m, v in enumerate(nt.catch_up) if v is not None},
            "effective": list(nt.effective), "actuals": list(acts[k]),
            "cumulative_target": cum_t, "cumulative_actual": cum_a})
    gap = trk.gap
    missing = [msg("report.missing_item", plan.locale, name=plan.nodes[k].name,
                   months=", ".join(labels[m - 1] for m in nt.missing_months))
               for k, nt in trk.nodes.items() if nt.missing_months]
    # the missing-month warning: its own line at the top of every format
    missing_line = msg("report.missing", plan.locale, items="; ".join(missing)) if missing \
        else None
    counts = confidence_counts(sol)
    funnels = []
    for f in plan.funnels:
        links = []
        for lk in (x for x in funnel_links(sol) if x.funnel == f.id):
            links.append({"upper": lk.upper, "lower": lk.lower, "lag": lk.lag,
                          "kind": _link_kind(plan, lk.rate),
                          "planned_rate": rate_value(sol, lk.rate),
                          "observed_rate": trk.observed[(lk.upper, lk.lower)],
                          "switch": evaluate_switch(acts[lk.upper], acts[lk.lower], a, lk.lag,
                                                    plan.locale)})
        funnels.append({"id": f.id, "name": funnel_title(plan, f), "stages": list(f.stages),
                        "links": links, "confidence_level": f.confidence or plan.confidence,
                        "confidence": {s: counts[(f.id, s)] for s in f.stages
                                       if (f.id, s) in counts}})
    _, smart = smart_checks(sol)
    return {
        "workbook": data.path.name, "title": plan.title, "locale": plan.locale,
        "months": plan.months, "labels": labels, "asof": a,
        "asof_label": labels[a - 1] if a else None, "kgi": plan.kgi,
        "thresholds": {"on_track": plan.thresholds.on_track,
                       "at_risk": plan.thresholds.at_risk},
        "nodes": nodes,
        "gap": {"gap": gap.gap, "cause": gap.cause, "leaves": list(gap.leaves),
                "missing": {k: list(v) for k, v in gap.lacking.items()},
                "unexplained": gap.unexplained,
                "shares": dict(gap.shares), "parent": dict(gap.parent)},
        "missing_warning": missing_line,
        "funnels": funnels, "smart": [_problem(plan, p) for p in (*sol.warnings, *smart)],
        "inputs_changed": {k: list(v) for k, v in data.changed().items()},
        "warnings": list(data.warnings),
        "rule": msg(RULE_KEY, plan.locale),
    }


# -- rendering ------------------------------------------------------------------------------------
def render(d: dict[str, Any], fmt: str = "text") -> str:
    """The report data as text, markdown, json or html."""
    from kpixl.app import escape

    if fmt == "json":  # (1e308 actuals make sums overflow: null, not a traceback)
        return json.dumps(escape.finite(d), ensure_ascii=False, indent=2, allow_nan=False)
    if fmt == "html":
        from kpixl.app.report_html import html

        return html(d)
    if fmt not in ("text", "markdown"):
        raise KpixlError(msg("report.bad-format", d["locale"], formats=", ".join(FORMATS),
                             got=repr(fmt)))
    from kpixl.app.report_text import text

    d = escape.report_text(d, fmt)  # user text: no terminal escapes, no markup (issue 17)
    return text(d, md=fmt == "markdown")


def _asof_count(asof: int | str | None, plan: Any) -> int | None:
    """``--asof`` as a count of closed months: a count 0..n, or a month ``YYYY-MM`` of the plan
    (its position from the plan's first month); anything else is refused with the range."""
    if asof is None:
        return None
    got: int | None = None
    if isinstance(asof, int):
        got = asof
    else:
        text = str(asof).strip()
        month = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if text.isdigit():
            got = int(text)
        elif month and 1 <= int(month[2]) <= 12:
            got = ((int(month[1]) - plan.period.year) * 12 + int(month[2]) - plan.period.month
                   + 1)
    if got is None or not 0 <= got <= plan.months:
        labels = plan.period.labels()
        raise KpixlError(msg("report.asof-range", plan.locale, months=plan.months, got=asof,
                             first=labels[0], last=labels[-1]))
    return got


def report(path: str | os.PathLike[str], fmt: str = "text",
           asof: int | str | None = None) -> str:
    """Read a workbook and render its report."""
    return render(report_data(path, asof), fmt)
