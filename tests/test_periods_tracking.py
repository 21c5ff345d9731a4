"""Periods and tracking (plan-format.md, "Periods" and "Tracking"): monthly targets per aggregate,
overrides, the as-of month, achievement and status, quarter-to-date figures, observed rates."""

from __future__ import annotations

import pytest

from kpixl.engine import periods, tracking
from kpixl.engine.compute import NodeSchedule, Tracking, schedule, track
from kpixl.engine.solve import Solution, solve
from kpixl.model.loader import loads

SEASON = (6, 7, 8, 8, 5, 11, 8, 8, 9, 6, 8, 16)  # the worked example's order shares
_ = None

# Six months, two quarters, even weights. `orders` is solved through a 1-month lag.
PLAN = """kpixl: 1
title: Tracking
period: {start: 2026-04, months: 6}
kgi: orders
funnels: {sales: [deals, orders]}
kpis:
  orders: {name: Orders, target: 12, whole: true, lag: 1, formula: deals * win_rate}
  win_rate: {name: Win rate, unit: '%', value: 0.5}
  deals: {name: Deals, whole: true}
  churn: {name: Churn, unit: '%', direction: down, target: 0.05}
  customers: {name: Customers, whole: true, aggregate: last, baseline: 40, target: 52}
  headcount: {name: Heads, whole: true, aggregate: last, target: 7}
  price: {name: Price, aggregate: mean, target: 100}
  cost: {name: Cost, direction: down, target: 60}
"""


@pytest.fixture(scope="module")
def solution() -> Solution:
    return solve(loads(PLAN, "tracking.yaml"))


@pytest.fixture(scope="module")
def sched(solution: Solution) -> dict[str, NodeSchedule]:
    return schedule(solution)


Row = list[float | None]


def tracked(solution: Solution, sched: dict[str, NodeSchedule], actuals: dict[str, Row],
            overrides: dict[str, Row] | None = None, asof: int | None = None) -> Tracking:
    """``track`` with rows padded with blanks to the plan's length."""
    n = solution.plan.months

    def pad(rows: dict[str, Row] | None) -> dict[str, Row]:
        return {k: [*v, *[None] * (n - len(v))] for k, v in (rows or {}).items()}

    return track(solution, sched, pad(actuals), pad(overrides), asof)


# -- monthly targets -------------------------------------------------------------------------


def test_sum_months_split_by_weight() -> None:
    got = periods.monthly_targets(60_000_000, SEASON)
    assert got[0] == pytest.approx(3_600_000) and got[-1] == pytest.approx(9_600_000)


def test_whole_sum_months_use_cumulative_rounding() -> None:
    exp = (1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 2)
    assert periods.monthly_targets(12, SEASON, whole=True) == exp


def test_whole_sum_over_even_months_is_1_each() -> None:
    assert periods.monthly_targets(12, (1,) * 12, whole=True) == (1,) * 12


def test_mean_months_repeat_the_target(sched: dict[str, NodeSchedule]) -> None:
    assert sched["price"].monthly == (100,) * 6
    assert sched["churn"].monthly == (0.05,) * 6


def test_last_with_baseline_moves_linearly_to_the_target(sched: dict[str, NodeSchedule]) -> None:
    exp = (42, 44, 46, 48, 50, 52)  # 40 + 12 x m / 6
    assert sched["customers"].monthly == exp


def test_last_with_baseline_follows_seasonality_and_rounds_nearest() -> None:
    exp = (41, 41, 42, 43, 43, 45, 45, 46, 47, 48, 48, 50)  # 44.5 -> 45 in month 6
    got = periods.monthly_targets(50, SEASON, aggregate="last", whole=True, baseline=40)
    assert got == exp


def test_last_with_baseline_not_whole_is_exact() -> None:
    got = periods.monthly_targets(50, (1, 1, 2), aggregate="last", baseline=40)
    assert got == pytest.approx((42.5, 45, 50))


def test_last_without_baseline_repeats_the_target(sched: dict[str, NodeSchedule]) -> None:
    assert sched["headcount"].monthly == (7,) * 6


def test_rotate_takes_the_weight_of_month_m_plus_shift() -> None:
    exp = (8, 8, 5, 11, 8, 8, 9, 6, 8, 16, 6, 7)
    assert periods.rotate(SEASON, 2) == exp


def test_carry_in_of_a_one_month_lag(sched: dict[str, NodeSchedule]) -> None:
    assert sched["deals"].carry_in == 4  # 24 x 1 / 6


