"""The verdict and its explanation: term rules and the text model together (issue 23).

``crisis_worthy`` is the text model's verdict (``model.py``) over the character n-grams of the text
and the rule signals of the term list (``matching.py``, ``context.py``): the rules contribute what
they found (``rule:legal=3``, ``rule:worthy``) and what they switched off (``ctx:negated``,
``ctx:retracted``, ``ctx:routine``), and the n-grams carry phrasing the list does not know (an
authority or platform not on it, a danger told without a listed word). ``text_signals`` explains
the verdict: the rule signals, plus a ``model`` signal naming the n-grams that weighed most when the
model flags a text the rules alone would not. A model saved with ``"sentences": true`` also scores
each sentence of a text of several and keeps the highest probability (``_model_probability``); one
saved with ``"mask_exceptions": true`` reads a term inside its own exception phrase blanked; one
with a ``guarded_threshold`` holds a text in routine or taken-back context (``context.guarded``:
warranty, insurance, recall, a threat negated or retracted) to that higher bar. The
rules' verdict stands beside the model's for a caller's own terms (a list other than the default
one) and for a short text with nothing switched off by context (``SHORT_TEXT``: "我要找律师").

With ``model=False``, or a ``segment`` tokenizer (a rule-matching comparison), the verdict is the
rules' alone: ``signal_weight`` of the signals ≥ ``threshold``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .context import CLAUSE_CUES, CUES, NEGATED_SCOPE, SETTLED_SCOPE, cue_features, guarded
from .matching import RuleResult, coerce_terms, mask_exceptions, normalize, rule_analysis, signal_weight
from .model import LinearModel, load_model, ngrams, sentences
from .terms import CRISIS_THRESHOLD, DEFAULT_TERMS, SIGNAL_CODES, Signal, Term

__all__ = [
    "MODEL_CODE",
    "MODEL_EXPLANATION",
    "MODEL_EXPLANATION_PLAIN",
    "MODEL_MIN_WEIGHT",
    "MODEL_TOP",
    "STOP_CHARS",
    "STOP_GRAMS",
    "Assessment",
    "assess",
    "crisis_worthy",
    "cue_span",
    "explain",
    "guarded_text",
    "meaningful_gram",
    "rule_features",
    "text_features",
    "text_signals",
]

MODEL_CODE = "model"
MODEL_TOP = 3  # n-grams named in a model signal
# Only n-grams weighing at least this much are named to the GM (weights of model.json: the
# telling ones — 曝光, 律师, 投诉到, 冒烟 — weigh about 0.5–2).
MODEL_MIN_WEIGHT = 0.3
# Characters too common to tell anything alone or together: function words, pronouns, numbers,
# and the words every dealership text has (车, 店). An n-gram made only of them is never shown.
STOP_CHARS: frozenset[str] = frozenset(
    "的了一个是我你他她它们这那在有就也都还很吗呢吧啊哈嘛呀着过得地和与及要会说把被让给对从到上下里"
    "中么什怎样多少几点些次再又才已经没不直车店人来去看做好天两二三"
)
STOP_GRAMS: frozenset[str] = frozenset(
    {"客户", "一直", "一下", "已经", "还是", "就是", "真的", "反正", "说实话", "怎么", "什么", "这个", "那个"}
)
SCOPE_PREFIXES = (NEGATED_SCOPE, SETTLED_SCOPE)
# A text this short (characters, punctuation and spaces left out) gives the model too few n-grams
# to weigh against the term list: when the rules alone rate it worthy and no context switched a
# term off, the rules decide ("我要找律师"). The longest length at which this flags no harmless
# text of the training side or the independent set (bench/RESULTS.md, eleventh round).
SHORT_TEXT = 12
_NOT_COUNTED = re.compile(r"[\s,.;:!?，。；：！？、…\"'“”‘’()（）【】]+")
# (zh, en); {what} the n-grams, {p} the probability in percent.
MODEL_EXPLANATION: tuple[str, str] = (
    "文本模型判断为危机苗头（{p}%），主要依据：{what}",
    "The text model rates this a possible crisis ({p}%); strongest features: {what}",
)
# When no n-gram is meaningful enough to name (``meaningful_gram``).
MODEL_EXPLANATION_PLAIN: tuple[str, str] = (
    "文本模型判断为危机苗头（{p}%），请结合客户原话判断",
    "The text model rates this a possible crisis ({p}%); read the customer's words to judge",
)
TERM_EXPLANATION: tuple[str, str] = (
    "客户原话中出现“{term}”（{code}）",
    "The customer's words contain “{term}” ({code})",
)

TermsArg = Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None


@dataclass(frozen=True, slots=True)
class Assessment:
    worthy: bool
    signals: list[Signal]  # the rule signals, then the model signal if any
    rules_weight: int  # signal_weight of the rule signals
    probability: float | None = None  # None when the verdict is the rules' alone
    features: list[tuple[str, float]] = field(default_factory=list)  # present features, by weight


def rule_features(result: RuleResult, threshold: int = CRISIS_THRESHOLD) -> set[str]:
    """The model's features from the rules: strongest weight per code, the rules' verdict, context."""
    strongest: dict[str, int] = {}
    for s in result.signals:
        strongest[s.code] = max(strongest.get(s.code, 0), s.weight)
    found = {f"rule:{code}={min(weight, 3)}" for code, weight in strongest.items()}
    if sum(strongest.values()) >= threshold:
        found.add("rule:worthy")
    return found | {f"ctx:{reason}" for reason in result.switched_off}


def text_features(
    text: str, terms: TermsArg = None, *, threshold: int = CRISIS_THRESHOLD, mask: bool = False
) -> tuple[set[str], RuleResult]:
    """The model's features of ``text`` (what the training script fits on) and the rules' result;
    with ``mask``, the n-grams are read with the term list's exceptions blanked (``mask_exceptions``)."""
    result = rule_analysis(text, terms)
    normalized = normalize(text).lower()
    grams = ngrams(mask_exceptions(normalized) if mask else normalized)
    return grams | cue_features(normalized) | rule_features(result, threshold), result


