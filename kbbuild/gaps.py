"""What agents searched for and did not find: groups of logged queries for editors (`kb gaps`).

Reads the lines search_api/searchlog.py writes (or any file of the same shape) and groups the
searches by their normalized query: zero results, weak results, searched but nothing used (the widget
reported no copy and no opened entry), and the top queries. Pure: the CLI reads the files and prints.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

MAX_LINE_BYTES = 65_536  # a longer line is not one the server wrote: skipped
TYPING_WINDOW_S = 5.0  # a widget search followed this soon by a longer one starting with it was typing
EXAMPLES = 3
CLOSEST = 3
GROUPS = {
    "zero": "零结果（没有一条规范匹配）",
    "weak": "弱结果（只有“可能相关”）",
    "unused": "搜了但没用（坐席没有复制话术，也没有打开条目）",
    "top": "最常搜索",
}
_SINCE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `24h`, `30m`, `2w`, or a date / ISO time (local), as an aware datetime."""
    if m := _SINCE.match(text.strip()):
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since: write 7d, 24h, 30m or a date like 2026-11-01, not {text!r}") from None
    return when if when.tzinfo else when.astimezone()


def read_lines(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """The JSON objects of log files; lines that are too long, not JSON or not objects are skipped."""
    for path in paths:
        with path.open("rb") as f:
            for raw in f:
                if len(raw) > MAX_LINE_BYTES:
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    yield obj


def log_paths(where: Path) -> list[Path]:
    """A log file, or every *.jsonl in a log folder."""
    return [where] if where.is_file() else sorted(where.glob("*.jsonl")) if where.is_dir() else []


@dataclass
class GapQuery:
    query: str  # normalized
    count: int = 0
    examples: Counter[str] = field(default_factory=Counter)  # as typed (masked)
    closest: Counter[str] = field(default_factory=Counter)  # entry ids shown first, how often
    used: Counter[str] = field(default_factory=Counter)  # entry ids the agent copied from or opened
    last: str = ""

    def as_dict(self, entries: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
        return {"query": self.query, "count": self.count, "last": self.last,
                "examples": [q for q, _ in self.examples.most_common(EXAMPLES)],
                "closest": [{"id": i, "shown": n, **entries.get(i, {})} for i, n in self.closest.most_common(CLOSEST)],
                "used": [i for i, _ in self.used.most_common(CLOSEST)]}


def _time(rec: Mapping[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(rec.get("time", "")))
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()


def _key(rec: Mapping[str, Any]) -> str:
    return " ".join(str(rec.get("normalized") or rec.get("query") or "").split())


def drop_typing(searches: list[tuple[datetime, dict[str, Any]]]) -> list[tuple[datetime, dict[str, Any]]]:
    """Widget searches made while typing (a longer query starting with this one came within seconds)."""
    kept = []
    for i, (when, rec) in enumerate(searches):
        key = _key(rec)
        typing = False
        if rec.get("origin") == "widget":
            for later, nxt in searches[i + 1:]:
                if (later - when).total_seconds() > TYPING_WINDOW_S:
                    break
                other = _key(nxt)
                if nxt.get("origin") == "widget" and other != key and other.startswith(key):
                    typing = True
                    break
        if not typing:
            kept.append((when, rec))
    return kept


def gap_report(records: Iterable[Mapping[str, Any]], since: datetime | None = None,
               entries: Mapping[str, Mapping[str, str]] | None = None, top: int = 20) -> dict[str, Any]:
    """The four groups, each a list of queries (most frequent first) with examples and closest entries."""
    entries = entries or {}
    searches: list[tuple[datetime, dict[str, Any]]] = []
    used: dict[str, Counter[str]] = {}
    for rec in records:
        when = _time(rec)
        if when is None or since is not None and when < since or not _key(rec):
            continue
        if rec.get("kind") == "search":
            searches.append((when, dict(rec)))
        elif rec.get("kind") == "event" and isinstance(rec.get("id"), str):
            used.setdefault(_key(rec), Counter())[rec["id"]] += 1
    searches.sort(key=lambda s: s[0])
    all_searches = len(searches)
    searches = drop_typing(searches)
    groups: dict[str, dict[str, GapQuery]] = {name: {} for name in GROUPS}
    for when, rec in searches:
        key = _key(rec)
        # `matched`: entries that really match (the results shown may be only the nearest in meaning).
        matched = rec.get("matched", rec.get("total"))
        ids = [i for i in rec.get("results") or [] if isinstance(i, str)]
        zero = matched == 0 or not ids
        weak = bool(rec.get("weak")) and not zero
        unused = rec.get("origin") == "widget" and not zero and not weak and key not in used
        for name, member in (("zero", zero), ("weak", weak), ("unused", unused), ("top", True)):
            if member:
                g = groups[name].setdefault(key, GapQuery(key))
                g.count += 1
                g.examples[str(rec.get("query") or key)] += 1
                g.closest.update(ids[:CLOSEST])
                g.used.update(used.get(key, Counter()))
                g.last = max(g.last, when.isoformat(timespec="seconds"))
    out: dict[str, Any] = {"since": since.isoformat(timespec="seconds") if since else None,
                           "searches": all_searches, "counted": len(searches), "groups": {}}
    for name, found in groups.items():
        ordered = sorted(found.values(), key=lambda g: (-g.count, g.query))
        out["groups"][name] = [g.as_dict(entries) for g in (ordered[:top] if name == "top" else ordered)]
    return out


def _closest_text(q: Mapping[str, Any]) -> str:
    return "；".join(f"{c['id']}" + (f"（{c['title']}，{c['place']}）" if c.get("title") else "")
                    for c in q["closest"]) or "—"


def format_text(report: Mapping[str, Any]) -> str:
    lines = [f"搜索 {report['searches']} 次（去掉输入过程中的 {report['searches'] - report['counted']} 次）"
             + (f"，自 {report['since']} 起" if report["since"] else "")]
    for name, label in GROUPS.items():
        found = report["groups"][name]
        lines.append(f"\n{label}：{len(found)} 个查询")
        for q in found:
            examples = " / ".join(q["examples"])
            lines.append(f"  {q['count']:>4} 次  {q['query']}  例：{examples}")
            lines.append(f"         最接近：{_closest_text(q)}")
    lines.append("\n把查询加进最接近条目的 questions（相似问法），再运行 kb check。")
    return "\n".join(lines)


CSV_FIELDS = ("group", "query", "count", "last", "examples", "closest", "closest_titles", "closest_places", "used")


def format_csv(report: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for name in GROUPS:
        for q in report["groups"][name]:
            writer.writerow([name, q["query"], q["count"], q["last"], " | ".join(q["examples"]),
                             " ".join(c["id"] for c in q["closest"]),
                             " | ".join(c.get("title", "") for c in q["closest"]),
                             " | ".join(c.get("place", "") for c in q["closest"]), " ".join(q["used"])])
    return out.getvalue()


def render_html(report: Mapping[str, Any]) -> str:
    """A standalone page (no external files); Jinja's autoescape covers every logged query."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("kbbuild", "templates"), autoescape=select_autoescape(["j2", "html"]))
    return env.get_template("gaps.html.j2").render(report=report, groups=GROUPS)
