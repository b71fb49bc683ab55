"""Phrases over hyphenated compounds, abbreviations and numbers with endings (issue 16).

A compound (``вице-министрлерін``, ``Қазақстан-Ресей``, ``2024-жылы``) is indexed whole and
as its parts; its parts stand at consecutive positions and the whole at its first part's,
so the next word follows the last part. A phrase in a query is analysed the same way (a
compound becomes its parts), so phrases that start, end or cross a compound find it,
whichever way the compound is spelt (hyphen or space).

Most sentences are from KazNERD (real Kazakh news-style text).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzsearch import Article, Index
from kzsearch.analysis import ANALYZER

INTEGRATION = Article(
    id="integration",
    title="Интеграция вице-министрлерін тәртіптік жауапкершілікке тарту туралы",
    body="Интеграция вице-министрлерін тәртіптік жауапкершілікке тарту туралы менің атыма "
    "ұсыныс енгізсін.",
    lang="kk",
)
RELATIONS = Article(
    id="relations",
    title="Көрші елдер",
    body="Бұл тұрғыда Қазақстан-Ресей қарым-қатынасы өзіндік үлгі көрсетуі тиіс.",
    lang="kk",
)
TEXTBOOKS = Article(
    id="textbooks",
    title="Жаңа оқулықтар",
    body="ҚР-ның Оқу-ағарту министрлігі 2024-жылы 5-сынып оқушыларына арналған жаңа "
    "оқулықтарды бекітті. АӨСШК-тің кезекті саммиті Астанада өтті.",
    lang="kk",
)
HARVEST = Article(
    id="harvest",
    title="Егін",
    body="Шамамен екі-үш жылда алғашқы өнімді аламыз.",
    lang="kk",
)
MINISTER = Article(
    id="minister",
    title="Тағайындау",
    body="2016-ншы жылдан бері Мәдениет және спорт вице-министрі қызметін атқарды.",
    lang="kk",
)
SPACED = Article(
    id="spaced",
    title="Емтихан",
    body="Биыл 2024 жылы 5 сынып оқушылары емтихан тапсырды.",
    lang="kk",
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix = Index.create(Path(tmp_path_factory.mktemp("phrases")) / "ix")
    ix.add_many([INTEGRATION, RELATIONS, TEXTBOOKS, HARVEST, MINISTER, SPACED])
    return ix


def found(index: Index, query: str) -> set[str]:
    return {hit.id for hit in index.search(query, per_page=50).hits}


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # the whole title, and phrases that start, end and cross the compound
        ("Интеграция вице-министрлерін тәртіптік жауапкершілікке тарту туралы", {"integration"}),
        ("вице-министрлерін тәртіптік", {"integration"}),
        ("Интеграция вице-министрлерін", {"integration"}),
        ("Интеграция вице-министрлерін тәртіптік", {"integration"}),
        # two compounds in a row
        ("Қазақстан-Ресей қарым-қатынасы", {"relations"}),
        ("тұрғыда Қазақстан-Ресей қарым-қатынасы өзіндік", {"relations"}),
        ("қарым-қатынасы өзіндік үлгі", {"relations"}),
        # numerals as a compound
        ("Шамамен екі-үш жылда", {"harvest"}),
        ("екі-үш жылда алғашқы", {"harvest"}),
        # abbreviations with endings (one word) beside compounds and numbers with endings
        ("ҚР-ның Оқу-ағарту министрлігі", {"textbooks"}),
        ("министрлігі 2024-жылы 5-сынып оқушыларына", {"textbooks"}),
        ("АӨСШК-тің кезекті саммиті", {"textbooks"}),
        ("бекітті АӨСШК-тің", {"textbooks"}),
        # stopwords inside the phrase
        ("жауапкершілікке тарту туралы менің атыма", {"integration"}),
        ("Мәдениет және спорт вице-министрі қызметін", {"minister"}),
        # a number with an ending written with a hyphen or a space: one phrase finds both
        ("2024-жылы 5-сынып", {"textbooks", "spaced"}),
        ("2024 жылы 5 сынып", {"textbooks", "spaced"}),
        ("вице министрлерін тәртіптік", {"integration"}),
    ],
)
def test_phrases_start_end_and_cross_compounds(index: Index, phrase: str,
                                                expected: set[str]) -> None:
    assert found(index, f'"{phrase}"') == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "тәртіптік вице-министрлерін",  # wrong order
        "вице-министрлерін жауапкершілікке",  # a word skipped after the compound
        "Интеграция министрлерін",  # the compound's first part skipped
        "Интеграция тәртіптік",  # the whole compound skipped
        "Ресей Қазақстан",
        "үш екі жылда",
    ],
)
def test_phrases_still_need_every_word_in_order(index: Index, phrase: str) -> None:
    assert found(index, f'"{phrase}"') == set()


def test_a_phrase_across_a_compound_marks_the_compound_whole(index: Index) -> None:
    hit = index.search('"Интеграция вице-министрлерін тәртіптік"').hits[0]
    assert "[вице-министрлерін] [тәртіптік]" in hit.snippet.marked()
    assert "[Интеграция]" in hit.snippet.marked()


def test_a_compound_whole_stands_at_its_first_parts_position() -> None:
    text = "Интеграция вице-министрлерін тәртіптік ҚР-ның Қазақстан-Ресей-Қытай 2024-жылы"
    tokens = [(t.text, t.pos) for t in ANALYZER(text, positions=True)]
    assert tokens == [
        ("интеграция", 0), ("вице-министр", 1), ("вице", 1), ("министр", 2),
        ("тәртіптік", 3), ("қр", 4),
        ("қазақстан-ресей-қытай", 5), ("қазақстан", 5), ("ресей", 6), ("қытай", 7),
        ("2024-жыл", 8), ("2024", 8), ("жыл", 9),
    ]
    with_offsets = [t.pos for t in ANALYZER(text, positions=True, chars=True)]
    assert with_offsets == [pos for _, pos in tokens]
    from kzsearch.analysis import positioned_terms

    assert [(pos, term) for pos, term in positioned_terms(text)] == [
        (pos, term) for term, pos in tokens]
