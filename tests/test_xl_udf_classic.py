"""The KPIXL_ functions through the part of xlwings' classic UDF machinery that runs on Linux:
``xlwings.udfs.xlfunc``/``xlarg`` decorate kpixl.xl.functions as on Windows, and
``generate_vba_wrapper`` writes the VBA module that *Import Functions* puts into the workbook.

``xlwings.udfs`` imports Windows' COM modules (pythoncom, pywintypes, win32com) at the top; they
are replaced by empty stand-ins here, which the code paths under test never call. The call
itself (``call_udf``) needs Excel's COM engine and stays "verified in Excel: not yet"
(docs/xlwings.md).
"""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kpixl.xl import functions as plain

MODULE = "kpixl_functions_classic"


@pytest.fixture(scope="module")
def classic() -> Iterator[tuple[Any, Any]]:
    """(xlwings.udfs, kpixl.xl.functions decorated by it)."""
    import xlwings

    added = {name: types.ModuleType(name) for name in
             ("pythoncom", "pywintypes", "win32com", "win32com.client") if name not in sys.modules}
    if "pythoncom" in added:
        added["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    if "pywintypes" in added:
        added["pywintypes"].com_error = type("com_error", (Exception,), {})  # type: ignore
    if "win32com.client" in added:
        added["win32com.client"].Dispatch = lambda *a, **k: None  # type: ignore
    sys.modules.update(added)
    saved = (xlwings.func, xlwings.arg)
    try:
        import xlwings.udfs as udfs

        xlwings.func, xlwings.arg = udfs.xlfunc, udfs.xlarg  # what Windows' xlwings exports
        spec = importlib.util.spec_from_file_location(MODULE, Path(plain.__file__))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        xlwings.func, xlwings.arg = saved
        yield udfs, module
    finally:
        xlwings.func, xlwings.arg = saved
        sys.modules.pop("xlwings.udfs", None)
        if hasattr(xlwings, "udfs"):
            delattr(xlwings, "udfs")
        for name in added:
            sys.modules.pop(name, None)


def vba(classic: tuple[Any, Any]) -> str:
    udfs, module = classic
    out = io.StringIO()
    udfs.generate_vba_wrapper(MODULE, module, out, types.SimpleNamespace(Name="plan.xlsm"))
    return out.getvalue()


def test_import_functions_writes_a_vba_function_for_each_kpixl_function(classic) -> None:
    code = vba(classic)
    declared = re.findall(r"^Function (KPIXL_\w+)\(", code, flags=re.M)
    assert sorted(declared) == sorted(n for n in plain.__all__ if n.startswith("KPIXL_"))
    assert code.count(f'XLPy.CallUDF("{MODULE}", "KPIXL_BACKCALC"') == 2


@pytest.mark.parametrize(("name", "signature"), [
    ("KPIXL_BACKCALC", "target, rates"),
    ("KPIXL_CONFIDENCE", "target, rate, confidence"),
    ("KPIXL_MONTHLY", "total, weights, Optional aggregate, Optional whole, Optional baseline"),
    ("KPIXL_CATCHUP", "total, ytd_actual, weights, asof, Optional whole"),
    ("KPIXL_FORECAST", "actuals, weights, asof, Optional aggregate"),
    ("KPIXL_ACHIEVEMENT", "actual, target, Optional direction"),
    ("KPIXL_STATUS", "achievement, Optional on_track, Optional at_risk, Optional language"),
    ("KPIXL_SOLVE", "plan, node, Optional inputs"),
])
def test_the_vba_signatures_are_positional_with_the_optional_ones_last(
        classic, name: str, signature: str) -> None:
    """The documented argument order (docs/xlwings.md, "The functions")."""
    assert f"Function {name}({signature})" in vba(classic)


def test_ranges_arrive_two_dimensional_and_no_hint_becomes_a_converter(classic) -> None:
    _, module = classic
    for name in (n for n in plain.__all__ if n.startswith("KPIXL_")):
        info = getattr(module, name).__xlfunc__
        assert all("convert" not in a["options"] for a in info["args"]), name
        assert "convert" not in info["ret"]["options"], name
    args = {a["name"]: a["options"] for a in module.KPIXL_FORECAST.__xlfunc__["args"]}
    assert args["actuals"] == {"ndim": 2} and args["weights"] == {"ndim": 2}
