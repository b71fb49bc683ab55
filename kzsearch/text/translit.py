"""Transliteration: Kazakh Cyrillic <-> Latin, so a query in any script finds Cyrillic articles.

Kazakh has had three official Latin alphabets (decrees of 2017 and 2018, the 2021 draft that
is the current target) and one unofficial one: what people type in chats on an English or
Russian keyboard. Articles are Cyrillic, so the search turns a Latin query into Cyrillic and
matches both an exact field and a keyboard-folded field (``kzsearch.text.fold``). Folding
merges ә/а, ғ/г, қ/к, ң/н, ө/о, ұ/ү/у, һ/х, і/и, so several ambiguities below (і or и? х or
һ?) cost nothing in the folded field; what matters most is
``fold(to_cyrillic(latin)) == fold(cyrillic)`` for real words typed in each scheme.

Schemes (``to_cyrillic`` reads all of them; ``to_latin`` writes 2021)::

    Cyr   2021  2018  2017  informal        Cyr   2021  2018  2017  informal
    ә     ä     á     a'    a               ү     ü     ú     u'    u
    ғ     ğ     ǵ     g'    gh, g           у     u     ý     y'    u, w
    ж     j     j     j     zh, j           ы     y     y     y     y
    и     i     ı     i'    i               ш     ş     sh    s'    sh
    й     i     ı     i'    y, i            ч     ch    ch    c'    ch
    і     ı     i     i     i               х, һ  h     h     h     h, kh, x
    ң     ñ     ń     n'    ng, n           я     ia    ıa    i'a   ya
    ө     ö     ó     o'    o               ю     iu    ıý    i'u   yu
    қ     q     q     q     q, k            ё     io    ıo    i'o   yo
    ұ     ū     u     u     u               (all other letters are the same in every scheme)

Decisions, with reasons:

* 2021 output for Russian-only letters (the 2021 alphabet has none of them): ц → ``ts``,
  ч → ``ch``, щ → ``şş``, ъ and ь are dropped, э → ``e``, ю → ``iu``, я → ``ia``,
  ё → ``io``. These follow the spelling rules that came with the 2021 draft; ``ç`` (a later
  proposal for ч) is accepted on input.
* и and й are both ``i`` (2021), ``ı`` (2018), ``i'`` (2017). Reading back, the glide letter
  is й after a vowel (``Aigerım`` → Айгерім, ``ūiym`` → ұйым), и elsewhere; before a, o it
  is я, ё at the start of a word or after a vowel (``aiaq`` → аяқ, ``Aziia`` → Азия), and
  before u it is always ю (``iurist``, ``biudjet``). Consonant + ``ia`` stays иа
  (``material``, ``sotsial``).
* х and һ are both ``h``; reading back gives х (fold makes them equal).
* ц → ``ts`` is read back as тс (ц is rare, тс is common in Kazakh: ``atsyz``), щ → ``şş``
  as шш.
* A lone ``c`` (in no scheme's alphabet; found in foreign names) is с before e, i, y and к
  elsewhere: ``Mercedes`` → Мерседес, ``COVID`` → КОВИД.
* Informal ``i`` is і, the commoner letter in Kazakh (і and и fold together anyway);
  informal ``y`` is й after a, e, o (``Aygerim``, ``bay``), silent before e after a vowel or
  at the start (``Tokayev`` → Токаев, ``Yerlan`` → Ерлан), ы elsewhere; ``iy`` at the end
  of a word is ий (``Vasiliy``). Informal ``ng`` is ң at the end of a word or before a
  consonant (``tang``, ``mangdai``) and нг before a vowel (``sengen``): before a vowel both
  readings occur and the folded field cannot tell ң+г from н+г anyway.
* ``kh`` is х, so the English exonym ``Kazakhstan`` becomes Казахстан, the Russian spelling.

``scheme="auto"`` decides per word, then per text, from the characters present:

1. a word with an acute letter (á ǵ ń ó ú ý ś ć) is 2018;
2. a word with ä ğ ñ ö ū ü ş ç or İ is 2021;
3. a word with an apostrophe after a, g, i, n, o, s, u, y, c and before another letter is 2017;
4. a word whose only special letter is ``ı`` is 2018 if ``ı`` follows a, e, o or y (the 2018
   spelling of й: ``Aıgerim``) and otherwise follows the text (2021 unless the text is 2018);
5. every other word follows the text: the scheme of most marked words (ties: 2021, 2018,
  2017), and informal if no word is marked.

Case: title case and ALL CAPS survive both ways (ҚР ↔ QR, Ч ↔ Ch, ЧАЙ ↔ CHAİ). Python
lowercases ``I`` to ``i`` and ``İ`` to two characters; 2021 pairs ``I``/``ı`` (і) and
``İ``/``i`` (и). ``latin_lower`` maps ``İ`` to ``i`` and ``I`` to ``ı`` only in 2021 text that
shows it (an explicit ``scheme="2021"``, or a word with 2021 letters under auto), else to
``i``: most people type ``I`` for ``i``.

Known limits: Latin text that is not Kazakh (``Egemen.kz``, ``iPhone``) is transliterated
letter by letter (Егемен.кз); 2021/2018 ``sh`` in с+х words (``ashana``) reads as ш in
informal text; an English ``'s`` reads as 2017 ``s'``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

Scheme = Literal["2021", "2018", "2017", "informal", "auto"]
SCHEMES: tuple[str, ...] = ("2021", "2018", "2017", "informal", "auto")

# ---------------------------------------------------------------- Cyrillic -> Latin (2021)

CYR_TO_LATIN: dict[str, str] = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "ş", "щ": "şş", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "і": "ı",
}  # fmt: skip

_CYR_LETTERS = "\u0400-\u0481\u048a-\u04ff"
_CYR_WORD_RE = re.compile(f"[{_CYR_LETTERS}]+")
_CYR_LETTER_RE = re.compile(f"[{_CYR_LETTERS}]")

# ---------------------------------------------------------------- Latin words

_LAT_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_MARKS = "\u0300-\u036f"
APOSTROPHES = "'\u2019\u02bc\u2018\u0060\u00b4\u02b9"
_LAT_LETTER_RE = re.compile(f"[{_LAT_LETTERS}]")
# A Latin word: letters (and combining marks), apostrophes inside, at most one at the end
# (2017 writes ``ten'`` for теӊ).
_LAT_WORD_RE = re.compile(
    f"[{_LAT_LETTERS}][{_LAT_LETTERS}{_MARKS}]*"
    f"(?:[{APOSTROPHES}]+[{_LAT_LETTERS}][{_LAT_LETTERS}{_MARKS}]*)*[{APOSTROPHES}]?"
)

_ACUTE_RE = re.compile("[áǵńóúýśćÁǴŃÓÚÝŚĆ]")
_MARK_2021_RE = re.compile("[äğñöūüşçÄĞÑÖŪÜŞÇİ]")
_APOS_2017_RE = re.compile(f"[aginosuycAGINOSUYC][{APOSTROPHES}](?=[{_LAT_LETTERS}])")
_DIPHTHONG_2018_RE = re.compile("[aeoyAEOY]ı")

# ---------------------------------------------------------------- Latin -> Cyrillic tables

_COMMON = {
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "j": "ж",
    "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р",
    "s": "с", "t": "т", "v": "в", "w": "у", "x": "х", "z": "з",
    # Letters of the other schemes, accepted whatever the scheme (they are unambiguous).
    "ä": "ә", "ğ": "ғ", "ñ": "ң", "ö": "ө", "ū": "ұ", "ü": "ү", "ş": "ш", "ç": "ч",
    "á": "ә", "ǵ": "ғ", "ń": "ң", "ó": "ө", "ú": "ү", "ý": "у", "ś": "ш", "ć": "ч",
    "é": "е", "ı": "і",
}  # fmt: skip

_SINGLES: dict[str, dict[str, str]] = {
    "2021": {**_COMMON, "u": "у", "y": "ы"},
    "2018": {**_COMMON, "i": "і", "u": "ұ", "y": "ы"},
    "2017": {**_COMMON, "i": "і", "u": "ұ", "y": "ы"},
    "informal": {**_COMMON, "u": "у", "y": "ы"},
}
_DIGRAPHS: dict[str, dict[str, str]] = {
    "2021": {"ch": "ч"},
    "2018": {"sh": "ш", "ch": "ч"},
    "2017": {"ch": "ч"},
    "informal": {"sh": "ш", "zh": "ж", "ch": "ч", "gh": "ғ", "kh": "х"},
}
# 2017: letter + apostrophe. ``i'`` (и/й) is a glide and handled apart.
_APOSTROPHE_2017 = {
    "a": "ә", "g": "ғ", "n": "ң", "o": "ө", "s": "ш", "u": "ү", "y": "у", "c": "ч",
}  # fmt: skip
# The glide letter (и/й and the start of я/ю/ё) in each scheme; 2017's is ``i'``.
_GLIDE = {"2021": "i", "2018": "ı", "informal": "i"}
_GLIDE_DEFAULT = {"2021": "и", "2018": "и", "2017": "и", "informal": "і"}
# What follows the glide to make я/ю/ё (2017's ``y'`` = у is checked apart).
_IOTATED = {"a": "я", "o": "ё", "u": "ю", "ý": "ю"}
_INFORMAL_IOTATED = {"a": "я", "o": "ё", "u": "ю"}

_CYR_VOWELS = frozenset("аәеёиоөұүуыіэюя")
_Y_AS_I_AFTER = frozenset("аәеоө")
_LAT_VOWELS = frozenset("aäáeéoöóuūüúýyıi")
_SOFT_C_BEFORE = frozenset("eéiıy")

Unit = tuple[str, int]  # Cyrillic output, number of Latin characters consumed


# ---------------------------------------------------------------- Cyrillic -> Latin


def latin_upper(text: str) -> str:
    """Uppercase 2021 Latin: ``i`` → ``İ`` and ``ı`` → ``I`` (Python gives ``I`` for both)."""
    return "".join("İ" if c == "i" else "I" if c == "ı" else c.upper() for c in text)


def _is_all_caps(word: str) -> bool:
    """ALL CAPS needs two cased letters: a lone capital (``Ч``) is title case (``Ch``)."""
    cased = [c for c in word if c.isupper() or c.islower()]
    return len(cased) >= 2 and all(c.isupper() for c in cased)


@lru_cache(maxsize=65536)
def _word_to_latin(word: str) -> str:
    """One Cyrillic word to 2021 Latin, keeping title case and ALL CAPS for digraphs too."""
    all_caps = _is_all_caps(word)
    out = []
    for char in word:
        latin = CYR_TO_LATIN.get(char.lower())
        if latin is None:
            out.append(char)
        elif not char.isupper():
            out.append(latin)
        else:
            out.append(latin_upper(latin) if all_caps else latin_upper(latin[:1]) + latin[1:])
    return "".join(out)


def to_latin(text: str) -> str:
    """Kazakh Cyrillic → 2021 Latin; everything that is not Cyrillic is left as it is."""
    return _CYR_WORD_RE.sub(lambda m: _word_to_latin(m.group()), text)


# ---------------------------------------------------------------- scheme detection


def _normalize_latin(word: str) -> str:
    """NFC so ``g`` + U+0301 is ``ǵ``; stray marks (the dot of a decomposed ``i̇``) dropped."""
    word = unicodedata.normalize("NFC", word)
    return "".join(c for c in word if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _word_marks(word: str) -> str | None:
    """The scheme a word's own letters prove, ``"ı"`` if only ``ı`` hints, else None."""
    if _ACUTE_RE.search(word):
        return "2018"
    if _MARK_2021_RE.search(word):
        return "2021"
    if _APOS_2017_RE.search(word):
        return "2017"
    if "ı" in word:
        return "2018" if _DIPHTHONG_2018_RE.search(word) else "ı"
    return None


