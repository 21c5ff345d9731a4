"""The documentation is tested like code.

* The generated pages (``docs/plan-format*.md``, ``docs/metrics*.md``) equal what
  ``docgen`` produces from the schema tables and the templates now.
* Every code example in ``docs/*.md`` runs, in document order, in a fresh temporary folder per
  page, through the installed ``kpixl`` entry point:

  - ```` ```console ```` blocks: each ``$ kpixl ...`` line runs (through bash, so ``>`` works) and
    must exit 0; the lines shown after it (up to the next ``$`` line) must appear in its stdout,
    compared line by line with runs of white space collapsed (``...`` lines are skipped). On the
    getting-started pages (``EXACT``) the shown lines are the real output: all of it, in order,
    blank lines aside, where a ``...`` line stands for any run of lines. Run with
    ``KPIXL_UPDATE_DOCS=1`` to write the real output of each such command into the page. Lines
    with ``$`` and another program (``pip``, ``python3 -m venv``) are shown, not run.
  - ```` ```python ```` blocks run with this interpreter and must exit 0 (they check with
    ``assert``).
  - A block whose info string has ``file=NAME`` (```` ```yaml file=plan.yaml ````,
    ```` ```csv file=actuals.csv ````) is written to NAME in the page's folder for the commands
    after it.
  - Other ```` ```yaml ```` blocks that contain a line ``kpixl: 1`` are complete plans and must
    load without errors.

  An HTML comment on the line before a fence changes that block: ``<!-- doctest: skip -->``
  (not run, e.g. needs Excel) or ``<!-- doctest: exit=1 -->`` (every command must exit 1, and the
  shown lines must appear in stdout or stderr).
* README.md (read-only here): the commands in its shell blocks that start with ``kpixl`` or
  ``.venv/bin/kpixl`` (also after ``&&``) run the same way.
* Relative links in ``docs/*.md`` and README.md point to files that exist.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kpixl.app.build import template_text, templates
from kpixl.errors import PlanError
from kpixl.model.loader import loads
from kpixl.model.schema import TABLES


def _load_docgen():  # type: ignore[no-untyped-def]
    """docs/docgen.py, the documentation generator (outside the package: it is not shipped)."""
    path = Path(__file__).resolve().parent.parent / "docs" / "docgen.py"
    spec = importlib.util.spec_from_file_location("docgen", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["docgen"] = module
    spec.loader.exec_module(module)
    return module


docgen = _load_docgen()

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
ENTRY = Path(sys.executable).parent / "kpixl"
TIMEOUT = 300

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
DIRECTIVE = re.compile(r"^<!--\s*doctest:\s*(?P<what>.*?)\s*-->\s*$")


# -- generated pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(docgen.GENERATED))
def test_generated_page_is_current(name: str) -> None:
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing: run python docs/docgen.py --write"
    assert path.read_text("utf-8") == docgen.GENERATED[name](), (
        f"docs/{name} differs from what docgen produces: "
        "run python docs/docgen.py --write")


def test_docgen_check_mode_agrees() -> None:
    assert docgen.main(["--check", "--docs", str(DOCS)]) == 0, (
        "run python docs/docgen.py --write")


def test_docgen_write_mode(tmp_path: Path) -> None:
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 1
    assert docgen.main(["--write", "--docs", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(docgen.GENERATED)
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 0


def test_plan_format_lists_every_field() -> None:
    for lang in ("en", "ja"):
        text = docgen.plan_format(lang)
        for table, specs in TABLES.items():
            for spec in specs:
                assert f"| `{spec.name}` |" in text, (lang, table, spec.name)
                assert docgen.field_description(table, spec, lang) in text.replace("\\|", "|")


def test_every_field_has_a_japanese_description() -> None:
    missing = [f"{table}.{spec.name}" for table, specs in TABLES.items() for spec in specs
               if f"{table}.{spec.name}" not in docgen.JA_DESCRIPTIONS]
    assert not missing, f"add Japanese descriptions to docgen.JA_DESCRIPTIONS: {missing}"
    extra = set(docgen.JA_DESCRIPTIONS) - {f"{t}.{s.name}" for t, ss in TABLES.items()
                                           for s in ss}
    assert not extra, f"JA_DESCRIPTIONS names fields that no longer exist: {sorted(extra)}"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_metrics_define_every_template_kpi(lang: str) -> None:
    text = docgen.metrics(lang)
    for tid, _ in templates(lang):
        plan = loads(template_text(tid, lang), source=f"{tid}.{lang}.yaml")
        assert f"## {tid}\n" in text
        for nid, node in plan.nodes.items():
            assert f"| `{nid}` |" in text, (tid, nid)
            # a metric definition says what is counted and how
            assert node.description.strip(), f"{tid}.{lang}.yaml: kpis.{nid} has no description"
            assert " ".join(node.description.split()).replace("|", "\\|") in text


# -- code examples ------------------------------------------------------------------------------

@dataclass
class Step:
    """One runnable thing of a page, in document order."""

    kind: str  # "command" | "python" | "file" | "plan"
    line: int  # 1-based line in the page
    text: str  # command line, code, file content or plan text
    expected: list[str] = field(default_factory=list)
    exit: int = 0
    name: str = ""  # file name for "file"
    shown: tuple[int, int] = (0, 0)  # page lines [start, end) (0-based) of the shown output


@dataclass
class Block:
    info: str
    line: int  # line of the opening fence
    lines: list[str]
    directive: str = ""


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a markdown text, with the doctest directive before each."""
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m["fence"], m["info"].strip()
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        d = DIRECTIVE.match(prev.strip())
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            close = lines[j].strip()
            if close.startswith(fence[0] * len(fence)) and not close.strip(fence[0]):
                break
            body.append(lines[j][len(m["indent"]):] if lines[j].startswith(m["indent"])
                        else lines[j])
            j += 1
        out.append(Block(info=info, line=i + 1, lines=body, directive=d["what"] if d else ""))
        i = j + 1
    return out