def test_carry_in_not_whole_is_exact() -> None:
    assert periods.carry_in(40, SEASON, 2, whole=False) == pytest.approx(5.2)


def test_carry_in_of_a_lag_longer_than_the_plan_repeats_the_year() -> None:
    got = periods.carry_in(100, SEASON, 14, whole=True)
    assert got == 113  # 100 x (100 + 6 + 7) / 100


# -- overrides, as-of, entered zeros -----------------------------------------------------------


def test_override_replaces_the_months_target(solution: Solution,
                                             sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"orders": [2, 2, 2]}, {"orders": [_, 4, _]}).nodes["orders"]
    assert got.effective == (2, 4, 2, 2, 2, 2)
    assert (got.ytd_target, got.achievement) == (8, 0.75)
    assert got.month_achievement[:3] == (1, 0.5, 1)


def test_override_of_0_blanks_the_months_achievement(solution: Solution,
                                                     sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"orders": [2, 2]}, {"orders": [_, 0]}).nodes["orders"]
    assert got.month_achievement[:2] == (1, None)
    assert got.ytd_target == 2


def test_blank_asof_is_the_kgis_last_month_not_an_early_figure(
        solution: Solution, sched: dict[str, NodeSchedule]) -> None:
    # plan-format.md "As-of": the KGI (orders) has June at the latest; price's early figure for
    # July does not close July for everyone.
    got = tracked(solution, sched, {"orders": [1, 2], "price": [_, _, _, 90]})
    assert got.asof == 2
    assert got.nodes["price"].ytd_actual is None  # July is not counted yet


def test_blank_asof_without_kgi_actuals_is_the_last_month_with_any_actual(
        solution: Solution, sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"deals": [1], "price": [_, _, _, 90]})
    assert got.asof == 4


def test_explicit_asof_ignores_later_actuals(solution: Solution,
                                             sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"orders": [2, 1, 0, 3, _, 5]}, asof=4).nodes["orders"]
    assert (got.ytd_target, got.ytd_actual) == (8, 6)
    assert got.catch_up == (_, _, _, _, 3, 3)  # 12 - 6 over two months


def test_explicit_asof_past_the_entered_months_counts_their_targets(
        solution: Solution, sched: dict[str, NodeSchedule]) -> None:
    # like with like: month 3 is missing, so neither side counts it (2 + 2 against 2 + 2)
    got = tracked(solution, sched, {"orders": [2, 2]}, asof=3).nodes["orders"]
    assert (got.ytd_target, got.ytd_actual) == (4, 4)
    assert (got.missing, got.missing_months) == (1, (3,))


def test_entered_0_is_data(solution: Solution, sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"orders": [0]}).nodes["orders"]
    assert (got.ytd_actual, got.achievement, got.status) == (0, 0, "off_track")
    assert got.forecast == 0


def test_nothing_entered_leaves_everything_blank(solution: Solution,
                                                 sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {})
    orders = got.nodes["orders"]
    assert got.asof == 0
    assert (orders.ytd_target, orders.ytd_actual, orders.achievement, orders.status,
            orders.forecast) == (_, _, _, _, _)


def test_asof_0_blanks_ytd_even_with_actuals(solution: Solution,
                                             sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"orders": [2, 2]}, asof=0).nodes["orders"]
    assert (got.ytd_target, got.ytd_actual, got.achievement, got.forecast) == (_, _, _, _)


# -- YTD by aggregate ------------------------------------------------------------------------


def test_mean_ytd_is_the_mean_of_entered_months(solution: Solution,
                                                sched: dict[str, NodeSchedule]) -> None:
    # The spec's rule (not a sum of numerators over denominators): (90 + 120) / 2.
    got = tracked(solution, sched, {"price": [90, _, 120]}, asof=3).nodes["price"]
    assert (got.ytd_target, got.ytd_actual) == (100, 105)
    assert got.forecast == 120  # the latest actual


def test_last_ytd_is_the_latest_entered(solution: Solution,
                                        sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"customers": [41, _, 44]}, asof=4).nodes["customers"]
    # own as-of month 3 (month 4 missing): the ramp 40 -> 52 is at 46 there; 44 / 46 = 0.957
    assert (got.ytd_target, got.ytd_actual) == (46, 44)
    assert got.status == "at_risk"


# -- achievement and status -------------------------------------------------------------------


@pytest.mark.parametrize(("actual", "exp"), [(10, 1.0), (0, 2.0), (5, 1.5), (20, 0.0), (25, 0.0)])
def test_down_achievement_is_2_minus_ratio_floored_at_0(actual: float, exp: float) -> None:
    assert tracking.achievement(actual, 10, "down") == exp