@lru_cache(maxsize=65536)
def _raw_word_marks(word: str) -> str | None:
    """:func:`_word_marks` of a word as written (the index asks it of every word of every
    Latin sentence: normalising each occurrence was most of the time of reading one)."""
    return _word_marks(_normalize_latin(word))


def detect_scheme(text: str) -> str:
    """The Latin scheme of a whole text: the one most of its marked words show.

    Ties go to 2021 (the current alphabet), then 2018, then 2017. A text whose only hint
    is ``ı`` is 2021; a text with no hint at all is informal.
    """
    votes = Counter(map(_raw_word_marks, _LAT_WORD_RE.findall(text)))
    marked = [s for s in ("2021", "2018", "2017") if votes[s]]
    if marked:
        return max(marked, key=lambda s: votes[s])  # max keeps the first of equals
    return "2021" if votes["ı"] else "informal"


def _resolve(word: str, text_scheme: str) -> str:
    """A word's scheme under auto: its own marks first, else the text's."""
    own = _word_marks(word)
    if own in ("2021", "2018", "2017"):
        return own
    if own == "ı":
        return text_scheme if text_scheme in ("2021", "2018") else "2021"
    return text_scheme


# ---------------------------------------------------------------- lowercase


def _dotless_capital(word: str, scheme: str) -> bool:
    """Whether ``I`` means ``ı``: in declared 2021, or in a word that shows 2021 letters."""
    if scheme == "2021":
        return True
    return scheme == "auto" and _word_marks(word) in ("2021", "ı")


