"""Tell Kazakh from Russian by letters, not by words.

About one Kazakh word in eight is also a valid Russian word (``бала``, ``да``,
``болды``), so a single word cannot be trusted. The nine Kazakh-only letters
``әғқңөұүһі`` can: running Kazakh text has several per sentence, Russian has
none outside Kazakh names. A few very frequent function words settle the
short sentences that happen to lack those letters.
"""

from __future__ import annotations

import re
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
# the stemmer knows (``known``), and hardly any is an English function word. Measured on
# 3,000 KazNERD sentences in 2021 Latin and in chat Latin, and 929 English sentences
# (package descriptions, news captions, names, URLs): at these shares 99.8 % and 96.2 % of
# the Kazakh sentences are taken, 0.1 % of the English (``Copyright 2024 Egemen Qazaqstan``).
# English words that transliterate to Kazakh stems (``and``, ``can``, ``has``, ``bar``) are
# why the share is not lower, and why English function words veto.
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


def latin_kazakh(sentence: str, known: Callable[[str], bool]) -> bool:
    """Whether a sentence without Cyrillic is Kazakh in Latin script (see
    :data:`LATIN_KAZAKH_SHARE`): ``known`` tells whether a Latin word (three letters or
    more, as written) transliterates to a Kazakh word."""
    words = LATIN_WORD_RE.findall(sentence)
    if not words:
        return False
    english = kazakh = 0
    for word in words:
        if word.lower() in ENGLISH_MARKERS:
            english += 1
        elif len(word) > 2 and known(word):
            kazakh += 1
    return kazakh >= LATIN_KAZAKH_SHARE * len(words) and english <= LATIN_ENGLISH_SHARE * len(
        words)
