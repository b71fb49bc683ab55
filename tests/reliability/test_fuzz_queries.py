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


# -- operators typed by accident ------------------------------------------------------------

JUNK = ["AND", "OR", "NOT", "ЖӘНЕ", "НЕМЕСЕ", "ЕМЕС", "(", ")", "-", "\x01", "\x00", "\x1b"]
KAZAKH = ["мектеп", "бюджет", "мемлекеттің", "құрама", "көлінің", "жолдары", "министр"]


def positive_terms(index: Index, query: str) -> set[str]:
    """The terms a query searches for (its highlighted terms), none if it finds nothing."""
    results = index.search(query, per_page=1)
    return set(results.hits[0].matched_terms) if results.hits else set()


@given(words=st.lists(st.sampled_from(KAZAKH), min_size=1, max_size=4),
       junk=st.lists(st.tuples(st.integers(0, 8), st.sampled_from(JUNK),
                               st.sampled_from(["", " "])), max_size=6))
@fuzz_settings(SCALE.examples // 2)
def test_operator_junk_around_a_query_never_adds_a_positive_term(
    small_index: Index, words: list[str], junk: list[tuple[int, str, str]]
) -> None:
    count_example("operator junk")
    plain = positive_terms(small_index, " ".join(words))
    tokens = list(words)
    for at, piece, space in junk:
        tokens.insert(min(at, len(tokens)), piece + space)
    query = " ".join(tokens)
    try:
        junked = positive_terms(small_index, query)
    except QueryError:
        return
    assert junked <= plain, f"{query!r} searches {junked - plain} that {words} does not"


def test_a_parenthesis_glued_to_a_negated_word_adds_no_positive_word(small_index: Index) -> None:
    plain = positive_terms(small_index, "мектеп")
    assert positive_terms(small_index, "мектеп -жол(бюджет") == plain


def test_negated_words_alone_find_every_other_article(small_index: Index) -> None:
    everything = len(small_index)
    with_school = small_index.search("мектеп").total
    assert 0 < with_school < everything
    assert small_index.search("-мектеп").total == everything - with_school
    assert small_index.search("-мектеп").total == small_index.search("NOT мектеп").total
    assert (small_index.search("-мектеп -бюджет").total
            == small_index.search("NOT мектеп NOT бюджет").total)


@pytest.mark.parametrize("query", ["мектеп AND", "AND мектеп", "мектеп ЕМЕС", "мектеп OR",
                                   "НЕМЕСЕ мектеп ЖӘНЕ", "(мектеп OR)", "мектеп AND AND"])
def test_an_operator_without_operands_is_not_searched_as_a_word(
    small_index: Index, query: str
) -> None:
    assert positive_terms(small_index, query) == positive_terms(small_index, "мектеп")
    assert small_index.search(query).total == small_index.search("мектеп").total


@pytest.mark.parametrize("control", ["\x01", "\x00", "\x1b", "\x7f"])
def test_a_control_character_inside_a_word_keeps_it_one_word(
    small_index: Index, control: str
) -> None:
    word = "мемлекеттің"
    broken = word[:5] + control + word[5:]
    assert positive_terms(small_index, broken) == positive_terms(small_index, word)
    assert small_index.search(broken).total == small_index.search(word).total > 0
