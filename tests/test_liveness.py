"""The workbook is live: change its inputs, recalculate, and it shows the engine's numbers for the
changed plan.

Built workbooks are opened with openpyxl (formulas kept) and edited as a user would: random
actuals (some months, some nodes, an entered 0, text in one cell that must be ignored, a value
after an explicit as-of month that must not count), random overrides, the as-of month (blank and
explicit), an assumption (a rate), a root target, a seasonality weight, the thresholds, and where
the plan has them a split share and a baseline. Every edited copy is recalculated in ONE
LibreOffice run; the engine runs on the same changed plan (``dataclasses.replace`` on Plan/Node,
then solve, schedule and track with the entered actuals, overrides and as-of month), and the test
compares every contract name, the Tracking sheet cells (mapped through ``act_X``), and finally
every formula cell of the layout the engine would lay out for the changed plan.

openpyxl drops charts and buttons: these copies are never shipped, only recalculated.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import openpyxl
import pytest
import wbtools

from kpixl.engine.compute import NodeSchedule, Tracking, schedule, track
from kpixl.engine.solve import Solution, solve
from kpixl.errors import PlanError
from kpixl.layout import build_layout, sheets_plan
from kpixl.layout.context import Context
from kpixl.model import Plan, Thresholds

pytestmark = pytest.mark.libreoffice

#: (plan, seed, as-of mode, inputs set on top of the random edits): a handful of workbooks, all
#: recalculated in one soffice call.
SCENARIOS: list[tuple[str, int, str, dict[str, float]]] = [
    ("spec:worked_example", 11, "blank", {}),
    ("spec:worked_example", 12, "explicit", {"churn": 0.06}),  # retained 40 x 0.94 -> 37
    ("template:sales_funnel.en", 21, "blank", {}),
    ("template:sales_funnel.ja", 22, "explicit", {}),
    ("template:sales_funnel.en", 23, "explicit", {"revenue": 0.0}),  # a target of 0
    ("good:full", 31, "explicit", {}),
    ("good:full", 32, "blank", {}),
    ("template:saas_revenue.en", 41, "explicit", {}),
    ("template:saas_revenue.en", 42, "blank", {"expansion_rate": 0.6}),  # new ARR over-covered
    ("template:customer_success.en", 51, "zero", {}),
    ("extra:edge_cases", 61, "explicit", {}),
    ("extra:edge_cases", 62, "blank", {"conversion": 0.3}),
]
IDS = [f"{k}-{seed}-{mode}" for k, seed, mode, _ in SCENARIOS]

Cell = float | str | None  # what a user typed: a number, text, or nothing


@dataclass
class Edits:
    """What a user changed in the workbook."""

    actuals: dict[str, list[Cell]] = field(default_factory=dict)
    overrides: dict[str, list[Cell]] = field(default_factory=dict)
    asof: int | None = None
    values: dict[str, float] = field(default_factory=dict)  # in_X: assumption value, root target
    weights: list[float] | None = None
    thresholds: tuple[float, float] | None = None
    shares: dict[tuple[str, str], float] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)

    def engine_actuals(self) -> dict[str, list[float | None]]:
        """Text in an actual cell counts as blank."""
        return _numbers(self.actuals)

    def engine_overrides(self) -> dict[str, list[float | None]]:
        return _numbers(self.overrides)


def _numbers(rows: Mapping[str, list[Cell]]) -> dict[str, list[float | None]]:
    return {k: [v if isinstance(v, int | float) else None for v in row]
            for k, row in rows.items()}


def changed_plan(plan: Plan, e: Edits) -> Plan:
    nodes = {}
    for k, node in plan.nodes.items():
        ch: dict[str, Any] = {}
        if k in e.values:
            ch["value" if node.kind == "assumption" else "target"] = e.values[k]
        if node.split is not None and any(n == k for n, _ in e.shares):
            ch["split"] = MappingProxyType({op: e.shares.get((k, op), s)
                                            for op, s in node.split.items()})
        if k in e.baselines:
            ch["baseline"] = e.baselines[k]
        nodes[k] = dataclasses.replace(node, **ch) if ch else node
    ch_plan: dict[str, Any] = {"nodes": MappingProxyType(nodes)}
    if e.weights is not None:
        ch_plan["seasonality"] = tuple(e.weights)
    if e.thresholds is not None:
        ch_plan["thresholds"] = Thresholds(on_track=e.thresholds[0], at_risk=e.thresholds[1])
    return dataclasses.replace(plan, **ch_plan)


def _actual_value(rng: random.Random, plan: Plan, k: str, target: float) -> float:
    node = plan.nodes[k]
    if node.is_rate:
        lo, hi = node.effective_bounds or (0.0, 1.0)
        return round(min(hi, max(lo, target * rng.uniform(0.7, 1.2))), 4)
    v = target * rng.uniform(0.5, 1.4)
    if node.whole:
        return float(round(v))
    return round(v, rng.choice([0, 2, 3]))


def make_edits(plan: Plan, sol: Solution, sched: Mapping[str, NodeSchedule], rng: random.Random,
               mode: str) -> Edits:
    n = plan.months
    e = Edits()
    closed = rng.randint(2, n - 1)
    funnel_nodes = {s for f in plan.funnels for s in f.stages}
    for k in plan.nodes:
        if k != plan.kgi and k not in funnel_nodes and rng.random() < 0.5:
            continue
        row: list[Cell] = [None] * n
        for m in range(closed):
            if rng.random() < 0.85:
                row[m] = _actual_value(rng, plan, k, sched[k].monthly[m])
        e.actuals[k] = row
    keys = list(e.actuals)
    e.actuals[rng.choice(keys)][rng.randrange(closed)] = 0.0  # an entered 0 is data
    e.actuals[rng.choice(keys)][rng.randrange(closed)] = "n/a"  # text is ignored
    if mode == "explicit":
        e.asof = closed - 1
        k = rng.choice(keys)
        e.actuals[k][closed] = 5.0  # after asof: must not count
    elif mode == "zero":
        e.asof = 0
    else:  # blank: an early next-month figure of one KPI must not move the as-of month
        others = [k for k in keys if k != plan.kgi]
        if others and closed < n:
            e.actuals[rng.choice(others)][closed] = 3.0
    for _ in range(3):
        k = rng.choice(list(plan.nodes))
        e.overrides.setdefault(k, [None] * n)[rng.randrange(n)] = rng.choice(
            [0.0, float(round(sched[k].monthly[0] * 1.5 + 1))])
    k = rng.choice(list(plan.nodes))
    e.overrides.setdefault(k, [None] * n)[rng.randrange(n)] = "later"  # text is ignored
    for k, node in plan.nodes.items():
        if node.signed and k in e.actuals:
            e.actuals[k][0] = -round(abs(sched[k].monthly[0]) / 3, 2)  # a loss is data
    rates = [k for k, nd in plan.nodes.items() if nd.kind == "assumption" and nd.is_rate]
    if rates:
        k = rng.choice(rates)
        v = plan.nodes[k].value
        assert v is not None
        e.values[k] = round(min(1.0, v * rng.uniform(0.8, 1.2)), 3)
    roots = [k for k in sol.roots if plan.nodes[k].target is not None]
    k = rng.choice(roots)
    target = plan.nodes[k].target
    assert target is not None
    e.values[k] = float(round(target * rng.uniform(0.7, 1.5)))
    w = list(plan.weights)
    j = rng.randrange(n)
    w[j] = round(w[j] * 2 + 0.5, 2)
    e.weights = w
    e.thresholds = rng.choice([(1.05, 0.95), (0.95, 0.8), (1.0, 0.85)])
    for k, node in plan.nodes.items():
        if node.split is not None:
            (a, sa), (b, sb) = list(node.split.items())[:2]
            d = rng.choice([-0.1, 0.1])
            if 0 <= sa + d <= 1 and 0 <= sb - d <= 1:
                e.shares[(k, a)] = round(sa + d, 10)
                e.shares[(k, b)] = round(sb - d, 10)
        if node.baseline is not None and node.aggregate == "last":
            e.baselines[k] = float(round(node.baseline * 1.1))
    return e


def input_positions(plan: Plan, sol: Solution) -> tuple[dict[tuple[str, str], Any],
                                                        dict[str, Any]]:
    """Where the Inputs sheet puts split shares and baselines (they have no defined name)."""
    ctx = Context(plan=plan, solution=sol)
    sheets_plan.inputs(ctx)
    return dict(ctx.share_refs), dict(ctx.baseline_refs)


def apply_edits(src: Path, dst: Path, plan: Plan, sol: Solution, e: Edits) -> Path:
    wb = openpyxl.load_workbook(src)
    names = wbtools.defined_names(wb)

    def cells(name: str) -> list[Any]:
        ref = names[name]
        return [wb[ref.sheet].cell(row=r, column=c) for r, c in ref.cells]

    for k, row in e.actuals.items():
        for cell, v in zip(cells(f"act_{k}"), row, strict=True):
            cell.value = v
    for k, orow in e.overrides.items():
        for cell, ov in zip(cells(f"ovr_{k}"), orow, strict=True):
            cell.value = ov
    cells("in_asof")[0].value = e.asof
    for k, val in e.values.items():
        cells(f"in_{k}")[0].value = val
    if e.weights is not None:
        for cell, wv in zip(cells("in_seasonality"), e.weights, strict=True):
            cell.value = wv
    if e.thresholds is not None:
        cells("in_on_track")[0].value, cells("in_at_risk")[0].value = e.thresholds
    shares, bases = input_positions(plan, sol)
    for key, share in e.shares.items():
        ref = shares[key]
        wb[ref.sheet].cell(row=ref.row + 1, column=ref.col + 1).value = share
    for k, base in e.baselines.items():
        ref = bases[k]
        wb[ref.sheet].cell(row=ref.row + 1, column=ref.col + 1).value = base
    wb.save(dst)
    return dst


@dataclass
class Scenario:
    key: str
    plan: Plan  # as edited
    solution: Solution
    sched: dict[str, NodeSchedule]
    tracking: Tracking
    edits: Edits
    path: Path
    recalculated: Path | None = None


def make_scenario(books: Mapping[str, Any], key: str, seed: int, mode: str,
                  values: Mapping[str, float], folder: Path) -> Scenario:
    b = wbtools.get(books, key)
    rng = random.Random(seed)
    for _ in range(30):  # edits that keep the plan solvable (a rate can overshoot a bound)
        e = make_edits(b.plan, b.solution, b.sched, rng, mode)
        e.values.update(values)
        plan = changed_plan(b.plan, e)
        try:
            sol = solve(plan)
        except PlanError:
            continue
        break
    else:
        raise AssertionError(f"{key}: no solvable edits in 30 tries")
    sched = schedule(sol)
    trk = track(sol, sched, e.engine_actuals(), e.engine_overrides(), e.asof)
    path = apply_edits(b.path, folder / f"{wbtools.file_stem(key)}-{seed}.xlsx", b.plan,
                       b.solution, e)
    return Scenario(key, plan, sol, sched, trk, e, path)


@pytest.fixture(scope="module")
def scenarios(kpixl_workbooks: Mapping[str, Any], recalc: Callable[..., list[Path]],
              tmp_path_factory: pytest.TempPathFactory) -> list[Scenario]:
    folder = tmp_path_factory.mktemp("liveness")
    out = [make_scenario(kpixl_workbooks, k, seed, mode, values, folder)
           for k, seed, mode, values in SCENARIOS]
    for s, r in zip(out, recalc(*[s.path for s in out]), strict=True):
        s.recalculated = r
    return out


def _got(s: Scenario) -> wbtools.Snapshot:
    assert s.recalculated is not None
    return wbtools.snapshot(s.recalculated)


# -- the tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("i", range(len(SCENARIOS)), ids=IDS)
def test_edits_took_effect_in_the_engine_and_the_workbook(scenarios: list[Scenario],
                                                          i: int) -> None:
    s = scenarios[i]
    got = _got(s).named

    def last(r: list[Cell]) -> int:
        return max((m + 1 for m, v in enumerate(r) if isinstance(v, int | float)), default=0)

    kgi_last = last(s.edits.actuals.get(s.plan.kgi, []))  # plan-format.md "As-of": the KGI's
    any_last = max((last(r) for r in s.edits.actuals.values()), default=0)
    exp = s.edits.asof if s.edits.asof is not None else (kgi_last or any_last)
    assert s.tracking.asof == exp
    assert got["asof"] == exp
    for k, v in s.edits.values.items():
        assert got[f"in_{k}"] == v
    for k, row in s.edits.actuals.items():
        assert wbtools.same(row, got[f"act_{k}"]), k
    for k, orow in s.edits.overrides.items():
        assert wbtools.same(orow, got[f"ovr_{k}"]), k
    assert got["in_asof"] == s.edits.asof


@pytest.mark.parametrize("i", range(len(SCENARIOS)), ids=IDS)
def test_contract_names_equal_the_engine_on_the_changed_plan(scenarios: list[Scenario],
                                                             i: int) -> None:
    s = scenarios[i]
    exp = wbtools.expected_names(s.plan, s.solution, s.sched, s.tracking)
    got = _got(s).named

    assert wbtools.diff(exp, got, wbtools.exact_names(s.plan)) == []


@pytest.mark.parametrize("i", range(len(SCENARIOS)), ids=IDS)
def test_tracking_sheet_cells_equal_the_engine_on_the_changed_plan(scenarios: list[Scenario],
                                                                   i: int) -> None:
    s = scenarios[i]
    snap = _got(s)
    labels = wbtools.STATUS_LABELS[s.plan.locale]
    n, nq = s.plan.months, len(s.plan.period.quarters)
    bad = []

    def check(what: str, sheet: str, row: int, col: int, exp: Any, exact: bool = False) -> None:
        got = snap.value(sheet, row, col)
        exact = exact or wbtools.whole_value(exp)
        if not wbtools.same(exp, got, exact=exact):
            bad.append(f"{what} ({wbtools.a1(row, col)}): engine {exp!r}, LibreOffice {got!r}")

    def label(key: str | None) -> str | None:
        return None if key is None else labels[wbtools.STATUS_INDEX[key]]

    for k in s.plan.nodes:
        nt, ref = s.tracking.nodes[k], snap.names[f"act_{k}"]
        sh, r = ref.sheet, ref.row0  # rows: target r-1, actual r, achievement, status, catch-up
        for m in range(n):
            c = ref.col0 + m
            check(f"{k} target m{m + 1}", sh, r - 1, c, nt.effective[m])
            check(f"{k} achievement m{m + 1}", sh, r + 1, c, nt.month_achievement[m])
            check(f"{k} status m{m + 1}", sh, r + 2, c, label(nt.month_status[m]), True)
            if s.plan.nodes[k].aggregate == "sum":
                check(f"{k} catch-up m{m + 1}", sh, r + 3, c, nt.catch_up[m])
        for q in range(nq):
            c = ref.col1 + 1 + q
            check(f"{k} Q{q + 1} target", sh, r - 1, c, nt.quarter_target[q])
            check(f"{k} Q{q + 1} actual", sh, r, c, nt.quarter_actual[q])
            check(f"{k} Q{q + 1} achievement", sh, r + 1, c, nt.quarter_achievement[q])
            check(f"{k} Q{q + 1} status", sh, r + 2, c, label(nt.quarter_status[q]), True)
        c = ref.col1 + nq + 1
        check(f"{k} YTD target", sh, r - 1, c, nt.ytd_target)
        check(f"{k} YTD status", sh, r + 2, c, label(nt.status), True)
        check(f"{k} last entered", sh, r, c + 2, nt.last_entered, True)

    assert bad == [], f"{len(bad)} cells differ:\n" + "\n".join(bad[:40])


def engine_layout(s: Scenario) -> Any:
    """The layout the engine draws for the changed plan with the entered data."""
    return build_layout(s.solution, actuals=s.edits.engine_actuals(),
                        overrides=s.edits.engine_overrides(), asof=s.edits.asof)


_CHART_ACTUAL = re.compile(r"^IF\((\d+)>asof,NA\(\),IF\(.*act_([a-z][a-z0-9_]*)\b")


def chart_actual(s: Scenario, formula: str) -> Any:
    """The Dashboard's chart row of actuals (the layout caches its build-time #N/A there)."""
    m = _CHART_ACTUAL.match(formula)
    assert m is not None, formula
    month, node = int(m.group(1)), m.group(2)
    row = s.edits.engine_actuals().get(node, [None] * s.plan.months)
    if month > s.tracking.asof:
        return "#N/A"
    if "SUMIFS(" in formula:
        entered = [x for x in row[:month] if x is not None]
        return sum(entered) if entered else "#N/A"
    return "#N/A" if row[month - 1] is None else row[month - 1]


@pytest.mark.parametrize("i", range(len(SCENARIOS)), ids=IDS)
def test_every_formula_cell_equals_the_engine_layout_of_the_changed_plan(
        scenarios: list[Scenario], i: int) -> None:
    s = scenarios[i]
    snap = _got(s)
    layout = engine_layout(s)
    bad, n = [], 0

    for sheet in layout.sheets:
        for (r, c), cell in sheet.cells.items():
            if cell.formula is None:
                continue
            n += 1
            exp = chart_actual(s, cell.formula) if "NA()" in cell.formula else cell.cached
            got = snap.value(sheet.name, r + 1, c + 1)
            if not wbtools.same(exp, got, exact=wbtools.whole_value(exp)):
                bad.append(f"{sheet.name}!{wbtools.a1(r + 1, c + 1)}: engine {exp!r}, "
                           f"LibreOffice {got!r}  (={cell.formula[:140]})")

    assert n > 300
    assert bad == [], f"{len(bad)} of {n} formula cells differ:\n" + "\n".join(bad[:40])
