"""The analyzer: what the index stores and the queries match, on real Kazakh and Russian."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzsearch import ANALYZER, analyze
from kzsearch.analysis import KazakhTokenizer, MorphFilter


def same_term(*words: str) -> bool:
    return len({tuple(analyze(w)) for w in words}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ("мемлекет", "мемлекеттер", "мемлекеттердің", "мемлекетіміз", "Мемлекетіміздің"),
        ("Тілеубердінің", "Тілеуберді"),
        ("жылдарда", "жыл"),
        ("министрлері", "министр"),
        ("ынтымақтастықты", "ынтымақтастық"),
        ("кітабы", "кітап"),
        ("төрағалығы", "төрағалық"),
        ("халқы", "халық"),
        ("оның", "ол"),
        ("ҚР-ның", "ҚР", "ҚР-да"),
        ("АӨСШК-тің", "АӨСШК"),
        ("2020-да", "2020"),
    ],
)
def test_forms_of_one_word_meet_in_one_term(forms: tuple[str, ...]) -> None:
    assert same_term(*forms), [analyze(f) for f in forms]


@pytest.mark.parametrize(
    "pair", [("бала", "бал"), ("көл", "қол"), ("сөздік", "сөз"), ("білімсіз", "білім")]
)
def test_distinct_words_stay_apart(pair: tuple[str, str]) -> None:
    assert not same_term(*pair)


def test_the_shared_sentence_in_order() -> None:
    text = "Қазақстан АӨСШК-те 2020-2022 жылдарда төрағалық етті, деп хабарлайды Egemen.kz."
    terms = analyze(text)
    assert terms[:2] == ["қазақстан", "аөсшк"]
    assert terms[2:5] == ["2020-2022", "2020", "2022"]
    assert "жыл" in terms and "egemen.kz" in terms


def test_compounds_are_searchable_whole_and_by_parts() -> None:
    assert analyze("Нұр-Сұлтанның") == ["нұр-сұлтан", "нұр", "сұлтан"]


def test_russian_sentences_get_pymorphy_lemmas() -> None:
    terms = analyze("Министры иностранных дел государств провели встречу.")
    assert {"министр", "иностранный", "государство", "провести", "встреча"} <= set(terms)


def test_a_russian_quote_inside_kazakh_text_is_lemmatised_per_sentence() -> None:
    text = "Министр мәлімдеме жасады. Это решение принято на заседании правительства."
    terms = analyze(text)
    assert "правительство" in terms and "решение" in terms
    assert "мәлімдеме" in terms


def test_positions_and_offsets_for_phrases_and_highlights() -> None:
    text = "Мемлекет  басшысы ҚР-ның"
    tokens = [(t.text, t.pos, text[t.startchar : t.endchar])
              for t in ANALYZER(text, positions=True, chars=True)]
    assert tokens == [("мемлекет", 0, "Мемлекет"), ("басшы", 1, "басшысы"), ("қр", 2, "ҚР")]


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "🙂🎉", "\ud800\udfff\ud800", "Қазақстан Kazakhstan Казахстан 🇰🇿"]
)
def test_odd_input_gives_an_empty_or_sensible_term_list(text: str) -> None:
    terms = analyze(text)
    assert all(isinstance(t, str) and t for t in terms)


def test_one_megabyte_of_text_is_analysed() -> None:
    text = "мемлекеттердің " * 70_000
    terms = analyze(text)
    assert len(terms) == 70_000 and set(terms) == {"мемлекет"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_raises_and_gives_non_empty_terms(text: str) -> None:
    assert all(term for term in analyze(text))


def test_stopwords_are_per_language() -> None:
    from kzsearch.analysis import is_stopword

    assert is_stopword("қандай", "kk") and is_stopword("без", "ru")
    assert not is_stopword("без", "kk")  # the Kazakh noun (gland), as in бездерінің
    assert analyze("Жыныс бездерінің қызметі")[1] == "без"


def test_abbreviations_after_numbers_index_as_the_words() -> None:
    assert analyze("1991 ж. ХХ ғ. 1836-1838 жж. 5 млн") == [
        "1991", "жыл", "xx", "ғасыр", "1836-1838", "1836", "1838", "жыл", "5", "миллион"]
    assert analyze("1991 жылы ғасырдың") == ["1991", "жыл", "ғасыр"]


def test_index_terms_are_the_analyzers_terms_at_their_positions() -> None:
    from kzsearch import read_articles, sample_corpus_path
    from kzsearch.analysis import index_terms, positioned_terms
    from kzsearch.text.translit import to_latin

    texts = [a.body for a in read_articles(sample_corpus_path())]
    texts += [to_latin(t) for t in texts[:5]]
    texts += ["", "  ", "ҚР-ның 2020-2022 жж. «Қазақстан» ЖШС-і", "Mektepter men BAQ", "\ud800x"]
    for text in texts:
        tokens = [(t.text, t.pos) for t in ANALYZER(text, positions=True, mode="index")
                  if not t.stopped]
        assert list(positioned_terms(text)) == [(pos, term) for term, pos in tokens]
        assert index_terms(text) == [term for term, _ in tokens]
        # the tokenizer's words through MorphFilter one by one (not the fused loop)
        words = (t for t in KazakhTokenizer()(text, positions=True))
        assert [(t.text, t.pos) for t in MorphFilter()(words)] == tokens
        with_offsets = ANALYZER(text, positions=True, chars=True)
        assert [(t.text, t.pos) for t in with_offsets] == tokens
    assert sum(len(index_terms(t)) for t in texts) > 5_000


def test_cold_and_warm_caches_give_the_same_terms() -> None:
    from kzsearch.analysis import clear_caches, index_terms

    text = ("Мемлекет басшысы Нұр-Сұлтанда ҚР-ның Үкіметін жинады. Memleket basşysy "
            "Ükımettıñ otyrysyn ötkızdı. Министры провели встречу.")
    clear_caches()
    cold = [t.text for t in ANALYZER(text, positions=True)]
    assert cold == [t.text for t in ANALYZER(text, positions=True)] == index_terms(text)
    clear_caches()
    assert index_terms(text) == cold
