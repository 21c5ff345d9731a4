"""Helpers shared by the workbook verification tests (test_workbook, test_liveness,
test_conformance, test_portability).

What is here: the plans every test builds (templates, the spec's examples, the test plans), the
contract's allowlist and sheet names (copied from workbook-contract.md, *not* from kpixl, so the
tests check kpixl against the spec), readers for formulas and defined names, the engine's
value of every contract name, and comparison with the contract's tolerance (relative 1e-9;
whole-number cells exactly).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries

from kpixl.engine.compute import NodeSchedule, Tracking, schedule, track
from kpixl.engine.solve import Solution, solve
from kpixl.errors import PlanError
from kpixl.model import Plan
from kpixl.model.loader import loads

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PLANS = ROOT / "tests" / "plans"

# -- the contract (workbook-contract.md) ---------------------------------------------------------
#: Functions that Excel 2016+ and LibreOffice 7.4 both compute, plus LOG10, which the plan format
#: prescribes for the noise guard.
ALLOWLIST = frozenset("""
SUM SUMIF SUMIFS COUNT COUNTA COUNTIF COUNTIFS AVERAGE AVERAGEIF AVERAGEIFS MIN MAX LARGE SMALL
ROUND ROUNDUP ROUNDDOWN INT MOD ABS LN EXP SQRT IF IFERROR AND OR NOT ISBLANK ISNUMBER ISNA NA
CHOOSE INDEX MATCH SUMPRODUCT DATE YEAR MONTH EOMONTH EDATE BINOMDIST CRITBINOM LOG10
""".split())  # noqa: SIM905 - the contract's list, as written there
VOLATILE = frozenset({"OFFSET", "INDIRECT", "TODAY", "NOW", "RAND", "RANDBETWEEN", "CELL",
                      "INFO", "RANDARRAY"})
#: Sheet names per language, as the contract lists them (Funnel only when the plan has funnels).
SHEETS = {
    "en": ["Guide", "Inputs", "KPI Tree", "Funnel", "Monthly Targets", "Tracking", "Dashboard",
           "SMART", "KFS", "PDCA"],
    "ja": ["使い方", "前提条件", "KPIツリー", "ファネル逆算", "月次目標", "実績管理",
           "ダッシュボード", "SMARTチェック", "施策", "PDCA記録"],
}
TRACKING_INDEX = 5
DASHBOARD_INDEX = 6
META_SHEET = "_kpixl"
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!"})
#: Status labels as plan-format.md words them (順調 / 注意 / 未達), on track first.
STATUS_LABELS = {"en": ("On track", "At risk", "Off track"), "ja": ("順調", "注意", "未達")}
STATUS_INDEX = {"on_track": 0, "at_risk": 1, "off_track": 2}

# -- plans ---------------------------------------------------------------------------------------
#: domain-notes.md section 8, the worked example: revenue = customers x annual unit price,
#: customers = retained + new orders, deal -> order lag 2, seasonal order shares.
WORKED_EXAMPLE = """\
kpixl: 1
title: 2025年度 営業計画（計算例）
locale: ja
currency: JPY
period: {start: 2025-04, months: 12}
seasonality: [6, 7, 8, 8, 5, 11, 8, 8, 9, 6, 8, 16]
thresholds: {on_track: 1.0, at_risk: 0.9}
kgi: revenue
kpis:
  revenue: {name: 売上高, unit: 円, target: 60_000_000, formula: customers * unit_price,
            owner: 営業本部長, due: 2026-03-31}
  unit_price: {name: 年間単価, unit: 円, value: 1_200_000}
  customers: {name: 顧客数, unit: 社, whole: true, aggregate: last,
              formula: retained + orders}
  retained: {name: 継続顧客数, unit: 社, whole: true, aggregate: last,
             formula: start_customers * (1 - churn)}
  start_customers: {name: 期首顧客数, unit: 社, whole: true, aggregate: last, value: 40}
  churn: {name: 年間解約率, unit: "%", direction: down, value: 0.05}
  orders: {name: 受注件数, unit: 件, whole: true, formula: deals * win_rate, lag: 2}
  win_rate: {name: 受注率, unit: "%", value: 0.3}
  deals: {name: 商談数, unit: 件, whole: true, formula: appointments * deal_rate}
  deal_rate: {name: 商談化率, unit: "%", value: 0.6}
  appointments: {name: アポイント数, unit: 件, whole: true,
                 formula: inquiries * appointment_rate}
  appointment_rate: {name: アポ率, unit: "%", value: 0.35}
  inquiries: {name: 問い合わせ件数, unit: 件, whole: true}
