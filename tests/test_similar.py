"""Articles by id (``Index.get``, ``kzsearch show``) and related articles (``Index.similar``,
``kzsearch similar``) on the bundled sample corpus.

The related pairs below were written out after reading the sample pages: each article's
nearest neighbour is the one other article of the sample on the same subject.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kzsearch import Article, ArticleNotFoundError, Index, read_articles, sample_corpus_path
from kzsearch.cli import main

SAMPLE = sample_corpus_path()

# page prefix -> the page of the sample's other article on the same subject
RELATED = {
    "001": "002",  # the 2020-2022 budget -> the Mazhilis' amendments to the budget
    "002": "001",
    "003": "001",  # the 2025 budget's priorities -> the 2020-2022 budget
    "004": "005",  # the 2019 presidential election -> the 2023 Mazhilis election
    "005": "004",
    "016": "017",  # Lake Balkhash's falling level -> water back in the Small Aral
    "017": "016",
    "020": "024",  # ENT scores and grants -> more university grants
    "024": "020",
    "032": "033",  # Tokyo Olympic medals -> youth boxers' Asian gold
    "033": "032",
    "014": "041",  # heavy snow in Almaty -> a heatwave in the west (forecasters' warnings)
    "041": "014",
    "047": "049",  # (Russian) Astana schools shut by frost -> new schools in Shymkent
    "049": "047",
}


def page(prefix: str) -> Article:
    """The article of sample page ``prefix-*.txt``."""
    (path,) = SAMPLE.glob(f"{prefix}-*.txt")
    return next(iter(read_articles(path)))


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="kzsearch")


def json_output(stdout: str) -> tuple[list[dict], dict]:
    """Hits and the rest of ``--json``'s one object (``hits`` beside the summary's keys)."""
    found = json.loads(stdout)
    return found["hits"], found


# -- Index.get ---------------------------------------------------------------------------


def test_get_returns_the_article_with_every_field(sample_index: Index) -> None:
    expected = page("001")
    found = sample_index.get(expected.id)
    assert found == expected  # title, body, rubric, date, views, reading time, url, lang
    assert found is not None
    assert found.rubric == "Экономика" and found.published == dt.date(2019, 8, 28)
    assert found.views == 3418 and found.read_minutes == 3


def test_get_normalises_the_id_as_ingest_does(sample_index: Index) -> None:
    article = page("036")
    assert sample_index.get(f"  {article.id}\u200b\n") == article


def test_get_unknown_or_blank_id_is_none(sample_index: Index) -> None:
    assert sample_index.get("no-such-article") is None
    assert sample_index.get("   ") is None
    with pytest.raises(TypeError):
        sample_index.get(["a list"])  # type: ignore[arg-type]


@pytest.fixture
def own_ids(tmp_path: Path) -> Index:
    """An index of articles whose ids need normalising: spaces, NFD letters, a number."""
    index = Index.create(tmp_path / "own")
    index.add_many([
        Article(id="ҚР\u00a0 2024 /\t17", title="Астана әуежайы", body="Жаңа терминал ашылды."),
        Article(id="Айдын-й", title="Ертіс", body="Өзен тасыды."),
        Article(id="17", title="Жүк пойызы", body="Шымкенттен Ташкентке жүк пойызы шықты."),
    ])
    return index


def test_get_finds_ids_typed_with_other_spaces_and_forms(own_ids: Index) -> None:
    found = own_ids.get("ҚР 2024 / 17")
    assert found is not None and found.title == "Астана әуежайы"
    assert found.id == "ҚР 2024 / 17"
    decomposed = unicodedata.normalize("NFD", "Айдын-й")  # й as и and a combining breve
    assert decomposed != "Айдын-й"
    found = own_ids.get(decomposed)
    assert found is not None and found.title == "Ертіс"
    number = own_ids.get(17)  # type: ignore[arg-type]  # a JSON number, as ingest reads it
    assert number is not None and number.title == "Жүк пойызы"


def test_get_sees_upserts_and_deletions(own_ids: Index) -> None:
    own_ids.add_many([Article(id="17", title="Жүк пойызы кешікті", body="Пойыз кешікті.")])
    updated = own_ids.get("17")
    assert updated is not None and updated.title == "Жүк пойызы кешікті"
    assert own_ids.delete(["17"]) == 1
    assert own_ids.get("17") is None
    with pytest.raises(ArticleNotFoundError):
        own_ids.similar("17")


# -- Index.similar -----------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "related"), sorted(RELATED.items()))
def test_the_nearest_article_shares_the_subject(sample_index: Index, prefix: str,
                                                related: str) -> None:
    results = sample_index.similar(page(prefix).id, per_page=3)
    assert results.hits[0].id == page(related).id, [h.title for h in results.hits]


def test_similar_never_lists_the_article_itself(sample_index: Index) -> None:
    articles = list(read_articles(SAMPLE))
    for article in articles:
        results = sample_index.similar(article.id, per_page=len(articles))
        ids = [hit.id for hit in results.hits]
        assert article.id not in ids
        assert len(ids) == results.total <= len(articles) - 1
        scores = [hit.score for hit in results.hits]
        assert scores == sorted(scores, reverse=True)


def test_similar_query_is_the_articles_distinctive_terms(sample_index: Index) -> None:
    results = sample_index.similar(page("016").id)  # Балқаш көлінің деңгейі төмендеп барады
    terms = results.query.split()
    assert "көл" in terms[:3] and "балық" in terms[:5]
    assert not {"және", "мен", "бұл"} & set(terms)  # stopwords carry no subject
    assert "көл" in results.hits[0].matched_terms  # the snippet marks the lake


def test_similar_respects_the_rubric_filter(sample_index: Index) -> None:
    budget = page("001").id
    results = sample_index.similar(budget, rubric="Саясат", per_page=20)
    assert results.hits and {hit.rubric for hit in results.hits} == {"Саясат"}
    assert results.facets["rubric"] == {"Саясат": results.total}
    russian_alias = sample_index.similar(budget, rubric="Политика", per_page=20)
    assert [h.id for h in russian_alias.hits] == [h.id for h in results.hits]


def test_similar_respects_the_date_filters(sample_index: Index) -> None:
    budget = page("001").id  # its nearest, the 2022 amendments, is before 2023
    results = sample_index.similar(budget, since="2023-01-01", per_page=50)
    assert results.hits[0].id == page("003").id  # the 2025 budget (published 2024)
    assert all(hit.published and hit.published >= dt.date(2023, 1, 1) for hit in results.hits)
    assert set(results.facets["year"]) <= {"2023", "2024", "2025"}
    older = sample_index.similar(budget, until=dt.date(2019, 12, 31), per_page=50)
    assert all(hit.published and hit.published.year <= 2019 for hit in older.hits)
    assert page("002").id not in {hit.id for hit in older.hits}


def test_similar_totals_and_facets_cover_every_match(sample_index: Index) -> None:
    results = sample_index.similar(page("030").id, per_page=2)
    assert len(results.hits) == 2 and results.total > 2
    assert sum(results.facets["rubric"].values()) == results.total
    assert sum(results.facets["year"].values()) == results.total


def test_similar_of_an_unknown_id_raises_a_key_error(sample_index: Index) -> None:
    with pytest.raises(ArticleNotFoundError) as raised:
        sample_index.similar(" no-such-article ")
    assert isinstance(raised.value, KeyError)
    assert raised.value.id == "no-such-article"
    assert str(raised.value).startswith("no article with id 'no-such-article' in the index")


def test_similar_normalises_the_id(sample_index: Index) -> None:
    article = page("016")
    plain = sample_index.similar(article.id)
    spaced = sample_index.similar(f"\u200b{article.id} ")
    assert [h.id for h in spaced.hits] == [h.id for h in plain.hits]


def test_similar_checks_per_page(sample_index: Index) -> None:
    from kzsearch import QueryError

    with pytest.raises(QueryError):
        sample_index.similar(page("016").id, per_page=0)


# -- the command line --------------------------------------------------------------------


def test_cli_show_prints_the_article(sample_index: Index) -> None:
    article = page("016")
    result = run("show", article.id, "--index", sample_index.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == article.title
    assert "2021-07-23" in result.stdout and article.id in result.stdout
    assert article.body.splitlines()[0] in result.stdout


def test_cli_show_json_reads_back_as_the_article(sample_index: Index) -> None:
    article = page("044")
    result = run("show", f" {article.id}", "--index", sample_index.path, "--json")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    data = json.loads(line)
    assert data["title"] == "Мажилис одобрил республиканский бюджет на 2024–2026 годы"
    assert data["published"] == "2023-11-23"
    assert Article(**{**data, "published": dt.date.fromisoformat(data["published"])}) == article


def test_cli_show_and_similar_of_an_unknown_id_exit_2(sample_index: Index) -> None:
    for command in ("show", "similar"):
        result = run(command, "no-such-article", "--index", sample_index.path)
        assert result.exit_code == 2, result.output
        assert "no article with id 'no-such-article'" in result.stderr
        assert "Traceback" not in result.output


def test_cli_similar_lists_related_articles(sample_index: Index) -> None:
    result = run("similar", page("017").id, "--index", sample_index.path, "--limit", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("related by: ")
    shown = result.stdout.replace("[", "").replace("]", "")  # matched title words are marked
    assert "Балқаш көлінің деңгейі төмендеп барады" in shown


def test_cli_similar_json_with_filters(sample_index: Index) -> None:
    budget = page("001")
    result = run("similar", budget.id, "--index", sample_index.path, "--json",
                 "--since", "2023-01-01", "--rubric", "Экономика", "--limit", "3")
    assert result.exit_code == 0, result.output
    hits, summary = json_output(result.stdout)
    assert hits[0]["id"] == page("003").id
    assert budget.id not in {hit["id"] for hit in hits}
    assert {hit["rubric"] for hit in hits} == {"Экономика"}
    assert all(hit["published"] >= "2023-01-01" for hit in hits)
    assert summary["facets"]["rubric"] == {"Экономика": summary["total"]}


def test_cli_help_names_show_and_similar() -> None:
    listing = run("--help")
    assert "kzsearch show ID" in listing.stdout and "kzsearch similar ID" in listing.stdout
    for command in ("show", "similar"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "exits with code 2" in result.stdout


def test_document_frequencies_in_bulk_are_the_vocabularys(sample_index: Index) -> None:
    from kzsearch.analysis import index_terms
    from kzsearch.search.similar import document_frequencies
    from kzsearch.search.vocabulary import TableVocabulary, Vocabulary

    snapshot = sample_index._current_snapshot()
    assert isinstance(snapshot.vocabulary, TableVocabulary)  # the bulk path is tested
    article = page("016")
    terms = sorted(set(index_terms(article.title + " " + article.body))) + ["жоқсөзсөз"]
    bulk = document_frequencies(snapshot.vocabulary, terms)
    assert bulk == [snapshot.vocabulary.frequency(term) for term in terms]
    whole = Vocabulary.from_reader(snapshot.reader)
    assert bulk == [whole.frequency(term) for term in terms]
    assert bulk[-1] == 0 and max(bulk) > 2
