#!/usr/bin/env python
"""Train the early-warning text model of issue 23 and export it as plain data. Not run at runtime.

    .venv/bin/python bench/early_warning_train.py

Fits a logistic regression (scikit-learn, a dev dependency) on the features of
``csat.domain.signals.text_features`` — character 1–3 grams plus the rule signals — of the
**train** split of bench/early_warning/corpus.tsv and all of bench/early_warning/texts.tsv (the
issue-12 set the rules were written on). The held-out split is never read here.

The decision threshold is chosen on 5-fold out-of-fold probabilities of the training texts: the
highest recall with precision ≥ 0.95 and ≤ 1 % of the hard negatives flagged. Weights are pruned
to the strongest MAX_FEATURES (rule features are always kept) and written, rounded, to
csat/domain/signals/model.json; bench/early_warning/model_check.json holds the file's sha256 and
the scores of a few texts as the shipped pure-Python model computes them, for the tests.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from csat.domain import signals  # noqa: E402
from csat.domain.signals.model import MODEL_FILE, NGRAM_MAX, LinearModel  # noqa: E402

CORPUS = ROOT / "bench" / "early_warning" / "corpus.tsv"
ISSUE12 = ROOT / "bench" / "early_warning" / "texts.tsv"
CHECK_FILE = ROOT / "bench" / "early_warning" / "model_check.json"
C = 3.0
MAX_FEATURES = 15000
DIGITS = 4
MIN_PRECISION = 0.95
MAX_HARD_FLAGGED = 0.01
CHECK_TEXTS = [
    "我已经把材料交给代理人了，准备走法律程序",
    "发动机异响在保修期内，麻烦帮我走厂家索赔",
    "放心吧，我不会去投诉的",
    "车在高架上突然没动力了，差点被后车追尾",
    "保养等了两个小时，太慢了",
    "我们车队二十台车都是同一个毛病",
]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def training_rows() -> list[tuple[str, int, bool]]:
    """(text, label, hard negative) of the train split and the issue-12 set."""
    rows = [
        (r["text"], int(r["label"]), bool(r["hard_negative"])) for r in read(CORPUS) if r["split"] == "train"
    ]
    rows += [(r["text"], int(r["label"]), False) for r in read(ISSUE12)]
    return rows


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray, hard: np.ndarray) -> float:
    best, best_recall = 0.5, -1.0
    for threshold in np.arange(0.20, 0.81, 0.01):
        flagged = probabilities >= threshold
        tp = int((flagged & (labels == 1)).sum())
        precision = tp / max(1, int(flagged.sum()))
        recall = tp / int((labels == 1).sum())
        hard_share = float((flagged & hard).sum()) / max(1, int(hard.sum()))
        if precision >= MIN_PRECISION and hard_share <= MAX_HARD_FLAGGED and recall > best_recall:
            best, best_recall = float(round(threshold, 2)), recall
    return best


def main() -> int:
    rows = training_rows()
    texts = [t for t, _, _ in rows]
    labels = np.array([y for _, y, _ in rows])
    hard = np.array([h for _, _, h in rows])
    features = [dict.fromkeys(signals.text_features(t)[0], 1) for t in texts]

    out_of_fold = np.zeros(len(rows))
    for fit_idx, score_idx in StratifiedKFold(5, shuffle=True, random_state=23).split(texts, labels):
        vectorizer = DictVectorizer()
        fold = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
        fold.fit(vectorizer.fit_transform([features[i] for i in fit_idx]), labels[fit_idx])
        out_of_fold[score_idx] = fold.predict_proba(vectorizer.transform([features[i] for i in score_idx]))[
            :, 1
        ]
    threshold = choose_threshold(out_of_fold, labels, hard)

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(features)
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(matrix, labels)
    names = vectorizer.get_feature_names_out()
    coefficients = model.coef_[0]
    order = np.argsort(-np.abs(coefficients))
    kept: dict[str, float] = {}
    for i in order:
        name, weight = str(names[i]), round(float(coefficients[i]), DIGITS)
        if weight and (len(kept) < MAX_FEATURES or name.startswith(("rule:", "ctx:"))):
            kept[name] = weight
    intercept = round(float(model.intercept_[0]), DIGITS)
    payload = {
        "format": 1,
        "kind": "logistic regression over character n-grams and rule features (issue 23)",
        "ngram_max": NGRAM_MAX,
        "intercept": intercept,
        "threshold": threshold,
        "trained_on": {
            "texts": len(rows),
            "crisis_worthy": int(labels.sum()),
            "files": ["bench/early_warning/corpus.tsv (split=train)", "bench/early_warning/texts.tsv"],
            "corpus_sha256": hashlib.sha256(CORPUS.read_bytes()).hexdigest(),
            "C": C,
            "features_total": len(names),
            "features_kept": len(kept),
            "scikit_learn": sklearn.__version__,
        },
        "weights": dict(sorted(kept.items())),
    }
    MODEL_FILE.write_text(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )

    shipped = LinearModel(kept, intercept, threshold)
    full = model.decision_function(matrix)
    pure = np.array([shipped.score(f) for f in features])
    agree = float(((pure >= 0) == (full >= 0)).mean())
    check = {
        "sha256": hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest(),
        "scores": [
            {"text": t, "score": round(shipped.score(signals.text_features(t)[0]), 6)} for t in CHECK_TEXTS
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
