"""Editors' messages: one plain-words message per YAML mistake, at its line; both languages complete."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbbuild.messages import MESSAGES, msg, text
from kbbuild.problems import Problem

from .test_validate import problems_of, small_kb

ENTRY = "id: a\ntype: script\ntitle: 问候\nchannels: [hotline]\nwhen: 接通\nsay:\n  - 您好\n  - 请讲\n"

# (what the editor did, the file, the one message kb check must print)
MISTAKES = [
    ("a tab", ENTRY.replace("\n  - 请讲", "\n\t- 请讲"),
     "kb/a.yaml:8: (yaml): YAML 语法错误：这一行有 Tab 字符：YAML 只能用空格缩进，把 Tab 换成空格"),
    ("a missing colon", ENTRY.replace("title: 问候", "title 问候"),
     "kb/a.yaml:3: (yaml): YAML 语法错误：这一行缺少冒号：写成「字段: 内容」（英文半角冒号，后面跟一个空格）"),
    ("a full-width colon", ENTRY.replace("title: 问候", "title：问候"),
     "kb/a.yaml:3: (yaml): YAML 语法错误：这一行缺少冒号：写成「字段: 内容」（英文半角冒号，后面跟一个空格）"),
    ("a list item out of line", ENTRY.replace("\n  - 请讲", "\n - 请讲"),
     "kb/a.yaml:8: (yaml): YAML 语法错误：列表项「- 」缩进不对：同一列表的每个「- 」要上下对齐"),
    ("an unclosed quote", ENTRY.replace("title: 问候", "title: '问候"),
     "kb/a.yaml:3: (yaml): YAML 语法错误：这一行开始的引号没有关上：在文字结尾补上同样的引号"),
    ("an unclosed bracket", ENTRY.replace("[hotline]", "[hotline"),
     "kb/a.yaml:4: (yaml): YAML 语法错误：这一行开始的方括号 [ ] 没有关上（或里面的文字有逗号、冒号：给文字加引号）"),
    ("a colon inside text", ENTRY.replace("when: 接通", "when: 注意: 接通"),
     "kb/a.yaml:5: (yaml): YAML 语法错误：这里多了一个「: 」：文字里有冒号时给整段文字加引号（title: \"注意: 这里\"）；"
     "是字段名时，它要和上一个字段左对齐"),
    ("a field indented too far", ENTRY.replace("\nwhen:", "\n  when:"),
     "kb/a.yaml:5: (yaml): YAML 语法错误：这一行的缩进和上面的字段对不齐（或引号后面还有文字）：同一层的字段左对齐"),
    ("a second document", ENTRY + "---\n" + ENTRY,
     "kb/a.yaml:9: (yaml): YAML 语法错误：这里的 --- 开始了第二个文档：一个文件只写一个条目或一个条目列表（删掉 ---，"
     "用「- 」把条目写成列表）"),
    ("text starting with @", ENTRY.replace("title: 问候", "title: @问候"),
     "kb/a.yaml:3: (yaml): YAML 语法错误：文字不能以 @ 开头：给整段文字加引号"),
]


@pytest.mark.parametrize(("what", "text", "expected"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_yaml_mistake_gives_one_message_with_its_line_and_a_hint(tmp_path: Path, what: str, text: str,
                                                                     expected: str) -> None:
    kb = small_kb(tmp_path)
    (kb / "a.yaml").write_text(text, "utf-8")
    assert problems_of(tmp_path) == [expected]


def test_the_mistakes_above_are_fine_when_fixed(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "a.yaml").write_text(ENTRY + "sources: [{doc: doc-a.txt, quote: 您好}]\n", "utf-8")
    assert problems_of(tmp_path) == []


def test_a_list_where_a_value_goes_is_reported_not_a_crash(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "a.yaml").write_text(
        "id: r\ntype: rule\ntitle: t\nchannels: [hotline]\nstatement: s\nlimits: [{value: [1, 2], unit: 秒}]\n"
        "windows: [{what: w, start: {h: 1}, end: '07:00'}]\nsources: [{doc: doc-a.txt, quote: 您好}]\n", "utf-8")
    (kb / "b.yaml").write_text("id: f\ntype: forbidden\ntitle: t\nchannels: [hotline]\nbehaviour: b\n"
                               "instead: [i]\nwhy: w\nseverity: [worst, bad]\n"
                               "sources: [{doc: doc-a.txt, quote: 您好}]\n", "utf-8")
    assert problems_of(tmp_path) == [
        "kb/a.yaml:6: limits[0].value: 必须是数字，不能是 [1, 2]",
        "kb/a.yaml:7: windows[0].start: 必须是文字，不能是 一组字段",
        "kb/b.yaml:8: severity: 只能是 'red-line', 'serious', 'discouraged' 之一，不能是 ['worst', 'bad']",
    ]


def test_every_message_renders_in_both_languages() -> None:
    for key, templates in MESSAGES.items():
        names = {f for t in templates for _, f, _, _ in string.Formatter().parse(t) if f}
        m = msg(key, **{n: 1 for n in names})
        assert m.render("zh") and m.render("en"), key
        assert m.render("zh") != m.render("en") or key == "text", key


def test_a_plain_string_message_is_shown_as_is_in_both_languages() -> None:
    p = Problem("kb/a.yaml", 3, "title", "something new")
    assert p.render("zh") == p.render("en") == "kb/a.yaml:3: title: something new"
    w = Problem("kb/a.yaml", 3, "title", msg("missing"), warning=True)
    assert (str(w), w.render("en")) == ("kb/a.yaml:3: title: 警告：缺少必填字段",
                                        "kb/a.yaml:3: title: warning: required field is missing")


def test_paths_and_errors_are_shown_as_their_text() -> None:
    assert text("refused", "en", what="x", what_en="not made", count=2, kb=Path("kb")) == \
        "not made: 2 problem(s) in kb"
    assert text("build_failed", detail=OSError("磁盘已满")) == "构建失败：磁盘已满\n已发布的版本不变"


def test_an_unknown_message_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        msg("no-such-key")


VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                      max_leaves=6)
FIELDS = st.sampled_from(["id", "type", "title", "channels", "say", "when", "steps", "limits", "windows", "severity",
                          "sources", "related", "path", "phrases", "instead", "reviewed", "questions"])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.dictionaries(FIELDS, VALUES, max_size=8), min_size=1, max_size=3))
def test_any_wrong_value_is_a_message_never_a_crash(tmp_path_factory: pytest.TempPathFactory,
                                                    entries: list[dict[str, object]]) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    kb = small_kb(root)
    (kb / "a.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), "utf-8")
    for line in problems_of(root) + problems_of(root, "en"):
        assert line.startswith("kb/a.yaml:")
