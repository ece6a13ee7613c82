#!/usr/bin/env python
"""Train the early-warning text model of issue 23 and export it as plain data. Not run at runtime.

    .venv/bin/python bench/early_warning_train.py

Fits a logistic regression (scikit-learn, a dev dependency) on the features of
``csat.domain.signals.text_features`` — character 1–3 grams plus the rule signals — of the
**train** split of bench/early_warning/corpus.tsv and all of bench/early_warning/texts.tsv (the
issue-12 set the rules were written on). The held-out split is never read here.

Every choice (features, C, threshold) is made on a strict grouped 5-fold cross-validation of the
train split: the train cores are re-composed per fold the way the held-out split is built, so a
fold's scored texts share no core, opener, closer, note prefix, filler, context line or slot value
(platform, authority, amount) with the texts fitted on (``strict_folds``; ``--loose`` gives the
old folds by core only, which shared those pieces and were too optimistic). Scored on the corpus's
own train rows (``--cv-only --curve --errors`` prints it). The decision threshold is the highest one
whose CV recall is still ≥ 0.95 with precision ≥ 0.95, failing that the highest with recall ≥ 0.95
(searched from 0.05: on the strict CV the recall-0.95 threshold can lie below 0.20). Weights are pruned
to the strongest MAX_FEATURES (rule features are always kept) and written, rounded, to
csat/domain/signals/model.json; bench/early_warning/model_check.json holds the file's sha256 and
the scores of a few texts as the shipped pure-Python model computes them, for the tests.

Fifth round (the independent check set, bench/early_warning/independent.tsv: 1,200 texts by two
authors who never saw rules, corpus or model; train side only). ``--cross-author`` fits on the
train side plus author a's texts and scores author b's, then the other way round, and reports the
pooled figures next to the shipped model's on the same texts; with ``--independent`` (the final
recipe) the threshold is the highest whose pooled cross-author recall is ≥ CROSS_AUTHOR_RECALL
(fixed before any run, bench/RESULTS.md) and the written model is fitted on all 1,200 texts too
(each weighted ``--independent-weight``). The strict train-CV then fits on the 1,200 texts in
every fold (they are never scored there).

Sixth round: ``--joint`` (with ``--independent-weight``; 0 = the independent texts are not fitted
at all, and one model fitted on the train side scores all 1,200 in the cross-author check) sets the
threshold to the highest at which the strict train-CV recall is ≥ JOINT_CV_RECALL and the pooled
cross-author recall is ≥ CROSS_AUTHOR_RECALL, and writes nothing when no threshold has both.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

import early_warning_corpus  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from csat.domain import signals  # noqa: E402
from csat.domain.signals import decision  # noqa: E402
from csat.domain.signals import model as signals_model  # noqa: E402
from csat.domain.signals.matching import rule_analysis  # noqa: E402
from csat.domain.signals.model import MODEL_FILE, NGRAM_MAX, LinearModel  # noqa: E402

CORPUS = ROOT / "bench" / "early_warning" / "corpus.tsv"
ISSUE12 = ROOT / "bench" / "early_warning" / "texts.tsv"
INDEPENDENT = ROOT / "bench" / "early_warning" / "independent.tsv"
# The model shipped before the independent set (57e0665): the cross-author check's reference.
SHIPPED_COMMIT = "57e0665"
# The threshold rule of the cross-author check, fixed before any run (bench/RESULTS.md, protocol).
CROSS_AUTHOR_RECALL = 0.96
# The protocol's guard: a recipe whose strict train-CV recall at its cross-author threshold is below
# this is not preferred. Reported only: no candidate reached it (bench/RESULTS.md, fifth round), and
# the threshold rule fixed before any run (cross-author recall) stands.
STRICT_CV_RECALL = 0.93
# Sixth round (bench/RESULTS.md, protocol written before any run): a recipe qualifies only at a
# threshold where BOTH recalls hold — strict train-CV recall ≥ JOINT_CV_RECALL and pooled
# cross-author recall ≥ CROSS_AUTHOR_RECALL; its threshold is the highest such one (``--joint``).
JOINT_CV_RECALL = 0.95
CHECK_FILE = ROOT / "bench" / "early_warning" / "model_check.json"
C = 3.0
MAX_FEATURES = 15000
DIGITS = 4
MIN_PRECISION = 0.95
MIN_RECALL = 0.95
FOLDS = 5
# The rule, context and cue features enter the fit with this value instead of 1 — a weaker L2
# penalty on the few features that carry the term list's knowledge, so short texts ("有安全隐患")
# are not outvoted by the intercept and common characters. The exported weight is coefficient ×
# scale, so the shipped model still scores by presence. Chosen on train-CV.
RULE_SCALE = 1.0
RULE_PREFIXES = ("rule:", "ctx:", "cue:")
# Train-CV figures are on the corpus's own train rows, so runs with and without the extra cores
# compare on the same texts (the extra cores and the issue-12 set are only fitted on).
SCORED_SOURCES = ("composed", "handwritten")
CHECK_TEXTS = [
    "我已经把材料交给代理人了，准备走法律程序",
    "发动机异响在保修期内，麻烦帮我走厂家索赔",
    "放心吧，我不会去投诉的",
    "车在高架上突然没动力了，差点被后车追尾",
    "保养等了两个小时，太慢了",
    "我们车队二十台车都是同一个毛病",
    "胎压报警灯亮了，安全气囊灯也亮了。车开着没问题",
]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    label: int
    hard: str  # hard-negative category, "" for positives and ordinary harmless texts
    crisis_type: str
    group: str  # the core (or hand-written text) it was built from: the unit of the CV folds
    source: str
    weight: float = 1.0  # sample weight in the fit


def independent_rows(weight: float = 1.0) -> list[Row]:
    """The independent check set; ``source`` is ``independent:<author>``."""
    return [
        Row(
            r["text"],
            int(r["label"]),
            r["hard_negative"],
            r["type"],
            "independent:" + r["text"],
            "independent:" + r["author"],
            weight,
        )
        for r in read(INDEPENDENT)
    ]


# Texts never fitted on: the held-out third and the check sets. A feedback row sharing a stretch
# of FEEDBACK_OVERLAP characters with one of them is left out, so no score is made on what was fitted.
TEST_SETS = [CORPUS] + [
    ROOT / "bench" / "early_warning" / n for n in ("fresh.tsv", "app_texts.tsv", "app2.tsv", "blind.tsv")
]
FEEDBACK_OVERLAP = 10


def stretches(text: str, n: int) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def feedback_rows(paths: list[Path], weight: float = 1.0) -> list[Row]:
    """The GM's verdicts exported by ``manage.py export_signal_feedback`` (columns of fresh.tsv):
    fitted on, never scored; ``source`` is ``feedback:<author>`` (the store). A row that shares a
    stretch of FEEDBACK_OVERLAP characters with a held-out or check-set text (a shorter text: the same
    text) is left out."""
    if not paths:
        return []
    protected: set[str] = set()  # the test texts' stretches, and the short texts whole
    for path in TEST_SETS:
        for r in read(path):
            if path != CORPUS or r["split"] == "test":
                protected |= stretches(r["text"], FEEDBACK_OVERLAP) or {r["text"]}
    rows, dropped = [], 0
    for path in paths:
        for r in read(path):
            if r["label"] not in ("0", "1") or not r["text"].strip():
                raise SystemExit(f"{path}: a row needs label 0 or 1 and a text: {r!r}")
            if (stretches(r["text"], FEEDBACK_OVERLAP) or {r["text"]}) & protected:
                dropped += 1
                continue
            source = "feedback:" + (r.get("author") or path.stem)
            rows.append(
                Row(
                    r["text"],
                    int(r["label"]),
                    r.get("hard_negative") or "",
                    r.get("type") or "",
                    source + ":" + r["text"],
                    source,
                    weight,
                )
            )
    print(
        f"feedback: {len(rows)} texts fitted ({sum(r.label for r in rows)} crisis-worthy), {dropped} left out (overlap with a test set)"
    )
    return rows


_FEATURES: dict[tuple[str, float], dict[str, float]] = {}


# Features left out of the fit (so they weigh nothing when scored): single characters with
# ``--min-gram 2``, runs of digits only with ``--no-digit-grams`` (phone and order numbers).
MIN_GRAM = 1
DIGIT_GRAMS = True
MASK = False  # --mask-exceptions: n-grams read with the term list's exceptions blanked
_DIGITS_ONLY = re.compile(r"^[~^]?[0-9|]+$")


# Seventeenth round (``--no-stop-grams``): n-grams made only of characters too common to tell
# anything (``decision.STOP_CHARS``: 在, 会, 了, 人 …, and the stop words 客户, 一直 …) are left out
# of the fit, so a text weighs only on what the GM could read as a reason — a note with none of
# it ("客户在开会，约好晚点再打") scores the intercept.
STOP_GRAMS = False


def stop_gram(feature: str) -> bool:
    rest = feature.lstrip("~^").replace("|", "")
    for word in decision.STOP_GRAMS:
        rest = rest.replace(word, "")
    return all(c in decision.STOP_CHARS for c in rest)


def fitted_feature(feature: str) -> bool:
    if feature.startswith(RULE_PREFIXES):
        return True
    if not DIGIT_GRAMS and _DIGITS_ONLY.match(feature):
        return False
    if not STOP_GRAMS and stop_gram(feature):
        return False
    return len(feature.lstrip("~^")) >= MIN_GRAM


def feature_dict(text: str, rule_scale: float) -> dict[str, float]:
    """One text's feature dict for the fit (rule features valued ``rule_scale``), cached."""
    key = (text, rule_scale)
    if key not in _FEATURES:
        _FEATURES[key] = {
            f: (rule_scale if f.startswith(RULE_PREFIXES) else 1.0)
            for f in signals.text_features(text, mask=MASK)[0]
            if fitted_feature(f)
        }
    return _FEATURES[key]


