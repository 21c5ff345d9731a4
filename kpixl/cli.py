"""The ``kpixl`` command: parse options, make one library call, print.

Library errors (:class:`~kpixl.errors.KpixlError`) become one line each on stderr and exit code 1;
usage errors exit 2. Heavy imports happen inside the command that needs them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence

from kpixl._version import __version__
from kpixl.errors import KpixlError, PlanError
from kpixl.messages import msg

EXAMPLES = {
    "demo": "kpixl demo -o out/",
    "templates": "kpixl templates",
    "new": "kpixl new sales_funnel --lang ja -o plan.yaml",
    "check": "kpixl check plan.yaml --format json",
    "build": "kpixl build plan.yaml -o plan.xlsx",
    "backcalc": "kpixl backcalc 12 --rate 0.35 --rate 0.6 --rate 0.3 --confidence 0.8",
    "schema": "kpixl schema > kpixl-plan.schema.json",
    "report": "kpixl report plan.xlsx --format html > report.html",
    "pull": "kpixl pull plan.xlsx -o plan.yaml",
    "update": "kpixl update plan.yaml plan.xlsx",
    "actuals": "kpixl actuals import plan.xlsx actuals.csv --dry-run",
    "ids": "kpixl ids plan.xlsx",
}


def _lang() -> str:
    env = os.environ.get("KPIXL_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG", "")
    return "ja" if env.lower().startswith("ja") else "en"


def cmd_demo(a: argparse.Namespace) -> int:
    from kpixl.app.build import demo

    print(demo(a.output, locale=a.lang, force=a.force))
    return 0


def cmd_templates(a: argparse.Namespace) -> int:
    from kpixl.app.build import templates

    items = templates(a.lang)
    width = max(len(t) for t, _ in items)
    for tid, desc in items:
        print(f"{tid:<{width}}  {desc}")
    return 0


def cmd_new(a: argparse.Namespace) -> int:
    from kpixl.app.build import new_plan

    print(new_plan(a.template, a.output, locale=a.lang, force=a.force))
    return 0


def cmd_check(a: argparse.Namespace) -> int:
    from kpixl.app.build import check

    try:
        result = check(a.plan)
    except PlanError as exc:
        _print_problems(exc.problems, a.format, ok=False)
        return 1
    _print_problems(list(result.warnings), a.format, ok=True)
    if a.format == "text" and not result.warnings:
        print(f"{a.plan}: ok")
    return 0


def _print_problems(problems: Sequence[object], fmt: str, *, ok: bool) -> None:
    if fmt == "json":
        print(json.dumps({"ok": ok, "problems": [p.as_dict() for p in problems]},  # type: ignore[attr-defined]
                         ensure_ascii=False, indent=2))
        return
    for p in problems:
        print(p, file=sys.stdout if ok else sys.stderr)


def cmd_build(a: argparse.Namespace) -> int:
    from kpixl.app.build import build

    if len(a.plans) == 1:
        print(build(a.plans[0], a.output, xlwings=a.xlwings, force=a.force))
        return 0
    from pathlib import Path

    from kpixl.app.build import make_folder
    from kpixl.app.parallel import build_many

    outdir = Path(a.output or ".")
    make_folder(outdir)

    return build_many(a.plans, outdir, jobs=a.jobs, xlwings=a.xlwings, force=a.force)


def cmd_backcalc(a: argparse.Namespace) -> int:
    import math

    from kpixl.engine.funnel import required_counts

    try:
        counts = required_counts(a.target, a.rate)
    except ValueError as exc:
        raise KpixlError(f"backcalc: {exc}") from None
    if not all(math.isfinite(n) for n in counts):  # refuse rather than print inf
        raise KpixlError("backcalc: " + msg("backcalc.too-large", "en", top=f"{counts[0]:g}"))
    conf: list[int] | None = None
    if a.confidence is not None:
        from kpixl.engine.confidence import confidence_count

        if not 0 < a.confidence < 1:  # (also NaN)
            raise KpixlError("backcalc: " + msg("cli.confidence-range", _lang(),
                                                value=a.confidence))
        conf = []
        for k in range(len(counts)):
            p = 1.0
            for r in a.rate[k:]:
                p *= r
            try:
                conf.append(confidence_count(counts[-1], p, a.confidence))
            except (ValueError, OverflowError) as exc:
                raise KpixlError(f"backcalc: {exc}") from None
            if conf[-1] > sys.float_info.max:  # (an int beyond any float)
                raise KpixlError("backcalc: " + msg("backcalc.too-large", "en",
                                                    top=f"{conf[-1]:g}"))
    for k, n in enumerate(counts):
        line = f"{n:,.0f}"
        if conf is not None:
            line += f"\t{conf[k]:,} at {a.confidence:.0%} confidence"
        print(line)
    return 0


def cmd_schema(a: argparse.Namespace) -> int:
    from kpixl.model.schema import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from kpixl.app.report import report

    sys.stdout.write(report(a.workbook, a.format, a.asof))
    return 0


def cmd_pull(a: argparse.Namespace) -> int:
    from kpixl.app.pull import pull

    print(pull(a.workbook, a.output, force=a.force))
    return 0


def cmd_update(a: argparse.Namespace) -> int:
    from kpixl.app.update import update

    print("\n".join(update(a.plan, a.workbook, replan_closed=a.replan_closed).lines()))
    return 0


def cmd_actuals_import(a: argparse.Namespace) -> int:
    from kpixl.app.actuals import import_actuals

    result = import_actuals(a.workbook, a.file, overwrite=a.overwrite, dry_run=a.dry_run,
                            sheet=a.sheet)
    print("\n".join(result.lines()))
    return 0


def cmd_ids(a: argparse.Namespace) -> int:
    from kpixl.app.ids import id_lines

    print("\n".join(id_lines(a.source)))
    return 0


def _rate(text: str) -> float:
    try:
        return float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    lang = _lang()  # help follows KPIXL_LANG, LC_ALL or LANG (cli.md); English otherwise

    def t(key: str) -> str:
        return msg(f"cli.{key}", lang)

    class Formatter(argparse.HelpFormatter):
        """argparse's own words (usage, section headings) in ``lang`` too."""

        def start_section(self, heading: str | None) -> None:
            key = {"positional arguments": "positional", "options": "options"}.get(heading or "")
            super().start_section(t(f"section.{key}") if key else heading)

        def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                      groups: Iterable[argparse._MutuallyExclusiveGroup],
                      prefix: str | None = None) -> None:
            # argparse passes prefix "" to compute a subcommand's prog: keep that one as it is
            super().add_usage(usage, actions, groups, t("usage") if prefix is None else prefix)

    def helped(q: argparse.ArgumentParser) -> argparse.ArgumentParser:
        q.add_argument("-h", "--help", action="help", help=t("help"))
        return q

    p = helped(argparse.ArgumentParser(prog="kpixl", description=t("kpixl"), add_help=False,
                                       formatter_class=Formatter))
    p.add_argument("--version", action="version", version=f"kpixl {__version__}",
                   help=t("version"))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        sp = helped(sub.add_parser(name, help=help_, description=help_, add_help=False,
                                   formatter_class=Formatter,
                                   epilog=msg("cli.example", lang, example=EXAMPLES[name])))
        sp.set_defaults(func=func)
        return sp

    sp = add("demo", cmd_demo, t("demo"))
    sp.add_argument("-o", "--output", default=".", metavar="DIR")
    sp.add_argument("--lang", choices=("ja", "en"), default="ja")
    sp.add_argument("--force", action="store_true",
                    help=t("demo.force"))
    sp = add("templates", cmd_templates, t("templates"))
    sp.add_argument("--lang", choices=("ja", "en"), default=_lang())
    sp = add("new", cmd_new, t("new"))
    sp.add_argument("template", help=t("new.template"))
    sp.add_argument("-o", "--output", metavar="FILE")
    sp.add_argument("--lang", choices=("ja", "en"), default=_lang())
    sp.add_argument("--force", action="store_true", help=t("overwrite"))
    sp = add("check", cmd_check, t("check"))
    sp.add_argument("plan")
    sp.add_argument("--format", choices=("text", "json"), default="text")
    sp = add("build", cmd_build, t("build"))
    sp.add_argument("plans", nargs="+", metavar="PLAN")
    sp.add_argument("-o", "--output", metavar="OUT")
    sp.add_argument("-j", "--jobs", type=int, default=1, metavar="N")
    sp.add_argument("--xlwings", choices=("none", "lite", "classic"), default="none")
    sp.add_argument("--force", action="store_true",
                    help=t("build.force"))
    sp = add("backcalc", cmd_backcalc, t("backcalc"))
    sp.add_argument("target", type=float, help=t("backcalc.target"))
    sp.add_argument("--rate", type=_rate, action="append", required=True,
                    help=t("backcalc.rate"))
    sp.add_argument("--confidence", type=float)
    add("schema", cmd_schema, t("schema"))
    sp = add("report", cmd_report, t("report"))
    sp.add_argument("workbook")
    sp.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text")
    sp.add_argument("--asof", metavar="N|YYYY-MM", help=t("report.asof"))
    sp = add("pull", cmd_pull, t("pull"))
    sp.add_argument("workbook")
    sp.add_argument("-o", "--output", metavar="PLAN", help=t("pull.output"))
    sp.add_argument("--force", action="store_true", help=t("overwrite"))
    sp = add("update", cmd_update, t("update"))
    sp.add_argument("plan")
    sp.add_argument("workbook")
    sp.add_argument("--replan-closed", action="store_true",
                    help=t("update.replan-closed"))
    sp = add("actuals", cmd_actuals_import, t("actuals"))
    act = sp.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = helped(act.add_parser("import", help=t("import"), description=t("import.description"),
                                add_help=False, formatter_class=Formatter,
                                epilog=msg("cli.example", lang, example=EXAMPLES["actuals"])))
    imp.add_argument("workbook")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--overwrite", action="store_true",
                     help=t("import.overwrite"))
    imp.add_argument("--dry-run", action="store_true",
                     help=t("import.dry-run"))
    imp.add_argument("--sheet", metavar="NAME", help=t("import.sheet"))
    sp = add("ids", cmd_ids, t("ids"))
    sp.add_argument("source", metavar="PLAN|WORKBOOK")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # Plans are trees walked recursively; a chain hundreds of levels deep is still a valid plan.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KpixlError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kpixl templates | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
