"""The library's front door: what the CLI (and any script) calls.

Each function does one job end to end and raises only :class:`~kpixl.errors.KpixlError` for
anything a user can fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kpixl.engine.smart import smart_checks
from kpixl.engine.solve import Solution, solve
from kpixl.errors import KpixlError, PlanError, Problem
from kpixl.model import Plan
from kpixl.model.loader import load, loads

__all__ = ["CheckResult", "build", "check", "demo", "new_plan", "template_text", "templates"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    plan: Plan
    solution: Solution
    warnings: tuple[Problem, ...]


def check(path: str | os.PathLike[str]) -> CheckResult:
    """Load, validate and back-calculate a plan; warnings include the SMART checks.

    Raises PlanError with every error found.
    """
    plan = load(path)
    return check_plan(plan)


def check_plan(plan: Plan) -> CheckResult:
    solution = solve(plan)
    check_finite(solution)
    _, smart = smart_checks(solution)
    return CheckResult(plan=plan, solution=solution, warnings=(*solution.warnings, *smart))


def check_finite(solution: Solution) -> None:
    """Refuse a plan whose values overflow where they are computed forward (``a * b`` with both
    1e200): the engine checks what it back-calculates; a product of assumptions is checked here,
    naming each node whose total is not a finite number (a workbook cannot hold inf)."""
    import math

    from kpixl.messages import msg

    plan = solution.plan
    bad = [Problem(file=plan.source, path=f"kpis.{n}", line=plan.lines.get(f"kpis.{n}"),
                   code="not_finite", message=msg("not_finite", plan.locale,
                                                  why=msg("why.forward", plan.locale),
                                                  value=r.total))
           for n, r in solution.nodes.items() if not math.isfinite(r.total)]
    if bad:
        raise PlanError(bad)


def build(plan_path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
          xlwings: str = "none", force: bool = False) -> Path:
    """Write the workbook for a plan file; return its path.

    Refuses to replace a workbook that holds anything a user entered (use ``kpixl update``),
    unless ``force``.
    """
    plan_path = Path(plan_path)
    suffix = ".xlsm" if xlwings == "classic" else ".xlsx"
    target = Path(out) if out is not None else plan_path.with_suffix(suffix)
    result = check(plan_path)
    check_output(target, xlwings, sources=(plan_path,), locale=result.plan.locale)
    return write(result.solution, target, xlwings=xlwings, force=force)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(target: Path, xlwings: str = "none", *, sources: tuple[Path, ...] = (),
                 locale: str = "en") -> None:
    """Refuse a workbook target that is a folder, one of the files being read (``build p.yaml
    -o p.yaml``), not a regular file, or named with an extension that does not match what is
    built (``.xlsm`` only for classic xlwings, which ``kpixl.xl.check_target`` checks; ``.xlsx``
    otherwise: Excel refuses an .xlsx workbook named .xlsm)."""
    from kpixl.messages import msg
    from kpixl.xlsx.safewrite import check_writable

    for src in sources:
        if _same_file(target, src):
            raise KpixlError(f"{target}: " + msg("target.is-source", locale, source=src))
    if os.path.isdir(target):
        raise KpixlError(f"{target}: " + msg("safe.is-folder", locale))
    if xlwings != "classic" and target.suffix.lower() != ".xlsx":
        raise KpixlError(f"{target}: " + msg("target.suffix", locale, suffix=target.suffix
                                             or "(none)", name=target.with_suffix(".xlsx").name))
    check_writable(target, locale)


def write(solution: Solution, target: Path, *, xlwings: str = "none",
          force: bool = False, command: str = "build") -> Path:
    """Lay out and write a solved plan to ``target``."""
    from kpixl import xl
    from kpixl.layout import build_layout, streamed_sheets, tabs
    from kpixl.layout.styles import build_styles
    from kpixl.xlsx.safewrite import safe_write
    from kpixl.xlsx.writer import WorkbookWriter

    plan = solution.plan
    xl.check_target(target, xlwings, plan.locale)  # mode, xlwings installed, module name
    check_depth(plan)
    check_output(target, xlwings, locale=plan.locale)
    if os.path.lexists(target):
        from kpixl.app.entered import refuse_entered

        refuse_entered(target, force=force, locale=plan.locale, command=command)
    # the month grids go to the file block by block as they are laid out
    with WorkbookWriter(target, tabs(plan), streamed=streamed_sheets(plan),
                        styles=lambda key: build_styles(plan, {key})[key]) as writer:
        layout = build_layout(solution, sink=writer)
        extra = xl.prepare(layout, plan, xlwings, target)  # control panel, VBA project
        writer.finish(layout, vba_project=extra.vba_project)
    for file, text in extra.files.items():  # classic: <workbook>.py beside it
        with safe_write(file) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return target


MAX_DEPTH = 1000
"""The deepest KPI tree a workbook is built for: the layout and tracking sheets grow with the
square of the depth (1,000 levels take ~30 s), and a tree that deep is a chain nobody reads."""


def tree_depth(plan: Plan) -> tuple[int, str, str]:
    """(levels, top node, bottom node) of the longest chain of formula references, computed
    without recursion (a node's level is 1 + the deepest level of the nodes its formula uses).
    """
    from kpixl.model.expr import refs

    below: dict[str, tuple[int, str]] = {}  # node -> (levels from it down, its bottom node)
    for start in plan.nodes:
        stack, opened = [start], set()
        while stack:
            n = stack[-1]
            if n in below:
                stack.pop()
                continue
            f = plan.nodes[n].formula
            kids = [r for r in dict.fromkeys(refs(f)) if r in plan.nodes] if f is not None else []
            todo = [k for k in kids if k not in below and k not in opened]
            if todo and n not in opened:  # (a cycle, reported by the engine, is cut here)
                opened.add(n)
                stack += todo
                continue
            stack.pop()
            deepest = max((below[k] for k in kids if k in below), default=(0, n))
            below[n] = (deepest[0] + 1, deepest[1])
    top = max(below, key=lambda n: below[n][0])
    return below[top][0], top, below[top][1]


def check_depth(plan: Plan) -> None:
    """Refuse, with a PlanError naming the depth, a tree deeper than :data:`MAX_DEPTH`."""
    from kpixl.messages import msg

    depth, top, bottom = tree_depth(plan)
    if depth > MAX_DEPTH:
        raise PlanError(Problem(file=plan.source, path=f"kpis.{top}", code="too-deep",
                                line=plan.lines.get(f"kpis.{top}"),
                                message=msg("depth.build", plan.locale, depth=f"{depth:,}",
                                            top=repr(top), bottom=repr(bottom),
                                            limit=f"{MAX_DEPTH:,}")))


# -- templates ----------------------------------------------------------------------------------
def _template_dir() -> resources.abc.Traversable:
    return resources.files("kpixl.templates")


def templates(locale: str = "en") -> list[tuple[str, str]]:
    """(id, one-line description in ``locale``) of every built-in template, in listing order."""
    import yaml

    index = yaml.safe_load(_template_dir().joinpath("index.yaml").read_text("utf-8"))
    return [(k, v.get(locale) or v.get("en", "")) for k, v in index.items()]


def template_text(name: str, locale: str = "en") -> str:
    """The YAML text of a template: ``sales_funnel`` (in ``locale``) or ``sales_funnel.ja``."""
    base, _, lang = name.partition(".")
    lang = lang or locale
    ids = [t for t, _ in templates()]
    if base not in ids or lang not in ("en", "ja"):
        from difflib import get_close_matches

        from kpixl.messages import msg

        near = get_close_matches(base, ids, 1)
        hint = msg("hint.did-you-mean", locale, match=near[0]) if near else ""
        raise KpixlError(f"{name}: " + msg("template.missing", locale, hint=hint))
    return _template_dir().joinpath(f"{base}.{lang}.yaml").read_text("utf-8")


def new_plan(name: str, out: str | os.PathLike[str] | None = None, *, locale: str = "en",
             force: bool = False) -> Path:
    """Write a starter plan from a template; refuse to overwrite without ``force``."""
    from kpixl.messages import msg
    from kpixl.xlsx.safewrite import safe_write

    text = template_text(name, locale)
    target = Path(out) if out is not None else Path(f"{name.partition('.')[0]}.yaml")
    if os.path.isdir(target):
        raise KpixlError(f"{target}: " + msg("safe.is-folder", locale))
    if target.exists() and not force:
        raise KpixlError(f"{target}: " + msg("target.exists", locale))
    with safe_write(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def demo(outdir: str | os.PathLike[str] = ".", *, locale: str = "ja",
         force: bool = False) -> Path:
    """Build the seed article's sales funnel into ``outdir/kpixl-demo.xlsx``; like ``build``,
    a demo workbook that holds entered data (actuals typed in to try it) is not replaced
    without ``force``."""
    folder = Path(outdir)
    make_folder(folder, locale)
    plan = loads(template_text("sales_funnel", locale), source=f"sales_funnel.{locale}.yaml")
    result = check_plan(plan)
    return write(result.solution, folder / "kpixl-demo.xlsx", force=force, command="demo")


def make_folder(folder: Path, locale: str = "en") -> None:
    """Create an output folder (``demo -o DIR``, a multi-plan ``build -o DIR``); a file there is
    refused with one line."""
    from kpixl.messages import msg

    if os.path.lexists(folder) and not folder.is_dir():
        raise KpixlError(f"{folder}: " + msg("target.need-folder", locale))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KpixlError(f"{folder}: " + msg("target.no-folder", locale,
                                             reason=exc.strerror or exc)) from None