funnels:
  sales: [inquiries, appointments, deals, orders]
"""

#: Shapes no template has: 14 months (a short last quarter) from November, zero and fractional
#: weights, a lag longer than a year (13 months), noisy values (57, 0.57, 1,140,000,000 / 0.57),
#: a solved non-whole mean lever, a whole lever under a `down` root (rounded down), a tiny rate
#: (1e-6) and a signed root.
EDGE_PLAN = """\
kpixl: 1
title: Edge cases (14 months, long lag, noisy rates, down and signed nodes)
locale: en
currency: JPY
period: {start: 2026-11, months: 14}
seasonality: [0, 1, 2.5, 1, 1, 0.5, 1, 1, 1, 1, 3, 1, 0, 2]
thresholds: {on_track: 0.95, at_risk: 0.8}
kgi: profit
kpis:
  profit: {name: Profit, unit: JPY, signed: true, target: 5_700_000, formula: revenue - cost,
           owner: CFO}
  cost: {name: Cost, unit: JPY, direction: down, value: 2_500_000}
  revenue: {name: Revenue, unit: JPY, formula: units * price}
  price: {name: Price, unit: JPY, value: 57}
  units: {name: Units, whole: true, formula: leads * conversion, lag: 13}
  conversion: {name: Conversion, unit: "%", value: 0.57}
  leads: {name: Leads, whole: true}
  service: {name: Service revenue, unit: JPY, target: 1_140_000_000, formula: hours * hourly_rate}
  hours: {name: Hours, value: 0.57}
  hourly_rate: {name: Hourly rate, unit: JPY, aggregate: mean}
  defects: {name: Defects, whole: true, direction: down, target: 12,
            formula: inspected * defect_rate}
  defect_rate: {name: Defect rate, unit: "%", direction: down, value: 0.03}
  inspected: {name: Inspected, whole: true}
  tiny: {name: Tiny conversions, target: 3, formula: visits * tiny_rate}
  tiny_rate: {name: Tiny rate, unit: "%", value: 0.000001}
  visits: {name: Visits, whole: true}
funnels:
  sales: [leads, units]
