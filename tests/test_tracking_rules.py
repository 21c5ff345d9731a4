"""The Tracking section's rules on the worked example (domain notes section 8; plan-format.md
"Tracking" and "Periods"): reported months, missing months, a KGI-based as-of, observed funnel
rates with a lag, the gap at the end of September, frozen months.

Expected numbers are worked out by hand from the worked example's monthly targets (domain notes
section 8: orders 1,1,1,0,1,1 and deals 3,3,2,5,3,3 for Apr..Sep; revenue 60M x the order
shares 6,7,8,8,5,11 %).
"""

from __future__ import annotations

import math

import pytest

from kpixl.engine import periods
from kpixl.engine.compute import NodeSchedule, Tracking, track
from kpixl.engine.solve import Solution

_ = None
M = 1_000_000
REVENUE_TO_SEPT = [3.6 * M, 4.0 * M, 4.6 * M, 4.5 * M, 2.8 * M, 6.0 * M]  # 25.5M vs 27M


def pad(row: list[float | None]) -> list[float | None]:
    return row + [None] * (12 - len(row))


def run(sol: Solution, sched: dict[str, NodeSchedule], rows: dict[str, list[float | None]],
        asof: int | None = None) -> Tracking:
    return track(sol, sched, {k: pad(v) for k, v in rows.items()}, None, asof)


def test_a_blank_month_counts_on_neither_side(worked_solution: Solution,
                                              worked_schedule: dict[str, NodeSchedule]) -> None:
    got = run(worked_solution, worked_schedule,
              {"revenue": REVENUE_TO_SEPT, "deals": [3, 3, 2, _, 3, 3]}).nodes["deals"]
    assert (got.reported, got.missing, got.missing_months) == ((1, 2, 3, 5, 6), 1, (4,))
    assert (got.ytd_target, got.ytd_actual, got.status) == (14, 14, "on_track")


