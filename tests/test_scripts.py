"""Any script, any keyboard: Latin and keyboard-less queries find the Cyrillic articles."""

from __future__ import annotations

import pytest

from kzsearch.analysis import fold_key, folded_query_key, loose

SCO = "Астанада ШЫҰ саммиті өтті: Қазақстан төрағалығын аяқтады"
ABAI = "Абайдың 175 жылдығы: ұлы ақынның мұрасы жаңаша насихатталады"
REFERENDUM_RU = "Большинство участников референдума поддержали строительство АЭС"
BALKHASH = "Балқаш көлінің деңгейі төмендеп барады"
HANDICRAFT = "Түркістанда қолөнер шеберлерінің жәрмеңкесі өтті"


def titles(index, query: str) -> list[str]:
    return [hit.title for hit in index.search(query, per_page=50).hits]


@pytest.mark.parametrize(
    "query",
    [
        "Qasym-Jomart Toqaev",  # 2021 Latin
        "Qasym-Zhomart Tokaev",  # informal Latin
        "Касым-Жомарт Токаев",  # Russian keyboard
        "QASYM-JOMART TOQAEV",
    ],
)
def test_a_name_in_any_script_finds_the_cyrillic_articles(sample_index, query: str) -> None:
    cyrillic = set(titles(sample_index, "Қасым-Жомарт Тоқаев"))
    assert cyrillic == {SCO, ABAI}
    assert cyrillic <= set(titles(sample_index, query))


def test_keyboard_less_name_also_finds_the_russian_spelling(sample_index) -> None:
    assert REFERENDUM_RU in titles(sample_index, "Токаев")  # Russian text writes Токаев


def test_abbreviation_in_latin_finds_the_cyrillic_one(sample_index) -> None:
    assert set(titles(sample_index, "ҚР")) <= set(titles(sample_index, "QR"))


@pytest.mark.parametrize(
    "query", ["memleketterdıñ", "memleketterding", "мемлекеттердин", "Memleketterdiñ"]
)
def test_inflected_word_in_any_script_finds_every_form(sample_index, query: str) -> None:
    assert titles(sample_index, query) == titles(sample_index, "мемлекеттердің")


def test_mixed_script_query(sample_index) -> None:
    found = titles(sample_index, "Тоқаев Astana")
    assert found[0] == SCO  # the only article with both words


def test_exact_script_ranks_above_a_folding_collision(sample_index) -> None:
    # көл (lake) and қол (hand) both fold to кол: typed correctly, only lakes come back;
    # typed without Kazakh letters, both come back, and both are visible.
    lakes = titles(sample_index, "көл")
    assert BALKHASH in lakes and HANDICRAFT not in lakes
    folded = titles(sample_index, "кол")
    assert BALKHASH in folded and HANDICRAFT in folded


def test_latin_query_marks_the_cyrillic_words_that_matched(sample_index) -> None:
    hit = sample_index.search("memleketterdıñ").hits[0]
    marked = hit.snippet.marked()
    assert "[" in marked
    for start, end in hit.snippet.spans:
        assert hit.snippet.text[start:end].lower().startswith("мемлекет")


def test_loose_keys_agree_between_index_terms_and_typed_queries() -> None:
    assert fold_key("мемлекет") == folded_query_key("мемлекеттердин")
    assert loose("жаңа") == loose("жанга")  # informal ng before a vowel
    assert loose("агроценоз") == loose("агротсеноз")
    assert fold_key("көл") == fold_key("қол")  # the collision, kept visible
