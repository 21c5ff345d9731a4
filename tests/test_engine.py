"""The engine on the spec's examples: plan-format.md's seed funnel and the domain notes' worked
example (section 8) as exact numbers, where the spec defines them.

Where the notes use a rule the spec does not have (largest remainder, linear or plan-based
forecasts, the Japanese price/volume convention), the spec's rule is tested instead: cumulative
rounding, the seasonal run rate, LMDI.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kpixl.engine.compute import NodeSchedule, Tracking, confidence_counts, funnel_links, track
from kpixl.engine.gap import attribute
from kpixl.engine.solve import Solution, solve
from kpixl.model.loader import loads

WORKED = Path(__file__).parent / "plans" / "engine" / "worked_example.yaml"
Schedule = dict[str, NodeSchedule]
ORDERS_ACTUAL = (1, 0, 1, 0, 1, 1, None, None, None, None, None, None)  # Apr..Sep entered


def totals(solution: Solution, *ids: str) -> list[float]:
    return [solution.nodes[n].total for n in ids]


# -- the seed example (plan-format.md) ----------------------------------------------------------


def test_seed_funnel_back_calculates_12_30_60_200(seed_solution: Solution) -> None:
    exp = [12, 30, 60, 200]
    got = totals(seed_solution, "orders", "deals", "appointments", "inquiries")
    assert got == exp


def test_seed_root_planned_value_equals_its_target(seed_solution: Solution) -> None:
    revenue = seed_solution.nodes["revenue"]
    assert (revenue.role, revenue.goal, revenue.total) == ("root", 120_000_000, 120_000_000)


def test_seed_solved_stages_round_up(seed_solution: Solution) -> None:
    exp = {"orders": "up", "deals": "up", "appointments": "up", "inquiries": "up"}
    got = {n: seed_solution.nodes[n].rounding for n in exp}
    assert got == exp


# -- the worked example: the tree --------------------------------------------------------------


def test_worked_example_tree_is_50_38_12_40_67_192(worked_solution: Solution) -> None:
    exp = [50, 38, 12, 40, 67, 192]
    got = totals(worked_solution, "customers", "retained", "new", "deals", "appointments",
                 "inquiries")
    assert got == exp


def test_worked_example_roles(worked_solution: Solution) -> None:
    exp = {"revenue": "root", "customers": "solved", "retained": "determined", "new": "solved",
           "unit_price": "assumption", "inquiries": "solved"}
    got = {n: worked_solution.nodes[n].role for n in exp}
    assert got == exp


def test_retained_is_determined_and_rounded_down(worked_solution: Solution) -> None:
    retained = worked_solution.nodes["retained"]
    assert "retained" in worked_solution.determined
    assert (retained.total, retained.rounding) == (38, "down")  # floor(40 x 0.95 = 38.0)


def test_retained_rounds_down_with_six_percent_churn() -> None:
    text = _worked_text().replace("value: 0.05", "value: 0.06")
    got = solve(loads(text, "w.yaml"))
    assert totals(got, "retained", "new") == [37, 13]  # floor(37.6); 50 - 37


def test_worked_example_root_plans_its_target(worked_solution: Solution) -> None:
    revenue = worked_solution.nodes["revenue"]
    assert (revenue.goal, revenue.total) == (60_000_000, 60_000_000)  # 50 x 1,200,000


def test_forward_check_of_the_funnel_reaches_the_target(worked_solution: Solution) -> None:
    # 192 -> 67.2 -> 40.32 -> 12.096 orders
    got = worked_solution.nodes["inquiries"].total * 0.35 * 0.6 * 0.3
    assert got == pytest.approx(12.096)
    assert got >= 12


def test_worked_example_has_no_warnings(worked_solution: Solution) -> None:
    assert worked_solution.warnings == ()


# -- monthly rows and carry-in -----------------------------------------------------------------


def test_orders_monthly_use_cumulative_rounding(worked_schedule: Schedule) -> None:
    exp = (1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 2)  # not largest remainder's 1,1,1,1,0,...
    got = worked_schedule["new"].monthly
    assert got == exp


def test_deals_monthly_follow_orders_two_months_later(worked_schedule: Schedule) -> None:
    exp = (3, 3, 2, 5, 3, 3, 4, 2, 3, 7, 2, 3)
    got = worked_schedule["deals"].monthly
    assert got == exp
    assert sum(got) == 40


def test_deals_shape_is_the_order_shape_shifted_two_months(worked_schedule: Schedule) -> None:
    exp = (8, 8, 5, 11, 8, 8, 9, 6, 8, 16, 6, 7)
    assert worked_schedule["deals"].shape == exp


def test_appointments_monthly_inherit_the_lagged_shape(worked_schedule: Schedule) -> None:
    exp = (5, 6, 3, 7, 6, 5, 6, 4, 6, 10, 4, 5)
    got = worked_schedule["appointments"].monthly
    assert got == exp
    assert sum(got) == 67


def test_inquiries_monthly_inherit_the_lagged_shape(worked_schedule: Schedule) -> None:
    exp = (15, 16, 9, 21, 16, 15, 17, 12, 15, 31, 12, 13)
    got = worked_schedule["inquiries"].monthly
    assert got == exp
    assert sum(got) == 192


def test_deals_carry_in_is_six_open_deals(worked_schedule: Schedule) -> None:
    # Feb-Mar 2025 deals feed Apr-May orders: 40 x (6 + 7) / 100 = 5.2 -> 6.
    got = worked_schedule["deals"].carry_in
    assert got == 6


def test_only_the_operand_of_the_lagged_node_has_a_carry_in(worked_schedule: Schedule) -> None:
    exp = {"deals": 6}
    got = {n: s.carry_in for n, s in worked_schedule.items() if s.carry_in is not None}
    assert got == exp


def test_revenue_monthly_split_by_seasonality(worked_schedule: Schedule) -> None:
    got = worked_schedule["revenue"].monthly
    assert got[0] == pytest.approx(3_600_000)  # 60M x 6 / 100
    assert got[-1] == pytest.approx(9_600_000)
    assert sum(got) == pytest.approx(60_000_000)


def test_unit_price_and_rates_are_the_same_every_month(worked_schedule: Schedule) -> None:
    assert set(worked_schedule["unit_price"].monthly) == {1_200_000}
    assert set(worked_schedule["win_rate"].monthly) == {0.3}


# -- tracking at the end of September ---------------------------------------------------------


@pytest.fixture(scope="module")
def september(worked_solution: Solution, worked_schedule: Schedule) -> Tracking:
    return track(worked_solution, worked_schedule, {"new": ORDERS_ACTUAL})


def test_asof_resolves_to_september_from_the_actuals(september: Tracking) -> None:
    assert september.asof == 6


def test_september_ytd_target_5_actual_4(september: Tracking) -> None:
    got = september.nodes["new"]
    assert (got.ytd_target, got.ytd_actual) == (5, 4)


def test_september_achievement_80_percent_off_track(september: Tracking) -> None:
    got = september.nodes["new"]
    assert got.achievement == pytest.approx(0.8)
    assert got.status == "off_track"


def test_september_seasonal_forecast(september: Tracking) -> None:
    exp = 4 * 100 / 45  # YTD x C_n / C_asof = 8.888...
    got = september.nodes["new"].forecast
    assert got == pytest.approx(exp, rel=1e-12)


def test_september_catch_up_respreads_8_orders(september: Tracking) -> None:
    exp = (None,) * 6 + (1, 1, 2, 1, 1, 2)
    got = september.nodes["new"].catch_up
    assert got == exp
    assert sum(got[6:]) == 8


def test_september_month_statuses(september: Tracking) -> None:
    # July's target is 0: no achievement; later months are not closed.
    exp = ("on_track", "off_track", "on_track", None, "on_track", "on_track") + (None,) * 6
    got = september.nodes["new"].month_status
    assert got == exp


def test_september_observed_rates_blank_without_funnel_actuals(september: Tracking) -> None:
    assert set(september.observed.values()) == {None}


# -- funnels and confidence --------------------------------------------------------------------


def test_funnel_links_carry_the_rates_and_the_lag(worked_solution: Solution) -> None:
    exp = [("inquiries", "appointments", 0), ("appointments", "deals", 0), ("deals", "new", 2)]
    got = [(lk.upper, lk.lower, lk.lag) for lk in funnel_links(worked_solution)]
    assert got == exp


def test_confidence_counts_of_the_worked_funnel() -> None:
    # Domain notes section 7: 12 orders at 80% need 48 deals (p = 0.3) and 233 inquiries.
    text = _worked_text().replace("kgi: revenue", "confidence: 0.8\nkgi: revenue")
    got = confidence_counts(solve(loads(text, "w.yaml")))
    exp = {("sales", "new"): 12, ("sales", "deals"): 48, ("sales", "appointments"): 81,
           ("sales", "inquiries"): 233}
    assert got == exp


@pytest.mark.parametrize(("win_rate", "exp"), [(0.25, 58), (0.3, 48), (0.5, 28)])
def test_deals_for_80_percent_confidence_follow_the_table(win_rate: float, exp: int) -> None:
    # plan-format.md "Uncertainty" / domain notes section 7, for 12 orders at c = 0.8.
    text = _worked_text().replace("value: 0.3}", f"value: {win_rate}}}")
    text = text.replace("sales: [inquiries, appointments, deals, new]",
                        "sales: {stages: [inquiries, appointments, deals, new], confidence: 0.8}")
    got = confidence_counts(solve(loads(text, "w.yaml")))
    assert got[("sales", "deals")] == exp


def test_no_confidence_counts_without_a_confidence(worked_solution: Solution) -> None:
    assert confidence_counts(worked_solution) == {}


# -- gap attribution (LMDI) from the solved plan ------------------------------------------------

FULL_YEAR_ACTUAL = {"revenue": 57_500_000, "customers": 46, "unit_price": 1_250_000,
                    "retained": 37, "new": 9, "deals": 36, "win_rate": 0.25}


def test_lmdi_effects_from_the_solved_plan(worked_solution: Solution) -> None:
    plan = worked_solution.plan
    formulas = {n: node.formula for n, node in plan.nodes.items()}
    targets = {n: r.total for n, r in worked_solution.nodes.items()}
    got = attribute(plan.kgi, formulas, worked_solution.determined, "up", FULL_YEAR_ACTUAL,
                    targets)
    exp = {"customers": -4_897_930.24, "retained": -1_224_482.56, "new": -3_673_447.68,
           "deals": -1_345_361.35, "win_rate": -2_328_086.33, "unit_price": 2_397_930.24}
    assert {n: got.shares[n] for n in exp} == pytest.approx(exp, abs=0.01)
    assert (got.gap, got.cause) == (pytest.approx(-2_500_000), "win_rate")


def test_lmdi_leaves_add_up_to_the_gap(worked_solution: Solution) -> None:
    plan = worked_solution.plan
    formulas = {n: node.formula for n, node in plan.nodes.items()}
    targets = {n: r.total for n, r in worked_solution.nodes.items()}
    got = attribute(plan.kgi, formulas, worked_solution.determined, "up", FULL_YEAR_ACTUAL,
                    targets)
    assert got.leaves == ("retained", "deals", "win_rate", "unit_price")
    assert math.fsum(got.shares[n] for n in got.leaves) == pytest.approx(-2_500_000, abs=1e-6)


def _worked_text() -> str:
    return WORKED.read_text("utf-8")
