"""Fuzzing the query parser through ``Index.search``: any text a person can type, operators
nested thousands deep, and any filter values give results or a ``QueryError`` written for
people, never another exception, and never a hang."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzsearch import Index, QueryError
from kzsearch.search.query import CONTROL_RE, QueryBuilder
from kzsearch.text.lang import KAZAKH_LETTER_RE

from ._support import (
    KAZAKH_WORDS,
    RUBRICS,
    SCALE,
    count_example,
    fuzz_settings,
    make_articles,
    time_guard,
)
from .strategies import HOSTILE_TEXT, WORDS, deep_queries, queries


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = Index.create(tmp_path_factory.mktemp("fuzz-queries") / "index")
    index.add_many(make_articles(60))
    return index


@pytest.fixture(scope="module")
def empty_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return Index.create(tmp_path_factory.mktemp("fuzz-queries-empty") / "index")


def search_or_query_error(index: Index, query: str, target: str, **options: object) -> None:
    with time_guard(target, SCALE.seconds_per_input):
        try:
            results = index.search(query, **options)
        except QueryError as error:
            assert str(error), "a QueryError must say what is wrong"
            return
    assert results.total >= len(results.hits)
    for hit in results.hits:
        assert isinstance(hit.snippet.marked(), str)  # snippets are cut lazily: cut them
        assert isinstance(hit.snippet.html, str)


def test_the_index_answers_a_plain_query(small_index: Index) -> None:
    """The fuzzed index is searchable at all (so the fuzzing below can fail meaningfully)."""
    assert small_index.search("бюджет").total == 10
    assert small_index.search("мектептер", rubric="Білім").total > 0


@given(query=queries())
@fuzz_settings()
def test_any_query_text(small_index: Index, query: str) -> None:
    count_example("query text")
    search_or_query_error(small_index, query, "query text")


@given(query=queries())
@fuzz_settings(SCALE.heavy_examples // 3)
def test_any_query_text_on_an_empty_index(empty_index: Index, query: str) -> None:
    count_example("query text, empty index")
    search_or_query_error(empty_index, query, "query text, empty index")


@given(query=deep_queries())
@fuzz_settings(SCALE.heavy_examples)
def test_operators_nested_thousands_deep(small_index: Index, query: str) -> None:
    count_example("query nesting")
    search_or_query_error(small_index, query, "query nesting")


KNOWN_DEEP = [
    "(" * 5000, ")" * 5000, "NOT " * 2499, "ЕМЕС " * 1999, "(NOT " * 1999, "-(" * 4999,
    '"' * 9999, "title:(" * 1428, "(a AND " * 1428, "+" * 10_000, "x" * 10_001, "қ " * 500_000,
]


@pytest.mark.parametrize("query", KNOWN_DEEP, ids=[f"{q[:8]!r}x{len(q)}" for q in KNOWN_DEEP])
def test_known_deep_and_long_queries(small_index: Index, query: str) -> None:
    count_example("query nesting")
    search_or_query_error(small_index, query, "query nesting")


DATES = (
    st.none()
    | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    | HOSTILE_TEXT
    | st.sampled_from(["2021-03-15", "2021-02-30", "15.03.2021", "", " 2020-01-01 ",
                       "9999-12-31", "0001-01-01"])
)


@given(
    query=queries() | WORDS,
    rubric=st.none() | st.sampled_from(RUBRICS + ["спорт", "Экономика ", "Политика"]) | HOSTILE_TEXT
    | st.lists(HOSTILE_TEXT | st.sampled_from(RUBRICS), max_size=3),
    since=DATES,
    until=DATES,
    sort=st.sampled_from(["relevance", "date", "views"]) | st.text(max_size=8),
    recency=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    page=st.integers(-2, 10**6),
    per_page=st.integers(-2, 500),
)
@fuzz_settings()
def test_any_filters_and_paging(small_index: Index, query: str, **options: object) -> None:
    count_example("query filters")
    search_or_query_error(small_index, query, "query filters", **options)


# -- operator junk never adds a word to look for ---------------------------------------------

KAZAKH_ONLY = [w for w in KAZAKH_WORDS if KAZAKH_LETTER_RE.search(w)]
DANGLING = ["AND", "OR", "NOT", "ЖӘНЕ", "НЕМЕСЕ", "ЕМЕС", "(", ")", "()", "-", "+"]
CONTROLS = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x9b"]


@st.composite
def negated(draw: st.DrawFn) -> str:
    """A word, or two glued by parentheses, under a minus, NOT or ЕМЕС."""
    first, second = draw(WORDS), draw(WORDS)
    form = draw(st.sampled_from([
        "-{a}", "-{a}({b}", "-{a}(({b}", "-{a}){b}", "-{a}({b})", "-({a} {b})", "-{a}()({b}",
        "NOT {a}", "ЕМЕС {a}", "NOT ({a} OR {b})", "(-{a})",
    ]))
    return form.format(a=first, b=second)


@st.composite
def with_control(draw: st.DrawFn) -> str:
    """A Kazakh word with a control character inside (the same word once it is dropped)."""
    word = draw(st.sampled_from(KAZAKH_ONLY))
    at = draw(st.integers(1, max(1, len(word) - 1)))
    return word[:at] + draw(st.sampled_from(CONTROLS)) + word[at:]


@given(
    words=st.lists(st.sampled_from(KAZAKH_ONLY), min_size=1, max_size=6),
    junk=st.lists(negated() | st.sampled_from(DANGLING) | with_control(), max_size=8),
    order=st.randoms(use_true_random=False),
)
@fuzz_settings()
def test_operator_junk_never_adds_a_positive_term(small_index: Index, words: list[str],
                                                  junk: list[str], order: Any) -> None:
    """Mixing dangling operators, negated words (glued by parentheses or not) and words
    broken by control characters into a query of plain Kazakh words never makes the query
    look for a term that the plain words (and the broken words, whole) do not give."""
    count_example("operator junk")
    pieces = words + junk
    order.shuffle(pieces)
    query = " ".join(pieces)
    broken = [CONTROL_RE.sub("", piece) for piece in junk if CONTROL_RE.search(piece)]
    snapshot = small_index._current_snapshot()
    build = QueryBuilder(snapshot.vocabulary, snapshot.rubrics).build
    allowed = build(" ".join(words + broken)).terms
    assert build(query).terms <= allowed, query
    search_or_query_error(small_index, query, "operator junk")
