"""Russian lemmas through pymorphy3, loaded only when Russian text first appears.

Loading the dictionaries costs about half a second and 15 MB, so a Kazakh-only
run never pays it: the analyzer is built on first use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymorphy3

STOPWORDS = frozenset(
    "и в во на не что с со по к ко о об от до из за для при у же бы ли то а но или "
    "это как так его ее их он она оно они мы вы я ты был была были быть есть также "
    "который которая которое которые этот эта эти тот та те все весь вся уже еще только "
    "над под без через между после перед чтобы если когда где там тут свой своя свои".split()
)


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    """The one pymorphy3 analyzer of this process."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def lemma(word: str) -> str:
    """Normal form of a lowercase Russian word (``государства`` → ``государство``)."""
    try:
        parses = morph().parse(word)
    except Exception:  # pymorphy3 has no documented failure modes; a word is never worth a crash
        return word
    return parses[0].normal_form.replace("ё", "е") if parses else word


def is_known(word: str) -> bool:
    """True when pymorphy3's dictionary has the word (not a guess from its ending)."""
    return morph().word_is_known(word)