def row_features(texts: list[Row], rule_scale: float) -> list[dict[str, float]]:
    """The fit's feature dicts (rule features valued ``rule_scale``), cached per text."""
    return [feature_dict(r.text, rule_scale) for r in texts]


# Ninth round (``--sentences``): a text of several sentences scores the highest probability of the
# whole text and each sentence, as ``csat.domain.signals`` does for a model saved with "sentences".
SENTENCES = False


def predict(
    vectorizer: DictVectorizer, model: LogisticRegression, rows: list[Row], rule_scale: float
) -> np.ndarray:
    """The probabilities of ``rows`` the way the shipped scorer computes them (see SENTENCES)."""
    result = model.predict_proba(vectorizer.transform(row_features(rows, rule_scale)))[:, 1]
    if SENTENCES:
        units = [(i, part) for i, r in enumerate(rows) for part in signals_model.sentences(r.text)]
        if units:
            parts = model.predict_proba(vectorizer.transform([feature_dict(t, rule_scale) for _, t in units]))
            for (i, _), probability in zip(units, parts[:, 1], strict=True):
                result[i] = max(result[i], probability)
    return result


# Seventeenth round (``--penalty l1``): a sparse fit, so only telling features carry weight and a
# text with none of them scores about the intercept ("no evidence") instead of the sum of many
# small weights of everyday characters.
PENALTY = "l2"


# Twenty-fifth round (``--nb A``): NB-weighted logistic regression (Wang & Manning 2012, "NBSVM"):
# each feature enters the fit scaled by its naive-Bayes log-count ratio between crisis-worthy and
# harmless texts (smoothing A, from the fit's own texts only), so a feature that tells the classes
# apart is cheap to weigh and an everyday n-gram that does not is penalised out of the score. The
# exported weight is coefficient × ratio, so the shipped model is still a linear model over presence
# features and the scorer is unchanged. 0 = off (the shipped recipe).
NB_ALPHA = 0.0
# ``--prune-fits`` (with ``--nb``): every CV and cross-author fit keeps only the weights the written
# model keeps, so the checks score the model that is shipped (twenty-third round's finding).
PRUNE_FITS = False
# ``--nb-blend B`` (with ``--nb``, twenty-seventh round): the written weights are B × the NB fit's plus
# (1 − B) × a plain fit's on the same texts — the mean of the two logits, still one linear model.
NB_BLEND = 1.0
# ``--cv-near N`` (a check of the strict CV, twenty-seventh round): a fold's fit leaves out every extra
# core sharing a stretch of N characters with one of the fold's scored cores, as no extra core was
# written from the held-out cores. 0 = off.
CV_NEAR = 0
# ``--cv-seed S`` (a check of the strict CV): another assignment of pieces to folds, to see how far
# a fit's CV figures move with the draw of cores (0 = the usual folds).
CV_SEED = 0
_SLOT = re.compile(r"\{\w+\}")


