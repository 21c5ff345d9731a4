"""The Dashboard's gap-attribution block equals the engine's ``attribute`` after LibreOffice
recalculation, with actuals entered."""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest

from kpixl import load, solve
from kpixl.app.build import write
from kpixl.engine.compute import schedule, track
from kpixl.layout.context import Context
from kpixl.layout.gap_block import _rows
from kpixl.layout.labels import label, sheet_name

ROOT = Path(__file__).parent.parent
PLANS = [ROOT / "tests/plans/engine/worked_example.yaml",
         ROOT / "templates/sales_funnel.ja.yaml",
         ROOT / "templates/field_sales.en.yaml"]


def _fill(path: Path, plan, seed: int, asof: int) -> dict[str, list[float | None]]:
    """Enter positive actuals for every node in months 1..asof (every month reported, so that
    the trees split; blank months are covered by test_liveness and test_gnumeric)."""
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(path)
    actuals: dict[str, list[float | None]] = {}
    for node_id, node in plan.nodes.items():
        (sheet, coord), = wb.defined_names[f"act_{node_id}"].destinations
        cells = wb[sheet][coord.replace("$", "")][0]
        row: list[float | None] = [None] * plan.months
        for m in range(asof):
            if rng.random() < 1.0:
                row[m] = rng.uniform(0.05, 0.95) if node.unit == "%" else float(rng.randint(1, 90))
                cells[m].value = row[m]
        actuals[node_id] = row
    (sheet, coord), = wb.defined_names["in_asof"].destinations
    wb[sheet][coord.replace("$", "")].value = asof
    wb.save(path)
    return actuals


@pytest.fixture(scope="module")
def cases(tmp_path_factory, recalc):
    out = []
    folder = tmp_path_factory.mktemp("gap")
    for i, plan_path in enumerate(PLANS):
        plan = load(plan_path)
        solution = solve(plan)
        path = folder / f"gap{i}.xlsx"
        write(solution, path)
        actuals = _fill(path, plan, seed=i, asof=6)
        out.append((plan, solution, actuals, path))
    recalculated = recalc(*[c[3] for c in out])
    return [(*c[:3], r) for c, r in zip(out, recalculated, strict=True)]


def _block(path: Path, plan) -> list[list[object]]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[sheet_name("dashboard", plan.locale)]
    title = label("gap_title", plan.locale)
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == title)
    return [[ws.cell(r, c).value for c in range(2, 9)] for r in range(top + 2, ws.max_row + 1)]


def test_gap_shares_and_cause_match_the_engine(cases):
    split_somewhere = 0
    for plan, solution, actuals, path in cases:
        exp = track(solution, schedule(solution), actuals, None, 6).gap
        rows = _rows(Context(plan=plan, solution=solution))
        got = _block(path, plan)  # name, A, T, share, leaf share, actuals needed
        assert exp.gap is not None and exp.gap != 0
        once = {n for n, *_ in rows if [r[0] for r in rows].count(n) == 1}
        for (node_id, _depth, _parent), cells in zip(rows, got, strict=False):
            share = cells[3]
            if node_id in exp.shares and node_id in once:
                assert share == pytest.approx(exp.shares[node_id], rel=1e-9, abs=1e-6), node_id
            elif node_id not in exp.shares:
                assert share in (None, ""), node_id
        split_somewhere += len(exp.shares) > 1
        unexplained = got[len(rows)][4]
        assert unexplained == pytest.approx(exp.unexplained, rel=1e-9, abs=1e-6)
        leaves = [c[4] for c in got[:len(rows)] if isinstance(c[4], int | float)]
        assert sum(leaves) + unexplained == pytest.approx(exp.gap, rel=1e-9)
        cause_row = got[len(rows) + 2]
        exp_name = plan.nodes[exp.cause].name if exp.cause else None
        assert (cause_row[1] or "").strip("　") == (exp_name or ""), cause_row
    assert split_somewhere >= 2  # the trees really split, not only the KGI row