def meaningful_gram(feature: str, weight: float) -> bool:
    """Whether a model feature may be shown to the GM as a reason: a plain n-gram of at least two
    characters (no rule, context or cue feature, no negated or settled scope prefix, no clause
    break) pushing towards a crisis by at least MODEL_MIN_WEIGHT, and not made only of stop
    characters ("了一", "一直", "一个", "车一") or a stop word (客户, 你们 …)."""
    if weight < MODEL_MIN_WEIGHT or feature.startswith(("rule:", "ctx:", "cue:")):
        return False
    if len(feature) < 2 or feature[0] in SCOPE_PREFIXES or "|" in feature:
        return False
    rest = feature
    for word in STOP_GRAMS:
        rest = rest.replace(word, "")
    # A piece of a stop word at an edge is the stop word cut by the n-gram's window: "户说" is the
    # end of "客户说" and told the GM "主要依据：“户说”".
    for word in STOP_GRAMS:
        for cut in range(1, len(word)):
            if rest.startswith(word[cut:]):
                rest = rest[len(word) - cut :]
            if rest.endswith(word[:cut]):
                rest = rest[:-cut]
    return not all(c in STOP_CHARS for c in rest)


def cue_span(feature: str, normalized: str) -> str:
    """The customer's words that made the cue ``feature`` fire ("缝了五针" for ``cue:hurt``), or ""
    for a feature that is not a cue with a pattern (negated and settled scopes have none)."""
    pattern = CUES.get(feature.removeprefix("cue:")) or CLAUSE_CUES.get(feature.removeprefix("cue:"))
    if not feature.startswith("cue:") or pattern is None:
        return ""
    match = pattern.search(normalized.lower())
    return match.group(0).strip() if match else ""


def _model_signal(normalized: str, contributions: list[tuple[str, float]], probability: float) -> Signal:
    """The model signal: the reasons that weighed most — meaningful n-grams (``meaningful_gram``)
    and the customer's words behind a cue (``cue_span``: "烫起了泡" rather than "cue:hurt", so the GM
    reads the reason in either language); reasons that overlap in the text are shown as the one
    stretch they cover ("发动" and "动机" as "发动机", not "motive"); an empty term when nothing is
    worth showing (the explanation then names the model's verdict alone, next to the term
    categories that fired)."""
    text = normalized.lower()
    spans: list[tuple[int, int]] = []
    used = 0  # reasons taken, merged ones included: MODEL_TOP of them at most
    for feature, weight in contributions:
        if weight < MODEL_MIN_WEIGHT or used == MODEL_TOP:
            break
        shown = cue_span(feature, normalized) if feature.startswith("cue:") else feature
        if not shown or not (feature.startswith("cue:") or meaningful_gram(feature, weight)):
            continue
        start = text.find(shown)
        if start < 0 or any(shown in text[s:e] for s, e in spans):  # not in the text, or named already
            continue
        end = start + len(shown)
        used += 1
        for i, (other_start, other_end) in enumerate(spans):
            if start < other_end and other_start < end:
                spans[i] = (min(start, other_start), max(end, other_end))
                break
        else:
            spans.append((start, end))
    named = list(dict.fromkeys(text[start:end] for start, end in spans))
    return Signal(MODEL_CODE, "、".join(named), CRISIS_THRESHOLD, min((s for s, _ in spans), default=0))


