"""How many SMS segments a text takes, counted as the networks count them (3GPP TS 23.038).

A text written only with the GSM 03.38 default alphabet is sent in GSM-7: 160 characters in one
segment, 153 a segment when it takes several (the rest carries the concatenation header); a
character of the extension table (€ [ ] { } ^ ~ | \\ and form feed) costs two. One character
outside both tables and the whole text goes in UCS-2: 70 characters in one segment, 67 a segment
beyond (counted in UTF-16 code units: an emoji is two).

French letters are a trap: é è à ù ì ò É Ç are in the default alphabet, but â ê î ô û ë ï ç (the
lower-case c cedilla), œ, the typographic apostrophe ’ and « » are not. `fold` replaces them by
their nearest GSM-7 letters, so a French text stays in one segment ("Iles-de-la-Madeleine").
"""

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Nearest GSM-7 spelling of characters French and English texts use.
_FOLD = {
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y", "ç": "c",
    "Â": "A", "Ê": "E", "Î": "I", "Ô": "O", "Û": "U", "Ë": "E", "Ï": "I", "È": "E", "À": "A",
    "Ù": "U", "Ì": "I", "Ò": "O", "á": "a", "í": "i", "ó": "o", "ú": "u", "Á": "A", "Í": "I",
    "Ó": "O", "Ú": "U", "œ": "oe", "Œ": "OE",
    "’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "–": "-", "—": "-", "‑": "-", "…": "...",
}  # fmt: skip


@dataclass(frozen=True)
class Count:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count(text: str) -> Count:
    """The encoding the text will be sent in and how many segments it takes."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, multi, encoding = GSM7_SINGLE, GSM7_MULTI, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return Count(encoding, units, segments)


def fold(text: str) -> str:
    """`text` in the GSM-7 alphabet where a close spelling exists; other characters (an emoji,
    a name in another script) are kept, and `count` then says UCS-2."""
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch in _FOLD:
            out.append(_FOLD[ch])
        else:
            bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(bare if bare and is_gsm7(bare) else ch)
    return "".join(out)