def _lower_word(word: str, dotless: bool) -> str:
    """Lowercase letter by letter, one character for one, with the Kazakh ``I``/``İ``."""
    out = []
    for char in word:
        if char == "İ":
            out.append("i")
        elif char == "I":
            out.append("ı" if dotless else "i")
        else:
            low = char.lower()
            out.append(low if len(low) == 1 else char)
    return "".join(out)


def latin_lower(text: str, scheme: str = "auto") -> str:
    """Lowercase text for Kazakh Latin: ``İ`` → ``i`` (one character, not Python's two),
    ``I`` → ``ı`` in 2021 text (see module docstring), else ``i``."""
    _check_scheme(scheme)

    def lower_match(m: re.Match[str]) -> str:
        word = _normalize_latin(m.group())
        return _lower_word(word, _dotless_capital(word, scheme))

    return _LAT_WORD_RE.sub(lower_match, text).lower()


# ---------------------------------------------------------------- Latin -> Cyrillic


def _iotated_2017(s: str, j: int) -> Unit | None:
    """2017: after ``i'`` a vowel makes я/ю/ё, but ``a'`` (ә) or ``o'`` (ө) do not."""
    nxt, after = s[j : j + 1], s[j + 1 : j + 2]
    if nxt == "y" and after and after in APOSTROPHES:
        return "ю", 2
    if nxt in ("a", "o", "u") and not (after and after in APOSTROPHES):
        return _IOTATED[nxt], 1
    return None


