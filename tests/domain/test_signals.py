import pytest

from csat.domain.signals import DEFAULT_TERMS, SIGNAL_CODES, Signal, Term, crisis_worthy, text_signals


def codes(text: str) -> list[tuple[str, str]]:
    return [(s.code, s.term) for s in text_signals(text)]


def test_default_terms_have_known_codes() -> None:
    assert {t.code for t in DEFAULT_TERMS} == set(SIGNAL_CODES)
    assert {"曝光", "律师", "12315", "刹车失灵", "赔偿"} <= {t.term for t in DEFAULT_TERMS}


def test_finds_signals_in_order() -> None:
    text = "刹车失灵差点出事,再不解决我就找记者曝光,还要请律师起诉你们"
    assert codes(text) == [
        ("safety", "刹车失灵"),
        ("exposure", "记者"),
        ("exposure", "曝光"),
        ("legal", "律师"),
        ("legal", "起诉"),
    ]
    assert crisis_worthy(text)
    assert all(isinstance(s, Signal) for s in text_signals(text))


@pytest.mark.parametrize(
    "text",
    ["我不会曝光的,放心", "没有受伤", "我不想起诉", "不打算找律师", "别发微博", "不会去媒体那边说"],
)
def test_negated_terms_do_not_fire(text: str) -> None:
    assert text_signals(text) == []
    assert not crisis_worthy(text)


@pytest.mark.parametrize("text", ["不满就曝光", "不行,我要曝光", "不解决我就曝光"])
def test_negation_does_not_cross_words_or_clauses(text: str) -> None:
    assert ("exposure", "曝光") in codes(text)


def test_safety_phrases() -> None:
    assert codes("这车开着没有安全感") == []
    assert codes("做了安全检查") == []
    assert codes("车子不安全") == [("safety", "安全")]
    assert crisis_worthy("有安全隐患")


def test_hotline_number_not_inside_phone_number() -> None:
    assert codes("我的电话13812315678") == []
    assert codes("我打12315了") == [("authority", "12315")]
    assert codes("我打12315了") == codes("我打１２３１５了")  # full-width digits


def test_harmless_phrases() -> None:
    assert codes("用工商银行卡付的款") == []
    assert codes("网上预约的保养") == []


def test_each_term_counted_once() -> None:
    assert len(text_signals("赔偿!赔偿!赔偿!")) == 1
    assert not crisis_worthy("赔偿!赔偿!赔偿!")
    assert crisis_worthy("要求退车,否则就赔偿,还要换车")  # three money terms = 3


def test_custom_terms_and_threshold() -> None:
    terms = [Term("差评", "review", 2), ("投诉", "complaint")]
    assert [(s.code, s.weight) for s in text_signals("给差评,还要投诉", terms)] == [
        ("review", 2),
        ("complaint", 1),
    ]
    assert crisis_worthy("给差评,还要投诉", terms)
    assert not crisis_worthy("给差评", terms)
    assert crisis_worthy("给差评", terms, threshold=2)
    with pytest.raises(ValueError):
        text_signals("x", [("only-term",)])  # type: ignore[list-item]


def test_empty_text() -> None:
    assert text_signals("") == []
    assert not crisis_worthy("")
