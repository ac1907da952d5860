"""What changed between builds: entries added, changed (which fields) and removed, kept as a history.

The data stage compares this build's entry records with the published release's `entries.json` and
writes `changes.json` (this build's changes on top of the previous release's history), so the server
answers /api/changes from the artifact alone and never reads kb/.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

CHANGES_FILE = "changes.json"
# Field names as editors read them (docs/editing.md); a field not listed is shown by its YAML name.
FIELD_LABELS = {
    "title": "标题", "summary": "概述", "channels": "渠道", "tags": "标签", "questions": "相似问法",
    "sources": "出处", "related": "相关", "notes": "备注", "owner": "负责人", "reviewed": "复核日期",
    "review_every": "复核周期", "when": "情形", "say": "话术", "then": "然后", "audience": "适用客户",
    "steps": "步骤", "phrases": "禁用说法", "behaviour": "禁止行为", "instead": "推荐说法",
    "instead_scripts": "推荐话术", "why": "原因", "severity": "严重程度", "examples": "违规示例",
    "allow": "相近说法", "match": "匹配方式", "trigger": "何时升级", "path": "升级路径",
    "authorised": "决定权", "ticket": "工单", "statement": "规则", "limits": "时限与数值",
    "windows": "时段", "url": "链接", "type": "类型",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)
KEEP_BUILDS = 200  # builds with changes kept in the history (the oldest are dropped)


def diff(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Ids added and removed, and for each changed entry the fields whose values differ."""
    before = {r["id"]: r for r in old}
    after = {r["id"]: r for r in new}
    changed = {}
    for id_, rec in after.items():
        if id_ in before and rec != before[id_]:
            keys = set(rec) | set(before[id_])
            changed[id_] = sorted(k for k in keys if rec.get(k) != before[id_].get(k))
    return {"added": sorted(after.keys() - before.keys()), "changed": dict(sorted(changed.items())),
            "removed": sorted(before.keys() - after.keys())}


def _read(release: Path) -> tuple[Path, list[dict[str, Any]], dict[str, Any] | None] | None:
    try:
        old = json.loads((release / "entries.json").read_text("utf-8"))
        changes = release / CHANGES_FILE
        prior = json.loads(changes.read_text("utf-8")) if changes.is_file() else None
    except (OSError, ValueError):
        return None
    return (release, old, prior) if isinstance(old, list) and isinstance(prior, dict | None) else None


def _readable(previous: Path | None) -> tuple[Path, list[dict[str, Any]], dict[str, Any] | None] | None:
    """The published release, or when its files cannot be read (a damaged build the server refused) the
    newest other release that can: the changes are counted from what agents were last shown."""
    if previous is None:
        return None
    others = sorted((p for p in previous.parent.iterdir() if p.is_dir() and not p.name.startswith(".")
                     and p != previous), key=lambda p: p.name, reverse=True) if previous.parent.is_dir() else []
    for release in (previous, *others):
        if (found := _read(release)) is not None:
            return found
    return None


def next_history(records: Sequence[Mapping[str, Any]], previous: Path | None, build_id: str,
                 created: str) -> dict[str, Any]:
    """This build's changes.json: the previous release's history plus what changed since it."""
    history: list[dict[str, Any]] = []
    found = _readable(previous)
    if found is None:
        # The first build has nothing to compare with: it is the baseline, not 200 new entries.
        return {"build_id": build_id, "baseline": build_id, "builds": history}
    previous, old, prior = found
    base = previous.name
    if prior is not None:
        history, base = list(prior.get("builds", [])), prior.get("baseline", base)
    titles = {r["id"]: r.get("title", "") for r in old} | {r["id"]: r.get("title", "") for r in records}
    change = diff(old, records)
    if any(change.values()):
        history.insert(0, {"build_id": build_id, "created": created, "previous": previous.name,
                           **change, "titles": {i: titles[i] for i in _ids(change)}})
    return {"build_id": build_id, "baseline": base, "builds": history[:KEEP_BUILDS]}