"""
INLINE = {"spec:worked_example": WORKED_EXAMPLE, "extra:edge_cases": EDGE_PLAN}


def plan_files() -> dict[str, Path]:
    """key -> YAML file: every template (not index.yaml), tests/plans/good, tests/plans/engine."""
    out: dict[str, Path] = {}
    for p in sorted(TEMPLATES.glob("*.yaml")):
        if p.name != "index.yaml":
            out[f"template:{p.stem}"] = p
    for kind in ("good", "engine"):
        for p in sorted((PLANS / kind).glob("*.yaml")):
            out[f"{kind}:{p.stem}"] = p
    return out


@cache
def plan_keys() -> list[str]:
    """Every plan that loads and solves (tests/plans/engine also holds plans that must fail)."""
    keys = []
    for key in [*plan_files(), *INLINE]:
        try:
            solve(load_plan(key))
        except PlanError:
            continue
        except Exception:  # a crash: reported by the tests of that key
            pass
        keys.append(key)
    return keys


def load_plan(key: str) -> Plan:
    if key in INLINE:
        return loads(INLINE[key], source=f"{key.partition(':')[2]}.yaml")
    path = plan_files()[key]
    return loads(path.read_text("utf-8"), source=str(path))


def file_stem(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", key)


@dataclass
class Built:
    """One plan written to a workbook (and, once recalculated, LibreOffice's copy)."""

    key: str
    plan: Plan
    solution: Solution
    path: Path
    recalculated: Path | None = None
    sched: dict[str, NodeSchedule] = field(init=False)
    tracking: Tracking = field(init=False)

    def __post_init__(self) -> None:
        self.sched = schedule(self.solution)
        self.tracking = track(self.solution, self.sched)


def build(key: str, plan: Plan, folder: Path) -> Built:
    from kpixl.app.build import write

    solution = solve(plan)
    path = write(solution, folder / f"{file_stem(key)}.xlsx", force=True)
    return Built(key=key, plan=plan, solution=solution, path=path)


def build_all(folder: Path, keys: Iterable[str]) -> dict[str, Built | BaseException]:
    """Build every plan; a plan that crashes kpixl maps to its exception (its tests fail)."""
    out: dict[str, Built | BaseException] = {}
    for key in keys:
        try:
            out[key] = build(key, load_plan(key), folder)
        except Exception as exc:  # reported by each test of that plan
            out[key] = exc
    return out


def get(books: Mapping[str, Built | BaseException], key: str) -> Built:
    """The built workbook of ``key``, or fail the test with what kpixl raised building it."""
    import pytest

    b = books[key]
    if isinstance(b, BaseException):
        pytest.fail(f"{key}: kpixl raised {type(b).__name__}: {b}", pytrace=False)
    return b


# -- the engine's value of every contract name ---------------------------------------------------
def expected_names(plan: Plan, solution: Solution, sched: Mapping[str, NodeSchedule],
                   trk: Tracking) -> dict[str, Any]:
    """Contract name -> the engine's value (None = blank; a list for a row)."""
    exp: dict[str, Any] = {"asof": trk.asof}
    for k, node in plan.nodes.items():
        res, nt = solution.nodes[k], trk.nodes[k]
        exp[f"kpi_{k}"] = res.total
        exp[f"tgt_{k}"] = list(sched[k].monthly)
        exp[f"ytd_{k}"] = nt.ytd_actual
        exp[f"ach_{k}"] = nt.achievement
        exp[f"fc_{k}"] = nt.forecast
        if node.kind == "assumption":
            exp[f"in_{k}"] = node.value
        elif res.role == "root" and node.target is not None:
            exp[f"in_{k}"] = node.target
        exp[f"missing_{k}"] = nt.missing
        exp[f"gap_{k}"] = trk.gap.shares.get(k)
    exp["kpixl_gap"] = trk.gap.gap
    exp["kpixl_unexplained"] = trk.gap.unexplained
    exp["kpixl_cause"] = trk.gap.cause or ""
    exp["in_seasonality"] = list(plan.weights)
    exp["in_on_track"] = plan.thresholds.on_track
    exp["in_at_risk"] = plan.thresholds.at_risk
    return exp


def exact_names(plan: Plan) -> set[str]:
    """Names whose engine value must match exactly: whole nodes' targets and the as-of month."""
    out = {"asof", "kpixl_cause"}
    for k, node in plan.nodes.items():
        out.add(f"missing_{k}")
        if node.whole:
            out |= {f"kpi_{k}", f"tgt_{k}"}
    return out


# -- comparing ----------------------------------------------------------------------------------
def blank(v: object) -> bool:
    return v is None or v == ""


def is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def same(exp: object, got: object, *, exact: bool = False, rel: float = 1e-9,
         abs_tol: float = 1e-12) -> bool:
    """The contract's equality: blanks ("" and None) alike; numbers within ``rel`` (relative),
    or exactly when ``exact`` (whole-number cells below 1e15: LibreOffice keeps 15 significant
    digits, so larger "whole" numbers compare relatively); anything else with ``==``."""
    if isinstance(exp, list) or isinstance(got, list):
        return (isinstance(exp, list) and isinstance(got, list) and len(exp) == len(got)
                and all(same(a, b, exact=exact, rel=rel, abs_tol=abs_tol)
                        for a, b in zip(exp, got, strict=True)))
    if blank(exp) or blank(got):
        return blank(exp) and blank(got)
    if is_number(exp) and is_number(got):
        if exact and abs(float(exp)) < 1e15:  # type: ignore[arg-type]
            return float(exp) == float(got)  # type: ignore[arg-type]
        return math.isclose(float(exp), float(got), rel_tol=rel,  # type: ignore[arg-type]
                            abs_tol=abs_tol)
    return exp == got


def whole_value(v: object) -> bool:
    """A number that is a whole number (compared exactly: LibreOffice keeps 15 digits)."""
    return is_number(v) and math.isfinite(float(v)) and float(v).is_integer() \
        and abs(float(v)) < 1e15  # type: ignore[arg-type]


def diff(exp: Mapping[str, Any], got: Mapping[str, Any], exact: Iterable[str] = ()) -> list[str]:
    """One line per name whose value differs (or is missing)."""
    ex = set(exact)
    lines = []
    for k, v in exp.items():
        if k not in got:
            lines.append(f"{k}: expected {v!r}, missing")
        elif not same(v, got[k], exact=k in ex):
            lines.append(f"{k}: expected {v!r}, got {got[k]!r}")
    return lines


# -- reading workbooks ---------------------------------------------------------------------------
@dataclass(frozen=True)
class NameRef:
    sheet: str
    row0: int  # 1-based, as openpyxl
    col0: int
    row1: int
    col1: int

    @property
    def cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.row0, self.row1 + 1)
                for c in range(self.col0, self.col1 + 1)]


