"""Hits: title and body highlights, the terms each hit contains, sort directions, the
language facet, and ``help(Index.search)``; on the bundled sample corpus.

Article numbers refer to ``kzsearch/data/sample/NNN-*.txt``; the expected titles, dates,
view counts and words are read off those files.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import pytest

from kzsearch import Index, QueryError, read_articles, sample_corpus_path
from kzsearch.analysis import index_terms
from kzsearch.search import sidecars
from kzsearch.search.ranking import SORT_ALIASES, SORTS
from kzsearch.search.segments import columns_of

SAMPLE = sample_corpus_path()
BUDGET_2019 = "Үкімет 2020-2022 жылдарға арналған республикалық бюджет жобасын мақұлдады"  # 001
BUDGET_2022 = "Мәжіліс республикалық бюджетке түзетулерді мақұлдады"  # 002
BUDGET_2025 = "2025 жылғы бюджет: мемлекет тиімсіз шығыстарды қысқартады"  # 003
COMFORT_SCHOOLS = "«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп салынады"  # 021
LIBRARY_BOOKS = "Мектеп кітапханаларына 500 мың жаңа кітап жеткізілді"  # 023
HOSPITAL = "Шымкентте 300 орындық көпбейінді аурухана ашылды"  # 027, бюджеттен in the body
BUDGET_RU = "Мажилис одобрил республиканский бюджет на 2024–2026 годы"  # 044
BRIDGE_LATIN = "Pavlodarda Ertıs özenı arqyly jaña köpır paidalanuğa berıldı"  # 051

# The seven articles with a form of бюджет (051 writes it "biudjetten"), by date
# (023 25.01.2019, 001 28.08.2019, 027 30.05.2022, 002 15.06.2022, 044 23.11.2023,
# 003 09.10.2024, 051 14.10.2024) and by views (730, 2 967, 3 418, 3 905, 4 512, 7 905,
# 12 430).
BUDGET_OLDEST_FIRST = [LIBRARY_BOOKS, BUDGET_2019, HOSPITAL, BUDGET_2022, BUDGET_RU,
                       BUDGET_2025, BRIDGE_LATIN]
BUDGET_LEAST_READ_FIRST = [LIBRARY_BOOKS, HOSPITAL, BUDGET_2019, BUDGET_RU, BRIDGE_LATIN,
                           BUDGET_2025, BUDGET_2022]


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


def hit_titled(results, title: str):
    (hit,) = [hit for hit in results.hits if hit.title == title]
    return hit


# -- highlights ----------------------------------------------------------------------------


def test_a_title_match_is_marked_in_the_title_highlight(sample_index) -> None:
    results = sample_index.search("мектеп бюджет", per_page=20)
    library = hit_titled(results, LIBRARY_BOOKS)
    assert library.highlights["title"].marked() == (
        "[Мектеп] кітапханаларына 500 мың жаңа кітап жеткізілді")
    body = library.highlights["body"].marked()
    assert "Әрбір [мектепке] оқушылардың" in body and "«Оқитын [мектеп]»" in body
    assert library.snippet == library.highlights["body"]  # the snippet is the body's
    assert list(library.highlights) == ["title", "body"]


def test_title_highlights_mark_inflected_forms_in_html(sample_index) -> None:
    results = sample_index.search("бюджеттің")
    assert hit_titled(results, BUDGET_2025).highlights["title"].html == (
        "2025 жылғы <mark>бюджет</mark>: мемлекет тиімсіз шығыстарды қысқартады")
    assert hit_titled(results, BUDGET_2022).highlights["title"].marked("<<", ">>") == (
        "Мәжіліс республикалық <<бюджетке>> түзетулерді мақұлдады")


def test_a_latin_title_is_marked_for_a_cyrillic_query(sample_index) -> None:
    hit = hit_titled(sample_index.search("көпір"), BRIDGE_LATIN)
    assert hit.highlights["title"].marked() == (
        "Pavlodarda Ertıs özenı arqyly jaña [köpır] paidalanuğa berıldı")


def test_a_body_only_match_leaves_the_title_unmarked(sample_index) -> None:
    hospital = hit_titled(sample_index.search("бюджет"), HOSPITAL)
    assert hospital.highlights["title"].spans == ()
    assert str(hospital.highlights["title"]) == HOSPITAL
    assert "[бюджеттен]" in hospital.snippet.marked()


def test_highlights_are_cut_only_when_asked_for(sample_index) -> None:
    hit = sample_index.search("мектеп").hits[0]
    assert "highlights" not in vars(hit)
    assert hit.matched_terms and "highlights" in vars(hit)  # one analysis serves both
    highlights = hit.highlights
    assert highlights._snippets == {}  # the body's snippet is not cut yet
    assert "[" in highlights["body"].marked()
    with pytest.raises(KeyError):
        highlights["url"]


# -- matched terms -------------------------------------------------------------------------


def test_matched_terms_are_the_query_terms_each_article_contains(sample_index) -> None:
    results = sample_index.search("мектеп бюджет", per_page=30)
    # 023 has Мектеп, мектепке, мектептерге and бюджет; 001 бюджет, бюджеттің, бюджеттері
    # and no school; 021 only schools; 044 is Russian: бюджет, бюджета, бюджете
    assert hit_titled(results, LIBRARY_BOOKS).matched_terms == {"мектеп", "бюджет"}
    assert hit_titled(results, BUDGET_2019).matched_terms == {"бюджет"}
    assert hit_titled(results, COMFORT_SCHOOLS).matched_terms == {"мектеп"}
    assert hit_titled(results, BUDGET_RU).matched_terms == {"бюджет"}
    assert len({hit.matched_terms for hit in results.hits}) == 3
    assert all(hit.matched_terms <= hit.query_terms for hit in results.hits)


def test_matched_terms_name_the_forms_of_a_prefix_class_found(sample_index) -> None:
    """``kitap`` (Latin) looks for кітап and its class (кітапхана, кітапханашы): 023 has
    кітап, кітапханаларына and Кітапханашылардың, 040 кітаптар and кітапханада only."""
    results = sample_index.search("kitap", per_page=30)
    library = hit_titled(results, LIBRARY_BOOKS)
    assert library.matched_terms == {"кітап", "кітапхана", "кітапханашы"}
    assert library.highlights["title"].marked() == (
        "Мектеп [кітапханаларына] 500 мың жаңа [кітап] жеткізілді")
    rare = hit_titled(results, "Ұлттық кітапханада сирек кітаптар көрмесі ашылды")
    assert rare.matched_terms == {"кітап", "кітапхана"}


@pytest.mark.parametrize("query", ["мектеп бюджет", "мемлекеттердің", "kitap",
                                   '"республикалық бюджет"', "футбол OR школы"])
def test_matched_terms_are_what_the_index_holds_of_the_article(sample_index,
                                                               query: str) -> None:
    """The highlighter's analysis agrees with the indexing path's (``index_terms``)."""
    results = sample_index.search(query, per_page=60)
    assert results.hits
    for hit in results.hits:
        stored = set(index_terms(hit.title)) | set(index_terms(hit.body))
        assert hit.matched_terms == hit.query_terms & stored, hit.title
        assert hit.matched_terms, hit.title  # every hit matched something


# -- sorting -------------------------------------------------------------------------------


def test_date_ascending_is_oldest_first(sample_index) -> None:
    assert titles(sample_index.search("бюджет", sort="date:asc")) == BUDGET_OLDEST_FIRST


def test_date_ascending_reverses_descending_on_the_same_set(sample_index) -> None:
    for query in ("бюджет", "мектеп", "Қазақстан"):
        up = sample_index.search(query, sort="date:asc", per_page=100).hits
        down = sample_index.search(query, sort="date:desc", per_page=100).hits
        dates = [hit.published for hit in up]
        assert len(set(dates)) == len(dates) > 5  # distinct dates: one order, reversed
        assert [hit.id for hit in up] == [hit.id for hit in reversed(down)]
        assert dates == sorted(dates)


def test_bare_names_keep_their_meaning_and_any_case_is_accepted(sample_index) -> None:
    def ids(**kwargs) -> list[str]:
        return [hit.id for hit in sample_index.search("мектеп", per_page=50, **kwargs).hits]

    assert ids(sort="date") == ids(sort="date:desc") == ids(sort="DATE:Desc")
    assert ids(sort="views") == ids(sort="views:desc")
    assert ids(sort="Date:ASC") == ids(sort="date:asc") != ids(sort="date")


def test_views_ascending_and_descending(sample_index) -> None:
    up = sample_index.search("бюджет", sort="views:asc")
    assert titles(up) == BUDGET_LEAST_READ_FIRST
    down = sample_index.search("бюджет", sort="views:desc")
    assert titles(down) == BUDGET_LEAST_READ_FIRST[::-1]


def test_sorted_pages_join_up_without_gaps_or_repeats(sample_index) -> None:
    for sort in SORTS:
        whole = [hit.id for hit in sample_index.search("Қазақстан", sort=sort,
                                                       per_page=100).hits]
        paged = []
        for page in range(1, len(whole) // 4 + 2):
            paged += [hit.id for hit in sample_index.search("Қазақстан", sort=sort,
                                                            page=page, per_page=4).hits]
        assert paged == whole, sort


@pytest.fixture(scope="module")
def undated(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The budget articles, 001 and 044 without a date and 002 and 051 without views."""
    articles = [a for a in read_articles(SAMPLE) if a.title in BUDGET_OLDEST_FIRST]
    changed = []
    for article in articles:
        if article.title in (BUDGET_2019, BUDGET_RU):
            article = dataclasses.replace(article, published=None)
        if article.title in (BUDGET_2022, BRIDGE_LATIN):
            article = dataclasses.replace(article, views=None)
        changed.append(article)
    index = Index.create(tmp_path_factory.mktemp("undated") / "index")
    index.add_many(changed)
    yield index
    index.close()


