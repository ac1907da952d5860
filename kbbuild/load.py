"""Read the KB's YAML files into validated models, yielding a Problem for everything wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .model import CLOCK_PATTERN, Entry, Lookalikes, SourceRegistry, Vocabulary
from .problems import Problem
from .workcalendar import WorkCalendar

MAX_FILE_BYTES = 1_000_000
VOCABULARY_FILE = "vocabulary.yaml"
SOURCES_FILE = "sources.yaml"
LOOKALIKES_FILE = "lookalikes.yaml"
CALENDAR_FILE = "calendar.yaml"  # the working calendar of 个工作小时 / 工作日 limits (workcalendar.py)
SPECIAL_FILES = {VOCABULARY_FILE, SOURCES_FILE, LOOKALIKES_FILE, CALENDAR_FILE}

_ENTRY: TypeAdapter[Any] = TypeAdapter(Entry)


@dataclass(frozen=True)
class Located:
    """An entry with the place it was read from."""

    entry: Any  # one of the entry models
    file: str
    line: int
    node: yaml.Node = field(repr=False, compare=False)

    def line_of(self, *path: str | int) -> int:
        return node_line(self.node, path)


@dataclass(frozen=True)
class IdRef:
    id: str
    file: str
    line: int


@dataclass
class KB:
    entries: list[Located]
    vocabulary: Vocabulary
    sources: SourceRegistry | None
    problems: list[Problem]
    invalid_ids: list[IdRef] = field(default_factory=list)
    lookalikes: list[str] = field(default_factory=list)
    lookalikes_file: str = LOOKALIKES_FILE
    lookalikes_node: yaml.Node | None = field(default=None, repr=False)
    lookalike_places: list[tuple[str, int]] = field(default_factory=list)  # (key, index) of each look-alike
    unparsed_ids: set[str] = field(default_factory=set)  # ids seen in files whose YAML does not parse
    calendar: WorkCalendar = field(default_factory=WorkCalendar)  # the defaults when kb/ has none

    def lookalike_where(self, i: int) -> tuple[int, str]:
        """Line and field name (lookalikes[3], neutral[7]) of the i-th correct utterance."""
        key, n = self.lookalike_places[i] if i < len(self.lookalike_places) else ("lookalikes", i)
        line = node_line(self.lookalikes_node, [key, n]) if self.lookalikes_node is not None else 1
        return line, f"{key}[{n}]"

    def id_refs(self) -> list[IdRef]:
        """Where every id is defined, valid entries and invalid ones alike."""
        refs = [IdRef(loc.entry.id, loc.file, loc.line_of("id")) for loc in self.entries]
        return sorted(refs + self.invalid_ids, key=lambda r: (r.file, r.line))

    def by_id(self) -> dict[str, Any]:
        return {loc.entry.id: loc.entry for loc in self.entries}


def node_line(node: yaml.Node, path: tuple[str | int, ...] | list[str | int]) -> int:
    """1-based line of the deepest node along `path` (keys and list indexes)."""
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value if part != path[-1] else key
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def format_path(loc: tuple[str | int, ...] | list[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(entry)"


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; see docs/editing.md for the fields of each type)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}, not {err.get('input')!r}"
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length", 1) <= 1 else err["msg"].lower()
    if kind == "list_type":
        return "must be a list (one item per line, each starting with '- ')"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping of fields (key: value)"
    if kind == "string_type":
        return f"must be text, not {type(err.get('input')).__name__}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return f"must be a number, not {err.get('input')!r}"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"must be a date like 2026-11-23, not {err.get('input')!r}"
    if kind == "too_short":
        return "needs at least one item"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == CLOCK_PATTERN:
            return f"{err.get('input')!r} is not a time of day like 07:00 or 22:30 (00:00–23:59)"
        return f"{err.get('input')!r} is not ASCII kebab-case (a-z, 0-9 and single hyphens)"
    if kind == "finite_number":
        return f"must be a finite number, not {err.get('input')!r}"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r}; use one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "required field is missing"
    return str(err["msg"]).removeprefix("Value error, ")


def _dup_keys(node: yaml.Node, rel: str) -> Iterator[Problem]:
    # PyYAML silently keeps the last of two equal keys; an editor would lose data without noticing.
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if key.value in seen:
                yield Problem(rel, key.start_mark.line + 1, str(key.value),
                              f"duplicate key (first at line {seen[key.value]})")
            else:
                seen[key.value] = key.start_mark.line + 1
            yield from _dup_keys(value, rel)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _dup_keys(item, rel)


_ID_LINE = re.compile(r"^\s*-?\s*id:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)
MAX_DEPTH = 40  # an entry nests 4 levels; anything far deeper is a mistake or an attack


class KBLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (*name: the KB needs none, and an alias bomb expands 10⁹-fold)
    and nesting deeper than MAX_DEPTH (PyYAML composes recursively: 500 levels end in RecursionError)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in the KB: write the "
                                              "value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def parse_yaml(path: Path, rel: str) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """Safely parse one YAML file; returns (data, root node, problems)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, None, [Problem(rel, 1, "(file)", f"cannot read: {exc.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, None, [Problem(rel, 1, "(file)", f"file is {len(raw):,} bytes; the limit is "
                                    f"{MAX_FILE_BYTES:,}: split it into several files")]
    if b"\x00" in raw:
        return None, None, [Problem(rel, 1, "(file)", "binary file (contains NUL bytes), not YAML text")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, None, [Problem(rel, line, "(file)", "not valid UTF-8: save the file as UTF-8")]
    loader = KBLoader(text)  # safe: no python/object tags can construct anything
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        return None, None, [Problem(rel, mark.line + 1 if mark else 1, "(yaml)",
                                    "YAML tags that construct objects are not allowed; write plain data "
                                    f"({exc.problem})")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(filter(None, [exc.context, exc.problem]))
        return None, None, [Problem(rel, line, "(yaml)", f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, None, [Problem(rel, 1, "(yaml)", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    return data, node, list(_dup_keys(node, rel)) if node is not None else []


def validate_model(model: type[BaseModel] | TypeAdapter[Any], data: Any, node: yaml.Node,
                   rel: str, prefix: tuple[str | int, ...] = ()) -> tuple[Any, list[Problem]]:
    """Validate `data` against a model; map each error back to its YAML line."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data), []
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            if isinstance(model, TypeAdapter) and loc and loc[0] in (
                    "script", "process", "forbidden", "escalation", "rule"):
                loc = loc[1:]  # drop the discriminator tag pydantic puts first
            loc = [p for p in loc if not (isinstance(p, str) and p.startswith(("function-", "str")))]
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                loc = ["type"]
            line = node_line(node, loc)
            field_name = format_path(list(prefix) + loc) if loc else format_path(list(prefix))
            problems.append(Problem(rel, line, field_name, _message(dict(err))))
        return None, problems


def load_entries(path: Path, rel: str, invalid: list[IdRef],
                 unparsed: set[str]) -> tuple[list[Located], list[Problem]]:
    data, node, problems = parse_yaml(path, rel)
    if node is None:
        if not problems:
            problems.append(Problem(rel, 1, "(file)", "empty file: write an entry or a list of entries"))
        elif problems[0].field == "(yaml)":  # YAML that does not parse: its ids exist for the editor
            unparsed.update(_ID_LINE.findall(path.read_text("utf-8", errors="replace")))
        return [], problems
    items = list(zip(data, node.value, strict=True)) if isinstance(data, list) else [(data, node)]
    entries: list[Located] = []
    for item, item_node in items:
        if not isinstance(item, dict):
            problems.append(Problem(rel, item_node.start_mark.line + 1, "(entry)",
                                    "an entry must be a mapping of fields (id: …, type: …)"))
            continue
        entry, errs = validate_model(_ENTRY, item, item_node, rel)
        problems.extend(errs)
        if entry is not None:
            entries.append(Located(entry, rel, item_node.start_mark.line + 1, item_node))
        elif isinstance(item.get("id"), str):
            # Keep the id of an invalid entry so duplicates are still reported in both places.
            invalid.append(IdRef(item["id"], rel, node_line(item_node, ["id"])))
    return entries, problems


def _load_special(path: Path, rel: str, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    data, node, problems = parse_yaml(path, rel)
    if node is None:
        return None, problems or [Problem(rel, 1, "(file)", "empty file")]
    obj, errs = validate_model(model, data, node, rel)
    return obj, problems + errs


def shown_as(kb_dir: Path, cwd: Path | None) -> Path:
    """How messages name the KB folder: relative to the working directory when the KB is under it,
    otherwise as given (a copy elsewhere must never be named like the KB in the working directory)."""
    if cwd is not None and kb_dir.resolve().is_relative_to(cwd.resolve()):
        return kb_dir.resolve().relative_to(cwd.resolve())
    return kb_dir if cwd is not None else Path(kb_dir.resolve().name)


def load_kb(kb_dir: Path, cwd: Path | None = None) -> KB:
    """Read every YAML file under kb_dir; never raises on bad content."""
    entries: list[Located] = []
    problems: list[Problem] = []
    invalid: list[IdRef] = []
    unparsed: set[str] = set()
    shown = shown_as(kb_dir, cwd)
    kb_dir = kb_dir.resolve()

    def display(path: Path) -> str:
        return (shown / path.relative_to(kb_dir)).as_posix()

    for path in sorted(p for p in kb_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
        rel = display(path)
        if path.parent == kb_dir and path.name in SPECIAL_FILES:
            continue
        found, errs = load_entries(path, rel, invalid, unparsed)
        entries.extend(found)
        problems.extend(errs)
    vocabulary, sources = Vocabulary(), None
    vpath, spath = kb_dir / VOCABULARY_FILE, kb_dir / SOURCES_FILE
    if vpath.exists():
        vocab, errs = _load_special(vpath, display(vpath), Vocabulary)
        vocabulary = vocab or vocabulary
        problems.extend(errs)
    lpath = kb_dir / LOOKALIKES_FILE
    lookalikes: list[str] = []
    places: list[tuple[str, int]] = []
    lrel, lnode = display(lpath), None
    if lpath.exists():
        data, lnode, errs = parse_yaml(lpath, lrel)
        if lnode is not None:
            obj, more = validate_model(Lookalikes, data, lnode, lrel)
            errs += more
            if obj:
                lookalikes = [*obj.lookalikes, *obj.neutral]
                places = [("lookalikes", i) for i in range(len(obj.lookalikes))]
                places += [("neutral", i) for i in range(len(obj.neutral))]
        problems.extend(errs)
    if spath.exists():
        sources, errs = _load_special(spath, display(spath), SourceRegistry)
        problems.extend(errs)
    else:
        problems.append(Problem(display(spath), 1, "(file)",
                                "missing: list the source documents entries may cite"))
    calendar, cpath = WorkCalendar(), kb_dir / CALENDAR_FILE
    if cpath.exists():
        found_calendar, errs = _load_special(cpath, display(cpath), WorkCalendar)
        calendar = found_calendar or calendar
        problems.extend(errs)
    return KB(entries, vocabulary, sources, problems, invalid, lookalikes, lrel, lnode, places, unparsed,
              calendar)