def defined_names(wb: Any) -> dict[str, NameRef]:
    """Workbook-scope names that point at one range: name -> where (1-based rows/cols)."""
    out: dict[str, NameRef] = {}
    for name, dn in wb.defined_names.items():
        if name.startswith("_xlnm."):
            continue
        dests = list(dn.destinations)
        if len(dests) != 1:
            continue
        sheet, ref = dests[0]
        c0, r0, c1, r1 = range_boundaries(ref.replace("$", ""))
        out[name] = NameRef(sheet.replace("''", "'"), r0, c0, r1, c1)
    return out


@dataclass(frozen=True)
class Snapshot:
    """A workbook read once: cells, formulas, names, sheets (see :func:`snapshot`)."""

    values: dict[tuple[str, str], Any]  # (sheet, A1) -> value; cached/calculated for formulas
    formulas: dict[tuple[str, str], str]  # (sheet, A1) -> formula text with "="
    data_types: dict[tuple[str, str], str]  # openpyxl data_type of every non-empty cell
    names: dict[str, NameRef]
    named: dict[str, Any]  # name -> value (a list for a row)
    sheetnames: list[str]
    states: dict[str, str]  # sheet -> visible / hidden / veryHidden
    name_texts: dict[str, str]  # name -> what it refers to
    local_names: int  # sheet-scoped names (the contract wants workbook scope)

    def value(self, sheet: str, row: int, col: int) -> Any:
        return self.values.get((sheet, a1(row, col)))


