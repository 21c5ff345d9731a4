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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpixl.engine import switch as sw
from kpixl.errors import KpixlError
from kpixl.messages import msg

__all__ = ["FORMATS", "evaluate_switch", "render", "report", "report_data"]

FORMATS = ("text", "markdown", "json", "html")

_T = {
    "en": {"asof": "As of", "months": "closed months", "kgi": "KGI", "kpi": "KPI",
           "goal": "Goal", "ytd_target": "YTD target", "ytd_actual": "YTD actual",
           "ach": "Achv.", "status": "Status", "forecast": "Forecast", "catch_up": "Catch-up",
           "gap": "Gap attribution (YTD actual - YTD planned, in the KGI's unit)",
           "cause": "Cause", "share": "Share", "conf": "Confidence counts", "stage": "Stage",
           "smart": "SMART warnings", "advice": "Funnel advice (deals -> orders)",
           "none": "none", "nodata": "no actuals entered yet", "rate": "Rate",
           "planned_rate": "planned", "observed_rate": "observed", "warnings": "Warnings",
           "switch": "{lower} stopped growing with {upper}: make {lower} the primary KPI "
                     "({why})",
           "ok_switch": "{lower} still grows with {upper}", "noeval": "not enough data",
           "on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
           "vs_goal": "of goal", "rule": "Rule",
           "split_hint": "to split {name} further, enter actuals for: {ids}"},
    "ja": {"asof": "締め月", "months": "か月経過", "kgi": "KGI", "kpi": "KPI", "goal": "目標値",
           "ytd_target": "累計目標", "ytd_actual": "累計実績", "ach": "達成率", "status": "状況",
           "forecast": "着地見込", "catch_up": "挽回目標",
           "gap": "差異の要因分解（累計実績 − 累計計画、KGIの単位）", "cause": "主因",
           "share": "寄与", "conf": "確度別必要数", "stage": "段階", "smart": "SMART警告",
           "advice": "ファネルの助言（商談→受注）", "none": "なし", "nodata": "実績が未入力です",
           "rate": "転換率", "planned_rate": "計画", "observed_rate": "実績",
           "warnings": "警告",
           "switch": "{lower}が{upper}に比例して伸びていません。主要KPIを{lower}に切り替えて"
                     "ください（{why}）",
           "ok_switch": "{lower}は{upper}に比例して伸びています", "noeval": "データ不足",
           "on_track": "順調", "at_risk": "注意", "off_track": "未達", "vs_goal": "（目標比）",
           "rule": "判定",
           "split_hint": "{name}をさらに分解するには、次の実績を入力してください：{ids}"},
}
CATCH_UP_MONTHS = 6  # text and markdown show the next months; json has them all
RULE = ("trailing 3-month sums, lag-aligned; e = ln(O_t/O_t-3)/ln(D_t/D_t-3) when D grew >= 10% "
        "and O_t-3 >= 5; switch when e < 0.5 twice in a row or the marginal rate < half the "
        "trailing-12-month rate")


# -- the engine on the workbook -------------------------------------------------------------------
def evaluate_switch(upper: Sequence[float | None], lower: Sequence[float | None], asof: int,
                    lag: int = 0) -> dict[str, Any]:
    """The engine's switch rule for one funnel link, with its reasons put in words (``why``)."""
    got = sw.evaluate_switch(upper, lower, asof, lag)
    why = []
    for r in got.pop("reasons"):
        if r["kind"] == "elasticity":
            why.append(f"e = {_g(r['before'])}, {_g(r['last'])} < 0.5")
        else:
            why.append(f"marginal rate {r['marginal_rate']:.1%} < half of {r['trailing_rate']:.1%}")
    return {**got, "why": "; ".join(why)}


def _g(x: float) -> str:
    return "-inf" if x == -math.inf else f"{x:.2f}"


