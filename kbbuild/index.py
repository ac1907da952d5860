"""The Whoosh index: which text of an entry goes into which field, and writing the index."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import fields, index
from whoosh.filedb.filestore import FileStorage, Storage

from .analysis import BigramTokenizer, PinyinBigramTokenizer, PinyinTokenizer, WordTokenizer, use_vocabulary
from .model import CHANNEL_LABELS, TYPE_LABELS, Vocabulary

# Field boosts: the head (title, tags, words to say) weighs more than body text. Two text fields, not
# one per part: each extra field multiplies the matchers a query builds (10k-entry p99, see bench/).
BOOSTS = {"head": 3.0, "body": 1.0}
INDEX_NAME = "norms"


def make_schema() -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        type=fields.ID(stored=True),
        channels=fields.KEYWORD(stored=True, commas=True),
        py=fields.TEXT(analyzer=PinyinTokenizer(), phrase=False, field_boost=2.0),
        pyb=fields.TEXT(analyzer=PinyinBigramTokenizer(), phrase=False, field_boost=0.5),
    )
    # No positions: exact phrases are re-ranked on the top candidates (search_api/release.py), which
    # is far cheaper than Whoosh phrase matchers over common bigrams.
    for name, boost in BOOSTS.items():
        schema.add(name, fields.TEXT(analyzer=WordTokenizer(), phrase=False, field_boost=boost))
        schema.add(f"{name}_bi", fields.TEXT(analyzer=BigramTokenizer(), phrase=False, field_boost=boost))
    return schema


def _limit(limit: dict[str, Any] | None) -> str:
    if not limit:
        return ""
    value = limit["value"]
    value = int(value) if value == int(value) else value
    return " ".join(str(x) for x in (limit.get("what"), f"{value}{limit['unit']}") if x)


def say_texts(rec: dict[str, Any]) -> list[str]:
    """The words to say (or not to say) of an entry: what an agent reads aloud."""
    out = list(rec.get("say", []))
    out += rec.get("phrases", []) + rec.get("instead", [])
    for step in rec.get("steps", []):
        out += step.get("say", [])
    return out


def body_texts(rec: dict[str, Any]) -> list[str]:
    keys = ("summary", "when", "then", "audience", "statement", "trigger", "authorised", "why",
            "behaviour", "notes")
    out = [rec[k] for k in keys if rec.get(k)]
    for step in rec.get("steps", []):
        out += [step.get("who") or "", step["what"], _limit(step.get("within"))]
    for hop in rec.get("path", []):
        out += [hop["from"], hop["to"], hop.get("how") or "", _limit(hop.get("within"))]
    out += [_limit(lim) for lim in rec.get("limits", [])]
    out += [f"{w['what']} {w['start']}-{w['end']}" for w in rec.get("windows", [])]
    ticket = rec.get("ticket")
    if ticket:
        out += [ticket["name"], *ticket.get("fields", []), ticket.get("template") or ""]
    return [t for t in out if t]


def head_texts(rec: dict[str, Any]) -> list[str]:
    """Title, tags, type and channel names (an agent types 服务禁语 or 营业厅), and the words to say."""
    labels = [TYPE_LABELS[rec["type"]], *(CHANNEL_LABELS[c] for c in rec["channels"])]
    return [rec["title"], " ".join([*rec.get("tags", []), *labels]), *say_texts(rec)]


def document(rec: dict[str, Any]) -> dict[str, Any]:
    """The Whoosh document of one entry record (the JSON the API serves)."""
    heads = head_texts(rec)
    head, title_tags = "\n".join(heads), "\n".join(heads[:2])
    body = "\n".join(body_texts(rec))
    return {
        "id": rec["id"], "type": rec["type"], "channels": ",".join(rec["channels"]),
        "head": head, "head_bi": head, "body": body, "body_bi": body,
        "py": "\n".join([title_tags, *rec.get("phrases", [])]),
        "pyb": head,
    }


def write_index(records: Iterable[dict[str, Any]], storage: Storage) -> None:
    """Write all records into a fresh index on `storage` (a FileStorage or RamStorage)."""
    ix = storage.create_index(make_schema(), indexname=INDEX_NAME)
    with ix.writer() as writer:
        for rec in records:
            writer.add_document(**document(rec))


def build_index(entries: list[Any], vocabulary: Vocabulary, index_dir: Path) -> None:
    from .build import entry_record

    use_vocabulary(vocabulary)
    index_dir.mkdir(parents=True, exist_ok=True)
    write_index((entry_record(e) for e in entries), FileStorage(str(index_dir)))


def open_index(index_dir: Path) -> index.Index:
    return index.open_dir(str(index_dir), indexname=INDEX_NAME)
