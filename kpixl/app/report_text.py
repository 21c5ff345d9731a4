"""The report's content as sections of paragraphs, tables and bullet lists, and its text and
markdown renderings; :mod:`kpixl.app.report_html` renders the same sections as HTML.

One content model for every format keeps them saying the same thing: every value goes through
:func:`kpixl.app.report_format.format_value` (the workbook's number format of the KPI), every
word through :func:`kpixl.messages.msg` in the plan's language; months read as the sheets' month
headers (``2026-07``). Tables are complete: the catch-up table has every
remaining month (the JSON has the same months).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from kpixl.app.report_format import (
    COUNT,
        format_multiplier,
    format_number,
    format_pct,
    format_value,
)
from kpixl.messages import msg

__all__ = ["Bullets", "Section", "Table", "sections", "text"]

STATUSES = ("on_track", "at_risk", "off_track")


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    status_col: int | None = None  # the column holding status words (coloured in HTML)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bullets:
    items: tuple[str, ...]


Block = str | Table | Bullets


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    title: str  # "" for the untitled opening section
    blocks: tuple[Block, ...]


def status_word(key: str | None, locale: str) -> str:
    return msg(f"report.{key}", locale) if key else "-"


def kgi_summary(d: dict[str, Any]) -> str:
    """``KGI: 売上高 — 状況: 注意、着地見込: 110,000,000円（目標比 91.7%）``."""
    loc, kgi = d["locale"], next(n for n in d["nodes"] if n["id"] == d["kgi"])
    fc = format_value(kgi, kgi["forecast"], loc)
    if kgi["forecast_vs_goal"] is not None:
        fc = msg("report.vs-goal", loc, forecast=fc, pct=format_pct(kgi["forecast_vs_goal"]))
    return msg("report.kgi-line", loc, name=kgi["name"], status=status_word(kgi["status"], loc),
               forecast=fc)


def asof_line(d: dict[str, Any]) -> str:
    loc = d["locale"]
    value = (msg("report.asof-value", loc, label=d["asof_label"], n=d["asof"])
             if d["asof"] else msg("report.nodata", loc))
    return msg("report.asof", loc, value=value)


def kpi_table(d: dict[str, Any]) -> Table:
    loc = d["locale"]
    head = tuple(msg(f"report.{k}", loc) for k in (
        "kpi", "goal", "ytd-target", "ytd-actual", "achievement", "status", "forecast",
        "next-catch-up"))
    rows = []
    for n in sorted(d["nodes"], key=lambda n: n["id"] != d["kgi"]):
        if n["role"] == "assumption" and n["ytd_actual"] is None:
            continue
        nxt = next(iter(n["catch_up"].values()), None)
        rows.append((("* " if n["id"] == d["kgi"] else "") + n["name"],
                     *(format_value(n, n[k], loc) for k in ("goal", "ytd_target", "ytd_actual")),
                     format_pct(n["achievement"]), status_word(n["status"], loc),
                     format_value(n, n["forecast"], loc), format_value(n, nxt, loc)))
    return Table(head=head, rows=tuple(rows), status_col=5)


def _depth(k: str, parent: dict[str, str]) -> int:
    depth = 0
    while k in parent:
        k, depth = parent[k], depth + 1
    return depth


def _funnel(d: dict[str, Any], f: dict[str, Any], by: dict[str, Any]) -> Section:
    loc = d["locale"]
    conf = f["confidence"]
    head = [msg("report.stage", loc), msg("report.goal", loc), msg("report.rate-planned", loc),
            msg("report.rate-observed", loc)]
    if conf:
        head.append(msg("report.confidence", loc, c=format_number(f["confidence_level"], "0%")))
    rows = []
    for s in f["stages"]:
        lk = next((x for x in f["links"] if x["lower"] == s), None)
        rate = format_pct if lk is None or lk["kind"] == "conversion" else format_multiplier
        row = [by[s]["name"], format_value(by[s], by[s]["planned"], loc),
               rate(lk["planned_rate"]) if lk else "", rate(lk["observed_rate"]) if lk else ""]
        if conf:
            row.append(format_number(conf[s], COUNT) if s in conf else "")
        rows.append(tuple(row))
    return Section(title=f["name"], blocks=(Table(head=tuple(head), rows=tuple(rows)),))


def sections(d: dict[str, Any]) -> list[Section]:
    """What the report says, in order, in the plan's language."""
    loc, by = d["locale"], {n["id"]: n for n in d["nodes"]}
    first: tuple[Block, ...] = (asof_line(d),)
    if d.get("missing_warning"):  # months left blank count on neither side: say which
        first += (d["missing_warning"],)
    out = [Section(title="", blocks=(*first, kgi_summary(d), kpi_table(d)))]
    catch = [n for n in d["nodes"] if n["catch_up"] and n["ytd_actual"] is not None]
    if catch:
        months = d["labels"][d["asof"]:]
        rows = tuple((n["name"], *(format_value(n, n["catch_up"].get(m), loc) for m in months))
                     for n in catch)
        head = (msg("report.kpi", loc), *months)
        out.append(Section(title=msg("report.catch-up", loc),
                           blocks=(Table(head=head, rows=rows),)))
    g, kgi = d["gap"], by[d["kgi"]]
    blocks: list[Block] = []
    if g["gap"] is None:
        blocks.append(msg("report.nodata", loc))
    else:
        pad = "　" if loc == "ja" else "  "  # a full-width space lines up with CJK names
        rows = tuple((pad * _depth(k, g["parent"]) + by[k]["name"], format_value(kgi, v, loc))
                     for k, v in g["shares"].items())
        blocks.append(Table(head=(msg("report.kpi", loc), msg("report.share", loc)), rows=rows))
        if g.get("unexplained") is not None:
            blocks.append(msg("report.unexplained", loc,
                              value=format_value(kgi, g["unexplained"], loc)))
        if g["cause"]:
            blocks.append(msg("report.cause", loc, name=by[g["cause"]]["name"]))
        for leaf, ids in g["missing"].items():
            blocks.append(msg("report.split-hint", loc, name=by[leaf]["name"],
                              names=("、" if loc == "ja" else ", ").join(by[i]["name"]
                                                                        for i in ids)))
    out.append(Section(title=msg("report.gap", loc), blocks=tuple(blocks)))
    out += [_funnel(d, f, by) for f in d["funnels"]]
    advice = []
    for f in d["funnels"]:
        for lk in f["links"]:
            sw, names = lk["switch"], {"upper": by[lk["upper"]]["name"],
                                       "lower": by[lk["lower"]]["name"]}
            key = ("report.switch" if sw["flag"] else
                   "report.no-switch" if sw["evaluations"] else "report.no-eval")
            advice.append(msg(key, loc, **names, **({"why": sw["why"]} if sw["flag"] else {})))
    if advice:
        out.append(Section(title=msg("report.advice", loc),
                           blocks=(Bullets(items=tuple(advice)), d["rule"])))
    for key, items in (("report.smart", d["smart"]), ("report.warnings", d["warnings"])):
        if items:
            out.append(Section(title=msg(key, loc), blocks=(Bullets(items=tuple(items)),)))
    return out


