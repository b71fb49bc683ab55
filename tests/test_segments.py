"""Per-segment search state composed per generation gives what the whole reader gives.

The index here is the sample corpus in three commits with deletions between them, so
it has several segments, deleted documents in more than one, and rubric and month
values that first appear in different segments. Each generation's snapshot composed
from cached segment states is compared with one read from scratch from the same
reader: every array, the vocabulary in order, and real Kazakh searches with filters,
sorts and facets. Then the cache must reuse the states of unchanged segments (no
re-read) and forget those of segments that a merge removed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kzsearch import Index
from kzsearch.search.segments import SegmentCache, SegmentState, segment_key
from kzsearch.search.snapshot import Snapshot
from kzsearch.search.vocabulary import Vocabulary

QUERIES = [
    "мектеп", "ұлттық құрама", "мемлекет басшысы", "астана қаласы", "бюджет жобасы",
    '"ұлттық құрама"', "мемлекеттердин", "kazakstan", "білім NOT мектеп", "спорт OR футбол",
    "2019", "мектептер", "қазақстан республикасы", '"мемлекет басшысы"',
    '"қазақстан республикасы" бюджет', 'title:"ұлттық құрама"',
]
SEARCHES = [  # rubric, since, until, sort, recency
    (None, None, None, "relevance", None),
    (None, None, None, "date", None),
    (None, "2019-01-01", None, "views", 0.5),
    (None, None, "2023-12-31", "date:asc", None),
    (None, None, None, "views:asc", None),
]


class CountingCache(SegmentCache):
    """A segment cache that records which segment states it built."""

    def __init__(self) -> None:
        self.built_keys: list[object] = []

        def build(leaf: object) -> SegmentState:
            self.built_keys.append(segment_key(leaf))
            return SegmentState.build(leaf)

        super().__init__(build)


def commit_with_deletions(index: Index, articles: list) -> None:
    """The sample in three commits, with deletions in two of them: several segments,
    some with deleted documents."""
    index.add_many(articles[:20])
    index.add_many(articles[20:35])
    index.delete([articles[2].id, articles[21].id])
    index.add_many(articles[35:])
    index.delete([articles[40].id])


@pytest.fixture()
def index(tmp_path, articles):
    """Three commits with deletions in two segments: several segments, some deleted."""
    index = Index.create(tmp_path / "index")
    commit_with_deletions(index, articles)
    index._segments = CountingCache()
    yield index
    index.close()


def from_scratch(index: Index) -> Snapshot:
    """The current generation's snapshot read the old way, from the whole reader."""
    composed = index._current_snapshot()
    return Snapshot(composed.version, index._ix.reader())


def leaves_of(snapshot: Snapshot) -> list[object]:
    return [segment_key(leaf) for leaf, _ in snapshot.reader.leaf_readers()]


