"""The early-warning benchmark's report on the app's own texts (issue 23, seventeenth round)."""

from __future__ import annotations

import re

from bench import early_warning_eval


def test_app_set_is_reported_per_kind_with_harmless_texts_flagged() -> None:
    # Alert fatigue is measured as harmless texts flagged, per kind of text the app scans; the set
    # has no hard-negative categories, so no "0/0" hard-negative figure or target may be printed.
    lines = early_warning_eval.independent_section(early_warning_eval.APP)
    report = "\n".join(lines)
    for kind in ("call_note", "survey_remark", "complaint_summary"):
        assert f"**{kind}** — " in report
    rows = early_warning_eval.load_independent(early_warning_eval.APP)
    harmless = sum(r["label"] == "0" for r in rows)
    assert re.search(rf"harmless flagged \d+/{harmless} · ", report)
    assert "0/0" not in report and "hard negatives flagged ≤" not in report