def _rules_decide(text: str, terms: TermsArg, result: RuleResult) -> bool:
    """Whether the rules' verdict stands beside the model's: for a caller's own terms (the model
    knows the default list only; the default list passed explicitly, as the crisis app does while
    no term is edited, is not one), and for a short text with nothing switched off (SHORT_TEXT)."""
    if terms is not None and coerce_terms(terms) != DEFAULT_TERMS:
        return True
    return not result.switched_off and len(_NOT_COUNTED.sub("", text)) <= SHORT_TEXT


def guarded_text(text: str, features: set[str]) -> bool:
    """Whether the model holds ``text`` (with its whole-text ``features``) to its guarded bar; the
    training script asks the same question, so the bar it chooses is the one applied here."""
    return guarded(normalize(text).lower(), features)


def _model_probability(
    linear: LinearModel, text: str, features: set[str], terms: TermsArg, threshold: int
) -> tuple[float, set[str]]:
    """The model's probability for ``text`` (whose features are ``features``) and the features it
    came from: with a sentence model, the highest of the whole text's and each sentence's."""
    best = (linear.probability(features), features)
    if linear.sentences:
        for sentence in sentences(text):
            found = text_features(sentence, terms, threshold=threshold, mask=linear.mask_exceptions)[0]
            probability = linear.probability(found)
            if probability > best[0]:
                best = (probability, found)
    return best


def assess(
    text: str,
    terms: TermsArg = None,
    *,
    threshold: int = CRISIS_THRESHOLD,
    segment: Callable[[str], Iterable[str]] | None = None,
    model: bool = True,
) -> Assessment:
    """The verdict on ``text`` with everything that explains it (see the module doc)."""
    if text is None:
        return Assessment(False, [], 0)
    if segment is not None or not model:
        result = rule_analysis(text, terms, segment=segment)
        weight = signal_weight(result.signals)
        return Assessment(weight >= threshold, result.signals, weight)
    linear = load_model()
    features, result = text_features(text, terms, threshold=threshold, mask=linear.mask_exceptions)
    weight = signal_weight(result.signals)
    bar = linear.bar(guarded_text(text, features))
    probability, features = _model_probability(linear, text, features, terms, threshold)
    contributions = linear.contributions(features)
    worthy = probability >= bar or (weight >= threshold and _rules_decide(text, terms, result))
    found = list(result.signals)
    if worthy and weight < threshold:
        found.append(_model_signal(normalize(text), contributions, probability))
    return Assessment(worthy, found, weight, probability, contributions)


def text_signals(
    text: str,
    terms: TermsArg = None,
    *,
    segment: Callable[[str], Iterable[str]] | None = None,
) -> list[Signal]:
    """The signals found in ``text``: one per distinct term that counts, in order of appearance,
    then a ``model`` signal when the text model flags what the terms alone would not.

    ``terms=None`` uses DEFAULT_TERMS; ``terms`` may also be (term, code[, weight]) tuples.
    """
    return assess(text, terms, segment=segment).signals


def crisis_worthy(
    text: str,
    terms: TermsArg = None,
    *,
    threshold: int = CRISIS_THRESHOLD,
    segment: Callable[[str], Iterable[str]] | None = None,
    model: bool = True,
) -> bool:
    """Whether the text warrants a crisis review: the text model's verdict over the n-grams and the
    rule signals; the rules alone (``signal_weight`` ≥ ``threshold``) with ``model=False`` or a
    ``segment`` tokenizer.
    """
    if text is None or segment is not None or not model:
        return assess(text, terms, threshold=threshold, segment=segment, model=model).worthy
    # The verdict alone (no explanation): the same decision as ``assess``, without ranking features.
    linear = load_model()
    features, result = text_features(text, terms, threshold=threshold, mask=linear.mask_exceptions)
    bar = linear.bar(guarded_text(text, features))
    if _model_probability(linear, text, features, terms, threshold)[0] >= bar:
        return True
    return signal_weight(result.signals) >= threshold and _rules_decide(text, terms, result)


def explain(signal: Signal, *, english: bool = False, probability: float | None = None) -> str:
    """One signal in words, in Chinese (default) or English: the term and its category, or the
    model's strongest n-grams."""
    if signal.code == MODEL_CODE:
        shown = "—" if probability is None else str(round(probability * 100))
        if not signal.term:
            return MODEL_EXPLANATION_PLAIN[1 if english else 0].format(p=shown)
        quote = "“{}”" if not english else "“{}”"
        what = ("、" if not english else ", ").join(quote.format(f) for f in signal.term.split("、"))
        return MODEL_EXPLANATION[1 if english else 0].format(what=what, p=shown)
    zh, en = SIGNAL_CODES.get(signal.code, (signal.code, signal.code))
    return TERM_EXPLANATION[1 if english else 0].format(term=signal.term, code=en if english else zh)
