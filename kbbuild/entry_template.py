"""`kb new TYPE`: a commented template entry for editors to fill in (every 【…】 is a placeholder)."""

from __future__ import annotations

from .model import TYPE_LABELS
from .schema import DESCRIPTIONS

# A field of a template: (key, required, value); a value of several lines is a block list or mapping.
# Optional fields are written commented out, so a template with its 【…】 filled passes `kb check`;
# keep the fields in step with the models in model.py.
Field = tuple[str, bool, str]

COMMON_HEAD: list[Field] = [
    ("id", True, "{id}"),
    ("type", True, "{type}"),
    ("title", True, "【标题：坐席面对的情形】"),
    ("summary", False, "【一句话概述】"),
    ("channels", True, "\n- hotline"),
    ("tags", False, "\n- 【标签】"),
    ("questions", True, "\n- 【相似问法一】\n- 【相似问法二】\n- 【相似问法三】"),
]
COMMON_TAIL: list[Field] = [
    ("sources", True, "\n- doc: 【来源文件名】\n  quote: 【原文摘抄】"),
    ("related", False, "\n- 【相关条目的 id】"),
    ("notes", False, "【编辑备注】"),
    ("owner", False, "【负责人】"),
    ("reviewed", False, "2026-01-01"),
]
FIELDS: dict[str, list[Field]] = {
    "script": [
        ("when", True, "【什么情形下说】"),
        ("say", True, "\n- 【要说的话，逐字照录原文】"),
        ("then", False, "【说完后做什么】"),
        ("audience", False, "【适用客户】"),
    ],
    "process": [
        ("when", False, "【什么情形下用】"),
        ("steps", True, "\n- what: 【第一步做什么】\n  # who: 【谁来做】\n  # within: 2 小时\n"
                        "- what: 【第二步做什么】"),
    ],
    "forbidden": [
        ("phrases", True, "\n- 【禁用的说法】"),
        ("behaviour", False, "【禁止的行为】"),
        ("instead", True, "\n- 【推荐的说法】"),
        ("instead_scripts", False, "\n- 【推荐话术条目的 id】"),
        ("why", True, "【为什么禁止】"),
        ("severity", True, "serious"),
        ("examples", False, "\n- 【违规示例】"),
        ("allow", False, "\n- 【相近但正确的说法】"),
        ("match", False, "anywhere"),
    ],
    "escalation": [
        ("trigger", True, "【何时升级】"),
        ("path", True, "\n- from: 【从谁】\n  to: 【升级到谁】\n  # how: 【方式】\n  # within: 30 分钟"),
        ("authorised", False, "【谁有权决定】"),
    ],
    "rule": [
        ("statement", True, "【规则原文表述】"),
        ("limits", False, "\n- 15 秒"),
        ("windows", False, "\n- what: 【限的是什么】\n  start: '22:00'\n  end: '07:00'"),
    ],
}
NOTES = {
    "forbidden": "phrases 和 behaviour 至少写一个，instead 和 instead_scripts 至少写一个",
    "rule": "limits 的单位见 docs/editing.md（秒、分钟、小时、工作日……）",
}


def _field(key: str, required: bool, value: str) -> list[str]:
    lines = [f"# {'必填' if required else '可选'}：{DESCRIPTIONS.get(key, key)}"]
    body = [f"{key}:" + ("" if value.startswith("\n") else f" {value}")]
    body += [f"  {line}" for line in value.splitlines()[1:]] if value.startswith("\n") else []
    return lines + (body if required else [f"# {line}" for line in body])


def entry_template(type_: str, id_: str | None = None, modeline: str | None = None) -> str:
    """The text of a new entry file of `type_` (script, process, …), one entry in a list."""
    head = [modeline] if modeline else []
    head += [f"# {TYPE_LABELS[type_]}（{type_}）条目：把每个【…】换成内容，写完运行 kb check；"
             "字段说明见 docs/editing.md",
             "# 必填的字段都要写；可选的字段已注释掉，要用时去掉行首的 #（保持缩进），不用就删掉"]
    if type_ in NOTES:
        head.append(f"# {NOTES[type_]}")
    lines: list[str] = []
    for key, required, value in [*COMMON_HEAD, *FIELDS[type_], *COMMON_TAIL]:
        lines += _field(key, required, value.format(id=id_ or "【id：小写字母、数字和连字符】", type=type_))
    # The list item starts at the first field, not at its comment.
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    body = [("  " + line) for line in lines]
    body[first] = "- " + lines[first]
    return "\n".join(head + body) + "\n"
