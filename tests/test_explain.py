"""search(..., explain=True): each hit's explanation names the article's real index terms
and adds up to its score. Article numbers refer to ``kzsearch/data/sample/NNN-*.txt``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kzsearch import analyze
from kzsearch.search.explain import Explanation, Part, TermScore

BUDGET_2019 = "Үкімет 2020-2022 жылдарға арналған республикалық бюджет жобасын мақұлдады"
BUDGET_2025 = "2025 жылғы бюджет: мемлекет тиімсіз шығыстарды қысқартады"  # 003
UN_2021 = "Қазақстан БҰҰ-ға ядролық қарусыздану жөнінде жаңа бастамалар ұсынды"  # 007
COMFORT_SCHOOLS = "«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп салынады"
SHYMKENT_SCHOOLS_RU = "В Шымкенте до конца года откроют новые школы"

QUERIES = [
    ("мемлекеттердің", {}),  # an inflected Kazakh word
    ("мемлекеттердин", {}),  # typed without Kazakh letters (і → и)
    ("qazaqstan", {}),  # Latin script
    ('"жайлы мектеп"', {}),  # a phrase
    ("бюджет мемлекет", {"recency": 0.5, "rubric_boost": {"Экономика": 1.5}}),
    ("бюджет AND мемлекет", {}),
    ("футбол -Данияны", {"recency": 0.3}),
]


def by_title(results, title):
    return next(hit for hit in results.hits if hit.title == title)


def word_parts(part: Part) -> list[Part]:
    found = [part] if part.kind == "word" else []
    for child in part.parts:
        found += word_parts(child)
    return found


def term(part: Part, found_by: str) -> TermScore:
    return next(t for t in part.terms if t.found_by == found_by)


def assert_adds_up(part: Part) -> None:
    """Every node is its boost times its parts' sum; every term its fields' sum."""
    for item in part.terms:
        assert sum(f.score for f in item.fields) == pytest.approx(item.score, rel=1e-9)
    if part.kind == "but not":
        assert part.score == pytest.approx(part.parts[0].score)
    elif part.kind not in ("not", "rubric"):
        inner = sum(t.score for t in part.terms) + sum(p.score for p in part.parts)
        assert part.score == pytest.approx(part.boost * inner, rel=1e-9)
    for child in part.parts:
        assert_adds_up(child)


@pytest.mark.parametrize(("query", "options"), QUERIES)
def test_the_parts_add_up_to_the_score(sample_index, query, options) -> None:
    results = sample_index.search(query, explain=True, per_page=10, **options)
    assert results.hits
    for hit in results.hits:
        why = hit.explanation
        assert isinstance(why, Explanation)
        assert why.query.matched
        assert_adds_up(why.query)
        assert why.relevance == pytest.approx(why.query.score, rel=1e-9)
        product = why.relevance * why.recency * why.rubric_boost
        assert why.score == pytest.approx(product, rel=1e-9)
        assert why.score == pytest.approx(hit.score, abs=1e-4)  # Hit.score has 4 decimals


def test_an_inflected_word_names_the_articles_own_terms(sample_index) -> None:
    """003's title has «мемлекет», its body «Мемлекетіміздің» and «мемлекеттік»
    («квазимемлекеттік» begins otherwise): the stem мемлекет once in each field, and
    the prefix class мемле… twice in the body through its two members."""
    hit = by_title(sample_index.search("мемлекеттердің", explain=True, per_page=20),
                   BUDGET_2025)
    (word,) = word_parts(hit.explanation.query)
    assert word.text == "мемлекеттердің"
    stem = term(word, "stem")
    assert stem.terms == ("мемлекет",)
    assert {f.field: f.frequency for f in stem.fields} == {"title": 1, "body": 1}
    assert stem.fields[0].field_weight == 2.0  # a headline word counts twice
    prefix = term(word, "prefix")
    assert prefix.prefix == "мемле"
    assert set(prefix.terms) == {"мемлекет", "мемлекеттік"}
    assert {f.field: f.frequency for f in prefix.fields} == {"title": 1, "body": 2}
    assert prefix.documents > stem.documents  # the class is in more articles: lower idf
    assert prefix.idf < stem.idf


def test_a_latin_word_is_found_by_its_cyrillic_transliteration(sample_index) -> None:
    """007 has Қазақстан in its title and three times in its body (Қазақстан,
    Қазақстанның twice), and қазақстандық once: the class қазақ… counts four."""
    hit = by_title(sample_index.search("qazaqstan", explain=True, per_page=30), UN_2021)
    (word,) = word_parts(hit.explanation.query)
    latin = term(word, "latin")
    assert latin.terms == ("қазақстан",)
    assert {f.field: f.frequency for f in latin.fields} == {"title": 1, "body": 3}
    prefix = term(word, "prefix")
    assert set(prefix.terms) == {"қазақстан", "қазақстандық"}
    assert {f.field: f.frequency for f in prefix.fields} == {"title": 1, "body": 4}


def test_a_word_typed_without_kazakh_letters_is_a_folded_look_up(sample_index) -> None:
    hit = by_title(sample_index.search("мемлекеттердин", explain=True, per_page=20),
                   BUDGET_2025)
    (word,) = word_parts(hit.explanation.query)
    folded = term(word, "folded")
    assert folded.terms == ("мемлекет",)
    assert folded.weight == pytest.approx(0.8)
    exact = by_title(sample_index.search("мемлекеттердің", explain=True, per_page=20),
                     BUDGET_2025)
    stem = term(word_parts(exact.explanation.query)[0], "stem")
    assert folded.score == pytest.approx(0.8 * stem.score, rel=1e-9)


def test_a_russian_word_is_found_by_its_lemma(sample_index) -> None:
    hit = by_title(sample_index.search("школы", explain=True), SHYMKENT_SCHOOLS_RU)
    (word,) = word_parts(hit.explanation.query)
    assert [t.terms for t in word.terms] == [("школа",)]


def test_a_phrase_is_scored_by_its_words_in_each_field(sample_index) -> None:
    (hit,) = sample_index.search('"жайлы мектеп"', explain=True).hits
    assert hit.title == COMFORT_SCHOOLS
    phrases = hit.explanation.query.parts
    assert [(p.kind, p.fields, p.matched) for p in phrases] == [
        ("phrase", ("title",), True), ("phrase", ("body",), True)]
    title = phrases[0]
    assert title.text == "жайлы мектеп"
    # «Жайлы мектеп» жобасы: ... жаңа мектеп салынады: мектеп twice in the title
    assert {t.terms[0]: t.fields[0].frequency for t in title.terms} == {"жайлы": 1,
                                                                        "мектеп": 2}


def test_recency_and_rubric_are_factors_of_the_article(sample_index) -> None:
    options = {"recency": 0.5, "rubric_boost": {"экономика": 1.5}}
    results = sample_index.search("бюджет", explain=True, **options)
    newest = by_title(results, BUDGET_2025)  # 9 October 2024, the newest budget article
    older = by_title(results, BUDGET_2019)
    assert newest.explanation.rubric_boost == 1.5  # both in Экономика
    assert older.explanation.rubric_boost == 1.5
    assert 0.5 < older.explanation.recency < newest.explanation.recency <= 1.0
    plain = by_title(sample_index.search("бюджет", explain=True), BUDGET_2019)
    assert (plain.explanation.recency, plain.explanation.rubric_boost) == (1.0, 1.0)
    assert older.explanation.relevance == pytest.approx(plain.explanation.relevance)


def test_an_excluded_word_is_shown_unmatched(sample_index) -> None:
    for hit in sample_index.search("футбол -Данияны", explain=True).hits:
        kept, excluded = hit.explanation.query.parts
        assert hit.explanation.query.kind == "but not"
        assert kept.matched and not excluded.matched
        assert excluded.text == "данияны"


@pytest.mark.parametrize("query", ["мемлекеттердің", "qazaqstan", "бюджет мемлекет",
                                   "мектеп кітап", '"жайлы мектеп"'])
def test_every_named_term_is_in_the_article(sample_index, query) -> None:
    """The terms an explanation names are the article's: its analysed text has them."""
    for hit in sample_index.search(query, explain=True, per_page=20).hits:
        terms = set(analyze(hit.title)) | set(analyze(hit.body))
        for word in word_parts(hit.explanation.query):
            for item in word.terms:
                assert item.terms and set(item.terms) <= terms, (hit.title, item.terms)


