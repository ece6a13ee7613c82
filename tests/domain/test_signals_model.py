"""Issue 23: early warning that generalises — the text model, context rules and explanations.

Pure functions, no database. Each test names its rule and source (DOMAIN §6 crisis types a–e, §3
F identities, issue 23). Aggregate metrics live in bench/early_warning_eval.py, not here.
"""

import csv
import hashlib
import json
from pathlib import Path

import pytest

from csat.domain.early_warning import EXPLANATIONS, grade_for_signal
from csat.domain.signals import (
    MODEL_CODE,
    MODEL_EXPLANATION_PLAIN,
    MODEL_FILE,
    MODEL_MIN_WEIGHT,
    Signal,
    assess,
    crisis_worthy,
    cue_span,
    explain,
    load_model,
    meaningful_gram,
    normalize,
    rule_analysis,
    text_features,
    text_signals,
)

CHECK = Path(__file__).resolve().parents[2] / "bench" / "early_warning" / "model_check.json"


# --- a fixed sample of bench/early_warning/corpus.tsv, by crisis type (DOMAIN §6 a–e) ------------


@pytest.mark.parametrize(
    ("crisis_type", "text"),
    [
        ("a", "空调出风口里喷出来火星子，老婆吓得哭了"),
        ("a", "客户反映电动座椅突然往后移动，夹住了后排小孩的腿，已去医院检查"),
        ("b", "我是开出租的，这车趴在你们这快一个月了，份子钱一天不少交，我拿什么养家"),  # F: taxi driver
        ("c", "这个月车在路上趴了两次，两次都是同一个原因，你们修了等于没修"),
        ("c", "你们看看维修记录，从三月到现在进店九次，这车还叫新车吗"),
        ("d", "材料我整理好了，准备去市场监督管理局那边递"),
        ("d", "我找了汽车三包的仲裁机构，他们说可以受理"),
        ("e", "你们信不信我在你们展厅门口泼油"),
        ("e", "老子今天就死在你们店里，看你们怎么办"),
    ],
)
def test_crisis_types_a_to_e_are_crisis_worthy(crisis_type: str, text: str) -> None:
    # DOMAIN §6: a safety, b large loss, c repeated repairs, d media/lawyer/authority, e extreme acts.
    assert crisis_worthy(text), (crisis_type, assess(text))


@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("warranty", "保修期内的质量问题你们一直都是这么处理的吗，索赔挺快的，点赞"),
        ("warranty", "厂家索赔审核退回了，说照片不清楚，你们重新拍一下吧"),
        ("insurance", "我出险了，报了保险，理赔员让我先把车拖到你们店"),
        ("insurance", "客户的保险理赔资料已齐，等待保险公司核赔"),
        ("recall", "客户收到召回短信，预约本周六上午进店"),
        ("negated_threat", "放心，不会给你们差评，也不会到处说"),
        ("negated_threat", "起诉？不至于，把车修好就好"),
        ("past_threat", "上回我是说过要找律师，那是真急了，现在没事了"),
        ("harmless_mention", "你们家的视频号拍得挺好看的，那个小姐姐是销售吗"),
        ("harmless_mention", "在抖音上看到你们的活动才来的"),
        ("identity_harmless", "我在报社上班，单位下午有事，车晚点来取可以吗"),  # F identity, no crisis
    ],
)
def test_hard_negatives_are_not_crisis_worthy(category: str, text: str) -> None:
    # Issue 23: routine warranty/insurance/recall talk, negated or past threats and harmless
    # mentions of media, lawyers or platforms are not a crisis (DOMAIN §3: an identity alone is F).
    assert not crisis_worthy(text), (category, assess(text))


# --- context rules (issue 23) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "发动机异响在保修期内，麻烦帮我走厂家索赔",
        "保修索赔的单子签好了",
        "三包索赔进度怎么样了",
        "索赔件什么时候到",
    ],
)
def test_warranty_claim_is_not_a_signal(text: str) -> None:
    # Issue 23: 索赔 in a warranty context (索赔保修) is routine dealership language, not a money demand.
    assert rule_analysis(text).signals == []
    assert text_signals(text) == []
    assert not crisis_worthy(text)
    assert "ctx:routine" in text_features(text)[0]


