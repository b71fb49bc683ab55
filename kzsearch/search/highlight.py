"""Highlights: a hit's title and body snippet with the matched words marked, inflected
forms included, and the query's terms the article really contains.

Whoosh 2.7.4's highlighter re-analyses the text and marks tokens by their
*analysed* text, but maps them back through character offsets that a filter
changing token text can shift, so it sometimes marks the neighbouring word.
Here the stored text is tokenised once with exact offsets
(:func:`kzsearch.analysis.tokens`), each token's index term is compared
with the query's terms, and the marks are cut from the original string, so the
word marked is always the word that matched (``мемлекеттердің`` for a query
``мемлекет``).

Work per hit is bounded and linear: only the first :data:`SCAN_CHARS` characters
of a body are tokenised (a long news article is 10-15 thousand characters; a
2 MB body of one repeated word would otherwise cost seconds per hit), each
distinct token is stemmed once (:func:`~kzsearch.analysis.index_term` caches),
and the densest window is found by one sliding pass over the matches.

:class:`Highlights` does this per field, lazily: a hit's title and body are analysed
only when one of its highlights or its ``matched_terms`` is first asked for, each field
once, so listing ids or titles costs nothing.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from kzsearch.analysis import index_term, tokens

WINDOW_TOKENS = 28
MAX_SNIPPET_CHARS = 240
SCAN_CHARS = 20_000  # characters of a body searched for matches, per hit


@dataclass(frozen=True)
class Snippet:
    """A piece of text and the spans in it that matched the query."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def __str__(self) -> str:
        return self.text

    def marked(self, left: str = "[", right: str = "]") -> str:
        """Plain text with each match wrapped in ``left``/``right``."""
        return self._wrap(left, right, escape=lambda s: s)

    @property
    def html(self) -> str:
        """HTML-escaped text with matches in ``<mark>`` elements."""
        return self._wrap("<mark>", "</mark>", escape=html.escape)

    def _wrap(self, left: str, right: str, escape: Callable[[str], str]) -> str:
        out: list[str] = []
        last = 0
        for start, end in self.spans:
            out += [escape(self.text[last:start]), left, escape(self.text[start:end]), right]
            last = end
        out.append(escape(self.text[last:]))
        return "".join(out)


@dataclass(frozen=True)
class FieldMatches:
    """One field's text as highlighted (whitespace runs as one space, at most
    :data:`SCAN_CHARS` characters, ``cut`` if there was more), the spans of its words
    whose index term is one of the query's, and those terms."""

    text: str
    cut: bool
    spans: tuple[tuple[int, int], ...]
    terms: frozenset[str]

    @classmethod
    def of(cls, text: str, terms: Iterable[str]) -> FieldMatches:
        scanned, cut = _scanned_prefix(text)
        spans, found = _matches(scanned, set(terms))
        return cls(scanned, cut, tuple(spans), frozenset(found))


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose index term is one of ``terms``."""
    return _matches(text, set(terms))[0]


def _matches(text: str, wanted: set[str]) -> tuple[list[tuple[int, int]], set[str]]:
    """:func:`match_spans`, and the terms of ``wanted`` found (a compound's parts too)."""
    spans: list[tuple[int, int]] = []
    found: set[str] = set()
    for token in tokens(text):  # languages as the index gives them: Latin words stemmed
        term = index_term(token.text, token.lang)
        if term in wanted:
            found.add(term)
            if spans and token.start < spans[-1][1]:
                continue  # a compound's part inside an already marked whole
            spans.append((token.start, token.end))
    return spans, found


class Highlights(Mapping[str, Snippet]):
    """A hit's highlights by field: ``"title"`` (the whole title, matches marked) and
    ``"body"`` (the passage of the body with the most matched words, as
    :func:`make_snippet` cuts it), each a :class:`Snippet` (``str``, ``.marked()``,
    ``.html``). Each field is analysed once, on first use; :attr:`matched_terms` reads
    the same analysis."""

    def __init__(self, fields: Mapping[str, str], terms: Iterable[str],
                 max_chars: int = MAX_SNIPPET_CHARS) -> None:
        self._fields = dict(fields)
        self._terms = frozenset(terms)
        self._max_chars = max_chars
        self._matches: dict[str, FieldMatches] = {}
        self._snippets: dict[str, Snippet] = {}

    def __getitem__(self, name: str) -> Snippet:
        snippet = self._snippets.get(name)
        if snippet is None:
            if name not in self._fields:
                raise KeyError(name)
            found = self.matches(name)
            snippet = (Snippet(found.text + ("…" if found.cut else ""), found.spans)
                       if name == "title" else _snippet(found, self._max_chars))
            self._snippets[name] = snippet
        return snippet

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return "Highlights(" + repr({name: self[name].marked() for name in self}) + ")"

    def matches(self, name: str) -> FieldMatches:
        """One field's analysis (made on first use, then kept)."""
        found = self._matches.get(name)
        if found is None:
            found = self._matches[name] = FieldMatches.of(self._fields[name], self._terms)
        return found

    @cached_property
    def matched_terms(self) -> frozenset[str]:
        """The query's index terms that the fields contain, as the index analyses them
        (of the body, its first :data:`SCAN_CHARS` characters, as for the snippet)."""
        return frozenset().union(*(self.matches(name).terms for name in self._fields))


def make_snippet(text: str, terms: Iterable[str], max_chars: int = MAX_SNIPPET_CHARS) -> Snippet:
    """The passage of ``text`` with the most distinct matches, cut at word boundaries.

    Only the first :data:`SCAN_CHARS` characters are searched for matches (cut
    back to a word boundary), so a hit costs the same on a 2 MB body as on a long
    article; on bodies shorter than that the snippet is that of the whole text.
    """
    return _snippet(FieldMatches.of(text, terms), max_chars)


def _snippet(found: FieldMatches, max_chars: int) -> Snippet:
    text, cut, spans = found.text, found.cut, list(found.spans)
    if not spans:
        return Snippet(_cut(text, 0, max_chars, cut))
    start, end = _best_window(text, spans, max_chars)
    inside = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) or cut else ""
    shift = len(prefix)
    return Snippet(
        prefix + text[start:end] + suffix, tuple((s + shift, e + shift) for s, e in inside)
    )


