"""Quick funnel back-calculation (``kpixl backcalc``, ``KPIXL_BACKCALC``).

From a bottom target and the stage rates (top first), each stage above needs
``ROUNDUP(guard(next / rate), 0)``: whole numbers, rounded up stage by stage, as practitioners do
(12 orders at 0.3 -> 40 deals; at 0.6 -> 67 appointments; at 0.35 -> 192 inquiries).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from kpixl.engine.rounding import round_up

__all__ = ["required_counts"]


def required_counts(target: float, rates: Sequence[float]) -> list[float]:
    """Counts per stage, top to bottom; ``rates[k]`` converts stage k into stage k+1.

    Raises ValueError for a rate outside (0, 1] or a negative target.
    """
    if not math.isfinite(target) or target < 0:
        raise ValueError(f"target must be a finite number >= 0, got {target:g}")
    for i, r in enumerate(rates, 1):
        if not 0 < r <= 1:
            hint = f" (did you mean {r:g}%?)" if 1 < r <= 100 else ""
            raise ValueError(f"rate {i} must be within (0, 1], got {r:g}{hint}")
    out = [round_up(target)]
    for r in reversed(rates):
        out.append(round_up(out[-1] / r))
    return out[::-1]
