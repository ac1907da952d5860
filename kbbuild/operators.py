"""Operator profiles: whose norm an entry is, and which entries a deployment of one operator shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# An entry for every operator (a generic call-center SOP, or an editor widening an entry).
GENERAL = "通用"


def doc_operators(sources: Any | None) -> dict[str, str]:
    """Operator of each source document (kb/sources.yaml); a document without one is general."""
    if sources is None:
        return {}
    return {s.doc: s.operator or GENERAL for s in sources.sources}


def entry_operators(entry: Any, by_doc: Mapping[str, str]) -> tuple[str, ...]:
    """The entry's own `operator`, else its sources' operators; general when nothing says otherwise."""
    if entry.operator:
        ops = list(entry.operator)
    else:
        ops = [by_doc.get(s.doc, GENERAL) for s in entry.sources]
    ops = list(dict.fromkeys(ops))
    return (GENERAL,) if GENERAL in ops or not ops else tuple(ops)


def profiles(by_doc: dict[str, str]) -> list[str]:
    """The operator profiles a deployment may choose: every named operator, general excluded."""
    return sorted({op for op in by_doc.values() if op != GENERAL})


def visible(operators: Iterable[str], profile: str | None) -> bool:
    """An entry shows in a profile when it is that operator's or general; no profile shows everything."""
    ops = tuple(operators)
    return profile is None or GENERAL in ops or profile in ops


def operator_label(operators: Iterable[str]) -> str:
    return "、".join(operators)
