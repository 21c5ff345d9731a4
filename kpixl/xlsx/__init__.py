"""The xlsx layer: the only code that imports XlsxWriter (writing) and openpyxl (reading).

- :mod:`kpixl.xlsx.writer`: a ``WorkbookLayout`` to a file, streamed, written atomically.
- :mod:`kpixl.xlsx.reader`: a kpixl workbook back to plain data (plan, inputs, actuals, tables).
- :mod:`kpixl.xlsx.importfile`: actuals from an export file (CSV or .xlsx), with
  :mod:`~kpixl.xlsx.importgrid`, :mod:`~kpixl.xlsx.importlayouts`, :mod:`~kpixl.xlsx.cells`,
  :mod:`~kpixl.xlsx.kpinames` and :mod:`~kpixl.xlsx.importcheck`.
"""
