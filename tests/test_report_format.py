"""Report values read exactly as the workbook shows them (issue 16).

The oracle for "as the workbook shows them" is LibreOffice itself: the Tracking sheet exported as
CSV with "save cell contents as shown", i.e. the text a person sees in each cell. The unit tests
of :func:`format_number` use displays that follow from the Excel number-format rules
(thousands separators, one trailing comma per 1,000, ``%`` x 100, half away from zero).
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import lo
import pytest
from test_reader import fill

from kpixl.app.build import build
from kpixl.app.report import render, report_data
from kpixl.app.report_format import format_multiplier, format_number, resolution
from kpixl.app.report_html import axis_step
from kpixl.engine.compute import schedule
from kpixl.engine.solve import solve
from kpixl.model.loader import load

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize(("value", "fmt", "shown"), [
    (4545, "#,##0", "4,545"),
    (26.67, "#,##0", "27"),
    (2.5, "#,##0", "3"),  # half away from zero, as Excel displays (Python's round gives 2)
    (-2.5, "#,##0", "-3"),
    (10_888_888.89, '"¥"#,##0', "¥10,888,889"),
    (10_888_888.89, '#,##0,"千円"', "10,889千円"),
    (10_888_888.89, '#,##0"円"', "10,888,889円"),
    (1_234_567_890, '#,##0,,"百万円"', "1,235百万円"),
    (12_345_678, '"$"#,##0.0,,"M"', "$12.3M"),
    (1234.5, '#,##0.00 "EUR"', "1,234.50 EUR"),
    (-1500, '"¥"#,##0', "-¥1,500"),
    (0.25, "0.0%", "25.0%"),
    (0.0005, "0.0%", "0.1%"),
    (-0.0001, "#,##0", "0"),  # rounds to zero: no "-0"
])
def test_format_number_follows_excel_display_rules(value: float, fmt: str, shown: str) -> None:
    assert format_number(value, fmt) == shown


def test_multipliers_read_as_x_n_never_as_percent() -> None:
    assert format_multiplier(3.0) == "x 3"
    assert format_multiplier(2.75) == "x 2.75"
    assert format_multiplier(None) == "-"


@pytest.mark.parametrize(("top", "fmt", "step"), [
    (250, "#,##0", 50), (4800, "#,##0", 1000), (3, "#,##0", 1),
    (1_080_000_000, '#,##0,"千円"', 200_000_000), (0.004, "0.0%", 0.001)])
def test_axis_steps_are_round_and_exact_in_the_kpis_format(top: float, fmt: str,
                                                           step: float) -> None:
    got = axis_step(top, resolution(fmt))
    assert got == pytest.approx(step)
    assert top / got <= 6 + 1e-9


# A call plan: a multiplier link (calls per lead) and a conversion (win rate).
CALLS = """kpixl: 1
title: 架電計画
locale: ja
period: {start: 2026-04, months: 12}
kgi: orders
kpis:
  orders: {name: 受注件数, unit: 件, whole: true, target: 12, formula: calls * win_rate}
  win_rate: {name: 受注率, unit: "%", value: 0.05}
  calls: {name: 架電数, unit: 件, whole: true, formula: leads * calls_per_lead}
  calls_per_lead: {name: リードあたり架電数, unit: 回, value: 3}
  leads: {name: リード数, unit: 件, whole: true}
funnels:
  outbound: [leads, calls, orders]
"""


def _three_months(plan_path: Path) -> dict[tuple[str, int], float]:
    """Actuals a user might type: 80%, 105% and 90% of each counted KPI's monthly target."""
    plan = load(plan_path)
    sol = solve(plan)
    sched = schedule(sol)
    acts: dict[tuple[str, int], float] = {}
    for k, node in plan.nodes.items():
        if node.is_rate or sol.nodes[k].role == "assumption":
            continue
        for m, f in enumerate((0.8, 1.05, 0.9)):
            v = sched[k].monthly[m] * f
            acts[(k, m)] = round(v) if node.whole else v
    return acts


