"""The app layer: the workflows a person runs, each a function over the layers below.

- :mod:`kpixl.app.build`: check, build, demo, new (templates).
- :mod:`kpixl.app.update`: rebuild a workbook from a changed plan, keeping what was entered.
- :mod:`kpixl.app.actuals`: import actuals from export files.
- :mod:`kpixl.app.pull`: the plan as the workbook now holds it, back to YAML.
- :mod:`kpixl.app.report` / :mod:`kpixl.app.report_html`: read a workbook back for people.
- :mod:`kpixl.app.parallel`: several plans at once.
"""
