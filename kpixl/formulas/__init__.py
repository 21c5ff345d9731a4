"""The formulas layer: one builder per engine function, and the registry that pairs them.

- :mod:`kpixl.formulas.builders`: Excel formula text that mirrors each engine function, over
  defined names and cell references (never string-pasted addresses).
- :mod:`kpixl.formulas.registry`: engine function <-> formula builder <-> ``KPIXL_`` function;
  a test fails when a partner is missing.
"""
