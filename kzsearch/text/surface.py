"""Surface words: a token as completion offers it, the way the articles write it.

The index searches by stems; completion (:mod:`kzsearch.search.words`) offers whole words
as written. :func:`surface_form` is the one rule that turns a raw token of
:data:`~kzsearch.text.tokens.TOKEN_RE` into such a word, shared by the writer (which
counts each new segment's words while the analyzer reads the articles,
:mod:`kzsearch.segwords`) and by the search stage (which reads stored articles when a
segment has no word file, or to subtract deleted articles): both must give the same
words, or a table counted at write time would differ from one read back.
"""

from __future__ import annotations

import re

from kzsearch.text.normalize import normalize_text, repair_lookalikes

TEXT_FIELDS = ("title", "body")  # the fields whose words are offered
MAX_WORD = 48  # characters: a longer token (a URL, a run of letters) is no word to offer
_HAS_LETTER = re.compile(r"[^\W\d_]")


def surface_form(raw: str) -> tuple[str, str] | None:
    """The written form and the lowercase word of one raw token, or None when it is no
    word to offer (it does not start with a letter, or is too long). The form has the
    normalisation the analyzer gives a token (NFC, invisible characters out, one kind of
    dash, ``ё``→``е``, Latin look-alikes in Cyrillic words repaired), case kept, a
    trailing ``%`` dropped. Compounds and endings glued by a hyphen stay whole
    (``Нұр-Сұлтанда``, ``ҚР-ның``). Not cached: callers keep one result per distinct
    token."""
    word = repair_lookalikes(normalize_text(raw)).rstrip("%")
    if not word or len(word) > MAX_WORD or not _HAS_LETTER.match(word):
        return None
    lower = word.lower()
    return word, word if lower == word else lower  # one string when already lowercase
