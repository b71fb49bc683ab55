"""Completion's word tables as the writer makes them, on the bundled sample corpus.

A new segment's table is made from the words counted while the analyzer reads its
articles (``kzsearch.segwords``), a merged segment's from its sources' tables: both are
checked against :meth:`WordTable.build` of the same segment, which reads every stored
title and body again. A new segment's must be the same arrays; a merged one's the same
words and article counts, and the same shown forms where :meth:`WordTable.merged`
guarantees them. Each test also checks that the write did not read the articles back.
"""

from __future__ import annotations

import numpy as np
import pytest
from whoosh.reading import SegmentReader

from kzsearch import Index
from kzsearch.analysis import positioned_terms
from kzsearch.index import article_document
from kzsearch.search import sidecars, words
from kzsearch.search.words import WordTable
from kzsearch.text.tokens import TOKEN_RE
from tests.test_segments import commit_with_deletions


@pytest.fixture()
def unread(monkeypatch) -> list[int]:
    """Count the segments whose table is read from their stored articles, and the deleted
    articles a merge reads."""
    found = [0, 0]
    build, forms = WordTable.build.__func__, words.article_forms

    def counting_build(cls, leaf):
        found[0] += 1
        return build(cls, leaf)

    def counting_forms(stored):
        found[1] += 1
        return forms(stored)

    monkeypatch.setattr(WordTable, "build", classmethod(counting_build))
    monkeypatch.setattr(words, "article_forms", counting_forms)
    return found


def segments(index: Index) -> list:
    return list(index._ix._segments())


def fresh_table(index: Index, segment) -> WordTable:
    """The segment's table read from its stored articles (counted in ``unread`` too)."""
    reader = SegmentReader(index._ix.storage, index._ix.schema, segment)
    try:
        return WordTable.build(reader)
    finally:
        reader.close()


def written_table(index: Index, segment) -> WordTable:
    table = sidecars.read_words(index.path, segment)
    assert table is not None, segment.segid
    return table


def assert_same_arrays(mine: WordTable, theirs: WordTable) -> None:
    mine_arrays, their_arrays = mine.to_arrays(), theirs.to_arrays()
    assert mine_arrays.keys() == their_arrays.keys()
    for name, values in their_arrays.items():
        assert mine_arrays[name].dtype == values.dtype, name
        assert np.array_equal(mine_arrays[name], values), name


def test_a_new_segment_s_table_is_counted_as_its_articles_are_read(tmp_path, articles,
                                                                   unread) -> None:
    with Index.create(tmp_path / "index") as index:
        # batches of 7: segments of one commit, and a repeated id (the later record wins:
        # the earlier one is deleted in its segment, whose table counts it, as Whoosh does)
        index.add_many([*articles[:30], articles[3]], batch_size=7)
        index.add_many(articles[30:])
        assert unread == [0, 0]  # no article read back
        assert len(segments(index)) > 2
        for segment in segments(index):
            assert_same_arrays(written_table(index, segment), fresh_table(index, segment))


def test_the_analyzer_hands_over_the_raw_tokens_the_regex_finds(articles) -> None:
    for article in articles:
        for text in (article.title, article.body):
            raws: list[str] = []
            terms = list(positioned_terms(text, raws))
            assert raws == TOKEN_RE.findall(text)
            assert terms == list(positioned_terms(text))  # the terms are unchanged


def test_the_counted_words_are_the_sample_s(tmp_path, articles) -> None:
    with Index.create(tmp_path / "index") as index:
        index.add_many(articles)
        (segment,) = segments(index)
        table = written_table(index, segment)
        # "Қазақстан": 15 articles, always capitalised; "қазақстандық": 4, written 3 times
        # lowercase and once capitalised
        found = table.find("қазақстан")
        assert found is not None and table.shown(found) == "Қазақстан"
        assert int(table.df[found]) == 15
        found = table.find("қазақстандық")
        assert found is not None and table.shown(found) == "қазақстандық"
        assert (int(table.df[found]), int(table.shown_count[found])) == (4, 3)
        assert table.find("2019") is None  # no letter: no word


def shown_by_every_source(sources: list[WordTable]) -> dict[str, str]:
    """The words whose shown form is the same in every source that has them."""
    forms: dict[str, set[str]] = {}
    for table in sources:
        for word, form in zip(table.words(), table.shown_forms(), strict=True):
            forms.setdefault(word, set()).add(form)
    return {word: next(iter(found)) for word, found in forms.items() if len(found) == 1}


def assert_merged_as_built(merged: WordTable, fresh: WordTable, sources: list[WordTable]
                           ) -> None:
    assert merged.words() == fresh.words()
    assert np.array_equal(merged.df, fresh.df)
    agreed = shown_by_every_source(sources)
    fresh_shown = fresh.shown_forms()
    checked = 0
    for word_id, (word, form) in enumerate(zip(merged.words(), merged.shown_forms(),
                                               strict=True)):
        if word in agreed and agreed[word] == fresh_shown[word_id]:
            assert form == fresh_shown[word_id], word
            assert int(merged.shown_count[word_id]) == int(fresh.shown_count[word_id]), word
            checked += 1
    assert checked > len(merged) // 2


def test_a_merge_combines_its_sources_tables(tmp_path, articles, unread) -> None:
    with Index.create(tmp_path / "index") as index:
        commit_with_deletions(index, articles)
        before = segments(index)
        deleted = sum(segment.deleted_count() for segment in before)
        assert deleted > 0 and len(before) > 1
        sources = [written_table(index, segment) for segment in before]
        unread[:] = [0, 0]
        index.optimize()
        (segment,) = segments(index)
        assert unread == [0, deleted]  # only the deleted articles were read
        merged = written_table(index, segment)
        assert_merged_as_built(merged, fresh_table(index, segment), sources)


def test_a_merge_with_new_articles_and_a_source_without_a_table(tmp_path, articles,
                                                                unread) -> None:
    with Index.create(tmp_path / "index") as index:
        commit_with_deletions(index, articles[:-5])
        before = segments(index)
        sources = [written_table(index, segment) for segment in before]
        sidecars.sidecar_path(index.path, before[0].segid, sidecars.WORDS).unlink()
        unread[:] = [0, 0]
        with index._writing(1, 0.0) as writer:  # new articles and the merge in one segment
            for article in articles[-5:]:
                writer.add_document(**article_document(article))
            writer.commit(optimize=True)
        (segment,) = segments(index)
        assert unread[0] == 0  # the source without a table had its articles read instead
        merged = written_table(index, segment)
        assert_merged_as_built(merged, fresh_table(index, segment), sources)


def test_a_word_only_merged_away_articles_wrote_is_dropped(tmp_path, articles) -> None:
    with Index.create(tmp_path / "index") as index:
        index.add_many(articles[:20])
        index.add_many(articles[20:])
        budget = next(a for a in articles[:20] if "құбылмалылығы" in a.body)
        index.delete([budget.id])
        index.optimize()
        (segment,) = segments(index)
        table = written_table(index, segment)
        assert table.find("құбылмалылығы") is None
        assert table.find("бюджет") is not None
