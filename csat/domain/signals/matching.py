"""Rule matching of the term list: normalisation, exceptions, negation, identity, longest match.

See the package docstring (``csat.domain.signals``) for how a text is read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from .context import retracted, routine_context
from .terms import AMPLIFIER_CODES, DEFAULT_TERMS, IDENTITY_WEIGHT, PATTERN_GAP, PATTERN_PREFIX, Signal, Term

# A negator at most this many characters before the term, in the same clause, switches it off
# ("不会曝光", "不会去媒体", "没想过要起诉"); further away it usually negates something else.
NEGATION_GAP = 4
NEGATORS: tuple[str, ...] = (
    "不打算",
    "不想",
    "不会",
    "不用",
    "不必",
    "不需要",
    "不要",
    "无需",
    "没必要",
    "没有",
    "并未",
    "从未",
    "未",
    "无",
    "不",
    "别",
    "没",
    # hypothetical or asked, not happened: "担心刹车失灵", "是否存在安全隐患"
    "担心",
    "害怕",
    "是否",
)
# Words that start with a negator but do not negate what follows ("不满就曝光" still fires).
NON_NEGATING: tuple[str, ...] = (
    "不满",
    "不行",
    "不好",
    "不然",
    "不管",
    "不停",
    "不断",
    "不仅",
    "不少",
    "不多",
    "不得不",
    "不公",
    "不排除",
    "不惜",
    "不怕",
    "不介意",
    "不服",
    "不信",
    "不给",
    "不让",
    "不住",
    "不了",
    "不起",
    "不敢",
    "没完",
    "没人",
    "没办法",
    "无法",
    "无论",
    "无良",
    "无奈",
    "无耻",
    "别人",
    "别的",
    "别逼",
    "别怪",
    "别让",
    "不要逼",
)
# A negator in a condition does not negate the consequence: "不解决我就曝光", "不处理的话…".
_CONDITION_IN_GAP: tuple[str, ...] = ("就", "的话", "否则", "便", "将", "则")
_CONDITION_BEFORE: tuple[str, ...] = ("如果", "要是", "假如", "如", "若", "再", "只要")
# "起诉？不会的", "请律师？没必要": the term asked back and answered with a negation.
_ANSWER_NEGATORS: tuple[str, ...] = ("不会", "没必要", "不至于", "没有", "不用", "不可能", "怎么会", "哪会")
# Person or institution terms that can just say who someone is.
_IDENTITY_TERMS: frozenset[str] = frozenset(
    {
        "律师",
        "律所",
        "记者",
        "媒体",
        "自媒体",
        "法院",
        "电视台",
        "报社",
        "消协",
        "工商",
        "工商局",
        "警察",
        "派出所",
    }
)
_IDENTITY_BEFORE = re.compile(
    r"(是|当|做)(个|位|名|一名|一位|一个|做)?[^,.;:!?。找联请去叫打发让给上带]{0,2}$"
)
_IDENTITY_AFTER = re.compile(r"^[局所院台社]?的?(朋友|同学|亲戚|上班|工作)")
# "在抖音上看到你们的活动", "晚报上看到广告": the customer read something there, not a threat.
_SEEN_AFTER = re.compile(r"^上?[^,.;:!?。让]{0,4}(看到|看见|刷到|了解到)")
_LANDMARK_AFTER = re.compile(r"^[局所院台社处厅]?(那边)?(斜对面|对面|旁边|附近|隔壁|楼下)")

_BREAK_CHARS = r"\s,.;:!?,。;:!?、…\"'“”‘’()()「」『』《》【】—"
_CLAUSE_BREAK = re.compile(f"[{_BREAK_CHARS}]")
_ANSWER = re.compile(r"[^,.;:!?。;:!?]{0,2}[?？][\s\"“”「」]*")  # used with match(text, pos)

# Folds that keep the text's length, so positions stay valid: traditional → simplified for the
# characters of the terms, then misspellings of a term.
_TRADITIONAL = str.maketrans(
    "師記體視臺聞報訴賠償換車監協場燒傷剎靈斷軸險隱題發網騙錢壞氣傳導門論權團醫檢損殺爛鬧讓廠總違",
    "师记体视台闻报诉赔偿换车监协场烧伤刹灵断轴险隐题发网骗钱坏气传导门论权团医检损杀烂闹让厂总违",
)
_MISSPELLINGS: dict[str, str] = {"暴光": "曝光", "煞车": "刹车", "陪偿": "赔偿", "刹车失零": "刹车失灵"}


def normalize(text: str) -> str:
    """The text as matched: NFKC, traditional characters and known misspellings folded."""
    folded = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    for wrong, right in _MISSPELLINGS.items():
        folded = folded.replace(wrong, right)
    return folded


@lru_cache(maxsize=1)
def _exception_spans() -> tuple[tuple[str, int, int], ...]:
    """(exception phrase, start, end of its term inside it) for the default terms, normalised."""
    spans = []
    for term in DEFAULT_TERMS:
        if term.term.startswith(PATTERN_PREFIX):
            continue
        word = normalize(term.term).lower()
        for phrase in term.exceptions:
            folded = normalize(phrase).lower()
            at = folded.find(word)
            if at >= 0:
                spans.append((folded, at, at + len(word)))
    return tuple(spans)


def mask_exceptions(normalized: str) -> str:
    """The normalised, lower-cased text with each default term blanked ("|") where an exception
    phrase of its own holds it (报警灯 → |灯, 安全气囊 → |气囊), so a text model reads the term list's
    exceptions as the rules do."""
    chars = None
    for phrase, start, end in _exception_spans():
        at = normalized.find(phrase)
        while at >= 0:
            chars = chars or list(normalized)
            chars[at + start : at + end] = "|" * (end - start)
            at = normalized.find(phrase, at + 1)
    return "".join(chars) if chars else normalized


@lru_cache(maxsize=1024)
def _normalized_phrase(phrase: str) -> str:
    return normalize(phrase)


@lru_cache(maxsize=512)
def _pattern(term: str) -> re.Pattern[str]:
    """A compiled matcher for a term: a literal, or a "re:" pattern with "…" as a short gap."""
    if term.startswith(PATTERN_PREFIX):
        source = term[len(PATTERN_PREFIX) :].replace("…", f"[^{_BREAK_CHARS}]{{0,{PATTERN_GAP}}}")
        try:
            return re.compile(source)
        except re.error as error:
            raise ValueError(
                f"a signal pattern must be a valid regular expression: {term!r} ({error})"
            ) from error
    return re.compile(re.escape(normalize(term)))


def coerce_terms(terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None) -> tuple[Term, ...]:
    """``terms`` as a checked tuple of Term (DEFAULT_TERMS for None); ValueError on a bad term."""
    if terms is None:
        return DEFAULT_TERMS
    result: list[Term] = []
    for item in terms:
        if isinstance(item, Term):
            result.append(item)
        elif isinstance(item, tuple) and len(item) in (2, 3):
            result.append(Term(*item))
        else:
            raise ValueError(f"a term must be a Term or (term, code[, weight]), got {item!r}")
    for t in result:
        if not t.term or not t.code or t.term == PATTERN_PREFIX:
            raise ValueError(f"a signal term needs a term and a code, got {t!r}")
        if isinstance(t.weight, bool) or not isinstance(t.weight, int) or t.weight < 0:
            raise ValueError(f"a signal weight must be a non-negative integer, got {t.weight!r}")
        _pattern(t.term)
    return tuple(result)


def _phrase_at(text: str, start: int, end: int, phrases: Iterable[str]) -> bool:
    """Whether the match ``text[start:end]`` lies inside an occurrence of one of ``phrases``."""
    matched = text[start:end]
    for raw in phrases:
        phrase = _normalized_phrase(raw)
        offset = phrase.find(matched)
        while offset >= 0:
            if start - offset >= 0 and text.startswith(phrase, start - offset):
                return True
            offset = phrase.find(matched, offset + 1)
    return False


def _negated(text: str, start: int, end: int) -> bool:
    """Whether the occurrence at ``text[start:end]`` is negated, hypothetical or denied."""
    window = max(0, start - NEGATION_GAP - max(map(len, NEGATORS)))
    for neg in NEGATORS:
        pos = text.find(neg, window, start)
        while pos != -1:
            gap = text[pos + len(neg) : start]
            if (
                pos + len(neg) <= start
                and len(gap) <= NEGATION_GAP
                and not _CLAUSE_BREAK.search(gap)
                and not text.startswith(NON_NEGATING, pos)
                and not any(marker in gap for marker in _CONDITION_IN_GAP)
                and not text[:pos].endswith(_CONDITION_BEFORE)
            ):
                return True
            pos = text.find(neg, pos + 1, start)
    answer = _ANSWER.match(text, end)
    return answer is not None and text.startswith(_ANSWER_NEGATORS, answer.end())


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int  # of the term in the list
    term: Term
    start: int
    end: int
    weight: int
    fires: bool
    why_not: str = ""  # "negated", "retracted" or "routine" when it does not fire


@dataclass(frozen=True, slots=True)
class _Compiled:
    index: int
    term: Term
    literal: str  # the normalised term when it is a plain string, "" for a pattern
    digits: bool  # a hotline number: not inside a longer number
    pattern: re.Pattern[str]


_COMPILED: dict[int, tuple[tuple[Term, ...], tuple[_Compiled, ...]]] = {}


def _compiled(terms: tuple[Term, ...]) -> tuple[_Compiled, ...]:
    """The matchers of a term list, built once per list (the default list on first use)."""
    cached = _COMPILED.get(id(terms))
    if cached is not None and cached[0] is terms:
        return cached[1]
    built = tuple(
        _Compiled(
            index,
            term,
            "" if term.term.startswith(PATTERN_PREFIX) else normalize(term.term),
            term.term.isascii() and term.term.isdigit(),
            _pattern(term.term),
        )
        for index, term in enumerate(terms)
    )
    if len(_COMPILED) > 16:
        _COMPILED.clear()
    _COMPILED[id(terms)] = (terms, built)
    return built


def _candidates(text: str, terms: tuple[Term, ...], boundaries: set[int] | None) -> Iterable[_Candidate]:
    for matcher in _compiled(terms):
        if matcher.literal and matcher.literal not in text:  # a plain substring test first: fast
            continue
        index, term = matcher.index, matcher.term
        if matcher.digits:
            spans: Iterable[tuple[int, int]] = _digit_matches(text, term.term)
        else:
            spans = (match.span() for match in matcher.pattern.finditer(text))
        for start, end in spans:
            if start == end:
                continue
            if boundaries is not None and (start not in boundaries or end not in boundaries):
                continue
            if _phrase_at(text, start, end, term.exceptions) or _LANDMARK_AFTER.search(text[end : end + 6]):
                continue
            if term.code == "exposure" and _SEEN_AFTER.search(text[end : end + 8]):
                continue
            weight = term.weight
            if _normalized_phrase(term.term) in _IDENTITY_TERMS and (
                _IDENTITY_BEFORE.search(text[max(0, start - 6) : start])
                or _IDENTITY_AFTER.search(text[end : end + 8])
            ):
                weight = min(weight, IDENTITY_WEIGHT)
            why_not = ""
            if routine_context(text, start, end):
                why_not = "routine"
            elif not _phrase_at(text, start, end, term.negated_forms) and _negated(text, start, end):
                why_not = "negated"
            elif term.code not in ("safety", "aggravating") and retracted(text, start, end):
                why_not = "retracted"
            yield _Candidate(index, term, start, end, weight, not why_not, why_not)


def _digit_matches(text: str, digits: str) -> Iterable[tuple[int, int]]:
    """A hotline number, not digits inside a longer number (13812315678)."""
    start = text.find(digits)
    while start >= 0:
        end = start + len(digits)
        if not (start > 0 and text[start - 1].isdigit()) and not (end < len(text) and text[end].isdigit()):
            yield start, end
        start = text.find(digits, start + 1)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What the term rules found: the signals that count, and why other occurrences did not."""

    signals: list[Signal]
    switched_off: frozenset[str]  # reasons: "negated", "retracted", "routine"


