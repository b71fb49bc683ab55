"""Inputs that once cost quadratic time in a reader: a body of one word repeated, a 1 MB
body of ``ж.``, a query of hundreds of misspelt words. Each test counts *work* (Python
lines run, stems looked up, edit distances computed), never seconds, so a loaded CI
machine cannot make it flaky; the work must stay linear in the input and bounded per hit
or per query."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzsearch import Article, Index, QueryError, read_articles, sample_corpus_path
from kzsearch.analysis import index_term
from kzsearch.search import highlight, scoring, vocabulary
from kzsearch.search.engine import MAX_SUGGESTED_WORDS
from kzsearch.search.query import MAX_QUERY_WORDS
from kzsearch.text.lang import KAZAKH_LETTER_RE
from kzsearch.text.tokens import tokenize

from ._support import (
    SCALE,
    add,
    count_example,
    fuzz_settings,
    make_articles,
    record,
    time_guard,
)

HIGHLIGHT_FILE = highlight.__file__
LONG = SCALE.mode == "long"


def lines_run(module_file: str, work: Callable[[], Any]) -> int:
    """Python lines executed in ``module_file`` (loop iterations of comprehensions too)."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == module_file else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


# -- snippets -----------------------------------------------------------------------------


def repeated_body(word: str, times: int) -> str:
    return " ".join([word] * times)


@pytest.mark.parametrize("word", ["бюджет", "мемлекеттердің"])
def test_snippet_work_grows_linearly_with_a_repeated_word(word: str) -> None:
    """Twice the repeats, at most about twice the work (the old window search was n²)."""
    term = index_term(word)
    fits = highlight.SCAN_CHARS // (2 * (len(word) + 1)) - 1  # n and 2n inside SCAN_CHARS
    repeats = min(fits, 600) if not LONG else fits
    assert 2 * repeats * (len(word) + 1) < highlight.SCAN_CHARS
    work = {n: lines_run(HIGHLIGHT_FILE, lambda n=n: highlight.make_snippet(
        repeated_body(word, n), {term})) for n in (repeats, 2 * repeats)}
    add("snippet linearity checks")
    record(f"snippet lines per repeat ({word})", round(work[2 * repeats] / (2 * repeats), 1))
    assert work[2 * repeats] <= 2.2 * work[repeats], work
    assert "[" + word + "]" in highlight.make_snippet(repeated_body(word, 10), {term}).marked()


@contextmanager
def stems_at_most(limit: int) -> Iterator[list[int]]:
    """Fail as soon as highlighting looks up more than ``limit`` index terms (so the old,
    unbounded code fails in a second rather than stalling for minutes)."""
    calls = [0]
    real = highlight.index_term

    def counting(word: str, lang: str = "kk") -> str:
        calls[0] += 1
        assert calls[0] <= limit, f"highlighting looked up more than {limit} stems for one hit"
        return real(word, lang)

    highlight.index_term = counting  # type: ignore[assignment]
    try:
        yield calls
    finally:
        highlight.index_term = real  # type: ignore[assignment]


BIG_BODIES = {"ж.": 524_288} | ({"бюджет ": 290_000, "ж. ": 500_000} if LONG else {})


@pytest.fixture(scope="module")
def big_body_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = Index.create(tmp_path_factory.mktemp("quadratic") / "index")
    big = [
        Article(id=f"big{n}", title="Үлкен мақала", body=piece * times, rubric="Қоғам",
                published=dt.date(2020, 1, 1 + n), views=n, lang="kk")
        for n, (piece, times) in enumerate(BIG_BODIES.items())
    ]
    index.add_many(make_articles(10) + big)
    return index


