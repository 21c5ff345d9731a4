"""Tests for kpixl.engine.confidence (domain notes section 7)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import confidences, probabilities, small_targets

from kpixl.engine.confidence import confidence_count, prob_at_least

FUNNEL_P = 0.35 * 0.6 * 0.3  # inquiry -> appointment -> deal -> order


def exact_at_least(k: int, n: int, p: float | Fraction) -> Fraction:
    """P(Binomial(n, p) >= k) with exact rational arithmetic (p as its exact binary value)."""
    fp = Fraction(p)
    if k <= 0:
        return Fraction(1)
    below = sum(
        (math.comb(n, j) * fp**j * (1 - fp) ** (n - j) for j in range(min(k, n + 1))),
        Fraction(0),
    )
    return 1 - below


def exact_count(k: int, p: float, c: float) -> int:
    """Smallest N with exact P(Binomial(N, p) >= k) >= c, by linear search (small cases)."""
    n = k
    while exact_at_least(k, n, p) < Fraction(c):
        n += 1
    return n


# --------------------------------------------------------------------------- section 7 table


@pytest.mark.parametrize(
    ("p", "c", "expected"),
    [
        (0.25, 0.8, 58),
        (0.25, 0.5, 47),
        (0.25, 0.9, 64),
        (0.30, 0.8, 48),
        (0.30, 0.5, 39),
        (0.30, 0.9, 53),
        (0.50, 0.8, 28),
        (0.50, 0.5, 23),
        (0.50, 0.9, 31),
        (FUNNEL_P, 0.8, 233),
    ],
)
def test_domain_notes_table(p: float, c: float, expected: int) -> None:
    assert confidence_count(12, p, c) == expected
    # Exact check: for p = 0.5, c = 0.5, P(X >= 12 | 23) is exactly 1/2 (a tie a float sum misses).
    assert exact_at_least(12, expected, p) >= Fraction(c)
    assert exact_at_least(12, expected - 1, p) < Fraction(c)


@pytest.mark.parametrize(
    ("n", "p", "expected"),
    [
        (48, 0.25, 0.555),  # naive 12 / p
        (40, 0.30, 0.559),
        (24, 0.50, 0.581),
        (58, 0.25, 0.817),  # at the 80% N
        (48, 0.30, 0.819),
        (28, 0.50, 0.828),
        (191, FUNNEL_P, 0.546),  # the whole funnel's naive 191 inquiries
    ],
)
def test_domain_notes_probabilities(n: int, p: float, expected: float) -> None:
    assert prob_at_least(12, n, p) == pytest.approx(expected, abs=5e-4)


# --------------------------------------------------------------------------- prob_at_least


def test_prob_edge_cases() -> None:
    assert prob_at_least(0, 10, 0.3) == 1.0
    assert prob_at_least(-5, 0, 0.0) == 1.0
    assert prob_at_least(11, 10, 0.9) == 0.0
    assert prob_at_least(10, 10, 1.0) == 1.0
    assert prob_at_least(11, 10, 1.0) == 0.0
    assert prob_at_least(1, 10, 0.0) == 0.0
    assert prob_at_least(1, 0, 0.5) == 0.0
    assert prob_at_least(10, 10, 0.5) == pytest.approx(2.0**-10, rel=1e-14)
    assert prob_at_least(1, 10, 0.5) == pytest.approx(1 - 2.0**-10, rel=1e-14)


@pytest.mark.parametrize("p", [-0.1, 1.1, math.nan])
def test_prob_rejects_bad_p(p: float) -> None:
    with pytest.raises(ValueError):
        prob_at_least(1, 10, p)


def test_prob_rejects_negative_n() -> None:
    with pytest.raises(ValueError):
        prob_at_least(1, -1, 0.5)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(0, 120),
    data=st.data(),
    p=st.floats(0.0, 1.0, allow_nan=False),
)
def test_prob_matches_exact_fraction(n: int, data: st.DataObject, p: float) -> None:
    k = data.draw(st.integers(-1, n + 1))
    exact = exact_at_least(k, n, p)
    got = prob_at_least(k, n, p)
    assert 0.0 <= got <= 1.0
    # Relative accuracy on the smaller tail, absolute accuracy otherwise.
    assert got == pytest.approx(float(exact), rel=1e-11, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 10**6), data=st.data())
def test_prob_symmetry_half_large_n(n: int, data: st.DataObject) -> None:
    # For p = 1/2: P(X >= k) + P(X >= n - k + 1) = P(X >= k) + P(X <= k - 1) = 1.
    k = data.draw(st.integers(0, n + 1))
    total = prob_at_least(k, n, 0.5) + prob_at_least(n - k + 1, n, 0.5)
    assert total == pytest.approx(1.0, abs=1e-12)


def test_prob_large_n_median() -> None:
    # P(X >= n/2) = 1/2 + P(X = n/2) / 2 for p = 1/2; P(X = n/2) = C(n, n/2) / 2**n.
    n = 10**6
    pmf = math.exp(math.lgamma(n + 1) - 2 * math.lgamma(n / 2 + 1) - n * math.log(2))
    assert prob_at_least(n // 2, n, 0.5) == pytest.approx(0.5 + pmf / 2, rel=1e-9)
    assert prob_at_least(n, n, 0.5) == 0.0  # 2**-1e6 underflows
    assert prob_at_least(1, n, 0.5) == 1.0


def test_prob_large_n_tail_consistency() -> None:
    # Successive tails differ by one pmf term, which must be positive and decreasing past the mode.
    n, p = 10**6, 0.01
    tails = [prob_at_least(k, n, p) for k in range(10_000, 10_400, 50)]
    assert all(a > b for a, b in itertools.pairwise(tails))
    assert 0.4 < prob_at_least(10_000, n, p) < 0.6


# --------------------------------------------------------------------------- confidence_count


def test_count_edge_cases() -> None:
    assert confidence_count(0, 0.3, 0.8) == 0
    assert confidence_count(-3, 0.3, 0.8) == 0
    assert confidence_count(12, 1.0, 0.99) == 12
    assert confidence_count(1, 0.5, 0.5) == 1  # P(X >= 1 | 1) = 0.5 exactly
    assert confidence_count(1, 0.5, 0.75) == 2  # 1 - 1/4 = 0.75 exactly
    assert confidence_count(2, 0.5, 0.5) == 3  # P(X >= 2 | 3) = 0.5 exactly


def test_count_ceils_fractional_target() -> None:
    assert confidence_count(11.2, 0.3, 0.8) == confidence_count(12, 0.3, 0.8)
    # Floating noise is not a whole extra order (12.000000000000002 is 12).
    assert confidence_count(40 * 0.3 + 1e-15, 0.3, 0.8) == 48


@pytest.mark.parametrize(
    ("p", "c"),
    [(0.0, 0.8), (-0.1, 0.8), (1.1, 0.8), (math.nan, 0.8), (0.3, 0.0), (0.3, 1.0), (0.3, math.nan)],
)
def test_count_rejects_bad_arguments(p: float, c: float) -> None:
    with pytest.raises(ValueError):
        confidence_count(12, p, c)


def test_count_rejects_non_finite_target() -> None:
    with pytest.raises(ValueError):
        confidence_count(math.inf, 0.3, 0.8)


def test_count_is_exact_for_large_targets() -> None:
    n = confidence_count(2000, 0.01, 0.8)
    assert prob_at_least(2000, n, 0.01) >= 0.8 > prob_at_least(2000, n - 1, 0.01)
    # The normal approximation lands close by.
    assert abs(n - 2000 / 0.01) < 5000


@pytest.mark.parametrize(
    ("target", "p", "c"),
    [(2000, 0.01, 0.8), (2000, 0.01, 0.999), (1, 1e-6, 0.95), (5, 1e-9, 0.5), (500, 0.999, 0.9)],
)
def test_count_boundary_extreme(target: int, p: float, c: float) -> None:
    n = confidence_count(target, p, c)
    assert prob_at_least(target, n, p) >= c
    assert prob_at_least(target, n - 1, p) < c


def test_count_single_success_closed_form() -> None:
    # k = 1: P(X >= 1) = 1 - (1 - p)**N >= c  <=>  N >= ln(1 - c) / ln(1 - p).
    for p, c in [(0.1, 0.8), (0.01, 0.95), (0.37, 0.5)]:
        bound = math.log(1 - c) / math.log(1 - p)
        assert confidence_count(1, p, c) == math.ceil(bound)


@settings(max_examples=200, deadline=None)
@given(target=small_targets, p=probabilities, c=confidences)
def test_count_is_exact_boundary(target: int, p: float, c: float) -> None:
    n = confidence_count(target, p, c)
    assert n >= target
    assert exact_at_least(target, n, p) >= Fraction(c)
    assert exact_at_least(target, n - 1, p) < Fraction(c)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 30), data=st.data())
def test_count_exact_on_ties(n: int, data: st.DataObject) -> None:
    # With p = 1/2 every probability is dyadic and exact as a float: c can equal P exactly.
    k = data.draw(st.integers(1, n))
    c = float(exact_at_least(k, n, 0.5))
    if not 0.0 < c < 1.0:
        return
    assert confidence_count(k, 0.5, c) == exact_count(k, 0.5, c)


@settings(max_examples=200, deadline=None)
@given(target=small_targets, p1=probabilities, p2=probabilities, c=confidences)
def test_count_monotone_in_p(target: int, p1: float, p2: float, c: float) -> None:
    lo, hi = sorted((p1, p2))
    assert confidence_count(target, hi, c) <= confidence_count(target, lo, c)


@settings(max_examples=200, deadline=None)
@given(target=small_targets, p=probabilities, c1=confidences, c2=confidences)
def test_count_monotone_in_c(target: int, p: float, c1: float, c2: float) -> None:
    lo, hi = sorted((c1, c2))
    assert confidence_count(target, p, lo) <= confidence_count(target, p, hi)


@settings(max_examples=100, deadline=None)
@given(t1=small_targets, t2=small_targets, p=probabilities, c=confidences)
def test_count_monotone_in_target(t1: int, t2: int, p: float, c: float) -> None:
    lo, hi = sorted((t1, t2))
    assert confidence_count(lo, p, c) <= confidence_count(hi, p, c)


def test_count_at_least_naive_when_confident() -> None:
    # With c >= 0.5 at least about target / p trials are needed (the median is near the mean).
    for p in (0.25, 0.3, 0.5, FUNNEL_P):
        assert confidence_count(12, p, 0.8) >= math.ceil(12 / p - 1e-9)