@pytest.mark.parametrize(("query", "options"), QUERIES)
def test_explain_off_costs_nothing_and_changes_no_ranking(sample_index, query,
                                                          options) -> None:
    plain = sample_index.search(query, per_page=20, **options)
    explained = sample_index.search(query, per_page=20, explain=True, **options)
    assert all(hit.explanation is None for hit in plain.hits)
    assert [(h.id, h.score) for h in plain.hits] == [(h.id, h.score) for h in explained.hits]
    assert plain.total == explained.total
    assert plain.facets == explained.facets


def test_describe_and_as_dict(sample_index) -> None:
    hit = by_title(sample_index.search("мемлекеттердің", explain=True), BUDGET_2025)
    text = str(hit.explanation)
    assert text.splitlines()[0].startswith(f"{hit.score:.4f} = relevance")
    assert "«мемлекеттердің»" in text
    assert "мемле… [мемлекет, мемлекеттік]" in text
    data = json.loads(json.dumps(hit.explanation.as_dict(), ensure_ascii=False))
    assert data["score"] == pytest.approx(hit.score, abs=1e-4)
    word = data["query"]
    assert word["kind"] == "word"
    assert [t["found_by"] for t in word["terms"]] == ["stem", "prefix"]
    assert word["terms"][0]["fields"][0] == {
        "field": "title", "frequency": 1.0, "field_weight": 2.0,
        "length_norm": pytest.approx(word["terms"][0]["fields"][0]["length_norm"]),
        "score": pytest.approx(word["terms"][0]["fields"][0]["score"])}


