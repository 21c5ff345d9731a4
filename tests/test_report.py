"""``kpixl report``: the engine's numbers from a workbook alone, in four formats."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import lo
import pytest
from test_reader import FULL, SEED, build, fill

from kpixl.app.report import evaluate_switch, render, report, report_data
from kpixl.engine.compute import schedule, track
from kpixl.engine.gap import attribute
from kpixl.engine.solve import solve
from kpixl.errors import KpixlError
from kpixl.model.loader import load

DEALS = [10, 11, 12, 14, 16, 18, 21, 24, 27, 30]
ORDERS = [3, 3, 4, 4, 5, 5, 5, 5, 6, 5]


def seed_actuals() -> dict[tuple[str, int], float]:
    acts: dict[tuple[str, int], float] = {}
    for m, (d, o) in enumerate(zip(DEALS, ORDERS, strict=True)):
        acts |= {("deals", m): d, ("orders", m): o, ("revenue", m): o * 9_000_000,
                 ("inquiries", m): d * 7, ("appointments", m): d * 2,
                 ("unit_price", m): 9_000_000, ("win_rate", m): o / d}
    return acts


def close(got: list[Any], exp: list[Any]) -> bool:
    """Equal, numbers to 12 digits: openpyxl (which typed the actuals) stores 16 digits."""
    return len(got) == len(exp) and all(
        (g is None and e is None) or (g is not None and e is not None and
                                      math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-9))
        for g, e in zip(got, exp, strict=True))


def engine(plan_path: Path, acts: dict[tuple[str, int], float], asof: int | None = None,
           ovrs: dict[tuple[str, int], float] | None = None) -> Any:
    plan = load(plan_path)
    sol = solve(plan)
    rows = {k: [acts.get((k, m)) for m in range(plan.months)] for k in plan.nodes}
    orow = {k: [(ovrs or {}).get((k, m)) for m in range(plan.months)] for k in plan.nodes}
    return plan, sol, rows, track(sol, schedule(sol), rows, orow, asof)


def test_report_numbers_equal_the_engine(tmp_path: Path) -> None:
    acts = seed_actuals()
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), actuals=acts, overrides={("deals", 2): 20})
    plan, sol, _, exp = engine(SEED, acts, ovrs={("deals", 2): 20})
    got = report_data(wb)
    assert got["asof"] == exp.asof == 10
    for n in got["nodes"]:
        e = exp.nodes[n["id"]]
        assert close([n["ytd_target"], n["ytd_actual"], n["achievement"], n["forecast"]],
                     [e.ytd_target, e.ytd_actual, e.achievement, e.forecast])
        assert n["status"] == e.status
        assert close(list(n["catch_up"].values()), [v for v in e.catch_up if v is not None])
    gap = attribute(plan.kgi, {k: v.formula for k, v in plan.nodes.items()}, sol.determined,
                    "up", {k: t.ytd_actual for k, t in exp.nodes.items()},
                    {k: t.ytd_target for k, t in exp.nodes.items()})
    assert close([got["gap"]["gap"]], [gap.gap])
    assert got["gap"]["cause"] == gap.cause == "win_rate"
    assert list(got["gap"]["shares"]) == list(gap.shares)
    assert close(list(got["gap"]["shares"].values()), list(gap.shares.values()))


def test_report_applies_changed_inputs_and_asof(tmp_path: Path) -> None:
    acts = seed_actuals()
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), actuals=acts,
              inputs={"in_win_rate": 0.3, "in_asof": 4})
    got = report_data(wb)
    by = {n["id"]: n for n in got["nodes"]}
    assert got["asof"] == 4 and by["deals"]["goal"] == 40  # 12 orders at 0.3
    assert report_data(wb, asof=2)["asof"] == 2
    with pytest.raises(KpixlError, match=r"--asof は 0〜12 か 2026-04〜2027-03 の月"):
        report_data(wb, asof=13)


def test_asof_may_name_the_last_closed_month(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), actuals={("orders", m): 1 for m in range(6)})
    start = load(SEED).period
    exp = {f"{start.year}-{start.month:02d}": 1, "3": 3}
    for given, count in exp.items():
        assert report_data(wb, asof=given)["asof"] == count
    for bad in ("1999-01", "2026-13", "June"):
        with pytest.raises(KpixlError, match="--asof"):
            report_data(wb, asof=bad)


def test_the_switch_rule_on_the_domain_notes_example() -> None:
    deals = [20, 20, 20, 25, 25, 25]  # trailing sums 60 -> 75
    orders = [6, 6, 6, 6, 6, 7]  # 18 -> 19
    got = evaluate_switch(deals, orders, asof=6)
    (ev,) = got["evaluations"]
    assert math.isclose(ev["elasticity"], math.log(19 / 18) / math.log(75 / 60))
    assert math.isclose(ev["marginal_rate"], 1 / 15)
    assert got["flag"] and "marginal rate 6.7%" in got["why"]


def test_the_switch_rule_needs_growth_and_five_orders() -> None:
    assert evaluate_switch([20] * 6, [6] * 6, asof=6)["evaluations"] == []  # no growth
    assert evaluate_switch([20, 20, 20, 25, 25, 25], [1] * 6, asof=6)["evaluations"] == []


def test_proportional_growth_is_not_flagged() -> None:
    deals = [10, 10, 10, 12, 12, 12, 15, 15, 15]
    orders = [3, 3, 3, 4, 4, 4, 5, 5, 5]
    got = evaluate_switch(deals, orders, asof=9)
    assert got["evaluations"] and not got["flag"]


def test_the_report_flags_orders_that_stop_following_deals(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), actuals=seed_actuals())
    d = report_data(wb)
    links = {(lk["upper"], lk["lower"]): lk for f in d["funnels"] for lk in f["links"]}
    assert links[("deals", "orders")]["switch"]["flag"]
    assert not links[("appointments", "deals")]["switch"]["flag"]
    assert "受注件数が商談数に比例して伸びていません" in render(d, "text")


def test_json_is_machine_readable_with_numbers_as_numbers(tmp_path: Path) -> None:
    wb = fill(build(FULL, tmp_path / "full.xlsx"), actuals={("deals", 0): 12})
    got = json.loads(report(wb, "json"))
    deals = next(n for n in got["nodes"] if n["id"] == "deals")
    assert deals["ytd_actual"] == 12 and isinstance(deals["ytd_target"], float)


def test_html_is_one_self_contained_page_with_svg_charts(tmp_path: Path) -> None:
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), actuals=seed_actuals())
    page = report(wb, "html")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 5  # KGI + 4 stages
    assert "<script" not in page and "<link" not in page and "src=" not in page


def test_text_and_markdown_show_status_and_cause(tmp_path: Path) -> None:
    wb = fill(build(FULL, tmp_path / "full.xlsx"), actuals={("deals", 0): 12})
    text, md = report(wb, "text"), report(wb, "markdown")
    assert "As of: 2026-01 (1 closed months)" in text
    assert md.startswith("# Full plan") and "| KPI | Goal |" in md


def test_an_empty_workbook_reports_no_actuals(tmp_path: Path) -> None:
    text = report(build(SEED, tmp_path / "seed.xlsx"))
    assert "実績が未入力です" in text


@pytest.mark.libreoffice
def test_report_equals_the_workbook_after_libreoffice_recalculation(tmp_path: Path,
                                                                    recalc: Any) -> None:
    wb = fill(build(SEED, tmp_path / "seed.xlsx"), actuals=seed_actuals(),
              overrides={("orders", 4): 2}, inputs={"in_asof": 9, "in_deal_rate": 0.55})
    d = report_data(wb)
    (out,) = recalc(wb)
    named = lo.named_values(out)
    exp = {}
    for n in d["nodes"]:
        for key in ("ytd_actual", "achievement", "forecast"):
            exp[f"{ {'ytd_actual': 'ytd', 'achievement': 'ach', 'forecast': 'fc'}[key]}_"
                f"{n['id']}"] = n[key]
        exp[f"kpi_{n['id']}"] = n["planned"]
    got = {k: (None if named[k] == "" else named[k]) for k in exp}
    assert lo.diff_values(exp, got) == []


def test_a_leaf_that_could_split_says_which_actuals_are_missing(tmp_path: Path) -> None:
    acts = {k: v for k, v in seed_actuals().items() if k[0] != "unit_price"}
    d = report_data(fill(build(SEED, tmp_path / "seed.xlsx"), actuals=acts))
    assert d["gap"]["missing"] == {"revenue": ["unit_price"]}
    assert "売上高をさらに分解するには、次の実績を入力してください：顧客単価" in render(d)
