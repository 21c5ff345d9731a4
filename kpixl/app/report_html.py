"""``kpixl report --format html``: one self-contained page (inline CSS and SVG, no scripts, no
external files) from :func:`kpixl.app.report.report_data`.

Every section of :func:`kpixl.app.report_text.sections` becomes a heading with real tables and
lists (no text dump). Charts: cumulative target vs cumulative actual per month for the KGI and
every funnel stage (``sum`` nodes; other nodes plot the monthly target and actual). Months after
the as-of month have no actual point, as in Excel (a gap, not a zero). The y axis is labelled in
the KPI's own number format (``30,000,000円``, ``10,889千円``, ``25.0%``), with round steps of
1, 2, 2.5 or 5 x 10^k so every tick is exact in that format.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from html import escape
from typing import Any

from kpixl.app.report_format import format_value, resolution
from kpixl.app.report_text import Bullets, Table, kgi_summary, sections
from kpixl.messages import msg

__all__ = ["html", "svg_chart"]

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 540, 250, 96, 16, 16, 60
CSS = """
body{font-family:"Meiryo UI","Hiragino Sans","Noto Sans CJK JP",Calibri,Arial,sans-serif;
margin:24px;color:#222;max-width:1200px}
h1{color:#1F3864;font-size:22px}h2{color:#1F3864;font-size:16px;border-bottom:2px solid #1F3864}
table{border-collapse:collapse;margin:8px 0}th{background:#1F3864;color:#fff;padding:4px 8px}
td{border:1px solid #D9D9D9;padding:3px 8px;text-align:right}td:first-child{text-align:left}
.on_track{background:#C6EFCE;color:#006100}.at_risk{background:#FFEB9C;color:#9C5700}
.off_track{background:#FFC7CE;color:#9C0006}
.charts{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
figure{margin:0;border:1px solid #D9D9D9;padding:4px}figcaption{font-weight:bold;font-size:13px}
.note{color:#595959;font-size:12px}.kgi{font-weight:bold}.wide{overflow-x:auto}
"""


def axis_step(top: float, resolution: float = 0.0) -> float:
    """The y-axis step: the smallest 1, 2 or 5 x 10^k with at most 6 steps up to ``top`` and
    at least ``resolution`` (the smallest amount the KPI's number format shows: 1 for ``#,##0``,
    1,000 for ``#,##0,"千円"``, 0.001 for ``0.0%``), so every tick label is exact."""
    import math

    if top <= 0:
        return max(1.0, resolution)
    mag = 10.0 ** math.floor(math.log10(top / 6))
    step = next(m * mag for m in (1.0, 2.0, 5.0, 10.0) if m * mag * 6 >= top)
    return max(step, resolution)


def svg_chart(title: str, labels: list[tuple[str, str]], series: list[tuple[str, str, list[Any]]],
              tick: Callable[[float], str] = lambda v: f"{v:,g}",
              resolution: float = 0.0) -> str:
    """A line chart as inline SVG; ``series`` is (name, colour, values with None for gaps);
    ``tick`` writes a y-axis value (the KPI's number format); ``labels`` are (month, year or
    "") per month: the year is written under the first month and each January."""
    n = len(labels)
    values = [v for _, _, vs in series for v in vs if v is not None]
    step = axis_step(max(values, default=0.0), resolution)
    ticks = max(1, math.ceil(max(values, default=0.0) / step - 1e-9))
    top = step * ticks
    iw, ih = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (iw * (i + 0.5) / n)

    def y(v: float) -> float:
        return PAD_T + ih - ih * v / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
             f'viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
             f'<rect width="{W}" height="{H}" fill="#fff"/>']
    for k in range(ticks + 1):
        v = step * k
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#E0E0E0"/>')
        parts.append(f'<text x="{PAD_L - 4}" y="{y(v) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{escape(tick(v))}</text>')
    every = max(1, -(-n // 12))
    for i in range(0, n, every):
        month, year = labels[i]
        parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(month)}</text>')
        if year:
            parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 26}" font-size="10" '
                         f'text-anchor="middle" fill="#595959">{escape(year)}</text>')
    for s, (name, colour, vs) in enumerate(series):
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(vs):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
        if run:
            runs.append(run)
        for r in runs:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{" ".join(r)}"/>')
        lx = PAD_L + s * 160
        parts.append(f'<rect x="{lx}" y="{H - 18}" width="12" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16}" y="{H - 13}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_table(t: Table, statuses: dict[str, str]) -> str:
    out = ['<div class="wide"><table><tr>', *(f"<th>{escape(h)}</th>" for h in t.head), "</tr>"]
    for r in t.rows:
        out.append("<tr>")
        for i, c in enumerate(r):
            cls = f' class="{statuses[c]}"' if i == t.status_col and c in statuses else ""
            out.append(f"<td{cls}>{escape(c)}</td>")
        out.append("</tr>")
    out.append("</table></div>")
    return "".join(out)


def _charts(d: dict[str, Any]) -> str:
    loc, by = d["locale"], {n["id"]: n for n in d["nodes"]}
    charted = list(dict.fromkeys([d["kgi"], *(s for f in d["funnels"] for s in f["stages"])]))
    months = [(f"{int(m[5:])}月" if loc == "ja" else m[5:],
               m[:4] if i == 0 or m[5:] == "01" else "") for i, m in enumerate(d["labels"])]
    figs = []
    for k in charted:
        n = by[k]
        cum = n["aggregate"] == "sum"
        tgt = n["cumulative_target"] if cum else n["effective"]
        act = n["cumulative_actual"] if cum else [v if i < d["asof"] else None for i, v in
                                                   enumerate(n["actuals"])]
        names = ("report.cum-target", "report.cum-actual") if cum else ("report.target",
                                                                          "report.actual")
        # the ticks carry a money or percent unit themselves (円, 千円, $, %): name only then
        shown = '"' in n["numfmt"] or "%" in n["numfmt"] or not n["unit"]
        title = n["name"] if shown else msg("report.chart", loc, name=n["name"], unit=n["unit"])
        chart = svg_chart(title, months, [(msg(names[0], loc), "#1F3864", tgt),
                                          (msg(names[1], loc), "#C55A11", act)],
                          tick=partial(format_value, n, locale=loc),
                          resolution=resolution(n["numfmt"]))
        figs.append(f"<figure><figcaption>{escape(title)}</figcaption>{chart}</figure>")
    return f'<div class="charts">{"".join(figs)}</div>'


def html(d: dict[str, Any]) -> str:
    """The report as one HTML page: every section's tables and lists, then the charts."""
    loc = d["locale"]
    statuses = {msg(f"report.{k}", loc): k for k in ("on_track", "at_risk", "off_track")}
    body = [f"<h1>{escape(d['title'])}</h1>"]
    for i, sec in enumerate(sections(d)):
        if sec.title:
            body.append(f"<h2>{escape(sec.title)}</h2>")
        for b in sec.blocks:
            if isinstance(b, Table):
                body.append(_html_table(b, statuses))
            elif isinstance(b, Bullets):
                body.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in b.items) + "</ul>")
            else:
                cls = ' class="kgi"' if b == kgi_summary(d) else ""
                body.append(f"<p{cls}>{escape(b)}</p>")
        if i == 0:
            body.append(_charts(d))
    return "".join([
        f'<!DOCTYPE html><html lang="{"ja" if loc == "ja" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{escape(d["title"])}</title><style>{CSS}</style></head>'
        "<body>", *body,
        f'<p class="note">{escape(msg("report.source", loc, file=d["workbook"]))}</p>'
        "</body></html>\n"])
