"""Issue 23, ninth round: a model saved with "sentences" scores every sentence of a text too.

One alarming sentence among ordinary ones ("保养很顺利，谢谢小王。停红灯的时候车自己往前拱") must not
be outvoted by the n-grams of the others (bench/RESULTS.md, ninth round). Toy models make the rule
visible without depending on the shipped weights.
"""

import json
from pathlib import Path

import pytest

from csat.domain.signals import MODEL_CODE, assess, crisis_worthy, decision
from csat.domain.signals.model import LinearModel, load_model, sentences

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
    def use(*, by_sentence: bool) -> None:
        model = LinearModel(WEIGHTS, -2.0, 0.5, sentences=by_sentence)
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