def _glide(s: str, j: int, size: int, scheme: str, prev: str) -> Unit:
    """и, й, я, ю or ё for a glide letter of ``size`` characters ending before ``j``."""
    iotated = _iotated_2017(s, j) if scheme == "2017" else None
    nxt = s[j : j + 1]
    if scheme != "2017" and nxt and nxt in _IOTATED:
        iotated = _IOTATED[nxt], 1
    if iotated and (iotated[0] == "ю" or not prev or prev in _CYR_VOWELS):
        return iotated[0], size + iotated[1]
    if prev in _CYR_VOWELS:
        return "й", size
    if scheme == "informal" and s[j:] == "y":
        return "ий", size + 1
    return _GLIDE_DEFAULT[scheme], size


def _informal_y(s: str, i: int, prev: str) -> Unit:
    """Informal ``y``: ya/yu/yo, ``ye`` as е, й after a vowel, ы elsewhere."""
    nxt = s[i + 1 : i + 2]
    if nxt and nxt in _INFORMAL_IOTATED:
        return _INFORMAL_IOTATED[nxt], 2
    if nxt == "e" and (not prev or prev in _CYR_VOWELS):
        return "е", 2
    return ("й" if prev in _Y_AS_I_AFTER else "ы"), 1


def _is_final_or_consonant(s: str, j: int) -> bool:
    """True at the end of a word or before a Latin consonant letter."""
    return j >= len(s) or (s[j] not in _LAT_VOWELS and s[j].isalpha())


