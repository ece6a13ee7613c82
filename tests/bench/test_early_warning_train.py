"""The training script's guarded bar (issue 23, twentieth round)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import early_warning_train as train


def test_the_guarded_bar_is_the_highest_that_keeps_both_recalls(monkeypatch: pytest.MonkeyPatch) -> None:
    # The guarded texts (here: those naming 保修) may be held to a bar above the threshold only as
    # far as the strict CV and the cross-author check keep their recall; the other texts stay at
    # the threshold, so a plain crisis text at 0.30 never counts against the bar.
    monkeypatch.setattr(train, "JOINT_CV_RECALL", 0.9)
    monkeypatch.setattr(train, "CROSS_AUTHOR_RECALL", 0.9)
    monkeypatch.setattr(train, "is_guarded", lambda rows: np.array(["保修" in r.text for r in rows]))

    def row(text: str, label: int, source: str) -> train.Row:
        return train.Row(text, label, "" if label else "warranty", "a" if label else "", text, source)

    cv = [
        row("保修一", 1, "composed"),
        row("保修二", 1, "composed"),
        row("普通", 1, "composed"),
        row("保修三", 0, "composed"),
        row("不计分", 1, "extra"),  # not a scored source: never holds the bar down
    ]
    cv_p = np.array([0.9, 0.4, 0.3, 0.35, 0.21])
    author = [row("保修四", 1, "independent:a"), row("保修五", 0, "independent:b")]
    author_p = np.array([0.95, 0.5])
    assert train.guarded_report(cv, cv_p, author, author_p, 0.2) == 0.4
    # The cross-author check binds too: its crisis text at 0.33 keeps the bar at 0.33.
    author_p = np.array([0.33, 0.5])
    assert train.guarded_report(cv, cv_p, author, author_p, 0.2) == 0.33


def test_every_checked_fit_is_pruned_like_the_written_model(monkeypatch: pytest.MonkeyPatch) -> None:
    # Twenty-third round: the CV and cross-author checks must score the model that is written. The
    # written model keeps the MAX_FEATURES strongest weights (a rule feature's exported weight is
    # coefficient × rule scale) and every rule, context and cue feature; a checked fit keeps the same.
    monkeypatch.setattr(train, "MAX_FEATURES", 2)
    names = np.array(["保修", "刹车", "rule:legal=3", "曝光", "ctx:negated"])
    coefficients = np.array([0.5, -2.0, 0.3, 1.0, -0.01])
    # rule:legal=3 weighs 0.9 once scaled by 3: below 刹车 (2.0) and 曝光 (1.0), kept anyway.
    assert train.kept_order(names, coefficients, 3.0) == [1, 3, 2, 4]

    rows = [
        train.Row(text, label, "", "a" if label else "", text, "composed")
        for text, label in [("刹车失灵差点出事", 1), ("我要去曝光", 1), ("保养很满意", 0), ("洗车没洗干净", 0)]
    ]
    monkeypatch.setattr(train, "MAX_FEATURES", 5)
    vectorizer, model = train.fit_rows(rows, 1.0, 1.0)
    names = vectorizer.get_feature_names_out()
    nonzero = {str(n) for n, c in zip(names, model.coef_[0], strict=True) if c}
    assert len(names) > 5
    assert nonzero == {str(names[i]) for i in train.kept_order(names, model.coef_[0], 1.0)}
    assert len([n for n in nonzero if not n.startswith(train.RULE_PREFIXES)]) <= 5
