"""Every message about a plan, in English and Japanese: one catalogue, one function.

``MESSAGES`` maps a key to ``(English, Japanese)`` templates with named ``{placeholders}``; both
languages of a key use the same placeholders (``tests/test_messages.py`` checks it). A key is the
problem's stable code (``Problem.code``: ``bounds``, ``cycle``, ``smart_s``), or the code and a
variant after a dot (``type.number``, ``smart_r.growth``) where one code has several messages;
``hint.*``, ``value.*``, ``field.*`` and ``why.*`` are pieces that other messages take as a
parameter. Messages follow the plan's ``locale`` (cli.md): ``msg(key, plan.locale, ...)``.

Parameters are passed already formatted (ids quoted with ``repr``, numbers with ``num``), so a
message reads the same in both languages wherever it shows a value from the plan. Field paths, ids
and file names are never translated.
"""

from __future__ import annotations

import re

__all__ = ["LOCALES", "MESSAGES", "locale_of_text", "msg"]

LOCALES = ("en", "ja")

MESSAGES: dict[str, tuple[str, str]] = {
    # -- pieces: hints appended to a message, values shown in one, the reason of a solve error ---
    "hint.did-you-mean": (" (did you mean {match}?)",
                          "（{match} のことですか？）"),
    "hint.expected-keys": ("; expected one of {keys}",
                           "。使えるキー: {keys}"),
    "hint.percent-rate": (" (did you mean {pct}%? write {fraction})",
                          "（{pct}% のことですか？ それなら {fraction} と書いてください）"),
    "hint.percent-text": (" (write a fraction: 0.4 for 40%)",
                          "（40% なら 0.4 のように小数で書いてください）"),
    "hint.commas": (" (write 1000 or 1_000, without commas)",
                    "（カンマを使わず 1000 か 1_000 と書いてください）"),
    "hint.quote": (' (quote it: "{text}")',
                   '（文字として扱うなら "{text}" のように引用符で囲んでください）'),
    "hint.month-only": (" (give only the month: {month})",
                        "（年月だけを書いてください: {month}）"),
    "hint.tabs": (" (indent with spaces, not tabs)",
                  "（字下げにはタブではなく空白を使ってください）"),
    "value.null": ("nothing (null)", "空（null）"),
    "value.mapping": ("a mapping", "マッピング"),
    "value.list": ("a list", "リスト"),
    "why.back-calculated": ("back-calculated from {parent} = {goal}",
                            "{parent} = {goal} から逆算すると"),
    "why.forward": ("computed forward", "計算式どおりに計算すると"),
    # -- reading the file and its YAML (kpixl.model.loader, kpixl.model._yaml) --------------
    "file.missing": ("no such file", "ファイルがありません"),
    "file.folder": ("is a folder, not a plan file",
                    "フォルダーです。プランのファイルを指定してください"),
    "file.unreadable": ("cannot be read: {reason}", "読み込めません: {reason}"),
    "too-large.file": ("is larger than {mb} MB; a plan is a small text file",
                       "{mb} MB を超えています。プランは小さなテキストファイルのはずです"),
    "too-large.values": ("the document is too large: more than {limit} values (aliases count as "
                         "the values they repeat)",
                         "文書が大きすぎます。値が {limit} 個を超えています（エイリアスは参照先の"
                         "値の数で数えます）"),
    "encoding.utf16": ("is UTF-16 text; save the plan as UTF-8",
                       "UTF-16 のテキストです。プランは UTF-8 で保存してください"),
    "encoding.not-utf8": ("is not UTF-8 text: byte 0x{byte} cannot be decoded; save the plan as "
                          "UTF-8",
                          "UTF-8 のテキストではありません（0x{byte} のバイトを読めません）。"
                          "プランは UTF-8 で保存してください"),
    "encoding.shift-jis": ("is not UTF-8 text: byte 0x{byte} cannot be decoded (it looks like "
                           "Shift_JIS); save the plan as UTF-8",
                           "UTF-8 のテキストではありません（0x{byte} のバイトを読めません。"
                           "Shift_JIS のようです）。プランは UTF-8 で保存し直してください"),
    "empty.plan": ("the plan is empty; it needs at least kpixl, title, period, kgi and kpis",
                   "プランが空です。少なくとも kpixl、title、period、kgi、kpis が必要です"),
    "yaml": ("invalid YAML: {detail}{hint}",
             "YAML として読めません: {detail}{hint}"),
    "yaml.second-document": ("a plan is one YAML document; found a second one (`---`)",
                             "プランは 1 つの YAML 文書です。2 つ目の文書（`---`）があります"),
    "yaml.alias-loop": ("alias *{name} refers to a value that contains it",
                        "エイリアス *{name} が、自分自身を含む値を参照しています"),
    "yaml.alias-unknown": ("alias *{name} names no anchor (&{name}) above it",
                           "エイリアス *{name} に対応するアンカー（&{name}）が、それより上に"
                           "ありません"),
    "too-deep": ("the document is nested more than {limit} levels deep",
                 "入れ子が {limit} 段より深くなっています"),
    "too-many-aliases": ("the document uses more than {limit} aliases",
                         "エイリアスが {limit} 個を超えています"),
    "duplicate-key": ("duplicate key {name}", "キー {name} が重複しています"),
    "duplicate-key.first": ("duplicate key {name} (first at line {first})",
                            "キー {name} が重複しています（最初は {first} 行目）"),
    "merge-key": ("merge keys (`<<`) are not supported; write the keys out",
                  "マージキー（`<<`）は使えません。キーを 1 つずつ書いてください"),
    "key-type": ("a key must be plain text", "キーは文字で書いてください"),
    "tag.unsupported": ("unsupported tag {tag}; plans use plain YAML",
                        "タグ {tag} は使えません。プランはタグのない YAML で書いてください"),
    "tag.invalid": ("{value} is not a valid {tag}", "{value} は {tag} として正しくありません"),
    # -- a field against its table (kpixl.model.schema) --------------------------------------------
    "type.mapping": ("must be a mapping, got {got}{hint}",
                     "マッピング（キー: 値）で指定してください。{got} が指定されています{hint}"),
    "type.mapping-of": ("must be a mapping with keys such as {keys}, got {got}",
                        "{keys} などのキーを持つマッピングで指定してください。{got} が指定されて"
                        "います"),
    "type.bool": ("must be true or false, got {got}{hint}",
                  "true か false で指定してください。{got} が指定されています{hint}"),
    "type.text": ("must be text, got {got}{hint}",
                  "文字で指定してください。{got} が指定されています{hint}"),
    "type.number": ("must be a number, got {got}{hint}",
                    "数値で指定してください。{got} が指定されています{hint}"),
    "type.usable-number": ("must be a number of a usable size, got {got}{hint}",
                           "扱える大きさの数値で指定してください。{got} が指定されています{hint}"),
    "type.finite-number": ("must be a finite number, got {got}{hint}",
                           "有限の数値で指定してください。{got} が指定されています{hint}"),
    "type.whole-number": ("must be a whole number, got {got}{hint}",
                          "整数で指定してください。{got} が指定されています{hint}"),
    "type.list": ("must be a list, got {got}{hint}",
                  "リストで指定してください。{got} が指定されています{hint}"),
    "type.bounds": ("must be [low, high], got {got}{hint}",
                    "[下限, 上限] の形で指定してください。{got} が指定されています{hint}"),
    "type.month": ("must be a month as YYYY-MM, got {got}{hint}",
                   "年月を YYYY-MM の形で指定してください。{got} が指定されています{hint}"),
    "type.date": ("must be a date as YYYY-MM-DD, got {got}{hint}",
                  "日付を YYYY-MM-DD の形で指定してください。{got} が指定されています{hint}"),
    "type.currency": ("must be a 3-letter ISO 4217 code in capitals such as JPY or USD, got "
                      "{got}{hint}",
                      "JPY や USD のような ISO 4217 の通貨コード（大文字 3 文字）で指定して"
                      "ください。{got} が指定されています{hint}"),
    "type.pattern": ("must be text matching {pattern}, got {got}{hint}",
                     "{pattern} に合う文字で指定してください。{got} が指定されています{hint}"),
    "type.kpis": ("must be a mapping of node id -> node, got {got}",
                  "ノード id → ノード のマッピングで指定してください。{got} が指定されています"),
    "type.split": ("must be a mapping of operand id -> share, got {got}",
                   "項の id → 割合 のマッピングで指定してください。{got} が指定されています"),
    "type.funnels": ("must be a mapping of funnel id -> stages, got {got}",
                     "ファネル id → 段階 のマッピングで指定してください。{got} が指定されています"),
    "type.funnel": ("must be a list of stage ids or {{stages: [...], confidence: c}}, got {got}",
                    "段階の id のリスト、または {{stages: [...], confidence: c}} の形で指定して"
                    "ください。{got} が指定されています"),
    "type.kfs": ("must be a list of initiatives, got {got}",
                 "施策のリストで指定してください。{got} が指定されています"),
    "enum": ("must be one of {choices}, got {got}{hint}",
             "{choices} のどれかを指定してください。{got} が指定されています{hint}"),
    "enum.number": ("must be {choices}, got {got}",
                    "{choices} を指定してください。{got} が指定されています"),
    "range.within": ("must be within [{low}, {high}], got {got}{hint}",
                     "{low}〜{high}の範囲で指定してください。{got} が指定されています{hint}"),
    "range.between": ("must be between {low} and {high} (exclusive), got {got}",
                      "{low} より大きく {high} より小さい値を指定してください。{got} が指定されて"
                      "います"),
    "range.at-least": ("must be >= {low}, got {got}",
                       "{low} 以上にしてください。{got} が指定されています"),
    "range.above": ("must be > {low}, got {got}",
                    "{low} より大きくしてください。{got} が指定されています"),
    "range.low-high": ("must be [low, high] with low <= high, got [{low}, {high}]",
                       "[下限, 上限] は下限 <= 上限 にしてください。[{low}, {high}] が指定されて"
                       "います"),
    "range.at-risk": ("must be <= on_track ({on_track}), got {got}",
                      "on_track（{on_track}）以下にしてください。{got} が指定されています"),
    "range.weights": ("must have a positive sum; all weights are 0",
                      "重みがすべて 0 です。合計が正になるようにしてください"),
    "range.share": ("must be a share within [0, 1], got {got}",
                    "割合は 0〜1の範囲で指定してください。{got} が指定されています"),
    "length.items": ("must have at least {count} items, got {got}",
                     "{count} 個以上指定してください。{got} 個が指定されています"),
    "length.item": ("must have at least {count} item, got {got}",
                    "{count} 個以上指定してください。{got} 個が指定されています"),
    "length.seasonality": ("must have one weight per plan month ({months}), got {got}",
                           "計画の月数（{months}）と同じ数の重みを指定してください。{got} 個が"
                           "指定されています"),
    "date": ("must be {form} that exists, got {got}",
             "実在する{form}を指定してください。{got} が指定されています"),
    "date.form-month": ("a month as YYYY-MM", "年月（YYYY-MM）"),
    "date.form-day": ("a date as YYYY-MM-DD", "日付（YYYY-MM-DD）"),
    "empty": ("must not be empty", "空にはできません"),
    "empty.kpis": ("must hold at least one node", "ノードを 1 つ以上書いてください"),
    "id": ("must be an id: a lowercase letter, then lowercase letters, digits or _ (at most 40 "
           "characters), got {got}",
           "id は英小文字で始め、英小文字・数字・_ だけで書いてください（40 文字まで）。{got} が"
           "指定されています"),
    "reserved-id": ("{id} is reserved (it names a plan-wide workbook cell); choose another id",
                    "{id} は予約されています（ブック全体で使うセルの名前です）。別の id にして"
                    "ください"),
    "required": ("is required ({what})", "必須です（{what}）"),
    "unknown-key": ("unknown key {name}{hint}", "キー {name} は使えません{hint}"),
    # the descriptions the "required" message quotes (fields that can be required)
    "field.plan.kpixl": ("plan format version; must be 1",
                         "プラン形式のバージョン。1 を指定します"),
    "field.plan.title": ("title of the plan", "プランの名称"),
    "field.plan.period": ("the months the plan covers", "計画の対象期間"),
    "field.plan.kgi": ("id of the KGI node: the goal the tree explains",
                       "KGI ノードの id。KPIツリーの頂点になる目標です"),
    "field.plan.kpis": ("the KPI tree: node id -> node", "KPIツリー（ノード id → ノード）"),
    "field.period.start": ("first month of the plan, YYYY-MM", "計画の最初の月（YYYY-MM）"),
    "field.node.name": ("display name of the KPI, in any language", "KPI の表示名（言語は自由）"),
    "field.funnel.stages": ("node ids of the stages, top to bottom",
                            "段階のノード id（上から下へ）"),
    "field.kfs.id": ("id of the initiative", "施策の id"),
    "field.kfs.name": ("name of the initiative", "施策の名称"),
    # formulas (kpixl.model.expr reports in English; kpixl.model.schema maps its messages to
    # these keys)
    "formula.empty": ("must be an arithmetic expression such as `deals * win_rate`",
                      "`deals * win_rate` のような計算式を書いてください"),
    "formula.too-long": ("is {length} characters long; at most {limit} are allowed",
                         "{length} 文字あります。計算式は {limit} 文字までです"),
    "formula.syntax": ("is not valid arithmetic ({reason}): {text}",
                       "計算式として読めません（{reason}）: {text}"),
    "formula.invalid": ("is not valid arithmetic: {text}", "計算式として読めません: {text}"),
    "formula.too-deep": ("is nested too deeply", "括弧などの入れ子が深すぎます"),
    "formula.not-finite": ("has a number that is not finite", "有限でない数値が含まれています"),
    "formula.found": ("may only use ids, numbers, + - * / and parentheses; found {found}",
                      "計算式に使えるのは id、数値、+ - * / と括弧だけです。{found} が含まれて"
                      "います"),
    "formula.found.call": ("a function call", "関数の呼び出し"),
    "formula.found.power": ("`**` (power)", "`**`（べき乗）"),
    "formula.found.attribute": ("attribute access (`.`)", "属性の参照（`.`）"),
    "formula.found.subscript": ("subscripting (`[]`)", "添字（`[]`）"),
    "formula.found.comparison": ("a comparison", "比較"),
    # -- whole-plan rules (kpixl.model.loader) ----------------------------------------------
    "unknown-id": ("names no node in kpis: {id}{hint}",
                   "kpis にないノード {id} を指定しています{hint}"),
    "unknown-id.formula": ("uses unknown id {id}{hint}", "存在しない id {id} を使っています{hint}"),
    "self-reference": ("uses {id} itself; a node cannot be computed from its own value",
                       "自分自身（{id}）を使っています。ノードを自分の値から計算することは"
                       "できません"),
    "kind": ("has both `value` and `formula`; a node is an assumption (value) or derived "
             "(formula), not both",
             "`value` と `formula` の両方があります。ノードは前提（value）か計算（formula）の"
             "どちらか一方です"),
    "derived-only": ("only a derived node (one with a formula) takes `{name}`",
                     "`{name}` を指定できるのは計算式（formula）のあるノードだけです"),
    "bounds": ("must be within [{low}, {high}], got {got}{hint}",
               "{low}〜{high}の範囲で指定してください。{got} が指定されています{hint}"),
    "negative": ("must not be negative, got {got} (set `signed: true` if it can be)",
                 "マイナスの値は指定できません。{got} が指定されています（マイナスになりうる"
                 "場合は `signed: true` を指定してください）"),
    "split-not-sum": ("is only for a formula that is a plain sum of ids (such as "
                      "`new + existing`)",
                      "id を足し合わせるだけの計算式（`new + existing` など）にしか使えません"),
    "split-operand": ("{name} is not an operand of the formula (operands: {operands}){hint}",
                      "{name} は計算式の項ではありません（項: {operands}）{hint}"),
    "split-sum": ("shares must add up to 1, got {total}",
                  "割合の合計を 1 にしてください。合計が {total} になっています"),
    "target-not-root": ("only roots take a target; the target of {id} is back-calculated from "
                        "{users}",
                        "target を指定できるのはルート（どの計算式にも使われないノード）だけです。"
                        "{id} の目標は {users} から逆算されます"),
    "target-on-assumption": ("an assumption takes `value`, not a target: two sources for one "
                             "number",
                             "前提のノードには target ではなく `value` を指定します（1 つの数値の"
                             "出どころが 2 つになってしまいます）"),
    "target-required": ("is required on a root: no formula uses {id}, so its goal must be given",
                        "ルートには必須です。{id} はどの計算式にも使われていないので、目標を"
                        "指定してください"),
    "funnel-link.no-formula": ("stage {lower} does not follow from {upper}: {lower} must be "
                               "derived with a formula that uses {upper} (it has no formula)",
                               "段階 {lower} が {upper} から導かれていません。{lower} は {upper} "
                               "を使う計算式で求めてください（計算式がありません）"),
    "funnel-link.not-used": ("stage {lower} does not follow from {upper}: {lower} must be "
                             "derived with a formula that uses {upper} (its formula does not use "
                             "it)",
                             "段階 {lower} が {upper} から導かれていません。{lower} は {upper} "
                             "を使う計算式で求めてください（今の計算式は {upper} を使って"
                             "いません）"),
    "duplicate-stage": ("repeats the stage {id}", "段階 {id} が重複しています"),
    "duplicate-id": ("duplicate KFS id {id} (also {other})",
                     "KFS の id {id} が重複しています（{other} と同じです）"),
    # -- back-calculation (kpixl.engine.solve) ------------------------------------------------
    "cycle": ("formulas form a cycle: {cycle}", "計算式が循環しています: {cycle}"),
    "zero_divisor.multiplied": ("cannot solve {id}: it is multiplied by `{other}`, which is 0",
                                "{id} を逆算できません。掛けている `{other}` が 0 です"),
    "zero_divisor.divided": ("cannot solve {id}: it is divided by `{other}`, which is 0",
                             "{id} を逆算できません。割っている `{other}` が 0 です"),
    "zero_divisor.target": ("back-calculating {id} divides by zero ({parent}'s target is 0)",
                            "{id} を逆算すると 0 で割ることになります（{parent} の目標が 0 です）"),
    "zero_divisor.forward": ("divides by zero (an operand is 0)",
                             "0 で割っています（項のどれかが 0 です）"),
    "free": ("has several free operands ({free}): only a plain sum of ids with `split` shares can "
             "solve more than one; give all but one of them a `value` or a formula of their own",
             "逆算で決まる項が複数あります（{free}）。複数の項を逆算できるのは、id を足し合わせる"
             "だけの計算式に `split` で割合を指定した場合だけです。1 つを残し、ほかの項には "
             "`value` か計算式を指定してください"),
    "split": ("needs a share for each free operand of `{formula}`; missing: {missing}",
              "`{formula}` の逆算で決まる項それぞれに割合が必要です。足りない項: {missing}"),
    "solved_twice": ("is solved twice: by {first} and by {second}; give it a value or a formula "
                     "so that only one of them solves it",
                     "{first} と {second} の両方から逆算されています。どちらか一方だけから逆算"
                     "されるよう、value か計算式を指定してください"),
    "unsolved": ("its target cannot be computed: no formula solves it (give it a value, or use "
                 "it in a formula that is solved)",
                 "目標を計算できません。逆算する計算式がありません（value を指定するか、逆算される"
                 "計算式の中で使ってください）"),
    "over_covered": ("over-covered by {excess}: the determined operands already exceed the "
                     "target, so {what} is set to 0",
                     "目標を {excess} 上回っています。確定している項だけで目標を超えるため、{what} "
                     "は 0 にします"),
    "not_finite": ("{why} gives {value}, not a finite number",
                   "{why} {value} になり、有限の数になりません"),
    "bounds.solved": ("{why} needs {value}, outside its bounds [{low}, {high}]: the plan is "
                      "infeasible",
                      "{why} {value} が必要になり、範囲 [{low}, {high}] を外れます。このままでは"
                      "計画が成り立ちません"),
    "negative.solved": ("{why} needs {value}, a negative value (set `signed: true` if it may be "
                        "negative)",
                        "{why} {value} とマイナスの値が必要になります（マイナスになりうる場合は "
                        "`signed: true` を指定してください）"),
    # -- SMART checks (kpixl.engine.smart); shown after "SMART S: " and the like --------------
    "smart_s": ("no description: say what is counted and how (formula and denominator)",
                "説明がありません。何をどう数えるか（計算式と分母）を書いてください"),
    "smart_a": ("no owner: name who is responsible",
                "担当者（owner）がいません。責任者を書いてください"),
    "smart_r.rate-above": ("target {target} is above the best past rate {best}",
                           "目標 {target} が過去最高の率 {best} を上回っています"),
    "smart_r.rate-below": ("target {target} is below the best past rate {best}",
                           "目標 {target} が過去最良の率 {best} を下回っています"),
    "smart_r.growth": ("target {target} needs {change} growth over the best past value {best} "
                       "(more than {realism})",
                       "目標 {target} は過去最高の値 {best} から {change} の伸びが必要です"
                       "（{realism} を超えています）"),
    "smart_r.cut": ("target {target} needs a {change} cut from the best past value {best} (more "
                    "than {realism})",
                    "目標 {target} は過去最良の値 {best} から {change} の削減が必要です"
                    "（{realism} を超えています）"),
    "smart_t.missing": ("no due date: give `due` within the plan period",
                        "期限がありません。計画期間内の日付を `due` に指定してください"),
    "smart_t.outside": ("due {due} is outside the plan period {start}..{end}",
                        "期限 {due} が計画期間 {start}〜{end} の外にあります"),
    # -- issue 13: kpixl update freezes closed months; kpixl report warns of missing months ------
    "freeze.summary": ("frozen: the closed months {first}..{last} keep their published targets "
                       "({count} KPIs); the open months carry the rest of the new totals",
                       "確定: 締めた月 {first}〜{last} は公表済みの目標を保持します（{count} 件の"
                       "KPI）。残りの月が新しい目標の残りを受け持ちます"),
    "freeze.node": ("  {name}: {months} closed months kept at their published targets "
                    "(total {total})",
                    "  {name}: 締めた {months} か月を公表済みの目標のまま保持（合計 {total}）"),
    "freeze.over": ("  {name}: the frozen months already exceed the new target; the open "
                    "months get 0",
                    "  {name}: 確定済みの月だけで新しい目標を超えています。残りの月の目標は 0 "
                    "です"),
    "freeze.replanned": ("re-planned: the closed months {first}..{last} take the new plan's "
                         "targets (--replan-closed)",
                         "再計画: 締めた月 {first}〜{last} も新しい計画の目標にしました"
                         "（--replan-closed）"),
    "freeze.moved": ("not frozen: the plan's months moved, so the closed months {first}..{last} "
                     "take the new plan's targets",
                     "確定しません: 計画の月がずれたため、締めた月 {first}〜{last} は新しい計画の"
                     "目標になります"),
    "report.missing": ("missing actuals (not counted on either side): {items}",
                       "未入力の実績（目標・実績のどちらにも含めません）: {items}"),
    "report.missing_item": ("{name} ({months} missing)", "{name}（{months} 未入力）"),
    "report.unexplained": ("unexplained (timing, levels times prices, rounding): {value}",
                           "説明できない差異（時期のずれ・水準×単価・端数など）: {value}"),
    "report.needs": ("{name}: enter actuals of {ids} to split it",
                     "{name}: 分解するには {ids} の実績を入力してください"),
}


def msg(key: str, locale: str, **params: object) -> str:
    """The message ``key`` in ``locale`` (English for any locale other than ``ja``)."""
    english, japanese = MESSAGES[key]
    return (japanese if locale == "ja" else english).format(**params)


_LOCALE_LINE = re.compile(r"""^locale:[ \t]*(["']?)(en|ja)\1[ \t]*(?:#.*)?\r?$""", re.MULTILINE)


def locale_of_text(text: str) -> str:
    """The locale a plan's raw text declares on a top-level ``locale:`` line, else ``"en"``.

    For messages about a file that cannot be read as YAML (or at all), where the parsed
    ``locale`` is not known; the first such line counts, as the first of duplicate keys does.
    """
    found = _LOCALE_LINE.search(text)
    return found.group(2) if found else "en"