def rule_analysis(
    text: str,
    terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None = None,
    *,
    segment: Callable[[str], Iterable[str]] | None = None,
) -> RuleResult:
    """The term rules alone: one signal per distinct term that counts, in order of appearance.

    ``terms=None`` uses DEFAULT_TERMS; ``terms`` may also be (term, code[, weight]) tuples.
    ``segment`` (a tokenizer such as ``jieba.lcut``) makes a term count only where it starts and
    ends on word boundaries; by default plain substring matching is used (see the package doc).
    """
    if text is None:
        return RuleResult([], frozenset())
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    term_list = coerce_terms(terms)
    normalized = normalize(text)
    boundaries = None
    if segment is not None:
        boundaries, offset = {0}, 0
        for token in segment(normalized):
            offset += len(token)
            boundaries.add(offset)

    candidates = sorted(
        _candidates(normalized, term_list, boundaries),
        key=lambda c: (-(c.end - c.start), -c.weight, c.start, c.index),
    )
    taken: list[_Candidate] = []
    for candidate in candidates:  # longest match first: a stretch of text counts once
        if all(candidate.end <= t.start or candidate.start >= t.end for t in taken):
            taken.append(candidate)

    best: dict[int, _Candidate] = {}
    for candidate in taken:
        if not candidate.fires:
            continue
        current = best.get(candidate.index)
        if current is None or (candidate.weight, -candidate.start) > (current.weight, -current.start):
            best[candidate.index] = candidate
    switched_off = frozenset(c.why_not for c in taken if not c.fires)
    if all(c.term.code in AMPLIFIER_CODES for c in best.values()):
        return RuleResult([], switched_off)
    found = [
        Signal(
            c.term.code,
            normalized[c.start : c.end] if c.term.term.startswith(PATTERN_PREFIX) else c.term.term,
            c.weight,
            c.start,
        )
        for c in best.values()
    ]
    return RuleResult(sorted(found, key=lambda s: (s.position, -len(s.term))), switched_off)


def signal_weight(signals: Iterable[Signal]) -> int:
    """The weight of a set of signals: the strongest signal of each code, added up.

    Two mentions of one concern ("抖音直播", "赔偿、损失") are one concern; two concerns add up.
    """
    strongest: dict[str, int] = {}
    for s in signals:
        strongest[s.code] = max(strongest.get(s.code, 0), s.weight)
    return sum(strongest.values())
