"""Style keys -> format properties (XlsxWriter's vocabulary, but plain dicts).

A key is ``look`` or ``look:numfmt``. Looks give fonts, fills and borders; number formats follow
the plan's currency, language and ``money_display`` (yen without decimals; 千円/百万円 by format
only, never changing values). The input look is the one documented in the Guide sheet.
"""

from __future__ import annotations

from typing import Any

from kpixl.model import Node, Plan

FONT_JA = "Meiryo UI"
FONT_EN = "Calibri"

INPUT_FILL = "#FFF2CC"  # pale yellow: "type here"
INPUT_FONT = "#1F3FBF"  # blue

LOOKS: dict[str, dict[str, Any]] = {
    "text": {},
    "wrap": {"text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 16, "font_color": "#1F3864"},
    "subtitle": {"italic": True, "font_color": "#595959"},
    "section": {"bold": True, "font_size": 12, "font_color": "#1F3864", "bottom": 2,
                "bottom_color": "#1F3864"},
    "head": {"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1,
             "border_color": "#BFBFBF", "text_wrap": True, "valign": "vcenter",
             "align": "center"},
    "label": {"bold": True, "border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2"},
    # a label over several rows without merging them: top, middle and bottom cell of the block
    "label_top": {"bold": True, "top": 1, "left": 1, "right": 1, "border_color": "#D9D9D9",
                  "bg_color": "#F2F2F2"},
    "label_mid": {"left": 1, "right": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2"},
    "label_end": {"bottom": 1, "left": 1, "right": 1, "border_color": "#D9D9D9",
                  "bg_color": "#F2F2F2"},
    "cell": {"border": 1, "border_color": "#D9D9D9"},
    # long text (descriptions, KFS and owner names, PDCA notes): wrapped, read from the top
    "cell_wrap": {"border": 1, "border_color": "#D9D9D9", "text_wrap": True, "valign": "top"},
    "input_wrap": {"border": 1, "border_color": "#BF9000", "bg_color": INPUT_FILL,
                   "font_color": INPUT_FONT, "locked": False, "text_wrap": True,
                   "valign": "top"},
    "calc": {"border": 1, "border_color": "#D9D9D9", "locked": True},
    "calc_bold": {"border": 1, "border_color": "#D9D9D9", "bold": True, "bg_color": "#EAF1FB"},
    "sub": {"border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2", "italic": True},
    "input": {"border": 1, "border_color": "#BF9000", "bg_color": INPUT_FILL,
              "font_color": INPUT_FONT, "locked": False},
    "muted": {"font_color": "#7F7F7F", "italic": True},
    "status": {"border": 1, "border_color": "#D9D9D9", "align": "center"},
    "tree_root": {"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 2,
                  "border_color": "#1F3864"},
    "tree_solved": {"bg_color": "#DDEBF7", "border": 1, "border_color": "#2F5597", "bold": True},
    "tree_determined": {"bg_color": "#E2EFDA", "border": 1, "border_color": "#548235"},
    "tree_assumption": {"bg_color": INPUT_FILL, "border": 1, "border_color": "#BF9000"},
    "tree_v": {"left": 2, "left_color": "#7F7F7F"},
    "tree_l": {"left": 2, "left_color": "#7F7F7F", "bottom": 2, "bottom_color": "#7F7F7F"},
    "tree_t": {"left": 2, "left_color": "#7F7F7F", "bottom": 2, "bottom_color": "#7F7F7F"},
    # issue 13: the missing-month marker (under the KPI name, and on the Dashboard)
    "label_missing": {"left": 1, "right": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2",
                      "font_color": "#C00000", "bold": True},
    "missing": {"font_color": "#C00000", "bold": True, "border": 1, "border_color": "#D9D9D9"},
    "good": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    # a chart-data cell holding #N/A (no actual yet: the chart leaves a gap) is written white on
    # white by a conditional format, so a person never reads an error value there
    "invisible": {"font_color": "#FFFFFF"},
}

MONEY_SYMBOL = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "KRW": "₩"}
_MONEY_UNITS = {"円", "yen", "jpy", "¥", "$", "usd", "dollars", "ドル", "eur", "€", "万円"}


def number_formats(plan: Plan) -> dict[str, str]:
    cur = plan.currency
    sym = MONEY_SYMBOL.get(cur, "")
    if plan.locale == "ja" and cur == "JPY":
        money = {"unit": '#,##0"円"', "thousand": '#,##0,"千円"',
                 "million": '#,##0,,"百万円"'}[plan.money_display]
    else:
        prefix = f'"{sym}"' if sym else ""
        suffix = "" if sym else f' "{cur}"'
        dec = "" if cur in ("JPY", "KRW") else ".00"
        money = {"unit": f"{prefix}#,##0{dec}{suffix}",
                 "thousand": f'{prefix}#,##0,"K"{suffix}',
                 "million": f'{prefix}#,##0.0,,"M"{suffix}'}[plan.money_display]
    return {
        "money": money,
        "pct": "0.0%",
        "count": "#,##0",
        "num": "#,##0.00",
        # a funnel link through a multiplier (calls = leads x calls_per_lead): x 3, never 300%
        "mult": '"x "General',
        "weight": "0.###",
        "month": "yyyy-mm" if plan.locale == "en" else 'yyyy"年"m"月"',
        "date": "yyyy-mm-dd",
        "int": "0",
        "asof": "[<=1000]0;yyyy-mm",  # the as-of input: a count, or a month (issue 13)
    }


def link_numfmt(plan: Plan, rate: object) -> str:
    """The number-format key of a funnel link's planned rate (a
    :class:`~kpixl.engine.compute.FunnelLink` ``rate`` recipe): ``pct`` for a conversion (the
    other factor is a fraction: a ``%`` KPI, or a number in [0, 1]; or a ratio of stages), ``mult``
    for a multiplier (calls = leads x calls_per_lead reads ``x 3``)."""
    from kpixl.engine import recipe as rc

    if isinstance(rate, rc.Kpi):
        return "pct" if plan.nodes[rate.id].is_rate else "mult"
    if isinstance(rate, rc.Num):
        return "pct" if 0 <= rate.value <= 1 else "mult"
    return "pct"


def unit_label(node: Node, plan: Plan) -> str:
    """The unit a person reads beside a node's cells: the one its number format shows.

    With ``money_display: thousand`` the cells of a yen KPI read ``12,000千円``, so the unit
    column says 千円 (not 円, which would invite typing 12000 for ¥12,000,000); in English the
    suffix is K or M (``USD (K)``). Other units are the plan's text.
    """
    if node_numfmt(node, plan) != "money" or plan.money_display == "unit":
        return node.unit
    if plan.locale == "ja" and plan.currency == "JPY":
        return {"thousand": "千円", "million": "百万円"}[plan.money_display]
    return f"{node.unit} ({'K' if plan.money_display == 'thousand' else 'M'})"


def node_numfmt(node: Node, plan: Plan) -> str:
    """The number-format key for a node's values."""
    u = node.unit.strip().lower()
    if node.is_rate:
        return "pct"
    if u in _MONEY_UNITS or u == plan.currency.lower():
        return "money"
    return "count" if node.whole else "num"


def build_styles(plan: Plan, keys: set[str]) -> dict[str, dict[str, Any]]:
    """Format properties for every style key used, each created once."""
    fmts = number_formats(plan)
    base = {"font_name": FONT_JA if plan.locale == "ja" else FONT_EN, "font_size": 10,
            "valign": "vcenter"}
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        look, _, num = key.partition(":")
        props = {**base, **LOOKS[look]}
        if num:
            props["num_format"] = fmts[num]
        out[key] = props
    return out
