"""The plan as a workbook now holds it: the plan stored in ``_kpixl`` with the current value of
every input cell applied (``kpixl pull``, and the starting point of ``kpixl report``).

The input keys and how they map onto plan fields are in :mod:`kpixl.model.inputs`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kpixl.errors import WorkbookError
from kpixl.messages import msg
from kpixl.model import Plan
from kpixl.model._yaml import resolve_plain
from kpixl.model.inputs import apply_inputs, plan_from_dict, tidy
from kpixl.model.plan_dict import plan_to_dict

__all__ = ["plan_yaml", "pull", "workbook_plan", "workbook_plan_dict"]


def workbook_plan_dict(data: Any) -> dict[str, Any]:
    """The plan mapping of a :class:`~kpixl.xlsx.reader.WorkbookData` with its current inputs."""
    return apply_inputs(plan_to_dict(data.plan), data.current)


def workbook_plan(data: Any) -> Plan:
    """The Plan a workbook now holds; PlanError names the workbook when an input is invalid."""
    return plan_from_dict(workbook_plan_dict(data), f"{data.path.name}")


def _tidy_all(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _tidy_all(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_tidy_all(v) for v in x]
    return tidy(x)


def plan_yaml(d: Mapping[str, Any]) -> str:
    """A plan mapping as YAML text (keys in plan order, any language as is)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """Lists of plain values in one line (``[1, 1, 1]``), mappings in blocks."""

    def short_list(dumper: yaml.SafeDumper, items: list[Any]) -> Any:
        flat = all(not isinstance(x, dict | list) for x in items)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)

    def text(dumper: yaml.SafeDumper, value: str) -> Any:
        # SafeDumper quotes what YAML 1.1 reads as another type (yes, 2026-04-01, 0o7); kpixl's
        # loader reads YAML 1.2's core schema (plus `_`), where `09`, `1_000`, `.inf` and
        # `0x1F` are numbers: quote those too, so the plan loads back identically
        style = '"' if not isinstance(resolve_plain(value), str) or value != value.strip() \
            else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(list, short_list)
    Dumper.add_representer(str, text)
    return yaml.dump(_tidy_all(dict(d)), Dumper=Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=100)


def check_plan_target(target: Path, workbook: Path, locale: str = "en") -> None:
    """Refuse a plan target that is the workbook itself (``pull WB -o WB``), a folder, not a
    regular file, not named ``.yaml``/``.yml``, or (even with --force) a file that is not text:
    a workbook or other zip is never replaced by YAML."""
    from kpixl.messages import msg
    from kpixl.xlsx.safewrite import check_writable

    try:
        same = os.path.samefile(target, workbook)
    except OSError:
        same = os.path.realpath(target) == os.path.realpath(workbook)
    if same:
        raise WorkbookError(f"{target}: " + msg("target.is-source", locale, source=workbook))
    if os.path.isdir(target):
        raise WorkbookError(f"{target}: " + msg("safe.is-folder", locale))
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise WorkbookError(f"{target}: " + msg("target.plan-suffix", locale,
                                                suffix=target.suffix or "(none)",
                                                name=target.with_suffix(".yaml").name))
    check_writable(target, locale)
    try:
        with open(target, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return
    if head.startswith(b"PK"):
        raise WorkbookError(f"{target}: " + msg("target.not-plan", locale))


def pull(workbook: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
         force: bool = False) -> Path:
    """Write the plan as ``workbook`` holds it to ``out`` (default: the workbook's stem with
    ``.yaml``); refuse to overwrite an existing file unless ``force``. Return the path."""
    from kpixl.xlsx.reader import read_workbook
    from kpixl.xlsx.safewrite import safe_write

    data = read_workbook(Path(workbook))
    target = Path(out) if out is not None else Path(workbook).with_suffix(".yaml")
    check_plan_target(target, Path(workbook), data.plan.locale)
    if target.exists() and not force:
        raise WorkbookError(f"{target}: " + msg("target.exists", data.plan.locale))
    d = workbook_plan_dict(data)
    plan_from_dict(d, data.path.name)  # what is written must load (PlanError otherwise)
    text = f"# pulled by kpixl from {data.path.name}\n" + plan_yaml(d)
    with safe_write(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