def test_cli_explain(sample_index) -> None:
    from kzsearch.cli import main

    runner = CliRunner()
    args = ["search", "qazaqstan", "--index", str(sample_index.path), "--limit", "2"]
    shown = runner.invoke(main, [*args, "--explain"])
    assert shown.exit_code == 0, shown.output
    assert "relevance" in shown.output
    assert "қазақстан  (latin" in shown.output
    assert "relevance" not in runner.invoke(main, args).output
    first = json.loads(runner.invoke(main, [*args, "--explain", "--json"]).output)["hits"][0]
    assert first["explanation"]["score"] == pytest.approx(first["score"], abs=1e-4)
    plain = json.loads(runner.invoke(main, [*args, "--json"]).output)["hits"][0]
    assert "explanation" not in plain


def test_an_index_of_several_segments_with_deletions_adds_up(sample_index, tmp_path) -> None:
    """Frequencies are read from the hit's own segment, document counts from all the
    live ones: three commits, two articles deleted, and the sums still hold."""
    from kzsearch import Index, read_articles, sample_corpus_path

    articles = list(read_articles(sample_corpus_path()))
    index = Index.create(tmp_path / "index")
    for start in (0, 20, 40):
        index.add_many(articles[start:start + 20])
    deleted = [articles[2], articles[25]]  # 003 (BUDGET_2025) among them
    index.delete([article.id for article in deleted])
    assert len(index._current_snapshot().scorer.leaves) > 1
    results = index.search("мемлекеттердің", explain=True, per_page=20, recency=0.4)
    assert results.hits and BUDGET_2025 not in [hit.title for hit in results.hits]
    for hit in results.hits:
        assert hit.explanation.score == pytest.approx(hit.score, abs=1e-4)
    gone = sum("мемлекет" in set(analyze(a.title)) | set(analyze(a.body)) for a in deleted)
    assert gone >= 1

    def stem_documents(found):
        hit = by_title(found, UN_2021)
        return term(word_parts(hit.explanation.query)[0], "stem").documents

    everything = sample_index.search("мемлекеттердің", explain=True, per_page=20)
    assert stem_documents(results) == stem_documents(everything) - gone
