"""The text and markdown reports show what users typed as text (kpixl/app/escape.py): no
terminal escape sequence reaches a terminal, no markdown or HTML a viewer; the HTML report stays
escaped. User text enters through the plan (names, units, title), so the plans here are valid:
the loader refuses control characters, and the report escapes what remains (bidi controls,
markup) and anything a workbook's stored plan may hold."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import run_kpixl

from kpixl.app import escape

EVIL = {
    "title": "# Injected heading <script>alert(1)</script>",
    "revenue": "Rev|enue <img src=x onerror=alert(1)>",
    "price": "![](http://evil.example/p.png) `code`",
    "deals": "[click](javascript:alert(1)) \u202eevil",
}
PLAN = f"""kpixl: 1
title: {json.dumps(EVIL["title"])}
period: {{start: 2026-04, months: 12}}
kgi: revenue
kpis:
  revenue: {{name: {json.dumps(EVIL["revenue"])}, target: 100, formula: deals * price}}
  price: {{name: {json.dumps(EVIL["price"])}, value: 10}}
  deals: {{name: {json.dumps(EVIL["deals"])}, whole: true}}
"""


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("evil")
    (folder / "p.yaml").write_text(PLAN, encoding="utf-8")
    assert kpixl("build", "p.yaml", "-o", "w.xlsx", cwd=folder).returncode == 0
    (folder / "a.csv").write_text("id,month,value\ndeals,2026-04,1\n", encoding="utf-8")
    assert kpixl("actuals", "import", "w.xlsx", "a.csv", cwd=folder).returncode == 0
    out = {}
    for fmt in ("text", "markdown", "html"):
        got = kpixl("report", "w.xlsx", "--format", fmt, cwd=folder)
        assert got.returncode == 0, got.stderr
        out[fmt] = got.stdout
    return out


def test_markdown_shows_markup_as_text(reports: dict[str, str]) -> None:
    md = reports["markdown"]
    for raw in ("<script>", "![](", "](javascript:", "`code`"):
        assert raw not in md, raw
    # every < > ` a user typed is escaped (kpixl's own rule line has a bare "<")
    assert re.findall(r"(?<!\\)(?:<img|<script|</script|`)", md) == []
    assert r"\<script\>" in md and r"\[click\]\(javascript\:" in md  # shown, escaped
    headings = [ln for ln in md.splitlines() if ln.startswith("# ")]
    assert headings == [r"# \# Injected heading \<script\>alert\(1\)\</script\>"]


def test_markdown_table_rows_keep_their_columns(reports: dict[str, str]) -> None:
    rows = [ln for ln in reports["markdown"].splitlines() if ln.startswith("|")]
    head = rows[0]
    cells = len(re.split(r"(?<!\\)\|", head))
    assert all(len(re.split(r"(?<!\\)\|", r)) == cells for r in rows[:4]), rows[:4]
    assert any(r"Rev\|enue" in r for r in rows)


def test_text_report_shows_bidi_controls_as_escapes(reports: dict[str, str]) -> None:
    text = reports["text"]
    assert "\u202e" not in text and "\\u202e" in text
    assert "<script>" in text  # plain text: shown as typed (a terminal does not run it)


def test_html_report_stays_escaped(reports: dict[str, str]) -> None:
    html = reports["html"]
    assert "<script>alert" not in html and "<img src=x" not in html


@pytest.mark.parametrize(("raw", "exp"), [
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
    ("\x1b[2J\x9b31m", "\\x1b[2J\\x9b31m"),
    ("two\nlines\tand\rtab", "two lines and tab"),
    ("\u202eabc\u2066", "\\u202eabc\\u2066"),
])
def test_text_escapes_terminal_controls(raw: str, exp: str) -> None:
    assert escape.text(raw) == exp


@pytest.mark.parametrize(("raw", "exp"), [
    ("# title", r"\# title"),
    ("a|b", r"a\|b"),
    ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
    ("line\n# injected", r"line \# injected"),
])
def test_markdown_escapes_what_markdown_would_read(raw: str, exp: str) -> None:
    assert escape.markdown(raw) == exp


def test_finite_makes_json_numbers_finite() -> None:
    got = escape.finite({"a": [1.0, float("inf")], "b": {"c": float("nan")}, "d": "x"})
    assert got == {"a": [1.0, None], "b": {"c": None}, "d": "x"}
