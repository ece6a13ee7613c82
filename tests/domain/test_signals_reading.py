"""Issue 23, rounds nine to thirteen: how the text model reads a text (bench/RESULTS.md).

- A model saved with "sentences" scores every sentence of a text too: one alarming sentence among
  ordinary ones ("保养很顺利，谢谢小王。停红灯的时候车自己往前拱") is not outvoted by the others.
- A model saved with "mask_exceptions" reads a term inside its own exception phrase blanked
  (报警灯, 安全带), as the rules do.
- A short text (≤ 12 characters) that the rules alone rate worthy, with nothing switched off by
  context, is crisis-worthy whatever the model says ("我要找律师", DOMAIN §6 d).
- Clause-level cues (``cue:hurt``, ``cue:moving`` …) read what makes a fault a crisis — a person
  hurt, a failure while moving, a batch, parts counted — inside one clause (thirteenth round).
- A model saved with a "guarded_threshold" holds a text in the dealership's routine (warranty,
  insurance, recall) or with a threat switched off or taken back to that higher bar (twentieth
  round): the issue's named hard negatives are where harmless texts look most alarming.
Toy models make each rule visible without depending on the shipped weights.
"""

import json
from pathlib import Path

import pytest

from csat.domain.signals import MODEL_CODE, assess, crisis_worthy, decision, explain, text_features
from csat.domain.signals.matching import mask_exceptions, rule_analysis, signal_weight
from csat.domain.signals.model import MODEL_FILE, LinearModel, load_model, sentences

TEXT = "这次保养很顺利，谢谢小王。停红灯的时候车自己往前拱"
WEIGHTS = {"往前拱": 4.0, "顺利": -6.0}


def test_sentences_split_at_sentence_ends_only() -> None:
    assert sentences("车修好了。刹车突然失灵！差点出事") == ["车修好了", "刹车突然失灵", "差点出事"]
    assert sentences("第一件事\n第二件事…第三件事") == ["第一件事", "第二件事", "第三件事"]
    # A question answered in the same text stays one thought: "起诉" alone would read as a threat.
    assert sentences("起诉？不会的，修好就行") == []
    # A decimal point is not a sentence end.
    assert sentences("报价1.5万.太贵了") == ["报价1.5万", "太贵了"]
    assert sentences("就一句话。") == []


@pytest.fixture
def toy_model(monkeypatch: pytest.MonkeyPatch):
    def use(
        *,
        by_sentence: bool = False,
        weights: dict[str, float] = WEIGHTS,
        mask: bool = False,
        guarded: float | None = None,
    ) -> None:
        model = LinearModel(
            weights, -2.0, 0.5, sentences=by_sentence, mask_exceptions=mask, guarded_threshold=guarded
        )
        monkeypatch.setattr(decision, "load_model", lambda: model)

    return use


def test_one_alarming_sentence_is_not_outvoted(toy_model) -> None:
    # Whole text: -2 + 4 - 6 < 0, under the threshold; the second sentence alone: -2 + 4 > 0.
    toy_model(by_sentence=False)
    assert not crisis_worthy(TEXT) and not assess(TEXT).worthy
    toy_model(by_sentence=True)
    assert crisis_worthy(TEXT)
    result = assess(TEXT)
    assert result.worthy and result.probability == pytest.approx(1 / (1 + 2.718281828459045**-2), abs=1e-6)
    # The explanation names the n-gram of the sentence that decided, not the ordinary one's.
    model_signal = next(s for s in result.signals if s.code == MODEL_CODE)
    assert model_signal.term == "往前拱"
    assert all(feature != "顺利" for feature, _ in result.features)


def test_a_single_sentence_is_scored_once(toy_model) -> None:
    toy_model(by_sentence=True)
    assert not crisis_worthy("保养很顺利，车自己往前拱")  # one sentence: -2 + 4 - 6


def test_model_file_says_whether_it_scores_sentences(tmp_path: Path) -> None:
    data = {"intercept": -1.0, "threshold": 0.3, "weights": {"往前拱": 1.0}}
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(data), encoding="utf-8")
    by_sentence = tmp_path / "sentences.json"
    by_sentence.write_text(json.dumps({**data, "sentences": True}), encoding="utf-8")
    assert load_model(plain).sentences is False
    assert load_model(by_sentence).sentences is True


