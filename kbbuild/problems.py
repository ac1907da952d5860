"""A problem found in the KB: where it is and what an editor should do about it."""

from __future__ import annotations

from dataclasses import dataclass

from .messages import Msg, msg


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: Msg  # a str is accepted and shown as is in both languages (see kbbuild/messages.py)
    # A warning is printed by `kb check` but blocks nothing (build, handbook, eval): something an editor
    # should look at (a time in prose with no structured limit, a near-duplicate), not something broken.
    warning: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.message, str):
            object.__setattr__(self, "message", msg("text", text=self.message))

    def render(self, lang: str = "zh") -> str:
        """`file:line: field: message` in Chinese (default) or English."""
        level = msg("warning").render(lang) if self.warning else ""
        return f"{self.file}:{self.line}: {self.field}: {level}{self.message.render(lang)}"

    def __str__(self) -> str:
        return self.render()