def test_articles_without_a_date_or_views_come_last_either_way(undated: Index) -> None:
    def order(sort: str) -> list[str]:
        return titles(undated.search("бюджет", sort=sort))

    dated = [t for t in BUDGET_OLDEST_FIRST if t not in (BUDGET_2019, BUDGET_RU)]
    assert order("date:asc")[:5] == dated and order("date:desc")[:5] == dated[::-1]
    assert set(order("date:asc")[5:]) == set(order("date:desc")[5:]) == {BUDGET_2019,
                                                                         BUDGET_RU}
    counted = [t for t in BUDGET_LEAST_READ_FIRST if t not in (BUDGET_2022, BRIDGE_LATIN)]
    assert order("views:asc")[:5] == counted and order("views:desc")[:5] == counted[::-1]
    assert set(order("views:asc")[5:]) == {BUDGET_2022, BRIDGE_LATIN}


@pytest.mark.parametrize("sort", ["-date", "+views", "oldest", "date:up", "", "score"])
def test_a_bad_sort_value_is_refused_with_the_accepted_ones(sample_index, sort: str) -> None:
    with pytest.raises(QueryError) as error:
        sample_index.search("бюджет", sort=sort)
    message = str(error.value)
    assert all(value in message for value in SORTS)
    if sort.lstrip("+-") in ("date", "views"):
        assert f"write {sort.lstrip('+-')}:desc" in message


