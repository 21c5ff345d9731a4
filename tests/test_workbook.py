"""Every built workbook, recalculated for real in LibreOffice, holds the engine's numbers.

All templates, the spec's examples (plan-format.md's seed plan, domain-notes.md section 8) and the
test plans are built once (conftest ``kpixl_workbooks``) and recalculated in ONE ``soffice`` call
with recalculation forced on load (tests/lo.py). Then for each workbook:

- every formula cell's recalculated value equals the value XlsxWriter cached (the engine's);
- every contract name (workbook-contract.md) equals the engine: kpi_, tgt_, in_, ytd_, ach_, fc_,
  asof, in_seasonality and the thresholds;
- no error values anywhere, except the deliberate #N/A of the Dashboard's chart rows;
- the names exist for each node, the sheets are named as the contract lists them, and the hidden
  ``_kpixl`` sheet carries the plan as JSON with its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import wbtools

from kpixl.app.build import write
from kpixl.engine.solve import solve
from kpixl.model.loader import loads

pytestmark = pytest.mark.libreoffice

KEYS = wbtools.plan_keys()
#: The seed plan built with the xlwings control panels (Lite: text boxes; classic: .xlsm with
#: buttons, a VBA project and an xlwings.conf sheet): the same formulas must still hold.
XLWINGS = {"xlwings:lite": ("lite", ".xlsx"), "xlwings:classic": ("classic", ".xlsm")}
Books = dict[str, wbtools.Built | BaseException]


def _xlwings_variant(key: str, folder: Path) -> wbtools.Built | BaseException:
    mode, suffix = XLWINGS[key]
    plan = wbtools.load_plan("good:seed")
    try:
        solution = solve(plan)
        path = write(solution, folder / f"seed_{mode}{suffix}", xlwings=mode, force=True)
    except Exception as exc:  # reported by each test of that key
        return exc
    return wbtools.Built(key=key, plan=plan, solution=solution, path=path)


@pytest.fixture(scope="module")
def books(kpixl_workbooks: Books, recalc: Callable[..., list[Path]],
          tmp_path_factory: pytest.TempPathFactory) -> Books:
    """Every workbook (and the xlwings variants), recalculated in one soffice run."""
    folder = tmp_path_factory.mktemp("xlwings")
    out: Books = {**kpixl_workbooks, **{k: _xlwings_variant(k, folder) for k in XLWINGS}}
    items = [b for b in out.values() if isinstance(b, wbtools.Built)]
    outs = recalc(*[b.path for b in items])
    for b, r in zip(items, outs, strict=True):
        b.recalculated = r
    return out


def _reads(path: Path) -> tuple[dict[Any, Any], dict[str, Any]]:
    """(cell values, defined-name values) of a file; each file is read once (cached)."""
    snap = wbtools.snapshot(path)
    return snap.values, snap.named


def _formulas(path: Path) -> dict[tuple[str, str], str]:
    return wbtools.snapshot(path).formulas


# -- (a) formulas recompute to their cached values ------------------------------------------------
@pytest.mark.parametrize("key", [*KEYS, *XLWINGS])
def test_formula_cells_recalculate_to_the_cached_engine_value(books: Books,
                                                              key: str) -> None:
    b = wbtools.get(books, key)
    assert b.recalculated is not None
    formulas = _formulas(b.path)
    cached, _ = _reads(b.path)
    got, _ = _reads(b.recalculated)

    bad = []
    for cell, text in formulas.items():
        exp, val = cached.get(cell), got.get(cell)
        if not wbtools.same(exp, val, exact=wbtools.whole_value(exp)):
            bad.append(f"{cell}: cached {exp!r}, LibreOffice {val!r}  ({text})")

    assert len(formulas) > 100
    assert bad == [], f"{len(bad)} formula cells differ:\n" + "\n".join(bad[:30])


# -- (b) contract names equal the engine ----------------------------------------------------------
@pytest.mark.parametrize("key", [*KEYS, *XLWINGS])
def test_defined_names_equal_the_engine_after_recalculation(books: Books,
                                                            key: str) -> None:
    b = wbtools.get(books, key)
    assert b.recalculated is not None
    exp = wbtools.expected_names(b.plan, b.solution, b.sched, b.tracking)
    _, got = _reads(b.recalculated)

    assert wbtools.diff(exp, got, wbtools.exact_names(b.plan)) == []


@pytest.mark.parametrize("key", KEYS)
def test_tracking_names_are_blank_before_any_actual(books: Books,
                                                    key: str) -> None:
    b = wbtools.get(books, key)
    assert b.recalculated is not None
    _, got = _reads(b.recalculated)
    n = b.plan.months

    assert got["asof"] == 0
    assert got["in_asof"] is None
    for k in b.plan.nodes:
        assert [got[f"ytd_{k}"], got[f"ach_{k}"], got[f"fc_{k}"]] == [None] * 3, k
        assert got[f"act_{k}"] == [None] * n, k
        assert got[f"ovr_{k}"] == [None] * n, k


@pytest.mark.parametrize("key", KEYS)
def test_whole_nodes_have_whole_monthly_targets_adding_up_to_the_total(
        books: Books, key: str) -> None:
    b = wbtools.get(books, key)
    assert b.recalculated is not None
    _, got = _reads(b.recalculated)

    for k, node in b.plan.nodes.items():
        if not node.whole:
            continue
        months = got[f"tgt_{k}"]
        assert all(float(x).is_integer() for x in months), (k, months)
        goal = b.solution.nodes[k].goal
        if node.aggregate == "sum" and abs(goal) < 2**53:  # beyond, floats skip whole numbers
            assert sum(months) == goal, k


# -- (c) no error values -----------------------------------------------------------------------
@pytest.mark.parametrize("key", [*KEYS, *XLWINGS])
def test_no_error_values_except_chart_gaps_on_the_dashboard(books: Books,
                                                            key: str) -> None:
    b = wbtools.get(books, key)
    assert b.recalculated is not None
    got, _ = _reads(b.recalculated)
    formulas = _formulas(b.path)
    dashboard = wbtools.SHEETS[b.plan.locale][wbtools.DASHBOARD_INDEX]

    errors = []
    for cell, v in got.items():
        if not (isinstance(v, str) and (v in wbtools.ERROR_VALUES or v.startswith("Err:"))):
            continue
        if v == "#N/A" and cell[0] == dashboard and "NA()" in formulas.get(cell, ""):
            continue  # a future month of a chart row: a gap in Excel's chart
        errors.append(f"{cell}: {v} ({formulas.get(cell)})")

    assert errors == []


# -- (d) names, sheets and the machine-readable copy -------------------------------------------
@pytest.mark.parametrize("key", KEYS)
def test_every_contract_name_exists_for_every_node(kpixl_workbooks: Books,
                                                   key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)
    snap = wbtools.snapshot(b.path)
    names = snap.names
    n = b.plan.months
    missing, extra, shape = [], [], []

    for k, node in b.plan.nodes.items():
        res = b.solution.nodes[k]
        wants_in = node.kind == "assumption" or (res.role == "root" and node.target is not None)
        for prefix, width in (("kpi_", 1), ("tgt_", n), ("act_", n), ("ovr_", n), ("ytd_", 1),
                              ("ach_", 1), ("fc_", 1), ("in_", 1)):
            name = prefix + k
            if prefix == "in_" and not wants_in:
                if name in names:
                    extra.append(name)
                continue
            if prefix == "fc_" and node.aggregate != "sum" and name not in names:
                continue  # the contract asks fc_ of sum nodes only
            if name not in names:
                missing.append(name)
            elif (names[name].row0 != names[name].row1
                  or names[name].col1 - names[name].col0 + 1 != width):
                shape.append(f"{name}: {names[name]}")
    for name, width in (("in_asof", 1), ("in_seasonality", n), ("in_on_track", 1),
                        ("in_at_risk", 1)):
        if name not in names:
            missing.append(name)
        elif len(names[name].cells) != width or names[name].row0 != names[name].row1:
            shape.append(f"{name}: {names[name]}")

    assert (missing, extra, shape) == ([], [], [])
    assert snap.local_names == 0  # every name has workbook scope


@pytest.mark.parametrize("key", KEYS)
def test_sheets_are_named_as_the_contract_lists_them(kpixl_workbooks: Books,
                                                     key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)
    snap = wbtools.snapshot(b.path)
    exp = list(wbtools.SHEETS[b.plan.locale])  # the Funnel sheet too: it says "no funnel"

    assert snap.sheetnames == [*exp, wbtools.META_SHEET]
    for name in snap.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\"), name
    visible = dict(snap.states)
    assert visible.pop(wbtools.META_SHEET) == "hidden"
    assert set(visible.values()) == {"visible"}


@pytest.mark.parametrize("key", KEYS)
def test_meta_sheet_holds_the_plan_json_its_hash_and_every_input(
        kpixl_workbooks: Books, key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)
    rows = _meta_rows(b.path)
    meta = dict(rows)
    text = "".join(str(v) for k, v in rows if k == "plan_json")

    assert meta["format_version"] == 1
    assert meta["plan_json_chunks"] == sum(1 for k, _ in rows if k == "plan_json")
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == meta["plan_sha256"]
    data = json.loads(text)
    assert data["kgi"] == b.plan.kgi and list(data["kpis"]) == list(b.plan.nodes)
    inputs = {k[len("input:"):]: json.loads(v) for k, v in rows if k.startswith("input:")}
    exp = wbtools.expected_names(b.plan, b.solution, b.sched, b.tracking)
    for name in [n for n in exp if n.startswith("in_") and n != "in_seasonality"]:
        assert inputs[name] == exp[name], name
    assert [inputs[f"in_seasonality[{m + 1}]"] for m in range(b.plan.months)] == \
        list(b.plan.weights)
    assert inputs["in_asof"] is None


@pytest.mark.parametrize("key", KEYS)
def test_plan_json_loads_back_to_the_same_targets(kpixl_workbooks: Books,
                                                  key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)
    text = "".join(str(v) for k, v in _meta_rows(b.path) if k == "plan_json")

    again = solve(loads(text, source="_kpixl.json"))

    assert {k: r.total for k, r in again.nodes.items()} == \
        {k: r.total for k, r in b.solution.nodes.items()}


@pytest.mark.parametrize("key", KEYS)
def test_inputs_look_like_inputs_unlocked_and_validated(kpixl_workbooks: Books,
                                                        key: str) -> None:
    b = wbtools.get(kpixl_workbooks, key)
    wb = openpyxl.load_workbook(b.path)
    names = wbtools.defined_names(wb)

    def look(cell: Any) -> tuple[Any, Any]:
        return cell.fill.fgColor.rgb, cell.font.color.rgb if cell.font.color else None

    looks, locked, unvalidated, rates = set(), [], [], []
    for name, ref in names.items():
        if not name.startswith(("in_", "act_", "ovr_")):
            continue
        ws = wb[ref.sheet]
        node = b.plan.nodes.get(name.partition("_")[2])
        rules = ws.data_validations.dataValidation
        for r, c in ref.cells:
            cell = ws.cell(row=r, column=c)
            looks.add(look(cell))
            if cell.protection.locked:
                locked.append(f"{name}: {cell.coordinate}")
            found = [dv for dv in rules if cell.coordinate in dv.sqref]
            if not found and not (node is not None and node.signed):
                unvalidated.append(f"{name}: {cell.coordinate}")
            if name.startswith("in_") and node is not None and node.is_rate and found:
                lo, hi = node.effective_bounds or (0.0, 1.0)
                dv = found[0]
                if (dv.type, float(dv.formula1), float(dv.formula2 or "nan")) != \
                        ("decimal", lo, hi):
                    rates.append(f"{name}: {dv.type} {dv.formula1}..{dv.formula2}")
    formula_looks = {look(cell) for ws in wb.worksheets for row in ws.iter_rows()
                     for cell in row if cell.data_type == "f"}
    unlocked = [f"{ws.title}!{cell.coordinate}" for ws in wb.worksheets if ws.protection.sheet
                for row in ws.iter_rows() for cell in row
                if cell.data_type == "f" and not cell.protection.locked]

    assert len(looks) == 1 and not looks & formula_looks  # one input style, never on formulas
    assert (locked, unvalidated, rates, unlocked) == ([], [], [], [])


def _meta_rows(path: Path) -> list[tuple[Any, Any]]:
    snap = wbtools.snapshot(path)
    rows = []
    for r in range(1, 10_000):
        key = snap.value(wbtools.META_SHEET, r, 1)
        if key is None:
            break
        rows.append((key, snap.value(wbtools.META_SHEET, r, 2)))
    return rows


# -- the spec's published numbers ---------------------------------------------------------------
def _carry_in(path: Path, node: str, quarters: int) -> Any:
    """The Monthly Targets sheet's carry-in cell of a node (right of its quarters and total)."""
    snap = wbtools.snapshot(path)
    ref = snap.names[f"tgt_{node}"]
    return snap.value(ref.sheet, ref.row0, ref.col1 + quarters + 2)


