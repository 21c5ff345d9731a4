"""The control panel of an xlwings workbook: one action dropdown and one Run button on the Guide
sheet, so one button serves every action (plain layout data; no xlwings here).

Cells, each a workbook-scope defined name the scripts read:

========================  ==================================================================
``action``                the action to run (a dropdown of :data:`ACTIONS` labels)
``action_csv``            the CSV file to import actuals from
``action_reason``         why targets change (recorded in the Target History sheet)
``action_result``         what the last run did (written by the scripts; unlocked)
========================  ==================================================================

The Run button is a form button calling xlwings' ``SampleCall`` macro (``classic``), or a text
box hyperlinked to the cell it covers (``lite``: xlwings Lite runs the script bound to that cell
when the link selects it). For classic workbooks an ``xlwings.conf`` sheet points xlwings at
the user functions.

What the actions write is unlocked here, because xlwings Lite and Server cannot lift a sheet's
protection (they have no such action) and Excel refuses a write to a locked cell: the result
cell of the Guide, and the SMART sheet's marks and messages (:func:`unlock_smart`; the marks get
their colour from a conditional format, so a refreshed mark is coloured as it reads). The Target
History and Target Versions sheets are not protected (the scripts create them when missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kpixl.engine.smart import LETTERS
from kpixl.layout.contract import XLWINGS_CONF
from kpixl.layout.core import Cell, CellRef, Sheet, WorkbookLayout
from kpixl.layout.labels import sheet_name
from kpixl.layout.styles import build_styles
from kpixl.messages import msg
from kpixl.model import Plan

__all__ = [
    "ACTIONS",
    "CONF_SHEET",
    "MACRO",
    "NAMES",
    "SMART_FIRST_ROW",
    "SMART_MARKS",
    "UDF_MODULE",
    "RunButton",
    "action_key",
    "add_controls",
    "add_xlwings_conf",
    "unlock_smart",
]

ACTIONS: dict[str, tuple[str, str]] = {
    "replan": ("Re-plan the remaining months", "残りの月の目標を再計画"),
    "snapshot": ("Save the targets as a version", "目標をバージョンとして保存"),
    "review": ("Write the PDCA review of the as-of month", "締め月のPDCA振り返りを記入"),
    "smart": ("Refresh the SMART checks", "SMARTチェックを更新"),
    "import": ("Import actuals from the CSV file", "CSVファイルから実績を取り込む"),
}
"""Action key -> (English label, Japanese label), in dropdown order."""

NAMES = {"action": "action", "csv": "action_csv", "reason": "action_reason",
         "result": "action_result"}
MACRO = "SampleCall"  # the macro of xlwings' quickstart VBA project: import <book>; <book>.main()
CONF_SHEET = XLWINGS_CONF
UDF_MODULE = "kpixl.xl.functions"


_RESULT_STYLE = "xl_result"
SMART_FIRST_ROW = 3  # 0-based: the SMART sheet's title, a blank row, the header
SMART_MARKS = 2  # 0-based column of the first mark (S); the message follows the last (T)
_MARK_STYLE, _CHECK_STYLE = "xl_smart_mark", "xl_smart_check"
_BUTTON_ROW = 7  # the Run button's row: below the four named cells


def action_key(value: object) -> str | None:
    """The action key for a dropdown label in either language, or a key itself."""
    text = "" if value is None else str(value).strip()
    for key, labels in ACTIONS.items():
        if text == key or text in labels:
            return key
    return None


@dataclass(frozen=True, slots=True)
class RunButton:
    """Where the Run button is: its sheet, the cell it covers (and links to, for Lite), and the
    shape name XlsxWriter gives a text box (``TextBox <n>``, n counting the sheet's drawings)."""

    sheet: str
    cell: CellRef
    shape: str | None  # Lite only

    @property
    def binding(self) -> str:
        """xlwings Lite's ``@script(button=...)`` value: ``[shape]Sheet!A1``."""
        return f"[{self.shape}]{self.sheet}!{self.cell.local}"


def add_controls(layout: WorkbookLayout, plan: Plan, mode: str, *, companion: str = "",
                 main_py: Callable[[RunButton], str] | None = None,
                 requirements: str = "") -> RunButton:
    """Add the control panel to the Guide sheet, right of what it holds; return the button.

    ``mode`` is ``classic`` (form button, ``companion`` names the Python file beside the
    workbook) or ``lite`` (text box; ``main_py(button)`` and ``requirements`` are shown for
    copying into the Lite editor).
    """
    if mode not in ("classic", "lite"):
        raise ValueError(f"mode must be classic or lite, got {mode!r}")
    locale = plan.locale
    t = {k: msg(f"panel.{k}", locale) for k in ("title", "action", "csv", "reason", "result",
                                                  "run", "help_lite")}
    guide = _guide(layout, locale)
    c0 = max((c for (_, c) in guide.cells), default=0) + 2
    lab, val = c0, c0 + 1
    guide.widths[lab], guide.widths[val] = 24, 64
    guide.put(2, lab, t["title"], "section")
    guide.put(2, val, "", "section")
    options = [labels[1 if locale == "ja" else 0] for labels in ACTIONS.values()]
    rows = {"action": 3, "csv": 4, "reason": 5, "result": 6}
    for key, r in rows.items():
        guide.put(r, lab, t[key], "label")
        style = _RESULT_STYLE if key == "result" else "input"
        ref = guide.put(r, val, options[0] if key == "action" else None, style)
        layout.names[NAMES[key]] = str(ref)
    guide.validations.append((guide.range(3, val, 3, val),
                              {"validate": "list", "source": options}))
    cell = guide.ref(_BUTTON_ROW, val)
    size = {"width": 160, "height": 34}
    if mode == "classic":
        guide.buttons.append({"row": cell.row, "col": cell.col, "macro": MACRO,
                              "caption": t["run"], **size})
        shape = None
        help_text = msg("panel.help_classic", locale, py=companion or "<workbook>.py")
    else:
        guide.textboxes.append({
            "row": cell.row, "col": cell.col, "text": t["run"], **size,
            "url": f"internal:{CellRef(guide.name, cell.row, cell.col)}".replace("$", ""),
            "tip": t["run"], "align": {"vertical": "middle", "horizontal": "center"},
            "font": {"bold": True, "color": "white", "size": 12},
            "fill": {"color": "#1F3864"}, "line": {"none": True}})
        shape = f"TextBox {len(guide.charts) + len(guide.textboxes)}"
        help_text = t["help_lite"]
    # the help line overflows to the right (no wrap), so the Guide's own rows keep their height
    guide.put(_BUTTON_ROW + 2, lab, help_text, "muted")
    if mode == "lite":  # below everything the Guide holds: tall rows of code disturb nothing
        button = RunButton(sheet=guide.name, cell=cell, shape=shape)
        code = main_py(button) if main_py is not None else ""
        r = max(r for (r, _) in guide.cells) + 2
        for title, text in (("main.py", code), ("requirements.txt", requirements)):
            guide.put(r, lab, title, "label")
            guide.put(r, val, text, "wrap")
            guide.heights[r] = 13 * (text.rstrip("\n").count("\n") + 1) + 4
            r += 1
    missing = {c.style for c in guide.cells.values()} - set(layout.styles) - {_RESULT_STYLE}
    layout.styles.update(build_styles(plan, missing))
    # the result cell: written by the scripts on a protected sheet, so unlocked; not an input
    result = build_styles(plan, {"cell"})["cell"]
    layout.styles[_RESULT_STYLE] = {**result, "italic": True, "font_color": "#404040",
                                    "text_wrap": True, "locked": False}
    unlock_smart(layout, plan)
    return RunButton(sheet=guide.name, cell=cell, shape=shape)


def unlock_smart(layout: WorkbookLayout, plan: Plan) -> None:
    """Unlock the SMART sheet's marks and messages (what "Refresh the SMART checks" writes);
    the sheet stays protected, so its ids and names stay locked. A mark's colour comes from a
    conditional format (✓ green, ! amber) instead of its cell style."""
    smart = next((s for s in layout.sheets if s.name == sheet_name("smart", plan.locale)), None)
    if smart is None:
        return
    width = len(LETTERS) + 1
    last = -1
    for (r, c), cell in list(smart.cells.items()):
        if r >= SMART_FIRST_ROW and SMART_MARKS <= c < SMART_MARKS + width:
            style = _CHECK_STYLE if c == SMART_MARKS + len(LETTERS) else _MARK_STYLE
            smart.cells[(r, c)] = Cell(value=cell.value, formula=cell.formula,
                                       cached=cell.cached, style=style)
            last = max(last, r)
    base = build_styles(plan, {"cell", "good", "warn"})
    layout.styles.setdefault("good", base["good"])
    layout.styles.setdefault("warn", base["warn"])
    layout.styles[_MARK_STYLE] = {**base["cell"], "align": "center", "locked": False}
    layout.styles[_CHECK_STYLE] = {**base["cell"], "locked": False}
    if last >= SMART_FIRST_ROW:
        marks = smart.range(SMART_FIRST_ROW, SMART_MARKS, last,
                            SMART_MARKS + len(LETTERS) - 1)
        for text, look in (("✓", "good"), ("!", "warn")):
            smart.cond_formats.append((marks, {"type": "cell", "criteria": "==",
                                               "value": f'"{text}"', "format": look}))


def add_xlwings_conf(layout: WorkbookLayout) -> Sheet:
    """The ``xlwings.conf`` sheet: ``UDF Modules`` = ``kpixl.xl.functions``, read by the add-in
    from A1 down (key in column A, value in column B)."""
    s = Sheet(CONF_SHEET)
    s.widths = {0: 18, 1: 24, 3: 80}
    s.put(0, 0, "UDF Modules")
    s.put(0, 1, UDF_MODULE)
    s.put(0, 3, "xlwings reads its settings from A1 down; add Interpreter_Win, "
                "Interpreter_Mac or Conda Path rows below if your Python is not the default.")
    layout.sheets.append(s)
    return s


def _guide(layout: WorkbookLayout, locale: str) -> Sheet:
    name = sheet_name("guide", locale)
    for s in layout.sheets:
        if s.name == name:
            return s
    raise ValueError(f"the layout has no {name!r} sheet")