# -- the language facet --------------------------------------------------------------------


def corpus_languages() -> dict[str, int]:
    """Counted from the files: 044-050 are the Russian ones (``NNN-ru-*.txt``)."""
    pages = sorted(SAMPLE.glob("[0-9][0-9][0-9]-*.txt"))
    russian = sum(1 for page in pages if page.name[3:7] == "-ru-")
    return {"kk": len(pages) - russian, "ru": russian}


def test_the_language_facet_counts_the_corpus(sample_index) -> None:
    assert corpus_languages() == {"kk": 44, "ru": 7}
    everything = sample_index.search("NOT zzzz", per_page=1)
    assert everything.facets["lang"] == corpus_languages()
    assert list(everything.facets["lang"]) == ["kk", "ru"]  # most frequent first


def test_the_language_facet_counts_the_match_set(sample_index) -> None:
    budget = sample_index.search("бюджет", per_page=1)  # 044 is the Russian one
    assert budget.facets["lang"] == {"kk": 6, "ru": 1}
    schools = sample_index.search("школы", rubric="Общество", per_page=1)  # 047, 049
    assert schools.facets["lang"] == {"ru": 2}


def test_an_index_whose_sidecars_predate_the_language_column(tmp_path: Path) -> None:
    """Sidecar column files written without the language codes (as kzsearch wrote them
    before) are still used; the codes are read from the segment's ``lang`` postings."""
    path = tmp_path / "index"
    with Index.create(path) as index:
        index.add_many(list(read_articles(SAMPLE))[:30])
        index.add_many(list(read_articles(SAMPLE))[30:])
        reader = index._ix.reader()
        try:
            for leaf, _ in reader.leaf_readers():
                segment = leaf.segment()
                columns = columns_of(leaf)
                names = {k: v for k, v in columns.pop("names").items() if k != "lang"}
                del columns["codes_lang"]
                sidecars.write(path, sidecars._origin(segment), "cols", columns,
                               {"names": names}, sidecars._segment_files(path, segment.segid))
        finally:
            reader.close()
    sidecars.counts.clear()
    with Index.open(path) as reopened:
        facets = reopened.search("NOT zzzz", per_page=1).facets
    assert facets["lang"] == corpus_languages()
    assert sidecars.counts["cols read"] == sidecars.counts["cols completed"] == 2
    assert "cols built" not in sidecars.counts


