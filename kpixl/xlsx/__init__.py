"""The xlsx layer: the only code that touches a workbook file (XlsxWriter writes; reading
parses the sheet XML itself, streaming, through defusedxml).

- :mod:`kpixl.xlsx.writer`: a ``WorkbookLayout`` to a file, streamed, written atomically.
- :mod:`kpixl.xlsx.reader`: a kpixl workbook file back to plain data (plan, inputs, actuals,
  tables): the zip checked, then the one reader of the contract (:mod:`kpixl.xlsx.readback`,
  :mod:`kpixl.xlsx.readtables`, no Excel library, also used by the buttons through
  :mod:`kpixl.xl.state`) over the streaming source :mod:`kpixl.xlsx.sheetxml`.
- :mod:`kpixl.xlsx.importfile`: actuals from an export file (CSV or .xlsx), with
  :mod:`~kpixl.xlsx.importgrid`, :mod:`~kpixl.xlsx.importlayouts`, :mod:`~kpixl.xlsx.cells`,
  :mod:`~kpixl.xlsx.kpinames` and :mod:`~kpixl.xlsx.importcheck`.
"""