def _scanned_prefix(text: str) -> tuple[str, bool]:
    """``text`` with runs of whitespace as one space, up to :data:`SCAN_CHARS` characters;
    and whether it was cut. A cut ends before the word it would split."""
    if len(text) <= SCAN_CHARS:
        return " ".join(text.split()), False
    head = text[: SCAN_CHARS + 1]
    whole = _LAST_PARTIAL_WORD_RE.sub("", head[:-1]) if head[-1:].isalnum() else head[:-1]
    return " ".join((whole or head[:-1]).split()), True


_LAST_PARTIAL_WORD_RE = re.compile(r"\w+\Z")


def _best_window(text: str, spans: list[tuple[int, int]], max_chars: int) -> tuple[int, int]:
    """Start at the match that begins the densest window, then widen to word boundaries.

    The densest window is the first match whose window (the matches that end within
    ``max_chars`` of its start) holds the most distinct words. Spans are sorted and
    do not overlap, so each window is a run of spans: one pass with two pointers and
    a count of each word in the current run.
    """
    words = [text[s:e].lower() for s, e in spans]
    inside: Counter[str] = Counter()
    best_start, best_count, right = spans[0][0], 0, 0
    for left, (first, _) in enumerate(spans):
        right = max(right, left)
        while right < len(spans) and spans[right][1] - first <= max_chars:
            inside[words[right]] += 1
            right += 1
        if len(inside) > best_count:
            best_start, best_count = first, len(inside)
        if right > left:  # the window held span ``left``: drop it before moving on
            inside[words[left]] -= 1
            if not inside[words[left]]:
                del inside[words[left]]
    start = max(0, best_start - max_chars // 4)
    start = _word_start(text, start)
    end = min(len(text), start + max_chars)
    return start, _word_end(text, end)


def _word_start(text: str, index: int) -> int:
    if index == 0:
        return 0
    space = text.rfind(" ", 0, index)
    return space + 1 if space >= 0 else 0


def _word_end(text: str, index: int) -> int:
    if index >= len(text):
        return len(text)
    space = text.rfind(" ", 0, index)
    return space if space > 0 else index


def _cut(text: str, start: int, max_chars: int, more: bool = False) -> str:
    end = _word_end(text, start + max_chars)
    return text[start:end] + ("…" if end < len(text) or more else "")