def _info(info: str) -> tuple[str, dict[str, str]]:
    words = info.split()
    lang = words[0].lower() if words else ""
    attrs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return lang, attrs


def _exit_code(directive: str) -> int:
    m = re.search(r"exit\s*=\s*(\d+)", directive)
    return int(m.group(1)) if m else 0


def console_steps(block: Block, exit_code: int) -> list[Step]:
    """``$ kpixl ...`` commands of a console block with the output lines shown after each."""
    steps: list[Step] = []
    current: Step | None = None
    lines = iter(enumerate(block.lines))
    for k, raw in lines:
        if raw.startswith("$ "):
            if current is not None:
                current.shown = (current.shown[0], block.line + k)
            command = raw[2:].strip()
            while command.endswith("\\"):  # continuation lines
                nxt = next(lines, None)
                if nxt is None:
                    break
                k = nxt[0]
                command = command[:-1].rstrip() + " " + nxt[1].strip()
            first = command.split()[0] if command.split() else ""
            if first == "kpixl":
                current = Step("command", block.line + 1 + k, command, exit=exit_code)
                at = block.line + k + 1  # the page line (0-based) after the command's last line
                current.shown = (at, at)
                steps.append(current)
            else:
                current = None  # shown, not run (pip, python3 -m venv, cd ...)
        elif current is not None and raw.strip():
            current.expected.append(raw)
            current.shown = (current.shown[0], block.line + k + 1)
    if current is not None:
        current.shown = (current.shown[0], block.line + len(block.lines))
    return steps


def page_steps(text: str) -> list[Step]:
    steps: list[Step] = []
    for b in blocks(text):
        if "skip" in b.directive.split():
            continue
        lang, attrs = _info(b.info)
        body = "\n".join(b.lines) + "\n"
        exit_code = _exit_code(b.directive)
        if "file" in attrs:
            steps.append(Step("file", b.line, body, name=attrs["file"]))
        elif lang == "console":
            steps += console_steps(b, exit_code)
        elif lang in ("python", "py"):
            steps.append(Step("python", b.line, body, exit=exit_code))
        elif lang in ("yaml", "yml") and any(ln.strip() == "kpixl: 1" for ln in b.lines):
            steps.append(Step("plan", b.line, body, exit=exit_code))
    return steps


def readme_steps(text: str) -> list[Step]:
    """README commands: lines of shell blocks whose (&&-separated) parts start with kpixl."""
    steps: list[Step] = []
    for b in blocks(text):
        lang, _ = _info(b.info)
        if lang not in ("", "bash", "sh", "shell", "console") or "skip" in b.directive.split():
            continue
        for k, raw in enumerate(b.lines):
            line = raw[2:] if raw.startswith("$ ") else raw
            line = re.sub(r"\s+#.*$", "", line).strip()
            for part in line.split("&&"):
                part = part.strip()
                if re.match(r"^(\.venv/bin/)?kpixl(\s|$)", part):
                    steps.append(Step("command", b.line + 1 + k, part))
    return steps


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPIXL_")}
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", PYTHONIOENCODING="utf-8", COLUMNS="100",
               PATH=f"{ENTRY.parent}{os.pathsep}{env.get('PATH', '')}")
    return env


