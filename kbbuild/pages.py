"""Render the generated site pages (type, channel, tag, source pages) as Markdown strings; no file I/O.

Every string that comes from the YAML goes through `esc` (HTML) or `md_heading` (HTML + Markdown)
before it reaches a page: entries may contain markup such as `<script>`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .model import CHANNEL_LABELS, CHANNELS, SEVERITY_LABELS, TYPE_LABELS, TYPES, SourceRegistry
from .operators import doc_operators, entry_operators, operator_label
from .text import unquoted
from .urls import TYPE_PAGES, entry_path

TYPE_INTROS = {
    "script": "坐席在各情形下照说的标准话术。每条话术可一键复制。",
    "process": "按步骤执行的业务流程，注明执行人和时限。",
    "forbidden": "禁止使用的说法和行为，以及推荐的替代说法。标红的是高压线。",
    "escalation": "何时升级、逐级报给谁、多长时间内完成，以及工单要填的内容。",
    "rule": "有硬性数值的规则：接通时长、回复时限、次数等。",
}
MULTI_CHANNEL = "多渠道通用"
BOUND_LABELS = {"max": "不超过", "min": "不少于", "exact": "恰为"}
# Python-Markdown's backslash-escapable characters (ESCAPED_CHARS) that could change a heading.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")

ById = Mapping[str, Any]


def esc(text: object) -> str:
    """HTML-escape any YAML-derived value."""
    return html.escape(str(text), quote=True)


def md_heading(text: str) -> str:
    """Escape a YAML string for use as Markdown heading text (HTML entities, then Markdown syntax)."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text).replace("\n", " "))


def entry_href(entry: Any, depth: int) -> str:
    """Relative link to an entry's canonical place from a page `depth` folders deep."""
    return "../" * depth + entry_path(entry.type, entry.id)


def _para(cls: str, label: str, text: str | None) -> str:
    if not text:
        return ""
    return f'<p class="{cls}"><span class="kb-label">{label}</span>{esc(text)}</p>\n'


def _say_blocks(says: Sequence[str]) -> str:
    out = []
    for i, say in enumerate(says, 1):
        label = f'<span class="kb-say-label">说法 {i}</span>' if len(says) > 1 else ""
        out.append(f'<div class="kb-say" data-kb-copy>{label}'
                   f'<blockquote class="kb-say-text">{esc(say)}</blockquote></div>\n')
    return "".join(out)


def _limit_badge(limit: Any) -> str:
    bound = BOUND_LABELS[limit.bound]
    what = f'<span class="kb-limit-what">{esc(limit.what)}</span>' if limit.what else ""
    if limit.condition:
        what += f'<span class="kb-cond">{esc(limit.condition)}</span>'
    return (f'<span class="kb-limit-item">{what}<span class="kb-bound">{bound}</span>'
            f'<span class="kb-limit">{esc(limit.label())}</span></span>')


def _limits_para(entry: Any) -> str:
    if not entry.limits:
        return ""
    return f'<p class="kb-limits">{"".join(_limit_badge(x) for x in entry.limits)}</p>\n'


def _within(limits: list[Any]) -> str:
    """Time-limit badges of a step or hop, each with its condition (紧急 1 个工作小时内)."""
    out = []
    for limit in limits:
        cond = f'<span class="kb-cond">{esc(limit.condition)}</span>' if limit.condition else ""
        what = f' title="{esc(limit.what)}"' if limit.what else ' title="时限"'
        out.append(f'<span class="kb-limit"{what}>{cond}{esc(limit.label())}内</span>')
    return "".join(out)


def _meta(entry: Any, operators: Sequence[str] = ()) -> str:
    parts = [f'<span class="kb-op" title="适用单位">{esc(op)}</span>' for op in operators]
    parts += [f'<span class="kb-chan">{CHANNEL_LABELS[c]}</span>' for c in entry.channels]
    parts += [f'<span class="kb-tag">#{esc(t)}</span>' for t in entry.tags]
    if entry.type == "forbidden":
        label = SEVERITY_LABELS[entry.severity]
        parts.insert(0, f'<span class="kb-sev kb-sev-{entry.severity}">{label}</span>')
    return f'<p class="kb-meta">{" ".join(parts)}</p>\n'


def _link(entry: Any, depth: int) -> str:
    return f'<a href="{esc(entry_href(entry, depth))}">{esc(entry.title)}</a>'


