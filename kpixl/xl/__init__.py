"""kpixl's Excel layer: xlwings user functions, button scripts, and what a workbook built with
``--xlwings lite|classic`` needs besides its sheets.

    functions   KPIXL_* user functions (one-line adapters over the engine)
    scripts     button actions (re-plan, versions, PDCA review, SMART) and the dispatch
    importing   the CSV import button (a path under classic xlwings; pasted CSV everywhere)
    tables      the sheets the actions append to; month labels and text kept as text
    book        the small workbook adapter the scripts act on (xlwings; openpyxl in tests)
    state       a kpixl workbook read through the adapter
    assets      xlwings' VBA project, read from the installed package

Only this package imports xlwings, and only when Excel runs it; building needs the xlwings
*package* (its VBA project, its version) but never starts Excel. The writer receives the VBA
project as bytes.

:func:`prepare` is what ``kpixl build --xlwings ...`` calls between layout and writer.
"""

from __future__ import annotations

import importlib.util
import keyword
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kpixl._version import __version__
from kpixl.errors import KpixlError
from kpixl.layout.controls import MACRO, RunButton, add_controls, add_xlwings_conf
from kpixl.layout.core import WorkbookLayout
from kpixl.messages import msg
from kpixl.model import Plan

__all__ = ["COMPANION_MARK", "WHEEL_ENV", "WHEEL_PLACEHOLDER", "Prepared",
           "check_lite_requirements", "check_target", "companion_py", "lite_main_py",
           "lite_requirements", "prepare"]

MODES = ("none", "lite", "classic")
COMPANION_MARK = "# kpixl-companion:"
_FUNCTIONS = ("KPIXL_ACHIEVEMENT", "KPIXL_BACKCALC", "KPIXL_CATCHUP", "KPIXL_CONFIDENCE",
              "KPIXL_FORECAST", "KPIXL_MONTHLY", "KPIXL_SOLVE", "KPIXL_STATUS")


@dataclass
class Prepared:
    """What the writer and the caller need: the VBA project (classic) and files to write beside
    the workbook (path -> text)."""

    vba_project: bytes | None = None
    files: dict[Path, str] = field(default_factory=dict)
    button: RunButton | None = None


def _suggest(stem: str) -> str:
    import re

    s = re.sub(r"\W", "_", stem, flags=re.ASCII) or "plan"
    return f"kpi_{s}" if s[0].isdigit() or keyword.iskeyword(s) else s


def check_target(target: Path, mode: str, locale: str = "en") -> None:
    """Refuse what cannot work, before anything is written.

    ``classic``: xlwings' macro runs ``import <workbook name>``, so the name must be a Python
    identifier, not a keyword, and must not hide a module Python or kpixl imports (``json``,
    ``kpixl``, ``xlwings`` ...); a ``<name>.py`` beside it that kpixl did not write is kept
    (refused). Both modes need the xlwings package.
    """
    from kpixl.xl.assets import require_xlwings

    if mode not in MODES:
        raise KpixlError(msg("xl.mode", locale, mode=repr(mode)))
    if mode == "none":
        return
    require_xlwings()
    if mode != "classic":
        return
    stem = target.stem
    hint = msg("xl.hint-name", locale, name=target.with_name(_suggest(stem) + ".xlsm").name)
    if target.suffix.lower() != ".xlsm":
        raise KpixlError(f"{target}: " + msg("xl.classic-suffix", locale))
    if not stem.isidentifier() or not stem.isascii() or keyword.iskeyword(stem):
        raise KpixlError(f"{target}: " + msg("xl.module-name", locale, stem=stem, hint=hint))
    companion = target.with_suffix(".py")
    spec = importlib.util.find_spec(stem) if stem not in sys.modules else None
    shadowed = stem in sys.stdlib_module_names or stem in ("kpixl", "xlwings") or (
        spec is not None and spec.origin is not None and Path(spec.origin) != companion.resolve()
        and Path(spec.origin) != companion)
    if shadowed or stem in sys.modules:
        other = target.with_name(f"{_suggest(stem)}_plan.xlsm").name
        raise KpixlError(f"{target}: " + msg("xl.module-taken", locale, stem=stem,
                                             module=repr(stem), other=other))
    if companion.exists() and COMPANION_MARK not in companion.read_text("utf-8",
                                                                        errors="replace"):
        raise KpixlError(f"{companion}: " + msg("xl.companion-taken", locale))


def companion_py(stem: str) -> str:
    """``<workbook>.py`` of a classic workbook: ``main()`` runs the chosen action."""
    return f'''"""Python side of {stem}.xlsm (kpixl {__version__}).

The Run button on the Guide sheet calls xlwings' {MACRO} macro, which runs
`import {stem}; {stem}.main()`: keep this file beside the workbook, with this name.
"""
{COMPANION_MARK} rewritten by `kpixl build --xlwings classic`; put your own code elsewhere.

import xlwings as xw

from kpixl.xl.scripts import run_xlwings


def main() -> None:
    """Run the action chosen in the Guide sheet's dropdown."""
    run_xlwings(xw.Book.caller())


if __name__ == "__main__":
    xw.Book("{stem}.xlsm").set_mock_caller()
    main()
'''


