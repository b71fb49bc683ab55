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

Lang = Literal["kk", "ru"]

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
