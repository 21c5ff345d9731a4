"""The installed `kpixl` command (cli.md), run as a user runs it: exit codes 0 (ok), 1 (invalid
input), 2 (usage); errors on stderr, one line each, never a traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import KPIXL, run_kpixl

from kpixl._version import __version__
from kpixl.model.loader import load

PLANS = Path(__file__).parent / "plans"
SEED = PLANS / "good" / "seed.yaml"
MANY_ERRORS = PLANS / "bad" / "many_errors.yaml"
SOLVE_ERRORS = PLANS / "engine" / "solve_errors.yaml"
HUGE = PLANS / "engine" / "huge_target.yaml"
# `FILE:LINE: field.path: message` or `FILE: field.path: message` (cli.md).
ERROR_LINE = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?P<path>[a-z_][\w.\[\]]*): "
                        r"(?P<message>\S.*)$")


def kpixl(*args: str | Path, cwd: Path | None = None,
          lang: str = "en") -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, lang=lang)


def invalid(*args: str | Path, cwd: Path | None = None) -> str:
    """Run a command that must fail on invalid input: exit 1, no traceback; returns stderr."""
    got = kpixl(*args, cwd=cwd)
    assert got.returncode == 1, got.stderr
    assert "Traceback" not in got.stderr + got.stdout
    return got.stderr


def test_entry_point_is_installed() -> None:
    assert KPIXL.is_file() and shutil.which(KPIXL.name, path=str(KPIXL.parent)) == str(KPIXL)


# -- version, help, usage errors ---------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    got = kpixl("--version")
    assert (got.returncode, got.stdout.strip()) == (0, f"kpixl {__version__}")


def test_python_dash_m_runs_the_same_cli() -> None:
    got = subprocess.run([sys.executable, "-m", "kpixl", "--version"], capture_output=True,
                         text=True, timeout=60)
    assert (got.returncode, got.stdout.strip()) == (0, f"kpixl {__version__}")


@pytest.mark.parametrize("command", ["demo", "templates", "new", "check", "build", "backcalc",
                                     "schema"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    got = kpixl(command, "--help")
    assert got.returncode == 0
    assert "example: kpixl " + command in got.stdout


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("check",), ("backcalc", "12"),
                                  ("backcalc", "twelve", "--rate", "0.3"),
                                  ("check", str(SEED), "--format", "xml")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    got = kpixl(*args)
    assert got.returncode == 2
    assert "usage: kpixl" in got.stderr and "Traceback" not in got.stderr


# -- templates and new -------------------------------------------------------------------------


def test_templates_lists_sales_funnel() -> None:
    got = kpixl("templates")
    assert got.returncode == 0
    assert any(line.startswith("sales_funnel ") for line in got.stdout.splitlines())


def test_templates_follow_kpixl_lang() -> None:
    got = kpixl("templates", lang="ja")
    assert got.returncode == 0 and "営業ファネル" in got.stdout


def test_new_without_output_writes_the_template_id_in_the_current_folder(tmp_path: Path) -> None:
    got = kpixl("new", "sales_funnel", cwd=tmp_path)
    assert (got.returncode, got.stdout.strip()) == (0, "sales_funnel.yaml")
    assert load(tmp_path / "sales_funnel.yaml").kgi


def test_new_writes_a_plan_that_loads(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    got = kpixl("new", "sales_funnel", "-o", out)
    assert (got.returncode, got.stdout.strip()) == (0, str(out))
    assert load(out).kgi


def test_new_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine", encoding="utf-8")
    assert "already exists" in invalid("new", "sales_funnel", "-o", out)
    assert out.read_text(encoding="utf-8") == "mine"


def test_new_overwrites_with_force(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine", encoding="utf-8")
    assert kpixl("new", "sales_funnel", "-o", out, "--force").returncode == 0
    assert out.read_text(encoding="utf-8") != "mine"


def test_new_unknown_template_suggests_one(tmp_path: Path) -> None:
    err = invalid("new", "sales_funel", "-o", tmp_path / "p.yaml")
    assert "no such template" in err and "did you mean sales_funnel?" in err
    assert not (tmp_path / "p.yaml").exists()


# -- check ----------------------------------------------------------------------------------------


def test_check_good_plan_exits_0_with_warnings_on_stdout() -> None:
    got = kpixl("check", SEED)
    assert (got.returncode, got.stderr) == (0, "")
    assert all(ERROR_LINE.match(line) and "warning:" in line for line in got.stdout.splitlines())


def test_check_bad_plan_prints_every_error_with_its_path() -> None:
    err = invalid("check", MANY_ERRORS)
    lines = err.splitlines()
    exp = ["kpis.revenue.tagret", "kpis.unit_price.value", "kpis.orders.formula",
           "kpis.win_rate.value"]
    assert [ERROR_LINE.match(line).group("path") for line in lines] == exp  # type: ignore[union-attr]
    assert all(ERROR_LINE.match(line).group("file") == str(MANY_ERRORS) for line in lines)  # type: ignore[union-attr]


def test_check_prints_every_back_calculation_error() -> None:
    lines = invalid("check", SOLVE_ERRORS).splitlines()
    found = {m.group("path"): int(m.group("line")) for m in map(ERROR_LINE.match, lines) if m}
    assert len(found) == len(lines)  # every line has the error format
    exp = {"kpis.win_rate": 11, "kpis.cost": 15, "kpis.reach.formula": 16}
    assert exp.items() <= found.items()


def test_check_json_lists_the_problems() -> None:
    got = kpixl("check", MANY_ERRORS, "--format", "json")
    data = json.loads(got.stdout)
    assert (got.returncode, data["ok"]) == (1, False)
    assert [p["line"] for p in data["problems"]] == [11, 13, 15, 16]
    assert {p["severity"] for p in data["problems"]} == {"error"}


def test_check_json_of_a_good_plan_is_ok() -> None:
    got = kpixl("check", SEED, "--format", "json")
    data = json.loads(got.stdout)
    assert (got.returncode, data["ok"]) == (0, True)
    assert {p["severity"] for p in data["problems"]} <= {"warning"}


def test_check_missing_file() -> None:
    assert "no such file" in invalid("check", "no-such-plan.yaml")


def test_check_json_reports_a_missing_file() -> None:
    got = kpixl("check", "no-such-plan.yaml", "--format", "json")
    problem, = json.loads(got.stdout)["problems"]
    assert (got.returncode, problem["file"], problem["code"]) == (1, "no-such-plan.yaml", "file")


def test_check_messages_follow_a_japanese_plans_locale() -> None:
    got = kpixl("check", SEED)
    messages = [ERROR_LINE.match(line).group("message") for line in got.stdout.splitlines()]  # type: ignore[union-attr]
    assert messages and all(re.search("[\u3040-\u30ff\u4e00-\u9fff]", m) for m in messages)


# -- backcalc --------------------------------------------------------------------------------


def test_backcalc_prints_the_funnel_top_to_bottom() -> None:
    got = kpixl("backcalc", "12", "--rate", "0.35", "--rate", "0.6", "--rate", "0.3")
    assert (got.returncode, got.stdout.split()) == (0, ["192", "67", "40", "12"])


def test_backcalc_with_confidence_prints_both_targets() -> None:
    got = kpixl("backcalc", "12", "--rate", "0.35", "--rate", "0.6", "--rate", "0.3",
                "--confidence", "0.8")
    rows = [line.split("\t") for line in got.stdout.splitlines()]
    assert [r[0] for r in rows] == ["192", "67", "40", "12"]
    assert [r[1].split()[0] for r in rows] == ["233", "81", "48", "12"]


def test_backcalc_accepts_percent_rates() -> None:
    got = kpixl("backcalc", "12", "--rate", "30%")
    assert (got.returncode, got.stdout.split()) == (0, ["40", "12"])


def test_backcalc_rate_above_1_hints_percent() -> None:
    err = invalid("backcalc", "12", "--rate", "1.5")
    assert "did you mean 1.5%?" in err


@pytest.mark.parametrize("args", [("-5", "--rate", "0.3"), ("12", "--rate", "0"),
                                  ("12", "--rate", "0.3", "--confidence", "1.5")])
def test_backcalc_invalid_numbers_exit_1(args: tuple[str, ...]) -> None:
    assert invalid("backcalc", *args).startswith("backcalc: ")


def test_backcalc_infinite_target_is_invalid_input() -> None:
    assert "target" in invalid("backcalc", "inf", "--rate", "0.3")


def test_backcalc_nan_target_names_the_target() -> None:
    assert "target" in invalid("backcalc", "nan", "--rate", "0.3")


def test_backcalc_huge_target_does_not_crash() -> None:
    got = kpixl("backcalc", "1e30", "--rate", "0.5")
    assert got.returncode == 0 and "Traceback" not in got.stderr


def test_check_huge_whole_target_does_not_crash() -> None:
    got = kpixl("check", HUGE)
    assert got.returncode == 0 and "Traceback" not in got.stderr


# -- schema, demo, build ---------------------------------------------------------------------


def test_schema_prints_valid_json() -> None:
    got = kpixl("schema")
    schema = json.loads(got.stdout)
    assert got.returncode == 0
    assert {"kpixl", "title", "kpis"} <= set(schema["properties"])


def test_demo_writes_the_workbook_into_the_folder(tmp_path: Path) -> None:
    got = kpixl("demo", "-o", tmp_path)
    exp = tmp_path / "kpixl-demo.xlsx"
    assert (got.returncode, got.stdout.strip()) == (0, str(exp))
    assert zipfile.is_zipfile(exp)


def test_build_writes_the_named_workbook(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    got = kpixl("build", SEED, "-o", out)
    assert (got.returncode, got.stdout.strip()) == (0, str(out))
    assert zipfile.is_zipfile(out)


def test_build_defaults_to_the_plans_stem(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    shutil.copy(SEED, plan)
    assert kpixl("build", plan).returncode == 0
    assert zipfile.is_zipfile(tmp_path / "plan.xlsx")


def test_build_bad_plan_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    err = invalid("build", MANY_ERRORS, "-o", out)
    assert "kpis.win_rate.value" in err
    assert list(tmp_path.iterdir()) == []


def test_build_plan_with_solve_errors_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    assert "kpis.cost" in invalid("build", SOLVE_ERRORS, "-o", out)
    assert list(tmp_path.iterdir()) == []


def test_build_into_a_missing_folder_is_invalid_input(tmp_path: Path) -> None:
    err = invalid("build", SEED, "-o", tmp_path / "nope" / "out.xlsx")
    assert "does not exist" in err or "がありません" in err  # in the (Japanese) plan's language


def test_build_several_plans_each_succeeds_or_fails_on_its_own(tmp_path: Path) -> None:
    err = invalid("build", SEED, MANY_ERRORS, "-o", tmp_path / "out")
    assert "kpis.orders.formula" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["seed.xlsx"]


SUBCOMMANDS = ("demo", "templates", "new", "check", "build", "backcalc", "schema", "report",
               "pull", "update", "actuals", "ids")


@pytest.mark.parametrize("argv", [(), *((c,) for c in SUBCOMMANDS), ("actuals", "import")])
def test_help_is_japanese_under_a_japanese_locale_and_english_otherwise(argv: tuple[str, ...]
                                                                        ) -> None:
    ja = run_kpixl(*argv, "--help", lang="ja")
    en = run_kpixl(*argv, "--help", lang="en")
    assert ja.returncode == 0 and en.returncode == 0
    assert ja.stdout.startswith("使い方: kpixl") and en.stdout.startswith("usage: kpixl")
    # every help line that says something in words says it in Japanese (ids, options and
    # examples are typed as they are)
    words = re.compile(r"[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}")
    prose = [ln for ln in ja.stdout.splitlines()
             if words.search(ln) and not ln.startswith(("例: kpixl ", "使い方: kpixl "))]
    assert prose == [], prose
    assert "オプション" in ja.stdout and "options" in en.stdout


def test_lang_or_lc_all_choose_the_help_language() -> None:
    got = run_kpixl("--help", env={"KPIXL_LANG": "", "LC_ALL": "ja_JP.UTF-8"})
    assert got.returncode == 0 and "KPI 計画" in got.stdout