def render_sources(entry: Any, sources: SourceRegistry | None) -> str:
    """The entry's sources: the registry's document title and the quote."""
    titles = {s.doc: s.title for s in sources.sources} if sources else {}
    items = "".join(
        f'<li><cite>{esc(titles.get(s.doc, s.doc))}</cite>：<q>{esc(unquoted(s.quote))}</q></li>'
        for s in entry.sources)
    return f'<div class="kb-sources"><span class="kb-label">出处</span><ul>{items}</ul></div>\n'


def render_related(entry: Any, by_id: ById, depth: int) -> str:
    links = [_link(by_id[r], depth) for r in entry.related if r in by_id]
    if not links:
        return ""
    return f'<p class="kb-related"><span class="kb-label">相关</span>{"、".join(links)}</p>\n'


def render_script(entry: Any, by_id: ById, depth: int) -> str:
    return (_para("kb-when", "情形", entry.when) + _para("kb-audience", "适用客户", entry.audience)
            + _say_blocks(entry.say) + _para("kb-then", "然后", entry.then))


def render_process(entry: Any, by_id: ById, depth: int) -> str:
    steps = []
    for step in entry.steps:
        who = f'<span class="kb-who">{esc(step.who)}</span>' if step.who else ""
        meta = f'<span class="kb-step-meta">{who}{_within(step.within)}</span>' if who or step.within else ""
        what = f'<p class="kb-step-what">{meta}{esc(step.what)}</p>'
        steps.append(f"<li>{what}\n{_say_blocks(step.say)}</li>\n")
    return _para("kb-when", "情形", entry.when) + f'<ol class="kb-steps">\n{"".join(steps)}</ol>\n'


def render_forbidden(entry: Any, by_id: ById, depth: int) -> str:
    bad = "".join(f"<li>{esc(p)}</li>" for p in entry.phrases)
    if entry.behaviour:
        bad += f'<li class="kb-behaviour">{esc(entry.behaviour)}</li>'
    good = "".join(f"<li>{esc(i)}</li>" for i in entry.instead)
    for ref in entry.instead_scripts:
        if ref in by_id:
            script = by_id[ref]
            say = getattr(script, "say", None) or [""]
            good += f'<li>{esc(say[0])}<br><small>见话术：{_link(script, depth)}</small></li>'
    allow = ""
    if entry.allow:
        allow = _para("kb-allow", "不算禁语的相近说法", "；".join(entry.allow))
    return (f'<div class="kb-vs">'
            f'<div class="kb-bad"><p class="kb-col-h">禁用</p><ul>{bad}</ul></div>'
            f'<div class="kb-good"><p class="kb-col-h">推荐</p><ul>{good}</ul></div></div>\n'
            + _para("kb-why", "原因", entry.why) + allow)


def render_escalation(entry: Any, by_id: ById, depth: int) -> str:
    hops = []
    for hop in entry.path:
        how = f'<span class="kb-how">{esc(hop.how)}</span>' if hop.how else ""
        hops.append(f'<li><span class="kb-node">{esc(hop.from_)}</span><span class="kb-arrow">→</span>'
                    f'<span class="kb-node">{esc(hop.to)}</span>{_within(hop.within)}{how}</li>')
    out = (_para("kb-trigger", "何时升级", entry.trigger)
           + f'<ol class="kb-chain">{"".join(hops)}</ol>\n'
           + _para("kb-authorised", "决定权", entry.authorised))
    if entry.ticket:
        t = entry.ticket
        fields = "".join(f"<li>{esc(f)}</li>" for f in t.fields)
        out += (f'<div class="kb-ticket"><p><span class="kb-label">工单</span>{esc(t.name)}</p>'
                + (f'<ul class="kb-fields">{fields}</ul>' if fields else "")
                + (f'<div class="kb-say" data-kb-copy><blockquote class="kb-say-text kb-template">'
                   f'{esc(t.template)}</blockquote></div>' if t.template else "")
                + "</div>\n")
    return out


def render_rule(entry: Any, by_id: ById, depth: int) -> str:
    out = f'<blockquote class="kb-statement">{esc(entry.statement)}</blockquote>\n'
    out += _limits_para(entry)
    for w in entry.windows:
        out += (f'<p class="kb-window"><span class="kb-limit">{esc(w.start)}–{esc(w.end)}</span>'
                f'{esc(w.what)}</p>\n')
    return out


