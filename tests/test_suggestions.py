"""Did you mean (issue 17): suggestions are words the articles use, never a stem with an
ending glued on, and a correctly inflected Russian word that finds articles gets none."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzsearch import Article, Index, read_articles, sample_corpus_path
from kzsearch.analysis import tokens
from kzsearch.search import suggest

# Written for these tests, beside the sample: a Russian article with "сборная", which
# pymorphy lemmatises as a noun, while "сборные" is the adjective "сборный".
TEAM = Article("ru-team", "Сборная Казахстана по футболу сыграет с Данией",
               "Сборная Казахстана проведёт матч в Астане. Главный тренер сборной назвал"
               " состав.", rubric="Спорт")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = Index.create(tmp_path_factory.mktemp("suggestions") / "index")
    index.add_many([*read_articles(sample_corpus_path()), TEAM])
    return index


@pytest.fixture(scope="module")
def sample_words() -> set[str]:
    """Every word of the sample articles, lower case."""
    words: set[str] = set()
    for page in Path(sample_corpus_path()).glob("*.txt"):
        words.update(token.text for token in tokens(page.read_text(encoding="utf-8")))
    return words


# misspelt query -> the suggestion (what the old rule gave, in the comments)
MISSPELT = {
    "мемлекетердің": "мемлекеттердің",  # мемлекетдің: the stem мемлекет + the typed дің
    "Мемлекетердің": "Мемлекеттердің",  # мемлекетдің
    "мемлекетердің бюджетт": "мемлекеттердің бюджет",  # мемлекетдің бюджет
    "сайлаушылр": "сайлаушылар",  # сайлаушы
    "мектептр": "мектептер",  # мектеп
    "чемпионатнда": "чемпионатта",  # чемпионатда
    "кітапханалрға": "кітапханалар",  # кітапханаға, in no article
    "мкетеп": "мектеп",
    "правительсво": "правительство",
}


@pytest.mark.parametrize("query", sorted(MISSPELT))
def test_a_misspelling_gets_a_word_the_articles_use(index: Index, query: str,
                                                    sample_words: set[str]) -> None:
    suggestion = index.search(query).suggestion
    assert suggestion == MISSPELT[query]
    assert {word.lower() for word in suggestion.split()} <= sample_words


def test_a_question_mark_inside_a_word_stands_for_a_letter(index: Index) -> None:
    results = index.search("мемлек?т")  # was "мемлекет?т"
    assert results.total == 0 and results.suggestion == "мемлекет"
    assert index.search("бюдж?т").suggestion == "бюджет"


def test_a_latin_misspelling_gets_the_cyrillic_word_the_articles_use(index: Index) -> None:
    assert index.search("bıudjet").suggestion == "бюджет"  # 2021 Latin; was the same
    assert index.search("qazaqstandn").suggestion == "қазақстанда"  # was қазақстан


def test_a_russian_word_spelled_right_gets_no_suggestion(index: Index) -> None:
    results = index.search("сборные")  # lemma сборный; found by the class of сборная
    assert [hit.title for hit in results.hits] == [TEAM.title]
    assert results.suggestion is None  # was "сборная"
    assert index.search("сборнаяя").suggestion == "сборная"  # a real misspelling still gets one
    assert index.search("футбол").suggestion is None


def test_the_forms_of_a_corrected_word_are_read_once_per_index_state(
        index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored articles are read the first time a corrected term is suggested, not on
    every search."""
    reads: list[str] = []
    real = suggest._read_forms

    def counting(snapshot, term):
        reads.append(term)
        return real(snapshot, term)

    monkeypatch.setattr(suggest, "_read_forms", counting)
    for _ in range(3):
        assert index.search("республикалқ").suggestion == "республикалық"
    assert reads == ["республикалық"]  # the corrected term, once


def test_the_forms_of_a_term_are_its_words_in_the_articles(index: Index) -> None:
    """Forms whose stem is not their beginning (кітабы) and Russian forms are found."""
    snapshot = index._current_snapshot()
    assert {"кітап", "кітаптар", "кітабы", "кітаптардың"} <= set(
        suggest.seen_forms(snapshot, "кітап"))
    assert {"школа", "школы", "школах"} <= set(suggest.seen_forms(snapshot, "школа"))
    assert "мемлекеттік" not in suggest.seen_forms(snapshot, "мемлекет")  # a term of its own
