"""The bad-input corpus, end to end through the installed `kpixl` command.

Every plan in ``tests/bad/`` (and every generated one below: non-UTF-8 bytes, UTF-16, a file over
the size limit, an alias bomb, too many values, deep nesting, control characters) is run through
``kpixl build PLAN -o out/out.xlsx``, ``kpixl check PLAN`` and
``kpixl check PLAN --format json`` (and all of them at once through ``kpixl build *.yaml``, whose
workbooks would go beside the plans), each in a subprocess with a 60 s
timeout (against hangs, not a performance assert) and its address space capped at 2 GiB
(``RLIMIT_AS``). Each run must exit 1, print nothing but one-line errors
``FILE:LINE: field.path: message`` on stderr (no traceback), name the expected field path with the
expected phrase, and leave the folder exactly as it was (no workbook, no temporary file).

Corpus format: the first lines of each ``tests/bad/*.yaml`` are ``# expect: PATH | PHRASE``
(``PATH`` is the field path, ``-`` for a file-level error that has none, such as invalid YAML,
``PREFIX*`` for a path that starts so); every expectation must be met by some error line. A
``# xfail: BUG: ...`` line among them marks a case kpixl does not meet yet (strict xfail).
The valid counterparts at the end (a BOM, CRLF line ends) must build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import run_kpixl

HERE = Path(__file__).parent
BAD = HERE / "bad"
SEED = HERE / "plans" / "good" / "seed.yaml"
TIMEOUT_S = 60
EXPECT = re.compile(r"^# expect: (?P<path>\S+) \| (?P<phrase>.*)$")
XFAIL = re.compile(r"^# xfail: (?P<reason>.+)$")


def kpixl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kpixl(*args, cwd=cwd, timeout=TIMEOUT_S, limit_memory=True)


def snapshot(folder: Path) -> set[str]:
    """Every file and folder below ``folder`` (hidden ones too), as relative paths."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# -- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: tuple[tuple[str, str], ...]  # (field path or "-", phrase)
    lines: dict[str, int] = field(default_factory=dict)  # path -> expected line, where checked
    xfail: str = ""  # "BUG: ..." when kpixl does not meet the expectation yet

    def __str__(self) -> str:
        return self.name


def _corpus() -> list[Case]:
    cases = []
    for path in sorted(BAD.glob("*.yaml")):
        data = path.read_bytes()
        expect, xfail = [], ""
        for line in data.decode("utf-8").splitlines():
            m, x = EXPECT.match(line), XFAIL.match(line)
            if m is None and x is None:
                break
            if m is not None:
                expect.append((m["path"], m["phrase"]))
            else:
                xfail = x["reason"]  # type: ignore[index]
        cases.append(Case(path.stem, data, tuple(expect), xfail=xfail))
    return cases


def _base_text() -> str:
    """A small valid plan: the corpus's base, without its expect line."""
    text = (BAD / "rate_percent_hint.yaml").read_text("utf-8")
    return text.split("\n", 1)[1].replace("value: 1.5}", "value: 0.4}")


