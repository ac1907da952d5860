"""Times written in prose must also be data: every '4个工作小时' in a text needs a structured limit.

A team lead's deadline, a badge and the handbook's 时限 column read the structured `within` / `limits`;
a time left only in prose is invisible to them. A hop's or step's time must be on that hop or step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .load import Located
from .problems import Problem

# Chinese numerals up to 99 are all the norms write (两秒, 三分钟, 三十分钟); a library (cn2an) would
# bring a dependency and a model of 亿 and 万 for what ten lines do.
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(?P<num>(?<![\d.])\d+(?:\.\d+)?|[一二两三四五六七八九十半]+)"
_UNIT = r"(?P<unit>个?工作小时|个?工作日|个?小时|分钟|秒钟|秒|天|日内)"
TIME_IN_TEXT = re.compile(_NUMBER + r"\s*" + _UNIT)
# Opening hours, not a limit: 7×24小时服务, 24 小时服务区.
_NOT_A_LIMIT = re.compile(r"7\s*[*×xX]\s*24\s*小时|24\s*小时(?:服务|营业|自助|在线)")
_UNITS = {"个工作小时": "个工作小时", "工作小时": "个工作小时", "个工作日": "工作日", "工作日": "工作日",
          "个小时": "小时", "小时": "小时", "分钟": "分钟", "秒钟": "秒", "秒": "秒", "天": "天", "日内": "天"}


def chinese_number(text: str) -> float | None:
    """两 → 2, 十五 → 15, 三十 → 30, 半 → 0.5; None for what is not a number up to 99."""
    if text == "半":
        return 0.5
    if text.isascii():
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(ones) > 1 or len(tens) > 1 or (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
            return None
        return float((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))
    return float(_DIGITS[text]) if len(text) == 1 and text in _DIGITS else None


@dataclass(frozen=True)
class TextTime:
    start: int
    written: str
    values: tuple[float, ...]  # 7.48小时 in a numbered list may be item 7's 48 小时: both are accepted
    unit: str


def times_in(text: str) -> list[TextTime]:
    """The times (a number and a time unit) a text states."""
    skip = [m.span() for m in _NOT_A_LIMIT.finditer(text)]
    found = []
    for m in TIME_IN_TEXT.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        value = chinese_number(m["num"])
        if value is None:
            continue
        values = (value, float(m["num"].split(".")[1])) if "." in m["num"] else (value,)
        found.append(TextTime(m.start(), m.group(), values, _UNITS[m["unit"]]))
    return found


def _covered(time: TextTime, limits: list[Any]) -> bool:
    return any(lim.unit == time.unit and lim.value in time.values for lim in limits)


def _texts(entry: Any) -> Iterator[tuple[tuple[str | int, ...], str, list[Any]]]:
    """(path, text, the limits that must cover its times) for every norm text of an entry."""
    everywhere = list(entry.limits)
    for hop in getattr(entry, "path", []):
        everywhere += hop.within
    for step in getattr(entry, "steps", []):
        everywhere += step.within
    for key in ("summary", "when", "then", "trigger", "behaviour", "why", "statement", "authorised"):
        if text := getattr(entry, key, None):
            yield (key,), text, everywhere
    for key in ("say", "instead"):
        for i, text in enumerate(getattr(entry, key, [])):
            yield (key, i), text, everywhere
    for i, hop in enumerate(getattr(entry, "path", [])):
        if hop.how:
            yield ("path", i, "how"), hop.how, hop.within
    for i, step in enumerate(getattr(entry, "steps", [])):
        yield ("steps", i, "what"), step.what, step.within
        for j, text in enumerate(step.say):
            yield ("steps", i, "say", j), text, step.within


def check_times(entries: list[Located]) -> Iterator[Problem]:
    for loc in entries:
        for path, text, limits in _texts(loc.entry):
            for time in times_in(text):
                if _covered(time, limits):
                    continue
                field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
                where = "这一步（或这一跳）的 within " if path[0] in ("path", "steps") else "条目的 limits "
                yield Problem(loc.file, loc.line_of(*path), field,
                              f"文字里写了时间“{time.written}”，却没有对应的结构化时限：在{where}中加上"
                              f"（如 {time.values[-1]:g} {time.unit}，有前提时写 condition）", warning=True)
