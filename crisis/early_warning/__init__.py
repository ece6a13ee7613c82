"""Early warning (潜伏期): find the signs of a crisis in words and in data, once per record.

terms — the word list in force; firing — once per record, once a week per customer and code; scanning — words of surveys, calls
and complaints; detectors — the data patterns beat checks; services — a signal's state changes;
digest — the daily digest of grade-D signals.
"""

from crisis.early_warning.detectors import sweep_patterns
from crisis.early_warning.digest import signal_digest_send
from crisis.early_warning.firing import fire
from crisis.early_warning.scanning import scan_complaint, scan_text
from crisis.early_warning.services import signal_dismiss, signal_open_crisis
from crisis.early_warning.terms import active_terms
from crisis.explanations import explain, explanation_in

__all__ = [
    "active_terms",
    "explain",
    "explanation_in",
    "fire",
    "scan_complaint",
    "scan_text",
    "signal_digest_send",
    "signal_dismiss",
    "signal_open_crisis",
    "sweep_patterns",
]
