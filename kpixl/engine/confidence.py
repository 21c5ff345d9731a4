"""Uncertainty with small counts: how many trials reach a count target with a given confidence.

Conversions are random. If each of N trials (deals, inquiries, ...) converts independently with
probability p (a decimal, e.g. 0.30 for a 30% close rate), the number of conversions X is
Binomial(N, p)::

    P(X = j)  = C(N, j) * p**j * (1 - p)**(N - j)        (j = 0..N conversions)
    P(X >= k) = sum_{j=k..N} P(X = j)                     (a probability, 0..1)

:func:`prob_at_least` evaluates ``P(X >= k)``; :func:`confidence_count` finds the smallest whole
number of trials N (a count, in the trials' unit) for which a count target of k conversions is
reached with probability at least c (the plan's ``confidence``, 0 < c < 1)::

    N(k, p, c) = min { N >= k : P(Binomial(N, p) >= k) >= c }

This is k plus the c-quantile of the negative-binomial number of failures before the k-th
success. With p = 0.30 and k = 12 orders, the naive 12 / 0.30 = 40 deals reach 12 orders only
about 56% of the time; 48 deals are needed for 80%.

Numerics: each binomial probability ``P(X = j)`` is computed with Loader's saddle-point method
(``stirlerr`` and ``bd0``, as R's ``dbinom``), which is accurate to a few ulps for N up to 10**15,
and the tail is summed outward from the term nearest the mode (the terms then shrink
monotonically), stopping when a term no longer changes the sum. The upper tail is summed directly
when k lies above the mode; otherwise ``1 - P(X <= k - 1)`` is used. Both sums therefore run
over the smaller tail and cost O(sd) terms, sd = sqrt(N p (1 - p)).
"""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

from kpixl.engine.rounding import round_up

__all__ = ["confidence_count", "prob_at_least"]

_LN_2PI = math.log(2.0 * math.pi)
_HALF_LN_2PI = 0.5 * _LN_2PI
# Relative size below which a further term cannot change a float sum.
_NEGLIGIBLE = 2.0**-60
# Within this distance of c, the float probability is re-checked exactly (for small N).
_TIE_BAND = 1e-9
_EXACT_MAX_N = 3000


# --------------------------------------------------------------------------- binomial pmf


def _stirlerr(n: float) -> float:
    """Stirling's error, ``ln(n!) - ((n + 1/2) ln n - n + ln sqrt(2 pi))``, for n >= 1 (nats)."""
    if n <= 15.0:
        # n is a whole number of trials here; ln(n!) is exact to an ulp via the integer factorial.
        return math.log(math.factorial(int(n))) - (n + 0.5) * math.log(n) + n - _HALF_LN_2PI
    s0, s1, s2, s3, s4 = 1.0 / 12, 1.0 / 360, 1.0 / 1260, 1.0 / 1680, 1.0 / 1188
    nn = n * n
    if n > 500.0:
        return (s0 - s1 / nn) / n
    if n > 80.0:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35.0:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


def _bd0(x: float, m: float) -> float:
    """Deviance term ``x ln(x / m) + m - x`` (nats), computed without cancellation for x ~ m."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        s = (x - m) * v
        ej = 2.0 * x * v
        v2 = v * v
        j = 1
        while True:
            ej *= v2
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s1
            s = s1
            j += 1
    return x * math.log(x / m) + m - x


def _pmf(j: int, n: int, p: float, q: float) -> float:
    """``P(Binomial(n, p) = j)`` (a probability), q = 1 - p, by Loader's saddle-point formula.

    ``P = exp(stirlerr(n) - stirlerr(j) - stirlerr(n-j) - bd0(j, np) - bd0(n-j, nq))
    * sqrt(n / (2 pi j (n - j)))``.
    """
    if j < 0 or j > n:
        return 0.0
    if p == 0.0:
        return 1.0 if j == 0 else 0.0
    if q == 0.0:
        return 1.0 if j == n else 0.0
    if j == 0:
        if n == 0:
            return 1.0
        lc = -_bd0(n, n * q) - n * p if p < 0.1 else n * math.log(q)
        return math.exp(lc)
    if j == n:
        lc = -_bd0(n, n * p) - n * q if q < 0.1 else n * math.log(p)
        return math.exp(lc)
    lc = _stirlerr(n) - _stirlerr(j) - _stirlerr(n - j) - _bd0(j, n * p) - _bd0(n - j, n * q)
    lf = _LN_2PI + math.log(j) + math.log1p(-j / n)
    return math.exp(lc - 0.5 * lf)


def _tail_up(k: int, n: int, p: float, q: float) -> float:
    """``sum_{j=k..n} P(X = j)`` for k above the mode (terms shrink as j grows)."""
    term = _pmf(k, n, p, q)
    total = term
    odds = p / q
    j = k
    while term > 0.0 and j < n:
        term *= (n - j) / (j + 1) * odds
        j += 1
        total += term
        if term <= total * _NEGLIGIBLE:
            break
    return total


def _tail_down(k: int, n: int, p: float, q: float) -> float:
    """``sum_{j=0..k} P(X = j)`` for k at or below the mode (terms shrink as j falls)."""
    term = _pmf(k, n, p, q)
    total = term
    odds = q / p
    j = k
    while term > 0.0 and j > 0:
        term *= j / (n - j + 1) * odds
        j -= 1
        total += term
        if term <= total * _NEGLIGIBLE:
            break
    return total


def prob_at_least(k: int, n: int, p: float) -> float:
    """``P(X >= k)`` for ``X ~ Binomial(n, p)``: a probability in [0, 1].

    Args:
        k: the count to reach (conversions); k <= 0 is always reached.
        n: the number of independent trials, n >= 0.
        p: the probability (decimal, 0 <= p <= 1) that one trial converts.

    Exact edge cases: k <= 0 gives 1; k > n gives 0; p = 1 gives 1 (n >= k here); p = 0 gives 0
    (k > 0 here). Otherwise the smaller tail is summed (see the module docstring): the upper tail
    ``sum_{j=k..n} P(X = j)`` when k is above the mode floor((n + 1) p), else
    ``1 - sum_{j=0..k-1} P(X = j)``. Accurate to about 1e-13 relative for n up to ~10**9.

    Raises:
        ValueError: n < 0, or p is not a number in [0, 1].
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0.0 <= p <= 1.0:  # also rejects NaN
        raise ValueError(f"p must be a probability in [0, 1], got {p}")
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p == 1.0:
        return 1.0
    if p == 0.0:
        return 0.0
    q = 1.0 - p
    mode = math.floor((n + 1) * p)
    if k > mode:
        return min(1.0, _tail_up(k, n, p, q))
    return min(1.0, max(0.0, 1.0 - _tail_down(k - 1, n, p, q)))


