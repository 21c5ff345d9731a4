"""Built-in plan templates (YAML), shipped inside the kpixl wheel as ``kpixl.templates``."""
