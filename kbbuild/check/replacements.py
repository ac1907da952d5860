"""What an agent can say instead of a forbidden wording: only words a customer can hear.

A forbidden entry's `instead` is mostly guidance (使用规范的礼貌用语…): shown as advice, never offered
as a replacement. The replacements are the words of its linked scripts, cut at stage directions
(（等待2秒）, （等待结束后）) into the parts said at one time, with placeholders (XXX, ××, **) turned
into 【…】 for the agent to fill in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_REPLACEMENTS = 3
FILL = "【…】"
_STAGE = re.compile(r"[（(][^（）()]*(?:等待|停顿|结束|秒|稍后|回答)[^（）()]*[）)]")
_ASIDE = re.compile(r"[（(][^（）()]{1,4}[）)]")  # 慢慢讲（想）: an alternative word, not said
_PLACEHOLDER = re.compile(r"[xX]{2,}|[×＊*]{2,}|…{2,}|\.{3,}")


def hearable(line: str) -> list[str]:
    """The parts of one script line a customer hears, stage directions and asides removed."""
    parts = []
    for part in _STAGE.split(line):
        part = _PLACEHOLDER.sub(FILL, _ASIDE.sub("", part)).strip(" ，,。")
        if part and part != FILL:
            parts.append(part if part[-1] in "。！？!?…" else part + "。")
    return parts


def replacements(entry: Mapping[str, Any], scripts: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """At most MAX_REPLACEMENTS distinct lines to say instead, from the entry's linked scripts."""
    out: list[str] = []
    for sid in entry.get("instead_scripts", []):
        for line in scripts.get(sid, {}).get("say", []):
            for part in hearable(line):
                if part not in out:
                    out.append(part)
    return out[:MAX_REPLACEMENTS]
