"""Synonyms at query time: an index's groups as index terms, matched on analysed stems.

Each entry of a group (:mod:`kzsearch.synonyms`) is analysed as query words are: each
word to its Kazakh stem (Latin script first transliterated), and an entry without
Kazakh letters also to its Russian lemmas, as a Russian sentence of an article would be
indexed (``Казахстане`` reads as ``казахстане`` and ``казахстан``). These *readings*
are the keys: a query word finds a group when one of the terms it already looks for
(:meth:`~kzsearch.search.query.QueryBuilder.alternatives`: its stem, lemma, folded
look-ups) is the reading of a one-word entry, and consecutive query words when their
stems are a multi-word entry's. The group then adds the readings of its other entries:
one word as one more term of the word, several as a phrase (see
:mod:`kzsearch.search.query`). So ``Қазақстанның`` (stem ``қазақстан``) finds
``Казахстане``, ``БҰҰ-ға`` finds ``Біріккен Ұлттар Ұйымының``, and back.

A table is made once per synonyms file (the :class:`~kzsearch.Index` keeps it across
commits) and is read-only afterwards, so threads share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kzsearch.analysis import index_term
from kzsearch.morph import russian
from kzsearch.text.lang import KAZAKH_LETTER_RE
from kzsearch.text.tokens import tokenize
from kzsearch.text.translit import to_cyrillic

Reading = tuple[str, ...]  # the index terms of one entry, in order
MAX_EXPANSIONS = 64  # readings one query word (or run of words) can add
LATIN_LETTER_RE = re.compile("[a-zäğñöūüışçáǵńóúý]")  # as kzsearch.search.query reads them


class SynonymTable:
    """The readings of every group's entries, and which groups each reading is in."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        self.groups: list[list[Reading]] = []
        self._groups_of: dict[Reading, list[int]] = {}
        self.longest = 0  # the most words of a reading
        for group in groups:
            readings = list(dict.fromkeys(r for entry in group for r in readings_of(entry)))
            number = len(self.groups)
            self.groups.append(readings)
            for reading in readings:
                found = self._groups_of.setdefault(reading, [])
                if not found or found[-1] != number:
                    found.append(number)
                self.longest = max(self.longest, len(reading))

    def __bool__(self) -> bool:
        return bool(self._groups_of)

    def __contains__(self, reading: Reading) -> bool:
        return reading in self._groups_of

    def expand(self, keys: dict[Reading, float]) -> dict[Reading, float]:
        """The readings that the groups of any of ``keys`` add, each with the largest
        weight of a key that found it (keys are taken heaviest first); the keys
        themselves are not repeated. The groups are read in file order until
        :data:`MAX_EXPANSIONS` readings are found (a group is not cut)."""
        found: dict[Reading, float] = {}
        for key, weight in sorted(keys.items(), key=lambda item: -item[1]):
            for number in self._groups_of.get(key, ()):
                if len(found) >= MAX_EXPANSIONS:  # bounded work, whatever the file holds
                    return found
                for reading in self.groups[number]:
                    if reading not in keys and reading not in found:
                        found[reading] = weight
        return found


def readings_of(entry: str) -> list[Reading]:
    """An entry's index terms as a query of it would have them: Kazakh stems, and for an
    entry without Kazakh letters its Russian lemmas too (when they differ)."""
    words = entry_words(entry)
    if not words:
        return []
    kazakh = tuple(index_term(_as_cyrillic(word), "kk") for word in words)
    readings = [kazakh]
    if not any(KAZAKH_LETTER_RE.search(word) or LATIN_LETTER_RE.search(word)
               for word in words):
        lemmas = tuple(russian.lemma(word) if russian.is_known(word) else term
                       for word, term in zip(words, kazakh, strict=True))
        if lemmas != kazakh:
            readings.append(lemmas)
    return [reading for reading in readings if all(reading)]


def entry_words(entry: str) -> list[str]:
    """The normalised words of an entry as a query reads them: a lone compound whole
    (``Нұр-Сұлтан``, as a query word), several words each apart with a compound's parts
    (as a phrase is read)."""
    chunks = entry.split()
    words: list[str] = []
    for chunk in chunks:
        pieces = [token.text for token in tokenize(chunk)]
        if len(pieces) > 1 and "-" in pieces[0]:
            pieces = pieces[:1] if len(chunks) == 1 else pieces[1:]
        words.extend(pieces)
    return words


def _as_cyrillic(word: str) -> str:
    return to_cyrillic(word).lower() if LATIN_LETTER_RE.search(word) else word
