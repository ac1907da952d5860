"""Masking: what may identify a customer never reaches the search log in clear."""

from __future__ import annotations

import pytest

from kbbuild.masking import mask


@pytest.mark.parametrize(("text", "masked"), [
    ("13812345678", "***********"),
    ("13812345678 停机", "*********** 停机"),
    ("客户138 1234 5678欠费", "客户*************欠费"),
    ("１３８１２３４５６７８", "***********"),  # full-width digits
    ("身份证11010519491231002X怎么查", "身份证******************怎么查"),
    ("身份证 11010519491231002x", "身份证 ******************"),
    ("卡号6222-0210-0100-1234-567", "卡号***********************"),
    ("宽带账号ad12345678", "宽带账号**********"),
    ("工单 12345", "工单 *****"),
])
def test_numbers_that_identify_someone_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize("text", ["5G套餐", "退费 100 元", "1234", "2024年10月", "15秒内接通", "销户"])
def test_short_numbers_and_words_stay(text: str) -> None:
    assert mask(text) == text


def test_no_digit_of_a_phone_number_survives() -> None:
    out = mask("帮13812345678和15900001111办停机")
    assert not any(c.isdigit() for c in out)
    assert out.startswith("帮") and out.endswith("办停机")
