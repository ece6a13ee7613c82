"""The early-warning word list in force: the built-in terms with the admin's edits applied."""

from __future__ import annotations

from crisis.models import SignalTerm
from csat.domain import signals as text_rules


def active_terms() -> list[text_rules.Term]:
    """The built-in list with the admin's edits applied (weight, disabled terms, new terms)."""
    edits = {row.term: row for row in SignalTerm.objects.all()}
    terms = []
    for term in text_rules.DEFAULT_TERMS:
        edit = edits.pop(term.term, None)
        if edit is None:
            terms.append(term)
        elif edit.active:
            terms.append(
                text_rules.Term(term.term, edit.code, edit.weight, term.exceptions, term.negated_forms)
            )
    terms += [text_rules.Term(row.term, row.code, row.weight) for row in edits.values() if row.active]
    return terms
