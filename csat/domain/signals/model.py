"""The text model (issue 23): a linear model over character 1–3 grams and the rule signals.

Trained at build time by ``bench/early_warning_train.py`` (scikit-learn logistic regression on the
train split of bench/early_warning/corpus.tsv and bench/early_warning/texts.tsv) and shipped as
plain data in ``model.json``: the kept feature weights, the intercept and the decision threshold
(and, since the twentieth round, a higher ``guarded_threshold`` for texts ``context.guarded`` marks).
Scoring here is pure Python — a set of features, a sum of weights, a logistic — so nothing beyond
the standard library is imported at call time. The file is read once, on first use.

Features of a text (``features``): every character 1-, 2- and 3-gram of the normalised, lower-cased
text with runs of punctuation and spaces folded to "|" (an n-gram of only "|" is dropped; inside a
negated or settled stretch of ``context.scopes`` a gram carries the prefix "~" or "^"), the cue
features ``cue:<name>`` of ``context.cue_features``, plus the
rule features ``rule:<code>=<weight>`` (the strongest signal of each code), ``rule:worthy`` (the
rules alone reach the threshold) and ``ctx:<reason>`` (an occurrence was switched off as negated,
retracted or routine). Each feature counts once (presence, not frequency).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .context import scopes

__all__ = ["MODEL_FILE", "NGRAM_MAX", "LinearModel", "load_model", "ngrams", "sentences"]

MODEL_FILE = Path(__file__).with_name("model.json")
NGRAM_MAX = 3
# Sentence ends, full- or half-width (a "." only when no digit follows: 1.5万 is one number). Not
# a question mark: "起诉？不会的" is one thought, the question answered.
_SENTENCE_ENDS = re.compile(r"[。！!；;\n]+|\.(?!\d)|…+")
_BREAKS = re.compile(r"[\s,.;:!?，。；：！？、…\"'“”‘’()（）「」『』《》【】—~～]+")


def _grams(folded: str, prefix: str, found: set[str]) -> None:
    for size in range(1, NGRAM_MAX + 1):
        for i in range(len(folded) - size + 1):
            gram = folded[i : i + size]
            if gram.strip("|"):
                found.add(prefix + gram)


def ngrams(normalized: str, *, scoped: bool = True) -> set[str]:
    """The character 1..NGRAM_MAX grams of an already normalised text (see the module doc); with
    ``scoped``, the grams inside a negated or settled stretch (``context.scopes``) carry its prefix."""
    text = normalized.lower()
    found: set[str] = set()
    position = 0
    for start, end, prefix in scopes(text) if scoped else []:
        _grams(_BREAKS.sub("|", text[position:start]), "", found)
        _grams(_BREAKS.sub("|", text[start:end]), prefix, found)
        position = end
    _grams(_BREAKS.sub("|", text[position:]), "", found)
    return found


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` when it has more than one, else []."""
    found = [part for part in _SENTENCE_ENDS.split(text) if part.strip()]
    return found if len(found) > 1 else []


@dataclass(frozen=True, slots=True)
class LinearModel:
    weights: dict[str, float]
    intercept: float
    threshold: float  # on the probability
    # Score every sentence of a text of several too and keep the highest probability, so one
    # alarming sentence is not outvoted by the ordinary ones around it (issue 23, ninth round).
    sentences: bool = False
    # Blank a term inside its own exception phrase before the n-grams (``matching.mask_exceptions``).
    mask_exceptions: bool = False
    # The bar of a text in routine or taken-back context (``context.guarded``); None = ``threshold``.
    guarded_threshold: float | None = None

    def bar(self, guarded: bool) -> float:
        """The probability a text must reach: the guarded bar for a guarded text, else ``threshold``."""
        return self.guarded_threshold if guarded and self.guarded_threshold is not None else self.threshold

    def score(self, features: Iterable[str]) -> float:
        """The decision value: intercept plus the weights of the features present."""
        get = self.weights.get
        present = features if isinstance(features, (set, frozenset)) else set(features)
        return self.intercept + sum([get(f, 0.0) for f in present])

    def probability(self, features: Iterable[str]) -> float:
        value = self.score(features)
        if value < -60:
            return 0.0
        return 1.0 / (1.0 + math.exp(-value))

    def contributions(self, features: Iterable[str]) -> list[tuple[str, float]]:
        """The present features with a weight, strongest push towards a crisis first."""
        weights = self.weights
        found = [(f, weights[f]) for f in set(features) if f in weights]
        return sorted(found, key=lambda item: (-item[1], item[0]))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> LinearModel:
    """The model in ``path`` (read once per path); ValueError when the file is malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        return LinearModel(
            weights,
            float(data["intercept"]),
            float(data["threshold"]),
            bool(data.get("sentences", False)),
            bool(data.get("mask_exceptions", False)),
            float(data["guarded_threshold"]) if data.get("guarded_threshold") is not None else None,
        )
    except (OSError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
        raise ValueError(f"the early-warning model {path} cannot be read: {error}") from error