RENDERERS = {
    "script": render_script,
    "process": render_process,
    "forbidden": render_forbidden,
    "escalation": render_escalation,
    "rule": render_rule,
}


def render_see_also(entry: Any, by_id: ById, depth: int, by_doc: Mapping[str, str]) -> str:
    """Entries giving different guidance for the same situation: other organisations' first."""
    mine = set(entry_operators(entry, by_doc))
    other_org: list[str] = []
    same_org: list[str] = []
    for ref in entry.see_also:
        if ref not in by_id:
            continue
        ops = entry_operators(by_id[ref], by_doc)
        item = f'<li><span class="kb-op">{esc(operator_label(ops))}</span>{_link(by_id[ref], depth)}</li>'
        (same_org if set(ops) == mine else other_org).append(item)
    return "".join(f'<div class="kb-see-also"><p class="kb-col-h">{head}</p><ul>{"".join(items)}</ul></div>\n'
                   for head, items in (("其他单位的做法", other_org), ("另见（相近情形，规定不同）", same_org))
                   if items)


def _deadline_form(entry: Any) -> str:
    """Where a team lead asks "when is this due?": filled in by docs/assets/deadline.js via /api/deadline."""
    limits = [lim for hop in getattr(entry, "path", []) for lim in hop.within]
    limits += [lim for step in getattr(entry, "steps", []) for lim in step.within] + list(entry.limits)
    if not any(lim.is_time() and lim.bound == "max" for lim in limits):
        return ""
    conditions = list(dict.fromkeys(lim.condition for lim in limits if lim.condition))
    options = "".join(f'<option value="{esc(c)}">{esc(c)}</option>' for c in conditions)
    select = f'<select class="kb-deadline-cond"><option value="">全部情况</option>{options}</select>' if options else ""
    return (f'<div class="kb-deadline" data-entry="{esc(entry.id)}"><span class="kb-label">截止时间</span>'
            f'<input type="datetime-local" class="kb-deadline-start" aria-label="开始时间">{select}'
            f'<button type="button" class="kb-deadline-go">计算</button>'
            f'<output class="kb-deadline-out"></output></div>\n')


def render_entry(entry: Any, by_id: ById, sources: SourceRegistry | None, depth: int = 1,
                 badges: str = "") -> str:
    """One entry: a heading whose id is the entry id (the canonical anchor), then its body as HTML.

    `badges`: ready HTML under the meta line (review date, 待复核, 更新: kbbuild/freshness.py).
    """
    by_doc = doc_operators(sources)
    operators = entry_operators(entry, by_doc)
    classes = f"kb-entry kb-{entry.type}"
    if entry.type == "forbidden":
        classes += f" kb-{entry.severity}"
    body = (_meta(entry, operators) + badges + _para("kb-summary", "概述", entry.summary)
            + RENDERERS[entry.type](entry, by_id, depth)
            + ("" if entry.type == "rule" else _limits_para(entry))
            + _deadline_form(entry)
            + render_see_also(entry, by_id, depth, by_doc)
            + _para("kb-notes", "编辑备注", entry.notes)
            + render_sources(entry, sources) + render_related(entry, by_id, depth))
    # A raw HTML block must start at column 0 after a blank line, or Markdown would parse it.
    return (f'### {md_heading(entry.title)} {{#{entry.id}}}\n\n<div class="{classes}" '
            f'data-operators="{esc(" ".join(operators))}">\n{body}</div>\n\n')


def channel_group(entry: Any) -> str:
    return entry.channels[0] if len(entry.channels) == 1 else MULTI_CHANNEL


def render_type_page(type_: str, entries: Iterable[Any], by_id: ById,
                     sources: SourceRegistry | None, badges: Mapping[str, str] | None = None) -> str:
    """A type page (scripts/, forbidden/ …): entries of `type_` grouped by channel, in KB order."""
    mine = [e for e in entries if e.type == type_]
    label = TYPE_LABELS[type_]
    out = f"# {label}\n\n{TYPE_INTROS[type_]}共 {len(mine)} 条。\n\n"
    if not mine:
        return out + "暂无条目。\n"
    for group in (*CHANNELS, MULTI_CHANNEL):
        members = [e for e in mine if channel_group(e) == group]
        if not members:
            continue
        heading = CHANNEL_LABELS.get(group, group)
        out += f"## {heading} {{#channel_{group if group in CHANNELS else 'multi'}}}\n\n"
        out += "".join(render_entry(e, by_id, sources, depth=1, badges=(badges or {}).get(e.id, ""))
                       for e in members)
    return out


