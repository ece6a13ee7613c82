"""A warning signal's explanation, in Chinese or English, from its code and values.

Kept apart from the scanning services: the signal model renders its text with it.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from csat.domain import early_warning as rules
from csat.domain.signals import MODEL_CODE
from csat.models import IdentityFlag

# The customer's words shown under a text signal on the GM's board, so a false alarm can be told
# and dismissed without opening the record (the text model's "read the customer's words to judge").
QUOTE_LIMIT = 60


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with "…" when longer."""
    folded = " ".join((text or "").split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def explanation_key(code: str) -> str:
    """The explanation a signal code uses: its own, "model" for the text model, "text" for a term."""
    if code == f"text:{MODEL_CODE}":
        return "model"
    return "text" if code.startswith("text:") else code


def explanation_in(code: str, values: dict[str, Any], *, english: bool) -> str:
    """A signal's explanation from its code and values, in Chinese or English."""
    key = explanation_key(code)
    if key == "model" and not values.get("what"):
        key = "model_plain"  # no n-gram worth naming (csat.domain.signals.meaningful_gram)
    pair = rules.EXPLANATIONS[key]
    shown = dict(values)
    if "flags" in shown:
        flags = [f for f in shown.pop("flags") if f in IdentityFlag.values]
        with translation.override("en" if english else "zh-hans"):
            shown["what"] = (", " if english else "、").join(str(IdentityFlag(f).label) for f in flags)
    return (pair.en if english else pair.zh).format(**shown)


def explain(code: str, **values: Any) -> dict[str, Any]:
    """The stored Chinese explanation plus its values, from which a page renders its own language."""
    return {"explanation": explanation_in(code, values, english=False)[:300], "values": values}