def test_a_claim_outside_warranty_is_still_a_money_signal() -> None:
    # DOMAIN §6 b: a demand for compensation stays a (weight-1) money signal.
    assert [(s.code, s.term) for s in rule_analysis("车被你们撞坏了，我要索赔").signals] == [
        ("money", "索赔")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "我不会去投诉的，就是希望下次注意",
        "放心吧，我不会曝光的",
        "之前说要找记者那是气话，现在问题解决了就算了",
        "上次说要投诉到12315，后来你们处理得挺好，就撤了",
        "客户表示之前向12315的投诉已撤回",
    ],
)
def test_negated_and_retracted_threats_do_not_fire(text: str) -> None:
    # Issue 23 / DOMAIN §6 e: only a live threat of exposure, lawsuit or complaint is a signal.
    assert not crisis_worthy(text), assess(text)
    assert rule_analysis(text).signals == []


def test_a_live_threat_after_a_past_one_still_fires() -> None:
    # DOMAIN §6 d: "上次…算了" does not cover a new threat in a later sentence.
    assert crisis_worthy("上次的事就算了。这次再不处理，我明天就去12315投诉")


# --- the shipped model (issue 23) ------------------------------------------------------------------


def test_model_file_is_the_trained_one_and_small() -> None:
    # Issue 23: plain data under 300 kB, checked against the checksum written at training time.
    check = json.loads(CHECK.read_text(encoding="utf-8"))
    assert hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest() == check["sha256"]
    assert MODEL_FILE.stat().st_size < 300 * 1024


def test_model_scores_match_training() -> None:
    # Issue 23: the pure-Python scorer gives the scores bench/early_warning_train.py recorded.
    check = json.loads(CHECK.read_text(encoding="utf-8"))
    model = load_model()
    assert len(check["scores"]) >= 5
    for item in check["scores"]:
        features = text_features(item["text"], mask=model.mask_exceptions)[0]
        assert model.score(features) == pytest.approx(item["score"], abs=1e-6)


def test_model_is_loaded_once() -> None:
    assert load_model() is load_model()


# --- explanations in Chinese and English (issue 23) ------------------------------------------------


def test_model_signal_names_its_ngrams_in_both_languages() -> None:
    # Issue 23: an indirect threat the word list does not know is flagged by the model, and the
    # explanation names the n-grams that weighed most.
    text = "这事我已经交给我的代理人处理了，后面你们直接跟他谈"
    result = assess(text)
    assert result.worthy and result.rules_weight < 3
    model_signal = next(s for s in result.signals if s.code == MODEL_CODE)
    assert model_signal.term and all(gram in text for gram in model_signal.term.split("、"))
    zh = explain(model_signal, probability=result.probability)
    en = explain(model_signal, english=True, probability=result.probability)
    assert zh.startswith("文本模型") and model_signal.term.split("、")[0] in zh
    assert en.startswith("The text model") and model_signal.term.split("、")[0] in en
    assert "%" in zh and "%" in en


def test_cue_span_is_empty_for_what_is_not_a_cue() -> None:
    assert cue_span("cue:hurt", "座椅加热把腿烫起了泡") == "烫起了泡"
    assert cue_span("cue:negated", "我不会投诉") == ""
    assert cue_span("律师", "我要找律师") == ""
    assert cue_span("cue:hurt", "保养很顺利") == ""


def test_term_signal_explained_in_both_languages() -> None:
    signal = text_signals("我要找律师")[0]
    assert explain(signal) == "客户原话中出现“律师”（法律）"
    assert explain(signal, english=True) == "The customer's words contain “律师” (legal action)"


def test_model_explanation_registered_for_the_early_warning_page() -> None:
    pair = EXPLANATIONS["model"]
    assert "{what}" in pair.zh and "{what}" in pair.en


# --- ordinary complaints are not a crisis (issue 23, parts backorder) -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "配件一直没到，等了两周了，什么时候能到？",
        "配件一直没到,等了快一个月了,到底什么时候能到",
        "零件缺货，说要从厂家调，等了好久了",
        "保养等了两个多小时，太慢了，下次能不能快点",
        "前台态度不太好，问了两遍才有人理我",
        "结账比报价多了两百，也没人提前说一声",
    ],
)
def test_ordinary_complaint_is_not_grade_g(text: str) -> None:
    # DOMAIN §6 / §3: a parts backorder or a slow, rude or pricey visit is an ordinary complaint —
    # no crisis (grade G) and no text signal; a long backorder is the data pattern's grade-D signal
    # (parts_backorder), not the words'.
    assert not crisis_worthy(text), assess(text)
    assert text_signals(text) == []
    assert grade_for_signal("text:model", crisis_worthy=crisis_worthy(text)) != "G"


# --- the explanation names only meaningful features (issue 23) -----------------------------------


