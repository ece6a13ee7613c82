import csv
from pathlib import Path

import pytest

from csat.domain.signals import (
    DEFAULT_TERMS,
    SIGNAL_CODES,
    Signal,
    Term,
    crisis_worthy,
    normalize,
    signal_weight,
    text_signals,
)

TEXTS = Path(__file__).resolve().parents[2] / "bench" / "early_warning" / "texts.tsv"


def codes(text: str) -> list[tuple[str, str]]:
    return [(s.code, s.term) for s in text_signals(text)]


def load_texts() -> list[tuple[bool, str, str]]:
    with TEXTS.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert next(reader) == ["label", "kind", "text"]
        return [(label == "1", kind, text) for label, kind, text in reader]


# --- the labelled set (bench/early_warning_eval.py prints the details) ---------------------------


def test_labelled_set_is_well_formed() -> None:
    rows = load_texts()
    assert len(rows) >= 180
    assert {kind for _, kind, _ in rows} == {"complaint", "remark", "note"}
    assert all(text.strip() and "\t" not in text for _, _, text in rows)
    assert len({text for _, _, text in rows}) == len(rows), "duplicate texts"
    positives = sum(label for label, _, _ in rows)
    assert 0.35 <= positives / len(rows) <= 0.55


def test_precision_and_recall_on_labelled_set() -> None:
    tp = fp = fn = 0
    for label, _, text in load_texts():
        predicted = crisis_worthy(text)
        tp += predicted and label
        fp += predicted and not label
        fn += label and not predicted
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert recall >= 0.9, f"recall {recall:.3f} (TP {tp}, FN {fn}): run bench/early_warning_eval.py"
    assert precision >= 0.8, f"precision {precision:.3f} (TP {tp}, FP {fp}): run bench/early_warning_eval.py"


# --- terms and the interface ---------------------------------------------------------------------


def test_default_terms_have_known_codes() -> None:
    assert {t.code for t in DEFAULT_TERMS} == set(SIGNAL_CODES)
    assert {"曝光", "律师", "12315", "刹车失灵", "赔偿"} <= {t.term for t in DEFAULT_TERMS}
    assert len({t.term for t in DEFAULT_TERMS}) == len(DEFAULT_TERMS), "duplicate terms"


def test_term_positional_fields_unchanged() -> None:
    # crisis.early_warning.active_terms rebuilds edited terms positionally.
    base = next(t for t in DEFAULT_TERMS if t.term == "安全")
    rebuilt = Term(base.term, "safety", 5, base.exceptions, base.negated_forms)
    assert codes("做了安全检查") == [] and text_signals("有安全问题吗,安全", [rebuilt])[0].weight == 5


def test_finds_signals_in_order() -> None:
    text = "刹车失灵差点出事,再不解决我就找记者曝光,还要请律师起诉你们"
    assert codes(text) == [
        ("safety", "刹车失灵"),
        ("safety", "差点出事"),  # a pattern term reports the matched text
        ("exposure", "记者"),
        ("exposure", "曝光"),
        ("legal", "律师"),
        ("legal", "起诉"),
    ]
    assert crisis_worthy(text)
    assert all(isinstance(s, Signal) for s in text_signals(text))
    assert [s.position for s in text_signals(text)] == [text.index(t) for _, t in codes(text)]


def test_empty_text() -> None:
    assert text_signals("") == []
    assert text_signals(None) == []  # type: ignore[arg-type]
    assert not crisis_worthy("")
    with pytest.raises(ValueError):
        text_signals(12315)  # type: ignore[arg-type]


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
    with pytest.raises(ValueError):
        text_signals("x", [Term("re:(unclosed", "legal", 3)])


def test_pattern_terms() -> None:
    terms = [Term("re:找…律师", "legal", 3)]
    assert codes("我要找个好律师") == [("legal", "律师")]
    assert [s.term for s in text_signals("我要找个好律师", terms)] == ["找个好律师"]
    assert text_signals("找,律师", terms) == []  # "…" stays inside one clause


# --- negation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我不会曝光的,放心",
        "没有受伤",
        "我不想起诉",
        "不打算找律师",
        "别发微博",
        "不会去媒体那边说",
        "从没想过要起诉",  # up to NEGATION_GAP characters between
        "技师说没有发现安全隐患",
        "所幸无人受伤",
        "放心,不会投诉到厂家的",
        "不需要赔偿",
    ],
)
def test_negated_terms_do_not_fire(text: str) -> None:
    assert text_signals(text) == []
    assert not crisis_worthy(text)


@pytest.mark.parametrize("text", ["起诉？不会的,修好就行", "请律师?没必要", "曝光？不至于"])
def test_a_question_answered_with_no_does_not_fire(text: str) -> None:
    assert text_signals(text) == []


@pytest.mark.parametrize("text", ["担心刹车失灵,问多久换刹车油", "是否存在安全隐患?", "客户害怕起火"])
def test_hypothetical_does_not_fire(text: str) -> None:
    assert not crisis_worthy(text)


@pytest.mark.parametrize(
    "text",
    [
        "不满就曝光",
        "不行,我要曝光",
        "不解决我就曝光",
        "不处理的话我去曝光",
        "如不处理将向市场监管部门投诉",  # the negator sits in a condition
        "再不解决就打12315",
        "不排除起诉你们",  # words that start with a negator but do not negate
        "别逼我去法院",
        "不给我退一赔三,咱们法院见",
        "不会曝光？我已经曝光了！",  # the second occurrence counts
    ],
)
def test_negation_does_not_cross_words_conditions_or_clauses(text: str) -> None:
    assert crisis_worthy(text), codes(text)


