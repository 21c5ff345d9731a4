"""``kpixl report --format html``: one self-contained page (inline CSS and SVG, no scripts, no
external files) from :func:`kpixl.app.report.report_data`.

Charts: cumulative target vs cumulative actual per month for the KGI and every funnel stage
(``sum`` nodes; other nodes plot the monthly target and actual). Months after the as-of month
have no actual point, as in Excel (a gap, not a zero).
"""

from __future__ import annotations

from html import escape
from typing import Any

from kpixl.app.report import _T, _lines, _num, _rows

__all__ = ["html", "svg_chart"]

SERIES = {"en": ("Cumulative target", "Cumulative actual", "Target", "Actual"),
          "ja": ("累計目標", "累計実績", "目標", "実績")}
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 560, 240, 64, 16, 28, 44
CSS = """
body{font-family:"Meiryo UI","Hiragino Sans","Noto Sans CJK JP",Calibri,Arial,sans-serif;
margin:24px;color:#222;max-width:1200px}
h1{color:#1F3864;font-size:22px}h2{color:#1F3864;font-size:16px;border-bottom:2px solid #1F3864}
table{border-collapse:collapse;margin:8px 0}th{background:#1F3864;color:#fff;padding:4px 8px}
td{border:1px solid #D9D9D9;padding:3px 8px;text-align:right}td:first-child{text-align:left}
.on_track{background:#C6EFCE;color:#006100}.at_risk{background:#FFEB9C;color:#9C5700}
.off_track{background:#FFC7CE;color:#9C0006}.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;border:1px solid #D9D9D9;padding:4px}figcaption{font-weight:bold;font-size:13px}
.note{color:#595959;font-size:12px}pre{white-space:pre-wrap}
"""


def _nice(top: float) -> float:
    """A round axis maximum at or above ``top``."""
    if top <= 0:
        return 1.0
    import math

    mag = 10.0 ** math.floor(math.log10(top))
    return next((step * mag for step in (1.0, 2.0, 2.5, 5.0) if step * mag >= top), 10 * mag)


def svg_chart(title: str, labels: list[str], series: list[tuple[str, str, list[Any]]]) -> str:
    """A line chart as inline SVG; ``series`` is (name, colour, values with None for gaps)."""
    n = len(labels)
    values = [v for _, _, vs in series for v in vs if v is not None]
    top = _nice(max(values, default=0.0))
    iw, ih = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (iw * (i + 0.5) / n)

    def y(v: float) -> float:
        return PAD_T + ih - ih * v / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
             f'viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
             f'<rect width="{W}" height="{H}" fill="#fff"/>']
    for k in range(5):
        v = top * k / 4
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#E0E0E0"/>')
        parts.append(f'<text x="{PAD_L - 4}" y="{y(v) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{escape(_short(v))}</text>')
    step = max(1, n // 12)
    for i in range(0, n, step):
        parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(labels[i][2:])}</text>')
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
        parts.append(f'<rect x="{lx}" y="{H - 16}" width="12" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16}" y="{H - 11}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(v: float) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _html_table(head: list[str], rows: list[list[str]], status_col: int | None = None,
                statuses: dict[str, str] | None = None) -> str:
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for r in rows:
        out.append("<tr>")
        for i, c in enumerate(r):
            cls = ""
            if i == status_col and statuses and c in statuses:
                cls = f' class="{statuses[c]}"'
            out.append(f"<td{cls}>{escape(c)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def html(d: dict[str, Any]) -> str:
    """The report as one HTML page."""
    t = _T[d["locale"]]
    by = {n["id"]: n for n in d["nodes"]}
    charted = list(dict.fromkeys([d["kgi"], *(s for f in d["funnels"] for s in f["stages"])]))
    names = {True: SERIES[d["locale"]][:2], False: SERIES[d["locale"]][2:]}
    figs = []
    for k in charted:
        n = by[k]
        cum = n["aggregate"] == "sum"
        tgt = n["cumulative_target"] if cum else n["effective"]
        act = n["cumulative_actual"] if cum else [v if i < d["asof"] else None for i, v in
                                                   enumerate(n["actuals"])]
        figs.append(f"<figure><figcaption>{escape(n['name'])}</figcaption>"
                    + svg_chart(n["name"], d["labels"], [(names[cum][0], "#1F3864", tgt),
                                                          (names[cum][1], "#C55A11", act)])
                    + "</figure>")
    head, rows = _rows(d)
    statuses = {t[k]: k for k in ("on_track", "at_risk", "off_track")}
    text = "\n".join(_lines(d, md=False))
    parts = text.split("\n\n", 3)  # title, as-of and KGI, the KPI table, the rest
    rest = parts[3] if len(parts) > 3 else ""
    kgi = by[d["kgi"]]
    summary = (f"{t['kgi']}: {kgi['name']} — {t['status']}: "
               f"{t[kgi['status']] if kgi['status'] else '-'}; {t['forecast']}: "
               f"{_num(kgi['forecast'], kgi)}")
    asof = f"{t['asof']}: {d['asof_label'] or t['nodata']}"
    lang = "ja" if d["locale"] == "ja" else "en"
    return "".join([
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{escape(d['title'])}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(d['title'])}</h1><p>{escape(asof)}</p>",
        f'<p class="off_track">{escape(d["missing_warning"])}</p>'
        if d.get("missing_warning") else "",  # issue 13: missing months, in every format
        f"<p><b>{escape(summary)}</b></p>",
        _html_table(head, rows, 5, statuses),
        f'<div class="charts">{"".join(figs)}</div>',
        f"<pre>{escape(rest)}</pre>",
        f'<p class="note">kpixl report: {escape(d["workbook"])}</p></body></html>\n'])

