"""Checks of the links between entries that operator profiles rely on: see_also, operator, aliases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import combinations

from .load import KB, Located
from .operators import GENERAL, doc_operators, entry_operators, profiles, visible
from .problems import Problem


def check_see_also(entries: list[Located]) -> Iterator[Problem]:
    """`see_also` names existing entries, not itself, and the other entry links back."""
    by_id = {loc.entry.id: loc for loc in entries}
    for loc in entries:
        e = loc.entry
        for i, ref in enumerate(e.see_also):
            where = (loc.file, loc.line_of("see_also", i), f"see_also[{i}]")
            if ref == e.id:
                yield Problem(*where, "不能链接到自身")
            elif ref not in by_id:
                yield Problem(*where, f"没有 id 为 {ref!r} 的条目")
            elif e.id not in by_id[ref].entry.see_also:
                other = by_id[ref]
                yield Problem(*where, f"{ref!r}（{other.file}:{other.line}）的 see_also 里没有 {e.id!r}："
                                      "其他单位的做法要互相链接，请在那边也加上")


def check_operators(kb: KB) -> Iterator[Problem]:
    """An entry's `operator` names an operator of kb/sources.yaml, or 通用."""
    known = {*doc_operators(kb.sources).values(), GENERAL}
    for loc in kb.entries:
        for i, op in enumerate(loc.entry.operator):
            if op not in known:
                yield Problem(loc.file, loc.line_of("operator", i), f"operator[{i}]",
                              f"未知的单位 {op!r}；可选：{'、'.join(sorted(known))}")


def check_aliases(entries: list[Located]) -> Iterator[Problem]:
    """An alias (an id before a merge) is nobody's id and nobody else's alias."""
    ids = {loc.entry.id for loc in entries}
    seen: dict[str, str] = {}
    for loc in entries:
        for i, alias in enumerate(loc.entry.aliases):
            where = (loc.file, loc.line_of("aliases", i), f"aliases[{i}]")
            if alias in ids:
                yield Problem(*where, f"{alias!r} 仍是一个条目的 id：合并后旧条目要删除")
            elif seen.setdefault(alias, loc.entry.id) != loc.entry.id:
                yield Problem(*where, f"{alias!r} 也是 {seen[alias]!r} 的旧 id")


def check_profile_conflicts(kb: KB) -> Iterator[Problem]:
    """Warn when one profile shows two forbidden entries of different severity for one situation.

    "One situation": a tag that, among the profile's forbidden entries, only those two carry (a tag as
    common as 投诉 names no single situation). Linking them with `see_also` says an editor has looked.
    """
    by_doc = doc_operators(kb.sources)
    forbidden = [(loc, entry_operators(loc.entry, by_doc)) for loc in kb.entries if loc.entry.type == "forbidden"]
    reported: set[tuple[str, str]] = set()
    for profile in profiles(by_doc):
        shown = [loc for loc, ops in forbidden if visible(ops, profile)]
        tag_count = Counter(tag for loc in shown for tag in set(loc.entry.tags))
        for a, b in combinations(shown, 2):
            ea, eb = a.entry, b.entry
            if ea.severity == eb.severity or eb.id in ea.see_also or (ea.id, eb.id) in reported:
                continue
            shared = sorted(t for t in set(ea.tags) & set(eb.tags) if tag_count[t] == 2)
            if shared:
                reported.add((ea.id, eb.id))
                yield Problem(a.file, a.line_of("severity"), "severity",
                              f"与 {eb.id!r}（{b.file}:{b.line}）同属“{shared[0]}”，在 {profile} 的规范里"
                              f"严重程度却不同（{ea.severity} / {eb.severity}）：统一严重程度，"
                              "或用 see_also 互相链接说明两者的区别", warning=True)


def check_links(kb: KB) -> Iterator[Problem]:
    yield from check_see_also(kb.entries)
    yield from check_operators(kb)
    yield from check_aliases(kb.entries)
    yield from check_profile_conflicts(kb)