def report_data(path: str | os.PathLike[str], asof: int | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain JSON-able data (numbers as numbers)."""
    from kpixl.app.freeze import recorded_frozen
    from kpixl.app.pull import workbook_plan
    from kpixl.engine import tracking as tr
    from kpixl.engine.compute import confidence_counts, funnel_links, rate_value, schedule, track
    from kpixl.engine.smart import smart_checks
    from kpixl.engine.solve import solve
    from kpixl.xlsx.reader import read_workbook

    data = read_workbook(Path(path))
    plan = workbook_plan(data)
    if asof is not None and not 0 <= asof <= plan.months:
        raise KpixlError(f"--asof must be within 0..{plan.months}, got {asof}")
    sol = solve(plan)
    sched = schedule(sol, recorded_frozen(data.recorded, plan))
    acts, ovrs = dict(data.actuals), dict(data.overrides)
    trk = track(sol, sched, acts, ovrs, data.asof if asof is None else asof)
    a, labels = trk.asof, plan.period.labels()
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
                          "planned_rate": rate_value(sol, lk.rate),
                          "observed_rate": trk.observed[(lk.upper, lk.lower)],
                          "switch": evaluate_switch(acts[lk.upper], acts[lk.lower], a, lk.lag)})
        funnels.append({"id": f.id, "stages": list(f.stages), "links": links,
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
        "funnels": funnels, "smart": [p.message if not p.path else f"{p.path}: {p.message}"
                                      for p in (*sol.warnings, *smart)],
        "inputs_changed": {k: list(v) for k, v in data.changed().items()},
        "warnings": list(data.warnings), "rule": RULE,
    }


# -- rendering ------------------------------------------------------------------------------------
def _num(v: Any, node: dict[str, Any] | None = None, pct: bool = False) -> str:
    if v is None:
        return "-"
    if pct or (node is not None and node["unit"] == "%"):
        return f"{v:.1%}"
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def _rows(d: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    t = _T[d["locale"]]
    head = [t["kpi"], t["goal"], t["ytd_target"], t["ytd_actual"], t["ach"], t["status"],
            t["forecast"], t["catch_up"]]
    rows = []
    kgi = d["kgi"]
    for n in sorted(d["nodes"], key=lambda n: n["id"] != kgi):
        if n["role"] == "assumption" and n["ytd_actual"] is None:
            continue
        nxt = next(iter(n["catch_up"].values()), None)
        rows.append([("* " if n["id"] == kgi else "") + n["name"], _num(n["goal"], n),
                     _num(n["ytd_target"], n), _num(n["ytd_actual"], n),
                     _num(n["achievement"], pct=True), t[n["status"]] if n["status"] else "-",
                     _num(n["forecast"], n), _num(nxt, n)])
    return head, rows


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(head: list[str], rows: list[list[str]], md: bool) -> list[str]:
    if md:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return out + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(r: list[str]) -> str:
        cells = [c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        return "  ".join(cells).rstrip()
    return [line(head), "  ".join("-" * w for w in widths), *map(line, rows)]


def _lines(d: dict[str, Any], md: bool) -> list[str]:
    t = _T[d["locale"]]
    by = {n["id"]: n for n in d["nodes"]}
    h1, h2 = ("# ", "## ") if md else ("", "")
    kgi = by[d["kgi"]]
    out = [f"{h1}{d['title']}", ""]
    asof = f"{d['asof_label']} ({d['asof']} {t['months']})" if d["asof"] else t["nodata"]
    out.append(f"{t['asof']}: {asof}")
    if d.get("missing_warning"):
        out.append(("> " if md else "! ") + d["missing_warning"])
    status = t[kgi["status"]] if kgi["status"] else "-"
    fc = _num(kgi["forecast"], kgi)
    if kgi["forecast_vs_goal"] is not None:
        fc += f" ({kgi['forecast_vs_goal']:.1%} {t['vs_goal']})"
    out += [f"{t['kgi']}: {kgi['name']} — {t['status']}: {status}; {t['forecast']}: {fc}", ""]
    out += _table(*_rows(d), md)
    catch = [n for n in d["nodes"] if n["catch_up"] and n["ytd_actual"] is not None]
    if catch:
        out += ["", f"{h2}{t['catch_up']}"]
        labels = d["labels"][d["asof"]:d["asof"] + CATCH_UP_MONTHS]
        out += _table([t["kpi"], *labels], [[n["name"], *(_num(n["catch_up"].get(m), n)
                                                          for m in labels)] for n in catch], md)
    g = d["gap"]
    out += ["", f"{h2}{t['gap']}"]
    if g["gap"] is None:
        out.append(t["nodata"])
    else:
        rows = [[("  " * _depth(k, g["parent"])) + by[k]["name"], _num(v, by[d["kgi"]])]
                for k, v in g["shares"].items()]
        if g.get("unexplained") is not None:
            rows.append([msg("report.unexplained", d["locale"], value="").rstrip(": "),
                         _num(g["unexplained"], by[d["kgi"]])])
        out += _table([t["kpi"], t["share"]], rows, md)
        if g["cause"]:
            out += [""] * md + [f"{t['cause']}: {by[g['cause']]['name']}"]
        for leaf, ids in g["missing"].items():
            out.append(t["split_hint"].format(name=by[leaf]["name"],
                                              ids=", ".join(by[i]["name"] for i in ids)))
    for f in d["funnels"]:
        out += ["", f"{h2}{f['id']}"]
        rows = []
        for s in f["stages"]:
            lk = next((x for x in f["links"] if x["lower"] == s), None)
            rows.append([by[s]["name"], _num(by[s]["planned"], by[s]),
                         _num(lk["planned_rate"], pct=True) if lk else "",
                         _num(lk["observed_rate"], pct=True) if lk else "",
                         str(f["confidence"].get(s, ""))])
        out += _table([t["stage"], t["goal"], f"{t['rate']} ({t['planned_rate']})",
                       f"{t['rate']} ({t['observed_rate']})", t["conf"]], rows, md)
    out += ["", f"{h2}{t['advice']}"]
    for f in d["funnels"]:
        for lk in f["links"]:
            sw, names = lk["switch"], {"upper": by[lk["upper"]]["name"],
                                       "lower": by[lk["lower"]]["name"]}
            if sw["flag"]:
                out.append("- " + t["switch"].format(why=sw["why"], **names))
            elif sw["evaluations"]:
                out.append("- " + t["ok_switch"].format(**names))
            else:
                out.append(f"- {names['upper']} -> {names['lower']}: {t['noeval']}")
    out += [""] * md + [f"({t['rule']}: {d['rule']})"]
    for key, items in (("smart", d["smart"]), ("warnings", d["warnings"])):
        if items:
            out += ["", f"{h2}{t[key]}", *(f"- {m}" for m in items)]
    return out


def _depth(k: str, parent: dict[str, str]) -> int:
    depth = 0
    while k in parent:
        k, depth = parent[k], depth + 1
    return depth


def render(d: dict[str, Any], fmt: str = "text") -> str:
    """The report data as text, markdown, json or html."""
    if fmt == "json":
        return json.dumps(d, ensure_ascii=False, indent=2, allow_nan=False)
    if fmt == "html":
        from kpixl.app.report_html import html

        return html(d)
    if fmt not in ("text", "markdown"):
        raise KpixlError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return "\n".join(_lines(d, fmt == "markdown")) + "\n"


def report(path: str | os.PathLike[str], fmt: str = "text", asof: int | None = None) -> str:
    """Read a workbook and render its report."""
    return render(report_data(path, asof), fmt)


