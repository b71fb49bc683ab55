"""Articles in Kazakh Latin script are indexed as the Cyrillic terms they spell (issue 16).

Each sentence without Cyrillic is checked: Kazakh in Latin script (most words transliterate
to words the stemmer knows, hardly any English function word) is indexed as Cyrillic
terms, stemmed; English and other Latin text is kept as written. Stored text is unchanged,
and snippets mark the Latin words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzsearch import Article, Index
from kzsearch.analysis import ANALYZER, analyze, guess_latin_kazakh

# 2021 alphabet (ş, ñ, ı, ü, ö)
LATIN_2021 = Article(
    id="latin-2021",
    title="Memleket basşysy Ükımettıñ keñeitılgen otyrysyn ötkızdı",
    body="Memleket basşysy Qasym-Jomart Toqaev Ükımettıñ keñeitılgen otyrysyn ötkızdı. "
    "Prezident el ekonomikasynyñ ösu qarqynyn talqylap, ministrlerge bırqatar tapsyrma "
    "berdı.",
    lang="kk",
)
# Latin as typed without the 2021 letters (sh, zh, ng)
LATIN_INFORMAL = Article(
    id="latin-informal",
    title="Memleket basshysy Qasym-Jomart Toqaev Astanada investorlarmen kezdesti",
    body="Memleket basshysy Qasym-Jomart Toqaev Astanada sheteldik investorlarmen kezdesti. "
    "Kezdesu barysynda zhana zhobalar talqylandy.",
    lang="kk",
)
CYRILLIC = Article(
    id="cyrillic",
    title="Тоқаев Ақордада жастармен кездесті",
    body="Мемлекет басшысы Қасым-Жомарт Тоқаев Ақордада жастармен кездесті. "
    "Кездесу барысында жаңа жобалар талқыланды.",
    lang="kk",
)
ENGLISH = Article(
    id="english",
    title="Kazakhstan business news",
    body="This is the English edition. The bar is open, and the men can read the news at "
    "https://egemen.kz/en. COVID-19 cases fell in May, the Ministry of Health said.",
    lang="kk",
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix = Index.create(Path(tmp_path_factory.mktemp("latin")) / "ix")
    ix.add_many([LATIN_2021, LATIN_INFORMAL, CYRILLIC, ENGLISH])
    return ix


def found(index: Index, query: str) -> set[str]:
    return {hit.id for hit in index.search(query, per_page=50).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("мемлекет", {"latin-2021", "latin-informal", "cyrillic"}),
        ("Тоқаев", {"latin-2021", "latin-informal", "cyrillic"}),
        ("үкіметтің отырысы", {"latin-2021"}),
        ("экономикасы", {"latin-2021"}),
        ("инвесторлар", {"latin-informal"}),
        ("жобалары", {"latin-informal", "cyrillic"}),
        ('"Мемлекет басшысы Қасым-Жомарт Тоқаев"', {"latin-2021", "latin-informal", "cyrillic"}),
        ('"Тоқаев үкіметтің"', {"latin-2021"}),
        ('"Президент ел"', {"latin-2021"}),  # prezident read in 2021 Latin: и, not і
    ],
)
def test_cyrillic_queries_find_latin_articles(index: Index, query: str,
                                             expected: set[str]) -> None:
    assert found(index, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("memleket", {"latin-2021", "latin-informal", "cyrillic"}),
        ("Toqaev", {"latin-2021", "latin-informal", "cyrillic"}),
        ("kezdesti", {"latin-informal", "cyrillic"}),
        ('"Qasym-Jomart Toqaev"', {"latin-2021", "latin-informal", "cyrillic"}),
        # a query showing 2021 letters is read in 2021 throughout, as the article is
        ('"Prezident el ekonomikasynyñ"', {"latin-2021"}),
        ('"ministrlerge bırqatar"', {"latin-2021"}),
    ],
)
def test_latin_queries_still_find_cyrillic_and_latin_articles(index: Index, query: str,
                                                             expected: set[str]) -> None:
    assert found(index, query) == expected


def test_a_latin_article_keeps_its_text_and_its_snippet_marks_the_latin_words(
        index: Index) -> None:
    hit = next(h for h in index.search("мемлекет экономика").hits if h.id == "latin-2021")
    assert hit.title == LATIN_2021.title
    marked = hit.snippet.marked()
    assert "[Memleket]" in marked and "[ekonomikasynyñ]" in marked
    hit = index.search('"Мемлекет басшысы"').hits[0]
    assert "[Memleket] [bas" in hit.snippet.marked()


@pytest.mark.parametrize("query", ["іс", "бар", "мен", "қан", "ан"])
def test_english_words_are_not_read_as_kazakh(index: Index, query: str) -> None:
    """``is``, ``bar``, ``men``, ``can``, ``and`` transliterate to Kazakh words."""
    assert "english" not in found(index, query)


def test_english_text_keeps_its_own_terms() -> None:
    assert analyze(ENGLISH.body) == [
        "this", "is", "the", "english", "edition", "the", "bar", "is", "open", "and", "the",
        "men", "can", "read", "the", "news", "at", "https", "egemen.kz", "en", "covid-19",
        "covid", "19", "cases", "fell", "in", "may", "the", "ministry", "of", "health", "said"]


def test_each_sentence_is_decided_on_its_own() -> None:
    text = ("Мемлекет басшысы сөз сөйледі. Memleket basşysy söz söiledı. "
            "The head of state made a speech. QR-nyñ Prezidentı.")
    tokens = [(t.text, t.lang) for t in ANALYZER(text)]
    assert tokens[:3] == [("мемлекет", "kk"), ("басшы", "kk"), ("сөз", "kk")]
    assert tokens[4:7] == [("мемлекет", "kk-latn-2021"), ("басшы", "kk-latn-2021"),
                           ("сөз", "kk-latn-2021")]
    assert [term for term, _ in tokens[8:15]] == ["the", "head", "of", "state", "made", "a",
                                                  "speech"]
    assert tokens[15:] == [("қр", "kk-latn-2021"), ("президент", "kk-latn-2021")]  # QR-nyñ


@pytest.mark.parametrize(
    "sentence",
    [
        "Memleket basşysy Qasym-Jomart Toqaev Ükımettıñ otyrysyn ötkızdı.",
        "Memleket basshysy Qasym-Jomart Toqaev",
        "Almaty men Astana arasynda zhana zhol salyndy.",
        "Bügın Astanada qar jauady.",
    ],
)
def test_kazakh_sentences_in_latin_are_recognised(sentence: str) -> None:
    assert guess_latin_kazakh(sentence) in ("kk-latn", "kk-latn-2021")


@pytest.mark.parametrize(
    "sentence",
    [
        "The President of Kazakhstan met the US Secretary of State in Astana.",
        "COVID-19 vaccination rates rose sharply in March.",
        "Read more at https://www.gov.kz/memleket/entities/edu",
        "Photo: Reuters",
        "Tengizchevroil is a joint venture of Chevron, ExxonMobil, KazMunayGas and Lukarco.",
        "Karachaganak Petroleum Operating",
        "And we can do it in pure Python!",
        "Apple unveiled the new iPhone 15 Pro Max on Tuesday.",
    ],
)
def test_english_sentences_are_not_transliterated(sentence: str) -> None:
    assert guess_latin_kazakh(sentence) is None


# The sample corpus's article in 2021 Latin (sample/051-latin-pavlodar-irtysh-bridge.txt)
BRIDGE_LATIN = "Pavlodarda Ertıs özenı arqyly jaña köpır paidalanuğa berıldı"
ROBOTICS = "Ауыл мектептерінде робототехника үйірмелері ашылды"  # 022, Павлодар облысының


def test_a_cyrillic_query_finds_the_latin_sample_article_and_marks_its_words(
        sample_index: Index) -> None:
    """The article writes köpır, köpırı, köpırdı and köpırdıñ; the query asks for
    көпірлерінің, a form it does not use. No Cyrillic article mentions a bridge."""
    results = sample_index.search("көпірлерінің")
    assert [hit.title for hit in results.hits] == [BRIDGE_LATIN]
    marked = results.hits[0].snippet.marked()
    assert "[köpırı]" in marked and "[Köpırdıñ]" in marked
    # a phrase: "Jaña köpır oblys ortalyğyn ..." (and the title), not "jaña avtomobil köpırı"
    assert [hit.title for hit in sample_index.search('"жаңа көпір"').hits] == [BRIDGE_LATIN]
    assert sample_index.search('"жаңа көпір облыстың орталығы"').total == 1  # other forms
    assert not sample_index.search('"көпір жаңа"').total  # not in this order


def test_a_cyrillic_name_finds_the_latin_and_the_cyrillic_sample_articles(
        sample_index: Index) -> None:
    hits = {hit.title: hit for hit in sample_index.search("Павлодарда", per_page=20).hits}
    assert {BRIDGE_LATIN, ROBOTICS} <= set(hits)
    assert "[Pavlodar]" in hits[BRIDGE_LATIN].snippet.marked()
    assert "[Павлодар]" in hits[ROBOTICS].snippet.marked()
