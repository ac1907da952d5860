"""How fresh each entry is, as the site shows it: 最后复核, 待复核, 更新 badges and the 最近更新 page (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .changes import field_label, summarize
from .pages import entry_href, esc
from .review import review_of

CHANGES_PAGE = "changes.md"  # keep in step with the nav in mkdocs.yml
CHANGE_LABELS = {"added": "新增", "changed": "修改", "removed": "删除"}


def entry_badges(entries: Sequence[Any], today: dt.date, review_days: Mapping[str, int],
                 recent: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Per entry id, the HTML line under its meta: last review, 待复核 when overdue, 更新 when recent."""
    out = {}
    for e in entries:
        r = review_of(e, today, review_days)
        parts = [f'<span class="kb-reviewed">最后复核：{esc(r.reviewed) if r.reviewed else "未记录"}</span>']
        if r.overdue:
            parts.append(f'<span class="kb-badge kb-stale" title="复核周期 {r.interval_days} 天，'
                         f'已逾期 {r.overdue_days} 天">待复核</span>')
        if e.id in recent:
            change = recent[e.id]
            fields = "、".join(field_label(f) for f in change.get("fields", []))
            what = f"{CHANGE_LABELS[change['change']]}于 {esc(change['created'][:10])}"
            what += f"：{esc(fields)}" if fields else ""
            parts.append(f'<span class="kb-badge kb-updated" title="{what}">更新</span>')
        if e.owner:
            parts.append(f'<span class="kb-owner">负责人：{esc(e.owner)}</span>')
        out[e.id] = f'<p class="kb-fresh">{" ".join(parts)}</p>\n'
    return out


def render_changes_page(history: Mapping[str, Any], entries: Sequence[Any], badge_days: int = 14,
                        limit: int = 50) -> str:
    """最近更新: the last builds that changed something, newest first, each change linked to its entry."""
    by_id = {e.id: e for e in entries}
    out = ("# 最近更新\n\n每次发布与上一版相比新增、修改和删除的条目"
           f"（最近 {badge_days} 天内变动的条目在页面和速查工具中带“更新”标记）。\n\n")
    builds = list(history.get("builds", []))[:limit]
    if not builds:
        return out + "暂无更新记录（这是第一次发布，或此后内容没有变化）。\n"
    for b in builds:
        out += f"## {esc(b['created'][:16].replace('T', ' '))} {{#build-{esc(b['build_id'][:15])}}}\n\n"
        items = []
        for id_, s in summarize([b]).items():
            title = s.get("title") or id_
            name = f'<a href="{esc(entry_href(by_id[id_], 1))}">{esc(title)}</a>' if id_ in by_id else esc(title)
            fields = "、".join(field_label(f) for f in s["fields"])
            items.append(f'<li><span class="kb-badge kb-change-{s["change"]}">{CHANGE_LABELS[s["change"]]}</span>'
                         f'{name}' + (f'<span class="kb-hint">{esc(fields)}</span>' if fields else "") + "</li>")
        out += '<ul class="kb-list kb-changes">\n' + "\n".join(items) + "\n</ul>\n\n"
    return out