# -- documentation and the command line ----------------------------------------------------


def test_help_of_search_documents_every_parameter_value_and_error() -> None:
    doc = inspect.getdoc(Index.search) or ""
    for name in inspect.signature(Index.search).parameters:
        if name != "self":
            assert f"``{name}``" in doc, name
    for value in (*SORTS, *SORT_ALIASES):
        assert f'``"{value}"``' in doc, value
    forms = ('"2024-05-17"', '"20240517"', '"2024-05"', '"2024"', "datetime.date",
             "datetime.datetime")
    for form in forms:
        assert form in doc, form
    for error in ("QueryError", "IndexClosedError", "IndexNotFoundError",
                  "UntrustedIndexError", "IndexDamagedError"):
        assert error in doc, error
    assert '"lang"' in doc


def test_the_cli_sort_choices_are_the_library_values() -> None:
    from kzsearch import cli

    assert set(cli.SORT_CHOICES) == {*SORTS, *SORT_ALIASES}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from kzsearch.cli import main

    path = tmp_path_factory.mktemp("cli") / "news"
    result = CliRunner().invoke(main, ["index", "build", str(SAMPLE), "--index", str(path)])
    assert result.exit_code == 0, result.output
    return path


def cli_search(built: Path, *args: str) -> str:
    from click.testing import CliRunner

    from kzsearch.cli import main

    result = CliRunner().invoke(main, ["search", *args, "--index", str(built)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_cli_sorts_oldest_first_and_marks_titles(built: Path) -> None:
    out = cli_search(built, "бюджет", "--sort", "date:asc")
    heads = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert [line.split("·", 1)[1].strip() for line in heads] == [
        LIBRARY_BOOKS,  # бюджет is in its body
        "Үкімет 2020-2022 жылдарға арналған республикалық [бюджет] жобасын мақұлдады",
        HOSPITAL,
        "Мәжіліс республикалық [бюджетке] түзетулерді мақұлдады",
        "Мажилис одобрил республиканский [бюджет] на 2024–2026 годы",
        "2025 жылғы [бюджет]: мемлекет тиімсіз шығыстарды қысқартады",
        BRIDGE_LATIN,  # "biudjetten" is in its body, not its title
    ]
    assert heads[0].startswith("  1. 2019-01-25")


def test_cli_sort_views_ascending_and_json_highlights(built: Path) -> None:
    lines = cli_search(built, "бюджет", "--sort", "views:asc", "--jsonl").splitlines()
    hits = [json.loads(line) for line in lines[:-1]]
    assert [hit["views"] for hit in hits] == [730, 2967, 3418, 3905, 4512, 7905, 12430]
    assert hits[-1]["title_html"] == (
        "Мәжіліс республикалық <mark>бюджетке</mark> түзетулерді мақұлдады")
    assert hits[0]["matched_terms"] == ["бюджет"]


def test_cli_refuses_an_unknown_sort(built: Path) -> None:
    from click.testing import CliRunner

    from kzsearch.cli import main

    result = CliRunner().invoke(main, ["search", "бюджет", "--sort", "-date",
                                       "--index", str(built)])
    assert result.exit_code == 2 and "date:asc" in result.output
