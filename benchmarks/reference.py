"""The bare-XlsxWriter reference for the benchmarks.

Two modes, each run as its own process by ``benchmarks/run.py``:

``dump PLAN SPEC.pickle``  (untimed)
    Load, solve and lay out the plan with kpixl, time the engine's phases (CPU seconds), and
    dump what the workbook holds (cells, formats, defined names, merges, widths, validations,
    conditional formats, tables, charts, sheet settings) as plain tuples. Prints a JSON line of
    timings and counts.

``write SPEC.pickle OUT.xlsx``  (timed)
    Load the pickle and write exactly those cells with bare XlsxWriter through its public API:
    no kpixl import, no kpixl logic. This is the floor kpixl's build is compared with.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from typing import Any

SPEC_VERSION = 1


# -- dump (uses kpixl; not timed) -----------------------------------------------------------------
def dump(plan_path: str, spec_path: str) -> dict[str, Any]:
    clock = time.process_time  # CPU time: a loaded machine does not inflate it
    t0 = clock()
    import kpixl
    from kpixl.engine.compute import schedule, track
    from kpixl.engine.smart import smart_checks
    from kpixl.layout import build_layout

    t_import = clock()
    plan = kpixl.load(plan_path)
    t_load = clock()
    solution = kpixl.solve(plan)
    t_solve = clock()
    smart_checks(solution)
    t_smart = clock()
    sched = schedule(solution)
    track(solution, sched)
    t_compute = clock()
    layout = build_layout(solution)  # runs schedule/track again inside its Context
    t_layout = clock()

    styles = list(layout.styles)
    index = {k: i for i, k in enumerate(styles)}
    sheets = []
    n_cells = n_formulas = formula_chars = n_cf = n_dv = 0
    for s in layout.sheets:
        cells = []
        for (r, c), cell in s.cells.items():
            if cell.formula is not None:
                cells.append((r, c, "=" + cell.formula, "" if cell.cached is None else cell.cached,
                              index[cell.style]))
                n_formulas += 1
                formula_chars += len(cell.formula)
            else:
                cells.append((r, c, None, cell.value, index[cell.style]))
        n_cells += len(cells)
        n_cf += len(s.cond_formats)
        n_dv += len(s.validations)
        sheets.append({
            "name": s.name,
            "cells": cells,
            "widths": dict(s.widths),
            "heights": dict(s.heights),
            "merges": [(m, index[s.cells[m[:2]].style] if m[:2] in s.cells else None)
                       for m in s.merges],
            "freeze": s.freeze,
            "hidden_rows": sorted(s.hidden_rows),
            "hidden_cols": sorted(s.hidden_cols),
            "validations": [((g.row0, g.col0, g.row1, g.col1), dict(rule))
                            for g, rule in s.validations],
            "cond_formats": [((g.row0, g.col0, g.row1, g.col1),
                              {**rule, "format": index[rule["format"]]})
                             for g, rule in s.cond_formats],
            "tables": [((g.row0, g.col0, g.row1, g.col1), spec["name"], list(spec["columns"]))
                       for g, spec in s.tables],
            "charts": [(ch.kind, ch.title, str(ch.categories).replace("$", ""),
                        [(name, str(v)) for name, v in ch.series], ch.anchor, ch.y_title)
                       for ch in s.charts],
            "comments": dict(s.comments),
            "print_title_rows": s.print_title_rows,
            "protect": s.protect,
            "hidden": s.hidden,
        })
    spec = {"version": SPEC_VERSION, "styles": [layout.styles[k] for k in styles],
            "names": dict(layout.names), "properties": dict(layout.properties),
            "active": layout.active, "sheets": sheets}
    with open(spec_path, "wb") as f:
        pickle.dump(spec, f, protocol=pickle.HIGHEST_PROTOCOL)
    t_dump = clock()
    return {
        "import_s": t_import - t0, "load_s": t_load - t_import, "solve_s": t_solve - t_load,
        "smart_s": t_smart - t_solve, "compute_s": t_compute - t_smart,
        "engine_s": (t_solve - t_load) + (t_smart - t_solve) + (t_compute - t_smart),
        "layout_s": t_layout - t_compute, "dump_s": t_dump - t_layout,
        "nodes": len(plan.nodes), "months": plan.months, "cells": n_cells,
        "formulas": n_formulas, "formula_chars": formula_chars, "styles": len(styles),
        "names": len(layout.names), "cond_formats": n_cf, "validations": n_dv,
    }


# -- write (bare XlsxWriter; timed) ---------------------------------------------------------------
def write(spec_path: str, out: str) -> None:
    import xlsxwriter

    with open(spec_path, "rb") as f:
        spec = pickle.load(f)
    wb = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    formats = [wb.add_format(props) for props in spec["styles"]]
    wb.set_properties(spec["properties"])
    sheets = [(wb.add_worksheet(s["name"]), s) for s in spec["sheets"]]
    for name, ref in spec["names"].items():
        wb.define_name(name, "=" + ref)
    for ws, s in sheets:
        for col, width in s["widths"].items():
            ws.set_column(col, col, width)
        for col in s["hidden_cols"]:
            ws.set_column(col, col, s["widths"].get(col), None, {"hidden": True})
        for row, height in s["heights"].items():
            ws.set_row(row, height)
        for row in s["hidden_rows"]:
            ws.set_row(row, None, None, {"hidden": True})
        for (r0, c0, r1, c1), style in s["merges"]:
            ws.merge_range(r0, c0, r1, c1, "", None if style is None else formats[style])
        write_formula, write_number = ws.write_formula, ws.write_number
        write_string, write_blank, write_boolean = ws.write_string, ws.write_blank, \
            ws.write_boolean
        for r, c, formula, value, style in s["cells"]:
            fmt = formats[style]
            if formula is not None:
                write_formula(r, c, formula, fmt, value)
            elif value is None:
                write_blank(r, c, None, fmt)
            elif value is True or value is False:
                write_boolean(r, c, value, fmt)
            elif isinstance(value, int | float):
                write_number(r, c, value, fmt)
            else:
                write_string(r, c, value, fmt)
        for (r0, c0, r1, c1), rule in s["validations"]:
            ws.data_validation(r0, c0, r1, c1, rule)
        for (r0, c0, r1, c1), rule in s["cond_formats"]:
            ws.conditional_format(r0, c0, r1, c1, {**rule, "format": formats[rule["format"]]})
        for (r0, c0, r1, c1), name, columns in s["tables"]:
            ws.add_table(r0, c0, r1, c1, {"name": name, "columns": [{"header": h}
                                                                     for h in columns]})
        for kind, title, cats, series, anchor, y_title in s["charts"]:
            chart = wb.add_chart({"type": kind})
            for name, values in series:
                chart.add_series({"name": name, "categories": cats, "values": values})
            chart.set_title({"name": title})
            chart.set_y_axis({"name": y_title})
            ws.insert_chart(anchor[0], anchor[1], chart)
        for (r, c), text in s["comments"].items():
            ws.write_comment(r, c, text)
        if s["freeze"]:
            ws.freeze_panes(*s["freeze"])
        if s["print_title_rows"]:
            ws.repeat_rows(*s["print_title_rows"])
        if s["protect"]:
            ws.protect()
        if s["hidden"]:
            ws.hide()
    sheets[spec["active"]][0].activate()
    wb.close()


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")  # XlsxWriter's long-list warning is kpixl's to report
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        print(json.dumps(dump(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: reference.py dump PLAN SPEC.pickle | write SPEC.pickle OUT.xlsx")
