"""Hypothesis properties of the engine: back-calculation reaches the target, whole monthly targets
add up, a higher rate never needs more volume, rounding is stable under floating noise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FunnelPlan, funnel_plans, rates, seasonalities

from kpixl.engine import periods
from kpixl.engine.compute import schedule
from kpixl.engine.funnel import required_counts
from kpixl.engine.rounding import round_down, round_nearest, round_up
from kpixl.engine.solve import Solution, solve
from kpixl.model.loader import loads

PROPS = settings(deadline=None, max_examples=100)
TOLERANCE = 1e-9  # relative: the noise guard works at 12 significant digits


def solved(spec: FunnelPlan) -> Solution:
    return solve(loads(spec.yaml(), "prop.yaml"))


def forward(spec: FunnelPlan, sol: Solution) -> float:
    """The bottom stage computed forward from the top lever's solved total, without rounding."""
    value = sol.nodes["stage0"].total
    for r in spec.rates:
        value *= r
    return value


# -- back-calculation reaches the target --------------------------------------------------------


@PROPS
@given(funnel_plans(all_whole=True))
def test_root_planned_on_solved_totals_reaches_the_target(spec: FunnelPlan) -> None:
    sol = solved(spec)
    got = sol.nodes[spec.root].total  # the root's formula on its operands' solved totals
    assert got >= spec.root_target * (1 - TOLERANCE)


@PROPS
@given(funnel_plans())
def test_forward_from_the_top_lever_reaches_the_bottom_need(spec: FunnelPlan) -> None:
    sol = solved(spec)
    need = sol.nodes[spec.stages[-1]].total
    assert forward(spec, sol) >= need * (1 - TOLERANCE)


@PROPS
@given(funnel_plans())
def test_every_stage_covers_the_stage_below(spec: FunnelPlan) -> None:
    sol = solved(spec)
    totals = [sol.nodes[s].total for s in spec.stages]
    for k, r in enumerate(spec.rates):
        assert totals[k] * r >= totals[k + 1] * (1 - TOLERANCE)


@PROPS
@given(funnel_plans())
def test_whole_stages_are_whole_numbers(spec: FunnelPlan) -> None:
    sol = solved(spec)
    for sid, whole in zip(spec.stages, spec.whole, strict=True):
        got = sol.nodes[sid].goal  # a root's total is its planned value, not rounded
        if whole:
            assert got == int(got)


# -- whole monthly targets add up exactly -------------------------------------------------------


@PROPS
@given(seasonalities, st.integers(0, 10**7))
def test_whole_months_add_up_exactly_to_the_total(weights: tuple[float, ...], total: int) -> None:
    got = periods.monthly_targets(total, weights, whole=True)
    assert sum(got) == total
    assert all(m >= 0 and m == int(m) for m in got)


@PROPS
@given(seasonalities, st.integers(0, 10**7))
def test_whole_ytd_stays_within_half_of_exact(weights: tuple[float, ...], total: int) -> None:
    got = periods.monthly_targets(total, weights, whole=True)
    c = periods.cumulative(weights)
    for m in range(1, len(weights) + 1):
        assert abs(sum(got[:m]) - total * c[m] / c[-1]) <= 0.5 + 1e-6


@PROPS
@given(funnel_plans())
def test_scheduled_whole_stages_add_up_to_their_totals(spec: FunnelPlan) -> None:
    sol = solved(spec)
    sched = schedule(sol)
    for sid, whole in zip(spec.stages, spec.whole, strict=True):
        if whole:
            assert sum(sched[sid].monthly) == sol.nodes[sid].goal


@PROPS
@given(seasonalities, st.integers(0, 30), st.integers(0, 10**6))
def test_whole_carry_in_covers_the_exact_need(weights: tuple[float, ...], lag: int,
                                              total: int) -> None:
    exact = periods.carry_in(total, weights, lag, whole=False)
    got = periods.carry_in(total, weights, lag, whole=True)
    assert got == int(got) and exact * (1 - TOLERANCE) <= got < exact + 1


# -- a higher rate never needs more volume ------------------------------------------------------


@PROPS
@given(st.integers(0, 10**6), st.lists(rates, min_size=1, max_size=5), st.data())
def test_higher_rate_never_needs_more_counts(target: int, rs: list[float],
                                             data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(rs) - 1))
    better = [*rs[:k], data.draw(st.integers(int(rs[k] * 1000), 1000)) / 1000, *rs[k + 1:]]
    base, got = required_counts(target, rs), required_counts(target, better)
    assert all(g <= b for g, b in zip(got, base, strict=True))


@PROPS
@given(funnel_plans(), st.data())
def test_higher_rate_never_needs_a_bigger_lever(spec: FunnelPlan, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(spec.rates) - 1))
    rate = data.draw(st.integers(int(spec.rates[k] * 1000), 1000)) / 1000
    base, got = solved(spec), solved(spec.with_rate(k, rate))
    for sid in spec.stages[: k + 1]:  # the stages above the changed rate
        assert got.nodes[sid].total <= base.nodes[sid].total


@PROPS
@given(funnel_plans(all_whole=True))
def test_required_counts_agree_with_solving_the_plan(spec: FunnelPlan) -> None:
    sol = solved(spec)
    exp = [sol.nodes[s].goal for s in spec.stages]
    assert required_counts(exp[-1], spec.rates) == exp


# -- noise stability ---------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "exp"), [(57 / 0.57, 100), (1_140_000_000 / 0.57, 2_000_000_000),
                                        (12 / 0.3, 40), (0.1 + 0.2, 1)])
def test_round_up_ignores_floating_noise(x: float, exp: float) -> None:
    assert round_up(x) == exp


@pytest.mark.parametrize("x", [1e28, -1e30, 1.5e300])
def test_rounding_huge_numbers_returns_them(x: float) -> None:
    assert (round_up(x), round_down(x), round_nearest(x)) == (x, x, x)


def test_noise_examples_are_really_noisy() -> None:
    assert 57 / 0.57 > 100 and 1_140_000_000 / 0.57 > 2_000_000_000
    assert math.ceil(57 / 0.57) == 101  # what a plain ceiling would publish


@PROPS
@given(st.integers(0, 10**9), st.integers(1, 100))
def test_rounding_a_product_divided_back_gives_the_integer(n: int, k: int) -> None:
    r = k / 100
    x = (n * r) / r
    assert (round_up(x), round_down(x), round_nearest(x)) == (n, n, n)


@PROPS
@given(st.integers(-10**9, 10**9), st.integers(1, 1000))
def test_rounding_is_symmetric_around_zero(n: int, k: int) -> None:
    x = n / k
    assert (round_up(-x), round_down(-x), round_nearest(-x)) == (-round_up(x), -round_down(x),
                                                                 -round_nearest(x))
