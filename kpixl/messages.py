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
    # -- issue 16: reports (kpixl.app.report, report_text, report_html) ------------------------
    "report.asof-range": ("--asof must be within 0..{months} or a month {first}..{last}, got "
                          "{got}",
                          "--asof は 0〜{months} か {first}〜{last} の月で指定してください"
                          "（指定値: {got}）"),
    "report.bad-format": ("--format must be one of {formats}, got {got}",
                          "--format は {formats} のいずれかです（指定値: {got}）"),
    "report.asof": ("As of: {value}", "締め月：{value}"),
    "report.asof-value": ("{label} ({n} closed months)", "{label}（{n}か月経過）"),
    "report.nodata": ("no actuals entered yet", "実績が未入力です"),
    "report.kgi-line": ("KGI: {name} — status: {status}; forecast: {forecast}",
                        "KGI：{name} — 状況：{status}、着地見込：{forecast}"),
    "report.vs-goal": ("{forecast} ({pct} of the goal)", "{forecast}（目標比 {pct}）"),
    "report.kpi": ("KPI", "KPI名"),
    "report.goal": ("Goal", "目標値"),
    "report.unit": ("Unit", "単位"),
    "report.ytd-target": ("YTD target", "累計目標"),
    "report.ytd-actual": ("YTD actual", "累計実績"),
    "report.achievement": ("Achv.", "達成率"),
    "report.status": ("Status", "状況"),
    "report.forecast": ("Forecast", "着地見込"),
    "report.next-catch-up": ("Next month's catch-up", "翌月の挽回目標"),
    "report.catch-up": ("Catch-up targets: what each remaining month needs to reach the goal",
                        "挽回目標：目標達成に必要な残り各月の数値"),
    "report.monthly": ("Monthly targets and actuals", "月別の目標と実績"),
    "report.target-row": ("{name}: target", "{name}：目標"),
    "report.actual-row": ("{name}: actual", "{name}：実績"),
    "report.gap": ("Gap attribution (YTD actual - YTD target, in the KGI's unit)",
                   "差異の要因分解（累計実績 − 累計目標、KGIの単位）"),
    "report.share": ("Share", "寄与"),
    "report.cause": ("Main cause: {name}", "主因：{name}"),
    "report.split-hint": ("to split {name} further, enter actuals for: {names}",
                          "{name}をさらに分解するには、次の実績を入力してください：{names}"),
    "report.stage": ("Stage", "段階"),
    "report.rate-planned": ("Rate (planned)", "転換率（計画）"),
    "report.rate-observed": ("Rate (observed)", "転換率（実績）"),
    "report.confidence": ("Needed at {c} confidence", "確度{c}での必要数"),
    "report.advice": ("Which stage to manage (funnel advice)",
                      "どの段階を管理するか（ファネルの助言）"),
    "report.switch": ("{lower} stopped growing with {upper}: make {lower} the primary KPI "
                      "({why})",
                      "{lower}が{upper}に比例して伸びていません。主要KPIを{lower}に切り替えて"
                      "ください（{why}）"),
    "report.no-switch": ("{lower} still grows with {upper}",
                         "{lower}は{upper}に比例して伸びています"),
    "report.no-eval": ("{upper} → {lower}: not enough data yet", "{upper} → {lower}：データ不足"),
    "report.why-elasticity": ("elasticity {before}, then {last}: below 0.5 twice",
                              "弾力性が {before}、{last} と 2 回続けて 0.5 未満"),
    "report.why-marginal": ("marginal rate {marginal} < half of the 12-month rate {trailing}",
                            "増分の転換率 {marginal} が直近12か月の転換率 {trailing} の半分未満"),
    "report.rule": ("How the advice is judged: on 3-month sums (shifted by the link's lag), once "
                    "the upper stage grew by 10% or more and the lower stage had at least 5, the "
                    "elasticity e = ln(lower growth) / ln(upper growth) is computed; switching is "
                    "advised when e stays below 0.5 twice in a row, or when the marginal rate is "
                    "below half of the 12-month rate.",
                    "判定方法：3か月合計（リードタイム分ずらす）で、上の段階が10%以上伸び、"
                    "下の段階が5以上のときに弾力性 e = ln(下の段階の伸び) ÷ ln(上の段階の伸び) を"
                    "計算します。e が2回続けて0.5未満、または増分の転換率が直近12か月の転換率の"
                    "半分未満なら、切り替えを勧めます。"),
    "report.smart": ("SMART warnings", "SMART警告"),
    "report.warnings": ("Notes on the workbook", "ブックについての注意"),
    "report.month": ("Month", "月"),
    "report.cum-target": ("Cumulative target", "累計目標"),
    "report.cum-actual": ("Cumulative actual", "累計実績"),
    "report.target": ("Target", "目標"),
    "report.actual": ("Actual", "実績"),
    "report.chart": ("{name} (unit: {unit})", "{name}（単位：{unit}）"),
    "report.source": ("kpixl report of {file}", "kpixl レポート：{file}"),
    "report.none": ("none", "なし"),
    "report.on_track": ("On track", "順調"),
    "report.at_risk": ("At risk", "注意"),
    "report.off_track": ("Off track", "未達"),
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
    # -- issue 15: the xlwings import button (classic, Lite, Server) ---------------------------
    "xl.csv-none": ('Enter the CSV file\'s path, or the name of a sheet holding the pasted CSV, '
                    'in the cell next to "CSV file" first.',
                    "先に「CSVファイル」の隣のセルに、CSVファイルのパスか、CSVを貼り付けた"
                    "シートの名前を入力してください。"),
    "xl.csv-none-remote": ('Paste the CSV into a sheet and enter that sheet\'s name in the cell '
                           'next to "CSV file" first (or paste the CSV text into that cell).',
                           "先にCSVをシートに貼り付け、そのシート名を「CSVファイル」の隣のセルに"
                           "入力してください（CSVの文字をそのセルに貼り付けても構いません）。"),
    "xl.csv-path-remote": ("xlwings {engine} cannot open a file on this computer: paste the "
                           "CSV into a sheet and enter that sheet's name in the cell next to "
                           '"CSV file" (or use classic xlwings or `kpixl actuals import`).',
                           "xlwings {engine} ではこのパソコンのファイルを開けません。CSVを"
                           "シートに貼り付けて、そのシート名を「CSVファイル」の隣のセルに入力"
                           "してください（通常版xlwingsか `kpixl actuals import` も使えます）。"),
    "xl.csv-cell": ("the CSV cell", "CSVセル"),
    "xl.imported": ("Imported {n} actual(s) from {file}.",
                    "{file} から実績 {n} 件を取り込みました。"),
    "xl.kept-actuals": (" Kept {n} cell(s) that already hold a different value.",
                        " 既に別の値が入っているセル {n} 件はそのままにしました。"),
    # -- issue 14: actuals import from export files, `kpixl ids` (kpixl.xlsx.import*, app) --
    "import.file.missing": ("{file}: no such file; check the path",
                            "{file}: ファイルがありません。パスを確かめてください"),
    "import.file.unreadable": ("{file}: cannot be read ({reason})",
                               "{file}: 読み込めません（{reason}）"),
    "import.file.too-large": ("{file}: is larger than {mb} MB; split it into smaller files",
                              "{file}: {mb} MB を超えています。小さなファイルに分けてください"),
    "import.file.too-many": ("{file}: has more than {rows} rows or {cols} columns; split it into "
                             "smaller files",
                             "{file}: {rows} 行または {cols} 列を超えています。小さなファイルに"
                             "分けてください"),
    "import.file.xls": ("{file}: is an old Excel .xls workbook; save it from Excel as .xlsx or "
                        'as "CSV UTF-8"',
                        "{file}: 古い Excel 形式（.xls）のブックです。Excel で .xlsx か"
                        "「CSV UTF-8」として保存し直してください"),
    "import.file.bad-xlsx": ("{file}: cannot be read as an .xlsx workbook ({detail}); open it in "
                             "Excel and save it again as .xlsx",
                             "{file}: .xlsx のブックとして読めません（{detail}）。Excel で開いて "
                             ".xlsx として保存し直してください"),
    "import.file.no-sheet": ("{file}: has no sheet {sheet!r}; its sheets are {sheets}",
                             "{file}: シート {sheet!r} がありません。シートは {sheets} です"),
    "import.file.sheet-csv": ("{file}: --sheet is for .xlsx files, and this is a CSV file; "
                              "leave --sheet out",
                              "{file}: --sheet は .xlsx 用です。CSV ファイルには --sheet を"
                              "付けないでください"),
    "import.file.utf16": ('{file}: is UTF-16 text, not UTF-8 or Shift_JIS (cp932); save it from '
                          'Excel as "CSV UTF-8"',
                          "{file}: UTF-16 のテキストです（UTF-8 でも Shift_JIS でもありません）。"
                          "Excel で「CSV UTF-8」として保存し直してください"),
    "import.file.encoding": ('{file}: is neither UTF-8 nor Shift_JIS (cp932) text; save it from '
                             'Excel as "CSV UTF-8"',
                             "{file}: UTF-8 でも Shift_JIS（cp932）でもないテキストです。Excel で"
                             "「CSV UTF-8」として保存し直してください"),
    "import.file.not-csv": ('{file}:{row}: is not readable as CSV ({detail}); save it from Excel '
                            'as "CSV UTF-8"',
                            "{file}:{row}: CSV として読めません（{detail}）。Excel で"
                            "「CSV UTF-8」として保存し直してください"),
    "import.file.empty": ("{file}: is empty; expected a header row (months, or KPI, month and "
                          "value) and the actuals below it",
                          "{file}: 空です。見出しの行（月、または KPI・月・実績）とその下の実績が"
                          "必要です"),
    "import.layout.no-header": (
        "{file}: no header row in the first {rows} rows: expected a row of months with the KPIs "
        "in a column to its left (wide), KPI names over a column of months (months as rows), or "
        "columns KPI, month and value (long); `kpixl ids {workbook}` lists the KPIs",
        "{file}: 先頭 {rows} 行に見出しの行がありません。月が並ぶ行とその左の KPI の列（横持ち）、"
        "月の列の上に並ぶ KPI 名（月が行）、または KPI・月・実績の列（縦持ち）が必要です。KPI は"
        " `kpixl ids {workbook}` で一覧できます"),
    "import.layout.no-values": ("{file}: holds no values under its header; fill in the actuals, "
                                "or check that this is the right file",
                                "{file}: 見出しの下に値がありません。実績を入れるか、ファイルが"
                                "正しいか確かめてください"),
    "import.layout.long-kpi": ("{at}: the header has a month and a value column but no KPI "
                               "column; add a column KPI with each row's KPI name or id",
                               "{at}: 見出しに月と実績の列はありますが KPI の列がありません。"
                               "各行の KPI 名か ID を書いた「KPI」列を足してください"),
    "import.layout.extra-cells": ("{at}: more cells than the header has columns ({cells}); quote "
                                  'numbers that contain commas ("1,500"), or give the column a '
                                  "header",
                                  "{at}: 見出しより多くのセルがあります（{cells}）。カンマを含む"
                                  '数値は "1,500" のように引用符で囲むか、列に見出しを付けて'
                                  "ください"),
    "import.layout.no-month": ("{at}: column {col} holds values but has no month in row {row}; "
                               'write the month there, or quote numbers that contain commas '
                               '("1,500")',
                               "{at}: {col} 列に値がありますが、{row} 行目に月がありません。月を"
                               '書くか、カンマを含む数値は "1,500" のように引用符で囲んでください'),
    "import.layout.no-kpi": ("{at}: column {col} holds values but has no KPI in row {row}; write "
                             "the KPI's name or id there",
                             "{at}: {col} 列に値がありますが、{row} 行目に KPI がありません。KPI "
                             "の名前か ID を書いてください"),
    "import.layout.not-month": ("{at}: '{text}' is not a month, and its column holds numbers; "
                                "write the month like {example} (also 2026/4, Apr-26), or delete "
                                "the column",
                                "{at}: 「{text}」は月ではなく、その列に数値があります。{example} "
                                "や 2026年4月 のように月を書くか、列を削除してください"),
    "import.layout.no-kpi-column": ("{at}: no column of KPI names left of the months (column "
                                    "{col}); add one with each row's KPI name or id",
                                    "{at}: 月（{col} 列）の左に KPI 名の列がありません。各行の KPI"
                                    " 名か ID を書いた列を足してください"),
    "import.kpi.missing": ("{at}: the row holds values but no KPI; write the KPI's name or id in "
                           "column {col}",
                           "{at}: 値がありますが KPI がありません。{col} 列に KPI の名前か ID を"
                           "書いてください"),
    "import.kpi.unknown": ("{at}: '{text}' is not a KPI of this plan (nearest: {near}); write "
                           "its name as the workbook shows it or its id; `kpixl ids {workbook}` "
                           "lists them all",
                           "{at}: 「{text}」はこのプランの KPI ではありません（近いもの: {near}）"
                           "。ブックに表示される名前か ID で書いてください。`kpixl ids {workbook}`"
                           " ですべて一覧できます"),
    "import.kpi.unknown-all": ("{at}: '{text}' is not a KPI of this plan; write one of its "
                               "names or ids: {all}",
                               "{at}: 「{text}」はこのプランの KPI ではありません。次の名前か ID "
                               "で書いてください: {all}"),
    "import.kpi.unknown-far": ("{at}: '{text}' is not a KPI of this plan; write its name as the "
                               "workbook shows it or its id; `kpixl ids {workbook}` lists them "
                               "all",
                               "{at}: 「{text}」はこのプランの KPI ではありません。ブックに表示"
                               "される名前か ID で書いてください。`kpixl ids {workbook}` ですべて"
                               "一覧できます"),
    "import.kpi.unknown-see": ("{at}: '{text}' is not a KPI of this plan (row {row} lists them)",
                               "{at}: 「{text}」はこのプランの KPI ではありません（{row} 行目に"
                               "一覧があります）"),
    "import.kpi.scaled": ("{at}: '{text}' gives {kpi} in {scale}, and the plan counts it in "
                          "{unit}; convert the figures to {unit} and name the row {kpi}",
                          "{at}: 「{text}」は {kpi} を {scale} 単位で示していますが、プランの単位は"
                          " {unit} です。数値を {unit} に直し、名前を {kpi} にしてください"),
    "import.layout.headerless": ("{at}: a KPI and a month side by side, but no header row above "
                                 "them; add a first row KPI,month,value",
                                 "{at}: KPI と月が並んでいますが、その上に見出しの行がありません"
                                 "。先頭に「KPI,月,実績」の行を足してください"),
    "import.kpi.ambiguous": ("{at}: '{text}' could be {a} or {b}; write the id ({ida} or {idb})",
                             "{at}: 「{text}」は {a} とも {b} とも読めます。ID（{ida} か {idb}）で"
                             "書いてください"),
    "import.month.missing": ("{at}: the month is missing; write it like {example}",
                             "{at}: 月がありません。{example} のように書いてください"),
    "import.month.bad": ("{at}: '{text}' is not a month; write it like {example} (also 2026/4, "
                         "2026/4/1, Apr-26)",
                         "{at}: 「{text}」は月として読めません。{example} や 2026年4月、4月 の"
                         "ように書いてください"),
    "import.month.outside": ("{at}: {month} is outside the plan ({span}); delete it, or import "
                             "it into the workbook of that year",
                             "{at}: {month} は計画期間（{span}）の外です。削除するか、その年度の"
                             "ブックに取り込んでください"),
    "import.month.outside-month": ("{at}: '{text}' (month {month}) is not in the plan ({span}); "
                                   "delete it",
                                   "{at}: 「{text}」（{month} 月）は計画期間（{span}）にありません"
                                   "。削除してください"),
    "import.month.ambiguous": ("{at}: '{text}' is more than one month of the plan ({labels}); "
                               "write the year too, like {example}",
                               "{at}: 「{text}」は計画期間の複数の月（{labels}）に当たります。"
                               "{example} のように年も書いてください"),
    "import.month.twice": ("{at}: {month} appears again (also {other}); keep one",
                           "{at}: {month} がもう一度あります（{other} にも）。1 つにしてください"),
    "import.value.not-number": ("{at}: '{text}' is not a number; write the number alone (12000, "
                                "12,000, 1,234 with its unit, $1,000 and 30% are read)",
                                "{at}: 「{text}」は数値として読めません。12000、12,000、1,234件、"
                                "¥1,000、30% のように数値を書いてください"),
    "import.value.lookalike": ("{at}: '{text}' contains '{char}' ({uname}), which looks like a "
                               "digit or sign but is not one; retype it with plain digits",
                               "{at}: 「{text}」に数字や記号に似た別の文字「{char}」（{uname}）"
                               "があります。普通の数字で入力し直してください"),
    "import.value.comma-decimal": ("{at}: in '{text}' the comma does not group thousands; write "
                                   "{dot} if it is a decimal point, or {plain}",
                                   "{at}: 「{text}」のカンマは 3 桁区切りになっていません。小数点"
                                   "なら {dot}、そうでなければ {plain} と書いてください"),
    "import.value.european": ("{at}: '{text}' uses '.' to group thousands and ',' as the decimal "
                              "point; write {fixed}",
                              "{at}: 「{text}」は「.」で 3 桁を区切り「,」を小数点にしています。"
                              "{fixed} と書いてください"),
    "import.value.infinite": ("{at}: '{text}' is not a finite number of a usable size; write the "
                              "figure itself",
                              "{at}: 「{text}」は扱える大きさの有限の数値ではありません。実際の"
                              "数値を書いてください"),
    "import.value.excel-error": ("{at}: '{text}' is an Excel error; fix the formula in the "
                                 "source file, or clear the cell",
                                 "{at}: 「{text}」は Excel のエラーです。元のファイルの数式を直すか"
                                 "、セルを空にしてください"),
    "import.value.type": ("{at}: '{text}' is a {kind} cell, not a number; write the number",
                          "{at}: 「{text}」は {kind} のセルで、数値ではありません。数値を書いて"
                          "ください"),
    "import.value.unit": ("{at}: '{text}' is in {mark}, but {kpi} is in {unit}; check the row "
                          "and column, or write the number alone",
                          "{at}: 「{text}」の単位は {mark} ですが、{kpi} の単位は {unit} です。"
                          "行と列を確かめるか、数値だけを書いてください"),
    "import.value.negative": ("{at}: '{text}' is negative, but {kpi} is not signed; check the "
                              "sign, or set signed: true on {id} in the plan",
                              "{at}: 「{text}」は負の値ですが、{kpi} は負になりません。符号を"
                              "確かめるか、プランの {id} に signed: true を指定してください"),
    "import.value.percent": ("{at}: '{text}' for {kpi} (a %): did you mean {pct}%? write "
                             "{fraction} or {pct}%",
                             "{at}: {kpi}（%）に「{text}」とあります。{pct}% のことですか？ "
                             "{fraction} か {pct}% と書いてください"),
    "import.value.bounds": ("{at}: '{text}' is outside the range of {kpi} ({low}..{high}); "
                            "check the figure, or widen bounds on {id} in the plan",
                            "{at}: 「{text}」は {kpi} の範囲（{low}〜{high}）の外です。数値を"
                            "確かめるか、プランの {id} の bounds を広げてください"),
    "import.value.twice": ("{at}: {kpi} {month} is given twice (also {other}); keep one",
                           "{at}: {kpi} の {month} が 2 回あります（{other} にも）。1 つにして"
                           "ください"),
    "import.skipped.row": ("skipped row {where} ({text}): a total or a quarter",
                           "{where} 行目（{text}）を飛ばしました: 合計・四半期の行"),
    "import.skipped.column": ("skipped column {where} ({text})",
                              "{where} 列（{text}）を飛ばしました"),
    "import.skipped.title": ("skipped row(s) {where} above the header ({text})",
                             "見出しより上の {where} 行目（{text}）を飛ばしました"),
    "import.done": ("imported {n} actual(s) from {file} into {workbook}",
                    "{file} から {workbook} に実績を {n} 件取り込みました"),
    "import.dry-run": ("dry run: {n} actual(s) from {file} would be imported into {workbook}; "
                       "nothing was written",
                       "試行（--dry-run）: {file} から {workbook} に実績 {n} 件を取り込みます。"
                       "何も書き込んでいません"),
    "import.layout": ("layout: {layout}", "形式: {layout}"),
    "import.layout.long": ("long (one row per KPI and month)", "縦持ち（KPI と月ごとに 1 行）"),
    "import.layout.wide": ("wide (one column per month)", "横持ち（月ごとに 1 列）"),
    "import.layout.rows": ("months as rows (one column per KPI)", "月が行（KPI ごとに 1 列）"),
    "import.backup": ("backup: {path}", "バックアップ: {path}"),
    "import.replaced": ("replaced {n} actual(s) the workbook held (--overwrite)",
                        "ブックにあった実績 {n} 件を置き換えました（--overwrite）"),
    "import.conflicts": ("{workbook}: {n} cell(s) already hold a different actual; use "
                         "--overwrite to replace them:",
                         "{workbook}: {n} 個のセルに別の実績がすでにあります。置き換えるには "
                         "--overwrite を付けてください:"),
    "import.conflicts.dry": ("{n} cell(s) already hold a different actual (--overwrite would "
                             "replace them):",
                             "{n} 個のセルに別の実績がすでにあります（--overwrite で置き換わり"
                             "ます）:"),
    "import.conflict": ("{kpi} {month}: the workbook has {have}, the file {new}",
                        "{kpi} {month}: ブックは {have}、ファイルは {new}"),
    "import.unreadable": ("{workbook}: {n} row(s) hold text or formulas where numbers belong "
                          "({kpis}); fix or clear them first, or use --overwrite to drop them",
                          "{workbook}: 数値を入れる {n} 行に文字か数式があります（{kpis}）。先に"
                          "直すか消すか、--overwrite で捨ててください"),
    "import.grid.kpi": ("KPI", "指標"),
    "import.kind.bool": ("TRUE/FALSE", "TRUE/FALSE（論理値）"),
    "import.kind.date": ("date", "日付"),
    "import.unplaced": ("not placed: {text}", "配置できませんでした: {text}"),
    # -- lead: what a large workbook's update does not check
    "update.typed-not-scanned": (
        "notes typed on kpixl's own sheets were not looked for: the plan has more than {cells} "
        "month cells; keep notes on a sheet of your own (it is carried) or in the PDCA table",
        "プランの月次セルが {cells} を超えるため、kpixl のシートに直接入力したメモは確認して"
        "いません。メモは自分で追加したシート（そのまま引き継ぎます）か PDCA 記録に書いてください"),
    # -- issue 17: safe writes, write targets, entered data, numbers that enter -----------------
    "file.not-regular": ("is not a regular file (a pipe, device or socket); give a plan file",
                         "通常のファイルではありません（パイプ・デバイスなど）。プランのファイルを"
                         "指定してください"),
    "safe.no-folder": ("folder {folder} does not exist", "フォルダー {folder} がありません"),
    "safe.folder-not-folder": ("{folder} is not a folder", "{folder} はフォルダーではありません"),
    "safe.cannot-write": ("cannot be written ({reason})", "書き込めません（{reason}）"),
    "safe.cannot-replace": ("cannot replace the file ({reason}); is it open in Excel?",
                            "ファイルを置き換えられません（{reason}）。Excel で開いていませんか？"),
    "safe.is-folder": ("is a folder; give a file name (e.g. plan.xlsx)",
                       "フォルダーです。ファイル名（例: plan.xlsx）を指定してください"),
    "safe.not-regular": ("is not a regular file (a device, pipe or socket); choose another output",
                         "通常のファイルではありません（デバイス・パイプなど）。別の出力先を指定して"
                         "ください"),
    "safe.read-only": ("is read-only; make it writable (chmod u+w) or choose another output",
                       "読み取り専用です。書き込み可能にする（chmod u+w）か、別の出力先を指定して"
                       "ください"),
    "safe.open-elsewhere": ("is open in {program} (lock file {lock}); close it and retry",
                            "{program} で開かれています（ロックファイル {lock}）。閉じてから"
                            "やり直してください"),
    "safe.busy": ("another kpixl command is writing it (lock {lock}); still busy after {seconds} "
                  "s, nothing was changed: retry when it has finished",
                  "別の kpixl コマンドが書き込み中です（ロック {lock}）。{seconds} 秒待っても終わら"
                  "ないため何も変更していません。終わってからやり直してください"),
    "safe.interrupted": ("interrupted by {signal}; nothing was replaced",
                         "{signal} で中断しました。ファイルは置き換えていません"),
    "target.is-source": ("is the file being read ({source}); choose another output",
                         "読み込むファイル（{source}）と同じです。別の出力先を指定してください"),
    "target.suffix": ("a workbook built without --xlwings classic is an .xlsx file, not {suffix} "
                      "(Excel refuses it); use e.g. {name}",
                      "--xlwings classic 以外で作るブックは .xlsx です（{suffix} は Excel が開けま"
                      "せん）。例: {name}"),
    "target.plan-suffix": ("a plan is a .yaml file, not {suffix}; use e.g. {name}",
                           "プランは .yaml ファイルです（{suffix} ではありません）。例: {name}"),
    "target.need-folder": ("is a file; -o names a folder here (the workbooks go into it)",
                           "ファイルです。ここでは -o にフォルダーを指定してください（その中に"
                           "ブックを書きます）"),
    "target.no-folder": ("cannot create the folder ({reason})",
                         "フォルダーを作れません（{reason}）"),
    "entered.stranger": ("refusing to replace it (move it away or choose another output)",
                         "置き換えません（移動するか、別の出力先を指定してください）"),
    "entered.build": ("holds data a user entered ({what}); use `kpixl update PLAN WORKBOOK` to "
                      "carry it over, or --force to replace it",
                      "入力済みのデータがあります（{what}）。`kpixl update プラン ブック` で"
                      "引き継ぐか、置き換えるなら --force を付けてください"),
    "entered.demo": ("holds data a user entered ({what}); use another -o folder, or --force to "
                     "replace it",
                     "入力済みのデータがあります（{what}）。別の -o フォルダーを指定するか、"
                     "置き換えるなら --force を付けてください"),
    "target.not-plan": ("is a workbook or another zip file, not a plan; choose another output",
                        "ブックなどの zip ファイルで、プランではありません。別の出力先を指定して"
                        "ください"),
    "backcalc.too-large": ("the counts are too large to compute (the top stage needs {top}); use "
                           "a smaller target or larger rates",
                           "件数が大きすぎて計算できません（最上段で {top}）。目標を小さくするか、"
                           "率を大きくしてください"),
    "range.period-years": ("the plan runs from {start} to {end}; months must lie within "
                           "1900-01..9999-11 (Excel's dates end in 9999)",
                           "計画期間が {start}〜{end} です。月は 1900-01〜9999-11 の範囲（Excel の"
                           "日付）に収めてください"),
    "text.too-long": ("is {length} characters long; an Excel cell holds at most {limit}",
                      "{length} 文字あります。Excel のセルに入るのは {limit} 文字までです"),
    "text.character": ("holds the character {code} (at character {at}), which an Excel workbook "
                       "cannot hold; remove it",
                       "Excel のブックに保存できない文字 {code} が {at} 文字目にあります。削除して"
                       "ください"),
    "depth.build": ("the KPI tree is {depth} levels deep (from {top} down to {bottom}); a "
                    "workbook holds at most {limit} levels: group the chain into fewer levels",
                    "KPIツリーの深さが {depth} 段あります（{top} から {bottom} まで）。ブックに"
                    "できるのは {limit} 段までです。段をまとめて浅くしてください"),
    "import.input-formulas": ("{count} input cell(s) hold a formula ({cells}); kpixl keeps "
                              "numbers there and would replace it: type the value, or use "
                              "--overwrite to replace the formula with the value as built",
                              "{count} 個の入力セルに数式があります（{cells}）。kpixl は数値だけを"
                              "保持するため数式は置き換えられます。値を入力するか、--overwrite で"
                              "作成時の値に置き換えてください"),
    "range.weights-sum": ("the weights add up to more than a number can hold; use smaller "
                          "weights (only their ratios count)",
                          "重みの合計が数値の上限を超えます。小さい重みにしてください（比率だけが"
                          "意味を持ちます）"),
    "safe.backup": ("cannot write the backup {name} ({reason})",
                    "バックアップ {name} を書き込めません（{reason}）"),
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
    # -- issue 16 part 1: what `kpixl update` and `kpixl actuals import` carried, by KPI name --
    "update.updated": ("updated {path}", "{path} を更新しました"),
    "update.backup": ("backup: {path}", "バックアップ: {path}"),
    "update.head.carried": ("carried:", "引き継いだもの:"),
    "update.head.kept": ("kept (changed in the workbook):", "ブックでの変更を保持:"),
    "update.head.plan-won": ("plan wins:", "プランを優先:"),
    "update.head.unplaced": ("unplaced (see the {sheet} sheet):",
                             "配置できなかったもの（{sheet} シートを参照）:"),
    "update.head.warnings": ("warnings:", "警告:"),
    "update.input.split": ("{kpi}: share of {part}", "{kpi} の配分（{part}）"),
    "update.input.baseline": ("{kpi}: baseline", "{kpi} の期首値"),
    "update.input.seasonality": ("seasonality of {month}", "{month} の季節性"),
    "update.input.on_track": ("on-track threshold", "順調の基準"),
    "update.input.at_risk": ("at-risk threshold", "注意の基準"),
    "update.input.asof": ("as-of month", "実績の締め月"),
    "update.kept.input": ("{name} = {now} (built as {was})", "{name} = {now}（作成時 {was}）"),
    "update.kept.asof": ("as-of month = {month}", "実績の締め月 = {month}"),
    "update.plan-won.input": ("{name}: the plan changed it from {old} to {new}; the workbook's "
                              "{now} was replaced",
                              "{name}: プランが {old} から {new} に変えたため、ブックの {now} を"
                              "置き換えました"),
    "update.unplaced.input": ("input {name} = {now} (no longer in the plan)",
                              "入力値 {name} = {now}（プランにもうありません）"),
    "update.unplaced.asof": ("as-of month {asof} (the plan has {n} months)",
                             "実績の締め月 {asof}（プランは {n} か月です）"),
    "update.unplaced.entry": ("{kind} {name} {month} = {value} ({why})",
                              "{name} の{kind} {month} = {value}（{why}）"),
    "update.kind.actual": ("actual", "実績"),
    "update.kind.override": ("override", "上書き"),
    "update.kinds.actual": ("actuals", "実績"),
    "update.kinds.override": ("overrides", "上書き"),
    "update.why.no-kpi": ("no such KPI in the plan", "プランにこの KPI がありません"),
    "update.why.no-month": ("month outside the plan", "計画期間外の月です"),
    "update.why.no-input": ("the new plan has no such input",
                            "新しいプランにこの入力値はありません"),
    "update.why.superseded": ("superseded by the workbook's value",
                              "ブックの値で置き換えられました"),
    "update.why.asof": ("the plan has {n} months", "プランは {n} か月です"),
    "update.carried.entries.one": ("{kinds} of {name}: {n} month", "{name} の{kinds}: {n} か月"),
    "update.carried.entries": ("{kinds} of {name}: {n} months", "{name} の{kinds}: {n} か月"),
    "update.carried.pdca-rows": ("PDCA rows: {n}", "PDCA の行: {n}"),
    "update.carried.pdca-columns": ("PDCA columns added right of the table: {columns}",
                                    "PDCA 表の右に追加された列: {columns}"),
    "update.column-moved": ("{name} ({at}, was {old})", "{name}（{at}、以前は {old}）"),
    "update.warn.pdca-blank": ("PDCA column {old} has no header; it is named {name} (column "
                               "{at}): an Excel table needs one",
                               "PDCA の列 {old} に見出しがありません。{name} と名付けました（列 "
                               "{at}）: Excel の表には見出しが必要です"),
    "update.unplaced.pdca-long": ("PDCA column {old}'s header ({length} characters): named "
                                  "{name}, the full text is kept",
                                  "PDCA の列 {old} の見出し（{length} 文字）: {name} と名付け、"
                                  "全文を保存しました"),
    "update.warn.pdca-repeat": ("PDCA column {old}'s header {text} repeats another header of "
                                "the table; it is named {name} (column {at})",
                                "PDCA の列 {old} の見出し {text} は表の別の見出しと重複しています。"
                                "{name} と名付けました（列 {at}）"),
    "update.unplaced.kfs-status": ("KFS {kid} status {status} (no longer in the plan)",
                                   "KFS {kid} の状況 {status}（プランにもうありません）"),
    "update.kept.kfs-status": ("KFS {kid} status = {status}", "KFS {kid} の状況 = {status}"),
    "update.kept.kfs-status-from": ("KFS {kid} status = {status} (from {source})",
                                    "KFS {kid} の状況 = {status}（{source} から）"),
    "update.plan-won.kfs-changed": ("KFS {kid}: the plan changed its status to {new}; the "
                                    "workbook's {status} was replaced",
                                    "KFS {kid}: プランが状況を {new} に変えたため、ブックの "
                                    "{status} を置き換えました"),
    "update.plan-won.kfs-sets": ("KFS {kid}: the plan sets its status to {new}; {status} from "
                                 "{source} stays in Unplaced data",
                                 "KFS {kid}: プランが状況を {new} にしています。{source} の "
                                 "{status} は未配置データに残します"),
    "update.kfs.from-unplaced": ("Unplaced data", "未配置データ"),
    "update.kfs.from-row": ("a row added to the KFS table ({at})",
                            "KFS 表に追加された行（{at}）"),
    "update.kfs.at": ("row {row} of the {sheet} sheet", "{sheet} シートの {row} 行目"),
    "update.unplaced.kfs-other": ("KFS row {kid} ({at}): {fields} (the plan's KFS {kid} has "
                                  "other values)",
                                  "KFS の行 {kid}（{at}）: {fields}（プランの KFS {kid} は別の値"
                                  "です）"),
    "update.unplaced.kfs-row": ("KFS row{kid} ({at}): {fields}: {fix}",
                                "KFS の行{kid}（{at}）: {fields}: {fix}"),
    "update.kfs.fix-first": ("only the first row of KFS {kid} counts: copy what you need into "
                             "it",
                             "KFS {kid} は最初の行だけが有効です。必要な内容をそこへ写してくだ"
                             "さい"),
    "update.kfs.fix-gone": ("the new plan has no KFS {kid}",
                            "新しいプランに KFS {kid} はありません"),
    "update.kfs.fix-no-id": ("give it an id and add it to the plan's kfs: list to place it",
                             "id を付け、プランの kfs: に加えると配置されます"),
    "update.kfs.fix-add": ("add initiative {kid} to the plan's kfs: list to place it",
                           "施策 {kid} をプランの kfs: に加えると配置されます"),
    "update.carried.history": ("target history rows: {n}", "目標履歴の行: {n}"),
    "update.carried.sheet": ("sheet {sheet} (as values)", "シート {sheet}（値として）"),
    "update.warn.sheet-renamed": ("sheet {old} was renamed {new} (its name is taken)",
                                  "シート {old} は名前が使われているため {new} にしました"),
    "update.carried.typed": ("cells typed on sheet {sheet}: {n}",
                             "シート {sheet} に入力されたセル: {n}"),
    "update.unplaced.cell": ("cell {where} = {value} ({why})", "セル {where} = {value}（{why}）"),
    "update.why.input-formula": ("a formula typed into an input cell; kpixl keeps numbers only: "
                                 "type its result, or put the value into the plan",
                                 "入力セルに数式が入力されています。kpixl は数値だけを保持します: "
                                 "結果の値を入力するか、値をプランに書いてください"),
    "update.why.formula": ("a formula typed on a kpixl sheet, kept as text",
                           "kpixl のシートに入力された数式です。文字として保存しました"),
    "update.why.moved": ("typed where rows were inserted; its place in the new workbook is not "
                         "known",
                         "行が挿入された位置に入力されています。新しいブックでの位置がわかりません"),
    "update.why.taken": ("kpixl now uses this cell", "このセルは kpixl が使うようになりました"),
    "update.fit": ("the inputs changed in the workbook ({inputs}) do not fit the new plan "
                   "({first}); put them into the plan (`kpixl pull`) or undo them in the workbook",
                   "ブックで変更された入力値（{inputs}）が新しいプランに合いません（{first}）。"
                   "プランに取り込む（`kpixl pull`）か、ブックで元に戻してください"),
    "update.note.pdca-long": ("the header of PDCA column {old}, longer than Excel's {limit} "
                              "characters; the column is named {name}",
                              "PDCA の列 {old} の見出しです。Excel の上限 {limit} 文字を超える"
                              "ため、列は {name} と名付けました"),
    "update.note.no-kfs": ("no such KFS in the plan", "プランにこの KFS はありません"),
    "update.note.kfs-has": ("{note}; the plan's KFS {kid} has {value} there",
                            "{note}。プランの KFS {kid} はここが {value} です"),
    "update.note.kfs-status-has": ("{note}; KFS {kid} has the status {status} already",
                                   "{note}。KFS {kid} の状況はすでに {status} です"),
    "update.note.kfs-plan-sets": ("{note}; the plan sets the status of KFS {kid} to {status}",
                                  "{note}。プランは KFS {kid} の状況を {status} にしています"),
    "update.note.kfs-another": ("another row for KFS {kid} ({at}); {fix}",
                                "KFS {kid} の別の行です（{at}）。{fix}"),
    "update.note.kfs-no-id": ("a row added to the KFS table without an id ({at}); {fix}",
                              "id のない行が KFS 表に追加されています（{at}）。{fix}"),
    "update.note.kfs-added": ("a row added to the KFS table ({at}); {fix}",
                              "KFS 表に追加された行です（{at}）。{fix}"),
    "update.note.kfs-now": ("KFS {kid} is in the plan now", "KFS {kid} がプランに加わりました"),
    # -- issue 16 part 1: reading a workbook (before its plan is known: English) -------------
    "wb.what.folder": ("a folder", "フォルダー"),
    "wb.what.device": ("a pipe, device or socket", "パイプ・デバイス・ソケット"),
    "wb.not-a-file": ("is {what}, not a workbook file",
                      "{what}です。ブックのファイルではありません"),
    "import.not-a-file": ("is {what}, not an import file",
                          "{what}です。取り込むファイルではありません"),
    "wb.missing": ("no such file", "ファイルがありません"),
    "wb.unreadable": ("cannot be read ({reason})", "読み込めません（{reason}）"),
    "wb.too-large": ("is {mb} MB; a kpixl workbook is far smaller (limit {limit} MB)",
                     "{mb} MB あります。kpixl のブックはずっと小さいはずです（上限 {limit} MB）"),
    "wb.zip-bomb": ("would unpack to {mb} MB in {parts} parts; refusing it (a zip bomb?)",
                    "展開すると {parts} 個の部品で {mb} MB になるため読み込みません（zip 爆弾？）"),
    "wb.not-excel": ("is not an Excel workbook (.xlsx/.xlsm)",
                     "Excel のブック（.xlsx/.xlsm）ではありません"),
    "wb.not-zip": ("is not an Excel workbook (.xlsx/.xlsm): not a zip file",
                   "Excel のブック（.xlsx/.xlsm）ではありません: zip ファイルではありません"),
    "wb.sheet-missing": ("sheet {sheet} is missing (it holds kpixl's cells); was it renamed or "
                         "deleted?",
                         "シート {sheet} がありません（kpixl のセルがあるシートです）。名前を"
                         "変えたか削除しませんでしたか？"),
    "wb.unreadable-xml": ("is not a readable workbook ({reason})",
                          "読み込めるブックではありません（{reason}）"),
    "wb.too-many-texts": ("holds more than {limit} texts; a kpixl workbook holds far fewer "
                          "(delete the sheets pasted into it)",
                          "文字列が {limit} 個を超えています。kpixl のブックはずっと少ないはずです"
                          "（貼り付けたシートを削除してください）"),
    "wb.sheet-dtd": ("is not a readable workbook (sheet XML {part} holds a DTD)",
                     "読み込めるブックではありません（シート XML {part} に DTD があります）"),
    "wb.sheet-empty": ("is not a readable workbook (sheet XML {part} has no worksheet)",
                       "読み込めるブックではありません（シート XML {part} にワークシートがありま"
                       "せん）"),
    "wb.altered": ("the workbook was altered (undo the change, or rebuild it from the plan with "
                   "`kpixl build --force`, which drops what was entered)",
                   "ブックが変更されています（変更を元に戻すか、`kpixl build --force` でプランから"
                   "作り直してください。入力済みのデータは失われます）"),
    "wb.not-kpixl": ("is not a kpixl workbook (no hidden {sheet} sheet)",
                     "kpixl のブックではありません（非表示の {sheet} シートがありません）"),
    "wb.meta-altered": ("the {sheet} sheet was altered ({what}); rebuild with `kpixl build`",
                        "{sheet} シートが変更されています（{what}）。`kpixl build` で作り直して"
                        "ください"),
    "wb.format": ("workbook format {version} is not supported by this kpixl (reads format "
                  "{supported}); upgrade kpixl",
                  "ブックの形式 {version} はこの kpixl では読めません（読めるのは形式 "
                  "{supported}）。kpixl を更新してください"),
    "wb.plan-invalid": ("the plan in {sheet} is invalid ({first})",
                        "{sheet} のプランが正しくありません（{first}）"),
    "wb.name-missing": ("defined name {name} is missing; {altered}",
                        "名前の定義 {name} がありません。{altered}"),
    "wb.not-range": ("{what} refers to {ref}, not a range; {altered}",
                     "{what} の参照先 {ref} が範囲ではありません。{altered}"),
    "wb.range-large": ("{what} refers to {ref}, far more cells than kpixl writes; {altered}",
                       "{what} の参照先 {ref} は kpixl が書くよりはるかに多いセルです。{altered}"),
    "wb.season-short": ("in_seasonality is shorter than the plan; {altered}",
                        "季節性の行がプランの月数より短くなっています。{altered}"),
    "wb.row-cells": ("{name} has {cells} cells, the plan {months} months; {altered}",
                     "{name} のセルは {cells} 個ですが、プランは {months} か月です。{altered}"),
    # -- issue 16 part 1: `kpixl --help` and every subcommand's help (kpixl.cli) -----------
    "cli.kpixl": ("KPI planning: from a KGI and its drivers to a live Excel workbook.",
                  "KPI 計画: KGI とその要因から、計算式の生きた Excel ブックを作ります。"),
    "cli.example": ("example: {example}", "例: {example}"),
    "cli.overwrite": ("overwrite an existing file", "既存のファイルを上書きします"),
    "cli.demo": ("build the built-in example (the seed article's sales funnel) into "
                 "DIR/kpixl-demo.xlsx",
                 "組み込みの例（元記事の営業ファネル）を DIR/kpixl-demo.xlsx に作ります"),
    "cli.demo.force": ("replace a demo workbook even if it holds entered data",
                       "入力済みのデータがあってもデモのブックを置き換えます"),
    "cli.templates": ("list the built-in plan templates",
                      "組み込みのプランのテンプレートを一覧します"),
    "cli.version": ("show kpixl's version and exit", "kpixl のバージョンを表示して終了します"),
    "cli.usage": ("usage: ", "使い方: "),
    "cli.help": ("show this help message and exit", "このヘルプを表示して終了します"),
    "cli.section.positional": ("positional arguments", "引数"),
    "cli.section.options": ("options", "オプション"),
    "cli.new": ("write a starter plan from a template", "テンプレートからプランの雛形を書きます"),
    "cli.new.template": ("template id, e.g. sales_funnel or sales_funnel.ja",
                         "テンプレートの id（例: sales_funnel、sales_funnel.ja）"),
    "cli.check": ("validate a plan: every error and SMART warning",
                  "プランを検証します: すべてのエラーと SMART の警告"),
    "cli.build": ("write the workbook for one or more plans",
                  "1 つ以上のプランからブックを書きます"),
    "cli.build.force": ("replace a workbook even if it holds entered data",
                        "入力済みのデータがあってもブックを置き換えます"),
    "cli.backcalc": ("quick funnel back-calculation, printed top to bottom",
                     "ファネルの簡易逆算（上の段から順に表示）"),
    "cli.backcalc.target": ("the bottom stage's target", "最下段の目標"),
    "cli.backcalc.rate": ("a stage rate, in funnel order, top first (0.3 or 30%%)",
                          "各段の率。ファネルの順に上の段から（0.3 または 30%%）"),
    "cli.schema": ("print the plan format's JSON Schema",
                   "プラン形式の JSON Schema を表示します"),
    "cli.report": ("read a workbook back: status per KPI, forecast, catch-up targets, gap "
                   "attribution (the cause of a miss)",
                   "ブックを読み取って報告します: KPI ごとの状況、着地見込み、挽回目標、差異の"
                   "要因分解（未達の原因）"),
    "cli.report.asof": ("closed months, or the last closed month as YYYY-MM (default: the "
                        "workbook's as-of month)",
                        "締めた月数、または締めた最終月 YYYY-MM（既定: ブックの実績締め月）"),
    "cli.pull": ("write the plan as the workbook now holds it back to YAML",
                 "ブックが今持っているプランを YAML に書き戻します"),
    "cli.pull.output": ("default: the workbook's stem with .yaml",
                        "既定: ブックの名前に .yaml を付けたもの"),
    "cli.update": ("rebuild a workbook from a changed plan, carrying over actuals, overrides, "
                   "PDCA, KFS status and changed inputs; keeps a backup",
                   "変更したプランからブックを作り直し、実績・上書き・PDCA・KFS の状況・変更した"
                   "入力値を引き継ぎます。バックアップを残します"),
    "cli.update.replan-closed": ("rebuild the closed months' targets from the new plan too (by "
                                 "default they keep their published targets, as frozen months)",
                                 "締めた月の目標も新しいプランから作り直します（既定では公表済み"
                                 "の目標を確定した月として保持します）"),
    "cli.actuals": ("import actuals into a workbook", "ブックに実績を取り込みます"),
    "cli.import": ("import actuals from a CSV or .xlsx export",
                   "CSV または .xlsx の出力から実績を取り込みます"),
    "cli.import.description": ("import actuals from a CSV (UTF-8 or Shift_JIS; comma, tab or "
                               "semicolon) or an .xlsx sheet: long (KPI, month, value), wide "
                               "(one column per month) or months as rows; KPIs by id or name; "
                               "totals and quarters skipped; keeps a backup; never overwrites a "
                               "non-empty cell without --overwrite",
                               "CSV（UTF-8 または Shift_JIS。カンマ・タブ・セミコロン区切り）か "
                               ".xlsx のシートから実績を取り込みます: 縦持ち（KPI・月・値）、横持ち"
                               "（月ごとに 1 列）、月が行のいずれも可。KPI は id か名前で指定。"
                               "合計・四半期は飛ばします。バックアップを残し、--overwrite なしでは"
                               "値のあるセルを上書きしません"),
    "cli.import.overwrite": ("replace actuals the workbook already holds",
                             "ブックにすでにある実績を置き換えます"),
    "cli.import.dry-run": ("show the KPI x month grid that would be imported; write nothing",
                           "取り込む KPI × 月の表を表示するだけで、何も書きません"),
    "cli.import.sheet": ("the .xlsx sheet (default: the first)",
                         ".xlsx のシート（既定: 最初のシート）"),
    "cli.ids": ("list every KPI: id, name (both languages where known), unit; what an import "
                "file may call it",
                "すべての KPI を一覧します: id、名前（わかれば両方の言語）、単位。取り込む"
                "ファイルで使える呼び名です"),
    # -- issue 16 part 1: the xlwings actions' results (kpixl.xl.scripts) ----------------
    "xl.all_closed": ("Nothing to re-plan: every month is closed (as-of month {asof}).",
                      "再計画する月がありません（締め月数 {asof}）。"),
    "xl.replanned": ("Re-planned {first}..{last}: {n} target(s) changed; see {sheet}.",
                     "{first}〜{last} を再計画しました：{n} 件の目標を変更（{sheet}に記録）。"),
    "xl.unchanged": ("Re-plan {first}..{last}: the targets already reach the goals; nothing chang"
                     "ed.",
                     "{first}〜{last} の再計画：現在の目標で達成できるため変更はありません。"),
    "xl.kept_formula": (" Kept {n} override cell(s) holding a formula.",
                        " 数式の入った上書きセル {n} 件はそのままにしました。"),
    "xl.kept_text": (" Kept {n} override cell(s) holding text.",
                     " 文字の入った上書きセル {n} 件はそのままにしました。"),
    "xl.kept_unknown": (" Kept {n} override cell(s) entered by hand (this engine cannot tell valu"
                        "es from formulas).",
                        " 手入力の上書きセル {n} 件はそのままにしました（この環境では数式と値を区"
                        "別できません）。"),
    "xl.reason": ("Catch-up after {month}",
                  "{month}締め後の挽回"),
    "xl.snapshot": ("Saved version {v} ({n} KPIs) to {sheet}.",
                    "バージョン {v}（{n} KPI）を{sheet}に保存しました。"),
    "xl.no_review": ("Nothing to review yet: no month is closed.",
                     "締めた月がないため振り返りはまだできません。"),
    "xl.reviewed": ("Wrote the PDCA review of {month} on row {row} of {sheet}.",
                    "{month}のPDCA振り返りを{sheet}の {row} 行目に記入しました。"),
    "xl.already": ("The PDCA review of {month} is already on row {row} of {sheet}.",
                   "{month}のPDCA振り返りは{sheet}の {row} 行目に記入済みです。"),
    "xl.off": ("Off track",
               "未達"),
    "xl.risk": ("At risk",
                "注意"),
    "xl.none_off": ("All KPIs on track",
                    "全KPI順調"),
    "xl.cause": ("{name} ({id}): {share} of the gap {gap} {unit}",
                 "{name}（{id}）：差異 {gap} {unit} のうち {share}"),
    "xl.no_gap": ("No gap to explain (KGI on plan)",
                  "差異なし（KGIは計画どおり）"),
    "xl.no_cause": ("Gap not attributable (missing actuals or targets)",
                    "差異を分解できません（実績または目標が不足）"),
    "xl.smart": ("SMART checks refreshed: {n} warning(s).",
                 "SMARTチェックを更新しました：警告 {n} 件。"),
    "xl.unknown": ("Choose an action in the dropdown first (got {got!r}).",
                   "先にドロップダウンで操作を選んでください（{got!r}）。"),
    "xl.error": ("Error: {msg}",
                 "エラー：{msg}"),
    # -- issue 16 part 1: the control panel on the Guide sheet (kpixl.layout.controls) --
    "panel.title": ("Actions (xlwings)",
                    "操作（xlwings）"),
    "panel.action": ("Action",
                     "操作"),
    "panel.csv": ("CSV file (import)",
                  "CSVファイル（取込）"),
    "panel.reason": ("Reason (target history)",
                     "理由（目標履歴）"),
    "panel.result": ("Last result",
                     "前回の結果"),
    "panel.run": ("Run",
                  "実行"),
    "panel.help_classic": ("Choose an action, then click Run. Needs Python with kpixl and the xlw"
                           "ings add-in (see docs/xlwings.md); keep {py} beside this file.",
                           "操作を選んで「実行」を押します。kpixl入りのPythonとxlwingsアドインが"
                           "必要です（docs/xlwings.md）。{py} をこのファイルと同じフォルダに置い"
                           "てください。"),
    "panel.help_lite": ("Choose an action, then click Run. Needs the xlwings Lite add-in with the"
                        " main.py and requirements.txt below; the first line of requirements.txt "
                        "must be the address of a kpixl wheel (see docs/xlwings.md).",
                        "操作を選んで「実行」を押します。xlwings Liteアドインに下の main.py と re"
                        "quirements.txt を貼り付けてください。requirements.txt の1行目はkpixlのwh"
                        "eelのアドレスにします（docs/xlwings.md）。"),
    # -- issue 16 part 1: the Guide sheet's prose (kpixl.layout.sheets_plan.guide) ----
    "guide.intro": ("This workbook plans a goal (KGI), back-calculates the KPIs that drive it, sp"
                    "lits them into monthly targets and tracks actuals. Every number is a live fo"
                    "rmula: change an input and everything recalculates.",
                    "このブックは最終目標（KGI）を立て、それを動かすKPIを逆算し、月次目標に配分し"
                    "て実績を管理します。すべての数値は数式で連動しており、前提を変えると自動で再"
                    "計算されます。"),
    "guide.inputs": ("Type only in cells styled like this (yellow, blue text). Everything else is"
                     " calculated and protected (no password).",
                     "入力するのはこの書式（黄色の背景・青字）のセルだけです。それ以外は計算セル"
                     "で、シートは保護されています（パスワードなし）。"),
    "guide.method.1": ("KGI: the final goal with a deadline. KPI tree: the KGI decomposed into dr"
                       "ivers.",
                       "KGI：期限のある最終目標。KPIツリー：KGIを構成要素（ドライバー）に分解した"
                       "もの。"),
    "guide.method.2": ("Funnel back-calculation: from the bottom target and stage rates, the coun"
                       "ts needed at each stage, rounded up stage by stage.",
                       "ファネル逆算：最終段階の目標と各段階の転換率から、各段階の必要数を段階ご"
                       "とに切り上げて求めます。"),
    "guide.method.3": ("KFS: the initiatives that move a KPI. SMART: Specific, Measurable, Assign"
                       "able, Realistic, Time-related.",
                       "KFS：KPIを動かす成功要因（施策）。SMART：具体的・測定可能・担当明確・現実"
                       "的・期限あり。"),
    "guide.method.4": ("PDCA: enter actuals monthly on the Tracking sheet, check status and forec"
                       "ast, find the cause, record actions on the PDCA sheet, re-plan with overr"
                       "ides.",
                       "PDCA：実績管理シートに毎月実績を入力し、状況と着地見込を確認、要因を特定"
                       "し、PDCA記録に改善策を残し、上書き行で目標を再設定します。"),
    "guide.sheet.inputs": ("Goal, assumptions (rates, prices), seasonality, thresholds, as-of mon"
                           "th.",
                           "目標値、前提（転換率・単価）、季節性、判定基準、締め月。"),
    "guide.sheet.tree": ("The KPI tree: each KPI's target, unit, owner and formula.",
                         "KPIツリー：各KPIの目標・単位・担当・計算式。"),
    "guide.sheet.funnel": ("Funnel back-calculation: required counts, rates, carry-in, confidence"
                           ".",
                           "ファネル逆算：必要数、転換率、期首までに必要な案件、確度別必要数。"),
    "guide.sheet.monthly": ("Monthly targets with quarter subtotals; override row to re-plan a mo"
                            "nth.",
                            "月次目標（四半期小計つき）。上書き行で月の目標を再設定できます。"),
    "guide.sheet.tracking": ("Enter actuals here: YTD, achievement, status, forecast, catch-up.",
                             "実績入力：累計、達成率、状況、着地見込、挽回目標。"),
    "guide.sheet.dashboard": ("KGI status, forecast, KPI summary and cumulative charts.",
                              "KGIの状況と着地見込、KPI一覧、累計グラフ。"),
    "guide.sheet.smart": ("SMART check per KPI.",
                          "KPIごとのSMARTチェック。"),
    "guide.sheet.kfs": ("Key success factors (initiatives) with owner, due date and status.",
                        "重要成功要因（施策）：担当・期限・状況。"),
    "guide.sheet.pdca": ("PDCA log: findings, causes and actions per month.",
                         "PDCA記録：月ごとの評価・要因・改善策。"),
    # -- issue 16 part 1: refusals of an xlwings build (kpixl.xl) ----------------------------
    "xl.mode": ("--xlwings must be none, lite or classic, got {mode}",
                "--xlwings は none・lite・classic のどれかです（{mode} が指定されています）"),
    "xl.classic-suffix": ("a classic xlwings workbook must be an .xlsm file (it holds macros)",
                          "classic の xlwings ブックは .xlsm ファイルにしてください（マクロを"
                          "含みます）"),
    "xl.module-name": ("xlwings' button runs `import {stem}`, so the name must be a valid Python "
                       "module name (ASCII letters, digits, _){hint}",
                       "xlwings のボタンは `import {stem}` を実行するため、名前は Python の"
                       "モジュール名（半角英数字と _）にしてください{hint}"),
    "xl.hint-name": ("; use e.g. {name}", "。例: {name}"),
    "xl.module-taken": ("`import {stem}` would load Python's or another package's module "
                        "{module}, not this workbook's; use e.g. {other}",
                        "`import {stem}` では Python か別のパッケージのモジュール {module} が"
                        "読み込まれ、このブックのものになりません。例: {other}"),
    "xl.companion-taken": ("exists and was not written by kpixl; the workbook's button needs "
                           "this name for its Python module: move the file away or name the "
                           "workbook differently",
                           "kpixl が書いたものではないファイルがあります。ブックのボタンはこの"
                           "名前を Python モジュールに使います: ファイルを移動するか、ブックの"
                           "名前を変えてください"),
    "xl.wheel-address": ("{env} must be the https:// address of a kpixl wheel, ending in "
                         "/kpixl-{version}-py3-none-any.whl (build it with `pip wheel "
                         "--no-deps .`)",
                         "{env} には /kpixl-{version}-py3-none-any.whl で終わる kpixl の wheel"
                         " の https:// アドレスを指定してください（`pip wheel --no-deps .` で"
                         "作れます）"),
    "xl.wheel-version": ("the wheel is kpixl {got}, this is kpixl {version}; point {env} at a "
                         "kpixl-{version} wheel",
                         "wheel は kpixl {got} ですが、この kpixl は {version} です。{env} を "
                         "kpixl-{version} の wheel にしてください"),
    "xl.wheel-pypi": ("kpixl is not on PyPI; name the address of a kpixl wheel instead (set "
                      "{env})",
                      "kpixl は PyPI にありません。代わりに kpixl の wheel のアドレスを指定して"
                      "ください（{env} を設定）"),
    "xl.requirement-unknown": ("{name} cannot be resolved (not installed here, so not known to "
                               "come from an index); install it or remove it",
                               "{name} を解決できません（ここにインストールされていないため、"
                               "インデックスから入手できるかわかりません）。インストールするか"
                               "削除してください"),
    "xl.no-macro": ("its quickstart VBA project has no {macro} macro; kpixl {version} cannot "
                    "make the Run button",
                    "クイックスタートの VBA プロジェクトに {macro} マクロがありません。kpixl "
                    "{version} では実行ボタンを作れません"),
    "xl.vba-unreadable": ("cannot read xlwings' VBA project ({reason}); reinstall xlwings "
                          "{version}",
                          "xlwings の VBA プロジェクトを読めません（{reason}）。xlwings "
                          "{version} を入れ直してください"),
    "xl.sheet-missing": ("the {sheet} sheet is missing; the workbook was altered",
                         "{sheet} シートがありません。ブックが変更されています"),
    "xl.name-missing": ("defined name {name} is missing; the workbook was altered",
                        "名前の定義 {name} がありません。ブックが変更されています"),
    "wb.meta.no-version": ("no format_version", "format_version がありません"),
    "wb.meta.no-plan": ("plan_json rows missing", "plan_json の行がありません"),
    "wb.meta.sha": ("plan_sha256 does not match the plan", "plan_sha256 がプランと一致しません"),
    "wb.meta.not-json": ("{row} is not JSON", "{row} が JSON ではありません"),
    "cli.confidence-range": ("--confidence must be within (0, 1), got {value}",
                             "--confidence は 0 と 1 の間にしてください（{value} が指定されて"
                             "います）"),
    "wb.kind.formula": ("a formula", "数式"),
    "wb.kind.text": ("text {text}", "文字 {text}"),
    "wb.warn.not-number": ("{kind} is not a number; ignored",
                           "{kind} は数値ではないため無視しました"),
    "wb.warn.moved": ("the cell moved (its label was not found where built); the value as "
                      "built is used",
                      "セルが移動しています（作成時の位置に見出しがありません）。作成時の値を"
                      "使います"),
    "wb.warn.unnamed": ("the {sheet} sheet does not name its cell (built by an older kpixl); "
                        "the value as built is used (`kpixl update` records it)",
                        "{sheet} シートにこのセルの記録がありません（古い kpixl で作成）。作成時の"
                        "値を使います（`kpixl update` で記録されます）"),
    "wb.warn.asof": ("as-of month: {value} is not a whole number within 0..{months}; ignored",
                     "実績の締め月: {value} は 0〜{months} の整数ではないため無視しました"),
    "template.missing": ("no such template{hint}; `kpixl templates` lists them",
                         "そのテンプレートはありません{hint}。`kpixl templates` で一覧できます"),
    "target.exists": ("already exists; use --force to overwrite it",
                      "すでにあります。上書きするなら --force を付けてください"),
    "entered.actuals": ("actuals of {name}", "{name} の実績"),
    "entered.overrides": ("overrides of {name}", "{name} の上書き"),
    "entered.kfs-status": ("KFS status", "KFS の状況"),
    "entered.kfs-rows": ("KFS rows", "KFS の行"),
    "entered.input": ("input {name}", "入力値 {name}"),
    "entered.sheet": ("sheet {sheet}", "シート {sheet}"),
    "entered.cells": ("{n} cell(s) typed on sheet {sheet} ({where}{more})",
                      "シート {sheet} に入力されたセル {n} 個（{where}{more}）"),
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
