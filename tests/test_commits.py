"""The commit path: ids found per segment, document counts from the TOC, the tiered merge."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from kzsearch import Article, Index, IndexLockedError, commits, read_articles, sample_corpus_path

QUERIES = ["мемлекет", "бюджет", "Қазақстан спорт", "білім беру", "\"ұлттық банк\"", "су"]


@pytest.fixture(scope="module")
def sample_articles() -> list[Article]:
    return list(read_articles(sample_corpus_path()))


def small_tiers(index: Index) -> Counter[int]:
    """Segments of the newest commit that commits may still merge, counted per tier."""
    segments = index.whoosh_index._segments()
    return Counter(commits.tier(s.doc_count()) for s in segments
                   if s.doc_count_all() < commits.MAX_MERGE_DOCS)


def hits(index: Index, query: str) -> list[tuple[str, str]]:
    results = index.search(query, per_page=100)
    return [(hit.id, hit.title) for hit in results.hits]


def test_the_merge_plan_keeps_segments_bounded_over_thousands_of_commits() -> None:
    """5,000 one-article commits over a built segment, with the plan applied as a commit
    applies it: no tier below the cap ever holds more than MERGE_FACTOR segments, every
    segment at or above the cap was made that large, the built one is never merged, and
    no commit merges more than one tier's worth of documents."""
    codec = W3Codec()
    built = W3Segment(codec, "MAIN", doccount=100_000)
    segments = [built]
    largest_merge = 0
    for _ in range(5000):
        plan = commits.merge_plan(segments)
        merged = sum(s.doc_count() for s in plan)
        largest_merge = max(largest_merge, merged)
        planned = {id(s) for s in plan}
        segments = [s for s in segments if id(s) not in planned]
        segments.append(W3Segment(codec, "MAIN", doccount=merged + 1))
        tiers = Counter(commits.tier(s.doc_count()) for s in segments
                        if s.doc_count_all() < commits.MAX_MERGE_DOCS)
        assert max(tiers.values(), default=0) <= commits.MERGE_FACTOR
    assert any(s is built for s in segments)
    large = [s for s in segments if s.doc_count_all() >= commits.MAX_MERGE_DOCS]
    assert len(segments) - len(large) <= commits.MERGE_FACTOR * commits.tier(
        commits.MAX_MERGE_DOCS - 1) + commits.MERGE_FACTOR
    assert len(large) <= 1 + 5000 // commits.MAX_MERGE_DOCS
    assert largest_merge < commits.MERGE_FACTOR * commits.MAX_MERGE_DOCS


def test_segments_wholly_deleted_are_dropped_when_a_tier_merges() -> None:
    codec = W3Codec()
    gone = W3Segment(codec, "MAIN", doccount=50_000)
    for docnum in range(50_000):
        gone.delete_document(docnum)
    ones = [W3Segment(codec, "MAIN", doccount=1) for _ in range(commits.MERGE_FACTOR)]
    assert commits.merge_plan([gone, *ones[:-1]]) == [gone]
    assert set(map(id, commits.merge_plan([gone, *ones]))) == set(map(id, [*ones, gone]))


def test_one_article_commits_keep_segments_bounded_and_find_what_a_fresh_build_finds(
        tmp_path: Path, sample_articles: list[Article], monkeypatch: pytest.MonkeyPatch) -> None:
    """Real commits, one article each, with upserts and deletes between them, under a
    small merge factor so that every tier fills and merges: after each commit no tier
    holds more than MERGE_FACTOR segments, and at the end every query finds the same
    articles (with the same titles) as an index built from the final articles at once,
    and, once optimized, ranks them the same."""
    monkeypatch.setattr(commits, "MERGE_FACTOR", 3)
    monkeypatch.setattr(commits, "MAX_MERGE_DOCS", 27)
    live = Index.create(tmp_path / "live")
    final: dict[str, Article] = {}
    for number, article in enumerate(sample_articles):
        live.add_many([article])
        final[article.id] = article
        if number % 7 == 6:  # an upsert of an earlier article, by id
            earlier = sample_articles[number - 5]
            changed = dataclasses.replace(earlier, title=earlier.title + " (жаңартылды)")
            live.add_many([changed])
            final[changed.id] = changed
        if number % 11 == 10:
            gone = sample_articles[number - 3].id
            assert live.delete([gone]) == 1
            del final[gone]
        assert max(small_tiers(live).values(), default=0) <= commits.MERGE_FACTOR
    assert len(live) == len(final)
    assert live.stats().segments > 1  # merges ran, and not all of them
    fresh = Index.create(tmp_path / "fresh")
    fresh.add_many(list(final.values()))
    for query in QUERIES:
        assert sorted(hits(live, query)) == sorted(hits(fresh, query)), query
    live.optimize()
    for query in QUERIES:
        assert hits(live, query) == hits(fresh, query), query