def _entry_list(entries: Iterable[Any], depth: int, show_type: bool = False,
                by_doc: Mapping[str, str] | None = None) -> str:
    items = []
    for e in entries:
        ops = esc(" ".join(entry_operators(e, by_doc or {})))
        kind = f'<span class="kb-type">{TYPE_LABELS[e.type]}</span>' if show_type else ""
        hint = e.summary or getattr(e, "when", None) or getattr(e, "statement", None) or ""
        hint = f'<span class="kb-hint">{esc(hint)}</span>' if hint else ""
        items.append(f'<li data-operators="{ops}">{kind}{_link(e, depth)}{hint}</li>')
    return f'<ul class="kb-list">\n{chr(10).join(items)}\n</ul>\n\n'


def render_channel_page(channel: str, entries: Iterable[Any], by_doc: Mapping[str, str] | None = None) -> str:
    """A channel page (channels/hotline/ …): links to that channel's entries, grouped by type."""
    mine = [e for e in entries if channel in e.channels]
    out = f"# {CHANNEL_LABELS[channel]}\n\n适用于{CHANNEL_LABELS[channel]}的规范，共 {len(mine)} 条。\n\n"
    for type_ in TYPES:
        members = [e for e in mine if e.type == type_]
        if members:
            out += f"## {TYPE_LABELS[type_]} {{#type_{type_}}}\n\n" + _entry_list(members, depth=2, by_doc=by_doc)
    return out


def render_tags_page(entries: Iterable[Any], by_doc: Mapping[str, str] | None = None) -> str:
    """The tags page: every situation tag (most used first) with links to its entries."""
    by_tag: dict[str, list[Any]] = {}
    for e in entries:
        for t in e.tags:
            by_tag.setdefault(t, []).append(e)
    out = "# 按情形（标签）\n\n按坐席面对的情形查找规范。\n\n"
    ordered = sorted(by_tag.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out += '<p class="kb-tagcloud">' + " ".join(
        f'<a class="kb-tag" href="#tag_{i}">#{esc(t)} <small>{len(es)}</small></a>'
        for i, (t, es) in enumerate(ordered)) + "</p>\n\n"
    for i, (tag, members) in enumerate(ordered):
        out += f"## {md_heading(tag)} {{#tag_{i}}}\n\n" + _entry_list(members, depth=1, show_type=True,
                                                                       by_doc=by_doc)
    return out


def render_sources_list(sources: SourceRegistry | None, entries: Iterable[Any]) -> str:
    """The generated half of sources.md: each registered document with the entries that cite it."""
    if sources is None:
        return "\n暂无登记的来源文件。\n"
    entries = list(entries)
    out = "\n## 文件列表 {#documents}\n\n"
    for s in sources.sources:
        citing = [e for e in entries if any(src.doc == s.doc for src in e.sources)]
        counts = "，".join(f"{TYPE_LABELS[t]} {n}" for t in TYPES
                          if (n := sum(e.type == t for e in citing)))
        counts = f"（{counts}）" if counts else ""
        out += (f"### {md_heading(s.title)}\n\n<div class=\"kb-source-doc\">\n"
                + _para("kb-doc", "文件", s.doc) + _para("kb-operator", "运营商", s.operator)
                + _para("kb-description", "内容", s.description)
                + f'<p><span class="kb-label">引用</span>{len(citing)} 条{counts}</p>\n')
        if citing:
            listing = _entry_list(citing, depth=1, show_type=True, by_doc=doc_operators(sources))
            out += f"<details><summary>引用此文件的条目</summary>\n{listing}</details>\n"
        out += "</div>\n\n"
    return out


def generated_pages(entries: Sequence[Any], sources: SourceRegistry | None,
                    badges: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every generated page: path under docs/ -> Markdown. Keep in step with the nav in mkdocs.yml."""
    by_id = {e.id: e for e in entries}
    pages = {f"{TYPE_PAGES[t]}.md": render_type_page(t, entries, by_id, sources, badges) for t in TYPES}
    by_doc = doc_operators(sources)
    pages.update({f"channels/{c}.md": render_channel_page(c, entries, by_doc) for c in CHANNELS})
    pages["tags.md"] = render_tags_page(entries, by_doc)
    return pages
