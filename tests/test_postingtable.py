"""Mapped postings (``.kzpost``): what the writer leaves beside each segment is what Whoosh
decodes from it, merges carry it over without decoding, a ranked search reads it instead
of Whoosh's blocks, and a damaged page is read from Whoosh's blocks instead.

The index is the sample corpus in three commits with deletions, as in test_sidecars.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from test_segments import commit_with_deletions, from_scratch, results_of

from kzsearch import Index
from kzsearch.search import arrays, postingtable, sidecars
from kzsearch.search.terms import TEXT_FIELDS


@pytest.fixture()
def path(tmp_path, articles) -> Path:
    with Index.create(tmp_path / "index") as index:
        commit_with_deletions(index, articles)
    return tmp_path / "index"


def tables_match_whoosh(path: Path) -> int:
    """Check every term of every segment: its mapped postings equal Whoosh's decoded
    ones. Returns the number of segments (each must have a postings file)."""
    with Index.open(path) as index:
        snapshot = index._current_snapshot()
        states = index._segments.states(snapshot.reader, snapshot.version.directory)
        leaves = snapshot.generation.leaves
        assert len(states) == len(leaves)
        for leaf, state in zip(leaves, states, strict=True):
            table = state.postings
            assert table is not None, "a segment without its postings file"
            for name in TEXT_FIELDS:
                terms = [raw.decode("utf-8") for raw, _ in leaf.reader.iter_field(name)]
                assert terms
                for term in terms:
                    ids, tfs = table.postings(name, term)
                    want_ids, want_tfs = arrays.leaf_postings(leaf.reader, name, term)
                    assert np.array_equal(ids, want_ids) and np.array_equal(tfs, want_tfs), term
                assert table.postings(name, "жоқсөзжоқ") is not None
                assert len(table.postings(name, "жоқсөзжоқ")[0]) == 0
        return len(states)


def test_each_new_segment_s_postings_file_is_what_whoosh_decodes(path) -> None:
    assert tables_match_whoosh(path) >= 2


def test_merges_carry_the_postings_over_without_decoding(path, articles, monkeypatch) -> None:
    def no_decoding(leaf):
        raise AssertionError("a merge decoded Whoosh's blocks for its postings file")

    monkeypatch.setattr(sidecars, "decoded_postings", no_decoding)
    with Index.open(path) as index:  # small commits until Whoosh merges some, deletions in
        for i in range(12):
            index.add_many([dataclasses.replace(articles[i], id=f"merge-{i}")])
        index.delete([articles[5].id, "merge-3"])
        index.optimize()
    assert tables_match_whoosh(path) == 1


def test_a_segment_without_one_gets_it_from_its_blocks_on_the_next_write(path) -> None:
    for name in path.glob("*.kzpost"):
        name.unlink()
    expected = searches(path)
    with Index.open(path) as index:
        index.delete(["no-such-id"])  # any write
    segments = tables_match_whoosh(path)
    assert len(list(path.glob("*.kzpost"))) == segments
    assert searches(path) == expected


def searches(path: Path) -> list[tuple]:
    with Index.open(path) as index:
        return results_of(index, index._current_snapshot())


def test_ranked_searches_read_no_whoosh_block(path, monkeypatch) -> None:
    with Index.open(path) as index:
        fresh = from_scratch(index)  # reads Whoosh's blocks
        try:
            expected = results_of(index, fresh)
        finally:
            fresh.close()

    def no_blocks(*args, **kwargs):
        raise AssertionError("a ranked search decoded Whoosh's postings")

    monkeypatch.setattr(arrays, "leaf_postings", no_blocks)
    with Index.open(path) as index:
        found = results_of(index, index._current_snapshot())
        assert index.search("мемлекет").total > 0
    assert found == expected


def test_a_damaged_postings_page_is_read_from_whoosh(path) -> None:
    expected = searches(path)
    with Index.open(path) as index:
        segid = index._ix._segments()[0].segid
    file = path / f"MAIN_{segid}.kzpost"
    raw = bytearray(file.read_bytes())
    header_length = int.from_bytes(raw[len(sidecars.MAGIC):len(sidecars.MAGIC) + 8], "little")
    header = json.loads(raw[len(sidecars.MAGIC) + 8:len(sidecars.MAGIC) + 8 + header_length])
    data_start = len(raw) - header["data_size"]
    spec = header["arrays"]["ids_body"]
    middle = spec["offset"] + spec["length"] * 4 // 2
    starts_end = max(header["arrays"][f"starts_{name}"]["offset"]
                     + header["arrays"][f"starts_{name}"]["length"] * 8 for name in TEXT_FIELDS)
    assert middle // postingtable.PAGE > starts_end // postingtable.PAGE  # not checked at open
    raw[data_start + middle] ^= 0x55  # one body id in the middle of the run
    file.write_bytes(bytes(raw))
    with Index.open(path) as index:
        snapshot = index._current_snapshot()
        table = index._segments.states(snapshot.reader, snapshot.version.directory)[0].postings
        assert table is not None  # the starts are sound: the table opens
        leaf = snapshot.generation.leaves[0].reader
        unread = [raw_term.decode() for raw_term, _ in leaf.iter_field("body")
                  if table.postings("body", raw_term.decode()) is None]
        assert unread  # the terms on the damaged page
        found = results_of(index, snapshot)
    assert found == expected


def test_a_multi_process_build_s_segments_get_theirs_decoded(tmp_path, articles) -> None:
    """Whoosh's sub-writers (procs=2) hand no postings over: the commit decodes each
    segment's blocks (inlined postings too) into its postings file."""
    with Index.building(tmp_path / "index") as index:
        index.add_many(articles, procs=2)
    assert tables_match_whoosh(tmp_path / "index") >= 1


def test_many_terms_are_found_together_as_one_by_one(path) -> None:
    with Index.open(path) as index:
        snapshot = index._current_snapshot()
        states = index._segments.states(snapshot.reader, snapshot.version.directory)
        for state in states:
            terms = [term for term, _ in state.terms.frequencies()]
            asked = [*terms[::7], "жоқсөзжоқ", "", terms[0]]
            found = state.terms.find_many(asked)
            assert found == [state.terms.find(term) for term in asked]
            assert found[-1] == 0 and found[-3] is None
            ids = state.postings.postings_many("body", asked)
            assert all(np.array_equal(a[0], b[0]) for a, b in zip(
                ids, (state.postings.postings("body", term) for term in asked), strict=True))
