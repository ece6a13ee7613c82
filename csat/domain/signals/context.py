"""Context rules that switch a term occurrence off (issue 23), applied to the normalised text.

- **Routine claims**: 索赔 (and 赔偿) next to warranty or insurance words is dealership routine —
  保修索赔, 三包索赔, 索赔件, 保险理赔 — not a money demand (issue 23: "索赔保修" raised a signal on
  every ordinary warranty complaint).
- **Retracted or past threats**: a threat in a sentence that places it in the past and takes it
  back ("之前说要找记者那是气话", "上次说要投诉到12315，后来你们处理得挺好，就撤了", "投诉已撤回").
  Negation ("不会去投诉") is handled by the negation rule of ``matching``.
"""

from __future__ import annotations

import re

__all__ = ["retracted", "routine_context"]

# Terms that are routine in a warranty or insurance context, and the words that make the context.
ROUTINE_TERMS: frozenset[str] = frozenset({"索赔", "赔偿"})
ROUTINE_CONTEXT = re.compile(
    r"保修|质保|三包(?!法)|延保|保险|理赔|定损|索赔(件|员|专员|流程|单|系统|审核|结算|进度|周期|条件|范围|期)"
    r"|(厂家|厂商)(索赔|审核|批)|(走|按|申请|提交)索赔|旧件|善意维修"
)
ROUTINE_WINDOW = 10

_SENTENCE_END = re.compile(r"[。！？!?;；\n]")
PAST_MARKERS = re.compile(
    r"之前|上次|上回|当时|那会儿?|那时|原来|原本|本来|以前|去年|前段时间|上个月|那次|此前"
)
RETRACTION_MARKERS = re.compile(
    r"后来|撤[了回销诉]?|删了|已删|算了|过去了|就不[发找去告]|没发|调解|气话|吓唬|开玩笑|冲动"
    r"|(现在|目前|这次).{0,6}(好了|没事|满意|解决|挺好|还行|不错)"
)
# Right after the term: "投诉已撤回", "那边我已经撤诉了".
_RETRACTED_AFTER = re.compile(r"^[^。！？!?]{0,8}(已撤|撤回|撤销|撤了|撤诉|已删|删了|已经撤|已经删)")
RETRACTION_WINDOW = 40


def routine_context(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a routine claim word in a warranty or insurance context."""
    if text[start:end] not in ROUTINE_TERMS:
        return False
    window = text[max(0, start - ROUTINE_WINDOW) : end + ROUTINE_WINDOW]
    return ROUTINE_CONTEXT.search(window) is not None


def retracted(text: str, start: int, end: int) -> bool:
    """Whether the threat at ``text[start:end]`` is placed in the past and taken back."""
    if _RETRACTED_AFTER.search(text[end:]):
        return True
    breaks = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    sentence_start = breaks[-1] if breaks else 0
    if not PAST_MARKERS.search(text, sentence_start, start):
        return False
    return RETRACTION_MARKERS.search(text[end : end + RETRACTION_WINDOW]) is not None
