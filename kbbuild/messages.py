"""What `kb check` and the other commands tell editors, in Chinese (default) and English.

A problem carries a `Msg` (a key and its arguments), never finished text: the core stays free of the
language, and the edge (the CLI) renders it in the language of the settings (`KB_LANG`, `--lang`).
To add a message: add a key below with its Chinese and English template (str.format fields named
after the arguments), then yield `Problem(file, line, field, msg("key", name=value))`. A model validator raises
`model_error("key", name=value)` instead; load.py renders it like any other message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic_core import PydanticCustomError

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")

# key: (中文, English); both are str.format templates over the arguments of msg() (a template may leave
# some out, e.g. `kind` in Chinese and `kind_en` in English).
MESSAGES: dict[str, tuple[str, str]] = {
    "text": ("{text}", "{text}"),  # a message written before this catalogue: shown as is
    # files (load.py)
    "cannot_read": ("无法读取：{reason}", "cannot read: {reason}"),
    "file_too_big": ("文件有 {size:,} 字节，上限是 {limit:,}：拆成几个文件",
                     "file is {size:,} bytes; the limit is {limit:,}: split it into several files"),
    "binary": ("二进制文件（含 NUL 字节），不是 YAML 文本", "binary file (contains NUL bytes), not YAML text"),
    "not_utf8": ("不是有效的 UTF-8：把文件另存为 UTF-8 编码", "not valid UTF-8: save the file as UTF-8"),
    "empty_entries": ("空文件：写一个条目或一个条目列表", "empty file: write an entry or a list of entries"),
    "empty_file": ("空文件", "empty file"),
    "sources_missing": ("缺少此文件：在这里登记条目可以引用的来源文件",
                        "missing: list the source documents entries may cite"),
    "not_an_entry": ("条目必须由字段组成（id: …、type: …）",
                     "an entry must be a mapping of fields (id: …, type: …)"),
    "duplicate_key": ("字段重复（第一次出现在第 {first} 行）：只保留一个", "duplicate key (first at line {first})"),
    # YAML syntax: one message per file, the line where the mistake is and a hint in plain words
    "yaml_tag": ("不允许用 YAML 标签（!!python/… 之类）构造对象：只写普通文字和列表（{detail}）",
                 "YAML tags that construct objects are not allowed; write plain data ({detail})"),
    "yaml_alias": ("YAML 语法错误：知识库里不允许用别名（*名字）：把内容直接写出来",
                   "YAML syntax error: aliases (*name) are not allowed in the KB: write the value out"),
    "yaml_deep": ("YAML 语法错误：嵌套超过 {depth} 层", "YAML syntax error: nested more than {depth} levels deep"),
    "yaml_tab": ("YAML 语法错误：这一行有 Tab 字符：YAML 只能用空格缩进，把 Tab 换成空格",
                 "YAML syntax error: a tab character: YAML indents with spaces only, replace the tab with spaces"),
    "yaml_colon_missing": ("YAML 语法错误：这一行缺少冒号：写成「字段: 内容」（英文半角冒号，后面跟一个空格）",
                           "YAML syntax error: could not find expected ':' — write 'field: value' (an ASCII colon "
                           "followed by a space)"),
    "yaml_colon_extra": ("YAML 语法错误：这里多了一个「: 」：文字里有冒号时给整段文字加引号"
                         "（title: \"注意: 这里\"）；是字段名时，它要和上一个字段左对齐",
                         "YAML syntax error: mapping values are not allowed here (text with ': ' in it needs "
                         "quotes around it; a field name must line up with the field above)"),
    "yaml_list_indent": ("YAML 语法错误：列表项「- 」缩进不对：同一列表的每个「- 」要上下对齐",
                         "YAML syntax error: a list item '- ' is indented differently from the one above: line "
                         "up every '- ' of a list"),
    "yaml_indent": ("YAML 语法错误：这一行的缩进和上面的字段对不齐（或引号后面还有文字）：同一层的字段左对齐",
                    "YAML syntax error: this line is not indented like the fields above it (or text follows a "
                    "closing quote): line up the fields of one level"),
    "yaml_quote": ("YAML 语法错误：这一行开始的引号没有关上：在文字结尾补上同样的引号",
                   "YAML syntax error: the quote opened on this line is never closed: close it at the end of "
                   "the text"),
    "yaml_bracket": ("YAML 语法错误：这一行开始的方括号 [ ] 没有关上（或里面的文字有逗号、冒号：给文字加引号）",
                     "YAML syntax error: the [ ] opened on this line is never closed (or an item holds a comma or "
                     "colon: quote it)"),
    "yaml_start_char": ("YAML 语法错误：文字不能以 {char} 开头：给整段文字加引号",
                        "YAML syntax error: text cannot start with {char}: put quotes around it"),
    "yaml_two_documents": ("YAML 语法错误：这里的 --- 开始了第二个文档：一个文件只写一个条目或一个条目列表（删掉 ---，"
                           "用「- 」把条目写成列表）",
                           "YAML syntax error: a second document starts here (---): a file holds one entry or one list "
                           "of entries (delete the ---, write the entries as a list with '- ')"),
    "yaml_other": ("YAML 语法错误：{detail}（多半是缩进不齐、少了冒号或引号没关上）",
                   "YAML syntax error: {detail}"),
    # fields (pydantic errors, load.py)
    "missing": ("缺少必填字段", "required field is missing"),
    "unknown_field": ("没有这个字段（检查拼写；各类型的字段见 docs/editing.md）",
                      "unknown field (check the spelling; see docs/editing.md for the fields of each type)"),
    "one_of": ("只能是 {expected} 之一，不能是 {value!r}", "must be one of {expected_en}, not {value!r}"),
    "empty": ("不能为空", "must not be empty"),
    "too_short_text": ("至少 {min} 个字", "should have at least {min} characters"),
    "too_long_text": ("太长：最多 {max} 个字", "should have at most {max} characters"),
    "list": ("必须是列表（每项一行，以「- 」开头）", "must be a list (one item per line, each starting with '- ')"),
    "mapping": ("必须由字段组成（字段: 内容）", "must be a mapping of fields (key: value)"),
    "string": ("必须是文字，不能是 {kind}", "must be text, not {kind}"),
    "number": ("必须是数字，不能是 {value!r}", "must be a number, not {value!r}"),
    "finite": ("必须是有限的数字，不能是 {value!r}", "must be a finite number, not {value!r}"),
    "at_least": ("不能小于 {min}", "must be at least {min}"),
    "date": ("必须是日期，如 2026-11-23，不能是 {value!r}", "must be a date like 2026-11-23, not {value!r}"),
    "needs_item": ("至少要有一项", "needs at least one item"),
    "clock": ("{value!r} 不是时刻：写成 07:00 或 22:30（00:00–23:59）",
              "{value!r} is not a time of day like 07:00 or 22:30 (00:00–23:59)"),
    "kebab": ("{value!r} 不是 ASCII kebab-case：只用 a-z、0-9 和单个连字符（hotline-greeting）",
              "{value!r} is not ASCII kebab-case (a-z, 0-9 and single hyphens)"),
    "unknown_type": ("没有 {tag!r} 这个类型：只能是 {expected}", "unknown type {tag!r}; use one of {expected}"),
    "invalid": ("格式不对：{detail}", "{detail}"),
    # model validators (model.py raises them with model_error)
    "control_char": ("含有控制字符 U+{code}：删掉它", "contains the control character U+{code}: delete it"),
    "limit_shorthand": ("时限写成「数字 单位」，如 '15 秒'，不能是 {value!r}",
                        "write a limit as '<number> <unit>', e.g. '15 秒', not {value!r}"),
    "forbidden_what": ("服务禁语条目需要 phrases（禁用的说法）或 behaviour（禁止的行为）",
                       "a forbidden entry needs 'phrases' or 'behaviour'"),
    "forbidden_instead": ("服务禁语条目需要 instead（推荐说法）或 instead_scripts（推荐话术条目的 id）",
                          "a forbidden entry needs 'instead' or 'instead_scripts'"),
    # across entries (validate.py)
    "duplicate_id": ("id {id!r} 重复，另一处在 {other}", "duplicate id {id!r}, also at {other}"),
    "self_related": ("条目不能和自己相关", "an entry cannot be related to itself"),
    "no_such_id": ("没有 id 为 {id!r} 的条目", "no entry has id {id!r}"),
    "not_a_script": ("{id!r} 是{kind}条目，不是话术", "{id!r} is a {kind_en}, not a script"),
    "unknown_doc": ("未登记的来源文件 {doc!r}；已登记：{known}", "unknown document {doc!r}; known: {known}"),
    "quote_not_found": ("在 {doc} 中找不到这段引文（逐字摘抄；只允许繁→简、旳→的）",
                        "quote not found in {doc} (copy it exactly; only 繁→简 and 旳→的 may change)"),
    "quote_no_words": ("引文里没有文字", "quote has no words in it"),
    "synonym_twice": ("{word!r} 已在 synonyms[{group}] 中：把两组合并", "{word!r} is already in synonyms[{group}]: "
                      "merge the groups"),
    "empty_utterance": ("空的{kind}：写上内容或删掉这一行", "empty {kind_en}: write it or delete the line"),
    "utterance_too_long": ("{kind}有 {length} 个字，最多 {max} 个", "{kind_en} is {length} characters; at most {max}"),
    "utterance_here_twice": ("{kind} {text!r} 在本条目中已有（{other}）：只保留一处",
                             "{kind_en} {text!r} is already in this entry ({other}); keep it in one place"),
    "utterance_twice": ("{kind} {text!r} 已在条目 {id!r} 中（{other}）：只保留在更贴切的一条",
                        "{kind_en} {text!r} is already in entry {id!r} ({other}); keep it in one place"),
    "lookalike_twice": ("{text!r} 已在第 {first} 行", "{text!r} is already at line {first}"),
    "example_is_lookalike": ("{text!r} 同时是礼貌近似句（{other}）：两者只能选一",
                             "{text!r} is also a polite look-alike ({other}): it cannot be both"),
    "phrase_not_quoted": ("{phrase!r} 不在本条目的引文中：phrases 只写来源文件的原话（在 sources 里引出原文，"
                          "或把它写进 examples）",
                          "{phrase!r} is not in this entry's quotes: phrases hold the sources' own wordings "
                          "(quote it under sources, or write it as an example)"),
    "lookalike_forbidden": ("{text!r} 含有条目 {id!r} 的禁语 {phrase!r}：改写它；如果它是正确说法，加进该条目的 allow",
                            "{text!r} contains the forbidden phrase {phrase!r} of {id!r}: reword it, or add it to "
                            "that entry's allow list if it is correct"),
    "folded_item": ("文字中间有「 - 」：下一个列表项是不是缩进多了？YAML 把它并进了这一行（每个「- 」要和上一个对齐）",
                    "a ' - ' inside the text: was the next list item indented too far? YAML joined it to this "
                    "line (put each '- ' under the one before)"),
    # command-line summaries (cli*.py)
    # issue 14: links between entries, operator profiles, times as data, duplicates, short quotes
    "see_also_self": ("不能链接到自身", "an entry cannot be its own see_also"),
    "see_also_missing": ("没有 id 为 {ref!r} 的条目", "no entry has id {ref!r}"),
    "see_also_one_way": ("{ref!r}（{where}）的 see_also 里没有 {id!r}：其他单位的做法要互相链接，请在那边也加上",
                         "{ref!r} ({where}) does not list {id!r} under see_also: add the link back there"),
    "operator_unknown": ("未知的单位 {op!r}；可选：{known}", "unknown operator {op!r}; known: {known}"),
    "alias_is_id": ("{alias!r} 仍是一个条目的 id：合并后旧条目要删除",
                    "{alias!r} is still an entry's id: delete the merged entry"),
    "alias_twice": ("{alias!r} 也是 {other!r} 的旧 id", "{alias!r} is also an old id of {other!r}"),
    "severity_conflict": ("与 {other!r}（{where}）同属“{tag}”，在 {profile} 的规范里严重程度却不同"
                          "（{mine} / {theirs}）：统一严重程度，或用 see_also 互相链接说明两者的区别",
                          "shares the situation tag {tag!r} with {other!r} ({where}) in {profile}'s norms but not its "
                          "severity ({mine} / {theirs}): align them, or link the two with see_also"),
    "time_without_limit": ("文字里写了时间“{written}”，却没有对应的结构化时限：在{where}中加上（如 {value} {unit}，"
                           "有前提时写 condition）",
                           "the text states the time {written!r} but no structured limit does: add it to {where_en} "
                           "(e.g. {value} {unit}; add a condition when it depends on one)"),
    "near_duplicate": ("与 {other!r}（{where}）几乎相同（相似度 {score:.0f}）：合并为一条（保留一个 id，"
                       "把另一个写进 aliases），或改写使两者不同",
                       "nearly the same as {other!r} ({where}; similarity {score:.0f}): merge them (keep one id, "
                       "list the other under aliases) or make them differ"),
    "quote_too_short": ("引文只有 {length} 个字（标点不计），至少要 {min} 个字：请改为原文中包含它的一段更长的原话"
                        "（只有整条规范本身更短、引文就是本条的标题、某个说法或某句话术时才可以更短）",
                        "the quote has {length} characters (punctuation not counted); at least {min}: quote a longer "
                        "passage of the source that contains it (shorter only when it is the entry's own title, "
                        "phrase or say line)"),
    # kb/calendar.yaml (workcalendar.py)
    "period_order": ("结束时间 {end} 不晚于开始时间 {start}", "the end {end} is not after the start {start}"),
    "days_order": ("to（{to}）早于 date（{date}）", "to ({to}) is before date ({date})"),
    "periods_overlap": ("工作时段 {a} 与 {b} 重叠", "the working periods {a} and {b} overlap"),
    "holiday_and_workday": ("{day} 既是节假日又是调休上班日", "{day} is both a holiday and a make-up working day"),
    "warning": ("警告：", "warning: "),
    "summary_problems": ("{kb} 中有 {errors} 个问题{also}", "{errors} problem(s){also_en} in {kb}"),
    "summary_warnings": ("，{warnings} 个警告", ", {warnings} warning(s)"),
    "summary_ok": ("通过：{entries} 个条目，没有问题{also}", "ok: {entries} entries, no problems{also_en}"),
    "refused": ("{what}：{kb} 中有 {count} 个问题", "{what_en}: {count} problem(s) in {kb}"),
    "build_aborted": ("未构建，已发布的版本不变", "build aborted, the published build is unchanged"),
    "not_evaluated": ("未评测", "not evaluated"),
    "handbook_not_made": ("未生成手册", "handbook not made"),
    "no_deadline": ("未计算截止时间", "no deadline computed"),
    "build_failed": ("构建失败：{detail}\n已发布的版本不变",
                     "build failed: {detail}\nthe published build is unchanged"),
    "published": ("已发布 {build}：{entries} 个条目，用时 {secs:.1f} 秒 -> {path}",
                  "published {build}: {entries} entries in {secs:.1f} s -> {path}"),
    "stats_note": ("注意：有 {count} 个问题；运行 `kb check` 查看", "note: {count} problem(s); run `kb check`"),
    "no_kb_folder": ("{path} 不是知识库文件夹", "no KB folder at {path}"),
}

# Chinese and English names the messages use for a type or kind of utterance.
KIND_NAMES = {"question": ("问法", "question"), "example": ("违规示例", "example")}


class _Shown(str):
    """An argument that is no plain value (a list an editor wrote where a number goes), kept as its repr
    so a Msg stays hashable and orderable; {x!r} and {x} both show it as the repr."""

    def __repr__(self) -> str:
        return str(self)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, list | dict | tuple | set):
        return _Shown(repr(value))
    return str(value)  # a path, an exception: shown as their text


@dataclass(frozen=True)
class Msg:
    """A message to show an editor: a key of MESSAGES and its arguments, rendered in either language."""

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    def __lt__(self, other: Msg) -> bool:  # problems sort by file, line, field, then message
        return (self.key, repr(self.args)) < (other.key, repr(other.args))

    def render(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.key]
        return (en if lang == "en" else zh).format(**dict(self.args))

    def __str__(self) -> str:
        return self.render()


def msg(key: str, **args: Any) -> Msg:
    if key not in MESSAGES:
        raise KeyError(f"no message {key!r} in kbbuild/messages.py")
    return Msg(key, tuple(sorted((name, _plain(value)) for name, value in args.items())))


def text(key: str, lang: str = "zh", **args: Any) -> str:
    """A message rendered at once (for the command line's own summaries)."""
    return msg(key, **args).render(lang)


def model_error(key: str, **args: Any) -> PydanticCustomError:
    """An error a model validator raises; its type is the message key, its context the arguments."""
    return PydanticCustomError(f"kb.{key}", text(key, "en", **args), args)
