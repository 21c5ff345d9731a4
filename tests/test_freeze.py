"""``kpixl update`` keeps the closed months' published targets (cli.md; plan-format.md
"Periods", frozen months) and ``--replan-closed`` opts out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import wbtools
import yaml
from conftest import run_kpixl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.app.build import write
from kpixl.app.update import rebuild, update
from kpixl.engine.solve import solve
from kpixl.model.loader import load
from kpixl.xlsx.reader import read_workbook

SEED = Path(__file__).parent / "plans" / "good" / "seed.yaml"


def _workbook(tmp: Path, months_closed: int, orders: list[float]) -> tuple[Path, Path]:
    """The seed plan built, with orders entered for the closed months (via actuals import's
    path: the same plan, nothing frozen yet)."""
    plan_path = tmp / "plan.yaml"
    plan_path.write_text(SEED.read_text("utf-8"), "utf-8")
    plan = load(plan_path)
    wb = write(solve(plan), tmp / "plan.xlsx")
    labels = plan.period.labels()
    new = {("orders", labels[m]): orders[m] for m in range(months_closed)}
    rebuild(read_workbook(wb), plan, wb, new_actuals=new, backup=False, freeze_closed=False)
    return plan_path, wb


def _retarget(plan_path: Path, revenue: float) -> None:
    d = yaml.safe_load(plan_path.read_text("utf-8"))
    d["kpis"]["revenue"]["target"] = revenue
    plan_path.write_text(yaml.safe_dump(d, allow_unicode=True), "utf-8")


def _named(path: Path) -> dict[str, Any]:
    wbtools.snapshot.cache_clear()
    return wbtools.snapshot(path).named


def test_raising_the_target_mid_year_keeps_the_closed_months(tmp_path: Path) -> None:
    # 12 orders (1 a month) -> 24 after June: April..June stay 1, the other 21 go to the 9 open
    # months by cumulative rounding of 21 k / 9: 2, 3, 2, 2, 3, 2, 2, 3, 2
    plan_path, wb = _workbook(tmp_path, 3, [1, 2, 1])
    _retarget(plan_path, 240_000_000)
    res = update(plan_path, wb, backup=False)
    got = _named(wb)
    assert got["tgt_orders"] == [1, 1, 1, 2, 3, 2, 2, 3, 2, 2, 3, 2]
    assert got["frz_orders"][:4] == [1, 1, 1, None]
    assert any("2026-04" in line and "2026-06" in line for line in res.frozen)


def test_replan_closed_rebuilds_the_closed_months(tmp_path: Path) -> None:
    plan_path, wb = _workbook(tmp_path, 3, [1, 2, 1])
    _retarget(plan_path, 240_000_000)
    update(plan_path, wb, backup=False, replan_closed=True)
    got = _named(wb)
    assert got["tgt_orders"] == [2] * 12
    assert got["frz_orders"] == [None] * 12


def test_cli_prints_what_it_froze_in_the_plans_language(tmp_path: Path) -> None:
    plan_path, wb = _workbook(tmp_path, 2, [1, 1])
    _retarget(plan_path, 180_000_000)
    got = run_kpixl("update", plan_path, wb)
    assert got.returncode == 0, got.stderr
    assert "締めた月 2026-04〜2026-05 は公表済みの目標を保持します" in got.stdout
    assert "受注件数: 締めた 2 か月" in got.stdout


def test_a_second_update_keeps_the_first_ones_frozen_months(tmp_path: Path) -> None:
    plan_path, wb = _workbook(tmp_path, 3, [1, 2, 1])
    _retarget(plan_path, 240_000_000)
    update(plan_path, wb, backup=False)
    _retarget(plan_path, 360_000_000)
    update(plan_path, wb, backup=False)
    got = _named(wb)
    assert got["tgt_orders"][:3] == [1, 1, 1]
    assert sum(got["tgt_orders"]) == 36


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(closed=st.integers(1, 11), factor=st.sampled_from([0.5, 0.8, 1.5, 2, 3.3]),
       orders=st.lists(st.integers(0, 3), min_size=11, max_size=11))
def test_no_closed_months_published_target_changes_across_an_update(
        tmp_path_factory: pytest.TempPathFactory, closed: int, factor: float,
        orders: list[int]) -> None:
    tmp = tmp_path_factory.mktemp("freeze")
    plan_path, wb = _workbook(tmp, closed, [float(x) for x in orders])
    before = _named(wb)
    _retarget(plan_path, round(120_000_000 * factor))
    update(plan_path, wb, backup=False)
    after = _named(wb)
    for name in (k for k in before if k.startswith("tgt_")):
        assert after[name][:closed] == before[name][:closed], name