# --- harmless uses, exceptions, identity ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "这车开着没有安全感",
        "做了安全检查,很满意",
        "安全带提示音有点大",
        "用工商银行卡付的款",
        "网上预约的保养",
        "客户想换车门饰板",
        "客户咨询换车险公司",
        "行车记录仪晚上曝光不足",
        "多媒体屏幕死机",
        "今天记者节放假",
        "胎压报警灯亮了",
        "我的电话13812315678",
        "你们在市场监管局对面那家店是直营的吗",  # a landmark
        "在抖音上看到你们的活动才来的",  # read there, not posted
        "时速120的时候有点风噪",
    ],
)
def test_harmless_uses_are_not_crisis_worthy(text: str) -> None:
    assert not crisis_worthy(text), codes(text)


def test_exception_phrases_do_not_fire_at_all() -> None:
    for text in [
        "做了安全检查",
        "用工商银行卡付的款",
        "换车门",
        "曝光不足",
        "记者节",
        "胎压报警灯",
        "律师节",
    ]:
        assert codes(text) == [], text


def test_safety_phrases() -> None:
    assert codes("这车开着没有安全感") == []
    assert codes("车子不安全") == [("safety", "不安全")]
    assert crisis_worthy("车子不安全")
    assert codes("有安全隐患") == [("safety", "安全隐患")]  # longest match: not 安全 as well
    assert crisis_worthy("有安全隐患")
    assert not crisis_worthy("注意行车安全")  # generic 安全 alone is 2
    assert crisis_worthy("安全带卡扣坏了扣不住") or crisis_worthy("安全带断了")


def test_identity_is_not_action() -> None:
    assert [(s.term, s.weight) for s in text_signals("客户是律师,工作很忙")] == [("律师", 1)]
    assert not crisis_worthy("律师朋友推荐来的")
    assert not crisis_worthy("客户在法院上班,午休来取车")
    assert crisis_worthy("我要找律师")


@pytest.mark.xfail(
    strict=True,
    reason="issue #23, fifth round: the model chosen on the cross-author check (1–2 grams, the "
    "independent set in the fit, threshold 0.46) scores this 0.32; the rules alone say 3. Kept "
    "failing on purpose: a lawyer at the customer's side with strong dissatisfaction is DOMAIN §6 d",
)
def test_lawyer_relative_with_strong_dissatisfaction_is_crisis_worthy() -> None:
    # DOMAIN §6 d (lawyer involved) / e (strong dissatisfaction): identity + strong dissatisfaction.
    assert [(s.code, s.weight) for s in text_signals("客户儿子是律师,陪同来店,言辞激烈")] == [
        ("legal", 1),
        ("aggravating", 2),
    ]
    assert crisis_worthy("客户儿子是律师,陪同来店,言辞激烈")


def test_hotline_number_not_inside_phone_number() -> None:
    assert codes("我的电话13812315678") == []
    assert codes("我打12315了") == [("authority", "12315")]
    assert codes("我打12315了") == codes("我打１２３１５了")  # full-width digits


# --- weights, combinations, normalisation --------------------------------------------------------


def test_each_term_counted_once() -> None:
    assert len(text_signals("赔偿!赔偿!赔偿!")) == 1
    assert not crisis_worthy("赔偿!赔偿!赔偿!")
    assert crisis_worthy("要求退车,否则就赔偿,还要换车")  # an explicit demand to return the car


def test_money_needs_strong_dissatisfaction() -> None:
    assert not crisis_worthy("客户要求赔偿洗车费30元,已同意")
    assert not crisis_worthy("问一下换车需要什么手续")
    assert crisis_worthy("退车！！马上退车！！骗子4S店")
    assert crisis_worthy("修了五次了还没好,必须赔偿我的损失")
    assert crisis_worthy("今天必须退车")


def test_aggravating_words_need_another_signal() -> None:
    assert text_signals("你们客服态度太差了,骗子,垃圾") == []
    assert not crisis_worthy("等了三个小时,太过分了")
    assert {s.code for s in text_signals("这车刹车有问题,太危险了,在高速上")} == {"safety", "aggravating"}


def test_one_concern_counts_once() -> None:
    found = text_signals("抖音直播看车挺方便的")
    assert {s.code for s in found} == {"exposure"} and len(found) == 2
    assert signal_weight(found) == 2  # the strongest per code, not 2 + 2
    assert not crisis_worthy("抖音直播看车挺方便的")
    assert signal_weight(text_signals("退车,骗子")) == 3


def test_normalisation() -> None:
    assert normalize("１２３１５，律師") == "12315,律师"
    assert len(normalize("暴光煞车陪偿")) == len("暴光煞车陪偿")
    assert codes("我要暴光你们") == [("exposure", "曝光")]
    assert crisis_worthy("定金也不退,我要找律師")
    assert crisis_worthy("煞车失灵")


def test_segmentation_option() -> None:
    def tokens(text: str) -> list[str]:
        return ["后桥断", "轴", "了"] if text == "后桥断轴了" else list(text)

    assert crisis_worthy("后桥断轴了")
    assert not crisis_worthy("后桥断轴了", segment=tokens)  # why substring matching was kept
    assert crisis_worthy("我要找律师", segment=lambda t: ["我", "要", "找", "律师"])
    assert not crisis_worthy("我要找律师", segment=lambda t: ["我", "要", "找律", "师"])
