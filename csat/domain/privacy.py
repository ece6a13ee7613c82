"""Personal data shown to people who do not need it in full (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .identifiers import PROVINCES

MASK = "****"


def mask_mobile(number: str | None) -> str:
    """138****5678 for a mainland mobile; other numbers keep only their last four digits.

    Empty stays empty; anything of four characters or fewer is hidden completely.
    """
    if not number:
        return ""
    text = str(number).strip()
    if len(text) == 11 and text.isdigit():
        return f"{text[:3]}{MASK}{text[-4:]}"
    if len(text) <= 4:
        return MASK
    return f"{MASK}{text[-4:]}"


def mask_plate(plate: str | None) -> str:
    """粤B·12345 (or 粤B12345) → 粤B·***45: enough to recognise the car, useless to anyone else."""
    if not plate:
        return ""
    head, _sep, tail = plate.partition("·")
    if not tail:
        head, tail = plate[:2], plate[2:]
    return f"{head}·{'*' * max(len(tail) - 2, 1)}{tail[-2:]}"


# --- free text leaving the store (issue 23: the early warning's feedback export) --------------------
# What a customer's or an agent's words may carry that points to a person: numbers (mobiles, with
# or without separators or +86; landlines; ID cards; VINs; plates; e-mail addresses) and names.
# Full-width digits, letters and ＋－＠． from a Chinese IME are made ASCII first, so １３８… is caught;
# the punctuation stays as typed.
_HALF_WIDTH = {
    c: unicodedata.normalize("NFKC", chr(c))
    for c in range(0xFF01, 0xFF5F)
    if chr(c).isalnum() or chr(c) in "＋－＠．"
}
_SEP = r"[\s\-－—·.]?"
_SCRUB_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.ASCII), "[邮箱]"),
    (
        re.compile(
            r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx](?![0-9A-Za-z])"
        ),
        "[证件号]",
    ),
    (re.compile(r"(?<![0-9A-Za-z])[A-HJ-NPR-Z0-9]{17}(?![0-9A-Za-z])", re.IGNORECASE), "[车架号]"),
    (
        re.compile(
            rf"[{PROVINCES}]{_SEP}[A-HJ-NP-Z]{_SEP}[A-HJ-NP-Z0-9]{{5,6}}(?![0-9A-Za-z])", re.IGNORECASE
        ),
        "[车牌]",
    ),
    (re.compile(rf"(?<![0-9])(?:\+?86{_SEP})?1[3-9][0-9](?:{_SEP}[0-9]{{4}}){{2}}(?![0-9])"), "[电话]"),
    (re.compile(rf"(?<![0-9])0[1-9][0-9]{{1,2}}{_SEP}[2-9][0-9]{{6,7}}(?![0-9])"), "[电话]"),
)
# A common surname before a title (王先生, 李女士, 张经理, 刘总): the surname goes, the title stays.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# 总 is a title (刘总) unless it begins a word of its own (提高总是, 总共, 总部).
_TITLED = re.compile(
    rf"[{SURNAMES}](?=先生|女士|小姐|师傅|阿姨|总经理|经理|主任|老师|总(?!是|共|算|部|之|体|结|计|额|数|归|价|量|和|统))"
)


def scrub_text(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with what identifies a person replaced by a placeholder: e-mail addresses, ID card
    numbers, VINs, plates and phone numbers ([邮箱], [证件号], [车架号], [车牌], [电话]), each of
    ``names`` (the customer's, the staff's) as 某某, and a common surname before a title (王先生 →
    某先生).

    What the words say stays as it was; a name the caller does not pass and that carries no title
    is not found, so what this returns is still read by a person before it leaves the store.
    """
    result = (text or "").translate(_HALF_WIDTH)
    for pattern, placeholder in _SCRUB_PATTERNS:
        result = pattern.sub(placeholder, result)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        result = result.replace(name, "某某")
    return _TITLED.sub("某", result)
