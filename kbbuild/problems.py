"""A problem found in the KB: where it is and what an editor should do about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    # A warning is printed by `kb check` but blocks nothing (build, handbook, eval): something an editor
    # should look at (a time in prose with no structured limit, a near-duplicate), not something broken.
    warning: bool = False

    def __str__(self) -> str:
        level = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {self.field}: {level}{self.message}"
