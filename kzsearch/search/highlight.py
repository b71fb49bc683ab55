"""Snippets with the matched words marked, inflected forms included.

Whoosh 2.7.4's highlighter re-analyses the text and marks tokens by their
*analysed* text, but maps them back through character offsets that a filter
changing token text can shift, so it sometimes marks the neighbouring word.
Here the stored text is tokenised once with exact offsets
(:func:`kzsearch.text.tokens.tokenize`), each token's index term is compared
with the query's terms, and the marks are cut from the original string, so the
word marked is always the word that matched (``мемлекеттердің`` for a query
``мемлекет``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kzsearch.analysis import index_term
from kzsearch.text.tokens import tokenize

WINDOW_TOKENS = 28
MAX_SNIPPET_CHARS = 240


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
    for token in tokenize(text):
        if index_term(token.text, token.lang) in wanted:
            if spans and token.start < spans[-1][1]:
                continue  # a compound's part inside an already marked whole
            spans.append((token.start, token.end))
    return spans


def make_snippet(text: str, terms: Iterable[str], max_chars: int = MAX_SNIPPET_CHARS) -> Snippet:
    """The passage of ``text`` with the most distinct matches, cut at word boundaries."""
    text = " ".join(text.split())
    spans = match_spans(text, terms)
    if not spans:
        return Snippet(_cut(text, 0, max_chars))
    start, end = _best_window(text, spans, max_chars)
    inside = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return Snippet(
        prefix + text[start:end] + suffix, tuple((s + shift, e + shift) for s, e in inside)
    )


def _best_window(text: str, spans: list[tuple[int, int]], max_chars: int) -> tuple[int, int]:
    """Start at the match that begins the densest window, then widen to word boundaries."""
    best_start, best_count = spans[0][0], 0
    for i, (first, _) in enumerate(spans):
        words = {text[s:e].lower() for s, e in spans[i:] if e - first <= max_chars}
        if len(words) > best_count:
            best_start, best_count = first, len(words)
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


def _cut(text: str, start: int, max_chars: int) -> str:
    end = _word_end(text, start + max_chars)
    return text[start:end] + ("…" if end < len(text) else "")
