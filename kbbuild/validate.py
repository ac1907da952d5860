"""Checks across entries: unique ids, references that resolve, sources that exist and quotes found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .lint_duplicates import check_near_duplicates
from .lint_links import check_links
from .lint_quotes import check_quote_length
from .lint_times import check_times
from .load import KB, IdRef, Located
from .model import EXAMPLE_MAX_CHARS, QUESTION_MAX_CHARS
from .problems import Problem
from .text import compact, compact_document

PLACEHOLDER = re.compile(r"[xX]{2,}|\*{2,}|…+")


def check_ids(refs: list[IdRef]) -> Iterator[Problem]:
    first: dict[str, IdRef] = {}
    for ref in refs:
        other = first.setdefault(ref.id, ref)
        if other is not ref:
            yield Problem(ref.file, ref.line, "id", f"duplicate id {ref.id!r}, also at {other.file}:{other.line}")
            yield Problem(other.file, other.line, "id", f"duplicate id {ref.id!r}, also at {ref.file}:{ref.line}")


def check_references(entries: list[Located], broken: set[str] | frozenset[str] = frozenset()) -> Iterator[Problem]:
    """Dangling `related` and `instead_scripts`; ids of entries that failed to load (`broken`) are not
    dangling: their own problem is reported where they are, once."""
    types = {loc.entry.id: loc.entry.type for loc in entries}
    for loc in entries:
        e = loc.entry
        for i, ref in enumerate(e.related):
            if ref == e.id:
                yield Problem(loc.file, loc.line_of("related", i), f"related[{i}]",
                              "an entry cannot be related to itself")
            elif ref not in types and ref not in broken:
                yield Problem(loc.file, loc.line_of("related", i), f"related[{i}]",
                              f"no entry has id {ref!r}")
        for i, ref in enumerate(getattr(e, "instead_scripts", [])):
            if ref in broken and ref not in types:
                continue
            if ref not in types:
                yield Problem(loc.file, loc.line_of("instead_scripts", i), f"instead_scripts[{i}]",
                              f"no entry has id {ref!r}")
            elif types[ref] != "script":
                yield Problem(loc.file, loc.line_of("instead_scripts", i), f"instead_scripts[{i}]",
                              f"{ref!r} is a {types[ref]}, not a script")


def check_sources(kb: KB, seeds_dir: Path | None) -> Iterator[Problem]:
    known = {s.doc for s in kb.sources.sources} if kb.sources else set()
    texts: dict[str, str | None] = {}
    for loc in kb.entries:
        for i, src in enumerate(loc.entry.sources):
            where = f"sources[{i}]"
            if known and src.doc not in known:
                yield Problem(loc.file, loc.line_of("sources", i, "doc"), f"{where}.doc",
                              f"unknown document {src.doc!r}; known: {', '.join(sorted(known))}")
                continue
            if seeds_dir is None:
                continue
            if src.doc not in texts:
                path = seeds_dir / src.doc
                texts[src.doc] = compact_document(path.read_text("utf-8")) if path.is_file() else None
            text = texts[src.doc]
            quote = compact(src.quote)
            if text is not None and quote and quote not in text:
                yield Problem(loc.file, loc.line_of("sources", i, "quote"), f"{where}.quote",
                              f"quote not found in {src.doc} (copy it exactly; only 繁→简 and 旳→的 may change)")
            elif not quote:
                yield Problem(loc.file, loc.line_of("sources", i, "quote"), f"{where}.quote",
                              "quote has no words in it")


def check_vocabulary(kb: KB, vocab_file: str) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, group in enumerate(kb.vocabulary.synonyms):
        for word in group:
            if word in seen and seen[word] != i:
                yield Problem(vocab_file, 1, f"synonyms[{i}]",
                              f"{word!r} is already in synonyms[{seen[word]}]: merge the groups")
            seen[word] = i


def _utterances(kb: KB, field: str, max_chars: int, kind: str) -> Iterator[Problem]:
    """Empty, too long or repeated items of a list of utterances (questions, examples) across the KB."""
    first: dict[str, tuple[str, str, int]] = {}
    for loc in kb.entries:
        for i, text in enumerate(getattr(loc.entry, field, [])):
            where, line = f"{field}[{i}]", loc.line_of(field, i)
            key = compact(text)
            if not key:
                yield Problem(loc.file, line, where, f"empty {kind}: write it or delete the line")
                continue
            if len(text) > max_chars:
                yield Problem(loc.file, line, where, f"{kind} is {len(text)} characters; at most {max_chars}")
            other = first.setdefault(key, (loc.entry.id, loc.file, line))
            if other[1:] != (loc.file, line):
                same = "this entry" if other[0] == loc.entry.id else f"entry {other[0]!r}"
                yield Problem(loc.file, line, where,
                              f"{kind} {text!r} is already in {same} ({other[1]}:{other[2]}); keep it in one place")


def check_questions(kb: KB) -> Iterator[Problem]:
    yield from _utterances(kb, "questions", QUESTION_MAX_CHARS, "question")


def check_examples(kb: KB) -> Iterator[Problem]:
    """Examples like questions; and no utterance may be both a violation and a polite look-alike."""
    yield from _utterances(kb, "examples", EXAMPLE_MAX_CHARS, "example")
    polite: dict[str, int] = {}
    for i, text in enumerate(kb.lookalikes):
        line, where = kb.lookalike_where(i)
        key = compact(text)
        if not key:
            yield Problem(kb.lookalikes_file, line, where, "empty utterance: write it or delete the line")
        elif key in polite:
            yield Problem(kb.lookalikes_file, line, where, f"{text!r} is already at line {polite[key]}")
        else:
            polite[key] = line
    for loc in kb.entries:
        for i, text in enumerate(getattr(loc.entry, "examples", [])):
            if compact(text) in polite:
                yield Problem(loc.file, loc.line_of("examples", i), f"examples[{i}]",
                              f"{text!r} is also a polite look-alike ({kb.lookalikes_file}:{polite[compact(text)]}): "
                              "it cannot be both")


def supported(phrase: str, quotes: list[str]) -> bool:
    """Is a phrase the sources' own wording? Its folded text must be covered, left to right, by pieces
    of 2+ characters of the entry's folded quotes (001's phrase table is scrambled across cells, so a
    wording may run over two quotes); XX placeholders stand for anything."""
    for part in PLACEHOLDER.split(phrase):
        text, i = compact(part), 0
        while i < len(text):
            longest = max((n for n in range(len(text) - i, 0, -1) for q in quotes if text[i : i + n] in q), default=0)
            if longest < min(2, len(text) - i):
                return False
            i += longest
    return True


def check_phrases(kb: KB) -> Iterator[Problem]:
    """A forbidden wording is a norm: it must come from the sources, never be invented."""
    for loc in kb.entries:
        quotes = [compact(s.quote) for s in loc.entry.sources]
        for i, phrase in enumerate(getattr(loc.entry, "phrases", [])):
            if not supported(phrase, quotes):
                yield Problem(loc.file, loc.line_of("phrases", i), f"phrases[{i}]",
                              f"{phrase!r} is not in this entry's quotes: phrases hold the sources' own "
                              "wordings (quote it under sources, or write it as an example)")


def check_lookalikes(kb: KB) -> Iterator[Problem]:
    """A polite look-alike that the phrase list flags would teach the checker two opposite things."""
    from .check.phrases import PhraseMatcher

    matcher = PhraseMatcher([loc.entry.model_dump(mode="json", by_alias=True) for loc in kb.entries])
    for i, text in enumerate(kb.lookalikes):
        for _, _, ph in matcher.find(text)[:1]:
            line, where = kb.lookalike_where(i)
            yield Problem(kb.lookalikes_file, line, where,
                          f"{text!r} contains the forbidden phrase {ph.phrase!r} of {ph.entry_id!r}: "
                          "reword it, or add it to that entry's allow list if it is correct")


_MERGED_ITEM = re.compile(r"[。！？!?；;…]\s+-\s+\S")


def check_folded_lines(entries: list[Located]) -> Iterator[Problem]:
    """Text where YAML folded a mis-indented '- ' line into the line before (…服务！ - 请问…)."""
    import yaml

    def walk(node: yaml.Node, path: list[str | int]) -> Iterator[tuple[list[str | int], yaml.ScalarNode]]:
        if isinstance(node, yaml.ScalarNode):
            yield path, node
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                yield from walk(item, [*path, i])
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                yield from walk(value, [*path, key.value])

    for loc in entries:
        for path, scalar in walk(loc.node, []):
            if scalar.style is None and _MERGED_ITEM.search(scalar.value):
                field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                                for i, p in enumerate(path))
                yield Problem(loc.file, scalar.start_mark.line + 1, field,
                              "a ' - ' inside the text: was the next list item indented too far? YAML joined "
                              "it to this line (put each '- ' under the one before)")


def check_kb(kb: KB, seeds_dir: Path | None = None, vocab_file: str = "kb/vocabulary.yaml") -> list[Problem]:
    """Every problem of a loaded KB, sorted by file and line."""
    problems = list(kb.problems)
    problems += check_ids(kb.id_refs())
    problems += check_references(kb.entries, {ref.id for ref in kb.invalid_ids} | kb.unparsed_ids)
    problems += check_sources(kb, seeds_dir)
    problems += check_vocabulary(kb, vocab_file)
    problems += check_questions(kb)
    problems += check_examples(kb)
    problems += check_phrases(kb)
    problems += check_folded_lines(kb.entries)
    problems += check_lookalikes(kb)
    problems += check_links(kb)
    problems += check_times(kb.entries)
    problems += check_near_duplicates(kb.entries)
    problems += check_quote_length(kb.entries)
    return sorted(set(problems))
