"""Match modes (``search(match="any" | "all" | "auto")``) on the bundled sample corpus.

Expected hits were read off the articles (``kzsearch/data/sample/NNN-*.txt``). The word
мектеп stands, in some form (мектеп, мектепте, мектептерде, мектептерінде, …), in 012,
014, 018, 020, 021, 022, 023, 025, 026, 028, 035 and 040; кітап (кітап, кітаптар,
кітаптардың; кітапхана, кітапханалар through the prefix class кітап…) in 012, 021, 023,
036 and 040.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzsearch import QueryError, read_articles, sample_corpus_path
from kzsearch.cli import main
from kzsearch.search.query import AUTO_BEST, minimum_should_match

INTERNET = "Ауылдарға жоғары жылдамдықты интернет жеткізіледі"  # 012
COMFORT_SCHOOLS = "«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп салынады"  # 021
LIBRARY_BOOKS = "Мектеп кітапханаларына 500 мың жаңа кітап жеткізілді"  # 023
RARE_BOOKS = "Ұлттық кітапханада сирек кітаптар көрмесі ашылды"  # 040
ABAI = "Абайдың 175 жылдығы: ұлы ақынның мұрасы жаңаша насихатталады"  # 036
SNOW = "Алматыға қалың қар жауады: синоптиктер ескерту жасады"  # 014
KINDERGARTENS = "Астанада жаңа балабақшалар ашылды"  # 018
ENT = "ҰБТ-да 140 балдан жоғары нәтиже көрсеткен түлектер саны артты"  # 020
ROBOTICS = "Ауыл мектептерінде робототехника үйірмелері ашылды"  # 022
DICTIONARY = "Қазақ тілінің жаңа орфографиялық сөздігі жарық көрді"  # 025
COVID = "Елімізде төтенше жағдай режимі енгізілді: Нұр-Сұлтан мен Алматыда карантин"  # 026
FLU = "Маусымдық тұмауға қарсы екпе науқаны басталды"  # 028
CHESS = "Алматыда шахматтан халықаралық турнир өтті"  # 035

SCHOOL = {INTERNET, SNOW, KINDERGARTENS, ENT, COMFORT_SCHOOLS, ROBOTICS, LIBRARY_BOOKS,
          DICTIONARY, COVID, FLU, CHESS, RARE_BOOKS}
BOOK = {INTERNET, COMFORT_SCHOOLS, LIBRARY_BOOKS, ABAI, RARE_BOOKS}
BOTH = {INTERNET, COMFORT_SCHOOLS, LIBRARY_BOOKS, RARE_BOOKS}
QUERY = "мектептердегі кітаптар"  # neither word in the form any article has it


def titles(results) -> set[str]:
    return {hit.title for hit in results.hits}


def everything(index, query: str, match: str, **kwargs):
    return index.search(query, match=match, per_page=100, **kwargs)


def test_all_requires_both_words_in_some_form(sample_index) -> None:
    results = everything(sample_index, QUERY, "all")
    assert titles(results) == BOTH
    assert results.total == len(BOTH)


def test_any_finds_either_word(sample_index) -> None:
    results = everything(sample_index, QUERY, "any")
    assert titles(results) == SCHOOL | BOOK
    assert results.total == 13


def test_auto_is_all_plus_the_best_matches_of_any(sample_index) -> None:
    any_ = everything(sample_index, QUERY, "any")
    auto = everything(sample_index, QUERY, "auto")
    assert titles(any_) >= titles(auto) >= BOTH
    best = [hit.title for hit in any_.hits[:AUTO_BEST]]
    assert titles(auto) == BOTH | set(best)
    assert auto.total == 10 < any_.total  # the four with both are among the ten best
    # ranked as any ranks them: its first page is any's
    first = sample_index.search(QUERY, match="auto")
    assert [h.id for h in first.hits] == [h.id for h in any_.hits[:10]]


def test_auto_requires_both_of_two_words_once_enough_match(sample_index) -> None:
    # the 10 best of "any" always; beyond them only the articles with both words
    any_ = everything(sample_index, "мектептердегі жоспарлар", "any")
    auto = everything(sample_index, "мектептердегі жоспарлар", "auto")
    both = titles(everything(sample_index, "мектептердегі жоспарлар", "all"))
    assert both == {INTERNET, KINDERGARTENS, COMFORT_SCHOOLS, CHESS}
    assert titles(auto) == both | {hit.title for hit in any_.hits[:AUTO_BEST]}
    assert auto.total < any_.total


@pytest.mark.parametrize("match", ["any", "all", "auto"])
def test_totals_and_facets_agree_with_the_hits(sample_index, match: str) -> None:
    results = everything(sample_index, QUERY, match)
    assert results.total == len(results.hits)
    assert results.facets["rubric"] == dict(Counter(hit.rubric for hit in results.hits))
    years = Counter(str(hit.published.year) for hit in results.hits if hit.published)
    assert results.facets["year"] == dict(years)


def test_auto_keeps_the_best_matches_within_the_filters(sample_index) -> None:
    """The ten best are the best of the filtered articles: 026 ranks 12th of all the
    articles with either word, out of the ten best, but 2nd of the Денсаулық ones."""
    auto = everything(sample_index, QUERY, "auto", rubric="Денсаулық")
    assert titles(auto) == {FLU, COVID}
    assert everything(sample_index, QUERY, "all", rubric="Денсаулық").total == 0


def test_stopwords_are_not_required(sample_index) -> None:
    # туралы stands in 021 only of the four articles with both words
    assert titles(everything(sample_index, "мектептер туралы кітаптар", "all")) == BOTH


def test_explicit_or_keeps_its_meaning_under_all(sample_index) -> None:
    assert titles(everything(sample_index, "мектептердегі OR кітаптар", "all")) == SCHOOL | BOOK
    # мектеп and (кітап or жоспар): жоспар… stands in 012, 018, 021 and 035 of the мектеп ones
    grouped = everything(sample_index, "мектептердегі (кітаптар OR жоспар)", "all")
    assert titles(grouped) == BOTH | {KINDERGARTENS, CHESS}


def test_explicit_operators_and_exclusions_under_auto(sample_index) -> None:
    anded = everything(sample_index, "мектептердегі AND кітаптар", "auto")
    assert titles(anded) == BOTH
    excluded = everything(sample_index, "мектептердегі кітаптар -кітапханалар", "all")
    assert excluded.total == 0  # each of the four has a кітапхана form


def test_auto_keeps_the_best_matches_left_after_exclusions(sample_index) -> None:
    """The ten best are chosen among the articles the minus leaves (nine here, so all of
    them), not among all and then excluded (which left six)."""
    query = "мектептердегі кітаптар -кітапханалар"
    any_ = everything(sample_index, query, "any")
    assert titles(any_) == (SCHOOL | BOOK) - BOTH
    assert titles(everything(sample_index, query, "auto")) == titles(any_)


def test_plus_requires_its_word(sample_index) -> None:
    """``+кітаптар мектептердегі``: only articles with кітап (the plus was ignored: it
    found every article with either word)."""
    results = everything(sample_index, "+кітаптар мектептердегі", "any")
    assert titles(results) == BOOK
    assert results.hits[0].title == LIBRARY_BOOKS  # both words, in the title too
    assert titles(everything(sample_index, "+кітаптар мектептердегі", "all")) == BOTH
    # туралы (in 021 only) is a stopword: not required under all either
    assert titles(everything(sample_index, "+кітаптар туралы", "all")) == BOOK


@pytest.mark.parametrize("match", ["", "ALL", "or", None])
def test_a_bad_match_value_names_the_allowed_ones(sample_index, match) -> None:
    with pytest.raises(QueryError, match="any, all, auto") as raised:
        sample_index.search(QUERY, match=match)
    assert isinstance(raised.value, ValueError)


def test_minimum_should_match() -> None:
    assert [minimum_should_match(n) for n in range(1, 11)] == [1, 2, 3, 3, 4, 3, 4, 4, 5, 5]


def test_cli_match_option(tmp_path: Path) -> None:
    runner = CliRunner()
    index = tmp_path / "ix"
    built = runner.invoke(main, ["index", "build", str(sample_corpus_path()), "--index",
                                 str(index)])
    assert built.exit_code == 0, built.output
    ids = {a.title: a.id for a in read_articles(sample_corpus_path())}
    found = runner.invoke(main, ["search", QUERY, "--index", str(index), "--match", "all",
                                 "--json"])
    assert found.exit_code == 0, found.output
    assert {ids[title] for title in BOTH} == {
        line.split('"id": "')[1].split('"')[0]
        for line in found.stdout.splitlines() if '"id": "' in line}
    wrong = runner.invoke(main, ["search", QUERY, "--index", str(index), "--match", "some"])
    assert wrong.exit_code == 2 and "any" in wrong.output
