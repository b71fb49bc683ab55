"""Snippets with the matched words marked, inflected forms included.

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
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose index term is one of ``terms``."""
    wanted = set(terms)
    spans: list[tuple[int, int]] = []
    for token in tokens(text):  # languages as the index gives them: Latin words stemmed
        if index_term(token.text, token.lang) in wanted:
            if spans and token.start < spans[-1][1]:
                continue  # a compound's part inside an already marked whole
            spans.append((token.start, token.end))
    return spans


def make_snippet(text: str, terms: Iterable[str], max_chars: int = MAX_SNIPPET_CHARS) -> Snippet:
    """The passage of ``text`` with the most distinct matches, cut at word boundaries.

    Only the first :data:`SCAN_CHARS` characters are searched for matches (cut
    back to a word boundary), so a hit costs the same on a 2 MB body as on a long
    article; on bodies shorter than that the snippet is that of the whole text.
    """
    text, cut = _scanned_prefix(text)
    spans = match_spans(text, terms)
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
