"""Portable formulas and text that stays text (workbook-contract.md, "Principles").

- Every formula of every built workbook (cells, conditional formats, data validations, defined
  names, chart references: the raw XML of each part) calls only the contract's allowlisted
  functions, plus LOG10 which the plan format prescribes for the noise guard, and nothing
  volatile. A "no error values" test misses silent wrong answers, so the list is checked itself.
- User text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (names,
  owners, descriptions, units, KFS names, the title) is stored as a string cell (openpyxl
  data_type ``s``), never as a formula, in every cell of the workbook, and never ends up in a
  formula anywhere (charts included).
"""

from __future__ import annotations

import re
import zipfile
from html import unescape
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import wbtools

from kpixl.app.build import write
from kpixl.engine.solve import solve
from kpixl.model.loader import loads

KEYS = wbtools.plan_keys()
Books = dict[str, Any]

_XML_FORMULA = re.compile(
    r"<(c:f|f|formula|formula1|formula2|definedName)(?:\s[^>]*)?>([^<]*)</", re.S)


def xml_formulas(path: Path, tag: str | None = None) -> list[tuple[str, str]]:
    """(part, text) of every formula-like element of the file's XML parts (cell formulas,
    conditional formats, validations, defined names, chart references), or of one ``tag``."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                text = zf.read(name).decode("utf-8")
                out += [(name, unescape(m.group(2))) for m in _XML_FORMULA.finditer(text)
                        if tag is None or m.group(1) == tag]
    return out


# -- portable functions -------------------------------------------------------------------------
def test_function_regex_finds_calls_and_ignores_text() -> None:
    f = '=IF(ISNUMBER(in_x),_xlfn.IFNA(A1,0)," SUM( ")+ROUND(kpi_a,2)-LOG10 (3)'

    assert wbtools.functions(f) == {"IF", "ISNUMBER", "_XLFN.IFNA", "ROUND", "LOG10"}


@pytest.mark.parametrize("key", KEYS)
def test_every_formula_uses_only_allowlisted_functions(kpixl_workbooks: Books,
                                                       key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)
    found: dict[str, str] = {}
    for cell, text in wbtools.snapshot(b.path).formulas.items():
        for fn in wbtools.functions(text):
            found.setdefault(fn, f"{cell}: {text[:120]}")
    for part, text in xml_formulas(b.path):
        for fn in wbtools.functions(text):
            found.setdefault(fn, f"{part}: {text[:120]}")

    assert {fn: where for fn, where in found.items() if fn not in wbtools.ALLOWLIST} == {}
    assert set(found) & wbtools.VOLATILE == set()
    assert {"ROUND", "INDEX", "IF", "SUM"} <= set(found)  # the scan sees the formulas


@pytest.mark.parametrize("key", KEYS)
def test_the_scan_reads_every_formula_cell(kpixl_workbooks: Books, key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)

    in_xml = xml_formulas(b.path, "f")

    assert len(in_xml) == len(wbtools.snapshot(b.path).formulas) > 100


# -- text is text ------------------------------------------------------------------------------
MARK = "KPIXLEVIL"
PAYLOADS = {
    "title": f'=HYPERLINK("http://evil.example","{MARK}0")',
    "kgi name": f"={MARK}1+1",
    "kgi unit": f"={MARK}U",
    "kgi owner": f"@SUM({MARK}2)",
    "kgi description": f"+cmd|' /C calc'!{MARK}3",
    "price name": f"-2+{MARK}4",
    "price unit": f"@{MARK}5",
    "price owner": f"\t{MARK}6 owner",
    "price description": f"\r{MARK}7 description",
    "orders name": f"\r={MARK}8",
    "orders owner": f"={MARK}9",
    "rate name": f"@{MARK}10",
    "deals name": f"\t={MARK}11",
    "deals unit": f"+{MARK}12",
    "deal rate name": f"+{MARK}13",
    "leads name": f"=Dashboard!A1 {MARK}14",
    "leads owner": f"-{MARK}15",
    "kfs name": f'=WEBSERVICE("http://x/{MARK}16")',
    "kfs owner": f"+{MARK}17",
    "kfs description": f"@{MARK}18",
    "kfs status": f"={MARK}19",
}


def _q(s: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") \
        .replace("\r", "\\r") + '"'


def evil_plan_text() -> str:
    p = {k: _q(v) for k, v in PAYLOADS.items()}
    return f"""\