def _next_unit(s: str, i: int, scheme: str, prev: str) -> Unit:
    """The Cyrillic for the Latin at ``s[i]`` (lowercase) and how many characters it took."""
    char, nxt = s[i], s[i + 1 : i + 2]
    if scheme == "2017" and nxt and nxt in APOSTROPHES:
        if char == "i":
            return _glide(s, i + 2, 2, scheme, prev)
        if char in _APOSTROPHE_2017:
            return _APOSTROPHE_2017[char], 2
    digraph = _DIGRAPHS[scheme].get(s[i : i + 2])
    if digraph:
        return digraph, 2
    if scheme == "informal":
        if char == "y":
            return _informal_y(s, i, prev)
        if s.startswith("ng", i) and _is_final_or_consonant(s, i + 2):
            return "ң", 2
    if char == _GLIDE.get(scheme):
        return _glide(s, i + 1, 1, scheme, prev)
    if char == "c":
        return ("с" if nxt and nxt in _SOFT_C_BEFORE else "к"), 1
    return _SINGLES[scheme].get(char, char), 1


def _cased(unit: str, start: int, size: int, upper: list[bool]) -> str:
    """Give each Cyrillic letter of a unit the case of the Latin letter it came from."""
    return "".join(c.upper() if upper[start + min(k, size - 1)] else c for k, c in enumerate(unit))


@lru_cache(maxsize=65536)
def _word_to_cyrillic(word: str, scheme: str, dotless: bool) -> str:
    """One normalised Latin word to Cyrillic in one concrete scheme."""
    upper = [c.isupper() for c in word]
    s = _lower_word(word, dotless)
    out: list[str] = []
    i = 0
    while i < len(s):
        unit, size = _next_unit(s, i, scheme, out[-1][-1:].lower() if out else "")
        out.append(_cased(unit, i, size, upper))
        i += size
    return "".join(out)


def _check_scheme(scheme: str) -> None:
    """Fail early on a misspelt scheme instead of silently reading another one."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")


def _word_converter(scheme: str, text: str) -> Callable[[re.Match[str]], str]:
    """The regex callback converting one Latin word under ``scheme`` within ``text``."""
    text_scheme = detect_scheme(text) if scheme == "auto" else scheme

    def convert(m: re.Match[str]) -> str:
        word = _normalize_latin(m.group())
        if scheme != "auto":
            return _word_to_cyrillic(word, scheme, scheme == "2021")
        resolved = _resolve(word, text_scheme)
        dotless = resolved == "2021" and _dotless_capital(word, "auto")
        return _word_to_cyrillic(word, resolved, dotless)

    return convert


def to_cyrillic(text: str, scheme: str = "auto") -> str:
    """Kazakh Latin (2021, 2018, 2017 or informal) → Cyrillic; non-Latin text is kept.

    Cyrillic inside the text (a mixed query like ``Тоқаев Astana saparы``) stays as it is.
    Latin that is not Kazakh still comes out as Cyrillic letters (``COVID`` → КОВИД).
    """
    _check_scheme(scheme)
    return _LAT_WORD_RE.sub(_word_converter(scheme, text), text)


# ---------------------------------------------------------------- script helpers


def is_latin_word(word: str) -> bool:
    """True for a word with Latin letters and no Cyrillic ones (digits and dashes allowed)."""
    return bool(_LAT_LETTER_RE.search(word)) and not _CYR_LETTER_RE.search(word)


def script_of(text: str) -> str:
    """``"cyrillic"``, ``"latin"``, ``"mixed"`` or ``"other"`` (no letter of either script):
    tells the search whether a query needs ``to_cyrillic`` at all."""
    cyrillic = bool(_CYR_LETTER_RE.search(text))
    latin = bool(_LAT_LETTER_RE.search(text))
    if cyrillic and latin:
        return "mixed"
    if cyrillic:
        return "cyrillic"
    return "latin" if latin else "other"
