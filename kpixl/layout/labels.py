"""Every label the workbook shows, in English and Japanese."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpixl.model.plan import Funnel, Plan

SHEETS = {
    "guide": ("Guide", "使い方"),
    "inputs": ("Inputs", "前提条件"),
    "tree": ("KPI Tree", "KPIツリー"),
    "funnel": ("Funnel", "ファネル逆算"),
    "monthly": ("Monthly Targets", "月次目標"),
    "tracking": ("Tracking", "実績管理"),
    "dashboard": ("Dashboard", "ダッシュボード"),
    "smart": ("SMART", "SMARTチェック"),
    "kfs": ("KFS", "施策"),
    "pdca": ("PDCA", "PDCA記録"),
}

_L: dict[str, tuple[str, str]] = {
    "id": ("ID", "ID"),
    "kpi": ("KPI", "KPI"),
    "name": ("Name", "名称"),
    "unit": ("Unit", "単位"),
    "kind": ("Kind", "種類"),
    "value": ("Value", "値"),
    "owner": ("Owner", "担当"),
    "due": ("Due", "期限"),
    "description": ("Description", "説明"),
    "target": ("Target", "目標"),
    "goal": ("Goal", "目標値"),
    "planned": ("Planned target", "計画値"),
    "actual": ("Actual", "実績"),
    "override": ("Override", "目標の上書き"),
    "achievement": ("Achievement", "達成率"),
    "status": ("Status", "状況"),
    "forecast": ("Forecast", "着地見込"),
    "catch_up": ("Catch-up", "挽回目標"),
    "ytd": ("YTD", "累計"),
    "ytd_target": ("YTD target", "累計目標"),
    "ytd_actual": ("YTD actual", "累計実績"),
    "total": ("Total", "合計"),
    "quarter": ("Q{q}", "第{q}四半期"),
    "on_track": ("On track", "順調"),
    "at_risk": ("At risk", "注意"),
    "off_track": ("Off track", "未達"),
    "asof": ("As-of month: the last closed month (pick from the list, or a count of months; "
             "blank = the KGI's last month with an actual)",
             "締め月：締めた最終月（一覧から選択、または月数。空欄 = KGIの実績がある最終月）"),
    "asof_eff": ("As of (closed months)", "締め月（経過月数）"),
    "thresholds": ("Status thresholds (achievement)", "判定基準（達成率）"),
    "on_track_th": ("On track at or above", "順調（以上）"),
    "at_risk_th": ("At risk at or above", "注意（以上）"),
    "seasonality": ("Seasonality (monthly weights)", "季節性（月別ウェイト）"),
    "assumptions": ("Targets and assumptions", "目標と前提"),
    "splits": ("Split shares", "配分比率"),
    "baselines": ("Baselines (level before the plan)", "期首水準"),
    "node": ("Node", "ノード"),
    "operand": ("Operand", "要素"),
    "share": ("Share", "比率"),
    "baseline": ("Baseline", "期首値"),
    "kind_target": ("Target (goal)", "目標（KGI/ルート）"),
    "kind_assumption": ("Assumption", "前提"),
    "kind_solved": ("Back-calculated", "逆算"),
    "kind_determined": ("Computed", "計算"),
    "kind_root": ("Goal", "目標"),
    "formula": ("Formula", "計算式"),
    "stage": ("Stage", "段階"),
    "no_funnels": ("This plan defines no funnel (`funnels:` in the plan file).",
                   "このプランにはファネルが定義されていません（プランファイルの funnels:）。"),
    "planned_rate": ("Planned rate", "計画転換率"),
    "observed_rate": ("Observed rate", "実績転換率"),
    "required": ("Required", "必要数"),
    "carry_in": ("Carry-in (before start)", "期首までに必要"),
    "confidence_n": ("Needed at {c:.0%} confidence", "確度{c:.0%}での必要数"),
    "confidence_note": ("Engine value (binomial); live only with the kpixl add-in",
                        "エンジン計算値（二項分布）。アドイン使用時のみ自動更新"),
    "weights": ("Weights", "ウェイト"),
    "shape_shift": ("Weights, {k} months earlier (lag)", "ウェイト（{k}か月前倒し）"),
    "cumulative": ("Cumulative weights", "累積ウェイト"),
    "at_asof": ("At the as-of month", "締め月時点"),
    "month_index": ("Month #", "月番号"),
    "last_entered": ("Last month entered", "最終入力月"),
    "kgi": ("KGI", "KGI"),
    "kpis": ("KPIs", "KPI一覧"),
    "cum_target": ("Cumulative target", "累計目標"),
    "cum_actual": ("Cumulative actual", "累計実績"),
    "chart_title": ("{name}: cumulative target vs actual", "{name}：累計目標と累計実績"),
    "month": ("Month", "月"),
    "gap_title": ("Gap analysis: what explains the KGI's YTD gap, over its reported months "
                  "(shares in the KGI's unit)",
                  "要因分析：KGIの累計差異の内訳（KGIの実績月ベース、KGIの単位）"),
    "gap_share": ("Share of the gap", "差異への寄与"),
    "gap_leaf": ("Leaf share", "要因の寄与"),
    "gap_split": ("Split further", "さらに分解"),
    "gap_cause": ("Main cause", "主な要因"),
    "chart_data": ("Chart data (live: cumulative targets and actuals up to the as-of month)",
                   "グラフ用データ（締め月までの累計目標と累計実績）"),
    "check": ("Check", "チェック"),
    "ok": ("OK", "問題なし"),
    "initiative": ("Initiative", "施策"),
    "linked": ("Linked KPIs", "対象KPI"),
    "date": ("Date", "記入日"),
    "period": ("Period", "対象月"),
    "finding": ("Check: finding", "Check：評価"),
    "cause": ("Cause", "要因"),
    "action": ("Act: action", "Act：改善策"),
    "kfs_status_values": ("Not started,In progress,Done,On hold", "未着手,実施中,完了,保留"),
    "pdca_status_values": ("Open,In progress,Done", "未対応,対応中,完了"),
    "planned_vs_goal": ("Planned differs from the goal by rounding",
                        "端数処理により目標と計画値が異なる"),
    "engine_value": ("engine value", "エンジン計算値"),
    # -- issue 16: the workbook's look -----------------------------------------------------------
    "multiplier_note": ("x N: a multiplier (N per unit of the stage above), not a conversion",
                        "x N：転換率ではなく倍率（上の段階1件あたりN件）"),
    "status_values": ("Not started,In progress,Done,On hold", "未着手,実施中,完了,保留"),
    "input_cell": ("Input", "入力セル"),
    "guide_sheets": ("Sheets", "シート"),
    "guide_method": ("Method", "考え方"),
    # -- issue 13: reported months, missing months, frozen months, the honest gap analysis
    "frozen": ("Frozen (published) target", "確定済み目標（公表値）"),
    "not_counted_note": ("Grey actuals after the as-of month are not counted yet; a blank month "
                         "counts on neither side (see the marker under the KPI name).",
                         "締め月より後の実績（灰色）はまだ集計しません。未入力の月は目標・実績の"
                         "どちらにも含めません（KPI名の下に表示）。"),
    "missing": ("Missing", "未入力"),
    "gap_needs": ("To split further", "分解に必要な実績"),
    "gap_enter": ("Enter actuals: ", "実績を入力: "),
    "gap_unexplained": ("Unexplained (timing, levels times prices, rounding)",
                        "説明できない差異（時期のずれ・水準×単価・端数など）"),
}

# Status words of the KFS and PDCA tables: one vocabulary (``status_values``). Words of earlier
# workbooks (PDCA's 未対応/対応中, Open) mean the same states; readers map them with this table.
OLD_STATUS_WORDS = {"未対応": "未着手", "対応中": "実施中", "Open": "Not started"}


def label(key: str, locale: str, **fmt: object) -> str:
    en, ja = _L[key]
    text = ja if locale == "ja" else en
    return text.format(**fmt) if fmt else text


def funnel_title(plan: Plan, funnel: Funnel) -> str:
    """How sheets and reports title a funnel: its ``name``, else its first and last stage
    names (``問い合わせ件数 → 受注件数``), never its id."""
    name = getattr(funnel, "name", None)  # Funnel.name: the plan model gains it with issue 16
    if name:
        return str(name)
    return f"{plan.nodes[funnel.stages[0]].name} → {plan.nodes[funnel.stages[-1]].name}"


def sheet_name(key: str, locale: str) -> str:
    en, ja = SHEETS[key]
    return ja if locale == "ja" else en


def status_labels(locale: str) -> tuple[str, str, str]:
    return tuple(label(k, locale) for k in ("on_track", "at_risk", "off_track"))  # type: ignore[return-value]
