"""Read kpixl workbooks back with openpyxl (the only module besides the writer that touches a
workbook file)."""

from __future__ import annotations

from pathlib import Path

from kpixl.errors import WorkbookError

__all__ = ["entered_data"]

_USER_ROWS = ("act_", "ovr_")


def entered_data(path: Path) -> list[str]:
    """What a user entered in a kpixl workbook (actuals, overrides): one description per kind.

    A file that is not a kpixl workbook is refused: kpixl never replaces a stranger's file.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise WorkbookError(f"{path}: exists and is not a readable workbook ({exc}); "
                            "move it away or choose another output") from None
    if "_kpixl" not in wb.sheetnames:
        raise WorkbookError(f"{path}: exists and is not a kpixl workbook; refusing to replace it")
    found: list[str] = []
    for name, dn in wb.defined_names.items():
        if not name.startswith(_USER_ROWS):
            continue
        for sheet, coord in dn.destinations:
            cells = wb[sheet][coord.replace("$", "")]
            flat = [c for row in (cells if isinstance(cells, tuple) else ((cells,),)) for c in
                    (row if isinstance(row, tuple) else (row,))]
            if any(c.value not in (None, "") for c in flat):
                found.append(f"{name}")
                break
    return found