def test_forecast_runs_over_the_reported_months_only(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    # deals' shape is the order shares two months later: 8, 8, 5, 11, 8, 8, ...; R skips July
    got = run(worked_solution, worked_schedule,
              {"revenue": REVENUE_TO_SEPT, "deals": [3, 3, 2, _, 3, 3]}).nodes["deals"]
    assert got.forecast == pytest.approx(14 * 100 / (8 + 8 + 5 + 8 + 8), rel=1e-12)


def test_catch_up_assumes_the_missing_month_meets_its_target(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    # 40 deals - 14 entered - July's published 5 = 21 over weights 9, 6, 8, 16, 6, 7 (52):
    # cumulative 21 x (9, 15, 23, 39, 45, 52) / 52 -> 4, 6, 9, 16, 18, 21
    got = run(worked_solution, worked_schedule,
              {"revenue": REVENUE_TO_SEPT, "deals": [3, 3, 2, _, 3, 3]}).nodes["deals"]
    assert got.remaining == 21
    assert got.catch_up == (_,) * 6 + (4, 2, 3, 7, 2, 3)


def test_an_early_next_month_figure_does_not_move_the_asof(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    got = run(worked_solution, worked_schedule,
              {"revenue": REVENUE_TO_SEPT[:3], "deals": [3, 3, 2, 6]})
    assert got.asof == 3
    assert (got.nodes["deals"].ytd_actual, got.nodes["deals"].ytd_target) == (8, 8)
    assert got.nodes["revenue"].status == "at_risk"  # 12.2M / 12.6M = 96.8%


def test_nobody_reports_it_means_no_missing_months(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    got = run(worked_solution, worked_schedule, {"revenue": REVENUE_TO_SEPT}).nodes["inquiries"]
    assert (got.missing, got.ytd_actual, got.forecast) == (None, None, None)


def test_lagged_funnel_rate_is_observed_from_the_counts(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    # orders Jun..Sep (1 + 0 + 1 + 1) over deals two months earlier, Apr..Jul (3 + 3 + 2 + 5)
    got = run(worked_solution, worked_schedule,
              {"new": [1, 0, 1, 0, 1, 1], "deals": [3, 3, 2, 5, 3, 3]}).nodes["win_rate"]
    assert got.observed and got.reported == (3, 4, 5, 6)
    assert got.ytd_actual == pytest.approx(3 / 13, rel=1e-12)
    assert got.achievement == pytest.approx(3 / 13 / 0.3, rel=1e-12)
    assert got.forecast == pytest.approx(1 / 5)  # September's orders over July's deals
    assert got.missing is None


def test_a_typed_rate_wins_over_the_observed_one(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    got = run(worked_solution, worked_schedule, {"new": [1, 0, 1, 0, 1, 1],
                                                 "deals": [3, 3, 2, 5, 3, 3],
                                                 "win_rate": [_, 0.25]}).nodes["win_rate"]
    assert (got.observed, got.ytd_actual, got.missing) == (False, 0.25, 5)


def september(sched: dict[str, NodeSchedule]) -> dict[str, list[float | None]]:
    """Actuals to the end of September: retained customers as planned (a ``sum`` node in this
    plan: its own monthly targets), 4 orders from 18 deals, 43 customers at September."""
    return {"revenue": REVENUE_TO_SEPT, "customers": [40, 40, 41, 42, 42, 43],
            "retained": list(sched["retained"].monthly[:6]), "new": [1, 0, 1, 0, 1, 1],
            "deals": [3, 3, 2, 4, 3, 3], "unit_price": [1.2 * M] * 6}


def test_worked_example_gap_lines_add_up_to_minus_1_5_million(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    # YTD target 60M x 45 / 100 = 27M, actual 25.5M: the gap is -1,500,000 (not the -34.5M of a
    # customer level times a price compared with a year's revenue)
    got = run(worked_solution, worked_schedule, september(worked_schedule)).gap
    assert got.gap == pytest.approx(-1_500_000, abs=1e-6)
    assert got.unexplained is not None
    lines = math.fsum(got.shares[x] for x in got.leaves) + got.unexplained
    assert lines == pytest.approx(-1_500_000, abs=1e-6)
    assert {"deals", "win_rate", "unit_price", "retained"} <= set(got.leaves)
    assert got.shares["deals"] < 0 and got.shares["win_rate"] > 0  # 18 of 19 deals, 4 of 12
    assert got.cause == "deals"


def test_worked_example_customers_share_by_log_ratio(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    # customers at September: 43 against 50; the price as planned: all of ln(25.5/27) that the
    # operands explain comes from customers
    got = run(worked_solution, worked_schedule, september(worked_schedule)).gap
    exp = -1_500_000 * math.log(43 / 50) / math.log(25.5 / 27)
    assert got.shares["customers"] == pytest.approx(exp, rel=1e-9)
    assert got.shares["unit_price"] == 0


def test_a_funnel_stage_without_counts_names_the_actuals_that_would_split_it(
        worked_solution: Solution, worked_schedule: dict[str, NodeSchedule]) -> None:
    rows = {k: v for k, v in september(worked_schedule).items() if k != "deals"}
    got = run(worked_solution, worked_schedule, rows).gap
    assert "new" in got.leaves
    assert got.lacking["new"] == ("deals",)


# -- frozen months (plan-format.md "Periods") -----------------------------------------------------
def test_frozen_months_keep_their_targets_and_the_rest_carries_the_new_total() -> None:
    # 24 over 12 even months after April..June froze at 1 each: 21 over 9 months,
    # cumulative 21 k / 9 -> 2, 5, 7, 9, 12, 14, 16, 19, 21
    got = periods.monthly_targets(24, [1.0] * 12, whole=True, frozen=[1, 1, 1])
    assert got == (1, 1, 1, 2, 3, 2, 2, 3, 2, 2, 3, 2)
    assert sum(got) == 24


def test_frozen_months_above_the_new_total_leave_zero_for_the_rest() -> None:
    got = periods.monthly_targets(5, [1.0] * 4, frozen=[3, 4])
    assert got == (3, 4, 0, 0)


def test_frozen_mean_and_last_nodes() -> None:
    assert periods.monthly_targets(0.4, [1.0] * 4, aggregate="mean",
                                   frozen=[0.3, 0.3]) == (0.3, 0.3, 0.4, 0.4)
    # a level ramps from the last frozen month (44) to 52 over the open months
    got = periods.monthly_targets(52, [1.0] * 6, aggregate="last", whole=True, baseline=40,
                                  frozen=[42, 44])
    assert got == (42, 44, 46, 48, 50, 52)


def test_no_frozen_months_change_nothing() -> None:
    w = [6, 7, 8, 8, 5, 11, 8, 8, 9, 6, 8, 16]
    assert periods.monthly_targets(12, w, whole=True, frozen=[None] * 12) == \
        periods.monthly_targets(12, w, whole=True)