def _shown(xlsx: Path, sheet: str, outdir: Path) -> list[list[str]]:
    """The cells of one sheet as LibreOffice displays them (CSV, contents as shown)."""
    soffice = lo.find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="kpixl-shown-") as staging, lo._lock:
        src = Path(staging) / "book.xlsx"
        shutil.copyfile(xlsx, src)
        lo._run([soffice, "--headless", "--norestore",
                 f"-env:UserInstallation={lo._profile_dir().as_uri()}", "--convert-to",
                 "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                 "--outdir", str(outdir), str(src)])
    with open(outdir / f"book-{sheet}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _tracking(rows: list[list[str]]) -> dict[str, dict[str, Any]]:
    """name -> {"ytd_target", "ytd_actual", "forecast", "catch_up": {month: text}} as shown."""
    head = next(r for r in rows if "累計" in r or "YTD" in r)
    ytd = head.index("累計" if "累計" in head else "YTD")
    fc = head.index("着地見込" if "着地見込" in head else "Forecast")
    months = {i: h for i, h in enumerate(head) if re.fullmatch(r"\d{4}-\d\d", h)}
    out: dict[str, dict[str, Any]] = {}
    name = ""
    for r in rows:
        if len(r) <= fc:
            continue
        if r[0]:
            name = r[0]
            out[name] = {"ytd_target": r[ytd]}
        elif name and r[1] in ("実績", "Actual"):
            out[name] |= {"ytd_actual": r[ytd], "forecast": r[fc]}
        elif name and r[1] in ("挽回目標", "Catch-up"):
            out[name]["catch_up"] = {months[i]: r[i] for i in months if r[i]}
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("template", ["field_sales.ja", "saas_revenue.ja", "sales_funnel.en"])
def test_report_text_equals_what_the_tracking_sheet_shows(tmp_path: Path, recalc: Any,
                                                          template: str) -> None:
    """Every YTD target, YTD actual, forecast and catch-up cell of the report reads exactly as
    LibreOffice displays the same cell of the recalculated Tracking sheet."""
    plan = TEMPLATES / f"{template}.yaml"
    wb = fill(build(plan, tmp_path / "book.xlsx", force=True), actuals=_three_months(plan))
    (out,) = recalc(wb)
    sheet = "実績管理" if template.endswith(".ja") else "Tracking"
    shown = _tracking(_shown(out, sheet, tmp_path))
    d = report_data(wb)
    text = render(d, "text")
    lines = text.splitlines()
    checked = 0
    for n in d["nodes"]:
        if n["ytd_actual"] is None or n["name"] not in shown:
            continue
        cells = shown[n["name"]]
        row = next(x for x in lines if x.startswith((n["name"], "* " + n["name"])))
        for key in ("ytd_target", "ytd_actual", "forecast"):
            if cells.get(key):
                assert f" {cells[key]}" in f" {row} ", (n["name"], key, cells[key], row)
                checked += 1
        start = next(i for i, x in enumerate(lines) if x.startswith(("挽回目標", "Catch-up")))
        catch = [x for x in lines[start:] if x.startswith(n["name"] + " ")][:1]
        for month, cell in cells.get("catch_up", {}).items():
            assert catch and cell in catch[0].split(), (n["name"], month, cell)
            checked += 1
    assert checked >= 20


def test_a_japanese_report_has_no_english_prose(tmp_path: Path) -> None:
    """Only ids, numbers, units, KPI/KGI/SMART and the formula letters may be Latin script."""
    plan = TEMPLATES / "field_sales.ja.yaml"
    wb = fill(build(plan, tmp_path / "book.xlsx", force=True), actuals=_three_months(plan))
    for fmt in ("text", "markdown", "html"):
        page = render(report_data(wb), fmt)
        if fmt == "html":
            page = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
        words = set(re.findall(r"[A-Za-z]{3,}", page)) - {"KPI", "KGI", "SMART", "kpixl",
                                                            "xlsx", "book"}
        assert words == set(), (fmt, words)


def test_catch_up_tables_have_every_remaining_month(tmp_path: Path) -> None:
    plan = TEMPLATES / "sales_funnel.ja.yaml"
    wb = fill(build(plan, tmp_path / "book.xlsx", force=True), actuals=_three_months(plan))
    d = report_data(wb)
    text = render(d, "text")
    for label in d["labels"][3:]:  # as of month 3: months 4..12 remain
        assert label in text
    assert "2027-03" in render(d, "markdown")


def test_funnels_are_titled_by_stage_names_and_multipliers_shown_as_x_n(tmp_path: Path) -> None:
    plan = tmp_path / "calls.yaml"
    plan.write_text(CALLS, encoding="utf-8")
    d = report_data(build(plan, tmp_path / "calls.xlsx", force=True))
    (f,) = d["funnels"]
    assert f["name"] == "リード数 → 受注件数"
    assert [lk["kind"] for lk in f["links"]] == ["multiplier", "conversion"]
    lines = render(d, "text").splitlines()
    funnel = lines[lines.index("リード数 → 受注件数"):]
    calls = next(x for x in funnel if x.startswith("架電数"))
    assert calls.split()[2:] == ["x", "3", "-"] and "300" not in calls  # no actuals: observed -
    assert next(x for x in funnel if x.startswith("受注件数")).split()[2:] == ["5.0%", "-"]


def test_smart_warnings_show_rates_as_percents_and_kpis_by_name(tmp_path: Path) -> None:
    plan = tmp_path / "rate.yaml"
    plan.write_text("""kpixl: 1
title: 率
locale: ja
period: {start: 2026-04, months: 12}
kgi: orders
kpis:
  orders: {name: 受注件数, unit: 件, whole: true, target: 12, formula: deals * win_rate}
  win_rate: {name: 受注率, unit: "%", value: 0.25, history: [0.2, 0.22]}
  deals: {name: 商談数, unit: 件, whole: true}
""", encoding="utf-8")
    d = report_data(build(plan, tmp_path / "rate.xlsx", force=True))
    (line,) = [s for s in d["smart"] if "SMART R" in s]
    assert line.startswith("受注率: ") and "25.0%" in line and "22.0%" in line
    assert "0.25" not in line and "kpis." not in line


def test_html_report_renders_in_headless_chromium_with_tables_and_unit_axes(tmp_path: Path
                                                                             ) -> None:
    """The page as a real browser parses it: every section a table or list (no text dump), one
    inline SVG chart per charted KPI, y-axis ticks in the KPI's format (千円), never ``1.25k``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed")
    import subprocess

    plan = TEMPLATES / "field_sales.ja.yaml"
    wb = fill(build(plan, tmp_path / "book.xlsx", force=True), actuals=_three_months(plan))
    page = tmp_path / "report.html"
    page.write_text(render(report_data(wb), "html"), encoding="utf-8")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert "<pre" not in dom and dom.count("<table") >= 4 and dom.count("<svg") == 4
    ticks = re.findall(r'text-anchor="end">([^<]*)</text>', dom)
    assert ticks and all(re.fullmatch(r"-?[\d,]+(千円)?", t) for t in ticks), ticks
    assert "1,080,000千円" in dom or any(t.endswith("千円") for t in ticks)
