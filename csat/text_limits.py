"""How long a free text may be, one set of numbers for models, forms and serializers (issue #21).

The API took a 1,000,000-character customer remark and a 2,000,000-character crisis summary: a
field without a limit is a way to fill the database and every page that shows it. Every free-text
field of a form or serializer has a ``max_length`` (``tests/security/test_text_limits.py`` walks
them all, so a new field without one fails); ``TextField`` columns keep their type and get the same
limit as a validator (a state-only migration).
"""

import unicodedata

REASON = 300  # a one-line reason (a grade override, a phase change, an adjustment)
NOTE = 2000  # a note, a comment, a remark
TEXT = 5000  # a description, a plan, a result, an analysis
MONTH = 7  # "YYYY-MM"
SCOPE = 40  # "GROUP" or a store code / id


# Characters that show nothing: zero-width spaces and joiners, word joiner, byte-order mark, soft
# hyphen, direction marks and embeddings. A text of only these (pasted from a chat app) is blank.
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def trim(text: str) -> str:
    """``text`` without whitespace or invisible characters at either end (inside, an emoji's
    joiner stays)."""
    previous = None
    while previous != text:
        previous, text = text, text.strip().strip(INVISIBLE)
    return text


def clean_name(text: str) -> str:
    """A short name or title as typed (a customer's name, a crisis case's title): every format
    character (Unicode category Cf: zero-width spaces and joiners, direction marks, embeddings and
    overrides, the byte-order mark, the soft hyphen) taken out wherever it stands, then whitespace
    trimmed. "\u202e张\u200b三" is 张三: a direction override in a name reverses what every list
    shows after it, and a zero-width space makes a second 张三 the search does not find. Long free
    text keeps its inner joiners (an emoji's ZWJ): see ``trim``."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()
