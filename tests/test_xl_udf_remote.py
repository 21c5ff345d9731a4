"""The KPIXL_ functions through xlwings' own call path for xlwings Lite and Server:
``xlwings.server.custom_functions_call``, with kpixl.xl.functions decorated by xlwings'
server decorators (what ``XLWINGS_ON_SERVER=true`` and Lite select), arguments as Excel's
JavaScript client sends them (every argument a 2-D list, a blank cell ``None``).

Expected values are the spec's examples (domain-notes.md section 8, plan-format.md), the same
as test_xl_functions.py checks for the plain functions; the error values as the plain
functions return them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
from pathlib import Path
from typing import Any

import pytest
import xlremote

from kpixl import load
from kpixl.model.plan_dict import plan_to_json
from kpixl.xl import functions as plain

WORKED = Path(__file__).parent / "plans" / "engine" / "worked_example.yaml"
SEASON = [6, 7, 8, 8, 5, 11, 8, 8, 9, 6, 8, 16]
ORDERS_TO_SEPT = [1, 0, 1, 0, 1, 1, None, None, None, None, None, None]
PLAN = plan_to_json(load(WORKED))


@pytest.fixture(scope="module")
def served() -> Any:
    """kpixl/xl/functions.py imported afresh under xlwings' Lite/Server decorators."""
    with xlremote.server_decorators():
        spec = importlib.util.spec_from_file_location("kpixl_functions_served",
                                                      Path(plain.__file__))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def call(module: Any, name: str, *args: Any) -> Any:
    """One call as Excel's xlwings client makes it: each argument a 2-D range."""
    import xlwings
    from xlwings.server import custom_functions_call

    def grid(a: Any) -> Any:
        return a if isinstance(a, list) else [[a]]

    xlremote.remote_engine()
    data = {"func_name": name, "args": [grid(a) for a in args], "version": xlwings.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US",
            "date_format": "M/d/yyyy"}
    return asyncio.run(custom_functions_call(data, module))


def same(got: Any, exp: list[list[Any]]) -> bool:
    if len(got) != len(exp) or any(len(g) != len(e) for g, e in zip(got, exp, strict=True)):
        return False
    for g, e in zip((c for r in got for c in r), (c for r in exp for c in r), strict=True):
        if isinstance(e, float | int) and not isinstance(e, bool):
            if not (isinstance(g, float | int) and math.isclose(g, e, rel_tol=1e-9,
                                                                abs_tol=1e-12)):
                return False
        elif g != e:
            return False
    return True


CASES = [
    ("KPIXL_BACKCALC", (12, [[0.35, 0.6, 0.3]]), [[192, 67, 40, 12]]),
    ("KPIXL_BACKCALC", (12, [[0.35], [0.6], [0.3]]), [[192], [67], [40], [12]]),
    ("KPIXL_CONFIDENCE", (12, 0.3, 0.8), [[48]]),
    ("KPIXL_MONTHLY", (12, [SEASON]),
     [[0.72, 0.84, 0.96, 0.96, 0.60, 1.32, 0.96, 0.96, 1.08, 0.72, 0.96, 1.92]]),
    ("KPIXL_CATCHUP", (12, 4, [SEASON], 6, True), [["", "", "", "", "", "", 1, 1, 2, 1, 1, 2]]),
    ("KPIXL_FORECAST", ([ORDERS_TO_SEPT], [SEASON], 6), [[4 / 0.45]]),
    ("KPIXL_FORECAST", ([[None] * 12], [SEASON], 6), [[""]]),
    ("KPIXL_ACHIEVEMENT", (4, 5), [[0.8]]),
    ("KPIXL_ACHIEVEMENT", (0, 1, "down"), [[2]]),
    ("KPIXL_ACHIEVEMENT", (4, 0), [[""]]),
    ("KPIXL_STATUS", (0.8,), [["Off track"]]),
    ("KPIXL_STATUS", (0.8, 1, 0.9, "ja"), [["未達"]]),
    ("KPIXL_STATUS", (1.0,), [["On track"]]),
    ("KPIXL_SOLVE", ([[PLAN]], "inquiries"), [[192]]),
    ("KPIXL_SOLVE", ([[PLAN[:100]], [PLAN[100:]]], "deals",
                     [["win_rate", "Deal to order", "%", "Assumption", 0.25],
                      [None, None, None, None, None]]), [[48]]),
]


@pytest.mark.parametrize(("name", "args", "exp"), CASES)
def test_the_functions_answer_through_xlwings_custom_functions_call(
        served: Any, name: str, args: tuple[Any, ...], exp: list[list[Any]]) -> None:
    got = call(served, name, *args)
    assert same(got, exp), got


ERRORS = [
    ("KPIXL_BACKCALC", (12, [[0.35, None, 0.3]]), "#VALUE! rates: cell 2 is blank"),
    ("KPIXL_BACKCALC", (12, [[35, 0.6]]), "#NUM! rate 1 must be within (0, 1]"),
    ("KPIXL_BACKCALC", (None, [[0.3]]), "#VALUE! target is blank"),
    ("KPIXL_CONFIDENCE", (12, 0.3, 1), "#NUM! confidence must be within (0, 1)"),
    ("KPIXL_MONTHLY", (12, [[1, 1]], "total"), "#VALUE! aggregate must be one of"),
    ("KPIXL_CATCHUP", (12, 4, [SEASON], 13), "#NUM! asof must be a whole month"),
    ("KPIXL_ACHIEVEMENT", ("four", 5), "#VALUE! actual must be a number"),
    ("KPIXL_SOLVE", ([[PLAN]], "leads"), "#VALUE! node: 'leads' is not a node of the plan"),
]


@pytest.mark.parametrize(("name", "args", "exp"), ERRORS)
def test_a_bad_argument_is_an_error_value_through_xlwings(served: Any, name: str,
                                                          args: tuple[Any, ...], exp: str
                                                          ) -> None:
    got = call(served, name, *args)
    assert isinstance(got, list) and isinstance(got[0][0], str), got
    assert got[0][0].startswith(exp), got


def test_every_function_is_registered_with_xlwings_server_metadata(served: Any) -> None:
    from xlwings.server import custom_functions_meta

    meta = custom_functions_meta(served)
    names = sorted(f["name"] for f in meta["functions"])
    assert names == sorted(n for n in plain.__all__ if n.startswith("KPIXL_"))
