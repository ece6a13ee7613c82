"""Free text leaving the store (the early warning's feedback export, issue 23): what identifies a
person is replaced, what the words say is kept."""

from __future__ import annotations

import pytest

from csat.domain.privacy import scrub_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我电话13812345678，打不通", "我电话[电话]，打不通"),
        ("回电 138-1234-5678 或 +86 139 0000 1111", "回电 [电话] 或 [电话]"),
        ("１３８１２３４５６７８！", "[电话]！"),  # typed full-width: punctuation kept as typed
        ("座机0755-83451234找我", "座机[电话]找我"),
        ("车牌粤B·12345，新能源粤BD12345", "车牌[车牌]，新能源[车牌]"),
        ("车架号LSVAB4180E2123456有问题", "车架号[车架号]有问题"),
        ("身份证44030119900101123X", "身份证[证件号]"),
        ("发到wang.li@qq.com", "发到[邮箱]"),
        ("王先生说李女士和张经理都没回电，刘总也不管", "某先生说某女士和某经理都没回电，某总也不管"),
        ("找你们高总经理", "找你们某总经理"),
    ],
)
def test_numbers_and_titled_surnames_are_replaced(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


def test_known_names_are_replaced_and_the_words_kept() -> None:
    text = "我是王建国，服务经理陈晓不接电话，我要找记者曝光。"
    assert (
        scrub_text(text, ["王建国", "陈晓", "", "张"]) == "我是某某，服务经理某某不接电话，我要找记者曝光。"
    )


@pytest.mark.parametrize(
    "text",
    [
        "客户在开会，约好晚点再打",
        "保养等了两个小时，太慢了",
        "刹车异响，修了3次还没好，花了12000元",  # amounts and counts are not identifiers
        "提高总是没用",  # 高 before 总 inside a word is no surname
        "车开了20000公里",
    ],
)
def test_ordinary_words_pass_unchanged(text: str) -> None:
    assert scrub_text(text) == text