def _ids(change: Mapping[str, Any]) -> list[str]:
    return [*change["added"], *change["changed"], *change["removed"]]


def write_changes(records: Sequence[Mapping[str, Any]], previous: Path | None, out: Path,
                  manifest: Mapping[str, Any]) -> dict[str, Any]:
    history = next_history(records, previous, manifest["build_id"], manifest["created"])
    (out / CHANGES_FILE).write_text(json.dumps(history, ensure_ascii=False), "utf-8")
    latest = history["builds"][0] if history["builds"] and history["builds"][0]["build_id"] == manifest["build_id"] \
        else None
    return {"changes": {k: len(latest[k]) for k in ("added", "changed", "removed")} if latest else
            {"added": 0, "changed": 0, "removed": 0}}


def parse_since(since: str) -> tuple[str, str]:
    """("build", id) for a build id, ("date", ISO date or time) for a date; ValueError otherwise."""
    text = since.strip()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        if text[:8].isdigit() and "-" in text:  # build ids start with their UTC time: 20261201-114500-…
            return "build", text
        raise ValueError(f"since: a build id (20261201-114500-…) or a date (2026-12-01), not {since!r}") from None
    return "date", text


def changes_since(history: Mapping[str, Any], since: str | None) -> list[dict[str, Any]]:
    """The builds with changes after a build id (ids sort by time) or from a date on; newest first."""
    builds = list(history.get("builds", []))
    if since is None:
        return builds
    kind, value = parse_since(since)
    if kind == "build":
        return [b for b in builds if b["build_id"] > value]
    start = datetime.fromisoformat(value)
    return [b for b in builds if _created(b, start) >= start]


def _created(build: Mapping[str, Any], like: datetime) -> datetime:
    when = datetime.fromisoformat(build["created"])
    if like.tzinfo is None:  # a bare date: compare calendar times as written (UTC)
        return when.replace(tzinfo=None)
    return when


def summarize(builds: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per entry, its latest state over these builds: added, changed (fields, merged) or removed."""
    state: dict[str, dict[str, Any]] = {}
    for b in reversed(list(builds)):  # oldest first, so the newest state wins
        for id_ in b["added"]:
            state[id_] = {"change": "added", "fields": [], "build_id": b["build_id"], "created": b["created"]}
        for id_, fields in b["changed"].items():
            prior = state.get(id_)
            kind = "added" if prior and prior["change"] == "added" else "changed"
            merged = sorted(set(fields) | set(prior["fields"] if prior else []))
            state[id_] = {"change": kind, "fields": merged if kind == "changed" else [],
                          "build_id": b["build_id"], "created": b["created"]}
        for id_ in b["removed"]:
            state[id_] = {"change": "removed", "fields": [], "build_id": b["build_id"], "created": b["created"]}
        for id_, title in b.get("titles", {}).items():
            if id_ in state:
                state[id_]["title"] = title
    rank = {"added": 0, "changed": 1, "removed": 2}
    ordered = sorted(state.items(), key=lambda kv: (rank[kv[1]["change"]], kv[0]))
    return dict(sorted(ordered, key=lambda kv: kv[1]["created"], reverse=True))  # newest first, stable


def recent(history: Mapping[str, Any], now: datetime, days: int) -> dict[str, dict[str, Any]]:
    """Entries added or changed in the last `days` (the 更新 badge); removed ones are left out."""
    start = now - timedelta(days=days)
    builds = [b for b in history.get("builds", []) if datetime.fromisoformat(b["created"]) >= start]
    return {i: s for i, s in summarize(builds).items() if s["change"] != "removed"}


def latest_changes(path: Path | None) -> list[dict[str, Any]]:
    """What the build that wrote `path` (a changes.json) changed since the previous release, for print."""
    if path is None or not path.is_file():
        return []
    history = json.loads(path.read_text("utf-8"))
    builds = history.get("builds", [])
    if not builds or builds[0]["build_id"] != history.get("build_id"):
        return []
    return [{"id": i, **s, "fields": [field_label(f) for f in s["fields"]]}
            for i, s in summarize(builds[:1]).items()]
