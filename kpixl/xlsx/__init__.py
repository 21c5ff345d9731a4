"""The xlsx layer: the only code that imports XlsxWriter (writing) and openpyxl (reading).

- :mod:`kpixl.xlsx.writer`: a ``WorkbookLayout`` to a file, streamed, written atomically.
- :mod:`kpixl.xlsx.reader`: a kpixl workbook back to plain data (plan, inputs, actuals, tables).
"""
