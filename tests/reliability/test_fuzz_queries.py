"""Fuzzing the query parser through ``Index.search``: any text a person can type, operators
nested thousands deep, and any filter values give results or a ``QueryError`` written for
people, never another exception, and never a hang."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzsearch import Index, QueryError

from ._support import RUBRICS, SCALE, count_example, fuzz_settings, make_articles, time_guard
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