def test_worked_example_recalculates_to_the_domain_notes_numbers(
        books: Books) -> None:
    b = wbtools.get(books, "spec:worked_example")
    assert b.recalculated is not None
    _, got = _reads(b.recalculated)

    assert [got[f"kpi_{k}"] for k in ("customers", "retained", "orders", "deals",
                                       "appointments", "inquiries")] == [50, 38, 12, 40, 67, 192]
    assert got["tgt_orders"] == [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 2]
    assert got["tgt_deals"] == [3, 3, 2, 5, 3, 3, 4, 2, 3, 7, 2, 3]
    assert got["tgt_appointments"] == [5, 6, 3, 7, 6, 5, 6, 4, 6, 10, 4, 5]
    assert got["tgt_inquiries"] == [15, 16, 9, 21, 16, 15, 17, 12, 15, 31, 12, 13]
    assert _carry_in(b.recalculated, "deals", 4) == 6


def test_seed_plan_recalculates_to_the_plan_format_numbers(
        books: Books) -> None:
    b = wbtools.get(books, "good:seed")
    assert b.recalculated is not None
    _, got = _reads(b.recalculated)

    assert [got[f"kpi_{k}"] for k in ("orders", "deals", "appointments", "inquiries")] == \
        [12, 30, 60, 200]
    assert got["tgt_orders"] == [1] * 12


# -- the file itself ----------------------------------------------------------------------------
def test_built_workbook_honours_the_umask(kpixl_workbooks: Books) -> None:
    b = wbtools.get(kpixl_workbooks, "good:seed")
    umask = os.umask(0)
    os.umask(umask)

    mode = stat.S_IMODE(b.path.stat().st_mode)

    assert mode == 0o666 & ~umask