def _generated() -> list[Case]:
    """Binary and big inputs, made at test time rather than committed."""
    base = _base_text()
    seed_ja = SEED.read_text("utf-8")
    bomb = ["kpixl: 1", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        bomb.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 10)}]")
    aliases = "x: &x 1\nmany: [" + ", ".join(["*x"] * 1001) + "]\n"
    bad_rate = base.replace("value: 0.4}", "value: 1.5}")
    rate_line = next(i for i, ln in enumerate(bad_rate.splitlines(), 1) if "win_rate: {" in ln)
    return [
        Case("gen_non_utf8_shift_jis", seed_ja.encode("cp932"),
             (("-", "UTF-8"), ("-", "0x94"), ("-", "Shift_JIS"))),  # messages in Japanese
        Case("gen_non_utf8_latin1", base.replace("Sales plan", "Café plan").encode("latin-1"),
             (("-", "is not UTF-8 text: byte 0xe9"),)),
        Case("gen_utf16", base.encode("utf-16"), (("-", "is UTF-16 text"),)),
        Case("gen_very_large_file", (base + "# padding padding padding\n" * 250_000).encode(),
             (("-", "is larger than 5 MB"),)),
        Case("gen_too_many_values",
             base.replace("value: 0.4}", "value: 0.4, history: [" + ", ".join(["0"] * 250_000)
                          + "]}").encode(), (("-", "more than 200,000 values"),)),
        Case("gen_alias_bomb", "\n".join(bomb).encode(), (("-", "the document is too large"),)),
        Case("gen_too_many_aliases", (base + aliases).encode(),
             (("many[*", "more than 1000 aliases"),)),
        Case("gen_deep_nesting", (base + "deep: " + "[" * 200 + "]" * 200 + "\n").encode(),
             (("deep[*", "nested more than 64 levels"),)),
        Case("gen_nul_byte", base.replace("title: Sales plan", "title: Sales\0plan").encode(),
             (("-", "invalid YAML"),)),
        Case("gen_control_character",
             base.replace("title: Sales plan", "title: Sales\x07plan").encode(),
             (("-", "invalid YAML"),)),
        Case("gen_bom_with_error", b"\xef\xbb\xbf" + bad_rate.encode(),
             (("kpis.win_rate.value", "did you mean 1.5%?"),),
             {"kpis.win_rate.value": rate_line}),
        Case("gen_crlf_with_error", bad_rate.replace("\n", "\r\n").encode(),
             (("kpis.win_rate.value", "did you mean 1.5%?"),),
             {"kpis.win_rate.value": rate_line}),
    ]


CORPUS = _corpus()
GENERATED = _generated()


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(c, id=c.name, marks=pytest.mark.xfail(strict=True, reason=c.xfail))
            if c.xfail else pytest.param(c, id=c.name) for c in cases]


def test_the_corpus_is_large_and_well_formed() -> None:
    assert len(CORPUS) >= 40
    for case in CORPUS:
        assert case.expect, f"{case.name}: first line must be `# expect: PATH | PHRASE`"
        assert all(phrase.strip() for _, phrase in case.expect), case.name


# -- the check -----------------------------------------------------------------------------------


def assert_rejected(got: subprocess.CompletedProcess[str], case: Case, name: str) -> None:
    """Exit 1, no traceback, stdout empty, every stderr line one `FILE[:LINE]: ...` error."""
    assert "Traceback" not in got.stdout + got.stderr, got.stderr[-3000:]
    assert got.returncode == 1, (got.returncode, got.stderr[-3000:])
    assert got.stdout == ""
    lines = got.stderr.splitlines()
    assert lines, "no error message"
    line_count = case.data.count(b"\n") + 1
    head = re.compile(rf"^{re.escape(name)}(?::(?P<line>\d+))?: (?P<rest>\S.*)$")
    found: list[tuple[int | None, str]] = []
    for line in lines:
        m = head.match(line)
        assert m, f"not a one-line `FILE[:LINE]: field.path: message` error: {line!r}"
        n = int(m["line"]) if m["line"] else None
        assert n is None or 1 <= n <= line_count, f"line {n} outside the file: {line!r}"
        found.append((n, m["rest"]))
    for path, phrase in case.expect:
        if path == "-":
            hits = [rest for _, rest in found if phrase in rest]
        elif path.endswith("*"):  # a path prefix: deep paths depend on where reading stopped
            hits = [rest for _, rest in found if re.match(rf"{re.escape(path[:-1])}\S*: ", rest)
                    and phrase in rest.split(": ", 1)[1]]
        else:
            hits = [rest for n, rest in found if rest.startswith(f"{path}: ")
                    and phrase in rest[len(path) + 2:]
                    and case.lines.get(path, n) == n]
        assert hits, f"expected {path}: ...{phrase}... (line {case.lines.get(path)}); got:\n" + (
            got.stderr)