def assert_same_state(composed: Snapshot, fresh: Snapshot) -> None:
    for name in ("rubric_codes", "month_codes", "lang_codes", "days", "views"):
        mine, theirs = getattr(composed, name), getattr(fresh, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert composed.rubric_names == fresh.rubric_names
    assert composed.month_names == fresh.month_names
    assert composed.lang_names == fresh.lang_names
    assert np.array_equal(composed.scorer.live, fresh.scorer.live)
    for name, norm in fresh.scorer.norm.items():
        assert np.array_equal(composed.scorer.norm[name], norm), name
    assert_same_vocabulary(composed.vocabulary, fresh.vocabulary)
    assert (composed.documents, composed.segments) == (fresh.documents, fresh.segments)


MISSPELLED = ["мектпе", "мемлект", "құрамаа", "бюджт", "қазақстн", "футбл", "астанаа"]


def assert_same_vocabulary(mine, theirs: Vocabulary) -> None:
    """Every look-up of the per-segment vocabulary answers as the dictionary one does:
    each term and its frequency, and each folded, prefix and loose-prefix class of every
    key the index has (same terms in the same order), plus keys it lacks."""
    assert list(mine.doc_freq.items()) == list(theirs.doc_freq.items())
    for term, count in theirs.doc_freq.items():
        assert term in mine and mine.frequency(term) == count, term
    for vocabulary in (theirs,):  # build the lazy tables
        vocabulary.with_prefix("")
        vocabulary.with_loose_prefix("")
    absent = ["", "жоқсөз", "zzzz"]
    for key in [*theirs.by_fold, *absent]:
        assert mine.folded(key) == theirs.folded(key), key
    assert theirs._by_prefix is not None and theirs._by_loose_prefix is not None
    for key in [*theirs._by_prefix, *absent]:
        assert mine.with_prefix(key) == theirs.with_prefix(key), key
    for key in [*theirs._by_loose_prefix, *absent]:
        assert mine.with_loose_prefix(key) == theirs.with_loose_prefix(key), key
    assert "жоқсөз" not in mine and mine.frequency("жоқсөз") == 0
    suggestions = [theirs.closest(word) for word in MISSPELLED]
    assert [mine.closest(word) for word in MISSPELLED] == suggestions
    if theirs.doc_freq:
        assert any(suggestions)  # real typos of the sample's words get suggestions


def results_of(index: Index, snapshot: Snapshot) -> list[tuple]:
    found = []
    for query in QUERIES:
        for rubric, since, until, sort, recency in SEARCHES:
            results = index._search(snapshot, query, rubric, _date(since), _date(until), sort,
                                    recency, None, 1, 15)
            found.append((query, sort, results.total, results.facets, results.suggestion,
                          [(hit.id, hit.score) for hit in results.hits]))
        rubrics = list(snapshot.rubric_counts())[:2] or ["Спорт"]
        results = index._search(snapshot, query, rubrics, None, None, "relevance", None,
                                {rubrics[0]: 2.0}, 1, 15)
        found.append((query, rubrics, results.total, results.facets,
                      [(hit.id, hit.score) for hit in results.hits]))
    return found


def _date(text: str | None):
    import datetime as dt

    return dt.date.fromisoformat(text) if text else None


def assert_same_results(index: Index, *, finds: bool = True) -> None:
    composed, fresh = index._current_snapshot(), from_scratch(index)
    try:
        assert_same_state(composed, fresh)
        mine, theirs = results_of(index, composed), results_of(index, fresh)
        assert mine == theirs
        assert (sum(result[2] for result in mine) > 0) == finds
    finally:
        fresh.close()


def test_composed_snapshot_equals_one_read_from_the_whole_reader(index) -> None:
    snapshot = index._current_snapshot()
    assert snapshot.segments >= 2 and len(snapshot.scorer.live) > len(index)
    assert_same_results(index)


def assert_vocabulary_reuses_tables(snapshot: Snapshot, cache: SegmentCache) -> None:
    """The generation's vocabulary is made of its segments' term tables themselves: no
    term of an unchanged segment is read or copied again for a new generation."""
    states = cache.states(snapshot.reader, snapshot.version.directory)
    assert [id(table) for table in snapshot.vocabulary.tables] == [
        id(state.terms) for state in states]


def test_a_commit_reuses_the_states_of_unchanged_segments(index, articles) -> None:
    cache = index._segments
    assert_same_results(index)
    before = dict(cache._states)
    built_before = len(cache.built_keys)
    # body words of other articles become title words: their place in the vocabulary moves
    title = " ".join(articles[9].body.split()[:10] + articles[30].body.split()[-10:])
    new = dataclasses.replace(articles[5], id="segments-new-1", title=title)
    index.add_many([new])
    index.delete([articles[10].id])  # a deletion in an unchanged segment changes no state
    after = index._current_snapshot()
    keys = [(after.version.directory, key) for key in leaves_of(after)]
    new_keys = [key for key in keys if key not in before]
    assert len(cache.built_keys) - built_before == len(new_keys) >= 1
    reused = [key for key in keys if key in before]
    assert reused  # a one-article commit leaves most segments as they were
    for key in reused:
        assert cache._states[key] is before[key]
    assert sorted(map(str, cache.keys())) == sorted(map(str, keys))
    assert_same_results(index)
    assert_vocabulary_reuses_tables(after, cache)


def test_a_merge_of_some_segments_gives_the_exact_vocabulary(index, articles) -> None:
    """One-article commits and deletes until a commit merges away some segments while
    keeping others (the tiered policy drops a segment whose articles are all deleted at
    the delete's commit): the states of the merged-away segments go, the kept ones stay,
    and the vocabulary over the remaining segments' tables is exact."""
    assert_same_results(index)
    merged = False
    for i in range(20):
        # other term counts, same words, and one word of its own; every second one is
        # deleted at once, so that its word goes when a merge purges the deleted article
        body = " ".join(articles[i].body.split()[::-1]) + " қайталанбас" + "ө" * (i + 1)
        writes = [lambda i=i, body=body: index.add_many(
            [dataclasses.replace(articles[i], id=f"segments-merge-{i}", body=body)])]
        if i % 2:
            writes.append(lambda i=i: index.delete([f"segments-merge-{i}"]))
        for write in writes:
            before = set(index._segments.keys())
            terms_before = set(index._current_snapshot().vocabulary.doc_freq)
            write()
            snapshot = index._current_snapshot()
            now = {(snapshot.version.directory, key) for key in leaves_of(snapshot)}
            assert set(index._segments.keys()) == now
            if before - now and before & now:
                merged = True
                assert terms_before - set(snapshot.vocabulary.doc_freq)  # a term went
                break
        if merged:
            break
    assert merged, "no commit merged some segments and kept others"
    assert_vocabulary_reuses_tables(index._current_snapshot(), index._segments)
    assert_same_results(index)


def test_after_optimize_results_match_and_no_vanished_segment_is_kept(index) -> None:
    index._current_snapshot()
    old = set(index._segments.keys())
    index.optimize()
    snapshot = index._current_snapshot()
    assert snapshot.segments == 1
    keys = [(snapshot.version.directory, key) for key in leaves_of(snapshot)]
    assert index._segments.keys() == keys and not old & set(keys)
    assert_same_results(index)


def test_postings_kept_across_commits_deletions_merges_and_optimize_give_the_same(
        index, articles) -> None:
    """Each step searched before the next, so that every later generation composes
    postings decoded by earlier ones (and reuses their segment readers): a commit, a
    deletion in an old segment, commits until Whoosh merges some segments, an optimize.
    After each, every search (phrases included) equals one read from scratch."""
    assert_same_results(index)
    index.add_many([dataclasses.replace(articles[6], id="segments-kept-1")])
    assert_same_results(index)
    first = index._current_snapshot().generation.leaves[0]
    index.delete([articles[1].id, articles[22].id])  # in the first and second segments
    now = index._current_snapshot()
    assert now.generation.leaves[0].key == first.key  # the old segment, its reader reused
    assert_same_results(index)
    kept = {leaf.key for leaf in now.generation.leaves}
    for i in range(20):  # one-article commits until Whoosh merges some segments
        index.add_many([dataclasses.replace(articles[i], id=f"segments-kept-m{i}")])
        if i % 2:
            index.delete([f"segments-kept-m{i}"])
        keys = {leaf.key for leaf in index._current_snapshot().generation.leaves}
        assert_same_results(index)
        if kept - keys and kept & keys:
            break
        kept = keys
    else:
        pytest.fail("no commit merged some segments and kept others")
    index.optimize()
    assert index._current_snapshot().segments == 1
    assert_same_results(index)


def test_an_empty_index_composes_an_empty_snapshot(tmp_path) -> None:
    with Index.create(tmp_path / "empty") as index:
        assert len(index) == 0
        assert index.search("мектеп").total == 0
        assert_same_results(index, finds=False)


def test_segment_arrays_shared_by_generations_cannot_be_written(index) -> None:
    snapshot = index._current_snapshot()
    states = index._segments.states(snapshot.reader, snapshot.version.directory)
    for state in states:
        for values in (*state.lengths.values(), *state.codes.values(), state.days,
                       state.views):
            with pytest.raises(ValueError, match="read-only"):
                values[:1] = 0
