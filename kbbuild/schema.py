"""JSON Schemas of the KB's YAML files, made from the pydantic models, for editors' completion and inline
errors (VS Code's YAML extension reads the `# yaml-language-server: $schema=…` first line of each file).

`kb check` stays the authority: the schema cannot say that a quote is in its source or an id exists.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .model import Entry, Lookalikes, SourceRegistry, Vocabulary
from .workcalendar import WorkCalendar

ENTRY_SCHEMA = "entry.schema.json"
# The files that are not entries, and the schema of each (keep in step with SPECIAL_FILES in load.py).
SPECIAL_SCHEMAS: dict[str, tuple[str, type[BaseModel]]] = {
    "sources.yaml": ("sources.schema.json", SourceRegistry),
    "vocabulary.yaml": ("vocabulary.schema.json", Vocabulary),
    "lookalikes.yaml": ("lookalikes.schema.json", Lookalikes),
    "calendar.yaml": ("calendar.schema.json", WorkCalendar),
}
MODELINE = "# yaml-language-server: $schema="

# Fields a "before" validator also accepts as one string (BaseEntry._lists and Step._say_list in model.py).
ONE_STRING_FOR_A_LIST = {"say", "phrases", "instead", "tags", "channels", "allow", "questions", "examples",
                         "operator"}
# Lists of limits that may be written as one limit (within: 4 个工作小时), as model.py's `Limits` accepts.
ONE_LIMIT_FOR_A_LIST = {"within", "limits"}
# Other shorthands a model accepts, by $defs name: alternatives added to its schema (Limit: "15 秒").
SHORTHANDS: dict[str, list[dict[str, Any]]] = {
    "Limit": [{"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*\S+\s*$", "description": "简写：数字 单位，如 15 秒"}],
}

# What goes in each field, in the editors' words (docs/editing.md says the same at more length); shown by the
# editor on hover and used by `kb new` for the comments of a template.
DESCRIPTIONS: dict[str, str] = {
    "id": "唯一标识：ASCII 小写字母、数字和连字符（hotline-greeting），全库唯一，发布后不要改",
    "type": "类型：script 话术 / process 流程 / forbidden 服务禁语 / escalation 升级路径 / rule 规则与时限",
    "title": "中文标题：写坐席面对的情形（客户要求销户），不写章节号",
    "summary": "一句话概述",
    "channels": "渠道：hotline 热线 / hall 营业厅 / field 上门 / online 在线，可多个",
    "tags": "按情形分类的标签（开场、等待、投诉……）",
    "questions": "相似问法（8–15 个）：一线人员搜索时会怎么打字，只问不答，每个最多 30 字",
    "sources": "出处：doc 为 kb/sources.yaml 登记的文件名，quote 为逐字摘抄的原文",
    "doc": "来源文件名（在 kb/sources.yaml 中登记）",
    "quote": "原文的一小段，逐字摘抄（只允许繁→简、旳→的）",
    "related": "相关条目的 id（须存在）",
    "notes": "编辑备注：只在网站的条目页显示（标为 编辑备注），坐席的搜索结果里不显示",
    "owner": "负责人",
    "reviewed": "最近审核日期，如 2026-11-23",
    "when": "什么情形下用",
    "say": "要说的话，逐字照录原文；一条或多条，每条一行以「- 」开头",
    "then": "说完后做什么",
    "audience": "适用客户，如 政企客户",
    "steps": "有序步骤：每步 what（做什么），可选 who、say、within",
    "what": "做什么 / 限的是什么",
    "who": "谁来做",
    "within": "时限，如 2 小时",
    "phrases": "禁用的说法（来源文件里的原话），可写多个变体",
    "behaviour": "禁止的行为",
    "instead": "推荐的说法或做法",
    "instead_scripts": "推荐话术条目的 id",
    "why": "为什么禁止",
    "severity": "严重程度：red-line 高压线 / serious 严重 / discouraged 不提倡",
    "examples": "违规示例（8–12 个）：坐席可能说出口、违反这条规范的话，最多 60 字",
    "allow": "与禁语相近但正确的说法，禁语检查不标记它们",
    "match": "anywhere：句中任何位置（默认）；clause：整个分句就是该说法才算（可用 XX 代表任意几个字）",
    "trigger": "何时升级",
    "path": "升级路径：每一跳 from（从）、to（到），可选 how（方式）、within（时限）",
    "from": "从谁",
    "to": "升级到谁",
    "how": "方式",
    "authorised": "谁有权决定",
    "ticket": "工单：name、fields、template",
    "template": "工单模板",
    "statement": "规则原文表述",
    "limits": "硬性数值：value、unit、what、bound（max 不超过 / min 不少于 / exact），或简写 \"15 秒\"",
    "value": "数值",
    "unit": "单位",
    "bound": "max 不超过 / min 不少于 / exact 恰好",
    "windows": "每日时段：what、start、end（如 22:00 到 07:00）",
    "start": "开始时刻，如 22:00",
    "end": "结束时刻，如 07:00",
    "words": "分词用的领域词",
    "roles": "流程和升级路径中的角色名",
    "synonyms": "同义词组，搜索时互相扩展",
    "lookalikes": "与违规说法字面相近但正确、礼貌的话",
    "neutral": "坐席平常会说的、正确的话",
    "SourceDoc.title": "来源文件的标题",
    "SourceRegistry.sources": "来源文件：doc（文件名，文件放在来源文件夹里）、title（标题），"
                              "可选 operator、description",
    "Ticket.name": "工单名称",
    "Ticket.fields": "工单要填的栏目",
    "operator": "运营商",
    "description": "说明",
}


def _describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Chinese descriptions, one-string shorthands and no English titles, in every model of the schema."""
    for name, model in schema.get("$defs", {}).items():
        model.pop("description", None)  # the docstring: written for programmers, in English
        for key, prop in model.get("properties", {}).items():
            prop.pop("title", None)
            if key in ONE_STRING_FOR_A_LIST and prop.get("type") == "array":
                prop["anyOf"] = [{"type": "array", "items": prop.pop("items"),
                                  **({"minItems": prop.pop("minItems")} if "minItems" in prop else {})},
                                 {"type": "string", "minLength": 1}]
                prop.pop("type")
            elif key in ONE_LIMIT_FOR_A_LIST and prop.get("type") == "array":
                prop["anyOf"] = [{"type": "array", "items": prop.pop("items")}, {"$ref": "#/$defs/Limit"}]
                prop.pop("type")
            help_ = DESCRIPTIONS.get(f"{name}.{key}", DESCRIPTIONS.get(key))
            if help_:
                prop["description"] = help_
        model.pop("title", None)
        if name in SHORTHANDS:
            schema["$defs"][name] = {"anyOf": [model, *SHORTHANDS[name]]}
    return schema


