"""Early-warning patterns in the data (DOMAIN §3 and §6, issue: 潜伏期).

The thresholds are the grade criteria of the source: ≥ 2 quality repairs within a month (E),
a complaint open more than 20 days without a solution (E), parts back-ordered more than 3 days
(D), an F identity, a second complaint within 30 days, and several customers with the same model
and fault in a short window (F: batch problem).
"""

from __future__ import annotations

from .grading import Bilingual

__all__ = [
    "BACKORDER_DAYS_OVER",
    "BATCH_MIN_CUSTOMERS",
    "BATCH_WINDOW_DAYS",
    "DIGEST_GRADES",
    "EXPLANATIONS",
    "OPEN_DAYS_OVER",
    "QUALITY_REPAIRS_MIN",
    "QUALITY_WINDOW_DAYS",
    "REPEAT_COMPLAINT_DAYS",
    "REPEAT_WINDOW_DAYS",
    "crisis_type_for_signal",
    "grade_for_signal",
    "graver_grade",
]

QUALITY_REPAIRS_MIN = 2
QUALITY_WINDOW_DAYS = 30
OPEN_DAYS_OVER = 20
BACKORDER_DAYS_OVER = 3
REPEAT_COMPLAINT_DAYS = 30
BATCH_MIN_CUSTOMERS = 3
BATCH_WINDOW_DAYS = 14
# Alert fatigue (issue 23): the same code for the same customer within a week joins the first signal
# (one row, one notification); grade-D signals are told in one daily digest per store.
REPEAT_WINDOW_DAYS = 7
DIGEST_GRADES = frozenset({"D"})

EXPLANATIONS: dict[str, Bilingual] = {
    "repeat_quality_repairs": Bilingual(
        "同一车辆 30 天内质量返修 {n} 次（≥2 次为 E 级）",
        "Same vehicle: {n} quality repairs within 30 days (≥ 2 is grade E)",
    ),
    "open_over_20_days": Bilingual(
        "投诉已 {n} 天未有妥善解决方案（>20 天为 E 级）",
        "Complaint open {n} days without a solution (> 20 days is grade E)",
    ),
    "parts_backorder": Bilingual(
        "缺件等待 {n} 天（>3 天为 D 级）", "Parts back-ordered {n} days (> 3 days is grade D)"
    ),
    "identity": Bilingual("重大客户身份：{what}（F 级）", "Customer identity: {what} (grade F)"),
    "repeat_complaint": Bilingual(
        "同一客户 30 天内第 {n} 次投诉", "Complaint number {n} from the same customer within 30 days"
    ),
    "batch_problem": Bilingual(
        "{n} 位客户近 14 天反映同一车型（{what}）的同类问题：疑似批量问题（F 级）",
        "{n} customers reported the same fault on one model ({what}) within 14 days: possible batch problem (grade F)",
    ),
    "text": Bilingual("客户原话中出现“{what}”", "The customer's words contain “{what}”"),
    # issue 23: the text model flagged words the term list does not know; {what} its top n-grams
    "model": Bilingual(
        "文本模型判断为危机苗头，主要依据：“{what}”",
        "The text model rates the customer's words a possible crisis; strongest features: “{what}”",
    ),
    # issue 23: the text model flagged the words but no n-gram is meaningful enough to name
    "model_plain": Bilingual(
        "文本模型判断为危机苗头，请结合客户原话判断",
        "The text model rates the customer's words a possible crisis; read them to judge",
    ),
}

_GRADES = {
    "repeat_quality_repairs": "E",
    "open_over_20_days": "E",
    "parts_backorder": "D",
    "identity": "F",
    "repeat_complaint": "E",
    "batch_problem": "F",
}
_TEXT_GRADES = {"exposure": "G", "legal": "F", "authority": "F", "safety": "G", "extreme": "G"}
_CRISIS_TYPES = {
    "text:safety": "a",
    "text:money": "b",
    "repeat_quality_repairs": "c",
    "text:exposure": "d",
    "text:legal": "d",
    "text:authority": "d",
    "identity": "d",
}


def grade_for_signal(code: str, *, crisis_worthy: bool = False) -> str:
    """The grade a signal suggests: G when the words make it crisis-worthy, else by the source's rule."""
    if crisis_worthy:
        return "G"
    if code.startswith("text:"):
        return _TEXT_GRADES.get(code.split(":", 1)[1], "")
    return _GRADES.get(code, "")


def crisis_type_for_signal(code: str) -> str:
    return _CRISIS_TYPES.get(code, "e")


def graver_grade(a: str, b: str) -> str:
    """The graver of two suggested grades (A mildest … G crisis; "" is no grade)."""
    return max(a, b)