def _norm(text: str) -> str:
    return " ".join(text.split())


EXACT = ("getting-started.md", "getting-started.ja.md")
STAMP = re.compile(r"\d{8}-\d{6}(?:-\d+)?")  # a backup's time stamp: written as … by the update
UPDATE = os.environ.get("KPIXL_UPDATE_DOCS") == "1"


def matches_exactly(expected: list[str], output: str) -> bool:
    """The shown lines are the output: every non-blank output line, in order, white space
    collapsed; a ``...`` line stands for any run of lines (also none), and ``…`` in a line for
    any text (a backup's time stamp: ``plan.….bak.xlsx``)."""
    have = [_norm(x) for x in output.splitlines() if x.strip()]
    pattern = "".join(r"(?:[^\n]*\n)*?" if _norm(w) == "..." else
                      re.escape(_norm(w)).replace("…", r"[^\n]*?") + r"\n"
                      for w in expected if w.strip())
    return re.fullmatch(pattern, "".join(h + "\n" for h in have)) is not None


def run_steps(steps: list[Step], where: str, cwd: Path, exact: bool = False,
              outputs: dict[int, str] | None = None) -> None:
    """Run a page's steps; ``exact``: the shown output must be the whole output (and
    ``outputs`` collects each command's real output by its step index, for updating)."""
    assert ENTRY.exists(), f"the kpixl entry point is not installed next to {sys.executable}"
    env = _env()
    for n, step in enumerate(steps):
        at = f"{where}:{step.line}"
        if step.kind == "file":
            target = cwd / step.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
        elif step.kind == "plan":
            if step.exit:
                with pytest.raises(PlanError):
                    loads(step.text, source=at)
            else:
                try:
                    loads(step.text, source=at)
                except PlanError as exc:
                    pytest.fail(f"{at}: the plan example does not load:\n{exc}")
        elif step.kind == "python":
            script = cwd / f"_doc_example_{n}.py"
            script.write_text(step.text, encoding="utf-8")
            proc = subprocess.run([sys.executable, script.name], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT)
            script.unlink()
            assert proc.returncode == step.exit, (
                f"{at}: python example exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        else:
            command = re.sub(r"^(\.venv/bin/)?kpixl(?=\s|$)", shlex.quote(str(ENTRY)),
                             step.text)
            proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT)
            shown = f"{at}: $ {step.text}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"
            assert proc.returncode == step.exit, f"exit code {proc.returncode}\n{shown}"
            output = proc.stdout if step.exit == 0 else proc.stdout + proc.stderr
            if outputs is not None:
                outputs[n] = output
            have = [_norm(x) for x in output.splitlines()]
            for want in step.expected:
                w = _norm(want)
                if w != "..." and "…" not in w and not (exact and UPDATE):
                    assert any(w in h for h in have), f"missing output line {want!r}\n{shown}"
            if exact and not UPDATE:
                assert matches_exactly(step.expected, output), (
                    f"the page does not show the whole output (KPIXL_UPDATE_DOCS=1 writes it)"
                    f"\n{shown}")


def _pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    text = page.read_text("utf-8")
    steps = page_steps(text)
    outputs: dict[int, str] = {}
    run_steps(steps, f"docs/{page.name}", tmp_path, exact=page.name in EXACT, outputs=outputs)
    if UPDATE and page.name in EXACT:
        page.write_text(updated(text, steps, outputs), encoding="utf-8")


def updated(text: str, steps: list[Step], outputs: dict[int, str]) -> str:
    """The page with each command's shown lines replaced by its real output."""
    lines = text.split("\n")
    for n in sorted(outputs, key=lambda i: steps[i].shown[0], reverse=True):
        start, end = steps[n].shown
        real = [STAMP.sub("…", x.rstrip()) for x in outputs[n].rstrip("\n").split("\n")]
        lines[start:end] = real
    return "\n".join(lines)


def test_readme_commands_run(tmp_path: Path) -> None:
    steps = readme_steps(README.read_text("utf-8"))
    assert steps, "README.md shows no kpixl command (its fresh-machine commands should)"
    run_steps(steps, "README.md", tmp_path)


def test_getting_started_runs_the_workflow() -> None:
    """The getting-started pages cover the whole command-line workflow."""
    for name in ("getting-started.md", "getting-started.ja.md"):
        ran = " ".join(s.text for s in page_steps((DOCS / name).read_text("utf-8"))
                       if s.kind == "command")
        for command in ("kpixl templates", "kpixl new sales_funnel --lang",
                        "kpixl check plan.yaml", "kpixl build plan.yaml", "kpixl backcalc",
                        "kpixl actuals import", "kpixl report", "kpixl update"):
            assert command in ran, f"docs/{name} does not run `{command}`"


