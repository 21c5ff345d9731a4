"""Benchmark ``kpixl build`` against a bare-XlsxWriter reference, as fresh processes.

    python benchmarks/run.py              # S, M, L; 5 rounds; LibreOffice recalc of L (< 10 min)
    python benchmarks/run.py --quick      # S and M, 1 round, no LibreOffice
    python benchmarks/run.py --tiers S,M --rounds 7 --json out.json --profile

Tiers (KPI nodes x months): S = 30 x 12, M = 300 x 24, L = 2,000 x 36; the plans come from
``benchmarks/gen.py`` (a revenue KGI over product-line funnels, regions above 40 lines).

For each tier an untimed step lays the plan out with kpixl and dumps the workbook's content
(cells, formats, names, validations, conditional formats, ...) to a pickle, and records the
engine's time (solve, SMART checks, monthly schedule and tracking) in-process. Then each round
runs, per tier, ``kpixl build PLAN -o NEW.xlsx`` and ``benchmarks/reference.py write`` (bare
XlsxWriter writing the same content, no kpixl logic) back to back, alternating which goes first.
Wall time is measured around each process; peak memory is the child's own max RSS (``wait4``).

Reported per tier: median and min seconds of both, the median of the per-round ratios
kpixl / reference, peak RSS, engine time and its share of the build, file size; for L also the
LibreOffice full-recalculation time (load with "always recalculate" minus load with "never"),
beside a workbook of as many minimal formulas (``=A1*2``), and formula characters per formula
cell. Then, per read round, a fresh build of the largest tier beside ``kpixl report`` of it,
``kpixl build`` over it and ``kpixl update`` with one rate changed (each a process of its own,
each ratio against the fresh build of the same round), and ``kpixl report`` of S. Budgets
are checked and printed as PASS/FAIL; nothing here asserts on time (the test suite has only
operation-count scaling guards).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402  (benchmarks/gen.py)

BUDGETS = {
    "S_wall_s": 0.6,  # S from the CLI, wall, median
    "ratio": 1.3,  # M and L: kpixl / reference, median of per-round ratios
    "L_peak_mb": 300.0,
    "engine_share": 0.05,  # engine time / build time at L
    "report_over_build": 0.25,  # kpixl report of L / a fresh build of L in the same round
    "update_over_build": 1.3,  # kpixl update of L (one rate changed) / the same
    "rebuild_over_build": 1.2,  # kpixl build over an existing L workbook / the same
    "read_peak_mb": 150.0,  # report and update of L
    "S_report_s": 0.5,  # S report from the CLI, wall, median
}


# -- processes ------------------------------------------------------------------------------------
def run_child(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = 1800) -> tuple[float, float, float, int, str]:
    """Run ``cmd``; return (wall seconds, CPU seconds (user + system), peak RSS in MB of that
    child, exit code, stderr)."""
    with tempfile.TemporaryFile() as errf:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errf)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode("utf-8", "replace")
    # ru_maxrss: kilobytes on Linux, bytes on macOS
    scale = 1 / 2**20 if sys.platform == "darwin" else 1 / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * scale, proc.returncode, err


def kpixl_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("kpixl")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "kpixl"]


# -- reading ------------------------------------------------------------------------------------
def one_rate_changed(plan: Path) -> Path:
    """A copy of ``plan`` with its first rate (``value: 0.x``) raised by 0.01."""
    text = plan.read_text("utf-8")
    i = text.index("value: 0.")
    j = i + len("value: ")
    k = j
    while text[k] in "0123456789.":
        k += 1
    out = plan.with_name(plan.stem + "_rate.yaml")
    out.write_text(text[:j] + f"{float(text[j:k]) + 0.01:g}" + text[k:], "utf-8")
    return out


def read_rounds(kp: list[str], plans: dict[str, Path], big: str, small: str, work: Path,
                env: dict[str, str], rounds: int) -> dict[str, Any]:
    """Per round: a fresh build of ``big``; `report` of it; `build` over it; `update` of a
    copy with one rate changed; and `report` of the ``small`` tier. Ratios are per round
    (against that round's fresh build), then the median."""
    base = work / f"read_{big}.xlsx"
    changed = one_rate_changed(plans[big])
    small_wb = work / f"kpixl_{small}.xlsx"
    runs: dict[str, list[tuple[float, float, float, float, float]]] = {
        k: [] for k in ("report", "rebuild", "update", "small_report")}
    errors: dict[str, str] = {}

    def timed(key: str, cmd: list[str], build: tuple[float, float, float]) -> None:
        wall, cpu, rss, rc, err = run_child(cmd, env=env)
        if rc != 0:
            errors[key] = err.strip()[-500:]
            return
        runs[key].append((wall, cpu, rss, wall / build[0], cpu / build[1]))

    for rnd in range(rounds):
        base.unlink(missing_ok=True)
        wall, cpu, rss, rc, err = run_child([*kp, "build", str(plans[big]), "-o", str(base)],
                                            env=env)
        if rc != 0:
            raise RuntimeError(f"kpixl build {big} failed ({rc}): {err[-2000:]}")
        build = (wall, cpu, rss)
        timed("report", [*kp, "report", str(base)], build)
        timed("rebuild", [*kp, "build", str(plans[big]), "-o", str(base)], build)
        copy = work / f"update_{big}.xlsx"
        shutil.copyfile(base, copy)
        timed("update", [*kp, "update", str(changed), str(copy)], build)
        for bak in work.glob(f"update_{big}.*.bak.xlsx"):
            bak.unlink()
        if small_wb.exists():
            timed("small_report", [*kp, "report", str(small_wb)], build)
        print(f"read round {rnd + 1}/{rounds} {big}: fresh build {wall:.2f} s ({rss:.0f} MB); "
              + "; ".join(f"{k} {v[-1][0]:.2f} s ({v[-1][2]:.0f} MB, {v[-1][3]:.2f}x)"
                          for k, v in runs.items() if v and k != "small_report")
              + f"; load {os.getloadavg()[0]:.1f}", flush=True)
    what = {"report": f"report of {big}", "rebuild": f"build over an existing {big} workbook",
            "update": f"update of {big} (one rate changed)", "small_report": f"report of {small}"}
    out: dict[str, Any] = {}
    for key, got in runs.items():
        if key in errors:
            out[key] = {"what": what[key], "error": errors[key]}
            print(f"kpixl {what[key]}: failed: {errors[key]}")
            continue
        if not got:
            continue
        out[key] = {"what": what[key], "tier": small if key == "small_report" else big,
                    "median_s": statistics.median(g[0] for g in got),
                    "cpu_s": statistics.median(g[1] for g in got),
                    "peak_mb": max(g[2] for g in got), "runs": len(got)}
        if key != "small_report":
            out[key] |= {"over_build": statistics.median(g[3] for g in got),
                         "cpu_over_build": statistics.median(g[4] for g in got)}
    return out


# -- LibreOffice ----------------------------------------------------------------------------------
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


def lo_convert(soffice: str, src: Path, work: Path, mode: int) -> float:
    """Seconds for ``soffice --convert-to xlsx`` with OOXMLRecalcMode ``mode`` (0 always,
    1 never) on a private profile (created and warmed up beforehand)."""
    profile = work / f"lo_profile_{mode}"
    user = profile / "user"
    if not user.exists():
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_XCU.format(mode=mode), "utf-8")
    out = work / f"lo_out_{mode}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx", "--outdir", str(out), str(src)]
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800,
                   check=False)
    wall = time.perf_counter() - t0
    if not (out / src.name).exists():
        raise RuntimeError(f"LibreOffice did not convert {src}")
    return wall


