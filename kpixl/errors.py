"""kpixl's error tree.

    KpixlError                 anything a user can fix; the CLI prints it and exits 1
    ├── PlanError              a plan file is invalid (carries every Problem found)
    └── WorkbookError          a workbook cannot be read, written or updated

A bug is never a KpixlError: it keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One finding about a plan: where it is, and what is wrong."""

    path: str  # field path, e.g. "kpis.win_rate.value"
    message: str
    file: str = "plan.yaml"
    line: int | None = None
    severity: str = "error"  # "error" | "warning"
    code: str = ""  # stable machine-readable code, e.g. "bounds"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = f" {self.path}:" if self.path else ""
        level = "" if self.severity == "error" else " warning:"
        return f"{where}:{path}{level} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class KpixlError(Exception):
    """Base of every error a user can fix."""


class PlanError(KpixlError):
    """A plan is invalid; ``problems`` holds every error found (not only the first)."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class WorkbookError(KpixlError):
    """A workbook cannot be read, written or updated."""