def test_a_term_inside_its_exception_phrase_is_blanked() -> None:
    assert mask_exceptions("胎压报警灯亮了") == "胎压||灯亮了"
    # Only the term is blanked: the rest of the phrase still speaks (an airbag that did not open).
    assert mask_exceptions("安全气囊没弹出来") == "||气囊没弹出来"
    assert mask_exceptions("我打12315了") == "我打12315了"
    assert mask_exceptions("报警了，报警灯也亮了") == "报警了，||灯也亮了"


def test_model_reads_exceptions_blanked_only_when_saved_so(toy_model) -> None:
    features = text_features("胎压报警灯亮了", mask=True)[0]
    assert "报警" not in features and "灯亮" in features
    assert "报警" in text_features("胎压报警灯亮了")[0]
    toy_model(weights={"报警": 4.0})
    assert crisis_worthy("胎压报警灯亮了")
    toy_model(weights={"报警": 4.0}, mask=True)
    assert not crisis_worthy("胎压报警灯亮了")
    assert crisis_worthy("我已经报警了")  # the term itself still counts


def test_short_clear_texts_are_decided_by_the_rules_too(toy_model) -> None:
    toy_model(weights={})  # a model that rates every text 12 %, under its threshold
    # DOMAIN §6 d: a short, plain threat of legal action.
    assert crisis_worthy("我要找律师") and assess("我要找律师").worthy
    assert assess("我要找律师").signals[0].term == "律师"
    # Negated: the rules switched the term off, so the (silent) model decides.
    assert not crisis_worthy("我不会找律师的")
    # Longer than SHORT_TEXT: the model decides, the rules only feed it.
    longer = "我要找律师，" + "你们的前台接待态度实在太差了，" * 2
    assert len(longer) > decision.SHORT_TEXT and not crisis_worthy(longer)


# --- clause-level cues (issue 23, thirteenth round) ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # DOMAIN §6 a (safety) / F (injury): a person hurt, told without a listed word.
        ("座椅加热把我老婆的腿烫起了泡", "cue:hurt"),
        ("箱盖砸在我爸头上，缝了五针", "cue:hurt"),
        # DOMAIN §6 a: a failure while the car moves.
        ("昨天转弯时方向盘锁住了", "cue:moving"),
        ("高速上开着开着突然熄火", "cue:moving"),
        ("技师说是下摆臂裂了", "cue:part_broke"),
        # DOMAIN §3 F: batch problems from a fleet account.
        ("驾校12台教练车离合全都出问题", "cue:batch"),
        # DOMAIN §6 c: repairs counted without a cure.
        ("换了三个零件了还没找到原因", "cue:parts_counted"),
        # DOMAIN §3 F / §6 d: an office reached through someone close.
        ("我家那口子在派出所上班", "cue:office_tie"),
    ],
)
def test_clause_cues_read_what_makes_a_fault_a_crisis(text: str, cue: str) -> None:
    assert cue in text_features(text)[0]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("上礼拜撞了护栏，没人受伤", "cue:hurt"),  # nobody hurt: an ordinary accident repair
        ("保养后发动机异响，要求说明原因", "cue:moving"),
        ("高速上跑了一趟，油耗有点高。刹车片换了", "cue:part_broke"),
        # The parts of a cue must share a clause: a comma breaks it.
        ("我们公司有三十台车，都在你们这保养", "cue:batch"),
        ("换了三个零件，还送了洗车", "cue:parts_counted"),
    ],
)
def test_clause_cues_stay_silent_on_ordinary_texts(text: str, cue: str) -> None:
    assert cue not in text_features(text)[0]


@pytest.mark.parametrize(
    ("text", "cue", "words"),
    [
        ("座椅加热把我老婆的腿烫起了泡", "cue:hurt", "烫起了泡"),  # DOMAIN §6 a
        ("修了五回了还是漏水，你们看着办", "cue:repeat", "修了五回"),  # DOMAIN §6 c
    ],
)
def test_a_cue_is_explained_by_the_customers_words_in_both_languages(
    toy_model, text: str, cue: str, words: str
) -> None:
    # Issue 23: "keep the explanation the GM sees: which words or which model features fired, in
    # the page language" — a cue is shown as the words that made it fire, never as "cue:hurt".
    toy_model(weights={cue: 5.0})
    result = assess(text)
    assert result.worthy and result.rules_weight < 3
    model_signal = next(s for s in result.signals if s.code == MODEL_CODE)
    assert model_signal.term == words
    for english in (False, True):
        shown = explain(model_signal, english=english, probability=result.probability)
        assert f"“{words}”" in shown and "cue:" not in shown


