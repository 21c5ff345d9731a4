"""What users typed, made safe for the report's text and markdown output.

User text (a plan's title, KPI names and units, and messages that quote them) reaches a terminal
or a markdown viewer. It must stay text there:

- **terminal** (:func:`text`): C0 and C1 control characters (ESC starts a terminal escape
  sequence: ``\\x1b]0;title\\x07`` renames the window, ``\\x1b[2J`` clears the screen), DEL and the
  Unicode bidirectional controls (which reorder what a reader sees) are shown as ``\\xNN`` /
  ``\\uNNNN``; a tab or newline becomes a space, so one name stays on one line;
- **markdown** (:func:`markdown`): the same, then every ASCII punctuation character that
  markdown or HTML gives a meaning (`` \\ ` * _ { } [ ] < > ( ) # + - . ! | ~ & = ``) is
  backslash-escaped (CommonMark: "any ASCII punctuation character may be backslash-escaped"),
  so ``<script>`` is shown, not run, ``![](http://x)`` is not an image, ``[x](javascript:..)``
  not a link, a leading ``#`` not a heading and a ``|`` does not split a table cell.

:func:`report_text` applies one of them to the user-text fields of the report data, once, before
rendering; :func:`finite` makes the JSON output finite (``null`` for a value that is not).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["finite", "markdown", "report_text", "text"]

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_SPACE = re.compile(r"[\t\n\r\x0b\x0c\u2028\u2029]")
_MD = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&=:])")


def _show(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(s: str) -> str:
    """User text for a terminal: controls shown as escapes, line breaks as spaces."""
    return _CONTROL.sub(_show, _SPACE.sub(" ", s))


def markdown(s: str) -> str:
    """User text for markdown: :func:`text`, then markdown/HTML punctuation backslash-escaped.

    Pipes are escaped here too; the table builder escapes the cells it joins (``|`` -> ``\\|``),
    so :func:`report_text` leaves the fields that go into tables to it."""
    return _MD.sub(r"\\\1", text(s))


def _markdown_cell(s: str) -> str:
    """Markdown for a table cell: like :func:`markdown` without pipes (the table escapes them)."""
    return re.sub(r"\\\|", "|", markdown(s))


def finite(x: Any) -> Any:
    """``x`` with every float that is not finite replaced by None (JSON has no inf or NaN)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [finite(v) for v in x]
    return x


def report_text(d: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The report data with its user-text fields escaped for ``fmt`` (text or markdown): the
    title, KPI names and units, SMART and workbook messages and switch reasons. Ids, labels and
    the keys the renderer looks up stay as they are."""
    esc: Callable[[str], str] = text if fmt == "text" else markdown
    cell: Callable[[str], str] = text if fmt == "text" else _markdown_cell

    def s(v: Any, f: Callable[[str], str] = esc) -> Any:
        return f(v) if isinstance(v, str) else v

    out = dict(d)
    out["title"] = s(d.get("title"))
    out["nodes"] = [dict(n, name=s(n.get("name"), cell), unit=s(n.get("unit"), cell))
                    for n in d.get("nodes", [])]
    for key in ("warnings", "smart"):
        if key in d:
            out[key] = [s(m) for m in d[key]]
    funnels = []
    for f in d.get("funnels", []):
        links = [dict(lk, switch=dict(lk["switch"], why=s(lk["switch"].get("why"))))
                 if isinstance(lk.get("switch"), dict) else lk for lk in f.get("links", [])]
        funnels.append(dict(f, links=links))
    if "funnels" in d:
        out["funnels"] = funnels
    return out