@pytest.mark.parametrize(
    "gram",
    ["了一", "一直", "一个", "车一", "客户说", "我们", "|车", "~曝光", "^投诉", "户说", "说客", "户说了"],
)
def test_stop_character_grams_are_never_named(gram: str) -> None:
    # Issue 23: "了一", "一直", "一个" told the GM nothing; only meaningful n-grams are shown.
    assert not meaningful_gram(gram, 5.0)


@pytest.mark.parametrize("gram", ["曝光", "代理人", "消防", "讨说法", "正常", "户口"])
def test_meaningful_grams_are_named_above_the_weight_threshold(gram: str) -> None:
    assert meaningful_gram(gram, MODEL_MIN_WEIGHT)
    assert not meaningful_gram(gram, MODEL_MIN_WEIGHT - 0.01)
    assert not meaningful_gram("rule:legal=3", 5.0) and not meaningful_gram("cue:repeat", 5.0)


@pytest.mark.parametrize(
    "text",
    [
        "这事我已经交给我的代理人处理了，后面你们直接跟他谈",
        "我们厂里的车都是这个毛病，今天来讨说法",
        "我在小区群里发了，大家都看看你们这是什么店",
        "我一直说了一个多月了，你们一直拖着，我已经把经过写好了",
    ],
)
def test_model_explanation_never_shows_stop_grams_in_either_language(text: str) -> None:
    # Issue 23: whatever the model weighed, the GM sees term categories, meaningful n-grams and the
    # customer's words behind a cue only.
    result = assess(text)
    weights = dict(result.features)
    spans = {cue_span(f, normalize(text)) for f in weights if f.startswith("cue:")}
    for signal in (s for s in result.signals if s.code == MODEL_CODE):
        named = [g for g in signal.term.split("、") if g]
        # A named reason is a cue's words, or the stretch one or more overlapping meaningful n-grams cover.
        assert all(
            g in spans or any(f in g and meaningful_gram(f, w) for f, w in weights.items()) for g in named
        ), named
        for english in (False, True):
            shown = explain(signal, english=english, probability=result.probability)
            assert not any(weak in shown for weak in ("了一", "一直", "一个", "车一")), shown


def test_model_signal_without_a_meaningful_gram_explains_the_verdict_in_both_languages() -> None:
    # Issue 23: when no n-gram is worth naming, the explanation says the model flagged the words.
    signal = Signal(MODEL_CODE, "", 3, 0)
    assert explain(signal, probability=0.8) == MODEL_EXPLANATION_PLAIN[0].format(p=80)
    assert explain(signal, english=True, probability=0.8) == MODEL_EXPLANATION_PLAIN[1].format(p=80)
    assert "“”" not in explain(signal) and "“”" not in explain(signal, english=True)


# --- a fixed sample of the corpus's train rows, per type and hard-negative category ---------------

CORPUS = CHECK.with_name("corpus.tsv")


def _sample() -> dict[str, list[tuple[bool, str]]]:
    """Every 15th train row of corpus.tsv (its file order is stable), grouped by crisis type or
    hard-negative category."""
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        rows = [
            r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if r["split"] == "train"
        ]
    groups: dict[str, list[tuple[bool, str]]] = {}
    for row in rows[::15]:
        key = row["type"] if row["label"] == "1" else (row["hard_negative"] or "ordinary")
        groups.setdefault(key, []).append((row["label"] == "1", row["text"]))
    return groups


def test_fixed_corpus_sample_per_type_and_hard_negative_category() -> None:
    # Issue 23: the pure function on a fixed sample of the corpus — every crisis type a–e (DOMAIN §6)
    # and every hard-negative category is represented, and each group is judged right at least
    # 90 % of the time (the model was fitted on these rows; held-out figures are in bench/RESULTS.md).
    groups = _sample()
    assert {"a", "b", "c", "d", "e", "warranty", "insurance", "negated_threat", "past_threat"} <= set(groups)
    for key, items in groups.items():
        right = sum(crisis_worthy(text) == label for label, text in items)
        assert right >= 0.9 * len(items), (key, [t for lbl, t in items if crisis_worthy(t) != lbl])


# --- ordinary repair complaints (issue 23, eleventh round) -----------------------------------------

# The most common complaints of a service department: a fault, a price, a wait, with a request.
# DOMAIN §6: none of them is a crisis (no danger to people, no large loss, no outside party, no
# threat). Written for the eleventh round's review; the model of that round flagged 6 of them.
ORDINARY_REPAIR_COMPLAINTS = [
    "保养后发动机异响，要求说明原因。",
    "发动机故障灯亮了，麻烦尽快安排检修",
    "变速箱换挡有点顿挫，希望检查一下",
    "客户反映刹车片更换后有异响，要求复查",
    "维修费用比报价高了三百，要求解释",
    "等了三个小时车还没修好，服务太慢",
    "空调不制冷，已经来修过一次了，希望这次修好",
    "销售承诺的赠品没有兑现，要求补发",
    "车漆有划痕，提车时没发现，要求处理",
    "客户要求退还多收的工时费",
    "发动机漏油，要求保修",
    "方向盘有点偏，做个四轮定位",
    "客户对维修结果不满意，要求重新检查",
    "车辆异响问题要求厂家技术人员来看看",
    "电瓶没电了打不着火，请派人救援",
]