class NBLogisticRegression:
    """A logistic regression fitted on features scaled by their NB log-count ratios."""

    def __init__(self, model: LogisticRegression, alpha: float, blend: float = 1.0) -> None:
        self.model, self.alpha, self.blend = model, alpha, blend

    def fit(self, matrix, labels: np.ndarray, sample_weight: np.ndarray | None = None):  # noqa: ANN001, ANN201
        weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight)
        present = (matrix > 0).astype(np.float64)
        positive = np.asarray(present.T @ (weights * (labels == 1))).ravel() + self.alpha
        negative = np.asarray(present.T @ (weights * (labels == 0))).ravel() + self.alpha
        self.ratio = np.log((positive / positive.sum()) / (negative / negative.sum()))
        self.model.fit(self._scaled(matrix), labels, sample_weight=sample_weight)
        self.coef_ = self.model.coef_ * self.ratio
        self.intercept_ = self.model.intercept_
        if self.blend < 1:  # --nb-blend: the logits' weighted mean with a plain fit's
            plain = LogisticRegression(C=self.model.C, max_iter=5000, class_weight="balanced")
            plain.fit(matrix, labels, sample_weight=sample_weight)
            self.coef_ = self.blend * self.coef_ + (1 - self.blend) * plain.coef_
            self.intercept_ = self.blend * self.intercept_ + (1 - self.blend) * plain.intercept_
        return self

    def _scaled(self, matrix):  # noqa: ANN001, ANN202
        return small_index(matrix @ sparse.diags(self.ratio))

    def prune(self, names: np.ndarray) -> None:
        """Keep the weights the written model keeps (the strongest MAX_FEATURES, rule features
        always), so a fit scores what would be shipped."""
        order = strongest_first(self.coef_[0], names)
        rules = np.array([str(n).startswith(RULE_PREFIXES) for n in names])
        keep = rules.copy()
        keep[order[:MAX_FEATURES]] = True
        self.coef_ = self.coef_ * keep

    def decision_function(self, matrix) -> np.ndarray:  # noqa: ANN001
        return np.asarray(matrix @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict_proba(self, matrix) -> np.ndarray:  # noqa: ANN001
        positive = 1 / (1 + np.exp(-self.decision_function(matrix)))
        return np.column_stack([1 - positive, positive])


def strongest_first(coefficients: np.ndarray, names: np.ndarray) -> list[int]:
    """Feature indices by the size of the written (rounded) weight, then by name: many n-grams share
    one rounded weight at the cut, and the solver's last digits, which order them otherwise, differ
    from machine to machine."""
    return sorted(
        range(len(names)), key=lambda i: (-round(abs(float(coefficients[i])), DIGITS), str(names[i]))
    )


def new_model(c: float) -> LogisticRegression:
    """The classifier of every fit (CV folds, cross-author check, the written model)."""
    if NB_ALPHA:
        return NBLogisticRegression(  # type: ignore[return-value]
            LogisticRegression(C=c, max_iter=5000, class_weight="balanced"), NB_ALPHA, NB_BLEND
        )
    if PENALTY == "l1":
        return LogisticRegression(
            C=c, l1_ratio=1.0, solver="liblinear", max_iter=5000, class_weight="balanced"
        )
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced")


def small_index(matrix):  # noqa: ANN001, ANN201 - a scipy sparse matrix
    """The matrix with 32-bit indices, which liblinear (the l1 fit) requires."""
    matrix = matrix.tocsr()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    return matrix


# Seventeenth round (``--sentence-negatives W``): a sentence model scores every sentence of a text
# and keeps the highest, but was fitted on whole texts only, so a sentence of a harmless text was
# never a training unit and its score is nobody's ("客户在开会。约好晚点再打"). The sentences of the
# harmless texts fitted on that carry no term-list evidence (no signal, nothing switched off) are
# fitted on as harmless too, with this sample weight (0 = off): no evidence, no crisis. Past and
# negated threats are left out (a sentence of "之前说要曝光。现在解决了" is not harmless alone; the
# rule check drops it anyway).
SENTENCE_NEGATIVES = 0.0
_NO_EVIDENCE: dict[str, bool] = {}


def no_evidence(sentence: str) -> bool:
    if sentence not in _NO_EVIDENCE:
        result = rule_analysis(sentence)
        _NO_EVIDENCE[sentence] = not result.signals and not result.switched_off
    return _NO_EVIDENCE[sentence]


def sentence_negatives(fit: list[Row]) -> list[Row]:
    """The harmless sentences fitted on beside ``fit`` (see SENTENCE_NEGATIVES)."""
    if not SENTENCE_NEGATIVES:
        return []
    found: list[Row] = []
    seen: set[str] = set()
    for r in fit:
        if r.label or not r.weight or r.hard in ("past_threat", "negated_threat"):
            continue
        for part in signals_model.sentences(r.text):
            part = part.strip()
            if part and part not in seen and no_evidence(part):
                seen.add(part)
                found.append(Row(part, 0, r.hard, "", r.group, "sentence", SENTENCE_NEGATIVES * r.weight))
    return found


# Twenty-fourth round (``--named-weight W``): a false alarm on warranty, insurance and "will not
# complain" texts (the issue's named hard negatives) costs W times a written text's in every fit, so
# the fit spends its capacity on the words that tell them from crisis texts; the joint rule then
# chooses the threshold that keeps the recalls. 1 = off (the shipped recipe).
NAMED_WEIGHT = 1.0
NAMED_HARD = ("warranty", "insurance", "negated_threat")


def fit_weights(rows: list[Row]) -> np.ndarray:
    """The sample weights of a fit (see NAMED_WEIGHT); derived sentences keep their own weight."""
    return np.array(
        [
            r.weight
            * (NAMED_WEIGHT if not r.label and r.hard in NAMED_HARD and r.source != "sentence" else 1.0)
            for r in rows
        ]
    )


def fit_rows(fit: list[Row], c: float, rule_scale: float) -> tuple[DictVectorizer, LogisticRegression]:
    fit = fit + sentence_negatives(fit)
    vectorizer = DictVectorizer()
    model = new_model(c)
    model.fit(
        small_index(vectorizer.fit_transform(row_features(fit, rule_scale))),
        np.array([r.label for r in fit]),
        sample_weight=fit_weights(fit),
    )
    if PRUNE_FITS:
        model.prune(vectorizer.get_feature_names_out())
    return vectorizer, model


def cross_author(
    base: list[Row], independent: list[Row], c: float, rule_scale: float
) -> tuple[list[Row], np.ndarray]:
    """Fit on ``base`` + one author's texts, score the other author's; both ways, pooled. Rows of
    weight 0 are never fitted on: then one fit on ``base`` alone scores all of them."""
    rows: list[Row] = []
    probabilities: list[float] = []
    if independent and all(r.weight == 0 for r in independent):
        vectorizer, model = fit_rows(base, c, rule_scale)
        return list(independent), predict(vectorizer, model, independent, rule_scale)
    authors = sorted({r.source for r in independent})
    for scored_author in authors:
        fit = base + [r for r in independent if r.source != scored_author]
        scored = [r for r in independent if r.source == scored_author]
        vectorizer, model = fit_rows(fit, c, rule_scale)
        probabilities += list(predict(vectorizer, model, scored, rule_scale))
        rows += scored
    return rows, np.array(probabilities)


def shipped_probabilities(rows: list[Row]) -> np.ndarray:
    """The probabilities of the model shipped at SHIPPED_COMMIT (its model.json, read from git)."""
    blob = subprocess.run(  # noqa: S603
        ["git", "show", f"{SHIPPED_COMMIT}:csat/domain/signals/model.json"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    data = json.loads(blob)
    shipped = LinearModel(
        {str(k): float(v) for k, v in data["weights"].items()},
        float(data["intercept"]),
        float(data["threshold"]),
    )
    # Its own features: the n-gram range it was trained with (1–3), whatever NGRAM_MAX is now.
    current = signals_model.NGRAM_MAX
    signals_model.NGRAM_MAX = int(data.get("ngram_max", 3))
    try:
        return np.array([shipped.probability(signals.text_features(r.text)[0]) for r in rows])
    finally:
        signals_model.NGRAM_MAX = current


def at_threshold(
    rows: list[Row], probabilities: np.ndarray, threshold: float | np.ndarray
) -> tuple[float, float, int, int]:
    """(precision, recall, hard negatives flagged, issue-named hard negatives flagged) at ``threshold``
    (one for all rows, or one per row)."""
    flagged = probabilities >= threshold
    labels = np.array([r.label for r in rows])
    hard = np.array([bool(r.hard) for r in rows])
    named = np.array([r.hard in ("warranty", "insurance", "negated_threat") for r in rows])
    tp = int((flagged & (labels == 1)).sum())
    return (
        tp / max(1, int(flagged.sum())),
        tp / max(1, int(labels.sum())),
        int((flagged & hard).sum()),
        int((flagged & named).sum()),
    )


def recall_threshold(rows: list[Row], probabilities: np.ndarray, recall: float) -> float | None:
    """The highest threshold (0.01 steps from 0.01) whose recall on ``rows`` is still ≥ ``recall``."""
    best = None
    for step in range(1, 100):
        if at_threshold(rows, probabilities, step / 100)[1] >= recall:
            best = step / 100
    return best


def cross_author_report(
    rows: list[Row], probabilities: np.ndarray, errors: bool, threshold: float | None = None
) -> float:
    """Print the pooled cross-author figures at ``threshold`` (default: the highest with pooled
    recall ≥ CROSS_AUTHOR_RECALL) and the shipped model's on the same texts; return the threshold."""
    if threshold is None:
        threshold = recall_threshold(rows, probabilities, CROSS_AUTHOR_RECALL) or 0.01
    hard_total = sum(1 for r in rows if r.hard)
    named_total = sum(1 for r in rows if r.hard in ("warranty", "insurance", "negated_threat"))
    p, rec, hf, nf = at_threshold(rows, probabilities, threshold)
    print(
        f"cross-author (pooled {len(rows)}), threshold {threshold}: "
        f"P {p:.3f} R {rec:.3f} hard {hf}/{hard_total} = {hf / hard_total:.1%} "
        f"(warranty/insurance/negated {nf}/{named_total} = {nf / named_total:.1%})"
    )
    for author in sorted({r.source for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.source == author]
        ap, ar, ah, an = at_threshold([rows[i] for i in idx], probabilities[idx], threshold)
        print(f"  {author}: P {ap:.3f} R {ar:.3f} hard {ah}, warranty/insurance/negated {an}")
    flagged = probabilities >= threshold
    for key, pick in [
        ("type", lambda r: r.crisis_type if r.label else None),
        ("hard", lambda r: (r.hard or "(ordinary)") if not r.label else None),
    ]:
        counts: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            k = pick(r)
            if k is not None:
                counts.setdefault(k, [0, 0])[0] += int(flagged[i])
                counts[k][1] += 1
        print("  " + key + ": " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(counts.items())))
    try:
        shipped = shipped_probabilities(rows)
    except (OSError, subprocess.CalledProcessError):
        shipped = None
        print(f"  shipped model ({SHIPPED_COMMIT}) not readable from git here: no comparison")
    if shipped is not None:
        sp, sr, sh, sn = at_threshold(rows, shipped, 0.28)
        print(
            f"  shipped model ({SHIPPED_COMMIT}) at its threshold 0.28: P {sp:.3f} R {sr:.3f} hard {sh} named {sn}"
        )
        matched = recall_threshold(rows, shipped, rec)
        if matched is None:
            print(f"  shipped model cannot reach recall {rec:.3f}: the new recipe beats it")
        else:
            mp, mr, mh, mn = at_threshold(rows, shipped, matched)
            beats = mp < p and mh >= hf
            print(
                f"  shipped model at matched recall (threshold {matched}): P {mp:.3f} R {mr:.3f} hard {mh} "
                f"named {mn} -> new recipe {'BEATS' if beats else 'does NOT beat'} the shipped model"
            )
    for t in np.arange(0.05, 0.85, 0.05):
        tp_, tr_, th_, tn_ = at_threshold(rows, probabilities, float(t))
        print(f"  t={t:.2f} P {tp_:.3f} R {tr_:.3f} hard {th_} named {tn_}")
    if errors:
        for i, r in enumerate(rows):
            if flagged[i] != bool(r.label):
                tag = r.crisis_type or r.hard or "ordinary"
                print(f"  {'FN' if r.label else 'FP'} {tag:16} {probabilities[i]:.2f} {r.text}")
    return threshold


SHORT = ROOT / "bench" / "early_warning" / "short_texts.tsv"
# --short-weight: 0 (left out) unless asked for; at 1 or 0.3 they cost strict-CV precision (tenth round).
SHORT_WEIGHT = 0.0
CRISIS_TYPES = frozenset("abcde")


def short_rows() -> list[Row]:
    """Tenth round: short bare texts (`category<TAB>text`, category a–e or a hard-negative category,
    "ordinary" = none), fitted on as they are — like the issue-12 set, never composed or scored."""
    if not SHORT.exists() or not SHORT_WEIGHT:
        return []
    rows = []
    for line in SHORT.read_text(encoding="utf-8").splitlines():
        category, _, text = line.partition("\t")
        if not text.strip():
            continue
        label = int(category in CRISIS_TYPES)
        hard = "" if label or category == "ordinary" else category
        rows.append(
            Row(
                text.strip(),
                label,
                hard,
                category if label else "",
                "short:" + text.strip(),
                "short",
                SHORT_WEIGHT,
            )
        )
    return rows


def training_rows(*, extra: bool = True) -> list[Row]:
    """The train split of the corpus (with the extra training cores unless ``extra=False``) and
    the issue-12 set; groups from the corpus builder, which must match corpus.tsv."""
    shipped = {r["text"] for r in read(CORPUS) if r["split"] == "train"}
    built = [r for r in early_warning_corpus.build(with_group=True) if r["split"] == "train"]
    if {r["text"] for r in built} != shipped:
        raise SystemExit("corpus.tsv is stale: run bench/early_warning_corpus.py")
    rows = [
        Row(r["text"], int(r["label"]), r["hard_negative"], r["type"], r["group"], r["source"])
        for r in built
        if extra or r["source"] != "extra"
    ]
    rows += [
        Row(r["text"], int(r["label"]), "", "", "issue12:" + r["text"], "issue12") for r in read(ISSUE12)
    ]
    return rows + short_rows()


def out_of_fold(
    features: list[dict[str, float]], labels: np.ndarray, groups: list[str], c: float
) -> np.ndarray:
    """Probabilities of grouped 5-fold cross-validation: all texts of a core in one fold."""
    result = np.zeros(len(labels))
    folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=23)
    for fit_idx, score_idx in folds.split(features, labels, groups):
        vectorizer = DictVectorizer()
        fold = new_model(c)
        fold.fit(small_index(vectorizer.fit_transform([features[i] for i in fit_idx])), labels[fit_idx])
        result[score_idx] = fold.predict_proba(vectorizer.transform([features[i] for i in score_idx]))[:, 1]
    return result


def piece_fold(piece: str) -> int:
    """The strict CV's fold of a piece (a core, an opener, a closer, a slot value, a context line)."""
    salt = f"cv{CV_SEED}" if CV_SEED else "cv"
    return int(hashlib.sha256(f"{salt}:{piece}".encode()).hexdigest(), 16) % FOLDS


def strict_folds(*, extra: bool = True) -> list[tuple[list[Row], list[Row]]]:
    """(fit rows, scored rows) of each fold of the strict CV: the train cores are re-composed per fold
    the way the held-out split is built, so a fold's scored texts use only that fold's openers,
    closers, note prefixes, fillers, context lines and slot values (platforms, authorities,
    amounts…) and the fitted texts never do. Only train-split pieces are used; the held-out
    pieces and texts are never read. Extra cores and the issue-12 set are fitted on, not scored."""
    ec = early_warning_corpus
    original_side = ec.side
    groups = [(1, t, "", c, "composed") for t, c in ec.fr.POSITIVE_CORES.items()]
    groups += [(0, "", h, c, "composed") for h, c in ec.fr.NEGATIVE_CORES.items()]
    if extra:
        groups += [(1, t, "", c, "extra") for t, c in ec.ex.POSITIVE_CORES.items()]
        groups += [(0, "", h, c, "extra") for h, c in ec.ex.NEGATIVE_CORES.items()]
    handwritten = [r for r in ec.handwritten_rows() if ec.split_of(r[4]) == "train"]
    issue12 = [
        Row(r["text"], int(r["label"]), "", "", "issue12:" + r["text"], "issue12") for r in read(ISSUE12)
    ] + (short_rows() if extra else [])
    folds = []
    try:
        for k in range(FOLDS):

            def side(pieces: list[str], split: str, k: int = k) -> list[str]:
                pool = [p for p in pieces if ec.split_of(p) == "train"] or pieces[:1]
                chosen = [p for p in pool if (piece_fold(p) == k) == (split == "test")]
                return chosen or pool[:1]

            ec.side = side
            fit: list[Row] = list(issue12)
            scored: list[Row] = []
            near: set[str] = set()
            if CV_NEAR:  # the stretches of this fold's scored cores (slots and tags left out)
                for _label, _type, _hard, cores, source in groups:
                    for core in cores:
                        if source == "composed" and ec.split_of(core) == "train" and piece_fold(core) == k:
                            near |= stretches(_SLOT.sub("", ec._TAG.sub("", core)), CV_NEAR)
            dropped = 0
            for label, crisis_type, hard, cores, source in groups:
                for core in cores:
                    if source == "composed" and ec.split_of(core) != "train":
                        continue
                    mine = piece_fold(core) == k
                    if mine and source == "extra":
                        continue
                    if (
                        near
                        and source == "extra"
                        and stretches(_SLOT.sub("", ec._TAG.sub("", core)), CV_NEAR) & near
                    ):
                        dropped += 1
                        continue
                    rng = random.Random(f"cv{k}:{core}")  # noqa: S311 - reproducible text
                    bare = ec._TAG.sub("", core)
                    for variant in range(ec.VARIANTS):
                        text = " ".join(
                            ec.compose(bare, label, rng, "test" if mine else "train", variant).split()
                        )
                        (scored if mine else fit).append(Row(text, label, hard, crisis_type, core, source))
            for label, crisis_type, _identity, hard, text in handwritten:
                row = Row(text, label, hard, crisis_type, text, "handwritten")
                (scored if piece_fold(text) == k else fit).append(row)
            if CV_NEAR:
                print(
                    f"  fold {k}: {dropped} extra cores sharing {CV_NEAR} characters with a scored core not fitted"
                )
            folds.append((fit, scored))
    finally:
        ec.side = original_side
    return folds


def strict_out_of_fold(
    c: float, rule_scale: float, *, extra: bool = True, add_fit: list[Row] | None = None
) -> tuple[list[Row], np.ndarray]:
    """The scored rows of every strict fold and their out-of-fold probabilities; ``add_fit`` rows
    (the independent set) are fitted on in every fold and never scored."""
    rows: list[Row] = []
    probabilities: list[float] = []
    for fit, scored in strict_folds(extra=extra):
        vectorizer, model = fit_rows(fit + (add_fit or []), c, rule_scale)
        probabilities += list(predict(vectorizer, model, scored, rule_scale))
        rows += scored
    return rows, np.array(probabilities)


def joint_threshold(
    cv_rows: list[Row], cv_probabilities: np.ndarray, author_rows: list[Row], author_probabilities: np.ndarray
) -> float | None:
    """The sixth round's rule: the highest threshold (0.01 steps) at which the strict train-CV
    recall (corpus train rows) is ≥ JOINT_CV_RECALL and the pooled cross-author recall is ≥
    CROSS_AUTHOR_RECALL; None when no threshold has both (the recipe does not qualify)."""
    scored = [i for i, r in enumerate(cv_rows) if r.source in SCORED_SOURCES]
    cv_scored = [cv_rows[i] for i in scored]
    cv_p = cv_probabilities[scored]
    best = None
    for step in range(1, 100):
        t = step / 100
        if (
            at_threshold(cv_scored, cv_p, t)[1] >= JOINT_CV_RECALL
            and at_threshold(author_rows, author_probabilities, t)[1] >= CROSS_AUTHOR_RECALL
        ):
            best = t
    return best


def joint_report(
    cv_rows: list[Row], cv_probabilities: np.ndarray, author_rows: list[Row], author_probabilities: np.ndarray
) -> float | None:
    """One line per recipe for the sixth round's table: the joint threshold and both checks there."""
    threshold = joint_threshold(cv_rows, cv_probabilities, author_rows, author_probabilities)
    scored = [i for i, r in enumerate(cv_rows) if r.source in SCORED_SOURCES]
    cv_scored = [cv_rows[i] for i in scored]
    cv_p = cv_probabilities[scored]
    cv_t = recall_threshold(cv_scored, cv_p, JOINT_CV_RECALL)
    au_t = recall_threshold(author_rows, author_probabilities, CROSS_AUTHOR_RECALL)
    print(
        f"JOINT: strict CV recall ≥ {JOINT_CV_RECALL} up to {cv_t}, "
        f"cross-author recall ≥ {CROSS_AUTHOR_RECALL} up to {au_t}"
    )
    if threshold is None:
        print("JOINT: no threshold has both recalls: the recipe does not qualify")
        return None
    hard_cv = sum(1 for r in cv_scored if r.hard)
    hard_au = sum(1 for r in author_rows if r.hard)
    named_au = sum(1 for r in author_rows if r.hard in ("warranty", "insurance", "negated_threat"))
    cp, cr, ch, cn = at_threshold(cv_scored, cv_p, threshold)
    ap, ar, ah, an = at_threshold(author_rows, author_probabilities, threshold)
    print(
        f"JOINT threshold {threshold}: cross-author P {ap:.3f} R {ar:.3f} hard {ah}/{hard_au} "
        f"named {an}/{named_au} | strict CV P {cp:.3f} R {cr:.3f} hard {ch}/{hard_cv} named {cn}"
    )
    return threshold


def is_guarded(rows: list[Row]) -> np.ndarray:
    """Per row: whether the shipped scorer holds it to the guarded bar (``context.guarded``)."""
    return np.array(
        [decision.guarded_text(r.text, signals.text_features(r.text, mask=MASK)[0]) for r in rows]
    )


def guarded_report(
    cv_rows: list[Row],
    cv_probabilities: np.ndarray,
    author_rows: list[Row],
    author_probabilities: np.ndarray,
    threshold: float,
) -> float:
    """Twentieth round: the highest bar (0.01 steps, from ``threshold``) for the guarded texts at
    which the strict train-CV recall (corpus train rows) stays ≥ JOINT_CV_RECALL and the pooled
    cross-author recall ≥ CROSS_AUTHOR_RECALL, every other text at ``threshold``. It can only flag
    fewer texts than ``threshold`` alone."""
    scored = [i for i, r in enumerate(cv_rows) if r.source in SCORED_SOURCES]
    cv_scored = [cv_rows[i] for i in scored]
    cv_p = cv_probabilities[scored]
    cv_guarded, au_guarded = is_guarded(cv_scored), is_guarded(author_rows)
    best = threshold
    for step in range(round(threshold * 100), 100):
        bar = step / 100
        cv = at_threshold(cv_scored, cv_p, np.where(cv_guarded, bar, threshold))
        au = at_threshold(author_rows, author_probabilities, np.where(au_guarded, bar, threshold))
        if cv[1] < JOINT_CV_RECALL or au[1] < CROSS_AUTHOR_RECALL:
            break
        best = bar
    cp, cr, ch, cn = at_threshold(cv_scored, cv_p, np.where(cv_guarded, best, threshold))
    ap, ar, ah, an = at_threshold(author_rows, author_probabilities, np.where(au_guarded, best, threshold))
    print(
        f"GUARDED bar {best} ({int(cv_guarded.sum())} strict-CV and {int(au_guarded.sum())} cross-author "
        f"texts guarded): cross-author P {ap:.3f} R {ar:.3f} hard {ah} named {an} | "
        f"strict CV P {cp:.3f} R {cr:.3f} hard {ch} named {cn}"
    )
    return best


def save_scores(path: Path, rows: list[Row], probabilities: np.ndarray) -> None:
    """Scores of a check, a row per text, for analyses outside this script (``--save-oof``,
    ``--save-author``)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("label\ttype\thard\tsource\tgroup\tguarded\tprobability\ttext\n")
        for r, g, pr in zip(rows, is_guarded(rows), probabilities, strict=True):
            handle.write(
                f"{r.label}\t{r.crisis_type}\t{r.hard}\t{r.source}\t{r.group}\t{int(g)}\t{pr:.6f}\t{r.text}\n"
            )


def feedback_trial(
    base: list[Row], independent: list[Row], c: float, rule_scale: float, weight: float = 1.0
) -> None:
    """What a store's own verdicts would do, on the train side: each independent author plays a
    store. Its texts are split (by a hash of the text) into "verdicts" and "later" texts; the later
    ones are scored by fits on the corpus and the other author, with 0, ¼ or ½ of the author's texts
    fitted as verdicts (the ½ fit holds the ¼), at the shipped threshold and guarded bar."""
    shipped = signals_model.load_model()
    later_rows: list[Row] = []
    results: dict[float, list[float]] = {0.0: [], 0.25: [], 0.5: []}

    def part(r: Row) -> float:
        return (int(hashlib.sha256(f"feedback:{r.text}".encode()).hexdigest(), 16) % 1000) / 1000

    for author in sorted({r.source for r in independent}):
        own = [r for r in independent if r.source == author]
        others = [r for r in independent if r.source != author]
        later = [r for r in own if part(r) >= 0.5]
        later_rows += later
        for share in results:
            verdicts = [replace(r, weight=weight) for r in own if part(r) < share]
            vectorizer, model = fit_rows(base + others + verdicts, c, rule_scale)
            results[share] += list(predict(vectorizer, model, later, rule_scale))
    bars = np.where(is_guarded(later_rows), shipped.bar(True), shipped.threshold)
    named_total = sum(1 for r in later_rows if r.hard in ("warranty", "insurance", "negated_threat"))
    print(
        f"FEEDBACK TRIAL: {len(later_rows)} later texts ({sum(r.label for r in later_rows)} crisis-worthy, "
        f"{named_total} named), threshold {shipped.threshold}, guarded bar {shipped.bar(True)}, "
        f"verdicts weighted {weight}"
    )
    for share, probabilities in results.items():
        p, r, hard, named = at_threshold(later_rows, np.array(probabilities), bars)
        print(
            f"  verdicts fitted: {share:.0%} of the author's texts: P {p:.3f} R {r:.3f} hard {hard} named {named}"
        )


def cv_report(rows: list[Row], probabilities: np.ndarray, threshold: float, errors: bool) -> None:
    """Train-split cross-validation figures at ``threshold`` (what every choice is made on)."""
    flagged = probabilities >= threshold
    corpus = [i for i, r in enumerate(rows) if r.source in SCORED_SOURCES]
    tp = sum(1 for i in corpus if flagged[i] and rows[i].label)
    fp = sum(1 for i in corpus if flagged[i] and not rows[i].label)
    pos = sum(1 for i in corpus if rows[i].label)
    print(
        f"train-CV (corpus train rows, threshold {threshold}): precision {tp / max(1, tp + fp):.3f} "
        f"recall {tp / max(1, pos):.3f}"
    )
    for key, pick in [
        ("type", lambda r: r.crisis_type if r.label else None),
        ("hard", lambda r: (r.hard or "(ordinary)") if not r.label else None),
    ]:
        counts: dict[str, list[int]] = {}
        for i in corpus:
            k = pick(rows[i])
            if k is not None:
                counts.setdefault(k, [0, 0])[0] += int(flagged[i])
                counts[k][1] += 1
        print("  " + key + ": " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(counts.items())))
    hard = [i for i in corpus if rows[i].hard]
    print(f"  hard negatives flagged {sum(int(flagged[i]) for i in hard)}/{len(hard)}")
    if errors:
        for i in corpus:
            if flagged[i] != bool(rows[i].label):
                tag = rows[i].crisis_type or rows[i].hard or "ordinary"
                print(f"  {'FN' if rows[i].label else 'FP'} {tag:16} {probabilities[i]:.2f} {rows[i].text}")


def choose_threshold(
    probabilities: np.ndarray, labels: np.ndarray, hard: np.ndarray, scored: np.ndarray
) -> float:
    """On the grouped out-of-fold probabilities of the corpus's train rows: the highest threshold
    whose recall still reaches MIN_RECALL (the issue's target) with precision ≥ MIN_PRECISION —
    the fewest hard negatives flagged for the recall the issue asks; failing that, the highest
    threshold whose recall still reaches MIN_RECALL (``hard`` is kept for the report's callers)."""
    best: float | None = None
    for threshold in np.arange(0.05, 0.81, 0.01):
        flagged = (probabilities >= threshold) & scored
        tp = int((flagged & (labels == 1)).sum())
        precision = tp / max(1, int(flagged.sum()))
        recall = tp / int(((labels == 1) & scored).sum())
        if recall >= MIN_RECALL and precision >= MIN_PRECISION:
            best = float(round(threshold, 2))
    if best is not None:
        return best
    # Failing that (the strict CV's precision stays below 0.95): the highest threshold whose recall
    # still reaches MIN_RECALL — recall is the issue's first target; fewer hard negatives must come
    # from the training texts and the context rules, not from a threshold that misses crises.
    best = 0.05
    for threshold in np.arange(0.05, 0.81, 0.01):
        flagged = (probabilities >= threshold) & scored
        tp = int((flagged & (labels == 1)).sum())
        if tp / int(((labels == 1) & scored).sum()) >= MIN_RECALL:
            best = float(round(threshold, 2))
    return best


def main(argv: list[str] | None = None) -> int:
    global JOINT_CV_RECALL, SENTENCES, MIN_GRAM, DIGIT_GRAMS, SHORT_WEIGHT, MASK, PENALTY, SENTENCE_NEGATIVES, STOP_GRAMS, NAMED_WEIGHT, NB_ALPHA, PRUNE_FITS, MAX_FEATURES, NB_BLEND, CV_NEAR, CV_SEED  # noqa: PLW0603 - set per run from options
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cv-only", action="store_true", help="report train-split CV, write nothing")
    parser.add_argument("--errors", action="store_true", help="list the train-CV errors")
    parser.add_argument("--no-extra", action="store_true", help="leave out the extra training cores")
    parser.add_argument("--curve", action="store_true", help="train-CV figures by threshold")
    parser.add_argument("--at", type=float, default=None, help="report train-CV at this threshold")
    parser.add_argument("--rule-scale", type=float, default=RULE_SCALE, dest="rule_scale")
    parser.add_argument("--C", type=float, default=C, dest="c")
    parser.add_argument(
        "--loose",
        action="store_true",
        help="choose on the old CV (folds by core only) instead of the strict one",
    )
    parser.add_argument(
        "--cross-author",
        action="store_true",
        help="report the cross-author check on the independent set (fit + one author, score the other)",
    )
    parser.add_argument(
        "--independent",
        action="store_true",
        help="fit on the independent set too; the threshold comes from the cross-author check",
    )
    parser.add_argument("--independent-weight", type=float, default=1.0, dest="independent_weight")
    parser.add_argument(
        "--joint",
        action="store_true",
        help="sixth round: the independent set fitted with --independent-weight (0 = not at all) in the "
        "strict CV, the cross-author check and the final fit; threshold = the highest with strict CV "
        "recall ≥ 0.95 and cross-author recall ≥ 0.96",
    )
    parser.add_argument(
        "--cv-recall",
        type=float,
        default=JOINT_CV_RECALL,
        dest="cv_recall",
        help="with --joint: the strict CV recall the threshold must keep (seventh round: 0.97)",
    )
    parser.add_argument(
        "--sentences",
        action="store_true",
        help="ninth round: score a text of several sentences by its highest sentence too (saved in model.json)",
    )
    parser.add_argument(
        "--short-weight",
        type=float,
        default=0.0,
        dest="short_weight",
        help="sample weight of the short texts (0 = left out)",
    )
    parser.add_argument(
        "--mask-exceptions", action="store_true", help="blank a term inside its own exception phrase (saved)"
    )
    parser.add_argument("--min-gram", type=int, default=1, dest="min_gram", help="leave out shorter n-grams")
    parser.add_argument(
        "--no-digit-grams", action="store_true", help="leave out n-grams of digits only (phone numbers)"
    )
    parser.add_argument("--ngram-max", type=int, default=NGRAM_MAX, dest="ngram_max", help=argparse.SUPPRESS)
    parser.add_argument(
        "--penalty", choices=("l2", "l1"), default="l2", help="seventeenth round: l1 = a sparse fit (saved)"
    )
    parser.add_argument(
        "--sentence-negatives",
        type=float,
        default=0.0,
        dest="sentence_negatives",
        help="seventeenth round: fit the harmless texts' evidence-free sentences as harmless, this weight (saved)",
    )
    parser.add_argument(
        "--no-stop-grams", action="store_true", help="leave out n-grams of stop characters only (saved)"
    )
    parser.add_argument("--author-errors", action="store_true", help="list the cross-author errors")
    parser.add_argument(
        "--feedback",
        action="append",
        default=[],
        type=Path,
        help="a TSV of manage.py export_signal_feedback to fit on (repeatable; never scored)",
    )
    parser.add_argument(
        "--guarded",
        action="store_true",
        help="twentieth round, with --joint: a higher bar for texts in routine or taken-back context (saved)",
    )
    parser.add_argument(
        "--feedback-weight",
        type=float,
        default=1.0,
        dest="feedback_weight",
        help="sample weight of the --feedback rows (and of the verdicts in --feedback-trial)",
    )
    parser.add_argument(
        "--feedback-trial",
        action="store_true",
        help="report what a store's own verdicts would do (each independent author plays a store); write nothing",
    )
    parser.add_argument(
        "--named-weight",
        type=float,
        default=1.0,
        dest="named_weight",
        help="twenty-fourth round: sample weight of the warranty, insurance and will-not-complain texts",
    )
    parser.add_argument(
        "--nb",
        type=float,
        default=0.0,
        dest="nb_alpha",
        help="twenty-fifth round: NB-weighted logistic regression with this smoothing (0 = off)",
    )
    parser.add_argument(
        "--prune-fits",
        action="store_true",
        dest="prune_fits",
        help="with --nb: every check fit keeps only the weights the written model keeps",
    )
    parser.add_argument("--max-features", type=int, default=MAX_FEATURES, dest="max_features")
    parser.add_argument(
        "--nb-blend",
        type=float,
        default=1.0,
        dest="nb_blend",
        help="with --nb: share of the NB fit in the written weights, the rest a plain fit's (1 = NB alone)",
    )
    parser.add_argument("--cv-near", type=int, default=0, dest="cv_near")
    parser.add_argument(
        "--save-oof",
        type=Path,
        default=None,
        dest="save_oof",
        help="write the strict CV's out-of-fold scores (every draw) to this TSV",
    )
    parser.add_argument(
        "--save-author",
        type=Path,
        default=None,
        dest="save_author",
        help="write the cross-author check's scores to this TSV (the columns of --save-oof)",
    )
    parser.add_argument("--cv-seed", type=int, default=0, dest="cv_seed")
    parser.add_argument(
        "--cv-repeats",
        type=int,
        default=1,
        dest="cv_repeats",
        help="twenty-eighth round: pool the strict CV over this many draws of folds",
    )
    args = parser.parse_args(argv)
    CV_SEED = args.cv_seed
    CV_NEAR = args.cv_near
    NB_BLEND = args.nb_blend
    MAX_FEATURES = args.max_features
    NB_ALPHA = args.nb_alpha
    PRUNE_FITS = args.prune_fits
    if PRUNE_FITS and not NB_ALPHA:
        parser.error("--prune-fits is for --nb fits")
    JOINT_CV_RECALL = args.cv_recall
    SENTENCES = args.sentences
    MIN_GRAM = args.min_gram
    MASK = args.mask_exceptions
    SHORT_WEIGHT = args.short_weight
    DIGIT_GRAMS = not args.no_digit_grams
    PENALTY = args.penalty
    SENTENCE_NEGATIVES = args.sentence_negatives
    STOP_GRAMS = not args.no_stop_grams
    NAMED_WEIGHT = args.named_weight
    if args.ngram_max != NGRAM_MAX:  # a trial only: the shipped model reads NGRAM_MAX from model.py
        if not args.cv_only:
            parser.error("--ngram-max is for trials (--cv-only): change NGRAM_MAX in model.py to ship it")
        signals_model.NGRAM_MAX = args.ngram_max
    independent = independent_rows(args.independent_weight)
    feedback = feedback_rows(args.feedback, args.feedback_weight)
    base = training_rows(extra=not args.no_extra) + feedback
    if args.feedback_trial:
        feedback_trial(base, independent, args.c, args.rule_scale, args.feedback_weight)
        return 0
    check_author = args.cross_author or args.independent or args.joint
    if args.guarded and not args.joint:
        parser.error("--guarded chooses its bar with the --joint checks")
    guarded_bar = None
    fit_independent = args.independent or (args.joint and args.independent_weight > 0)
    if check_author:
        author_rows, author_probabilities = cross_author(base, independent, args.c, args.rule_scale)
    rows = base + (independent if fit_independent else [])
    texts = [r.text for r in rows]
    labels = np.array([r.label for r in rows])
    features = [feature_dict(t, args.rule_scale) for t in texts]

    if args.loose:
        cv_rows = rows
        probabilities = out_of_fold(features, labels, [r.group for r in rows], args.c)
    else:
        # --cv-repeats N: the strict CV repeated over N draws of folds (salts cv_seed .. cv_seed+N-1),
        # their out-of-fold scores pooled, so the threshold and the bar are not one draw's.
        cv_rows, pooled = [], []
        for seed in range(args.cv_seed, args.cv_seed + args.cv_repeats):
            CV_SEED = seed
            draw_rows, draw_probabilities = strict_out_of_fold(
                args.c,
                args.rule_scale,
                extra=not args.no_extra,
                add_fit=(independent if fit_independent else []) + feedback,
            )
            cv_rows += draw_rows
            pooled.append(draw_probabilities)
        CV_SEED = args.cv_seed
        probabilities = np.concatenate(pooled)
    if args.save_oof:  # the strict CV's out-of-fold scores, for analyses outside this script
        save_scores(args.save_oof, cv_rows, probabilities)
    if args.save_author and check_author:
        save_scores(args.save_author, author_rows, author_probabilities)
    cv_labels = np.array([r.label for r in cv_rows])
    cv_hard = np.array([bool(r.hard) for r in cv_rows])
    corpus = np.array([r.source in SCORED_SOURCES for r in cv_rows])
    threshold = choose_threshold(probabilities, cv_labels, cv_hard, corpus)
    if check_author:
        author_threshold = recall_threshold(author_rows, author_probabilities, CROSS_AUTHOR_RECALL) or 0.01
        cv_threshold = recall_threshold(
            [r for r, s in zip(cv_rows, corpus, strict=True) if s], probabilities[corpus], STRICT_CV_RECALL
        )
        print(
            f"thresholds: cross-author recall ≥ {CROSS_AUTHOR_RECALL} up to {author_threshold}, "
            f"strict train-CV recall ≥ {STRICT_CV_RECALL} up to {cv_threshold}"
        )
        if args.independent:  # the protocol's threshold rule, fixed before any run
            threshold = author_threshold
        if args.joint:  # the sixth round's rule, fixed before any run
            joint = joint_report(cv_rows, probabilities, author_rows, author_probabilities)
            if joint is None and not args.cv_only:
                raise SystemExit(
                    "the recipe does not qualify (no threshold has both recalls): nothing written"
                )
            threshold = joint if joint is not None else threshold
            if args.guarded and joint is not None:
                guarded_bar = guarded_report(cv_rows, probabilities, author_rows, author_probabilities, joint)
        cross_author_report(
            author_rows,
            author_probabilities,
            args.author_errors,
            threshold if (args.independent or args.joint) else None,
        )
    print("strict CV (pieces split by fold too)" if not args.loose else "CV (folds by core)")
    cv_report(cv_rows, probabilities, args.at if args.at is not None else threshold, args.errors)
    if args.curve:
        for t in np.arange(0.1, 0.85, 0.05):
            flagged = (probabilities >= t) & corpus
            tp = int((flagged & (cv_labels == 1)).sum())
            print(
                f"  t={t:.2f} P {tp / max(1, int(flagged.sum())):.3f} R {tp / int(((cv_labels == 1) & corpus).sum()):.3f}"
                f" hard {int((flagged & cv_hard).sum())}/{int((cv_hard & corpus).sum())}"
            )
    if args.cv_only:
        return 0

    extra_sentences = sentence_negatives(rows)
    fitted = rows + extra_sentences
    vectorizer = DictVectorizer()
    matrix = small_index(
        vectorizer.fit_transform(features + [feature_dict(r.text, args.rule_scale) for r in extra_sentences])
    )
    model = new_model(args.c).fit(
        matrix,
        np.array([r.label for r in fitted]),
        sample_weight=fit_weights(fitted),
    )
    names = vectorizer.get_feature_names_out()
    coefficients = model.coef_[0]
    order = strongest_first(coefficients, names)
    kept: dict[str, float] = {}
    for i in order:
        name = str(names[i])
        scale = args.rule_scale if name.startswith(RULE_PREFIXES) else 1.0
        weight = round(float(coefficients[i]) * scale, DIGITS)
        if weight and (len(kept) < MAX_FEATURES or name.startswith(RULE_PREFIXES)):
            kept[name] = weight
    intercept = round(float(model.intercept_[0]), DIGITS)
    payload = {
        "format": 1,
        "kind": "logistic regression over character n-grams and rule features (issue 23)",
        "ngram_max": NGRAM_MAX,
        "intercept": intercept,
        "threshold": threshold,
        **({"guarded_threshold": guarded_bar} if guarded_bar is not None else {}),
        **({"sentences": True} if SENTENCES else {}),
        **({"mask_exceptions": True} if MASK else {}),
        "trained_on": {
            "texts": len(rows),
            "crisis_worthy": int(labels.sum()),
            "files": [
                "bench/early_warning/corpus.tsv (split=train)",
                "bench/early_warning/texts.tsv",
                *(["bench/early_warning/independent.tsv"] if fit_independent else []),
                *(f"{path.name} (feedback)" for path in args.feedback),
            ],
            "independent_weight": args.independent_weight if fit_independent else None,
            "rule_scale": args.rule_scale,
            "min_gram": MIN_GRAM,
            "digit_grams": DIGIT_GRAMS,
            "corpus_sha256": hashlib.sha256(CORPUS.read_bytes()).hexdigest(),
            **(
                {
                    "feedback_sha256": {
                        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in args.feedback
                    }
                }
                if args.feedback
                else {}
            ),
            "C": args.c,
            **({"penalty": PENALTY} if PENALTY != "l2" else {}),
            **({"sentence_negatives": SENTENCE_NEGATIVES} if SENTENCE_NEGATIVES else {}),
            **({"stop_grams": False} if not STOP_GRAMS else {}),
            **({"named_weight": NAMED_WEIGHT} if NAMED_WEIGHT != 1 else {}),
            **({"nb_alpha": NB_ALPHA} if NB_ALPHA else {}),
            **({"nb_blend": NB_BLEND} if NB_ALPHA and NB_BLEND != 1 else {}),
            "features_total": len(names),
            "features_kept": len(kept),
            "scikit_learn": sklearn.__version__,
        },
        "weights": dict(sorted(kept.items())),
    }
    MODEL_FILE.write_text(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )

    shipped = LinearModel(kept, intercept, threshold, SENTENCES, MASK)
    full = model.decision_function(matrix)[: len(features)]  # the texts, not the extra sentences
    pure = np.array([shipped.score(f) for f in features])  # presence: the keys
    agree = float(((pure >= 0) == (full >= 0)).mean())
    check = {
        "sha256": hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest(),
        "scores": [
            {"text": t, "score": round(shipped.score(signals.text_features(t, mask=MASK)[0]), 6)}
            for t in CHECK_TEXTS
        ],
    }
    CHECK_FILE.write_text(json.dumps(check, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"trained on {len(rows)} texts ({int(labels.sum())} crisis-worthy), {len(names)} features")
    print(
        f"kept {len(kept)} weights: {MODEL_FILE.relative_to(ROOT)} {MODEL_FILE.stat().st_size / 1024:.0f} kB"
    )
    print(
        f"threshold {threshold} (out-of-fold), pruned vs full model: max |Δscore| "
        f"{float(np.abs(pure - full).max()):.3f}, same sign on {agree:.1%} of the training texts"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