def test_a_one_article_upsert_opens_no_reader_of_the_segments_it_leaves(
        tmp_path: Path, sample_articles: list[Article], monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding the ids an upsert replaces reads term tables only: no segment reader (which
    copies a segment's terms and postings into memory) is opened for segments the commit
    does not merge. Before, a searcher over all segments was opened twice per upsert."""
    index = Index.create(tmp_path / "ix")
    for start in (0, 12, 24):
        index.add_many(sample_articles[start:start + 12])
    kept = {segment.segment_id() for segment in index.whoosh_index._segments()}
    opened: list[Any] = []
    original = SegmentReader.__init__

    def counting(self: Any, storage: Any, schema: Any, segment: Any, *args: Any,
                 **kwargs: Any) -> None:
        opened.append(segment)
        original(self, storage, schema, segment, *args, **kwargs)

    monkeypatch.setattr(SegmentReader, "__init__", counting)
    changed = dataclasses.replace(sample_articles[13], title="Жаңартылған тақырып")
    report = index.add_many([changed])
    # only the commit's own new segment is read (its sidecar files are written from it)
    assert [segment for segment in opened if segment.segment_id() in kept] == []
    assert len(opened) <= 1
    assert report.updated == 1
    monkeypatch.undo()
    assert len(index) == 36
    assert [hit.id for hit in index.search("Жаңартылған тақырып").hits][:1] == [changed.id]
    assert sum(hit.id == changed.id for hit in index.search(changed.title, per_page=100).hits) == 1


def test_an_id_upserted_in_many_commits_is_found_once_and_deleted_once(
        tmp_path: Path, sample_articles: list[Article]) -> None:
    index = Index.create(tmp_path / "ix")
    index.add_many(sample_articles[:10])
    article = sample_articles[3]
    for round_ in range(4):
        report = index.add_many([dataclasses.replace(article, title=f"{article.title} {round_}")])
        assert report.updated == 1
    assert len(index) == 10
    found = commits.locate_ids(index.whoosh_index.storage, index.whoosh_index.schema,
                               index.whoosh_index._segments(), [article.id, "missing"])
    assert list(found) == [article.id] and len(found[article.id]) == 1
    assert index.delete([article.id, article.id]) == 1
    assert len(index) == 9
    assert index.delete([article.id]) == 0


@pytest.fixture()
def small_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commits, "MERGE_FACTOR", 3)
    monkeypatch.setattr(commits, "MAX_MERGE_DOCS", 27)


def test_background_merges_run_in_their_thread_and_keep_segments_bounded(
        tmp_path: Path, sample_articles: list[Article], small_merges: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``merge_in_background`` a commit merges nothing itself: every merge runs in the
    object's merge thread, after the commit, and the tiers stay bounded all the same."""
    Index.create(tmp_path / "ix").add_many(sample_articles[:20])
    merging_threads: list[str] = []
    original = SegmentWriter.add_reader

    def recording(self: Any, reader: Any) -> None:
        merging_threads.append(threading.current_thread().name)
        original(self, reader)

    monkeypatch.setattr(SegmentWriter, "add_reader", recording)
    index = Index.open(tmp_path / "ix", merge_in_background=True)
    for article in sample_articles[20:]:
        index.add_many([article])
    index.close()
    assert merging_threads and set(merging_threads) == {"kzsearch merge ix"}
    assert index.merge_error is None
    reopened = Index.open(tmp_path / "ix")
    assert len(reopened) == len(sample_articles)
    assert max(small_tiers(reopened).values()) <= commits.MERGE_FACTOR
    fresh = Index.create(tmp_path / "fresh")
    fresh.add_many(sample_articles)
    for query in QUERIES:
        assert sorted(hits(reopened, query)) == sorted(hits(fresh, query)), query


def test_a_write_waits_for_its_own_objects_background_merge_instead_of_failing_locked(
        tmp_path: Path, sample_articles: list[Article], small_merges: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge thread holds the writer lock while it merges; a write of the same object
    with ``lock_timeout=0`` must wait for it, not fail as if another writer held it."""
    started, release = threading.Event(), threading.Event()
    original = commits.tiered_merge

    def held(writer: Any, segments: Any) -> Any:
        started.set()
        release.wait(30)
        return original(writer, segments)

    index = Index.create(tmp_path / "ix")
    index.merge_in_background = True
    index.add_many(sample_articles[:2])
    monkeypatch.setattr(commits, "tiered_merge", held)
    index.add_many(sample_articles[2:3])  # a second segment of tier 0
    index.add_many(sample_articles[3:4])  # the third: the thread merges, and holds the lock
    assert started.wait(30)
    other = Index.open(tmp_path / "ix")
    with pytest.raises(IndexLockedError):
        other.add_many(sample_articles[4:5])  # another object is told the index is locked
    threading.Timer(0.2, release.set).start()
    index.add_many(sample_articles[4:5], lock_timeout=0.0)
    index.close()
    assert len(Index.open(tmp_path / "ix")) == 5


def test_id_look_ups_open_each_segment_s_term_table_once(tmp_path, sample_articles,
                                                         monkeypatch) -> None:
    """A segment's term table, opened for one commit's id look-ups, answers the next
    commit's; a segment merged away has its table closed; upserts still find their ids."""
    opened: list[str] = []
    closed: list[str] = []
    original = commits._terms_of

    @contextlib.contextmanager
    def counting(storage, segment):
        opened.append(segment.segid)
        try:
            with original(storage, segment) as terms:
                yield terms
        finally:
            closed.append(segment.segid)

    monkeypatch.setattr(commits, "_terms_of", counting)
    with Index.create(tmp_path / "index") as index:
        index.add_many(sample_articles[:10])
        for i, article in enumerate(sample_articles[10:20]):  # one-article commits, merges
            index.add_many([article])
            index.add_many([dataclasses.replace(sample_articles[i], title=f"Жаңа {i}")])
            assert len(opened) == len(set(opened))  # each segment's table opened once
        live = {segment.segid for segment in index.whoosh_index._segments()}
        assert set(opened) - set(closed) <= live  # what stays open is of live segments
        assert len(index) == 20
        assert hits(index, "Жаңа 3")[0][1] == "Жаңа 3"
    assert sorted(closed) == sorted(opened)  # close() closes the rest