def simple_workbook(path: Path, formulas: int, cols: int = 36) -> Path:
    """A workbook of ``formulas`` simple formula cells (``=A1*2``: one reference, one
    operator), ``cols`` per row beside a column of numbers: what the L workbook would cost to
    open if its formulas were as short as can be."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Simple")
    rows = -(-formulas // cols)
    left = formulas
    for r in range(rows):
        ws.write_number(r, 0, r + 1)
        for c in range(1, min(cols, left) + 1):
            ws.write_formula(r, c, f"=A{r + 1}*2", None, 2 * (r + 1))
        left -= cols
    wb.close()
    return path


def lo_recalc(src: Path, warm: Path, work: Path, repeats: int) -> dict[str, Any] | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout
    for mode in (0, 1):  # first start of a profile creates it: warm both up on a small file
        lo_convert(soffice, warm, work, mode)
    always, never = [], []
    for _ in range(repeats):
        always.append(lo_convert(soffice, src, work, 0))
        never.append(lo_convert(soffice, src, work, 1))
    a, n = statistics.median(always), statistics.median(never)
    return {"version": version.strip(), "always_s": a, "never_s": n, "recalc_s": a - n,
            "repeats": repeats, "file_mb": src.stat().st_size / 1e6}


# -- machine --------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for mod in ("xlsxwriter", "openpyxl", "yaml"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # a module without __version__
            versions[mod] = "?"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), **versions}


# -- profile --------------------------------------------------------------------------------------
def profile_build(plan: Path, out: Path, top: int = 30) -> str:
    import cProfile
    import io
    import pstats
    import warnings

    import kpixl

    warnings.simplefilter("ignore")
    prof = cProfile.Profile()
    prof.enable()
    kpixl.build(plan, out, force=True)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)
    return buf.getvalue()


# -- main -----------------------------------------------------------------------------------------
def fmt_table(results: dict[str, dict[str, Any]]) -> str:
    head = ("| tier | nodes x months | cells (formulas) | kpixl median s | kpixl min s | "
            "ref median s | ref min s | ratio | kpixl CPU s | ref CPU s | CPU ratio | "
            "kpixl peak MB | ref peak MB | engine CPU s | engine share | file MB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for tier, r in results.items():
        lines.append(
            f"| {tier} | {r['nodes']:,} x {r['months']} | {r['cells']:,} ({r['formulas']:,}) | "
            f"{r['kpixl_median']:.2f} | {r['kpixl_min']:.2f} | {r['ref_median']:.2f} | "
            f"{r['ref_min']:.2f} | {r['ratio']:.2f} | {r['kpixl_cpu_median']:.2f} | "
            f"{r['ref_cpu_median']:.2f} | {r['cpu_ratio']:.2f} | {r['kpixl_peak_mb']:.0f} | "
            f"{r['ref_peak_mb']:.0f} | {r['engine_s']:.3f} | {r['engine_share']:.1%} | "
            f"{r['file_mb']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="S and M, 1 round, no LibreOffice")
    ap.add_argument("--tiers", default=None, help="comma-separated subset of S,M,L")
    ap.add_argument("--rounds", type=int, default=None, help="rounds (default 5; quick 1)")
    ap.add_argument("--no-lo", action="store_true", help="skip the LibreOffice recalculation")
    ap.add_argument("--lo-repeats", type=int, default=1)
    ap.add_argument("--read-rounds", type=int, default=3,
                    help="rounds of fresh build, report, rebuild and update of the largest "
                         "tier (default 3)")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile one in-process build of the largest tier")
    ap.add_argument("--work", type=Path, default=None, help="keep plans and workbooks here")
    ap.add_argument("--json", type=Path, default=None, help="write the results as JSON")
    a = ap.parse_args(argv)
    tiers = (a.tiers.split(",") if a.tiers else (["S", "M"] if a.quick else ["S", "M", "L"]))
    rounds = a.rounds or (1 if a.quick else 5)
    use_lo = not (a.quick or a.no_lo)
    work = a.work or Path(tempfile.mkdtemp(prefix="kpixl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    mach = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in mach.items()), flush=True)
    print(f"work folder: {work}; tiers {','.join(tiers)}; {rounds} round(s)", flush=True)

    kp = kpixl_cmd()
    ref = [sys.executable, str(HERE / "reference.py")]
    plans: dict[str, Path] = {}
    info: dict[str, dict[str, Any]] = {}
    for tier in tiers:
        plans[tier] = gen.write_tier(tier, work)
        spec = work / f"spec_{tier}.pickle"
        out = subprocess.run([*ref, "dump", str(plans[tier]), str(spec)], capture_output=True,
                             text=True, env=env, check=True)
        info[tier] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{tier}: {info[tier]['nodes']} nodes x {info[tier]['months']} months, "
              f"{info[tier]['cells']:,} cells ({info[tier]['formulas']:,} formulas, "
              f"{info[tier]['formula_chars'] / 1e6:.1f} M formula characters), "
              f"{info[tier]['styles']} formats, {info[tier]['names']:,} names, "
              f"{info[tier]['validations']:,} validations, {info[tier]['cond_formats']} "
              f"conditional formats", flush=True)

    def k_build(tier: str) -> tuple[float, float, float]:
        target = work / f"kpixl_{tier}.xlsx"
        target.unlink(missing_ok=True)  # a fresh build, not a rebuild over a workbook
        wall, cpu, rss, rc, err = run_child([*kp, "build", str(plans[tier]), "-o",
                                             str(target)], env=env)
        if rc != 0:
            raise RuntimeError(f"kpixl build {tier} failed ({rc}): {err[-2000:]}")
        return wall, cpu, rss

    def r_write(tier: str) -> tuple[float, float, float]:
        target = work / f"ref_{tier}.xlsx"
        target.unlink(missing_ok=True)
        wall, cpu, rss, rc, err = run_child([*ref, "write", str(work / f"spec_{tier}.pickle"),
                                             str(target)], env=env)
        if rc != 0:
            raise RuntimeError(f"reference {tier} failed ({rc}): {err[-2000:]}")
        return wall, cpu, rss

    # warm-up: byte-code caches and the page cache, not counted
    for tier in tiers:
        if tier != "L":
            k_build(tier)
            r_write(tier)
    samples: dict[str, dict[str, list[float]]] = {
        t: {"k": [], "r": [], "k_cpu": [], "r_cpu": [], "k_rss": [], "r_rss": [], "ratio": [],
            "cpu_ratio": []} for t in tiers}
    for rnd in range(rounds):
        for tier in tiers:
            order = (k_build, r_write) if rnd % 2 == 0 else (r_write, k_build)
            res = {f: f(tier) for f in order}
            (kw, kc, krss), (rw, rc_, rrss) = res[k_build], res[r_write]
            s = samples[tier]
            for key, v in (("k", kw), ("r", rw), ("k_cpu", kc), ("r_cpu", rc_), ("k_rss", krss),
                           ("r_rss", rrss), ("ratio", kw / rw), ("cpu_ratio", kc / rc_)):
                s[key].append(v)
            print(f"round {rnd + 1}/{rounds} {tier}: kpixl {kw:.2f} s wall {kc:.2f} s CPU "
                  f"({krss:.0f} MB), reference {rw:.2f} s wall {rc_:.2f} s CPU ({rrss:.0f} MB), "
                  f"ratio {kw / rw:.2f} (CPU {kc / rc_:.2f}); load {os.getloadavg()[0]:.1f}",
                  flush=True)

    results: dict[str, dict[str, Any]] = {}
    for tier in tiers:
        s, i = samples[tier], info[tier]
        km = statistics.median(s["k"])
        results[tier] = {
            "nodes": i["nodes"], "months": i["months"], "cells": i["cells"],
            "formulas": i["formulas"], "formula_chars": i["formula_chars"],
            "kpixl_median": km, "kpixl_min": min(s["k"]),
            "ref_median": statistics.median(s["r"]), "ref_min": min(s["r"]),
            "ratio": statistics.median(s["ratio"]),
            "kpixl_cpu_median": statistics.median(s["k_cpu"]),
            "ref_cpu_median": statistics.median(s["r_cpu"]),
            "cpu_ratio": statistics.median(s["cpu_ratio"]),
            "kpixl_peak_mb": max(s["k_rss"]), "ref_peak_mb": max(s["r_rss"]),
            "engine_s": i["engine_s"],
            "engine_share": i["engine_s"] / statistics.median(s["k_cpu"]),
            "layout_s": i["layout_s"],
            "file_mb": (work / f"kpixl_{tier}.xlsx").stat().st_size / 1e6,
            "ref_file_mb": (work / f"ref_{tier}.xlsx").stat().st_size / 1e6,
            "rounds": len(s["k"]),
        }

    # reading against writing (issue 18): per round a fresh build of the largest tier, then
    # `report` of it, `build` over it (the "holds entered data" check) and `update` with one
    # rate changed, each a process of its own, each timed against that round's fresh build
    big = tiers[-1]
    reads = read_rounds(kp, plans, big, tiers[0], work, env, a.read_rounds)
    lo = None
    simple = None
    if use_lo and "L" in tiers:
        try:
            lo = lo_recalc(work / "kpixl_L.xlsx", work / f"kpixl_{tiers[0]}.xlsx", work,
                           a.lo_repeats)
            # the cost of opening (issue 18, 3): the same number of formulas, each minimal
            easy = simple_workbook(work / "simple_L.xlsx", results["L"]["formulas"])
            simple = lo_recalc(easy, work / f"kpixl_{tiers[0]}.xlsx", work, a.lo_repeats)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            lo = {"error": str(exc)}

    # report
    print()
    print(fmt_table(results))
    print()
    for key in ("report", "rebuild", "update", "small_report"):
        r = reads.get(key)
        if r:
            print(f"kpixl {r['what']}: median {r['median_s']:.2f} s wall ({r['cpu_s']:.2f} s "
                  f"CPU), peak {r['peak_mb']:.0f} MB"
                  + (f", {r['over_build']:.2f}x the fresh build of the same round (CPU "
                     f"{r['cpu_over_build']:.2f}x)" if "over_build" in r else ""))
    if lo:
        if "error" in lo:
            print(f"LibreOffice: {lo['error']}")
        else:
            print(f"LibreOffice ({lo['version']}), L workbook: load+save with full "
                  f"recalculation {lo['always_s']:.1f} s, without {lo['never_s']:.1f} s: "
                  f"recalculation {lo['recalc_s']:.1f} s")
            r = results["L"]
            print(f"  L: {r['formulas']:,} formula cells, {r['formula_chars'] / r['formulas']:.0f}"
                  f" formula characters per formula cell, file {lo['file_mb']:.1f} MB")
            if simple:
                print(f"  the same number of simple formulas (=A1*2): load+save with full "
                      f"recalculation {simple['always_s']:.1f} s, without "
                      f"{simple['never_s']:.1f} s: recalculation {simple['recalc_s']:.1f} s; "
                      f"file {simple['file_mb']:.1f} MB")
    print("\nbudgets:")
    checks: list[tuple[str, bool | None, str]] = []
    if "S" in results:
        v = results["S"]["kpixl_median"]
        checks.append(("S build from the CLI < 0.6 s wall", v < BUDGETS["S_wall_s"],
                       f"{v:.2f} s (CPU {results['S']['kpixl_cpu_median']:.2f} s)"))
    for tier in ("M", "L"):
        if tier in results:
            v = results[tier]["ratio"]
            checks.append((f"{tier} <= 1.3x bare XlsxWriter", v <= BUDGETS["ratio"],
                           f"{v:.2f}x (CPU {results[tier]['cpu_ratio']:.2f}x)"))
    if "L" in results:
        v = results["L"]["kpixl_peak_mb"]
        checks.append(("L peak memory < 300 MB", v < BUDGETS["L_peak_mb"], f"{v:.0f} MB"))
        v = results["L"]["engine_share"]
        checks.append(("engine < 5% of the L build (CPU)", v < BUDGETS["engine_share"],
                       f"{v:.1%}"))
        for key, name in (("report", "report of L"), ("update", "update of L"),
                          ("rebuild", "build over an existing L workbook")):
            r = reads.get(key)
            if not r or r.get("tier") != "L":
                checks.append((name, None, "not measured"))
                continue
            limit = BUDGETS[f"{key}_over_build"]
            v = r["over_build"]
            checks.append((f"{name} <= {limit}x its fresh build", v <= limit,
                           f"{v:.2f}x (CPU {r['cpu_over_build']:.2f}x)"))
            if key in ("report", "update"):
                v = r["peak_mb"]
                checks.append((f"{name} < {BUDGETS['read_peak_mb']:.0f} MB",
                               v < BUDGETS["read_peak_mb"], f"{v:.0f} MB"))
    r = reads.get("small_report")
    if r:
        v = r["median_s"]
        checks.append(("S report from the CLI < 0.5 s wall", v < BUDGETS["S_report_s"],
                       f"{v:.2f} s (CPU {r['cpu_s']:.2f} s)"))
    for name, ok, val in checks:
        print(f"  {'PASS' if ok else 'n/a ' if ok is None else 'FAIL'}  {name}: {val}")
    prof = None
    if a.profile:
        prof = profile_build(plans[big], work / f"profile_{big}.xlsx")
        print(f"\nprofile of one in-process build of {big}:\n{prof}")
    total = time.perf_counter() - started
    print(f"total benchmark time {total:.0f} s")
    if a.json:
        a.json.write_text(json.dumps({"machine": mach, "rounds": rounds, "results": results,
                                      "reads": reads, "libreoffice": lo,
                                      "libreoffice_simple": simple,
                                      "budgets": [{"name": n, "ok": o, "value": v}
                                                  for n, o, v in checks],
                                      "total_s": total}, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