def _exact_at_least(k: int, n: int, p: float) -> Fraction:
    """``P(Binomial(n, p) >= k)`` as an exact fraction, p taken as the exact binary value of p."""
    if k <= 0:
        return Fraction(1)
    if k > n:
        return Fraction(0)
    fp = Fraction(p)
    a, d = fp.numerator, fp.denominator
    b = d - a  # 1 - p = b / d
    # Sum whichever side has fewer terms: j = k..n or j = 0..k-1.
    lo, hi, upper = (k, n, True) if n - k + 1 <= k else (0, k - 1, False)
    coef = math.comb(n, lo)
    total = 0
    for j in range(lo, hi + 1):
        if j > lo:
            coef = coef * (n - j + 1) // j
        total += coef * a**j * b ** (n - j)
    part = Fraction(total, d**n)
    return part if upper else 1 - part


def _meets(k: int, n: int, p: float, c: float) -> bool:
    """Whether ``P(Binomial(n, p) >= k) >= c``; near-ties for small n are decided exactly."""
    if n < k:
        return False
    prob = prob_at_least(k, n, p)
    if abs(prob - c) <= _TIE_BAND and n <= _EXACT_MAX_N:
        return _exact_at_least(k, n, p) >= Fraction(c)
    return prob >= c


def confidence_count(target: float, p: float, c: float) -> int:
    """Smallest whole N (trials) with ``P(Binomial(N, p) >= k) >= c``, k = ceil(target).

    Args:
        target: the count to reach at the bottom of the funnel (conversions, e.g. 12 orders).
            A fractional target is rounded up after the 12-significant-digit noise guard of
            :mod:`kpixl.engine.rounding` (so 12.000000000000002 counts as 12); target <= 0 gives 0.
        p: the conversion probability of one trial down to the target (decimal, 0 < p <= 1):
            the product of the funnel's rates from the trial's stage down.
        c: the required confidence (probability, 0 < c < 1).

    Returns:
        ``min { N >= k : P(Binomial(N, p) >= k) >= c }``, a count of trials. For p = 1 this
        is k. The search starts at the normal-approximation guess N0, the root of
        ``N p - z sqrt(N p (1 - p)) = k - 1/2`` (z = the standard normal c-quantile), then
        gallops (steps 1, 2, 4, ...) to bracket the boundary and bisects, so that the result
        satisfies the inequality and N - 1 does not. Probabilities within 1e-9 of c are
        re-checked with exact rational arithmetic when N <= 3000.

    Raises:
        ValueError: p not in (0, 1], c not in (0, 1), or target not finite.
    """
    if not 0.0 < p <= 1.0:
        raise ValueError(f"p must be a probability in (0, 1], got {p}")
    if not 0.0 < c < 1.0:
        raise ValueError(f"c must be a confidence in (0, 1), got {c}")
    if not math.isfinite(target):
        raise ValueError(f"target must be a finite count, got {target}")
    if target <= 0:
        return 0
    k = int(round_up(target))
    if k <= 0:
        return 0
    if p == 1.0:
        return k
    q = 1.0 - p
    z = NormalDist().inv_cdf(c)
    root = (z * math.sqrt(p * q) + math.sqrt(z * z * p * q + 4.0 * p * (k - 0.5))) / (2.0 * p)
    guess = max(k, math.ceil(root * root))

    # Bracket: lo fails (lo = k - 1 always fails since c > 0), hi meets.
    if _meets(k, guess, p, c):
        hi, step = guess, 1
        lo = hi - step
        while lo >= k and _meets(k, lo, p, c):
            hi = lo
            step *= 2
            lo = hi - step
        lo = max(lo, k - 1)
    else:
        lo, step = guess, 1
        hi = lo + step
        while not _meets(k, hi, p, c):
            lo = hi
            step *= 2
            hi = lo + step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _meets(k, mid, p, c):
            hi = mid
        else:
            lo = mid
    return hi