@pytest.mark.parametrize("case", _params(CORPUS + GENERATED))
def test_bad_plan_is_rejected_cleanly(case: Case, tmp_path: Path) -> None:
    name = f"{case.name}.yaml"
    (tmp_path / name).write_bytes(case.data)
    (tmp_path / "out").mkdir()
    before = snapshot(tmp_path)

    build = kpixl("build", name, "-o", "out/out.xlsx", cwd=tmp_path)
    assert_rejected(build, case, name)
    check = kpixl("check", name, cwd=tmp_path)
    assert_rejected(check, case, name)
    assert build.stderr == check.stderr  # check prints every error; build reports the same

    as_json = kpixl("check", name, "--format", "json", cwd=tmp_path)
    assert as_json.returncode == 1 and "Traceback" not in as_json.stdout + as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and report["problems"]
    paths = {p["path"] for p in report["problems"]}
    for path, _ in case.expect:
        if path.endswith("*"):
            assert any(p.startswith(path[:-1]) for p in paths), (path, paths)
        else:
            assert (path if path != "-" else "") in paths, (path, paths)
    assert all(p["severity"] == "error" and p["file"] == name and p["code"]
               for p in report["problems"])

    # nothing written: no out.xlsx, no <stem>.xlsx, no hidden temporary file
    assert snapshot(tmp_path) == before


# -- several plans at once (default output folder: beside the plans) ------------------------------


def test_the_whole_corpus_in_one_build_writes_nothing(tmp_path: Path) -> None:
    """`kpixl build *.yaml` (no -o: each workbook would go beside its plan) fails every plan on
    its own, with the same one-line errors as one at a time, and writes nothing at all."""
    names = []
    for case in CORPUS + GENERATED:
        if case.xfail:  # a known crash would stop the whole run; tested on its own
            continue
        (tmp_path / f"{case.name}.yaml").write_bytes(case.data)
        names.append(f"{case.name}.yaml")
    before = snapshot(tmp_path)
    got = kpixl("build", *names, cwd=tmp_path)
    assert "Traceback" not in got.stdout + got.stderr, got.stderr[-3000:]
    assert got.returncode == 1 and got.stdout == ""
    head = re.compile(r"^(?P<file>[^:]+\.yaml)(?::\d+)?: \S")
    files = set()
    for line in got.stderr.splitlines():
        m = head.match(line)
        assert m and m["file"] in names, line
        files.add(m["file"])
    assert files == set(names)  # every plan reported its own errors
    assert snapshot(tmp_path) == before


# -- kpixl update with a bad plan: the workbook is left alone ------------------------------------

UPDATE_CASES = ["rate_percent_hint", "engine_cycle", "yaml_syntax_unclosed_bracket",
                "duplicate_key_top", "type_number_with_unit_text", "gen_non_utf8_latin1",
                "gen_alias_bomb"]


@pytest.mark.parametrize("name", UPDATE_CASES)
def test_update_with_a_bad_plan_leaves_the_workbook_alone(name: str, tmp_path: Path) -> None:
    case = next(c for c in CORPUS + GENERATED if c.name == name)
    (tmp_path / "good.yaml").write_text(_base_text(), encoding="utf-8")
    assert kpixl("build", "good.yaml", "-o", "plan.xlsx", cwd=tmp_path).returncode == 0
    workbook = (tmp_path / "plan.xlsx").read_bytes()
    (tmp_path / "bad.yaml").write_bytes(case.data)
    before = snapshot(tmp_path)
    got = kpixl("update", "bad.yaml", "plan.xlsx", cwd=tmp_path)
    assert_rejected(got, case, "bad.yaml")
    assert got.stderr == kpixl("check", "bad.yaml", cwd=tmp_path).stderr
    assert (tmp_path / "plan.xlsx").read_bytes() == workbook
    assert snapshot(tmp_path) == before  # no backup, no temporary file


# -- several plans, one bad: the good one is built, the bad one writes nothing -------------------


