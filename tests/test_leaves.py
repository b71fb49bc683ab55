"""Segment readers and decoded postings are shared by generations, deletions are not.

The index is the sample corpus in three commits with deletions between them (several
segments, deleted documents in more than one). A commit must open a Whoosh reader only
for its new segments (Whoosh 2.7.4's own ``reader(reuse=...)`` opens every segment
again) and decode postings only of its new segments, while every generation still sees
its own deletions: a reused reader must not keep the deletions of the generation that
opened it. Readers of segments a merge removed close when the last snapshot using them
does, not before; and snapshots sharing a segment share its lock.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest
from whoosh import query as wq
from whoosh import reading

from kzsearch import Index, analyze
from kzsearch.search import arrays, sidecars
from kzsearch.search.segments import segment_key

QUERIES = ["мектеп", "ұлттық құрама", '"ұлттық құрама"', "мемлекет басшысы", "бюджет",
           "білім NOT мектеп", "қазақстан республикасы"]


@pytest.fixture()
def index(tmp_path, articles):
    index = Index.create(tmp_path / "index")
    index.add_many(articles[:20])
    index.add_many(articles[20:35])
    index.delete([articles[2].id])
    index.add_many(articles[35:])
    yield index
    index.close()


@pytest.fixture()
def opened(monkeypatch) -> list[str]:
    """The segment ids of every Whoosh ``SegmentReader`` constructed from now on."""
    made: list[str] = []
    original = reading.SegmentReader.__init__

    def counting(self, storage, schema, segment, *args, **kwargs):
        made.append(segment.segment_id())
        original(self, storage, schema, segment, *args, **kwargs)

    monkeypatch.setattr(reading.SegmentReader, "__init__", counting)
    return made


@pytest.fixture()
def decoded(monkeypatch) -> list[object]:
    """The segment key of every segment whose postings of a term are decoded from now on."""
    keys: list[object] = []
    original = arrays.leaf_postings

    def counting(leaf, fieldname, term):
        keys.append(segment_key(leaf))
        return original(leaf, fieldname, term)

    monkeypatch.setattr(arrays, "leaf_postings", counting)
    return keys


def segment_ids(index: Index) -> list[str]:
    return [leaf.reader.segment().segment_id()
            for leaf in index._current_snapshot().generation.leaves]


def results(index: Index) -> list[tuple]:
    found = []
    for query in QUERIES:
        res = index.search(query, per_page=50)
        found.append((query, res.total, res.facets, [(h.id, h.score) for h in res.hits]))
    return found


def new_article(articles, n: int):
    return dataclasses.replace(articles[n], id=f"leaves-new-{n}")


def test_a_commit_opens_readers_for_its_new_segments_only(index, articles, opened) -> None:
    index.search("мектеп")
    before = set(segment_ids(index))
    assert len(before) >= 3
    index.add_many([new_article(articles, 5)])
    opened.clear()  # the writer's own reads are not the reader's
    index.search("мектеп")
    after = segment_ids(index)
    assert opened == [s for s in after if s not in before]
    assert len(opened) == 1 and set(after) & before


def test_a_deletion_in_a_reused_segment_is_seen_by_the_new_generation_only(index,
                                                                           articles) -> None:
    old = index._current_snapshot()
    doomed = articles[10]  # in the first segment, which the next generation reuses
    assert any(h.id == doomed.id for h in index.search(doomed.title, per_page=50).hits)
    with index._snapshots.use() as held:  # the old generation stays in use meanwhile
        index.delete([doomed.id])
        new = index._current_snapshot()
        assert new is not old and held is old
        shared = [(a, b) for a in old.generation.leaves for b in new.generation.leaves
                  if a.key == b.key]
        assert shared, "the deletion's generation reuses the old segment readers"
        for a, b in shared:
            assert a.reader._terms is b.reader._terms  # one reader's files, two views
            assert a.lock is b.lock  # one lock per segment, whichever generation reads
        assert new.documents == old.documents - 1 == len(index)
        assert not any(h.id == doomed.id for h in index.search(doomed.title, per_page=50).hits)
        # Whoosh's own API through the views: each generation its own deletions
        first_old, first_new = old.generation.leaves[0], new.generation.leaves[0]
        assert first_old.key == first_new.key
        local = next(n for n in range(first_old.size)
                     if first_old.reader.stored_fields(n)["id"] == doomed.id)
        assert not first_old.reader.is_deleted(local) and first_new.reader.is_deleted(local)
        assert local in set(first_old.reader.all_doc_ids())
        assert local not in set(first_new.reader.all_doc_ids())
        matcher = first_new.reader.postings("id", doomed.id)
        assert not matcher.is_active()
        assert first_old.reader.postings("id", doomed.id).id() == local


def test_old_snapshots_keep_merged_away_readers_until_released(index, articles) -> None:
    expected = results(index)
    with index._snapshots.use() as held:
        index.optimize()
        assert index._current_snapshot().segments == 1
        # the held snapshot's segments are gone from disk's newest generation, not closed
        assert all(not leaf.reader.is_closed for leaf in held.generation.leaves)
        assert len(index._readers) == len(held.generation.leaves) + 1
        mine = []
        for query in QUERIES:
            res = index._search(held, query, None, None, None, "relevance", None, None, 1, 50)
            mine.append((query, res.total, res.facets, [(h.id, h.score) for h in res.hits]))
        assert mine == expected
    # released: only the optimized segment's reader is still open, and its postings cached
    current = index._current_snapshot()
    assert index._readers.keys() == [leaf.key for leaf in current.generation.leaves]
    shared = index._readers._shared
    assert all(not entry.reader.is_closed for entry in shared.values())
    results(index)
    groups = set(index._postings._groups)
    assert groups <= {leaf.key for leaf in current.generation.leaves} | {
        current.scorer._generation}
    assert results(index) == expected


def test_a_commit_decodes_postings_of_its_new_segments_only(index, articles, decoded,
                                                          monkeypatch) -> None:
    # Segments without their mapped postings (a damaged or missing .kzpost): Whoosh's
    # blocks are decoded, once per segment (with them nothing is: test_postingtable).
    monkeypatch.setattr(sidecars, "read_postings", lambda *args: None)
    expected_before = results(index)
    assert decoded  # cold: postings were decoded
    decoded.clear()
    assert results(index) == expected_before
    assert decoded == []  # warm: nothing decoded again
    before = set(segment_ids(index))
    index.add_many([new_article(articles, 7)])
    decoded.clear()
    results(index)
    now = index._current_snapshot()
    new_keys = {segment_key(leaf.reader) for leaf in now.generation.leaves
                if leaf.reader.segment().segment_id() not in before}
    assert decoded and set(decoded) <= new_keys


def test_non_compound_segments_are_shared_too(index, articles, opened, monkeypatch) -> None:
    options = Index._writer_options

    def plain_files(procs: int) -> dict:
        return {**options(procs), "compound": False}

    monkeypatch.setattr(Index, "_writer_options", staticmethod(plain_files))
    index.add_many([new_article(articles, 3)])
    index.optimize()  # the writer, told to leave the merged segment's files apart
    snapshot = index._current_snapshot()
    plain = [leaf for leaf in snapshot.generation.leaves if not leaf.reader.segment().is_compound()]
    assert plain, "the commit wrote a non-compound segment"
    expected = results(index)
    index.delete([articles[4].id])
    opened.clear()
    assert len(results(index)) == len(expected)
    assert opened == []  # a deletion opens no segment, compound or not
    after = index._current_snapshot()
    assert plain[0].key in {leaf.key for leaf in after.generation.leaves}
    assert index.search(new_article(articles, 3).title).total >= 1


def test_threads_searching_two_generations_that_share_segments(index, articles) -> None:
    """Snapshots sharing segment readers read them under one lock per segment: threads
    searching an old and a new generation at once get what each gives alone."""
    with index._snapshots.use() as old:
        index.add_many([new_article(articles, 11)])
        new = index._current_snapshot()
        alone = {id(s): [index._search(s, q, None, None, None, "relevance", None, None, 1, 20)
                         .hits for q in QUERIES] for s in (old, new)}
        expected = {key: [[(h.id, h.score, h.title) for h in hits] for hits in value]
                    for key, value in alone.items()}
        for snapshot in (old, new):  # cold caches: every thread reads the files
            snapshot.scorer._classes = type(snapshot.scorer._classes)(10**6)
        index._postings.forget(new.scorer._generation)
        for leaf in new.generation.leaves:
            index._postings.forget(leaf.key)
        errors: list[BaseException] = []
        seen: list[bool] = []

        def search(snapshot) -> None:
            try:
                for _ in range(3):
                    got = [[(h.id, h.score, h.title) for h in index._search(
                        snapshot, q, None, None, None, "relevance", None, None, 1, 20).hits]
                        for q in QUERIES]
                    seen.append(got == expected[id(snapshot)])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=search, args=(s,)) for s in (old, new) * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and seen and all(seen)


def test_phrase_positions_are_decoded_once_per_segment(index, articles, monkeypatch) -> None:
    """A phrase asked again reads no positions; after a commit, only the new segment's;
    a second phrase sharing a word decodes only the documents the first did not ask about,
    and both still find what Whoosh's phrase query finds."""
    decoded: list[tuple[object, int]] = []
    original = arrays.leaf_positions

    def counting(leaf, fieldname, term, docs):
        decoded.append((segment_key(leaf), len(docs)))
        return original(leaf, fieldname, term, docs)

    monkeypatch.setattr(arrays, "leaf_positions", counting)
    phrases = ['"ұлттық құрама"', '"мемлекет басшысы"', '"республикалық бюджет"']
    first = [index.search(p, per_page=50) for p in phrases]
    assert decoded and all(r.total for r in first)
    decoded.clear()
    again = [index.search(p, per_page=50) for p in phrases]
    assert decoded == []
    assert [[h.id for h in r.hits] for r in again] == [[h.id for h in r.hits] for r in first]
    before = set(segment_ids(index))
    index.add_many([dataclasses.replace(articles[0], id="leaves-phrase", body=articles[0].body
                                        + " Ұлттық құрама мемлекет басшысы республикалық бюджет")])
    decoded.clear()
    after = [index.search(p, per_page=50) for p in phrases]
    new_keys = {segment_key(leaf.reader) for leaf in index._current_snapshot().generation.leaves
                if leaf.reader.segment().segment_id() not in before}
    assert decoded and {key for key, _ in decoded} <= new_keys
    for phrase, result in zip(phrases, after, strict=True):
        assert "leaves-phrase" in {h.id for h in result.hits}, phrase
    with index._ix.searcher() as searcher:  # Whoosh's own phrase matcher, its own readers
        for phrase, result in zip(phrases, after, strict=True):
            terms = [analyze(word)[0] for word in phrase.strip('"').split()]
            query = wq.Phrase("body", terms) | wq.Phrase("title", terms)
            hits = searcher.search(query, limit=None)
            assert {hit["id"] for hit in hits} == {hit.id for hit in result.hits}, phrase


def test_closing_the_index_closes_every_shared_reader(index, articles) -> None:
    results(index)
    index.add_many([new_article(articles, 9)])
    results(index)
    shared = list(index._readers._shared.values())
    assert shared and all(not entry.reader.is_closed for entry in shared)
    index.close()
    assert len(index._readers) == 0 and len(index._postings) == 0
    assert all(entry.reader.is_closed for entry in shared)
