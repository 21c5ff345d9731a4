"""Hypothesis strategies shared by the property tests (one module, as attrs' tests do).

``funnel_plans()`` draws a random funnel plan (:class:`FunnelPlan`) that renders itself as plan
YAML text, so every property runs through the real loader: ``loads(spec.yaml(), "prop.yaml")``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

__all__ = [
    "FunnelPlan", "confidences", "funnel_plans", "probabilities", "rates", "seasonalities",
    "small_targets", "weights",
]

# A conversion rate in (0.01, 1], in steps of 0.001 (what a planner types).
rates = st.integers(11, 1000).map(lambda k: k / 1000)


def weights(n: int) -> st.SearchStrategy[tuple[float, ...]]:
    """``n`` seasonality weights >= 0 with a positive sum (integers, or decimals such as 0.3)."""
    one = st.one_of(st.integers(0, 20).map(float), st.integers(0, 200).map(lambda k: k / 10))
    return (st.lists(one, min_size=n, max_size=n).filter(lambda w: sum(w) > 0).map(tuple))


seasonalities = st.integers(1, 60).flatmap(weights)

# The confidence count's inputs: a bottom-stage target, a success probability, a confidence.
small_targets = st.integers(1, 40)
probabilities = st.floats(0.05, 1.0, allow_nan=False)
confidences = st.floats(0.01, 0.99, allow_nan=False)


@dataclass(frozen=True)
class FunnelPlan:
    """A funnel plan: stages top first (``stage0`` is the lever), the bottom stage is the root.

    ``stage{k+1} = stage{k} * rate{k}``; with ``top == "price"`` the root is ``revenue =
    stage{n} * price`` (target ``target * price``), with ``top == "base"`` it is ``total =
    base + stage{n}`` (``base`` an assumption, so part of the target may already be covered).
    """

    target: float
    rates: tuple[float, ...]  # rates[k] converts stage k into stage k+1
    whole: tuple[bool, ...]  # per stage, top first; len(rates) + 1
    lags: tuple[int, ...]  # lag of stage k+1's formula; len(rates)
    seasonality: tuple[float, ...]
    top: str = "none"  # none | price | base
    price: float = 1200.0
    base: float = 0.0

    @property
    def stages(self) -> list[str]:
        return [f"stage{k}" for k in range(len(self.whole))]

    @property
    def root(self) -> str:
        return {"none": self.stages[-1], "price": "revenue", "base": "total"}[self.top]

    @property
    def root_target(self) -> float:
        return self.target * self.price if self.top == "price" else self.target

    def with_rate(self, k: int, rate: float) -> FunnelPlan:
        return replace(self, rates=(*self.rates[:k], rate, *self.rates[k + 1 :]))

    def yaml(self) -> str:
        lines = ["kpixl: 1", "title: Property funnel",
                 f"period: {{start: 2026-04, months: {len(self.seasonality)}}}",
                 f"seasonality: [{', '.join(map(repr, self.seasonality))}]",
                 f"kgi: {self.root}", "kpis:"]
        stages = self.stages
        if self.top == "price":
            lines += [f"  revenue: {{name: Revenue, target: {self.root_target!r}, "
                      f"formula: {stages[-1]} * price}}",
                      f"  price: {{name: Price, value: {self.price!r}}}"]
        elif self.top == "base":
            lines += [f"  total: {{name: Total, target: {self.target!r}, "
                      f"formula: base + {stages[-1]}}}",
                      f"  base: {{name: Base, value: {self.base!r}}}"]
        for k, sid in enumerate(stages):
            fields = [f"name: Stage {k}", f"whole: {str(self.whole[k]).lower()}"]
            if k > 0:
                fields += [f"formula: {stages[k - 1]} * rate{k - 1}", f"lag: {self.lags[k - 1]}"]
            if k == len(stages) - 1 and self.top == "none":
                fields.append(f"target: {self.target!r}")
            lines.append(f"  {sid}: {{{', '.join(fields)}}}")
        for k, r in enumerate(self.rates):
            lines.append(f"  rate{k}: {{name: Rate {k}, unit: '%', value: {r!r}}}")
        lines.append(f"funnels: {{sales: [{', '.join(stages)}]}}")
        return "\n".join(lines) + "\n"


@st.composite
def funnel_plans(draw: st.DrawFn, *, all_whole: bool = False) -> FunnelPlan:
    """A random funnel: 1-5 rates, random whole flags (all whole with ``all_whole``), lags 0-3,
    12 to 24 months of random seasonality and a target of up to 10 million (whole when the
    bottom stage is)."""
    n = draw(st.integers(1, 5))
    whole = tuple(True if all_whole else draw(st.booleans()) for _ in range(n + 1))
    if whole[-1]:
        target: float = float(draw(st.integers(0, 10_000_000)))
    else:
        target = draw(st.integers(0, 10**9)) / 100
    top = draw(st.sampled_from(["none", "price", "base"]))
    return FunnelPlan(
        target=target,
        rates=tuple(draw(rates) for _ in range(n)),
        whole=whole,
        lags=tuple(draw(st.integers(0, 3)) for _ in range(n)),
        seasonality=draw(st.integers(12, 24).flatmap(weights)),
        top=top,
        price=draw(st.integers(1, 10_000)) * 100.0,
        base=float(draw(st.integers(0, 50))) if top == "base" else 0.0,
    )