@pytest.mark.parametrize("target", [0, -5, None])
def test_achievement_blank_for_target_at_most_0(target: float | None) -> None:
    assert tracking.achievement(3, target) is None
    assert tracking.achievement(3, target, "down") is None


def test_achievement_blank_without_actual() -> None:
    assert tracking.achievement(None, 10) is None


def test_down_node_zero_actual_is_200_percent(solution: Solution,
                                              sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"cost": [11, 0]}).nodes["cost"]
    assert got.month_achievement[:2] == (pytest.approx(0.9), 2.0)
    assert got.achievement == pytest.approx(2 - 11 / 20)


def test_status_boundary_survives_floating_noise() -> None:
    ach = 2 - 11 / 10  # 0.8999999999999999 as a float
    assert ach < 0.9
    assert tracking.status(ach, 1.0, 0.9) == "at_risk"


def test_down_month_at_110_percent_of_target_is_at_risk(solution: Solution,
                                                        sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"cost": [11]}).nodes["cost"]
    assert got.month_status[0] == "at_risk"


@pytest.mark.parametrize(("ach", "exp"), [(1.0, "on_track"), (0.99, "at_risk"),
                                          (0.9, "at_risk"), (0.8999, "off_track"), (None, None)])
def test_status_bands(ach: float | None, exp: str | None) -> None:
    assert tracking.status(ach, 1.0, 0.9) == exp


def test_status_uses_the_plans_thresholds() -> None:
    text = PLAN.replace("kgi: orders", "thresholds: {on_track: 0.8, at_risk: 0.5}\nkgi: orders")
    sol = solve(loads(text, "t.yaml"))
    got = tracked(sol, schedule(sol), {"orders": [2, 1]}).nodes["orders"]  # 3 / 4
    assert got.status == "at_risk"


# -- quarters, forecast, catch-up --------------------------------------------------------------


def test_quarter_figures_are_quarter_to_date(solution: Solution,
                                             sched: dict[str, NodeSchedule]) -> None:
    got = tracked(solution, sched, {"orders": [2, 1, 0, 3, 9]}, asof=4).nodes["orders"]
    assert (got.quarter_target, got.quarter_actual) == ((6, 2), (3, 3))
    assert got.quarter_status == ("off_track", "on_track")


def test_quarter_after_asof_is_blank() -> None:
    sol = solve(loads(PLAN.replace("months: 6", "months: 12"), "t.yaml"))
    got = tracked(sol, schedule(sol), {"orders": [1, 1]}).nodes["orders"]
    assert got.quarter_target[1:] == (_, _, _)
    assert got.quarter_actual == (2, _, _, _)


def test_forecast_blank_when_the_shape_has_no_weight_yet() -> None:
    assert tracking.forecast([3, 4], (0, 0, 1, 1), 2, "sum") is None


def test_catch_up_blank_when_nothing_remains() -> None:
    assert tracking.catch_up(12, 5, (1,) * 6, 6, whole=True) == (_,) * 6


def test_catch_up_of_a_reached_target_is_0() -> None:
    assert tracking.catch_up(12, 15, (1,) * 4, 2, whole=True) == (_, _, 0, 0)


def test_catch_up_not_whole_respreads_by_weight() -> None:
    got = tracking.catch_up(10, 4, (1, 1, 1, 2), 1, whole=False)
    assert got == (_, pytest.approx(1.5), pytest.approx(1.5), pytest.approx(3))


# -- observed rates ---------------------------------------------------------------------------


def test_observed_rate_uses_the_upper_stage_lag_months_earlier(
        solution: Solution, sched: dict[str, NodeSchedule]) -> None:
    # orders of months 2..4 (month 1's deals lie before the plan) over deals 1..3: 4 / 10.
    got = tracked(solution, sched, {"deals": [4, 4, 2, 6], "orders": [2, 1, 0, 3]})
    assert got.observed == {("deals", "orders"): pytest.approx(0.4)}


def test_observed_rate_blank_when_the_lag_covers_every_closed_month() -> None:
    assert tracking.observed_rate([5], [1], asof=1, lag=1) is None


def test_observed_rate_with_lag_on_the_worked_example() -> None:
    # orders Jun..Sep (1 + 0 + 1 + 1) over deals Apr..Jul (3 + 3 + 2 + 5)
    got = tracking.observed_rate([3, 3, 2, 5, 3, 3], [1, 0, 1, 0, 1, 1], asof=6, lag=2)
    assert got == pytest.approx(3 / 13)
