"""Vietnamese text typed in the legacy 8-bit encodings (TCVN3/ABC with .VnTime fonts, VNI), back to Unicode.

Old offices still type with TCVN3 or VNI fonts. Excel stores such text as Latin-1
characters ("Hµ TÜnh" for "Hà Tĩnh" in TCVN3, "Haø Tónh" in VNI), which looks like garbage
on any other computer. Reading is the place to repair it: `repair(text)` returns the
Unicode text and the encoding it came from, or the text unchanged.

Detection is a heuristic: text is only converted when it has no character beyond Latin-1
(real Unicode Vietnamese almost always has some: ư, ơ, đ, ạ...), holds characters that
Vietnamese Unicode never uses, and converts to text without such leftovers. Capital
letters typed with the TCVN3 capital fonts (.VnTimeH) share the lower-case codes, so
they come back as lower case; the warning asks staff to check.
"""

from __future__ import annotations

import re

__all__ = ["repair", "TCVN3", "VNI"]

TCVN3, VNI = "TCVN3 (ABC)", "VNI"
_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]")

# TCVN3 code point (as Latin-1 character) -> Unicode letter.
_TCVN3_PAIRS = (
    "µà ¸á ¶ả ·ã ¹ạ ¨ă »ằ ¾ắ ¼ẳ ½ẵ Æặ ©â Çầ Êấ Èẩ Éẫ Ëậ ®đ Ìè Ðé Îẻ Ïẽ Ñẹ ªê Òề Õế Óể Ôễ Öệ "
    "×ì Ýí Øỉ Üĩ Þị ßò ãó áỏ âõ äọ «ô åồ èố æổ çỗ éộ ¬ơ êờ íớ ëở ìỡ îợ ïù óú ñủ òũ ôụ "
    "\xadư õừ øứ öử ÷ữ ùự úỳ ýý ûỷ üỹ þỵ ¡Ă ¢Â §Đ £Ê ¤Ô ¥Ơ ¦Ư"
)
_TCVN3 = {pair[0]: pair[1] for pair in _TCVN3_PAIRS.split(" ")}

# VNI: a base letter followed by a mark character; a few letters are single characters.
_VNI_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HATS = {"â": "\u0302", "ê": "\u0306"}  # â, ê after a/e/o: circumflex; ê after a: breve
_VNI_HAT_TONES = {  # circumflex + tone on a, e, o
    "à": "\u0302\u0300", "á": "\u0302\u0301", "å": "\u0302\u0309", "ã": "\u0302\u0303", "ä": "\u0302\u0323",
}
_VNI_BREVE_TONES = {"è": "\u0306\u0300", "é": "\u0306\u0301", "ú": "\u0306\u0309", "ü": "\u0306\u0303", "ë": "\u0306\u0323"}
_VNI_SINGLE = {
    "ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư",
    "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "Ì": "Ì", "Í": "Í", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị",
    "î": "ỵ", "Î": "Ỵ",
}

# Latin-1 letters that Vietnamese Unicode text uses; any other Latin-1 letter is a leftover.
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_VOWELS = set("aeiouyAEIOUY") | _VIETNAMESE_LATIN1


def _foreign(text: str) -> int:
    """Return how many characters of `text` Vietnamese Unicode text would not contain where they are.

    That is Latin-1 letters Vietnamese never uses, capitals such as «Ô» inside a lower-case word,
    and a marked vowel right after «a» or «e» («aâ», «aù»), where VNI puts its marks.
    """
    def odd(i: int, ch: str) -> bool:
        before = text[i - 1] if i else ""
        if ch.isupper() and before.islower():
            return True
        if ch > "\xff":
            return False
        return ch not in _VIETNAMESE_LATIN1 or before in "aAeE" or (before in "oO" and ch in "âÂ")

    return sum(1 for i, ch in enumerate(text) if ch >= "\x80" and odd(i, ch))


def from_tcvn3(text: str) -> str:
    return "".join(_TCVN3.get(ch, ch) for ch in text)


def from_vni(text: str) -> str:
    import unicodedata

    out: list[str] = []
    for ch in text:
        base = out[-1] if out else ""
        low = ch.lower()
        mark = None
        if base.lower() in ("a", "e", "o", "u", "i", "y") and low in _VNI_TONES:
            mark = _VNI_TONES[low]
        elif base.lower() in ("ơ", "ư") and low in _VNI_TONES:
            mark = _VNI_TONES[low]
        elif base.lower() in ("a", "e", "o") and low == "â":
            mark = "\u0302"
        elif base.lower() == "a" and low == "ê":
            mark = "\u0306"
        elif base.lower() in ("a", "e", "o") and low in _VNI_HAT_TONES:
            mark = _VNI_HAT_TONES[low]
        elif base.lower() == "a" and low in _VNI_BREVE_TONES:
            mark = _VNI_BREVE_TONES[low]
        if mark is not None:
            out[-1] = unicodedata.normalize("NFC", base + mark)
        else:
            out.append(_VNI_SINGLE.get(ch, ch))
    return "".join(out)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _misspelt(text: str) -> int:
    """Return how many words carry more than one tone mark, which no Vietnamese syllable does."""
    import unicodedata

    return sum(
        1 for word in text.split()
        if sum(1 for ch in unicodedata.normalize("NFD", word) if ch in _TONES) > 1
    )


def _marks_after_vowels(text: str) -> float:
    """Return the share of non-ASCII characters that follow a vowel: VNI marks do, TCVN3 letters rarely."""
    high = [i for i, ch in enumerate(text) if ch >= "\x80"]
    if not high:
        return 0.0
    return sum(1 for i in high if i and (text[i - 1] in _VOWELS or text[i - 1] in "ôöÔÖ")) / len(high)


def repair(text: str) -> tuple[str, str | None]:
    """Return (`text` in Unicode, the legacy encoding it was typed in) or (`text`, None)."""
    if not isinstance(text, str) or text.isascii() or _BEYOND_LATIN1.search(text):
        return text, None
    leftovers = _foreign(text)
    if not leftovers:
        return text, None
    candidates = []
    for name, convert in ((TCVN3, from_tcvn3), (VNI, from_vni)):
        converted = convert(text)
        if converted != text:
            candidates.append((_foreign(converted) + _misspelt(converted), name, converted))
    if not candidates:
        return text, None
    best = min(candidate[0] for candidate in candidates)
    if best >= leftovers or best > 0:
        return text, None
    winners = [c for c in candidates if c[0] == best]
    if len(winners) > 1:
        preferred = VNI if _marks_after_vowels(text) > 0.5 else TCVN3
        winners = [c for c in winners if c[1] == preferred]
    _, name, converted = winners[0]
    return converted, name
