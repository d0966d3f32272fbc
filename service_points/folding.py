"""The search key of a place name: what people type and what is written fold to the same key.

"Sainte-Foy", "ste foy", "STE-FOY" and "Ste. Foy" all give "saintefoy"; "Sept-Îles" and "sept iles"
give "septiles"; "L'Île-Perrot" and "lile perrot" give "lileperrot". Accents, case, hyphens,
apostrophes, dots and spaces do not count, and the abbreviations St, Ste, Sts, Stes and Mt are
read as Saint, Sainte, Saints, Saintes and Mont. The key is stored on municipalities and aliases
(`search_name`) and computed the same way from the typed text, so this module has no imports from
the project: the migrations use it too.
"""

import re
import unicodedata

# Letters NFKD does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o"})
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "mt": "mont"}
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case ASCII words, abbreviations spelled out: "Ste-Anne" → ["sainte", "anne"]."""
    ascii_text = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch)).lower()
    return [_ABBREVIATIONS.get(word, word) for word in _WORD.findall(ascii_text)]


def fold(text: str) -> str:
    """The search key: the words run together ("Pont Rouge" and "Pont-Rouge" → "pontrouge")."""
    return "".join(words(text))
