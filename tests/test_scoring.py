"""The numpy scorer against Whoosh's own readers and matchers, on the sample corpus.

The index here has two segments and a deleted article, so document numbers are
offset per segment and some postings belong to nobody: the arrays must agree with
what Whoosh's public API says about every term, length, column and phrase.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.searching import Searcher

from kzsearch.search import arrays
from kzsearch.search.ranking import BM25_K1, FIELD_B, FIELD_WEIGHTS


@pytest.fixture(scope="module")
def split_index(tmp_path_factory: pytest.TempPathFactory):
    """The sample corpus in two commits (two segments), with one article deleted."""
    from kzsearch import Index, read_articles, sample_corpus_path

    articles = list(read_articles(sample_corpus_path()))
    index = Index.create(tmp_path_factory.mktemp("split") / "index")
    index.add_many(articles[:30])
    index.add_many(articles[30:])
    index.delete([articles[3].id])
    snapshot = index._current_snapshot()
    assert len(snapshot.reader.leaf_readers()) == 2
    return index, snapshot


def whoosh_postings(reader, field: str, term: str) -> dict[int, float]:
    matcher = reader.postings(field, term)
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.weight()
        matcher.next()
    return found


def test_postings_arrays_equal_whoosh_matchers_for_every_term(split_index) -> None:
    _, snapshot = split_index
    reader, scorer = snapshot.reader, snapshot.scorer
    checked = 0
    for field in ("title", "body"):
        for raw in reader.lexicon(field):
            term = raw.decode("utf-8")
            ids, tfs = arrays.postings(reader, field, term)
            live = scorer.live[ids]  # Whoosh's matcher skips deleted articles
            mine = dict(zip(ids[live].tolist(), tfs[live].tolist(), strict=True))
            assert mine == whoosh_postings(reader, field, term), (field, term)
            checked += 1
    assert checked > 2000


def test_lengths_and_columns_equal_whoosh_readers(split_index) -> None:
    _, snapshot = split_index
    reader = snapshot.reader
    for field in ("title", "body"):
        lengths = arrays.field_lengths(reader, field)
        assert lengths.tolist() == [reader.doc_field_length(n, field, 0) or 0
                                    for n in range(reader.doc_count_all())]
    days = reader.column_reader("day")
    assert snapshot.days.tolist() == [days[n] for n in range(reader.doc_count_all())]
    rubrics = reader.column_reader("rubric_key")
    assert [snapshot.rubric_names[c] or "" for c in snapshot.rubric_codes] == [
        rubrics[n].decode("utf-8") for n in range(reader.doc_count_all())
    ]
    assert snapshot.scorer.live.sum() == reader.doc_count() == 50


@pytest.mark.parametrize(
    "words",
    [["жайлы", "мектеп"], ["ұлттық", "құрама"], ["мемлекет", "басшы"], ["астана", "қала"],
     ["бір", "бір"], ["республикалық", "бюджет", "жоба"]],
)
def test_phrases_match_where_whoosh_finds_them(split_index, words: list[str]) -> None:
    _, snapshot = split_index
    for field in ("title", "body"):
        mine = sorted(snapshot.scorer._phrase_docs(field, words))
        with Searcher(snapshot.reader, closereader=False) as searcher:
            matcher = wq.Phrase(field, words).matcher(searcher)
            theirs = sorted(matcher.all_ids()) if matcher.is_active() else []
        assert mine == theirs, (field, words)


def test_bm25f_adds_title_and_body_before_one_saturation(split_index) -> None:
    """The score of мектеп in one article, worked out from Whoosh's own statistics."""
    _, snapshot = split_index
    reader, scorer = snapshot.reader, snapshot.scorer
    live = np.flatnonzero(scorer.live)
    title = whoosh_postings(reader, "title", "мектеп")
    body = whoosh_postings(reader, "body", "мектеп")
    doc = next(d for d in title if d in body)  # an article with мектеп in both fields
    pseudo_tf = 0.0
    for field, found in (("title", title), ("body", body)):
        lengths = [reader.doc_field_length(n, field, 0) or 0 for n in live]
        norm = 1 - FIELD_B[field] + FIELD_B[field] * (
            reader.doc_field_length(doc, field, 0) / (sum(lengths) / len(lengths)))
        pseudo_tf += FIELD_WEIGHTS[field] * found[doc] / norm
    having = len(set(title) | set(body))
    idf = math.log(1 + (len(live) - having + 0.5) / (having + 0.5))
    expected = idf * (BM25_K1 + 1) * pseudo_tf / (pseudo_tf + BM25_K1)
    score = scorer.bm25f(["мектеп"], ("title", "body"))[doc]
    assert score == pytest.approx(expected, rel=1e-4)
    apart = sum(scorer.bm25f(["мектеп"], (field,))[doc] for field in ("title", "body"))
    assert score < apart  # Whoosh's BM25F would give the sum


def test_search_totals_count_live_articles_only(split_index) -> None:
    index, _ = split_index
    everything = index.search("NOT zzzz", per_page=100)
    assert everything.total == 50 == len(everything.hits)
    assert len({hit.id for hit in everything.hits}) == 50


def test_query_nodes_the_scorer_does_not_know_match_nothing(split_index) -> None:
    _, snapshot = split_index
    for node in (wq.Or([]), wq.And([]), wq.Every()):
        scores, matched = snapshot.scorer.evaluate(node)
        assert not matched.any() and not scores.any()
