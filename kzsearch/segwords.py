"""A new segment's surface words, counted while the analyzer reads its articles.

Completion's table of a segment (:class:`kzsearch.search.words.WordTable`) needs, for
each lowercase word, the number of the segment's articles that write it, and for each
written form its occurrences. Reading them back from the stored titles and bodies once
the segment is written cost a build a fifth of its time (every article unpickled and
tokenised again). The writer has the tokens in hand already: the analyzer's regular
expression gives each field's raw tokens (:func:`kzsearch.analysis.positioned_terms`
fills a list with them), and :class:`SegmentWords` counts them:

* at the end of each article, its raw tokens (title and body together) are added to the
  segment's occurrences per raw token, and its distinct lowercase words to the segment's
  article counts: ``Counter`` updates and a ``map`` over a dict, all in C, so nothing runs
  in Python per occurrence;
* each distinct raw token's written form and lowercase word
  (:func:`~kzsearch.text.surface.surface_form`) is worked out once per segment, on its
  first occurrence (a dict's ``__missing__``);
* :meth:`SegmentWords.counts` turns them, once per segment, into what
  :meth:`~kzsearch.search.words.WordTable.from_counts` takes: the same counts
  :meth:`~kzsearch.search.words.WordTable.build` reads from the stored articles, so the
  two tables are the same arrays (``tests/test_words.py`` compares them).

Everything is per segment: a writer starts a new :class:`SegmentWords` with each segment
and hands the finished one over when the segment is written, so memory holds one
batch's distinct tokens, never a build's. A segment merged from others records which
(:attr:`SegmentWords.sources`, with the documents deleted from each): the search stage
combines their tables instead of reading their articles again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from kzsearch.text.surface import surface_form


class _Lowers(dict[str, str]):
    """Raw token → lowercase word (``""`` for a token that is no word), worked out on a
    token's first look-up; ``forms`` keeps each word token's written form."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, str] = {}

    def __missing__(self, raw: str) -> str:
        found = surface_form(raw)
        if found is None:
            self[raw] = ""
            return ""
        form, lower = found
        self.forms[raw] = form
        self[raw] = lower
        return lower


@dataclass(frozen=True)
class WordSource:
    """A segment merged into the one being written, and its documents that the merge
    leaves out (deleted before the merge), by document number in that segment."""

    segment: Any
    deleted: tuple[int, ...]


class SegmentWords:
    """The surface words of the articles added to one segment (see the module docstring).

    The writer extends :attr:`tokens` with each text field's raw tokens of the article
    being added and calls :meth:`end_article` once the article is added. ``complete`` is
    False when some article's text could not be counted (a field analysed another way):
    the segment's table must then be read from its stored articles.
    """

    def __init__(self) -> None:
        self.tokens: list[str] = []  # the raw tokens of the article being added
        self.complete = True
        self.sources: list[WordSource] = []
        self._occurrences: Counter[str] = Counter()  # raw token → occurrences
        self._articles: Counter[str] = Counter()  # lowercase word ("" none) → articles
        self._lowers = _Lowers()

    def end_article(self) -> None:
        """Count the tokens of the article just added (an article without any counts
        nothing, as a table built from its stored text would)."""
        tokens = self.tokens
        if tokens:
            self._occurrences.update(tokens)
            self._articles.update(set(map(self._lowers.__getitem__, set(tokens))))
            self.tokens = []

    def counts(self) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        """Articles per lowercase word, and occurrences per written form of each word (the
        arguments of :meth:`~kzsearch.search.words.WordTable.from_counts`)."""
        df = dict(self._articles)
        df.pop("", None)
        written: dict[str, dict[str, int]] = {}
        lowers, forms = self._lowers, self._lowers.forms
        for raw, count in self._occurrences.items():
            lower = lowers[raw]
            if not lower:
                continue
            form = forms[raw]
            variants = written.get(lower)
            if variants is None:
                written[lower] = {form: count}
            else:
                variants[form] = variants.get(form, 0) + count
        return df, written