@pytest.mark.parametrize("piece", list(BIG_BODIES))
def test_search_and_snippet_of_a_megabyte_body_are_bounded(big_body_index: Index,
                                                           piece: str) -> None:
    """``search ж`` on a 1 MB body of ``ж.`` kept a reader busy for minutes; now the hit's
    snippet tokenises only the first SCAN_CHARS characters and marks the matches there."""
    query = piece.strip(". ")
    with time_guard("megabyte snippet", SCALE.seconds_per_big_input):
        results = big_body_index.search(query)
        hit = next(h for h in results.hits if h.id.startswith("big")
                   and h.body.startswith(piece))
        with stems_at_most(highlight.SCAN_CHARS // 2 + 1) as calls:
            marked = hit.snippet.marked()
    add("megabyte snippets cut")
    record("stems per megabyte snippet", calls[0])
    assert f"[{query}]" in marked
    assert len(hit.snippet.text) <= highlight.MAX_SNIPPET_CHARS + 2
    assert hit.snippet.text.endswith("…")


def densest_start_by_brute_force(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """The specification of the window: the first match whose window holds the most
    distinct words (every later match is checked for every match: n², as an oracle)."""
    best_start, best_count = spans[0][0], 0
    for i, (first, _) in enumerate(spans):
        words = {text[s:e].lower() for s, e in spans[i:] if e - first <= width}
        if len(words) > best_count:
            best_start, best_count = first, len(words)
    return best_start


def article_queries(body: str) -> list[set[str]]:
    """Term sets of queries made of the article's own words: every 7th word, and pairs."""
    terms = [index_term(t.text, t.lang) for t in tokenize(body) if len(t.text) > 3]
    singles = [{terms[i]} for i in range(0, len(terms), 7)]
    pairs = [{terms[i], terms[-1 - i]} for i in range(0, len(terms) // 2, 5)]
    return singles + pairs


def test_the_chosen_window_is_still_the_densest_one_on_real_articles() -> None:
    """On every sample article, and on each article doubled, the sliding window starts
    where the brute-force search over all windows starts."""
    checked = 0
    for article in read_articles(sample_corpus_path()):
        for body in (article.body, article.body + " " + article.body):
            text = " ".join(body.split())
            for terms in article_queries(text):
                spans = highlight.match_spans(text, terms)
                if not spans:
                    continue
                start, _ = highlight._best_window(text, spans, highlight.MAX_SNIPPET_CHARS)
                expected = densest_start_by_brute_force(text, spans, highlight.MAX_SNIPPET_CHARS)
                assert start == highlight._word_start(
                    text, max(0, expected - highlight.MAX_SNIPPET_CHARS // 4)), (article.id, terms)
                checked += 1
    add("densest windows checked", checked)
    assert checked > 500


def test_a_body_shorter_than_the_scan_bound_is_snippeted_whole() -> None:
    """A match past the bound is not seen, one before it is: the bound is where it says."""
    filler = repeated_body("жаңалық", highlight.SCAN_CHARS // 8)
    early = highlight.make_snippet("Бюджет қабылданды. " + filler, {index_term("бюджет")})
    late = highlight.make_snippet(filler + " Бюджет қабылданды.", {index_term("бюджет")})
    assert early.spans and not late.spans
    assert late.text.endswith("…")


# -- did you mean ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = Index.create(tmp_path_factory.mktemp("quadratic-sample") / "index")
    index.add_many(read_articles(sample_corpus_path()))
    return index


def misspellings(index: Index, count: int) -> list[str]:
    """``count`` distinct unknown words, each one letter off a real term of the index
    (so every one of them has candidates to compare)."""
    vocab = index._current_snapshot().vocabulary
    words: list[str] = []
    for term in sorted(vocab.doc_freq, key=lambda t: (-vocab.doc_freq[t], t)):
        if len(term) < 6 or not term.isalpha() or not KAZAKH_LETTER_RE.search(term):
            continue  # a Kazakh letter: not looked up by its folded form as well
        for letter in "ъэь":
            typo = term[:3] + letter + term[4:]
            if typo not in vocab and index_term(typo) not in vocab:
                words.append(typo)
            if len(words) == count:
                return words
    raise AssertionError(f"the sample index gives fewer than {count} misspellings")


@contextmanager
def counted_edit_distances() -> Iterator[list[tuple[str, str]]]:
    """Record the two words of every edit distance computed."""
    seen: list[tuple[str, str]] = []
    real = vocabulary.edit_distance

    def counting(a: str, b: str, limit: int) -> int:
        seen.append((a, b))
        return real(a, b, limit)

    vocabulary.edit_distance = counting  # type: ignore[assignment]
    try:
        yield seen
    finally:
        vocabulary.edit_distance = real  # type: ignore[assignment]


def test_a_thousand_word_query_is_refused_before_any_suggestion_work(
        sample_index: Index) -> None:
    """1 000 unknown words took 6.9 s, all in "did you mean"; now the query is refused."""
    words = misspellings(sample_index, 1000)
    for count in (1000,) if not LONG else (MAX_QUERY_WORDS + 1, 500, 1000):
        with counted_edit_distances() as seen, pytest.raises(QueryError, match="words"):
            sample_index.search(" ".join(words[:count]))
        add("long queries refused")
        assert seen == []


def test_suggestions_are_looked_up_for_a_bounded_number_of_words(sample_index: Index) -> None:
    """A query at the word limit, all misspelt: edit distances for at most
    MAX_SUGGESTED_WORDS distinct words, each at most 5 x MAX_CANDIDATES_PER_LENGTH."""
    words = misspellings(sample_index, MAX_QUERY_WORDS)
    with counted_edit_distances() as seen:
        results = sample_index.search(" ".join(words))
    add("misspelt words in bounded queries", len(words))
    record("edit distances for a 256-word query", len(seen))
    assert len({a for a, _ in seen}) <= MAX_SUGGESTED_WORDS
    assert len(seen) <= MAX_SUGGESTED_WORDS * 5 * vocabulary.MAX_CANDIDATES_PER_LENGTH
    assert results.suggestion is not None  # the first words still get their suggestion


def test_a_repeated_misspelling_is_looked_up_once(sample_index: Index) -> None:
    """One misspelt word typed 200 times costs the edit distances of one look-up, and
    searching it again costs none (cached per term for the index generation)."""
    word = misspellings(sample_index, 300)[-1]  # not among the words the tests above looked up
    vocab = sample_index._current_snapshot().vocabulary
    with counted_edit_distances() as once:
        vocabulary.Vocabulary.from_counts(dict(vocab.doc_freq)).closest(index_term(word))
    with counted_edit_distances() as repeated:
        sample_index.search(" ".join([word] * 200))
    with counted_edit_distances() as again:
        sample_index.search(" ".join([word] * 200))
    assert 0 < len(repeated) == len(once)
    assert again == []


ENDINGS = ["", "тар", "тер", "дың", "нің", "ға", "ке", "да", "де", "тардың", "терге", "ымыз"]


def test_candidates_per_length_are_capped_to_the_most_frequent() -> None:
    """Thousands of real Kazakh word forms with one first letter: one look-up compares at
    most MAX_CANDIDATES_PER_LENGTH of each nearby length, the most frequent ones."""
    stems_file = Path(vocabulary.__file__).parents[1] / "data" / "kazakh_stems.txt"
    stems = [line.split()[0] for line in stems_file.read_text(encoding="utf-8").splitlines()
             if line.strip() and line.startswith("к")]
    forms = {stem + ending for stem in stems for ending in ENDINGS}
    many = {form: 1 + n % 97 for n, form in enumerate(sorted(forms))}
    vocab = vocabulary.Vocabulary.from_counts(many)
    with counted_edit_distances() as seen:
        vocab.closest("кітаптрдың")
    cap = vocabulary.MAX_CANDIDATES_PER_LENGTH
    for length in range(8, 13):
        of_length = sorted((-many[t], t) for t in many if len(t) == length)
        compared = sorted((-many[b], b) for _, b in seen if len(b) == length)
        assert len(of_length) > cap  # the cap matters here
        assert compared == of_length[:cap]  # the most frequent (ties alphabetical)


# -- phrases over a repeated word ------------------------------------------------------------

SCORING_FILE = scoring.__file__
RUNS = {"run-long": 20_000 if not LONG else 80_000, "run-short": 100}  # repeats of қаржы
PAIRS = 10_000 if not LONG else 40_000  # "қаржы нарығы" repeated, in one more article
PHRASE_LENGTHS = (2, 50, 250)


class CountingNumpy:
    """``numpy`` as scoring.py sees it, adding up the elements of every array handed to a
    numpy function (a sort, an intersection or a search reads each at least once)."""

    def __init__(self) -> None:
        self.elements = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(np, name)
        if not callable(real) or isinstance(real, type):
            return real

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.elements += sum(a.size for a in (*args, *kwargs.values())
                                 if isinstance(a, np.ndarray))
            return real(*args, **kwargs)

        return counted


def phrase_work(index: Index, phrase: str) -> tuple[int, set[str]]:
    """Work of one phrase search in scoring.py (array elements given to numpy plus Python
    lines run) and the ids it found."""
    counting = CountingNumpy()
    found: list[set[str]] = []
    scoring.np = counting  # type: ignore[assignment]
    try:
        lines = lines_run(SCORING_FILE, lambda: found.append(
            {h.id for h in index.search(phrase, per_page=20).hits}))
    finally:
        scoring.np = np
    return counting.elements + lines, found[0]


@pytest.fixture(scope="module")
def repeated_word_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = Index.create(tmp_path_factory.mktemp("quadratic-phrase") / "index")
    repeated = [Article(id=name, title="Қаржы жаңалықтары", body=repeated_body("қаржы", times),
                        rubric="Экономика", published=dt.date(2021, 3, 1), views=1, lang="kk")
                for name, times in RUNS.items()]
    pairs = Article(id="pairs", title="Қаржы нарығы", body=repeated_body("қаржы нарығы", PAIRS),
                    rubric="Экономика", published=dt.date(2021, 3, 2), views=1, lang="kk")
    index.add_many(make_articles(10) + repeated + [pairs])
    return index


@pytest.mark.parametrize("unit", ["қаржы", "қаржы нарығы"])
def test_phrase_work_does_not_grow_with_the_phrase_length(repeated_word_index: Index,
                                                         unit: str) -> None:
    """A phrase of 250 words on a body of one word repeated 20 000 times cost 250 sorted
    intersections of every position (words x positions, minutes at 80 000 repeats); now
    each position is examined a fixed number of times, however long the phrase: the work
    of 50 and 250 words stays within twice that of 2 words, and the right articles match
    (a run of k repeats holds a phrase of n words exactly when n <= k)."""
    per_unit = len(unit.split())
    repeated_word_index.search(f'"{unit} {unit}"')  # postings cached: every search alike
    work: dict[int, int] = {}
    for words in PHRASE_LENGTHS:
        phrase = '"' + " ".join([unit] * (words // per_unit)) + '"'
        with time_guard("phrase over a repeated word", SCALE.seconds_per_big_input):
            work[words], found = phrase_work(repeated_word_index, phrase)
        runs = {"pairs": 2 * PAIRS} if per_unit == 2 else RUNS
        assert found == {name for name, times in runs.items() if times >= words}, words
        add("long phrases over repeated words")
    record(f"phrase work, 2/50/250 words of '{unit}'", [work[n] for n in PHRASE_LENGTHS])
    assert work[50] <= 2 * work[2] and work[250] <= 2 * work[2], work


def test_phrase_work_is_linear_in_the_occurrences_of_its_words(
        repeated_word_index: Index) -> None:
    """The documented bound: a phrase check handles each occurrence of its distinct words
    in the documents holding all of them a fixed number of times: at most 10 units of work
    each (2.5 measured; the old intersections took 127), 2 000 to spare for the query."""
    occurrences = sum(RUNS.values()) + 2 * PAIRS + 10  # қаржы, нарығы; topic texts hold some
    phrase = '"' + " ".join(["қаржы", "нарығы"] * (MAX_QUERY_WORDS // 2)) + '"'
    with time_guard("phrase at the query word limit", SCALE.seconds_per_big_input):
        work, found = phrase_work(repeated_word_index, phrase)
    record("phrase work per occurrence, 256 words", round(work / occurrences, 1))
    assert found == {"pairs"}
    assert work <= 10 * occurrences + 2_000, (work, occurrences)


def spelt_out(words: list[str], text: dict[int, list[set[str]]]) -> dict[str, Any]:
    """Where each distinct word stands in documents given as lists of term sets."""
    where: dict[str, Any] = {}
    for word in dict.fromkeys(words):
        places = [(doc, pos) for doc in sorted(text) for pos, terms in enumerate(text[doc])
                  if word in terms]
        where[word] = (np.asarray([d for d, _ in places], dtype=np.int64),
                       np.asarray([p for _, p in places], dtype=np.int64))
    return where


PHRASE_WORDS = ["қаржы", "нарығы", "бюджет"]


@fuzz_settings()
@given(st.lists(st.sampled_from(PHRASE_WORDS), min_size=2, max_size=12),
       st.dictionaries(st.integers(0, 40), st.lists(st.sets(st.sampled_from(
           PHRASE_WORDS + ["жаңалық"]), max_size=2), max_size=40), max_size=5))
def test_the_linear_phrase_check_finds_exactly_the_documents_of_the_definition(
        words: list[str], text: dict[int, list[set[str]]]) -> None:
    """Short phrases of three Kazakh words over documents where a position holds none, one
    or two terms: the documents found are those where some start p has the i-th word at
    p + i, for every i (two terms at one position take the word-by-word path)."""
    count_example("phrase check against its definition")
    expected = [doc for doc in sorted(text) if any(
        all(p + i < len(text[doc]) and w in text[doc][p + i] for i, w in enumerate(words))
        for p in range(len(text[doc])))]
    found = scoring.docs_with_sequence(words, spelt_out(words, text))
    assert found.tolist() == expected
