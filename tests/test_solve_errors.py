"""Back-calculation rules 3-6 of plan-format.md: one test per rule, each asserting the field path
of the problem and a key phrase of its message; and the rounding directions of rule 4."""

from __future__ import annotations

import pytest

from kpixl.engine.solve import Solution, solve
from kpixl.errors import PlanError, Problem
from kpixl.model.loader import loads

HEAD = "kpixl: 1\ntitle: t\nperiod: {start: 2026-04}\nkgi: %s\nkpis:\n"


def plan_text(kgi: str, *nodes: str) -> str:
    """A minimal plan: ``nodes`` are ``id: {...}`` lines under ``kpis``."""
    return HEAD % kgi + "".join(f"  {n}\n" for n in nodes)


def solved(kgi: str, *nodes: str) -> Solution:
    return solve(loads(plan_text(kgi, *nodes), "p.yaml"))


def errors(kgi: str, *nodes: str) -> list[Problem]:
    plan = loads(plan_text(kgi, *nodes), "p.yaml")  # the loader accepts it: the engine rejects it
    with pytest.raises(PlanError) as info:
        solve(plan)
    got = info.value.problems
    assert all(p.severity == "error" and p.file == "p.yaml" for p in got)
    return got


def first(kgi: str, *nodes: str) -> Problem:
    return errors(kgi, *nodes)[0]


# -- rule 5: cycles and levers solved twice ---------------------------------------------------


def test_cycle_names_both_ids() -> None:
    got = errors("r", "r: {name: R, target: 10, formula: a * 2}",
                 "a: {name: A, formula: b + 1}", "b: {name: B, formula: a * 2}")
    assert [p.path for p in got] == ["kpis.a.formula"]
    assert "cycle" in got[0].message and "a -> b -> a" in got[0].message
    assert got[0].line == 7


def test_lever_solved_twice_names_both_parents() -> None:
    got = first("r1", "r1: {name: R1, target: 10, formula: x * 2}",
                "r2: {name: R2, target: 20, formula: x * 5}", "x: {name: X}")
    assert got.path == "kpis.x"
    assert "solved twice" in got.message and "r1" in got.message and "r2" in got.message


# -- rule 6: impossible values ----------------------------------------------------------------


def test_multiplying_by_an_assumption_that_is_0_is_an_error() -> None:
    got = first("orders", "orders: {name: O, target: 12, formula: deals * win_rate}",
                "win_rate: {name: W, unit: '%', value: 0}", "deals: {name: D}")
    assert got.path == "kpis.orders.formula"
    assert "win_rate" in got.message and "which is 0" in got.message


def test_dividing_by_an_assumption_that_is_0_is_an_error() -> None:
    got = first("per_rep", "per_rep: {name: P, target: 12, formula: revenue / reps}",
                "reps: {name: Reps, value: 0}", "revenue: {name: Revenue}")
    assert got.path == "kpis.per_rep.formula"
    assert "divided by `reps`, which is 0" in got.message


def test_solving_a_divisor_from_a_zero_target_is_an_error() -> None:
    got = first("per_rep", "per_rep: {name: P, target: 0, formula: revenue / reps}",
                "revenue: {name: Revenue, value: 1000}", "reps: {name: Reps}")
    assert got.path == "kpis.per_rep"
    assert "divides by zero" in got.message and "reps" in got.message


def test_solved_rate_above_1_is_infeasible() -> None:
    # 12 orders from 10 deals need a 120% win rate.
    got = first("orders", "orders: {name: O, target: 12, formula: deals * win_rate}",
                "win_rate: {name: W, unit: '%'}", "deals: {name: D, value: 10}")
    assert got.path == "kpis.win_rate"
    assert "1.2" in got.message and "outside its bounds [0, 1]" in got.message


def test_solved_rate_of_exactly_1_is_feasible_despite_noise() -> None:
    got = solved("orders", "orders: {name: O, target: 57, formula: deals * win_rate}",
                 "win_rate: {name: W, unit: '%'}", "deals: {name: D, formula: leads * rate}",
                 "leads: {name: L, value: 100}", "rate: {name: R, unit: '%', value: 0.57}")
    assert got.nodes["win_rate"].total == pytest.approx(1)


def test_solved_value_outside_explicit_bounds_is_infeasible() -> None:
    got = first("nrr_rev", "nrr_rev: {name: R, target: 150, formula: base * nrr}",
                "base: {name: B, value: 100}", "nrr: {name: N, unit: '%', bounds: [0, 1.2]}")
    assert got.path == "kpis.nrr"
    assert "outside its bounds [0, 1.2]" in got.message


