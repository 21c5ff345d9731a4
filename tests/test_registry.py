"""The registry pairs every engine function with its formula twin and its user function.

A partner missing on either side fails here (sqlite-utils' docs test does this for commands and
docs): a new builder without an engine twin, an engine function of ``periods``/``tracking``
without a builder, a pair naming a function that no longer exists, a ``KPIXL_`` function that
wraps nothing listed.
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest

from kpixl.engine import periods, tracking
from kpixl.formulas import builders as fx
from kpixl.formulas import registry
from kpixl.formulas import tracking as ft

#: Builders that are not twins of one engine function: ``window`` makes a reference, ``render``
#: is paired with recipe.evaluate but checked on whole plans (test_workbook).
HELPERS = {"text"}


def public_functions(module: ModuleType) -> set[str]:
    """Functions defined in ``module`` whose names do not start with ``_``."""
    return {name for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__
            and not name.startswith("_")}


def paired_builders() -> set[str]:
    return {p.formula.__name__ for p in registry.PAIRS if p.formula is not None}


def test_every_public_formula_builder_has_an_engine_partner() -> None:
    exp = public_functions(fx) - HELPERS

    missing = exp - paired_builders()

    assert missing == set()


def test_formulas_all_lists_every_public_builder() -> None:
    assert set(fx.__all__) == public_functions(fx)
    assert set(ft.__all__) == public_functions(ft)


@pytest.mark.parametrize("pair", registry.PAIRS, ids=lambda p: p.name)
def test_every_engine_function_listed_exists_where_its_name_says(pair: registry.Pair) -> None:
    module_name, _, rest = pair.name.partition(".")
    func_name = rest.partition("/")[0]
    module = inspect.getmodule(pair.engine)

    assert module is not None and module.__name__.rsplit(".", 1)[-1] == module_name
    assert pair.engine.__name__ == func_name
    assert getattr(module, func_name) is pair.engine
    assert func_name in module.__all__


@pytest.mark.parametrize("pair", registry.PAIRS, ids=lambda p: p.name)
def test_every_builder_listed_is_a_public_function_of_kpixl_formulas(
        pair: registry.Pair) -> None:
    if pair.formula is None:
        assert pair.note, "a pair without a builder says why"
        return
    module = fx if pair.formula.__module__ == fx.__name__ else ft
    assert getattr(module, pair.formula.__name__) is pair.formula
    engine_params = inspect.signature(pair.engine).parameters
    builder_params = inspect.signature(pair.formula).parameters
    for key, _ in pair.options:  # an option selects the variant on one side at least
        assert key in engine_params or key in builder_params, (pair.name, key)


def test_pair_names_are_unique() -> None:
    names = [p.name for p in registry.PAIRS]

    assert len(names) == len(set(names))
    assert registry.by_name("tracking.status").engine is tracking.status


_MISSING_BUILDER: dict[str, str] = {}


@pytest.mark.parametrize("func", [
    pytest.param(f"{m.__name__.rsplit('.', 1)[-1]}.{name}",
                 marks=[pytest.mark.xfail(strict=True, reason=_MISSING_BUILDER[name])]
                 if name in _MISSING_BUILDER else [])
    for m in (periods, tracking) for name in sorted(m.__all__)])
def test_every_periods_and_tracking_function_has_a_formula_partner(func: str) -> None:
    module_name, _, name = func.partition(".")
    module = {"periods": periods, "tracking": tracking}[module_name]
    engine = getattr(module, name)

    builders = [p.formula for p in registry.PAIRS if p.engine is engine]

    assert builders, f"{func} is not in kpixl.formulas.registry.PAIRS"
    assert all(b is not None for b in builders), f"{func} has no formula builder"


def test_periods_and_tracking_all_list_their_public_functions() -> None:
    for module in (periods, tracking):
        assert set(module.__all__) == public_functions(module), module.__name__


def test_udf_names_are_kpixl_functions_that_exist() -> None:
    xl = pytest.importorskip("kpixl.xl.functions")
    named = {p.udf for p in registry.PAIRS if p.udf is not None}

    assert all(re.fullmatch(r"KPIXL_[A-Z0-9_]+", u) for u in named)
    assert named <= set(xl.__all__)


def test_every_kpixl_user_function_wraps_a_registered_engine_function() -> None:
    xl = pytest.importorskip("kpixl.xl.functions")
    udfs = {n for n in xl.__all__ if n.startswith("KPIXL_")}

    assert udfs - {p.udf for p in registry.PAIRS} == set()
