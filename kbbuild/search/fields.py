"""Which text of an entry goes into which search field; computed at build time, stored in the release."""

from __future__ import annotations

from typing import Any

from ..model import CHANNEL_LABELS, TYPE_LABELS

# BM25F field weights: a word in the title or a similar question says more than one in the body.
# Keep in step with FIELDS below and with the field list in docs/editing.md (questions).
WEIGHTS = {"title": 3.0, "tags": 2.0, "questions": 2.0, "situation": 1.5, "say": 1.5, "body": 1.0}
FIELDS = tuple(WEIGHTS)
PASSAGE_CHARS = 300  # what the embedder reads of an entry (e5-small windows anything longer)


def _limit(limit: dict[str, Any] | None) -> str:
    if not limit:
        return ""
    value = limit["value"]
    value = int(value) if value == int(value) else value
    return " ".join(str(x) for x in (limit.get("what"), f"{value}{limit['unit']}", limit.get("condition")) if x)


def say_texts(rec: dict[str, Any]) -> list[str]:
    """The words to say (or not to say) of an entry: what an agent reads aloud."""
    out = list(rec.get("say", []))
    out += rec.get("phrases", []) + rec.get("instead", [])
    for step in rec.get("steps", []):
        out += step.get("say", [])
    return out


def situation_texts(rec: dict[str, Any]) -> list[str]:
    """When the entry applies, as staff meet it."""
    return [rec[k] for k in ("summary", "when", "trigger", "behaviour", "audience") if rec.get(k)]


def body_texts(rec: dict[str, Any]) -> list[str]:
    """Everything else an agent may read: statements, reasons, steps, paths, limits, tickets."""
    out = [rec[k] for k in ("statement", "why", "then", "authorised") if rec.get(k)]
    for step in rec.get("steps", []):
        out += [step.get("who") or "", step["what"], *map(_limit, step.get("within", []))]
    for hop in rec.get("path", []):
        out += [hop["from"], hop["to"], hop.get("how") or "", *map(_limit, hop.get("within", []))]
    out += [_limit(lim) for lim in rec.get("limits", [])]
    out += [f"{w['what']} {w['start']}-{w['end']}" for w in rec.get("windows", [])]
    ticket = rec.get("ticket")
    if ticket:
        out += [ticket["name"], *ticket.get("fields", []), ticket.get("template") or ""]
    return [t for t in out if t]


def field_texts(rec: dict[str, Any]) -> dict[str, list[str]]:
    """The texts of each search field of one entry record (the JSON the API serves).

    Editors' `notes` are in no field: they are for editors, not agents.
    """
    labels = [TYPE_LABELS[rec["type"]], *(CHANNEL_LABELS[c] for c in rec["channels"])]
    return {
        "title": [rec["title"]],
        "tags": [*rec.get("tags", []), *labels],
        "questions": list(rec.get("questions", [])),
        "situation": situation_texts(rec),
        "say": say_texts(rec),
        "body": body_texts(rec),
    }


def passage(texts: dict[str, list[str]]) -> str:
    """The entry as one passage for the embedder: title, situation, words to say, statement."""
    parts = texts["title"] + texts["situation"] + texts["say"] + texts["body"][:1]
    return "；".join(parts)[:PASSAGE_CHARS]
