"""Early-warning signals in what a customer said (DOMAIN §6 latent phase).

Plain substring matching of a term list, with two modest refinements: a term negated just
before it ("不会曝光", "没有受伤") does not fire, and a term inside a known harmless phrase
("安全感", "工商银行") does not fire. Each distinct term counts once. A later issue may replace
this with something smarter; the interface (``text_signals``, ``crisis_worthy``) stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = [
    "CRISIS_THRESHOLD",
    "DEFAULT_TERMS",
    "NEGATION_GAP",
    "NEGATORS",
    "NON_NEGATING",
    "SIGNAL_CODES",
    "Signal",
    "Term",
    "crisis_worthy",
    "signal_weight",
    "text_signals",
]

# code → (zh, en)
SIGNAL_CODES: dict[str, tuple[str, str]] = {
    "exposure": ("曝光", "exposure"),
    "legal": ("法律", "legal action"),
    "authority": ("主管部门", "authorities"),
    "safety": ("安全", "safety"),
    "money": ("索赔、退换车", "money demands"),
}


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    code: str
    weight: int = 1
    # Longer phrases containing the term that must not fire (安全感: a feeling, not a defect).
    exceptions: tuple[str, ...] = ()
    # Phrases where a negator is part of the signal itself (不安全 = unsafe).
    negated_forms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    term: str
    weight: int
    position: int  # index of the first firing occurrence in the (NFKC-normalised) text


# Weights: 3 = one mention is enough for a crisis review, 2 = serious with something else,
# 1 = usual in ordinary complaints (money demands, a generic "online").
DEFAULT_TERMS: tuple[Term, ...] = (
    Term("曝光", "exposure", 3),
    Term("媒体", "exposure", 3),
    Term("记者", "exposure", 3),
    Term("微博", "exposure", 2),
    Term("抖音", "exposure", 2),
    Term("网上", "exposure", 1, exceptions=("网上预约", "网上商城", "网上支付")),
    Term("律师", "legal", 3),
    Term("起诉", "legal", 3),
    Term("法院", "legal", 3),
    Term("12315", "authority", 3),
    Term("消协", "authority", 3),
    Term("市场监管", "authority", 3),
    Term("工商", "authority", 2, exceptions=("工商银行",)),
    Term("投诉到厂家", "authority", 2),
    Term(
        "安全",
        "safety",
        3,
        exceptions=("安全感", "安全检查", "安全检测", "安全带"),
        negated_forms=("不安全",),
    ),
    Term("起火", "safety", 3),
    Term("刹车失灵", "safety", 3),
    Term("断轴", "safety", 3),
    Term("受伤", "safety", 3),
    Term("赔偿", "money", 1),
    Term("退车", "money", 1),
    Term("换车", "money", 1),
)

# A negator followed by at most this many characters before the term switches it off
# ("不会曝光", "不会去媒体", "不打算找律师"); further away it usually negates something else
# ("不解决就曝光").
NEGATION_GAP = 2
NEGATORS: tuple[str, ...] = ("不打算", "不想", "不会", "没有", "不", "别", "没")
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
    "不得不",
    "不公",
    "没完",
    "别人",
)
CRISIS_THRESHOLD = 3

# A clause boundary stops negation from reaching across ("不行,曝光" still fires).
_CLAUSE_BREAK = re.compile(r"[\s,.;:!?,。;:!?、…\"'“”‘’()()]")


def _coerce_terms(terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None) -> tuple[Term, ...]:
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
        if not t.term or not t.code:
            raise ValueError(f"a signal term needs a term and a code, got {t!r}")
        if isinstance(t.weight, bool) or not isinstance(t.weight, int) or t.weight < 0:
            raise ValueError(f"a signal weight must be a non-negative integer, got {t.weight!r}")
    return tuple(result)


def _phrase_at(text: str, index: int, term: str, phrases: Iterable[str]) -> bool:
    """Whether the occurrence of ``term`` at ``index`` is part of one of ``phrases``."""
    for phrase in phrases:
        offset = phrase.find(term)
        if offset >= 0 and index - offset >= 0 and text.startswith(phrase, index - offset):
            return True
    return False


def _negated(text: str, index: int) -> bool:
    """Whether a negator ends at most NEGATION_GAP characters before ``index``, same clause."""
    for neg in NEGATORS:
        pos = text.find(neg, max(0, index - NEGATION_GAP - len(neg)), index)
        while pos != -1:
            gap = text[pos + len(neg) : index]
            if not _CLAUSE_BREAK.search(gap) and not text.startswith(NON_NEGATING, pos):
                return True
            pos = text.find(neg, pos + 1, index)
    return False


def _fires(text: str, index: int, term: Term) -> bool:
    if term.term.isascii() and term.term.isdigit():
        # 12315 inside a phone number is not the consumer hotline.
        end = index + len(term.term)
        if (index > 0 and text[index - 1].isdigit()) or (end < len(text) and text[end].isdigit()):
            return False
    if _phrase_at(text, index, term.term, term.exceptions):
        return False
    if _phrase_at(text, index, term.term, term.negated_forms):
        return True
    return not _negated(text, index)


def text_signals(
    text: str, terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None = None
) -> list[Signal]:
    """The signals found in ``text``: one per distinct term that fires, in order of appearance.

    ``terms=None`` uses DEFAULT_TERMS; ``terms`` may also be (term, code[, weight]) tuples.
    Full-width characters are normalised first (NFKC), so "１２３１５" matches "12315".
    """
    if text is None:
        return []
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    normalized = unicodedata.normalize("NFKC", text)
    found: list[Signal] = []
    for term in _coerce_terms(terms):
        needle = unicodedata.normalize("NFKC", term.term)
        start = normalized.find(needle)
        while start >= 0:
            if _fires(normalized, start, replace(term, term=needle)):
                found.append(Signal(term.code, term.term, term.weight, start))
                break
            start = normalized.find(needle, start + 1)
    return sorted(found, key=lambda s: (s.position, -len(s.term)))


def signal_weight(signals: Iterable[Signal]) -> int:
    return sum(s.weight for s in signals)


def crisis_worthy(
    text: str,
    terms: Iterable[Term | tuple[str, str] | tuple[str, str, int]] | None = None,
    *,
    threshold: int = CRISIS_THRESHOLD,
) -> bool:
    """Whether the text warrants a crisis review: total weight of its signals ≥ ``threshold`` (3).

    With the default weights one exposure/legal/authority/hard-safety term is enough; a money
    demand alone is not.
    """
    return signal_weight(text_signals(text, terms)) >= threshold
