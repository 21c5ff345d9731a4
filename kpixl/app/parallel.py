"""``kpixl build plans/*.yaml [-j N]``: build many plans, in N parallel processes (N = 1: here).

This is the one multi-plan path: with ``-j 1`` the plans are built one after the other in this
process, with the same output checks, order and messages as in parallel.

Each plan succeeds or fails on its own: a failure prints its error on stderr and the other plans
are still built; the exit code is 1 when any plan failed. Paths are printed on stdout in the
order the plans were given (as soon as every earlier plan is done). On a terminal, stderr shows a
progress bar (``\\r[#####     ] 3/10``); when stderr is redirected nothing but errors is written.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TextIO

__all__ = ["build_many"]

BAR_WIDTH = 30


def _build_one(plan: str, target: str, xlwings: str, force: bool) -> tuple[bool, str]:
    """Worker: (True, path written) or (False, error text). Never raises for a plan's fault."""
    from kpixl.app.build import build
    from kpixl.errors import KpixlError

    try:
        return True, str(build(plan, target, xlwings=xlwings, force=force))
    except KpixlError as exc:
        return False, str(exc) or type(exc).__name__
    except Exception as exc:  # (one plan's crash must not stop the others)
        return False, f"{plan}: internal error: {type(exc).__name__}: {exc}"


class _Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream
        try:
            self.on = stream.isatty()
        except (AttributeError, ValueError):
            self.on = False

    def draw(self) -> None:
        if self.on:
            filled = BAR_WIDTH * self.done // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{' ' * (BAR_WIDTH - filled)}] "
                              f"{self.done}/{self.total}")
            self.stream.flush()

    def clear(self) -> None:
        if self.on:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _context() -> multiprocessing.context.BaseContext:
    # fork is unsafe once threads exist (the pool's own manager thread); forkserver where the
    # platform has it, else the platform's default (spawn on Windows and macOS)
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else None)


def build_many(plans: Sequence[str | os.PathLike[str]], outdir: Path, *, jobs: int,
               xlwings: str = "none", force: bool = False) -> int:
    """Build each plan into ``outdir/<plan stem>.xlsx`` (``.xlsm`` for classic xlwings) with up
    to ``jobs`` processes; return the exit code (0, or 1 when any plan failed)."""
    suffix = ".xlsm" if xlwings == "classic" else ".xlsx"
    bar = _Progress(len(plans), sys.stderr)
    results: dict[int, tuple[bool, str]] = {}
    todo: list[tuple[int, str, str]] = []
    owner: dict[Path, str] = {}
    for i, plan in enumerate(plans):
        target = outdir / (Path(plan).stem + suffix)
        key = Path(os.path.normcase(os.path.realpath(target)))  # through symlinks (issue 17)
        if key in owner:
            results[i] = (False, f"{plan}: its workbook {target} is also the output of "
                                 f"{owner[key]}; rename one of the plans or build it alone")
        else:
            owner[key] = str(plan)
            todo.append((i, str(plan), str(target)))
    printed = 0

    def flush() -> None:
        nonlocal printed
        if printed in results:
            bar.clear()
            while printed in results:
                ok, text = results[printed]
                print(text, file=sys.stdout if ok else sys.stderr, flush=True)
                printed += 1
        bar.draw()

    bar.done = len(results)
    flush()
    if todo and jobs <= 1:
        for i, plan_text, target_text in todo:
            results[i] = _build_one(plan_text, target_text, xlwings, force)
            bar.done += 1
            flush()
    elif todo:
        workers = max(1, min(jobs, len(todo)))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
        pending: dict[Future[tuple[bool, str]], tuple[int, str]] = {}
        try:
            for i, plan_text, target_text in todo:
                fut = pool.submit(_build_one, plan_text, target_text, xlwings, force)
                pending[fut] = (i, plan_text)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i, plan = pending.pop(fut)
                    try:
                        results[i] = fut.result()
                    except Exception as exc:  # (a worker died: OOM, signal)
                        results[i] = (False, f"{plan}: the build process failed "
                                             f"({type(exc).__name__}: {exc})")
                    bar.done += 1
                flush()
        except BaseException:  # Ctrl-C: do not wait for the builds still running
            pool.shutdown(wait=False, cancel_futures=True)
            bar.clear()
            raise
        pool.shutdown()
    bar.clear()
    return 1 if any(not ok for ok, _ in results.values()) else 0
