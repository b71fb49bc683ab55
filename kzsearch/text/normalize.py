"""Normalisation: one spelling for every way a Kazakh word reaches us.

Scraped news mixes decomposed letters, soft hyphens, Latin look-alikes typed
inside Cyrillic words (``Қазақстан`` with a Latin ``a``), curly quotes and
five kinds of dash. ``normalize_word`` repairs one token and is what the
analyzer caches per distinct token; ``normalize_text`` does the same for
whole strings (titles, bodies) without touching their layout.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that split words in scraped text.
INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")

# Dashes, quotes and apostrophes, each family mapped to one ASCII character.
PUNCT_TABLE = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u02bc\u02b9\u00b4\u0060", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb", '"'),
        **dict.fromkeys("\u00a0\u2007\u2009\u202f\u2002\u2003", " "),
        "ё": "е",
        "Ё": "Е",
    }
)

# Latin letters that look like Cyrillic ones; repaired only inside Cyrillic words.
LOOKALIKE_TABLE = str.maketrans("aeopcxyikAEOPCXYIKMHTBh", "аеорсхуікАЕОРСХУІКМНТВһ")

# Roman numerals (centuries: ХІХ ғасыр) are typed with Cyrillic І, Х, С, М as often as
# with Latin letters, and mixed (XІX): all three spellings become the Latin one.
CYRILLIC_ROMAN_TABLE = str.maketrans("ІХСМ", "IXCM")
ROMAN_RE = re.compile(
    r"(?=[MDCLXVI]*[IVX])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\Z"
)

CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
LATIN_RE = re.compile("[A-Za-z]")
ASCII_RE = re.compile(r"[\x00-\x7f]*\Z")
SURROGATE_RE = re.compile("[\ud800-\udfff]")


def repair_lookalikes(word: str) -> str:
    """Swap Latin look-alike letters for Cyrillic ones in a word that is mostly Cyrillic.

    A mostly Latin word with a Cyrillic letter (``saparы``) is left for transliteration.
    """
    latin = len(LATIN_RE.findall(word))
    if latin and len(CYRILLIC_RE.findall(word)) > latin:
        return word.translate(LOOKALIKE_TABLE)
    return word


def normalize_word(word: str) -> str:
    """Normalise one token: NFC, invisible characters out, look-alikes repaired, lowercase.

    ASCII tokens (most numbers and Latin words) skip the Unicode work.
    """
    if ASCII_RE.match(word):
        return word.lower()
    word = unicodedata.normalize("NFC", INVISIBLE_RE.sub("", word)).translate(PUNCT_TABLE)
    roman = word.translate(CYRILLIC_ROMAN_TABLE)
    if len(roman) > 1 and ASCII_RE.match(roman) and ROMAN_RE.match(roman):
        return roman.lower()
    return repair_lookalikes(word).lower()


def normalize_text(text: str) -> str:
    """Normalise a whole text for display and storage: NFC, no invisibles, one kind of dash,
    quote and space. Case and layout are kept."""
    return unicodedata.normalize("NFC", INVISIBLE_RE.sub("", text)).translate(PUNCT_TABLE)


def scrub_surrogates(text: str) -> str:
    """Replace lone surrogates, which no encoder accepts, with U+FFFD."""
    return SURROGATE_RE.sub("\ufffd", text)