kpixl: 1
title: {p["title"]}
locale: en
period: {{start: 2026-04, months: 12}}
kgi: revenue
kpis:
  revenue:
    name: {p["kgi name"]}
    unit: {p["kgi unit"]}
    owner: {p["kgi owner"]}
    description: {p["kgi description"]}
    target: 1_200_000
    formula: orders * unit_price
  unit_price: {{name: {p["price name"]}, unit: {p["price unit"]}, value: 100_000,
                owner: {p["price owner"]}, description: {p["price description"]}}}
  orders: {{name: {p["orders name"]}, whole: true, formula: deals * win_rate,
            owner: {p["orders owner"]}}}
  win_rate: {{name: {p["rate name"]}, unit: "%", value: 0.4}}
  deals: {{name: {p["deals name"]}, whole: true, unit: {p["deals unit"]},
           formula: leads * deal_rate}}
  deal_rate: {{name: {p["deal rate name"]}, unit: "%", value: 0.5}}
  leads: {{name: {p["leads name"]}, whole: true, aggregate: last,
           owner: {p["leads owner"]}}}
funnels:
  sales: [leads, deals, orders]
kfs:
  - id: k1
    name: {p["kfs name"]}
    kpis: [leads]
    owner: {p["kfs owner"]}
    status: {p["kfs status"]}
    description: {p["kfs description"]}
"""


def _ooxml_unescape(s: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (XlsxWriter writes a CR as ``_x000D_``; Excel and
    LibreOffice decode it, openpyxl 3.1 leaves it in shared strings)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = loads(evil_plan_text(), source="evil.yaml")
    assert plan.title == PAYLOADS["title"] and plan.kfs[0].status == PAYLOADS["kfs status"]
    return write(solve(plan), tmp_path_factory.mktemp("evil") / "evil.xlsx", force=True)


def test_user_text_is_stored_as_string_cells_in_every_sheet(evil: Path) -> None:
    wb = openpyxl.load_workbook(evil)  # formulas kept: a formula cell has data_type "f"
    texts: list[str] = []
    wrong = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and MARK in cell.value):
                    continue
                if cell.data_type != "s" or ws.title == wbtools.META_SHEET:
                    if cell.data_type != "s":
                        wrong.append(f"{ws.title}!{cell.coordinate}: {cell.data_type} "
                                     f"{cell.value!r}")
                    continue
                texts.append(_ooxml_unescape(cell.value))

    assert wrong == []
    missing = {k: v for k, v in PAYLOADS.items()
               if k != "title" and not any(v in t for t in texts)}
    assert missing == {}  # every payload is shown somewhere, as text
    assert any(t == PAYLOADS["title"] for t in texts)


def test_user_text_never_reaches_a_formula_anywhere_in_the_file(evil: Path) -> None:
    leaked = [(part, text) for part, text in xml_formulas(evil) if MARK in text]

    assert [p for p in leaked if not p[0].startswith("xl/charts/")] == []


def test_user_text_in_chart_titles_stays_text(evil: Path) -> None:
    leaked = [(part, text) for part, text in xml_formulas(evil) if MARK in text]

    assert leaked == []


def test_chart_references_are_ranges_of_existing_sheets(kpixl_workbooks: Books) -> None:
    ref = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!"
                     r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?$")
    bad = []
    for key in KEYS:
        b = wbtools.get(kpixl_workbooks, key)
        sheets = set(wbtools.snapshot(b.path).sheetnames)
        for part, text in xml_formulas(b.path):
            if part.startswith("xl/charts/"):
                m = ref.match(text)
                if m is None or (m.group(1) or "").replace("''", "'") + (m.group(2) or "") \
                        not in sheets:
                    bad.append(f"{key} {part}: {text}")

    assert bad == []