def test_forward_rate_above_1_is_infeasible() -> None:
    got = first("r", "r: {name: R, target: 10, formula: x * conv}",
                "conv: {name: C, unit: '%', formula: wins / tries}",
                "wins: {name: W, value: 15}", "tries: {name: T, value: 10}", "x: {name: X}")
    assert got.path == "kpis.conv"
    assert "computed forward" in got.message and "outside its bounds" in got.message


def test_negative_solved_target_without_signed_is_an_error() -> None:
    got = first("margin", "margin: {name: M, target: 150, formula: revenue - cost}",
                "revenue: {name: R, value: 100}", "cost: {name: C}")
    assert got.path == "kpis.cost"
    assert "-50" in got.message and "signed: true" in got.message


def test_negative_solved_target_through_a_signed_factor_is_an_error() -> None:
    got = first("r", "r: {name: R, target: 10, formula: x * k}",
                "k: {name: K, signed: true, value: -2}", "x: {name: X}")
    assert got.path == "kpis.x"
    assert "negative" in got.message


def test_negative_solved_target_allowed_when_signed() -> None:
    got = solved("margin", "margin: {name: M, target: 150, formula: revenue - cost}",
                 "revenue: {name: R, value: 100}", "cost: {name: C, signed: true}")
    assert got.nodes["cost"].total == -50


def test_infinite_solved_target_is_an_error() -> None:
    got = first("r", "r: {name: R, target: 1e308, formula: x * 0.001}", "x: {name: X}")
    assert got.path == "kpis.x"
    assert "not a finite number" in got.message


def test_infinite_solved_whole_target_is_an_error() -> None:
    got = first("r", "r: {name: R, target: 1e308, formula: x * 0.001}",
                "x: {name: X, whole: true}")
    assert got.path == "kpis.x"
    assert "not a finite number" in got.message


def test_huge_whole_target_solves() -> None:
    got = solved("r", "r: {name: R, target: 1e30, formula: x * 1}", "x: {name: X, whole: true}")
    assert got.nodes["x"].total == 1e30


def test_over_covered_sum_warns_and_sets_0() -> None:
    got = solved("customers",
                 "customers: {name: C, target: 30, whole: true, formula: retained + new}",
                 "retained: {name: R, whole: true, formula: start * 0.95}",
                 "start: {name: S, value: 40}", "new: {name: N, whole: true}")
    warning, = got.warnings
    assert got.nodes["new"].total == 0
    assert (warning.path, warning.severity) == ("kpis.customers", "warning")
    assert "over-covered by 8" in warning.message


def test_over_covered_split_sum_sets_each_free_operand_to_0() -> None:
    got = solved("t", "t: {name: T, target: 5, formula: a + b + c, split: {a: 0.5, b: 0.5}}",
                 "a: {name: A}", "b: {name: B}", "c: {name: C, value: 9}")
    assert (got.nodes["a"].total, got.nodes["b"].total) == (0, 0)
    assert "over-covered by 4" in got.warnings[0].message


# -- rule 3: several free operands -------------------------------------------------------------


def test_several_free_operands_of_a_product_is_an_error() -> None:
    got = first("revenue", "revenue: {name: R, target: 30, formula: customers * price}",
                "customers: {name: C}", "price: {name: P}")
    assert got.path == "kpis.revenue.formula"
    assert "several free operands (customers, price)" in got.message


def test_repeated_free_operand_is_an_error() -> None:
    got = first("area", "area: {name: A, target: 100, formula: side * side}", "side: {name: S}")
    assert got.path == "kpis.area.formula"
    assert "several free operands (side)" in got.message


def test_free_operands_of_a_sum_without_split_is_an_error() -> None:
    got = first("customers", "customers: {name: C, target: 30, formula: new + existing}",
                "new: {name: N}", "existing: {name: E}")
    assert got.path == "kpis.customers.split"
    assert "missing: new, existing" in got.message


def test_split_missing_a_free_operand_is_an_error() -> None:
    got = first("t", "t: {name: T, target: 30, formula: a + b + c, split: {a: 1}}",
                "a: {name: A}", "b: {name: B}", "c: {name: C, value: 5}")
    assert got.path == "kpis.t.split"
    assert "missing: b" in got.message


def test_split_shares_the_rest_after_determined_operands() -> None:
    got = solved("t", "t: {name: T, target: 30, formula: a + b + c, split: {a: 0.4, b: 0.6}}",
                 "a: {name: A}", "b: {name: B}", "c: {name: C, value: 5}")
    exp = [10, 15]  # 0.4 x 25, 0.6 x 25
    assert [got.nodes[n].total for n in ("a", "b")] == pytest.approx(exp)