def test_one_bad_plan_among_several_fails_alone(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(_base_text(), encoding="utf-8")
    (tmp_path / "bad.yaml").write_bytes((BAD / "rate_percent_hint.yaml").read_bytes())
    got = kpixl("build", "good.yaml", "bad.yaml", "-o", "out", cwd=tmp_path)
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert got.stderr.startswith("bad.yaml:") and "kpis.win_rate.value: " in got.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["good.xlsx"]


@pytest.mark.parametrize(("args", "phrase"), [
    (("build", "missing.yaml", "-o", "out.xlsx"), "missing.yaml: no such file"),
    (("check", "missing.yaml"), "missing.yaml: no such file"),
    (("build", "folder", "-o", "out.xlsx"), "folder: is a folder, not a plan file"),
    (("build", "good.yaml", "-o", "nowhere/out.xlsx"), "does not exist"),
])
def test_unusable_paths_are_one_line_errors(args: tuple[str, ...], phrase: str,
                                            tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "good.yaml").write_text(_base_text(), encoding="utf-8")
    before = snapshot(tmp_path)
    got = kpixl(*args, cwd=tmp_path)
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert len(got.stderr.splitlines()) == 1 and phrase in got.stderr
    assert snapshot(tmp_path) == before


# -- valid counterparts: a BOM and CRLF line ends are fine -----------------------------------------


@pytest.mark.parametrize("encoding", ["bom", "crlf", "bom_crlf", "seed_bom"])
def test_valid_plan_with_a_bom_or_crlf_builds(encoding: str, tmp_path: Path) -> None:
    text = SEED.read_text("utf-8") if encoding == "seed_bom" else _base_text()
    if "crlf" in encoding:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if "bom" in encoding:
        data = b"\xef\xbb\xbf" + data
    (tmp_path / "plan.yaml").write_bytes(data)
    check = kpixl("check", "plan.yaml", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    build = kpixl("build", "plan.yaml", "-o", "plan.xlsx", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert "Traceback" not in build.stderr + check.stderr
    assert build.stdout.strip() == "plan.xlsx"
    assert sorted(os.listdir(tmp_path)) == ["plan.xlsx", "plan.yaml"]  # no stray temp file


# -- bugs found while building the corpus (xfail until fixed) --------------------------------------


def _chain(n: int) -> str:
    """A valid plan whose tree is a chain n levels deep: s0 = s1 * r, s1 = s2 * r, ..."""
    lines = ["kpixl: 1", "title: Chain", "period: {start: 2026-04}", "kgi: s0", "kpis:",
             "  s0: {name: S0, target: 100, formula: s1 * r}", "  r: {name: R, value: 1}"]
    lines += [f"  s{k}: {{name: S{k}, formula: s{k + 1} * r}}" for k in range(1, n)]
    lines.append(f"  s{n}: {{name: S{n}}}")
    return "\n".join(lines) + "\n"


def test_deep_chain_is_built_or_rejected_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "chain.yaml").write_text(_chain(400), encoding="utf-8")
    for args in (("check", "chain.yaml"), ("build", "chain.yaml", "-o", "chain.xlsx")):
        got = kpixl(*args, cwd=tmp_path)
        assert "Traceback" not in got.stderr, got.stderr[-2000:]
        assert got.returncode == 0, got.stderr[-2000:]  # 400 levels are solved and built


def test_long_formula_that_checks_also_builds(tmp_path: Path) -> None:
    text = _base_text().replace("deals * win_rate", "deals * win_rate" + " + 0" * 400, 1)
    (tmp_path / "long.yaml").write_text(text, encoding="utf-8")
    check = kpixl("check", "long.yaml", cwd=tmp_path)
    build = kpixl("build", "long.yaml", "-o", "long.xlsx", cwd=tmp_path)
    assert "Traceback" not in check.stderr + build.stderr, build.stderr[-2000:]
    assert build.returncode == check.returncode


def test_errors_of_a_japanese_plan_are_in_japanese(tmp_path: Path) -> None:
    text = SEED.read_text("utf-8").replace("value: 0.4}", "value: 1.5}")
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    got = kpixl("check", "plan.yaml", cwd=tmp_path)
    assert got.returncode == 1 and "kpis.win_rate.value: " in got.stderr
    message = got.stderr.split("kpis.win_rate.value: ", 1)[1]
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", message), message