def _lift(model: type[BaseModel]) -> dict[str, Any]:
    """A model's schema with the model itself under $defs, so _describe treats it like the others."""
    top = model.model_json_schema(ref_template="#/$defs/{model}")
    defs = top.pop("$defs", {})
    defs[model.__name__] = top
    return {"$defs": defs, "$ref": f"#/$defs/{model.__name__}"}


def entry_file_schema() -> dict[str, Any]:
    """An entry file holds one entry or a list of entries."""
    one = TypeAdapter(Entry).json_schema(ref_template="#/$defs/{model}")
    defs = one.pop("$defs")
    defs["Entry"] = one
    return _describe({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "知识库条目文件（一个条目或条目列表）",
        "$defs": defs,
        "anyOf": [{"$ref": "#/$defs/Entry"}, {"type": "array", "items": {"$ref": "#/$defs/Entry"}}],
    })


def special_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    return _describe({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **_lift(model)})


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema by file name."""
    titles = {"sources.yaml": "来源文件登记（kb/sources.yaml）", "vocabulary.yaml": "词表（kb/vocabulary.yaml）",
              "lookalikes.yaml": "礼貌近似句（kb/lookalikes.yaml）", "calendar.yaml": "工作日历（kb/calendar.yaml）"}
    out = {ENTRY_SCHEMA: entry_file_schema()}
    for yaml_name, (schema_name, model) in SPECIAL_SCHEMAS.items():
        out[schema_name] = special_schema(model, titles[yaml_name])
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_for(path: Path, kb_dir: Path) -> str:
    """The schema file name a KB file is checked against."""
    if path.parent == kb_dir and path.name in SPECIAL_SCHEMAS:
        return SPECIAL_SCHEMAS[path.name][0]
    return ENTRY_SCHEMA


def modeline(path: Path, kb_dir: Path, schema_dir: Path) -> str:
    """The first line that points VS Code's YAML extension at the schema, relative to the file."""
    target = schema_dir.resolve() / schema_for(path.resolve(), kb_dir.resolve())
    return MODELINE + Path(os.path.relpath(target, path.resolve().parent)).as_posix()


def with_modeline(text: str, line: str) -> str:
    """The file's text with `line` first (replacing an older modeline): running it twice changes nothing."""
    first, sep, rest = text.partition("\n")
    if first.startswith(MODELINE):
        return line + sep + rest if sep else line + "\n"
    return f"{line}\n{text}"
