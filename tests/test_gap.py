"""Tests for kpixl.engine.gap (plan format "Tracking", domain notes sections 4 and 8)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpixl.engine.gap import Attribution, attribute
from kpixl.engine.recipe import evaluate_formula as evaluate
from kpixl.engine.rounding import guard
from kpixl.model.expr import BinOp, Expr, Ref, parse

# --------------------------------------------------------------------------- section 8 fixture

FORMULAS: dict[str, Expr | None] = {
    "revenue": parse("customers * unit_price"),
    "customers": parse("retained + new"),
    "retained": parse("start_customers * (1 - churn)"),
    "new": parse("deals * win_rate"),
    "unit_price": None,
    "deals": None,
    "win_rate": None,
}
DETERMINED = frozenset({"retained", "start_customers", "churn"})
TARGET: dict[str, float | None] = {
    "revenue": 60_000_000,
    "customers": 50,
    "unit_price": 1_200_000,
    "retained": 38,
    "new": 12,
    "deals": 40,
    "win_rate": 0.3,
}
ACTUAL: dict[str, float | None] = {
    "revenue": 57_500_000,
    "customers": 46,
    "unit_price": 1_250_000,
    "retained": 37,
    "new": 9,
    "deals": 36,
    "win_rate": 0.25,
}


def full_year(
    *,
    actual: Mapping[str, float | None] = ACTUAL,
    target: Mapping[str, float | None] = TARGET,
    direction: str = "up",
    determined: frozenset[str] = DETERMINED,
) -> Attribution:
    return attribute("revenue", FORMULAS, determined, direction, actual, target)


def test_full_year_example() -> None:
    result = full_year()
    assert result.gap == pytest.approx(-2_500_000, abs=0.01)
    expected = {
        "revenue": -2_500_000.00,
        "customers": -4_897_930.24,
        "retained": -1_224_482.56,
        "new": -3_673_447.68,
        "deals": -1_345_361.35,
        "win_rate": -2_328_086.33,
        "unit_price": 2_397_930.24,
    }
    assert list(result.shares) == list(expected)  # depth-first, operands left to right
    for node, share in expected.items():
        assert result.shares[node] == pytest.approx(share, abs=0.01), node
    assert result.leaves == ("retained", "deals", "win_rate", "unit_price")
    assert result.cause == "win_rate"
    assert dict(result.parent) == {
        "customers": "revenue",
        "retained": "customers",
        "new": "customers",
        "deals": "new",
        "win_rate": "new",
        "unit_price": "revenue",
    }
    assert sum(result.shares[leaf] for leaf in result.leaves) == pytest.approx(-2_500_000, abs=1e-6)


def test_full_year_lmdi_weight() -> None:
    # L = (V1 - V0) / (ln V1 - ln V0); customers effect = L ln(46 / 50) (domain notes section 8).
    weight = (57_500_000 - 60_000_000) / math.log(57_500_000 / 60_000_000)
    assert weight == pytest.approx(58_741_133.68, abs=0.01)
    assert full_year().shares["customers"] == pytest.approx(weight * math.log(46 / 50), abs=1e-6)


def test_planned_uses_operand_targets_not_own_target() -> None:
    # A rounded-up KGI target (61,000,000) does not change the planned 50 x 1,200,000.
    result = full_year(target={**TARGET, "revenue": 61_000_000})
    assert result.gap == pytest.approx(-2_500_000, abs=1e-6)
    assert result.shares["win_rate"] == pytest.approx(-2_328_086.33, abs=0.01)


def test_planned_cancels_like_a_spreadsheet() -> None:
    """planned = a - b with a = 0.1 + 0.2 and b = 0.3: a spreadsheet (and the engine's recipes)
    give exactly 0, not 5.6e-17, so a KGI planned at 0 has no gap against an actual of 0."""
    formulas: dict[str, Expr | None] = {"kgi": parse("a - b"), "a": None, "b": None}
    values: dict[str, float | None] = {"kgi": 0.0, "a": 0.1 + 0.2, "b": 0.3}
    assert evaluate(parse("a - b"), {"a": 0.1 + 0.2, "b": 0.3}) == 0.0
    assert evaluate(parse("a + b"), {"a": 0.1 + 0.2, "b": -0.3}) == 0.0
    assert evaluate(parse("a - b"), {"a": 0.3, "b": 0.1}) == 0.3 - 0.1  # no other change
    result = attribute("kgi", formulas, frozenset(), "up", values, values)
    assert result.gap == 0.0
    assert result.cause is None


def test_determined_node_is_a_leaf_even_if_splittable() -> None:
    result = full_year(determined=frozenset({"retained", "new"}))
    assert "deals" not in result.shares
    assert result.leaves == ("retained", "new", "unit_price")
    assert result.cause == "new"
    assert result.shares["new"] == pytest.approx(-3_673_447.68, abs=0.01)


def test_down_direction_picks_the_largest_share() -> None:
    formulas: dict[str, Expr | None] = {"cost": parse("units * unit_cost")}
    target: dict[str, float | None] = {"cost": 1000, "units": 100, "unit_cost": 10}
    actual: dict[str, float | None] = {"cost": 1188, "units": 108, "unit_cost": 11}
    result = attribute("cost", formulas, frozenset(), "down", actual, target)
    assert result.gap == pytest.approx(188)
    units, unit_cost = result.shares["units"], result.shares["unit_cost"]
    assert units + unit_cost == pytest.approx(188)
    assert unit_cost > units > 0
    assert result.cause == "unit_cost"
    # The same data read as an `up` KGI blames the smallest share.
    assert attribute("cost", formulas, frozenset(), "up", actual, target).cause == "units"


def test_down_direction_on_the_example_blames_the_best_effect() -> None:
    assert full_year(direction="down").cause == "unit_price"


def test_quotient_divisor_counts_negative() -> None:
    formulas: dict[str, Expr | None] = {"cvr": parse("orders / visits")}
    target: dict[str, float | None] = {"cvr": 0.02, "orders": 20, "visits": 1000}
    actual: dict[str, float | None] = {"cvr": 0.015, "orders": 18, "visits": 1200}
    result = attribute("cvr", formulas, frozenset(), "up", actual, target)
    assert result.gap is not None
    denominator = math.log(0.015 / 0.02)
    assert result.shares["orders"] == pytest.approx(result.gap * math.log(0.9) / denominator)
    assert result.shares["visits"] == pytest.approx(-result.gap * math.log(1.2) / denominator)
    assert result.shares["visits"] < 0  # more visits than planned lower the rate
    assert result.shares["orders"] + result.shares["visits"] == pytest.approx(result.gap)
    assert result.cause == "visits"


def test_repeated_id_accumulates() -> None:
    formulas: dict[str, Expr | None] = {"area": parse("side * side * depth")}
    target: dict[str, float | None] = {"side": 10, "depth": 2}
    actual: dict[str, float | None] = {"area": 9 * 9 * 2.5, "side": 9, "depth": 2.5}
    result = attribute("area", formulas, frozenset(), "up", actual, target)
    gap = 9 * 9 * 2.5 - 200
    ratio = math.log(202.5 / 200)
    assert result.gap == pytest.approx(gap)
    assert result.shares["side"] == pytest.approx(gap * 2 * math.log(0.9) / ratio)
    assert result.shares["depth"] == pytest.approx(gap * math.log(1.25) / ratio)
    assert result.leaves == ("side", "depth")


def test_shared_operand_accumulates_shares() -> None:
    # `price` feeds both revenue lines; its shares add up and it is listed once.
    formulas: dict[str, Expr | None] = {
        "revenue": parse("a_rev + b_rev"),
        "a_rev": parse("a_units * price"),
        "b_rev": parse("b_units * price"),
    }
    target: dict[str, float | None] = {
        "a_units": 10,
        "b_units": 20,
        "price": 5,
        "a_rev": 50,
        "b_rev": 100,
    }
    actual: dict[str, float | None] = {
        "revenue": 8 * 6 + 25 * 6,
        "a_rev": 48,
        "b_rev": 150,
        "a_units": 8,
        "b_units": 25,
        "price": 6,
    }
    result = attribute("revenue", formulas, frozenset(), "up", actual, target)
    assert result.gap == pytest.approx(48)
    a_share = result.shares["a_rev"]
    b_share = result.shares["b_rev"]
    assert a_share == pytest.approx(-2)
    assert b_share == pytest.approx(50)
    price_from_a = a_share * math.log(6 / 5) / math.log(48 / 50)
    price_from_b = b_share * math.log(6 / 5) / math.log(150 / 100)
    assert result.shares["price"] == pytest.approx(price_from_a + price_from_b)
    assert list(result.shares) == ["revenue", "a_rev", "a_units", "price", "b_rev", "b_units"]
    assert result.leaves == ("a_units", "price", "b_units")
    assert result.parent["price"] == "a_rev"
    assert sum(result.shares[leaf] for leaf in result.leaves) == pytest.approx(48)


def test_sum_with_zero_gap_gives_zero_shares() -> None:
    formulas: dict[str, Expr | None] = {"total": parse("a + b")}
    target: dict[str, float | None] = {"total": 30, "a": 10, "b": 20}
    actual: dict[str, float | None] = {"total": 30, "a": 15, "b": 15}
    result = attribute("total", formulas, frozenset(), "up", actual, target)
    assert result.gap == 0
    assert dict(result.shares) == {"total": 0.0, "a": 0.0, "b": 0.0}
    assert result.leaves == ("a", "b")
    assert result.cause is None


def test_inner_sum_with_zero_gap_gives_zero_shares_per_spec() -> None:
    # customers' target 51 is off its planned 38 + 12 = 50; its actual 50 meets the planned
    # value, so gap_node = 0 and, as the spec says, its operands get 0 (its share stays on it).
    target = {**TARGET, "customers": 51}
    actual = {**ACTUAL, "customers": 50, "retained": 38, "new": 12, "deals": 40, "win_rate": 0.3}
    actual["revenue"] = 50 * 1_250_000
    result = full_year(actual=actual, target=target)
    assert result.shares["customers"] != 0
    assert result.shares["retained"] == 0
    assert result.shares["new"] == 0


def test_alias_equal_to_planned_is_a_leaf() -> None:
    # `booked = orders` (a bare id) splits like a product: when booked meets its planned value
    # but not its own target, it stays a leaf and keeps its share.
    formulas: dict[str, Expr | None] = {"sales": parse("booked * price"), "booked": parse("orders")}
    target: dict[str, float | None] = {"booked": 10, "orders": 9, "price": 100}
    actual: dict[str, float | None] = {"sales": 9 * 110, "booked": 9, "orders": 9, "price": 110}
    result = attribute("sales", formulas, frozenset(), "up", actual, target)
    assert result.leaves == ("booked", "price")
    assert result.shares["booked"] + result.shares["price"] == pytest.approx(result.gap)
    # When it does differ from its planned value, it passes its whole share down.
    actual = {**actual, "booked": 8, "orders": 8, "sales": 8 * 110}
    result = attribute("sales", formulas, frozenset(), "up", actual, target)
    assert result.leaves == ("orders", "price")
    assert result.shares["orders"] == pytest.approx(result.shares["booked"])


def test_product_equal_to_planned_is_a_leaf() -> None:
    # new's actual equals its planned 40 x 0.3 = 12 but not its (rounded) target 13.
    target = {**TARGET, "new": 13, "customers": 51}
    actual = {**ACTUAL, "new": 12, "deals": 40, "win_rate": 0.3, "customers": 49}
    actual["revenue"] = 49 * 1_250_000
    result = full_year(actual=actual, target=target)
    assert "new" in result.leaves
    assert "deals" not in result.shares
    assert sum(result.shares[leaf] for leaf in result.leaves) == pytest.approx(result.gap)


@pytest.mark.parametrize(
    ("node", "where", "value"),
    [
        ("deals", "actual", 0),
        ("deals", "target", 0),
        ("win_rate", "actual", -0.1),
        ("win_rate", "actual", None),
    ],
)
def test_non_positive_operand_makes_a_leaf(node: str, where: str, value: float | None) -> None:
    actual, target = dict(ACTUAL), dict(TARGET)
    (actual if where == "actual" else target)[node] = value
    result = full_year(actual=actual, target=target)
    assert "new" in result.leaves
    assert "deals" not in result.shares
    assert "win_rate" not in result.shares


def test_non_positive_sum_operand_makes_a_leaf() -> None:
    result = full_year(actual={**ACTUAL, "retained": 0, "customers": 9, "revenue": 9 * 1_250_000})
    assert result.leaves == ("customers", "unit_price")
    assert result.cause == "customers"


def test_operand_without_actual_makes_its_parent_a_leaf() -> None:
    result = full_year(actual={**ACTUAL, "new": None})
    assert result.leaves == ("customers", "unit_price")
    result = full_year(actual={**ACTUAL, "customers": None})
    assert result.leaves == ("revenue",)
    assert result.cause == "revenue"
    assert dict(result.shares) == {"revenue": pytest.approx(-2_500_000)}


def test_formula_with_a_constant_is_a_leaf() -> None:
    formulas: dict[str, Expr | None] = {"gross": parse("revenue * 0.4")}
    result = attribute(
        "gross", formulas, frozenset(), "up", {"gross": 36, "revenue": 90}, {"revenue": 100}
    )
    assert result.gap == pytest.approx(-4)
    assert result.leaves == ("gross",)
    assert result.cause == "gross"
    assert dict(result.parent) == {}


def test_kgi_without_formula_uses_its_target() -> None:
    result = attribute("kgi", {}, frozenset(), "up", {"kgi": 7}, {"kgi": 10})
    assert result.gap == -3
    assert dict(result.shares) == {"kgi": -3}
    assert result.leaves == ("kgi",)
    assert result.cause == "kgi"


@pytest.mark.parametrize(
    ("actual", "target"),
    [
        ({**ACTUAL, "revenue": None}, TARGET),
        ({k: v for k, v in ACTUAL.items() if k != "revenue"}, TARGET),
        (ACTUAL, {**TARGET, "unit_price": None}),
    ],
)
def test_gap_not_computable(
    actual: dict[str, float | None], target: dict[str, float | None]
) -> None:
    result = full_year(actual=actual, target=target)
    assert result.gap is None
    assert dict(result.shares) == {}
    assert result.leaves == ()
    assert result.cause is None


def test_division_by_zero_gap_is_none() -> None:
    formulas: dict[str, Expr | None] = {"cvr": parse("orders / visits")}
    result = attribute("cvr", formulas, frozenset(), "up", {"cvr": 0.1}, {"orders": 5, "visits": 0})
    assert result.gap is None


def test_floating_noise_is_no_gap() -> None:
    formulas: dict[str, Expr | None] = {"total": parse("a + b")}
    result = attribute(
        "total",
        formulas,
        frozenset(),
        "up",
        {"total": 0.3, "a": 0.1, "b": 0.2},
        {"a": 0.1, "b": 0.2},
    )
    assert result.gap == 0
    assert result.cause is None


def test_bad_direction() -> None:
    with pytest.raises(ValueError, match="direction"):
        full_year(direction="sideways")


def test_cycle_is_rejected() -> None:
    formulas: dict[str, Expr | None] = {"a": parse("b + c"), "b": parse("a * c")}
    values: dict[str, float | None] = {"a": 3, "b": 2, "c": 1}
    with pytest.raises(ValueError, match="cycle"):
        attribute("a", formulas, frozenset(), "up", {**values, "a": 4}, values)


def test_result_mappings_are_read_only() -> None:
    result = full_year()
    with pytest.raises(TypeError):
        result.shares["revenue"] = 0  # type: ignore[index]


# --------------------------------------------------------------------------- property


@dataclass
class Tree:
    formulas: dict[str, Expr | None] = field(default_factory=dict)
    actual: dict[str, float | None] = field(default_factory=dict)
    target: dict[str, float | None] = field(default_factory=dict)
    internal: list[str] = field(default_factory=list)
    # Sum nodes whose gap_node is 0 while their target differs from planned (share lost, spec).
    lossy: list[str] = field(default_factory=list)


values = st.integers(1, 400).map(lambda x: x / 8)
margins = st.sampled_from([1.0, 1.0, 0.9, 1.05, 1.25])


@st.composite
def trees(draw: st.DrawFn) -> tuple[Tree, str]:
    tree = Tree()

    def build(depth: int) -> str:
        node = f"n{len(tree.actual)}"
        tree.actual[node] = None  # reserve the id
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            tree.actual[node] = draw(values)
            tree.target[node] = draw(values)
            return node
        is_sum = draw(st.booleans())
        children = [build(depth - 1) for _ in range(draw(st.integers(1, 3)))]
        expr: Expr = Ref(children[0])
        for child in children[1:]:
            op = "+" if is_sum else draw(st.sampled_from("*/"))
            expr = BinOp(op, expr, Ref(child))
        child_actual = {c: tree.actual[c] or 0.0 for c in children}
        child_target = {c: tree.target[c] or 0.0 for c in children}
        actual = evaluate(expr, child_actual)
        planned = evaluate(expr, child_target)
        target = planned * draw(margins)
        tree.formulas[node] = expr
        tree.actual[node] = actual
        tree.target[node] = target
        tree.internal.append(node)
        noise_equal = guard(actual) == guard(planned)
        if is_sum and len(children) > 1 and noise_equal and guard(target) != guard(planned):
            tree.lossy.append(node)
        return node

    root = build(draw(st.integers(0, 4)))
    return tree, root


@settings(max_examples=300, deadline=None)
@given(data=trees(), direction=st.sampled_from(["up", "down"]), pick=st.data())
def test_leaf_shares_add_up_to_the_gap(
    data: tuple[Tree, str], direction: str, pick: st.DataObject
) -> None:
    tree, root = data
    determined = frozenset(
        pick.draw(st.sets(st.sampled_from(tree.internal))) if tree.internal else ()
    )
    assume(not [node for node in tree.lossy if node not in determined])
    result = attribute(root, tree.formulas, determined, direction, tree.actual, tree.target)
    assert result.gap is not None
    total = sum(result.shares[leaf] for leaf in result.leaves)
    scale = max(abs(share) for share in result.shares.values())
    assert total == pytest.approx(result.gap, rel=1e-6, abs=1e-9 * scale)
    assert set(result.leaves) <= set(result.shares)
    assert not set(result.leaves) & {p for p in result.parent.values()}
    for node in determined & set(result.shares):
        assert node in result.leaves
    if result.gap == 0:
        assert result.cause is None
    else:
        assert result.cause in result.leaves
        worst = (min if direction == "up" else max)(result.shares[leaf] for leaf in result.leaves)
        assert result.shares[result.cause] == worst