def test_ordinary_repair_complaints_are_not_crisis_worthy() -> None:
    # Issue 23 / DOMAIN §6: an early warning that fires on routine complaints is ignored (alert
    # fatigue); at most 2 of the 15 may be flagged (the shipped model flags 1: a second visit for
    # the same fault, close to type c).
    flagged = [t for t in ORDINARY_REPAIR_COMPLAINTS if crisis_worthy(t)]
    assert len(flagged) <= 2, flagged


# --- everyday call notes (issue 23, fourteenth round) ---------------------------------------------

# What an agent writes on most call attempts and survey forms: nobody reached, call me later, all
# fine. Every call attempt's note is scanned for crisis words (callbacks.services.calls), so a model
# that flags these fills the GM's crisis board. The fourteenth round's model flagged 4 of them
# ("客户在开会，约好晚点再打") and was not shipped; the shipped model flags none.
EVERYDAY_CALL_NOTES = [
    "客户在开会，约好晚点再打",
    "客户在开车，不方便评分",
    "无人接听",
    "电话关机",
    "客户说在忙，下午三点再联系",
    "号码是空号，需要核实",
    "客户表示已经回访过了，不需要再打",
    "客户在外地出差，下周回来再说",
    "接电话的是客户家属，车主不在",
    "客户正在吃饭，晚上七点后再打",
    "客户说信号不好，稍后回电",
    "客户拒绝回访，说不喜欢接这种电话",
    "客户要求以后只发短信，不要打电话",
    "客户对本次保养满意，没有其他意见",
    "客户表示一切正常，谢谢关心",
    "客户说车开着挺好的，没什么问题",
    "已发送满意度短信，客户未回复",
    "客户换了新号码，已更新资料",
    "客户说上次回访已经评过分了",
    "客户要求下次保养提前提醒",
    "客户询问下次保养的时间和费用",
    "客户在国外，暂时联系不上",
    "客户表示很满意，销售顾问很热情",
    "客户说洗车洗得很干净，下次还来",
]


def test_everyday_call_notes_are_not_crisis_worthy() -> None:
    # Issue 23 / DOMAIN §6: none of these is a crisis (alert fatigue); at most 1 of 24 may be flagged.
    flagged = [t for t in EVERYDAY_CALL_NOTES if crisis_worthy(t)]
    assert len(flagged) <= 1, flagged


# --- the independent check set (issue 23, fifth round) ---------------------------------------------

INDEPENDENT = CHECK.with_name("independent.tsv")


def test_independent_check_set_is_train_side_only_and_balanced() -> None:
    # Issue 23: the texts of two independent authors are fitted on and used for the cross-author
    # check, never part of the held-out third — none of them may occur in corpus.tsv at all, so
    # the held-out rows stay those the earlier runs were scored on.
    with INDEPENDENT.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        corpus = {r["text"] for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}
    assert len(rows) == 1200 and {r["author"] for r in rows} == {"a", "b"}
    assert not {r["text"] for r in rows} & corpus
    assert len({r["text"] for r in rows}) == 1200
    for author, per_type in (("a", 72), ("b", 40)):
        positives = [r for r in rows if r["author"] == author and r["label"] == "1"]
        assert {t: sum(r["type"] == t for r in positives) for t in "abcde"} == dict.fromkeys(
            "abcde", per_type
        )
    hard = {r["hard_negative"] for r in rows if r["label"] == "0"}
    assert {"warranty", "insurance", "negated_threat", "past_threat", "accident_repair", "recall"} <= hard


def test_model_file_names_its_training_files() -> None:
    # Issue 23: the shipped model says what it was fitted on (the held-out third never).
    files = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["trained_on"]["files"]
    assert "bench/early_warning/corpus.tsv (split=train)" in files
    assert not any("split=test" in f for f in files)


# --- the fresh test set (issue 23, thirteenth round) ------------------------------------------------

FRESH = CHECK.with_name("fresh.tsv")


