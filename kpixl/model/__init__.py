"""The model layer: the plan as frozen value objects, and everything that turns text into one.

- :mod:`kpixl.model.plan`: ``Plan``, ``Node``, ``Funnel``, ``Kfs``, ``Period``, ``Thresholds``.
- :mod:`kpixl.model.loader`: YAML (or a dict) to a ``Plan``, every error collected.
- :mod:`kpixl.model.schema`: the field tables the loader checks with, and their JSON Schema.
- :mod:`kpixl.model.expr`: the formula grammar (``+ - * /`` over ids), parsed, never evaluated.
- :mod:`kpixl.model.plan_dict`: a ``Plan`` back to the plain mapping YAML is written from.

Nothing here knows about spreadsheets or about the engine's arithmetic.
"""

from kpixl.model.plan import Aggregate, Direction, Funnel, Kfs, Node, Period, Plan, Thresholds

__all__ = ["Aggregate", "Direction", "Funnel", "Kfs", "Node", "Period", "Plan", "Thresholds"]
