"""Generate valid kpixl plans of a given size for the benchmarks (and the scaling tests).

A plan is a revenue KGI over many product lines. Each line is a 7-node funnel chain::

    rev_i    = orders_i * price_i        (price_i: assumption, money)
    orders_i = deals_i * win_i           (whole; win_i: assumption, %)
    deals_i  = leads_i * rate_i          (whole; rate_i: assumption, %)
    leads_i                              (whole lever, solved)

Lines are summed into the KGI with ``split`` shares (the operands are free). Formulas are limited
to 2,000 characters, so beyond 40 lines the lines are grouped into regions (``total = reg_1 +
... ; reg_r = rev_a + ...``), each region a split sum too. Nodes left over to reach the exact
count are plain assumptions (exchange rates and the like) that no formula uses.

    python benchmarks/gen.py 300 24 > plan.yaml        # 300 nodes, 24 months
"""

from __future__ import annotations

import sys
from pathlib import Path

TIERS = {"S": (30, 12), "M": (300, 24), "L": (2000, 36)}
LINE_NODES = 7
MAX_FLAT_LINES = 40


def _shares(k: int) -> list[float]:
    """k shares summing to 1 (within 1e-12): a mild slope so lines differ."""
    raw = [1.0 + (i % 5) * 0.25 for i in range(k)]
    tot = sum(raw)
    out = [round(r / tot, 6) for r in raw[:-1]]
    out.append(round(1.0 - sum(out), 12))
    return out


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan_text(nodes: int, months: int, *, funnels: int = 20, title: str | None = None,
              region_size: int | None = None) -> str:
    """YAML text of a valid plan with exactly ``nodes`` KPI nodes (``nodes`` >= 8).

    ``region_size``: group the lines into regions of this many lines whatever the size (the
    scaling tests use it so that no single formula widens as the plan grows).
    """
    if nodes < 1 + LINE_NODES:
        raise ValueError(f"nodes must be >= {1 + LINE_NODES}")
    lines = (nodes - 1) // LINE_NODES
    regions = 0
    if region_size is not None:
        while 1 + -(-lines // region_size) + LINE_NODES * lines > nodes:
            lines -= 1
        regions = -(-lines // region_size)
        if regions < 2:
            raise ValueError("region_size leaves fewer than 2 regions; use a larger plan")
    elif lines > MAX_FLAT_LINES:
        # r regions of about sqrt(lines) lines each; each region costs one node
        while True:
            regions = max(2, round((lines) ** 0.5))
            if 1 + regions + LINE_NODES * lines <= nodes:
                break
            lines -= 1
    pad = nodes - (1 + regions + LINE_NODES * lines)
    assert pad >= 0
    out: list[str] = []
    w = out.append
    w("kpixl: 1")
    w(f"title: {_q(title or f'Benchmark plan: {nodes} KPIs x {months} months')}")
    w("locale: en")
    w("currency: USD")
    w(f"period: {{start: 2026-04, months: {months}}}")
    season = [1 + 0.5 * ((m % 12) in (2, 5, 8, 11)) for m in range(months)]
    w("seasonality: [" + ", ".join(f"{s:g}" for s in season) + "]")
    w("thresholds: {on_track: 1.0, at_risk: 0.9}")
    w("kgi: total")
    w("kpis:")
    top = [f"reg_{r + 1}" for r in range(regions)] if regions else \
        [f"rev_{i + 1}" for i in range(lines)]
    w("  total:")
    w("    name: Company revenue")
    w("    unit: USD")
    w(f"    target: {lines * 1_200_000}")
    w("    owner: CEO")
    w("    due: 2030-03-31")
    w("    description: Revenue of all product lines")
    w(f"    formula: {' + '.join(top)}")
    w("    split: {" + ", ".join(f"{t}: {s!r}" for t, s in zip(top, _shares(len(top)),
                                                                  strict=True)) + "}")
    if regions:
        if region_size is not None:
            per = [min(region_size, lines - r * region_size) for r in range(regions)]
        else:
            per = [lines // regions + (1 if r < lines % regions else 0) for r in range(regions)]
        first = 1
        for r, k in enumerate(per):
            ops = [f"rev_{i}" for i in range(first, first + k)]
            first += k
            w(f"  reg_{r + 1}:")
            w(f"    name: Region {r + 1} revenue")
            w("    unit: USD")
            w(f"    owner: Region {r + 1} head")
            w(f"    formula: {' + '.join(ops)}")
            w("    split: {" + ", ".join(f"{o}: {s!r}" for o, s in zip(ops, _shares(k),
                                                                      strict=True)) + "}")
    for i in range(1, lines + 1):
        price = 5_000 + (i % 7) * 2_500
        win = 0.2 + (i % 5) * 0.05
        rate = 0.3 + (i % 4) * 0.1
        w(f"  rev_{i}: {{name: Line {i} revenue, unit: USD, owner: Line {i} lead, "
          f"formula: orders_{i} * price_{i}}}")
        w(f"  price_{i}: {{name: Line {i} unit price, unit: USD, value: {price}}}")
        w(f"  orders_{i}: {{name: Line {i} orders, unit: orders, whole: true, "
          f"formula: deals_{i} * win_{i}}}")
        w(f"  win_{i}: {{name: Line {i} win rate, unit: \"%\", value: {win:g}}}")
        w(f"  deals_{i}: {{name: Line {i} deals, unit: deals, whole: true, "
          f"formula: leads_{i} * rate_{i}}}")
        w(f"  rate_{i}: {{name: Line {i} deal rate, unit: \"%\", value: {rate:g}}}")
        w(f"  leads_{i}: {{name: Line {i} leads, unit: leads, whole: true, "
          f"owner: Marketing}}")
    for p in range(pad):
        w(f"  fx_{p + 1}: {{name: Planning rate {p + 1}, value: {1 + p / 100:g}}}")
    nf = min(funnels, lines)
    if nf:
        w("funnels:")
        for i in range(1, nf + 1):
            w(f"  line_{i}: [leads_{i}, deals_{i}, orders_{i}]")
    w("kfs:")
    for i in range(1, min(5, lines) + 1):
        w(f"  - {{id: kfs_{i}, name: Campaign {i}, kpis: [leads_{i}], owner: Marketing, "
          f"due: 2026-09-30}}")
    return "\n".join(out) + "\n"


def write_tier(tier: str, folder: Path) -> Path:
    nodes, months = TIERS[tier]
    path = folder / f"plan_{tier}.yaml"
    path.write_text(plan_text(nodes, months, title=f"Benchmark {tier}"), encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] in TIERS:
        n, m = TIERS[sys.argv[1]]
    else:
        n, m = int(sys.argv[1]), int(sys.argv[2])
    sys.stdout.write(plan_text(n, m))
