"""No sentence a person reads is built outside the message catalogue (kpixl.messages).

An AST scan of every module of ``kpixl/`` for string constants holding prose (two words of
letters in a row, or any Japanese character; ``{placeholders}`` do not count) in the places a
person reads:

- ``raise E(...)`` where ``E`` is kpixl's error for people (:class:`kpixl.errors.KpixlError`
  and its subclasses: what the CLI prints, one line per problem);
- ``print(...)``;
- argparse's ``help=``, ``description=`` and ``epilog=``;
- the lines of an update's or an import's result (``UpdateResult`` fields ``carried``,
  ``kept``, ``plan_won``, ``unplaced``, ``warnings``, ``frozen``: what ``kpixl update`` and
  ``kpixl actuals import`` print).

There is no exception list: formula text, ids, file names and format strings such as
``"{file}: {msg}"`` are not prose, and everything else comes from ``msg(key, locale, ...)``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import kpixl
from kpixl import errors

ROOT = Path(kpixl.__file__).parent
CATALOGUE = ROOT / "messages.py"
PROSE = re.compile(r"[A-Za-z]{2,}[ ]+[A-Za-z]{2,}|[\u3040-\u30ff\u4e00-\u9fff]")
PERSON_ERRORS = {name for name, obj in vars(errors).items()
                 if isinstance(obj, type) and issubclass(obj, errors.KpixlError)}
RESULT_LINES = {"carried", "kept", "plan_won", "unplaced", "warnings", "frozen"}
HELP_KEYWORDS = {"help", "description", "epilog"}
ARGPARSE = {"ArgumentParser", "add_argument", "add_parser", "add_subparsers",
            "add_argument_group"}


def _text(node: ast.AST) -> str | None:
    """The literal text of a string constant or an f-string (its fields left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value for v in node.values
                        if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _prose_in(node: ast.AST) -> list[str]:
    """The prose string constants anywhere under ``node`` (not inside a ``msg(...)`` call's
    key, which is an id)."""
    found = []
    parts = {id(v) for sub in ast.walk(node) if isinstance(sub, ast.JoinedStr)
             for v in sub.values}
    for sub in ast.walk(node):
        text = None if id(sub) in parts else _text(sub)
        if text is None:
            continue
        text = re.sub(r"\{[^{}]*\}", " ", text)
        if PROSE.search(text):
            found.append(text.strip())
    return found


def _sites(tree: ast.AST) -> list[tuple[int, ast.AST]]:
    """(line, node) of each place a person reads."""
    out: list[tuple[int, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in PERSON_ERRORS:
                out += [(node.lineno, a) for a in node.exc.args]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print":
                out += [(node.lineno, a) for a in node.args]
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in ARGPARSE:
                out += [(node.lineno, k.value) for k in node.keywords
                        if k.arg in HELP_KEYWORDS]
            if (isinstance(func, ast.Attribute) and func.attr in ("append", "extend")
                    and isinstance(func.value, ast.Attribute)
                    and func.value.attr in RESULT_LINES):
                out += [(node.lineno, a) for a in node.args]
        elif (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute)
              and node.target.attr in RESULT_LINES):
            out.append((node.lineno, node.value))
    return sorted(out, key=lambda site: site[0])


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if p != CATALOGUE)


def test_the_scan_sees_the_sites_it_checks() -> None:
    """The scan finds prose where it looks (so an empty result below means something)."""
    sample = ast.parse('raise WorkbookError(f"{p}: no such file")\nprint("two words")\n'
                       'p.add_argument("-x", help="{n} 件")\nres.kept.append("kept it")\n'
                       'res.carried += ["carried rows"]\nraise WorkbookError(f"{p}: " + m)\n')
    assert [len(_prose_in(n)) for _, n in _sites(sample)] == [1, 1, 1, 1, 1, 0]


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_user_facing_text_is_built_outside_the_catalogue(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    bad = [f"{module.relative_to(ROOT)}:{line}: {text!r}"
           for line, node in _sites(tree) for text in _prose_in(node)]
    assert bad == []