@cache
def snapshot(path: Path) -> Snapshot:
    """Read a workbook twice (formulas, then values) in read-only mode; cached per path."""
    wb = openpyxl.load_workbook(path, data_only=False, read_only=True)
    try:
        formulas: dict[tuple[str, str], str] = {}
        types: dict[tuple[str, str], str] = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    key = (ws.title, c.coordinate)
                    types[key] = c.data_type
                    if c.data_type == "f":
                        formulas[key] = str(c.value)
        names = defined_names(wb)
        texts = {n: str(dn.attr_text) for n, dn in wb.defined_names.items()}
        local = sum(len(ws.defined_names) for ws in wb.worksheets
                    if hasattr(ws, "defined_names"))
        sheetnames = list(wb.sheetnames)
        states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    finally:
        wb.close()
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        values = {(ws.title, c.coordinate): c.value for ws in wb.worksheets
                  for row in ws.iter_rows() for c in row if c.value is not None}
    finally:
        wb.close()
    named: dict[str, Any] = {}
    for name, ref in names.items():
        vals = [values.get((ref.sheet, a1(r, c))) for r, c in ref.cells]
        named[name] = vals[0] if len(vals) == 1 else vals
    return Snapshot(values=values, formulas=formulas, data_types=types, names=names,
                    named=named, sheetnames=sheetnames, states=states, name_texts=texts,
                    local_names=local)


def read_names(path: Path) -> dict[str, Any]:
    """Values of every single-range defined name (a list for a row)."""
    return snapshot(path).named


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> formula text (with "=") of every formula cell."""
    return snapshot(path).formulas


_STRING = re.compile(r'"(?:[^"]|"")*"')
_FUNC = re.compile(r"(?<![A-Za-z0-9_.$'])((?:_xlfn\.|_xlws\.)?[A-Za-z][A-Za-z0-9_.]*)\s*\(")


def functions(formula: str) -> set[str]:
    """Function names a formula calls (string literals removed first), upper-cased."""
    return {m.group(1).upper() for m in _FUNC.finditer(_STRING.sub('""', formula))}


def a1(row: int, col: int) -> str:
    """1-based row/col -> A1."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


# -- entered data (test_gnumeric, test_random_plans) ------------------------------------------
Row = list[Any]


def random_actuals(plan: Plan, solution: Solution, seed: int) -> tuple[dict[str, Row], int]:
    """Actuals a user might enter and the closed months: blank months in the middle, an
    entered 0, text in one cell (counts as blank), an early next-month figure of one KPI, funnel
    counts without rates (observed rates)."""
    sched = schedule(solution)
    rng = random.Random(seed)
    n = plan.months
    closed = max(1, min(n - 1, rng.randint(2, max(2, n - 2)))) if n > 1 else 1
    funnel = {s for f in plan.funnels for s in f.stages}
    rates = {k for k, nd in plan.nodes.items() if nd.kind == "assumption" and nd.is_rate}
    rows: dict[str, Row] = {}
    for k, node in plan.nodes.items():
        if k != plan.kgi and k not in funnel and (k in rates or rng.random() < 0.5):
            continue
        row: Row = [None] * n
        for m in range(closed):
            if (k == plan.kgi and m == closed - 1) or rng.random() < 0.8:
                t = sched[k].monthly[m]
                v = t * rng.uniform(0.6, 1.3)
                row[m] = float(round(v)) if node.whole else round(v, 2)
        rows[k] = row
    keys = list(rows)
    rows[rng.choice(keys)][rng.randrange(closed)] = 0.0
    rows[rng.choice(keys)][rng.randrange(closed)] = "n/a"
    others = [k for k in keys if k != plan.kgi]
    if others and closed < n:
        rows[rng.choice(others)][closed] = 2.0  # early figure: must not move the as-of month
    return rows, closed


def numbers(rows: Mapping[str, Row]) -> dict[str, list[float | None]]:
    return {k: [v if isinstance(v, int | float) else None for v in r] for k, r in rows.items()}


def write_actuals(src: Path, dst: Path, rows: Mapping[str, Row], asof: dt.date | None) -> None:
    wb = openpyxl.load_workbook(src)
    names = defined_names(wb)
    for k, row in rows.items():
        ref = names[f"act_{k}"]
        for (r, c), v in zip(ref.cells, row, strict=True):
            wb[ref.sheet].cell(row=r, column=c).value = v
    if asof is not None:
        ref = names["in_asof"]
        r, c = ref.cells[0]
        wb[ref.sheet].cell(row=r, column=c).value = asof
    wb.save(dst)