# -- text and markdown ----------------------------------------------------------------------------
def width(s: str) -> int:
    """Columns a string takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(t: Table, md: bool) -> list[str]:
    if md:
        out = ["| " + " | ".join(t.head) + " |", "|---|" + "---:|" * (len(t.head) - 1)]
        return out + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in t.rows]
    widths = [max(width(r[i]) for r in [t.head, *t.rows]) for i in range(len(t.head))]

    def line(r: tuple[str, ...]) -> str:
        cells = [c + " " * (w - width(c)) if i == 0 else " " * (w - width(c)) + c
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        return "  ".join(cells).rstrip()
    return [line(t.head), "  ".join("-" * w for w in widths), *map(line, t.rows)]


def text(d: dict[str, Any], md: bool) -> str:
    """The report as plain text (aligned columns) or markdown."""
    out = [("# " if md else "") + d["title"]]
    for sec in sections(d):
        out.append("")
        if sec.title:
            out += [("## " if md else "") + sec.title, *([""] if md else [])]
        for i, b in enumerate(sec.blocks):
            if i and md:
                out.append("")
            if isinstance(b, Table):
                out += _table(b, md)
            elif isinstance(b, Bullets):
                out += [f"- {item}" for item in b.items]
            else:
                out.append(b)
    return "\n".join(out) + "\n"
