"""Crisis rules (DOMAIN §6): what each phase calls for, and which type a complaint suggests."""

from __future__ import annotations

from collections.abc import Iterable

from .grading import Bilingual

__all__ = ["PHASE_GUIDANCE", "PRINCIPLES", "crisis_type_for"]

PHASE_GUIDANCE: dict[str, Bilingual] = {
    "latent": Bilingual(
        "潜伏期：已出现预警信号。以善意安抚为主，防止事态扩大；对不合理或欺诈性要求耐心说服，必要时请公关介入。",
        "Latent: warning signs are showing. Soothe with goodwill and stop it growing; persuade against "
        "unreasonable or fraudulent demands; involve PR when needed.",
    ),
    "outbreak": Bilingual(
        "爆发期：控制事态、减少损失。真诚、主动、迅速；由公关部门统一对接媒体；注意公众利益。",
        "Outbreak: contain it and minimise damage. Be sincere, proactive and fast; PR alone speaks to "
        "the media; mind the public interest.",
    ),
    "aftermath": Bilingual(
        "后遗症期：媒体仍在报道。谨慎处理相关投诉，持续监测客户和媒体动态，引导舆论。",
        "Aftermath: the media keep reporting. Handle related complaints with care, keep watching the "
        "customer and the media, guide the coverage.",
    ),
    "recovery": Bilingual(
        "善后期：处理遗留问题，自我检讨，总结经验教训，制定预防措施，报总经理审批后结案。",
        "Recovery: settle what is left, review ourselves, record the lessons and preventive measures, "
        "and close once the GM approves the review.",
    ),
}

PRINCIPLES = Bilingual(
    "危机不等于满足过分要求。监控客户与媒体、控制影响范围、争取权威第三方支持、引导报道、运用法律手段。",
    "A crisis does not mean meeting excessive demands. Watch the customer and the media, contain the "
    "influence, seek authoritative third-party support, guide coverage, use legal channels.",
)

# Major-complaint criteria → crisis type (a safety, b amount, c repairs, d media/authority, e other).
_CRITERIA_TYPES = (
    ("safety", "a"),
    ("large_amount", "b"),
    ("compensation", "b"),
    ("repeat_repairs", "c"),
    ("media_or_authority", "d"),
    ("forwarded_by_authority", "d"),
    ("external", "d"),
)


def crisis_type_for(major_criteria: Iterable[str]) -> str:
    """The crisis type a complaint's major criteria point to, most specific first; else e."""
    present = set(major_criteria)
    for criterion, crisis_type in _CRITERIA_TYPES:
        if criterion in present:
            return crisis_type
    return "e"
