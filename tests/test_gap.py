"""Gap attribution (plan-format.md "Tracking", gap attribution; domain notes section 8).

``attribute`` takes each node's A and T over the KGI's reported months; these tests give them
directly. The worked example through ``track`` (end of September) is in test_engine.py.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.engine.gap import attribute, linear_terms
from kpixl.model.expr import Expr, parse

# the full-year worked example (domain notes section 8): the shares of the LMDI table
FORMULAS: dict[str, Expr | None] = {
    "revenue": parse("customers * unit_price"), "customers": parse("retained + new"),
    "retained": parse("start_customers * (1 - churn)"), "new": parse("deals * win_rate"),
    "unit_price": None, "deals": None, "win_rate": None}
DETERMINED = frozenset({"retained", "start_customers", "churn"})
TARGET = {"revenue": 60_000_000, "customers": 50, "unit_price": 1_200_000, "retained": 38,
          "new": 12, "deals": 40, "win_rate": 0.3}
ACTUAL = {"revenue": 57_500_000, "customers": 46, "unit_price": 1_250_000, "retained": 37,
          "new": 9, "deals": 36, "win_rate": 0.25}


def test_full_year_lmdi_shares_of_the_domain_notes() -> None:
    got = attribute("revenue", FORMULAS, DETERMINED, "up", ACTUAL, TARGET)
    exp = {"retained": -1_224_482.56, "deals": -1_345_361.35, "win_rate": -2_328_086.33,
           "unit_price": 2_397_930.24}
    assert {k: got.shares[k] for k in exp} == pytest.approx(exp, abs=0.01)
    assert (got.gap, got.cause, got.unexplained) == (-2_500_000, "win_rate", 0)


def test_a_stock_times_a_price_leaves_an_unexplained_line() -> None:
    # YTD revenue is a sum of months, customers a level: their product is not YTD revenue.
    a = {"rev": 25_500_000.0, "cust": 43.0, "price": 1_200_000.0}
    t = {"rev": 27_000_000.0, "cust": 50.0, "price": 1_200_000.0}
    got = attribute("rev", {"rev": parse("cust * price")}, frozenset(), "up", a, t)
    exp_cust = -1_500_000 * math.log(43 / 50) / math.log(25.5 / 27)
    assert got.shares["cust"] == pytest.approx(exp_cust, rel=1e-12)
    assert got.unexplained == pytest.approx(-1_500_000 - exp_cust, rel=1e-12)
    assert got.cause == "cust"


def test_difference_splits_with_signs() -> None:
    a, t = {"p": 30.0, "r": 100.0, "c": 70.0}, {"p": 40.0, "r": 100.0, "c": 60.0}
    got = attribute("p", {"p": parse("r - c")}, frozenset(), "up", a, t)
    assert (got.gap, got.shares["r"], got.shares["c"]) == (-10, 0, -10)
    assert (got.cause, got.unexplained) == ("c", 0)


def test_linear_terms_signs_nested_differences() -> None:
    assert linear_terms(parse("a - (b + c) + d")) == [("a", 1), ("b", -1), ("c", -1), ("d", 1)]
    assert linear_terms(parse("a * b")) is None


def test_incomplete_operand_makes_a_leaf_and_names_the_actuals_that_would_split_it() -> None:
    a, t = {"o": 8.0, "d": 20.0, "w": 0.4}, {"o": 10.0, "d": 25.0, "w": 0.4}
    got = attribute("o", {"o": parse("d * w")}, frozenset(), "up", a, t, complete={"o", "w"},
                    needs={"w": ("d", "o")})
    assert got.leaves == ("o",)
    assert got.lacking == {"o": ("d",)}
    assert got.cause is None  # the KGI is never its own cause
    assert got.unexplained == 0  # the KGI as a leaf carries the whole gap


def test_no_cause_when_no_leaf_is_on_the_bad_side() -> None:
    a, t = {"o": 12.0, "d": 30.0, "w": 0.4}, {"o": 10.0, "d": 25.0, "w": 0.4}
    got = attribute("o", {"o": parse("d * w")}, frozenset(), "up", a, t)
    assert got.shares["d"] == pytest.approx(2)
    assert got.cause is None


def test_down_kgi_picks_the_most_positive_share() -> None:
    a, t = {"cost": 130.0, "x": 80.0, "y": 50.0}, {"cost": 100.0, "x": 60.0, "y": 40.0}
    got = attribute("cost", {"cost": parse("x + y")}, frozenset(), "down", a, t)
    assert (got.shares["x"], got.shares["y"], got.cause) == (20, 10, "x")


def test_equal_within_the_noise_guard_is_a_leaf() -> None:
    a, t = {"o": 10.0000000000001, "d": 20.0, "w": 0.5}, {"o": 10.0, "d": 25.0, "w": 0.4}
    got = attribute("o", {"o": parse("d * w")}, frozenset(), "up", a, t)
    assert (got.gap, got.leaves) == (0, ("o",))


def test_repeated_id_accumulates() -> None:
    a, t = {"x": 4.0, "a": 2.0}, {"x": 1.0, "a": 1.0}
    got = attribute("x", {"x": parse("a * a")}, frozenset(), "up", a, t)
    assert got.shares["a"] == pytest.approx(3)  # 2 ln 2 / ln 4 of the gap 3


def test_blank_kgi_gives_no_gap() -> None:
    got = attribute("o", {"o": parse("d * w")}, frozenset(), "up", {"o": None}, {"o": 10.0})
    assert (got.gap, got.shares, got.unexplained) == (None, {}, None)


def test_cycle_is_rejected() -> None:
    a, t = {"x": 2.0, "y": 3.0}, {"x": 1.0, "y": 1.0}
    with pytest.raises(ValueError, match="cycle"):
        attribute("x", {"x": parse("y"), "y": parse("x")}, frozenset(), "up", a, t)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=5, max_size=5),
       st.lists(st.floats(0.5, 2.0), min_size=5, max_size=5))
def test_leaves_and_unexplained_add_up_to_the_gap(av: list[float], tv: list[float]) -> None:
    ids = ["k", "p", "q", "s", "u"]
    formulas: dict[str, Expr | None] = {"k": parse("p * q"), "p": parse("s + u")}
    a, t = dict(zip(ids, av, strict=True)), dict(zip(ids, tv, strict=True))
    got = attribute("k", formulas, frozenset(), "up", a, t)
    assert got.gap is not None and got.unexplained is not None
    total = math.fsum(got.shares[x] for x in got.leaves) + got.unexplained
    assert total == pytest.approx(got.gap, abs=1e-9 * max(1.0, abs(got.gap)))
    assert got.cause != "k"
