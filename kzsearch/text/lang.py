"""Tell Kazakh from Russian by letters, not by words.

About one Kazakh word in eight is also a valid Russian word (``бала``, ``да``,
``болды``), so a single word cannot be trusted. The nine Kazakh-only letters
``әғқңөұүһі`` can: running Kazakh text has several per sentence, Russian has
none outside Kazakh names. A few very frequent function words settle the
short sentences that happen to lack those letters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Literal

# ``kk-latn``: Kazakh in Latin script, read word by word as a query's Latin words are;
# ``kk-latn-2021``: a sentence whose letters show the 2021 alphabet, read in it throughout.
Lang = Literal["kk", "ru", "kk-latn", "kk-latn-2021"]

KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC_RE = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)
KAZAKH_LETTER_RE = re.compile(r"[әғқңөұүһі]", re.IGNORECASE)
WORD_RE = re.compile(r"[а-яёәғқңөұүһі]+", re.IGNORECASE)

# Frequent words that decide a sentence with no Kazakh-only letter.
KAZAKH_MARKERS = frozenset(
    "мен бен пен деп осы сол бар ол олар бола болды болып еди еді екен керек туралы "
    "бойынша кейин кейін дейин дейін ма ме ба бе па пе та те жане жылы".split()
)
RUSSIAN_MARKERS = frozenset(
    "и в во на что не с со по для это как от из к о об за при также который которые "
    "года был была были он она они его ее их уже или но же бы только".split()
)

# Share of Kazakh-only letters among Cyrillic letters above which a text is Kazakh.
# Kazakh prose runs at 5-10 %, Russian with a few Kazakh names well under 1 %.
KAZAKH_LETTER_SHARE = 0.015


Guess = Callable[[list[str]], "Lang | None"]
LatinGuess = Callable[[str], "Lang | None"]

# Kazakh in Latin script (the 2021 alphabet, or typed informally) is told from English and
# other Latin text by its words: transliterated to Cyrillic, most of them are Kazakh words
# the stemmer knows (``known``), and hardly any is an English function word. Measured by
# ``benchmarks/latin_detection.py``: of the 11,307 KazNERD sentences written in 2021 Latin
# 99.8 % are taken, in chat Latin 95.8 %; of 904 English sentences (package descriptions)
# none, of 25 news captions, names and URLs one (``Copyright 2024 Egemen Qazaqstan``).
# English words that transliterate to Kazakh stems (``and``, ``can``, ``has``, ``bar``) are
# why the share is not lower (at 0.25, 1 % of the English is taken), and why English
# function words veto.
LATIN_KAZAKH_SHARE = 0.35
LATIN_ENGLISH_SHARE = 0.1
LATIN_WORD_RE = re.compile(r"[^\W\d_]{2,}")
ENGLISH_MARKERS = frozenset(
    "the of and to for with that from are was this be will has have not can you we our "
    "which were been would should their there these those into its".split()
)


def sentence_language(sentence: str, default: Lang = "kk", guess: Guess | None = None) -> Lang:
    """Language of one sentence: Kazakh letters first, then marker words, then ``guess``
    (given the sentence's lowercase words; the analysis stage asks a Russian dictionary),
    then ``default``."""
    if KAZAKH_LETTER_RE.search(sentence):
        return "kk"
    words = WORD_RE.findall(sentence.lower())
    kk = sum(w in KAZAKH_MARKERS for w in words)
    ru = sum(w in RUSSIAN_MARKERS for w in words)
    if ru > kk:
        return "ru"
    if kk > ru:
        return "kk"
    return (guess(words) if guess and words else None) or default


def detect_language(text: str) -> Lang | None:
    """Language of a whole text from letter statistics; ``None`` when it has no Cyrillic.

    Used for articles whose source does not say their language.
    """
    cyrillic = len(CYRILLIC_RE.findall(text))
    if cyrillic == 0:
        return None
    kazakh = len(KAZAKH_LETTER_RE.findall(text))
    if kazakh / cyrillic >= KAZAKH_LETTER_SHARE:
        return "kk"
    return sentence_language(text, default="ru") if kazakh == 0 else "ru"


def latin_word_class(word: str, known: Callable[[str], bool]) -> str | None:
    """``"en"`` for an English function word, ``"kk"`` for a Latin word of three letters or
    more that ``known`` says transliterates to a Kazakh word, else ``None``."""
    if word.lower() in ENGLISH_MARKERS:
        return "en"
    return "kk" if len(word) > 2 and known(word) else None


def latin_kazakh(sentence: str, classify: Callable[[str], str | None]) -> bool:
    """Whether a sentence without Cyrillic is Kazakh in Latin script (see
    :data:`LATIN_KAZAKH_SHARE`); ``classify`` is :func:`latin_word_class` (the analysis
    stage gives it the stemmer's lexicon, and caches it per word)."""
    words = LATIN_WORD_RE.findall(sentence)
    if not words:
        return False
    votes = Counter(map(classify, words))
    return (votes["kk"] >= LATIN_KAZAKH_SHARE * len(words)
            and votes["en"] <= LATIN_ENGLISH_SHARE * len(words))
