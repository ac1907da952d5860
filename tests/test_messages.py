"""Editors' messages: one plain-words message per YAML mistake, at its line; both languages complete."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from kbbuild.messages import MESSAGES, msg
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


def test_an_unknown_message_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        msg("no-such-key")
