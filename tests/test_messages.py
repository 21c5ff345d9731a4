"""Messages follow the plan's locale (cli.md): the catalogue (kpixl.messages) has every message in
English and Japanese with the same placeholders, and `kpixl check` words a `locale: ja` plan's
errors and warnings in Japanese and an English plan's in English, one line each with its path."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from kpixl.engine.smart import smart_checks
from kpixl.engine.solve import solve
from kpixl.errors import PlanError, Problem
from kpixl.messages import MESSAGES, locale_of_text, msg
from kpixl.model.checker import formula_message
from kpixl.model.expr import ExprError
from kpixl.model.expr import parse as parse_formula
from kpixl.model.loader import ERROR_CODES, load, loads
from kpixl.model.schema import TABLES

PLANS = Path(__file__).parent / "plans"
KPIXL = Path(sys.executable).parent / "kpixl"
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
# `FILE:LINE: field.path: message` (cli.md); warnings say "warning:" before the message
ERROR_LINE = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?P<path>[a-z_][\w.\[\]]*): "
                        r"(?:warning: )?(?P<message>\S.*)$")
SOLVE_CODES = {"cycle", "zero_divisor", "bounds", "negative", "not_finite", "over_covered", "free",
               "split", "solved_twice", "unsolved"}
SMART_CODES = {"smart_s", "smart_a", "smart_r", "smart_t"}  # M never warns


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# -- the catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    en, ja = MESSAGES[key]
    assert en.strip() and ja.strip()
    assert not JAPANESE.search(en) and JAPANESE.search(ja), key
    assert placeholders(en) == placeholders(ja), key


def test_no_catalogue_key_is_written_twice() -> None:
    """A dict literal keeps the last of two equal keys silently: a block merged from another
    branch must not replace a message unseen."""
    import ast

    import kpixl.messages

    tree = ast.parse(Path(kpixl.messages.__file__).read_text(encoding="utf-8"))
    (table,) = [n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
                and isinstance(n.target, ast.Name) and n.target.id == "MESSAGES"]
    assert isinstance(table, ast.Dict)
    keys = [k.value for k in table.keys if isinstance(k, ast.Constant)]
    assert len(keys) == len(table.keys) == len(set(keys)) == len(MESSAGES)


def _labels() -> list[tuple[str, tuple[str, str]]]:
    from kpixl.layout import labels

    return [*(("sheet." + k, v) for k, v in labels.SHEETS.items()),
            *labels._L.items()]


@pytest.mark.parametrize(("key", "pair"), _labels())
def test_every_workbook_label_has_both_languages_with_the_same_placeholders(
        key: str, pair: tuple[str, str]) -> None:
    en, ja = pair
    assert en.strip() and ja.strip(), key
    assert not JAPANESE.search(en), key
    assert placeholders(en) == placeholders(ja), key


def test_every_problem_code_has_a_message() -> None:
    codes = {key.split(".")[0] for key in MESSAGES}
    assert codes >= ERROR_CODES | SOLVE_CODES | SMART_CODES


def test_every_required_field_has_its_description_in_both_languages() -> None:
    for table, specs in TABLES.items():
        for spec in specs:
            if spec.required:
                en, _ = MESSAGES[f"field.{table}.{spec.name}"]
                what = spec.description.rstrip(".")
                assert en == what[0].lower() + what[1:]


def test_msg_picks_the_language_and_fills_the_placeholders() -> None:
    hint = msg("hint.percent-rate", "ja", pct="1.5", fraction="0.015")
    assert (msg("bounds", "ja", low=0, high=1, got="1.5", hint=hint)
            == "0〜1の範囲で指定してください。1.5 が指定されています"
               "（1.5% のことですか？ それなら 0.015 と書いてください）")
    assert (msg("bounds", "en", low=0, high=1, got="1.5", hint="")
            == "must be within [0, 1], got 1.5")
    assert msg("smart_s", "fr") == msg("smart_s", "en")  # any other locale: English


@pytest.mark.parametrize(("text", "locale"), [
    ("kpixl: 1\nlocale: ja\n", "ja"),
    ("locale: 'ja'   # labels\n", "ja"),
    ("locale: en\nlocale: ja\n", "en"),  # the first of duplicate keys counts
    ("title: x\n  locale: ja\n", "en"),  # not top level
    ("title: locale: ja\n", "en"),
    ("", "en"),
])
def test_locale_of_raw_text(text: str, locale: str) -> None:
    assert locale_of_text(text) == locale


@pytest.mark.parametrize("formula", ["", "x" * 2001, "deals *", "deals ** 2", "max(a, b)", "a.b",
                                     "a[0]", "a < b", "a % b", "'text'", "1e999 * a",
                                     "a if b else c"])
def test_formula_errors_keep_their_english_and_have_a_japanese_wording(formula: str) -> None:
    with pytest.raises(ExprError) as info:
        parse_formula(formula)
    english = str(info.value)
    assert formula_message(english, "en") == english
    assert JAPANESE.search(formula_message(english, "ja"))


# -- through the loader and the engine -------------------------------------------------------


def problems(text: str) -> list[Problem]:
    with pytest.raises(PlanError) as info:
        loads(text, "p.yaml")
    return info.value.problems


MANY_ERRORS = (PLANS / "bad" / "many_errors.yaml").read_text("utf-8")


def with_locale(text: str, locale: str) -> str:
    return text.replace("kpixl: 1\n", f"kpixl: 1\nlocale: {locale}\n", 1)


def test_a_japanese_plan_gets_japanese_errors_at_the_same_fields() -> None:
    en, ja = problems(with_locale(MANY_ERRORS, "en")), problems(with_locale(MANY_ERRORS, "ja"))
    assert [(p.path, p.line, p.code) for p in ja] == [(p.path, p.line, p.code) for p in en]
    assert all(JAPANESE.search(p.message) for p in ja)
    assert not any(JAPANESE.search(p.message.replace("10万", "")) for p in en)
    by_path = {p.path: p.message for p in ja}
    assert by_path["kpis.revenue.tagret"] == "キー 'tagret' は使えません（'target' のことですか？）"
    assert by_path["kpis.win_rate.value"].startswith(
        "0〜1の範囲で指定してください。1.5 が指定されています（1.5% のことですか？")


def test_english_messages_are_unchanged() -> None:
    messages = [p.message for p in problems(MANY_ERRORS)]  # no locale: English
    assert messages == ["unknown key 'tagret' (did you mean 'target'?)",
                        "must be a number, got '10万'",
                        "uses unknown id 'dealz' (did you mean 'deals'?)",
                        "must be within [0, 1], got 1.5 (did you mean 1.5%? write 0.015)"]


def test_the_parsed_locale_counts_where_no_line_says_it() -> None:
    text = ("{kpixl: 1, locale: ja, title: t, period: {start: 2026-04}, kgi: r, "
            "kpis: {r: {name: R, tagret: 1}}, kpixl: 1}")  # a flow mapping, with a duplicate key
    got = problems(text)
    assert got and all(JAPANESE.search(p.message) for p in got), [str(p) for p in got]


@pytest.mark.parametrize(("text", "phrase"), [
    ("kpixl: 1\nlocale: ja\ntitle: [unclosed\n", "YAML として読めません"),
    ("kpixl: 1\nlocale: ja\ntitle: a\ntitle: b\n",
     "キー 'title' が重複しています（最初は 3 行目）"),
    ("kpixl: 1\nlocale: ja\n---\nkpixl: 1\n", "プランは 1 つの YAML 文書です"),
])
def test_yaml_problems_of_a_japanese_plan_are_japanese(text: str, phrase: str) -> None:
    assert any(phrase in p.message for p in problems(text)), [str(p) for p in problems(text)]
    english = problems(text.replace("locale: ja", "locale: en"))
    assert not any(JAPANESE.search(p.message) for p in english)


def test_a_shift_jis_file_with_locale_ja_is_told_so_in_japanese(tmp_path: Path) -> None:
    path = tmp_path / "sjis.yaml"
    path.write_bytes((PLANS / "good" / "seed.yaml").read_text("utf-8").encode("cp932"))
    with pytest.raises(PlanError) as info:
        load(path)
    got, = info.value.problems
    assert "Shift_JIS" in got.message and "UTF-8 で保存" in got.message


SOLVE_ERRORS = (PLANS / "engine" / "solve_errors.yaml").read_text("utf-8")


def test_engine_errors_follow_the_locale() -> None:
    def solve_problems(text: str) -> list[Problem]:
        with pytest.raises(PlanError) as info:
            solve(loads(text, "p.yaml"))
        return info.value.problems

    en = solve_problems(with_locale(SOLVE_ERRORS, "en"))
    ja = solve_problems(with_locale(SOLVE_ERRORS, "ja"))
    assert [(p.path, p.code) for p in ja] == [(p.path, p.code) for p in en] and len(en) == 3
    assert all(JAPANESE.search(p.message) for p in ja)
    assert not any(JAPANESE.search(p.message) for p in en)


def test_smart_warnings_follow_the_locale() -> None:
    text = ("kpixl: 1\ntitle: t\nlocale: ja\nperiod: {start: 2026-04}\nkgi: r\nkpis:\n"
            "  r: {name: R, target: 200, formula: a + 1, history: [10, 20]}\n  a: {name: A}\n")
    _, warnings = smart_checks(solve(loads(text)))
    assert {p.code for p in warnings} == {"smart_s", "smart_a", "smart_r", "smart_t"}
    assert all(JAPANESE.search(p.message) and p.message.startswith("SMART ") for p in warnings)
    assert ("SMART S: 説明がありません。何をどう数えるか（計算式と分母）を書いてください"
            in [p.message for p in warnings])
    _, english = smart_checks(solve(loads(text.replace("locale: ja", "locale: en"))))
    assert not any(JAPANESE.search(p.message) for p in english)
    assert "SMART S: no description" in english[0].message


# -- through the CLI ---------------------------------------------------------------------------


def check(plan: Path) -> tuple[int, list[re.Match[str]]]:
    """`kpixl check PLAN` as a user runs it (English CLI): exit code and the parsed lines."""
    env = {**os.environ, "KPIXL_LANG": "en", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    got = subprocess.run([str(KPIXL), "check", str(plan)], capture_output=True, text=True,
                         env=env, timeout=60)
    lines = (got.stdout + got.stderr).splitlines()
    assert "Traceback" not in got.stderr
    matches = [ERROR_LINE.match(line) for line in lines]
    assert lines and all(matches), lines
    return got.returncode, matches  # type: ignore[return-value]


@pytest.mark.parametrize(("name", "text"), [("many_errors", MANY_ERRORS),
                                            ("solve_errors", SOLVE_ERRORS)])
def test_check_words_each_line_in_the_plans_locale(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / "ja.yaml").write_text(with_locale(text, "ja"), "utf-8")
    (tmp_path / "en.yaml").write_text(with_locale(text, "en"), "utf-8")
    ja_code, ja = check(tmp_path / "ja.yaml")
    en_code, en = check(tmp_path / "en.yaml")
    assert ja_code == en_code == 1 and len(ja) == len(en) >= 3
    assert [m["path"] for m in ja] == [m["path"] for m in en]
    assert [m["line"] for m in ja] == [m["line"] for m in en]
    assert all(JAPANESE.search(m["message"]) for m in ja)
    assert not any(JAPANESE.search(m["message"].replace("10万", "")) for m in en)