WHEEL_ENV = "KPIXL_LITE_WHEEL"
WHEEL_PLACEHOLDER = f"https://example.invalid/kpixl-{__version__}-py3-none-any.whl"
"""Where the kpixl wheel goes until kpixl is on PyPI: ``.invalid`` never resolves (RFC 2606), so
an unedited file fails loudly in Lite and no package index is ever asked for a name kpixl does
not own."""
_RUNTIME = ("PyYAML>=6.0", "openpyxl>=3.1", "XlsxWriter>=3.1", "defusedxml>=0.7")
_WHEEL = re.compile(r"^https://[^\s#]+/kpixl-(?P<version>[^-/]+)-py3-none-any\.whl$")


def _runtime_dependencies() -> list[str]:
    """kpixl's own requirements (no extras), as the installed package declares them."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        declared = requires("kpixl") or []
    except PackageNotFoundError:  # running from a source tree that is not installed
        return list(_RUNTIME)
    return [r for r in declared if ";" not in r] or list(_RUNTIME)


def lite_requirements(wheel: str | None = None) -> str:
    """requirements.txt for the xlwings Lite editor: the kpixl wheel's address (``wheel``, else
    ``$KPIXL_LITE_WHEEL``, else :data:`WHEEL_PLACEHOLDER` for the user to replace), then the
    packages kpixl needs, which PyPI serves. kpixl itself is not on PyPI, so a bare
    ``kpixl==...`` could not be installed; xlwings comes with Lite."""
    url = wheel or os.environ.get(WHEEL_ENV, "").strip() or WHEEL_PLACEHOLDER
    return "\n".join([url, *_runtime_dependencies()]) + "\n"


def check_lite_requirements(text: str, locale: str = "en") -> None:
    """Refuse a requirements.txt that Lite could not install, before anything is written: each
    line is either the https address of a kpixl wheel of this version (``kpixl-<version>-py3-
    none-any.whl``) or a package installed here from an index (kpixl's dependencies); never
    kpixl by name (no index serves it)."""
    for n, line in enumerate(text.splitlines(), 1):
        req = line.strip()
        if not req:
            continue
        where = f"requirements.txt line {n} ({req!r})"
        if "://" in req:
            m = _WHEEL.match(req)
            if m is None:
                raise KpixlError(f"{where}: " + msg("xl.wheel-address", locale, env=WHEEL_ENV,
                                                    version=__version__))
            if m.group("version") != __version__:
                raise KpixlError(f"{where}: " + msg("xl.wheel-version", locale,
                                                    got=m.group("version"), version=__version__,
                                                    env=WHEEL_ENV))
            continue
        name = re.split(r"[<>=!~ \[;]", req, maxsplit=1)[0]
        if name.lower().replace("_", "-") == "kpixl":
            raise KpixlError(f"{where}: " + msg("xl.wheel-pypi", locale, env=WHEEL_ENV))
        from importlib.metadata import PackageNotFoundError, version

        try:
            version(name)
        except PackageNotFoundError:
            raise KpixlError(f"{where}: " + msg("xl.requirement-unknown", locale, name=name)
                             ) from None


def lite_main_py(button: RunButton) -> str:
    """main.py for the xlwings Lite editor: the Run button's script and the user functions."""
    names = ",\n    ".join(_FUNCTIONS)
    return f'''import xlwings as xw
from xlwings import script

from kpixl.xl.functions import (  # noqa: F401 - the KPIXL_ user functions
    {names},
)
from kpixl.xl.scripts import run_xlwings


@script(button="{button.binding}", show_taskpane=True)
def kpixl_run(book: xw.Book):
    """Run the action chosen in the Guide sheet's dropdown."""
    run_xlwings(book)
'''


def prepare(layout: WorkbookLayout, plan: Plan, mode: str, target: Path) -> Prepared:
    """Add the control panel (and ``xlwings.conf`` for classic) to ``layout``; return the VBA
    project and the files to write beside ``target``. Call :func:`check_target` first."""
    if mode == "none":
        return Prepared()
    if mode == "classic":
        from kpixl.xl.assets import procedures, vba_project, xlwings_version

        vba = vba_project()
        if MACRO not in procedures(vba):
            raise KpixlError(f"xlwings {xlwings_version()}: " + msg(
                "xl.no-macro", plan.locale, macro=MACRO, version=__version__))
        button = add_controls(layout, plan, "classic", companion=target.with_suffix(".py").name)
        add_xlwings_conf(layout)
        return Prepared(vba_project=vba, button=button,
                        files={target.with_suffix(".py"): companion_py(target.stem)})
    requirements = lite_requirements()
    check_lite_requirements(requirements, plan.locale)
    button = add_controls(layout, plan, "lite", main_py=lite_main_py,
                          requirements=requirements)
    return Prepared(button=button)
