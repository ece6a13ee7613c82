"""The training script: the guarded bar (issue 23, twentieth round) and the feedback it fits on."""

from __future__ import annotations

from pathlib import Path

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


def test_a_feedback_file_with_a_bad_label_is_refused(tmp_path: Path) -> None:
    # A hand-corrected export with a typo must stop the fit, not be read as harmless.
    path = tmp_path / "feedback.tsv"
    path.write_text("label\ttype\tauthor\ttext\nyes\t\tstore:SZ01\t刹车失灵差点出事\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="label 0 or 1"):
        train.feedback_rows([path])
    assert train.feedback_rows([]) == []
    # A good file: its rows fitted with the weight asked for (--feedback-weight), in their store's group.
    path.write_text("label\ttype\tauthor\ttext\n1\ta\tstore:SZ01\t刹车失灵差点出事\n", encoding="utf-8")
    (row,) = train.feedback_rows([path], 3.0)
    assert (row.label, row.crisis_type, row.weight, row.source) == (1, "a", 3.0, "feedback:store:SZ01")


def test_the_nb_weighted_fit_exports_a_linear_model_over_presence(monkeypatch: pytest.MonkeyPatch) -> None:
    # Twenty-fifth round (--nb): the fit sees each feature scaled by its NB log-count ratio, and the
    # exported weight is coefficient × ratio, so the shipped pure-Python scorer (a sum of weights
    # over the present features) gives the fit's own scores. A pruned fit keeps the strongest
    # MAX_FEATURES weights and every rule feature, as the written model does.
    monkeypatch.setattr(train, "NB_ALPHA", 1.0)
    monkeypatch.setattr(train, "PRUNE_FITS", False)
    rows = [
        train.Row(text, label, "", "a" if label else "", text, "composed")
        for text, label in [
            ("刹车失灵差点出事", 1),
            ("我要去曝光你们", 1),
            ("发动机起火了", 1),
            ("保养很满意", 0),
            ("洗车没洗干净", 0),
            ("前台态度不太好", 0),
        ]
    ]
    vectorizer, model = train.fit_rows(rows, 1.0, 3.0)
    assert isinstance(model, train.NBLogisticRegression)
    names = vectorizer.get_feature_names_out()
    matrix = vectorizer.transform(train.row_features(rows, 3.0))
    inner = model.model.decision_function(model._scaled(matrix))
    presence = np.asarray(matrix @ model.coef_[0]).ravel() + model.intercept_[0]
    assert np.allclose(presence, inner)
    assert np.allclose(model.decision_function(matrix), inner)
    # A feature only crisis texts have gets a positive ratio, one only harmless texts have a negative.
    ratio = dict(zip(map(str, names), model.ratio, strict=True))
    assert ratio["曝光"] > 0 > ratio["保养"]

    monkeypatch.setattr(train, "MAX_FEATURES", 3)
    model.prune(names)
    kept = {str(n) for n, c in zip(names, model.coef_[0], strict=True) if c}
    assert len([n for n in kept if not n.startswith(train.RULE_PREFIXES)]) <= 3
    rules = {str(n) for n in names if str(n).startswith(train.RULE_PREFIXES)}
    assert rules and rules <= kept  # rule:safety=3, rule:exposure=3, rule:worthy


def test_ties_at_the_weight_cut_are_broken_by_name_not_by_the_solvers_last_digits() -> None:
    # Twenty-eighth round: many n-grams share one rounded weight at the cut, and the digits below
    # the rounding (which ordered them before) differ from machine to machine. The order is the
    # written weight's size, then the name, so every machine keeps the same weights.
    names = np.array(["丙", "乙", "甲", "强"])
    coefficients = np.array([0.08281, -0.08279, 0.082801, 0.5])
    assert train.strongest_first(coefficients, names) == [3, 0, 1, 2]  # 强, then 丙 < 乙 < 甲 by name
    assert train.strongest_first(-coefficients[::-1], names[::-1]) == [0, 3, 2, 1]


def test_cv_repeats_pools_the_strict_cv_over_several_draws_of_folds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # --cv-repeats N: the strict CV runs once per draw of folds (salts cv_seed .. cv_seed+N-1) and the
    # threshold is chosen on all draws' out-of-fold scores together; the salt is restored after.
    globals_set_by_main: list[str] = ["JOINT_CV_RECALL", "SENTENCES", "MIN_GRAM", "DIGIT_GRAMS"]
    globals_set_by_main += ["SHORT_WEIGHT", "MASK", "PENALTY", "SENTENCE_NEGATIVES", "STOP_GRAMS"]
    globals_set_by_main += [
        "NAMED_WEIGHT",
        "NB_ALPHA",
        "PRUNE_FITS",
        "MAX_FEATURES",
        "NB_BLEND",
        "CV_NEAR",
        "CV_SEED",
    ]
    for name in globals_set_by_main:  # restored after the test
        monkeypatch.setattr(train, name, getattr(train, name))
    seen: list[int] = []

    def fake_strict(c: float, rule_scale: float, *, extra: bool = True, add_fit=None):  # noqa: ANN001, ANN202
        seen.append(train.CV_SEED)
        row = train.Row("刹车失灵", 1, "", "a", "刹车失灵", "composed")
        return [row], np.array([0.3 + train.CV_SEED / 10])

    monkeypatch.setattr(train, "strict_out_of_fold", fake_strict)
    monkeypatch.setattr(train, "training_rows", lambda extra=True: [])
    monkeypatch.setattr(train, "independent_rows", lambda weight=1.0: [])
    chosen: list[np.ndarray] = []

    def fake_choose(probabilities: np.ndarray, *rest: object) -> float:
        chosen.append(probabilities)
        return 0.2

    monkeypatch.setattr(train, "choose_threshold", fake_choose)
    monkeypatch.setattr(train, "cv_report", lambda *args: None)
    oof = tmp_path / "oof.tsv"
    assert train.main(["--cv-only", "--cv-repeats", "3", "--cv-seed", "1", "--save-oof", str(oof)]) == 0
    assert seen == [1, 2, 3]
    assert np.allclose(chosen[0], [0.4, 0.5, 0.6])
    assert train.CV_SEED == 1
    # --save-oof writes every draw's out-of-fold score, one row per scored text, with its guard
    header, *saved = oof.read_text(encoding="utf-8").splitlines()
    assert header.split("\t") == [
        "label",
        "type",
        "hard",
        "source",
        "group",
        "guarded",
        "probability",
        "text",
    ]
    assert [line.split("\t")[6] for line in saved] == ["0.400000", "0.500000", "0.600000"]
    assert {line.split("\t")[7] for line in saved} == {"刹车失灵"}


def test_a_second_fit_can_only_hold_back_guarded_texts_the_first_flags(tmp_path: Path) -> None:
    # Twenty-ninth round (bench/early_warning_agree.py): scores saved by --save-oof/--save-author
    # read back as written, and the agreement rule leaves every text out of scope as the first fit
    # scored it, while a guarded one needs the second fit's score at the bar too.
    from bench import early_warning_agree as agree

    rows = [
        train.Row("发动机异响在保修期内，麻烦帮我走厂家索赔", 0, "warranty", "", "w", "independent:a"),
        train.Row("车在高架上突然没动力了，差点被后车追尾", 1, "", "a", "d", "independent:a"),
    ]
    path = tmp_path / "first_au.tsv"
    train.save_scores(path, rows, np.array([0.31, 0.9]))
    read, scores, guarded = agree.load_scores(path)
    assert read == rows
    assert scores.tolist() == [0.31, 0.9]
    assert guarded.tolist() == [True, False]  # 保修 is the dealership's routine
    assert agree.routine(read).tolist() == [True, False]
    second = np.array([0.1, 0.05])
    assert agree.agreed(scores, second, guarded, 0.2).tolist() == [0.0, 0.9]
    assert agree.agreed(scores, second, guarded, 0.1).tolist() == [0.31, 0.9]