def _check_set(path: Path) -> list[dict[str, str]]:
    """The rows of a test set, after asserting none is fitted on: no text of it in a file the model
    is fitted on, no training core of 12 characters or more inside one of its texts, and the file
    not among the model's own training files."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = {r["text"] for r in rows}
    assert len(texts) == len(rows)
    fitted: set[str] = set()
    for name in ("corpus.tsv", "texts.tsv", "independent.tsv"):
        with CHECK.with_name(name).open(encoding="utf-8", newline="") as handle:
            fitted |= {r["text"] for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}
    assert not texts & fitted
    cores_files = sorted(CHECK.parent.glob("cores_*.tsv"))
    assert len(cores_files) >= 6  # seventh, eighth, twelfth, fifteenth, sixteenth, eighteenth
    for tsv in [*cores_files, CHECK.with_name("short_texts.tsv")]:
        with tsv.open(encoding="utf-8", newline="") as handle:
            cores = {r[-1] for r in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}
        assert not any(core in text for core in cores for text in texts if len(core) >= 12)
    files = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["trained_on"]["files"]
    assert not any(path.stem in f for f in files)
    return rows


def test_fresh_test_set_is_never_fitted_on_and_balanced() -> None:
    # Issue 23: a held-out set "that no rule or parameter is tuned on". The held-out third has been
    # scored about eleven times, so the thirteenth round measures on 1,000 texts by four authors
    # who saw nothing of the project. They must stay out of every file the model is fitted on, and
    # out of the model's own list of training files.
    rows = _check_set(FRESH)
    assert len(rows) >= 950
    assert {r["author"] for r in rows} == {"c", "d", "e", "f"}
    positives = [r for r in rows if r["label"] == "1"]
    per_type = {t: sum(r["type"] == t for r in positives) for t in "abcde"}
    assert min(per_type.values()) >= 90, per_type
    named = sum(r["hard_negative"] in ("warranty", "insurance", "negated_threat") for r in rows)
    assert named >= 200


APP_TEXTS = CHECK.with_name("app_texts.tsv")


def test_app_texts_are_never_fitted_on_and_mostly_harmless() -> None:
    # Issue 23, alert fatigue: the texts the app itself scans — call notes, survey remarks and
    # complaint summaries — by two authors who saw nothing of the project, mostly harmless as the
    # real traffic is. It measures how often the GM's board is raised for nothing, so it is never
    # fitted on either.
    rows = _check_set(APP_TEXTS)
    assert len(rows) >= 680
    assert {r["author"] for r in rows} == {"g", "h"}
    kinds = {
        k: [r for r in rows if r["kind"] == k] for k in ("call_note", "survey_remark", "complaint_summary")
    }
    assert sum(map(len, kinds.values())) == len(rows)
    for texts in kinds.values():
        harmless = sum(r["label"] == "0" for r in texts)
        assert harmless >= 0.65 * len(texts)
    positives = [r for r in rows if r["label"] == "1"]
    assert {r["type"] for r in positives} == set("abcde")


BLIND = CHECK.with_name("blind.tsv")


def test_blind_test_set_is_never_fitted_on_and_weighted_to_the_named_hard_negatives() -> None:
    # Issue 23's hardest target is warranty, insurance and "will not complain" ≤ 2 % flagged. The
    # held-out third has only 141 of them and has been scored about fifteen times, so the
    # nineteenth round measures on a second test set by four authors who saw nothing of the
    # project, with about as many named hard negatives as crisis texts. Never fitted on.
    rows = _check_set(BLIND)
    assert len(rows) >= 600
    assert {r["author"] for r in rows} == set("ijkl")
    positives = [r for r in rows if r["label"] == "1"]
    per_type = {t: sum(r["type"] == t for r in positives) for t in "abcde"}
    assert min(per_type.values()) >= 45, per_type
    named = sum(r["hard_negative"] in ("warranty", "insurance", "negated_threat") for r in rows)
    assert named >= 0.9 * len(positives)


APP2 = CHECK.with_name("app2.tsv")


def test_app2_texts_are_never_fitted_on_and_mostly_harmless() -> None:
    # Issue 23, alert fatigue: app_texts.tsv had been scored six times, so a successor by two more
    # authors who saw nothing of the project measures how often the GM's board is raised for an
    # everyday call note, survey remark or ticket summary. Never fitted on.
    rows = _check_set(APP2)
    assert len(rows) >= 650
    assert {r["author"] for r in rows} == {"s", "t"}
    for kind in ("call_note", "survey_remark", "complaint_summary"):
        texts = [r for r in rows if r["kind"] == kind]
        assert sum(r["label"] == "0" for r in texts) >= 0.75 * len(texts) >= 75
    positives = [r for r in rows if r["label"] == "1"]
    assert {r["type"] for r in positives} == set("abcde")
