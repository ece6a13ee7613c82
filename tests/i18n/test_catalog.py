"""Every Chinese source string has an English translation (STYLE.md convention 9; issue #22
"English and polish"): the literal strings of ``{% translate %}`` in the templates and of
``_()``/``gettext()``/``gettext_lazy()`` in the code, looked up in the compiled English catalog.

The page sweep (test_english_pages.py) sees what the matrix's pages render; this sees the strings of
pages and messages the sweep's world does not reach (error messages, rare states).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CJK = re.compile(r"[\u3400-\u9fff]")
TEMPLATE_LITERAL = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")
CODE_LITERAL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|ngettext|ngettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]"""
)
SKIP_DIRS = {".venv", ".tools", "tests", "bench", "migrations", "node_modules", "staticfiles"}
# Strings whose English is the same text on purpose.
SAME_IN_ENGLISH = {"简体中文"}  # the language switcher names each language in itself


def _files(pattern: str) -> list[Path]:
    return [p for p in ROOT.rglob(pattern) if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def _untranslated(strings: dict[str, str]) -> list[str]:
    with translation.override("en"):
        return sorted(
            f"{where}: {text}"
            for text, where in strings.items()
            if CJK.search(text) and text not in SAME_IN_ENGLISH and not _has_english(text)
        )


def _has_english(text: str) -> bool:
    # The translate tag looks a literal with "%" up as "%%" (a python-format msgid).
    return any(translation.gettext(t) != t for t in (text, text.replace("%", "%%")))


def test_template_strings_have_english() -> None:
    found: dict[str, str] = {}
    for path in _files("*.html"):
        for match in TEMPLATE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2), str(path.relative_to(ROOT)))
    assert len(found) > 300  # the scan sees the templates
    missing = _untranslated(found)
    assert not missing, "Add these to locale/en/LC_MESSAGES/django.po:\n" + "\n".join(missing)


def test_code_strings_have_english() -> None:
    found: dict[str, str] = {}
    for path in _files("*.py"):
        for match in CODE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            text = (
                match.group(1).encode().decode("unicode_escape") if "\\" in match.group(1) else match.group(1)
            )
            found.setdefault(text, str(path.relative_to(ROOT)))
    assert len(found) > 300
    missing = _untranslated(found)
    assert not missing, "Add these to locale/en/LC_MESSAGES/django.po:\n" + "\n".join(missing)