# --- the default list passed explicitly (issue 23, fourteenth round's review) ---------------------


def test_the_default_list_passed_explicitly_is_the_default(toy_model) -> None:
    # The crisis app always passes its active terms (crisis.early_warning.terms.active_terms), the
    # default list while no term is edited. The verdict must then be the one the benchmark
    # measures (crisis_worthy(text)), not the rules' and the model's together: the model already
    # weighs the rules. A model that flags nothing shows the difference.
    from csat.domain.signals import DEFAULT_TERMS, Term

    toy_model(weights={})
    text = "你们再不解决，我就去法院起诉你们，已经找好律师了"
    assert signal_weight(rule_analysis(text).signals) >= 3  # the rules alone say worthy
    assert not crisis_worthy(text)
    assert not crisis_worthy(text, list(DEFAULT_TERMS))
    assert not assess(text, list(DEFAULT_TERMS)).worthy
    # An edited list is the caller's own: the model does not know it, so the rules count too.
    edited = [*DEFAULT_TERMS, Term("拉黑", "extreme", 3)]
    assert crisis_worthy(text, edited) and assess(text, edited).worthy
    assert crisis_worthy("我要把你们拉黑，让大家都知道这家店", edited)


def test_overlapping_reasons_are_named_as_the_words_they_cover(toy_model) -> None:
    # Issue 23, the explanation the GM sees: "发动" and "动机" are one word in "发动机"; named apart
    # they read as "launch" and "motive". A reason that does not overlap stays apart.
    toy_model(weights={"发动": 2.0, "动机": 1.5, "故障": 1.0})
    result = assess("保养后发动机故障灯亮了")
    model_signal = next(s for s in result.signals if s.code == MODEL_CODE)
    assert model_signal.term == "发动机、故障"
    assert model_signal.position == "保养后发动机故障灯亮了".index("发动机")
    for english in (False, True):
        shown = explain(model_signal, english=english, probability=result.probability)
        assert "“发动机”" in shown and "“动机”" not in shown


def test_routine_and_taken_back_texts_are_held_to_the_guarded_bar(toy_model) -> None:
    # Issue 23: warranty, insurance and "will not complain" texts must rarely be flagged (≤ 2 %).
    # The toy model rates 漏油 at -2 + 2.5: probability 0.62, over its threshold 0.5, under the
    # guarded bar 0.7.
    toy_model(weights={"漏油": 2.5}, guarded=0.7)
    plain = "发动机漏油了，到现在也没人管"
    assert crisis_worthy(plain) and assess(plain).worthy
    for text in (
        "发动机漏油了，走保修吧",  # warranty (context.ROUTINE_CONTEXT)
        "发动机漏油了，保险公司定损员明天来",  # insurance
        "发动机漏油了，等召回通知",  # recall
        "发动机漏油了，不过我不会去投诉的",  # a threat negated
    ):
        assert not crisis_worthy(text), text
        assert not assess(text).worthy, text
    # A model saved without the bar holds every text to its threshold.
    toy_model(weights={"漏油": 2.5})
    assert crisis_worthy("发动机漏油了，走保修吧")


def test_the_guarded_bar_is_read_from_the_model_file(tmp_path: Path) -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["guarded_threshold"] >= data["threshold"]  # the shipped model has one, never lower
    data["guarded_threshold"] = 0.9
    with_bar = tmp_path / "with_bar.json"
    with_bar.write_text(json.dumps(data), encoding="utf-8")
    assert load_model(with_bar).bar(True) == 0.9
    assert load_model(with_bar).bar(False) == data["threshold"]
    del data["guarded_threshold"]
    without = tmp_path / "without.json"
    without.write_text(json.dumps(data), encoding="utf-8")
    assert load_model(without).bar(True) == data["threshold"]