# -- the harness itself -------------------------------------------------------------------------

def test_harness_parses_console_blocks() -> None:
    text = "\n".join([
        "<!-- doctest: exit=1 -->",
        "```console",
        "$ kpixl check bad.yaml",
        "bad.yaml:3: kpis: is required",
        "...",
        "$ pip install kpixl",
        "Successfully installed",
        "$ kpixl backcalc 12 \\",
        "    --rate 0.5",
        "24",
        "```",
        "",
        "```yaml file=plan.yaml",
        "kpixl: 1",
        "```",
        "```yaml",
        "kpixl: 1",
        "```",
        "<!-- doctest: skip -->",
        "```python",
        "raise SystemExit(1)",
        "```",
    ])
    steps = page_steps(text)
    assert [(s.kind, s.text, s.expected, s.exit) for s in steps[:2]] == [
        ("command", "kpixl check bad.yaml", ["bad.yaml:3: kpis: is required", "..."], 1),
        ("command", "kpixl backcalc 12 --rate 0.5", ["24"], 1),
    ]
    lines = text.split("\n")
    assert [lines[slice(*s.shown)] for s in steps[:2]] == [
        ["bad.yaml:3: kpis: is required", "..."], ["24"]]
    assert [(s.kind, s.name) for s in steps[2:]] == [("file", "plan.yaml"), ("plan", "")]


def test_exact_output_matching_and_updating() -> None:
    out = "wrote plan.yaml\n\n  a   b\nc\n"
    assert matches_exactly(["wrote plan.yaml", "a b", "c"], out)
    assert matches_exactly(["wrote plan.yaml", "..."], out)
    assert matches_exactly(["...", "c"], out)
    assert not matches_exactly(["wrote plan.yaml", "c"], out)  # a line left out
    assert not matches_exactly(["c", "wrote plan.yaml", "..."], out)  # out of order
    assert matches_exactly(["backup: plan.….bak.xlsx"], "backup: plan.20261203-122443.bak.xlsx")
    page = "```console\n$ kpixl templates\nold line\n...\n$ kpixl check plan.yaml\nok\n```"
    steps = page_steps(page)
    assert updated(page, steps, {0: "new 1\nnew 2\n", 1: "plan.yaml: ok\n"}) == (
        "```console\n$ kpixl templates\nnew 1\nnew 2\n$ kpixl check plan.yaml\n"
        "plan.yaml: ok\n```")


def test_harness_reads_readme_command_chains() -> None:
    text = "```bash\npython3 -m venv .venv && .venv/bin/kpixl demo -o out   # writes\n```\n"
    assert [s.text for s in readme_steps(text)] == [".venv/bin/kpixl demo -o out"]


# -- links --------------------------------------------------------------------------------------

def _outside_fences(text: str) -> str:
    keep: list[str] = []
    fence = ""
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
        elif m:
            fence = m["fence"]
        else:
            keep.append(re.sub(r"`[^`]*`", "", line))  # nor are links in inline code
    return "\n".join(keep)


LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@pytest.mark.parametrize("page", [*_pages(), README], ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    text = _outside_fences(page.read_text("utf-8"))  # links inside code are not links
    broken = []
    for m in LINK.finditer(text):
        target = m["target"].split("#", 1)[0]
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # an anchor on the same page, or a URL
        if not (page.parent / target).exists():
            broken.append(m["target"])
    assert not broken, f"{page.name}: links to missing files: {broken}"


# -- languages ----------------------------------------------------------------------------------

def _english_pages() -> list[Any]:
    """Every English page."""
    return [pytest.param(page, id=page.name) for page in _pages()
            if not page.name.endswith(".ja.md")]


@pytest.mark.parametrize("page", _english_pages())
def test_every_page_has_a_japanese_version_and_they_link_both_ways(page: Path) -> None:
    ja = page.with_name(page.name[:-3] + ".ja.md")
    assert ja.exists(), f"docs/{ja.name} is missing"
    links = {m["target"].split("#", 1)[0]
             for m in LINK.finditer(_outside_fences(page.read_text("utf-8")))}
    back = {m["target"].split("#", 1)[0]
            for m in LINK.finditer(_outside_fences(ja.read_text("utf-8")))}
    assert ja.name in links, f"docs/{page.name} does not link to its Japanese version"
    assert page.name in back, f"docs/{ja.name} does not link to its English version"
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja.read_text("utf-8")), ja.name
