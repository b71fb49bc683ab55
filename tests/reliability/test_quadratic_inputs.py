"""Inputs built to make one search slow: a word repeated tens of thousands of times, a body
of a million characters, a query of a thousand unknown words. Each must cost about what a
normal input costs. The work is counted (calls, matches looked at), not timed, except for a
generous hang guard."""

from __future__ import annotations

import itertools

import pytest

from kzsearch.analysis import index_term
from kzsearch.search import highlight

from ._support import SCALE, TOPICS, add, count_example, time_guard

REPEATS = (5_000, 40_000) if SCALE.mode == "bounded" else (5_000, 40_000, 160_000)


def _brute_force_window_start(text: str, spans: list[tuple[int, int]], max_chars: int) -> int:
    """The densest window's first match, by the definition: most distinct words, earliest."""
    best_start, best_count = spans[0][0], 0
    for i, (first, _) in enumerate(spans):
        words = {text[s:e].lower() for s, e in spans[i:] if e - first <= max_chars}
        if len(words) > best_count:
            best_start, best_count = first, len(words)
    return best_start


def _counting_index_term(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]

    def counted(word: str, lang: str = "kk") -> str:
        calls[0] += 1
        return index_term(word, lang)

    monkeypatch.setattr(highlight, "index_term", counted)
    return calls


@pytest.mark.parametrize("repeats", REPEATS)
def test_a_word_repeated_tens_of_thousands_of_times_snippets_in_bounded_work(
    repeats: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting_index_term(monkeypatch)
    body = "Бюджет мемлекеттердің қаржысы. " * repeats
    with time_guard(f"snippet of {repeats} repeats", SCALE.seconds_per_input):
        snippet = highlight.make_snippet(body, {index_term("бюджет"), index_term("мемлекеттердің")})
    assert snippet.spans, "the repeated words are marked"
    assert len(snippet.text) <= 250
    # Words analysed for the snippet: bounded by the scanned prefix, not by the body.
    assert calls[0] <= 10_000
    count_example("quadratic_snippets")


def test_the_window_search_is_linear_in_the_matches() -> None:
    text = " ".join(itertools.islice(itertools.cycle(["бюджет", "мемлекет", "қала"]), 60_000))
    spans, at = [], 0
    for word in text.split(" "):
        spans.append((at, at + len(word)))
        at += len(word) + 1
    with time_guard("window over 60k matches", SCALE.seconds_per_input):  # brute force: minutes
        start, end = highlight._best_window(text, spans, highlight.MAX_SNIPPET_CHARS)
    assert start == 0 and end <= highlight.MAX_SNIPPET_CHARS
    count_example("quadratic_snippets")


def test_a_million_character_abbreviation_body_snippets_in_bounded_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _counting_index_term(monkeypatch)
    with time_guard("snippet of ж. x 524288", SCALE.seconds_per_input):
        snippet = highlight.make_snippet("ж." * 524_288, {index_term("ж"), "жыл"})
    assert snippet.text.endswith("…")
    assert calls[0] <= 20_000
    count_example("quadratic_snippets")


@pytest.mark.parametrize("topic", range(len(TOPICS)))
def test_the_window_is_still_the_densest_one_on_real_articles(topic: int) -> None:
    title, body = TOPICS[topic]
    text = " ".join([body, title, body, title, body] * 3)
    words = {index_term(t.text, t.lang) for t in highlight.tokenize(body)}
    for chosen in itertools.islice(itertools.combinations(sorted(words), 3), 40):
        spans = highlight.match_spans(text, chosen)
        if not spans:
            continue
        for width in (60, 120, highlight.MAX_SNIPPET_CHARS):
            start, _ = highlight._best_window(text, spans, width)
            expected = _brute_force_window_start(text, spans, width)
            assert start == highlight._word_start(text, max(0, expected - width // 4))
            add("snippet_windows_checked")