def test_split_shares_of_whole_operands_round_nearest() -> None:
    # 2.5 -> 3 and 7.5 -> 8 (halves away from zero): the planned value shows 11.
    got = solved("t", "t: {name: T, target: 10, formula: a + b, split: {a: 0.25, b: 0.75}}",
                 "a: {name: A, whole: true}", "b: {name: B, whole: true}")
    exp = {"a": (3, "nearest"), "b": (8, "nearest"), "t": (11, None)}
    assert {n: (got.nodes[n].total, got.nodes[n].rounding) for n in exp} == exp
    assert got.nodes["t"].goal == 10


# -- rule 4: the direction of whole rounding --------------------------------------------------


def test_whole_operand_that_multiplies_an_up_parent_rounds_up() -> None:
    got = solved("orders", "orders: {name: O, target: 12, formula: deals * 0.35}",
                 "deals: {name: D, whole: true}")
    assert (got.nodes["deals"].total, got.nodes["deals"].rounding) == (35, "up")  # 34.29


def test_whole_divisor_rounds_down() -> None:
    # revenue per rep >= 300 with revenue 1,000: 3.33 reps -> 3 (333 per rep).
    got = solved("revenue_per_rep", "revenue_per_rep: {name: P, target: 300, "
                 "formula: revenue / reps}", "revenue: {name: R, value: 1000}",
                 "reps: {name: Reps, whole: true}")
    assert (got.nodes["reps"].total, got.nodes["reps"].rounding) == (3, "down")
    assert got.nodes["revenue_per_rep"].total >= 300


def test_whole_subtrahend_rounds_down() -> None:
    got = solved("net", "net: {name: N, target: 100, formula: gross - refunds}",
                 "gross: {name: G, value: 150.5}", "refunds: {name: R, whole: true}")
    assert (got.nodes["refunds"].total, got.nodes["refunds"].rounding) == (50, "down")


def test_whole_operand_of_a_down_parent_rounds_down() -> None:
    # cost <= 1,000 at 30 per unit: 33.3 units -> 33 (990).
    got = solved("cost", "cost: {name: C, target: 1000, direction: down, "
                 "formula: units * unit_cost}", "unit_cost: {name: U, value: 30}",
                 "units: {name: N, whole: true}")
    assert (got.nodes["units"].total, got.nodes["units"].rounding) == (33, "down")
    assert got.nodes["cost"].total <= 1000


def test_whole_divisor_of_a_down_parent_rounds_up() -> None:
    # cost per unit <= 7 with cost 100: 14.29 units -> 15 (6.67 per unit).
    got = solved("cost_per_unit", "cost_per_unit: {name: C, target: 7, direction: down, "
                 "formula: cost / units}", "cost: {name: K, value: 100}",
                 "units: {name: N, whole: true}")
    assert (got.nodes["units"].total, got.nodes["units"].rounding) == (15, "up")
    assert got.nodes["cost_per_unit"].total <= 7


def test_whole_operand_times_a_negative_factor_keeps_the_parent_on_the_good_side() -> None:
    got = solved("r", "r: {name: R, target: -9, signed: true, formula: x * k}",
                 "k: {name: K, signed: true, value: -2}", "x: {name: X, whole: true}")
    assert got.nodes["x"].total == 4  # 4.5 -> 4: -8 >= -9
    assert got.nodes["r"].total >= -9


def test_rounding_is_per_stage_before_the_operands_are_solved() -> None:
    # 13 orders: ceil(13 / 0.3) = 44 deals, ceil(44 / 0.6) = 74, not ceil(13 / 0.18) = 73.
    got = solved("orders", "orders: {name: O, target: 13, whole: true, formula: deals * 0.3}",
                 "deals: {name: D, whole: true, formula: appointments * 0.6}",
                 "appointments: {name: A, whole: true}")
    assert [got.nodes[n].total for n in ("deals", "appointments")] == [44, 74]


# -- every error at once ------------------------------------------------------------------------


def test_independent_engine_errors_are_all_reported() -> None:
    got = errors("a", "a: {name: A, target: 12, formula: deals * win_rate}",
                 "win_rate: {name: W, unit: '%'}", "deals: {name: D, value: 10}",
                 "b: {name: B, target: 150, formula: revenue - cost}",
                 "revenue: {name: R, value: 100}", "cost: {name: C}",
                 "c: {name: C2, target: 5, formula: p * q}", "p: {name: P}", "q: {name: Q}")
    exp = {"kpis.win_rate", "kpis.cost", "kpis.c.formula"}
    assert exp <= {p.path for p in got}


def test_target_0_gives_operands_of_0() -> None:
    # Domain notes section 1: "Target 0 gives children of 0 (valid)".
    got = solved("orders", "orders: {name: O, target: 0, whole: true, formula: deals * 0.3}",
                 "deals: {name: D, whole: true, formula: leads * 0.1}", "leads: {name: L}")
    assert [got.nodes[n].total for n in ("orders", "deals", "leads")] == [0, 0, 0]
    assert got.warnings == ()
