"""Sidecar files: per-segment state written beside each segment and memory-mapped.

The index is the sample corpus in three commits with deletions (several segments,
deleted documents in more than one). Every search (ids, scores, totals, facets,
suggestions) must come out the same whether the state was read from the sidecars, built
from Whoosh's postings because a sidecar is missing or damaged, or read the old way from
the whole reader; a damaged, foreign or outdated sidecar is ignored, never trusted and
never run; Whoosh's own ``open_dir`` still reads the index; sidecars go with their
segment; and the trust checks cover them like every other index file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_segments import assert_same_state, commit_with_deletions, from_scratch, results_of

from kzsearch import Index, UntrustedIndexError
from kzsearch.index import _foreign_entries
from kzsearch.search import sidecars
from kzsearch.search.segments import SegmentState, column_arrays

KINDS = sidecars.KINDS


@pytest.fixture()
def path(tmp_path, articles) -> Path:
    """An index of three commits with deletions, closed (each test opens it afresh)."""
    with Index.create(tmp_path / "index") as index:
        commit_with_deletions(index, articles)
    return tmp_path / "index"


def segment_ids(path: Path) -> list[str]:
    with Index.open(path) as index:
        return [segment.segid for segment in index._ix._segments()]


def sidecar_files(path: Path) -> set[str]:
    suffixes = tuple("." + suffix for suffix in sidecars.SUFFIXES.values())
    return {name for name in os.listdir(path) if name.endswith(suffixes)}


def searched(path: Path) -> tuple[list[tuple], dict[str, int]]:
    """Every sample search on a freshly opened index, and what its states were read from;
    the composed state is also checked against one read from the whole reader."""
    sidecars.counts.clear()
    with Index.open(path) as index:
        snapshot = index._current_snapshot()
        fresh = from_scratch(index)
        try:
            assert_same_state(snapshot, fresh)
            found = results_of(index, snapshot)
            assert found == results_of(index, fresh)
        finally:
            fresh.close()
    return found, dict(sidecars.counts)


def test_every_segment_gets_both_sidecars_and_readers_map_them(path) -> None:
    ids = segment_ids(path)
    assert len(ids) >= 2
    assert sidecar_files(path) == {f"MAIN_{segid}.{suffix}" for segid in ids
                                   for suffix in sidecars.SUFFIXES.values()}
    found, counts = searched(path)
    assert counts == {"cols read": len(ids), "terms read": len(ids), "post read": len(ids)}
    assert sum(result[2] for result in found) > 0
    with Index.open(path) as index:
        snapshot = index._current_snapshot()
        states = index._segments.states(snapshot.reader, snapshot.version.directory)
        for state in states:  # memory-mapped, read-only: shared through the page cache
            for values in (*column_arrays(state).values(), state.terms.blob):
                assert not values.flags.writeable and not values.flags.owndata


def damage(file: Path, how: str, other: Path) -> None:
    raw = file.read_bytes()
    if how == "deleted":
        file.unlink()
    elif how == "truncated":
        file.write_bytes(raw[: len(raw) * 2 // 3])
    elif how == "data byte flipped":
        file.write_bytes(raw[:-5] + bytes([raw[-5] ^ 0xFF]) + raw[-4:])
    elif how == "header garbled":
        file.write_bytes(raw.replace(b'"arrays"', b'"arrayz"', 1))
    elif how == "other segment's":
        shutil.copyfile(other, file)
    elif how == "older format":
        file.write_bytes(raw.replace(b'"format": 1', b'"format": 0', 1))
    elif how == "pickle payload":  # nothing read from a sidecar may run code
        marker = file.parent.parent / "ran"
        payload = pickle.dumps(_Payload(str(marker)))
        file.write_bytes(sidecars.MAGIC + len(payload).to_bytes(8, "little") + payload)
    elif how == "empty":
        file.write_bytes(b"")
    else:
        raise AssertionError(how)


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


DAMAGES = ["deleted", "truncated", "data byte flipped", "header garbled", "other segment's",
           "older format", "pickle payload", "empty"]


@pytest.mark.parametrize("kind", [*KINDS, sidecars.POSTINGS])
@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_sidecar_falls_back_to_the_postings_with_the_same_results(
        path, kind, how) -> None:
    expected, _ = searched(path)
    first, second = segment_ids(path)[:2]
    suffix = sidecars.SUFFIXES[kind]
    damage(path / f"MAIN_{first}.{suffix}", how, path / f"MAIN_{second}.{suffix}")
    found, counts = searched(path)
    assert found == expected
    segments = len(segment_ids(path))
    if kind == sidecars.POSTINGS:
        # A flipped data byte is found at open when its page holds the term starts, else
        # when a search reads the page (test_a_damaged_postings_page_is_read_from_whoosh).
        missing = counts.get("post missing", 0)
        assert missing == 1 or (how == "data byte flipped" and missing == 0)
        assert counts["post read"] == segments - missing
        assert counts["cols read"] == counts["terms read"] == segments
    else:
        assert counts[f"{kind} built"] == 1  # this one segment's part, from Whoosh's postings
        other = "terms" if kind == "cols" else "cols"
        assert counts[f"{other} read"] == segments
    assert not (path.parent / "ran").exists()


def test_a_sidecar_that_no_longer_fits_its_segment_is_ignored(path) -> None:
    """A segment file of another size than the sidecar recorded (the segment is not the
    one the sidecar was made from) makes the sidecar stale."""
    expected, _ = searched(path)
    segid = segment_ids(path)[0]
    recorded = _header(path / f"MAIN_{segid}.kzterms")["files"]
    assert recorded and all(name.startswith(f"MAIN_{segid}.") for name in recorded)
    stale = sidecars.read(path, {"segment": segid, "doc_count": 1}, "terms")
    assert stale is None  # another document count
    with open(path / next(iter(recorded)), "ab") as file:
        file.write(b"\0")  # Whoosh ignores bytes past what its TOC points at
    found, counts = searched(path)
    assert found == expected and counts["terms built"] == counts["cols built"] == 1


def _header(file: Path) -> dict:
    with open(file, "rb") as handle:
        return sidecars._header(handle)[0]


def test_the_manifest_records_the_origin(path) -> None:
    from kzsearch.analysis import ANALYSIS_VERSION
    from kzsearch.index import SCHEMA_VERSION

    with Index.open(path) as index:
        segments = list(index._ix._segments())
    for segment in segments:
        for kind, suffix in sidecars.SUFFIXES.items():
            header = _header(path / f"MAIN_{segment.segid}.{suffix}")
            assert header["kind"] == kind and header["segment"] == segment.segid
            assert header["doc_count"] == segment.doc_count_all()
            assert header["format"] == sidecars.FORMAT_VERSION
            assert (header["analysis_version"], header["schema_version"]) == (
                ANALYSIS_VERSION, SCHEMA_VERSION)
            checks = header["page_crc32"] if kind == sidecars.POSTINGS else [header["crc32"]]
            assert set(header["arrays"]) and checks and all(isinstance(c, int) for c in checks)


def test_stock_whoosh_opens_the_index_and_finds_the_same_documents(path, tmp_path) -> None:
    without = tmp_path / "without"
    shutil.copytree(path, without)
    for name in sidecar_files(without):
        (without / name).unlink()
    script = (
        "import sys, whoosh.index, whoosh.query as q\n"
        "ix = whoosh.index.open_dir(sys.argv[1])\n"
        "with ix.searcher() as s:\n"
        "    for term in ('мектеп', 'спорт', 'қазақстан'):\n"
        "        hits = s.search(q.Term('body', term), limit=None)\n"
        "        print(term, sorted(h['id'] for h in hits))\n"
    )
    outputs = []
    for folder in (path, without):
        done = subprocess.run([sys.executable, "-c", script, str(folder)], check=True,
                              capture_output=True, text=True, env={**os.environ})
        assert "kzsearch.index" not in done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert any(line.split(" ", 1)[1] != "[]" for line in outputs[0].splitlines())


def test_sidecars_go_with_their_segment_on_merge_and_optimize(path, articles) -> None:
    before = set(segment_ids(path))
    with Index.open(path) as index:
        index.optimize()
    after = segment_ids(path)
    assert len(after) == 1 and not before & set(after)
    assert sidecar_files(path) == {f"MAIN_{after[0]}.{suffix}"
                                   for suffix in sidecars.SUFFIXES.values()}
    with Index.open(path) as index:  # small commits until Whoosh merges some
        for i in range(12):
            index.add_many([dataclasses.replace(articles[i], id=f"merge-{i}")])
    ids = segment_ids(path)
    assert sidecar_files(path) == {f"MAIN_{segid}.{suffix}" for segid in ids
                                   for suffix in sidecars.SUFFIXES.values()}
    assert len(ids) < 13  # some one-article segments were merged (and their sidecars went)


def test_a_commit_writes_the_sidecars_of_its_new_segments_only(path, articles) -> None:
    before = set(segment_ids(path))
    old = {name: os.stat(path / name).st_ino for name in sidecar_files(path)}
    with Index.open(path) as index:
        index.add_many([dataclasses.replace(articles[3], id="only-new")])
    new = set(segment_ids(path)) - before
    now = sidecar_files(path)
    assert new and now - set(old) == {f"MAIN_{segid}.{suffix}" for segid in new
                                      for suffix in sidecars.SUFFIXES.values()}
    kept = now & set(old)
    assert kept and all(os.stat(path / name).st_ino == old[name] for name in kept)


def test_an_index_without_sidecars_gets_them_on_its_next_write(path, articles) -> None:
    expected, _ = searched(path)
    for name in sidecar_files(path):
        (path / name).unlink()
    found, counts = searched(path)
    assert found == expected and counts.get("terms read", 0) == counts.get("cols read", 0) == 0
    with Index.open(path) as index:
        index.delete(["no-such-id"])  # any write
    ids = segment_ids(path)
    # all but the words files, which would have every article read in the commit
    # (`kzsearch index words` writes those: tests/test_completion.py)
    assert sidecar_files(path) == {f"MAIN_{segid}.{suffix}" for segid in ids
                                   for suffix in sidecars.SUFFIXES.values()
                                   if suffix != sidecars.SUFFIXES[sidecars.WORDS]}
    found, counts = searched(path)
    assert found == expected and counts["terms read"] == len(ids)
    with Index.open(path) as index:
        assert index.write_word_files() == len(ids)
    assert sidecar_files(path) == {f"MAIN_{segid}.{suffix}" for segid in ids
                                   for suffix in sidecars.SUFFIXES.values()}


def test_a_failed_sidecar_write_does_not_fail_the_commit(path, articles, monkeypatch) -> None:
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sidecars, "write", full_disk)
    with Index.open(path) as index:
        index.add_many([dataclasses.replace(articles[4], id="disk-full")])
        assert index.search("disk-full OR мектеп").total > 0
    monkeypatch.undo()
    ids = segment_ids(path)
    lacking = [segid for segid in ids if not (path / f"MAIN_{segid}.kzterms").exists()]
    assert lacking and len(sidecar_files(path)) == len(sidecars.SUFFIXES) * (len(ids)
                                                                           - len(lacking))
    found, counts = searched(path)
    assert counts["terms built"] == counts["cols built"] == len(lacking)


def test_readers_never_write_into_the_index_folder(path, monkeypatch) -> None:
    for name in sidecar_files(path):
        if name.endswith(".kzterms"):
            (path / name).unlink()
    listing = {name: os.stat(path / name).st_mtime_ns for name in os.listdir(path)}

    def refuse(*args, **kwargs):
        raise AssertionError("a reader wrote a sidecar")

    monkeypatch.setattr(sidecars, "write", refuse)
    searched(path)
    assert {name: os.stat(path / name).st_mtime_ns for name in os.listdir(path)} == listing


def test_sidecars_are_index_files_for_overwrite(path) -> None:
    assert sidecar_files(path) and not list(_foreign_entries(path))


def test_a_group_writable_sidecar_is_refused(path) -> None:
    name = sorted(sidecar_files(path))[0]
    os.chmod(path / name, 0o664)
    with pytest.raises(UntrustedIndexError, match=name):
        Index.open(path)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_sidecar_owned_by_another_user_is_refused(path) -> None:
    name = sorted(sidecar_files(path))[-1]
    os.chown(path / name, 4321, 4321)
    with pytest.raises(UntrustedIndexError, match=name):
        Index.open(path)


def test_a_state_from_sidecars_equals_one_built_from_the_segment(path) -> None:
    with Index.open(path) as index:
        reader = index._ix.reader()
        try:
            for leaf, _ in reader.leaf_readers():
                loaded, built = sidecars.load_state(path, leaf), SegmentState.build(leaf)
                assert loaded.names == built.names and loaded.size == built.size
                for name, values in column_arrays(built).items():
                    mine = column_arrays(loaded)[name]
                    assert mine.dtype == values.dtype and (mine == values).all(), name
                assert list(loaded.terms.frequencies()) == list(built.terms.frequencies())
        finally:
            reader.close()


def test_header_is_json_and_names_only_plain_number_arrays(path) -> None:
    segid = segment_ids(path)[0]
    raw = (path / f"MAIN_{segid}.kzcols").read_bytes()
    length = int.from_bytes(raw[len(sidecars.MAGIC):len(sidecars.MAGIC) + 8], "little")
    header = json.loads(raw[len(sidecars.MAGIC) + 8:len(sidecars.MAGIC) + 8 + length])
    assert {spec["dtype"] for spec in header["arrays"].values()} <= sidecars.DTYPES
    assert header["extra"]["names"]["rubric_key"][0] is None


def _typos(vocabulary, count: int) -> list[str]:
    """Misspellings of the index's most frequent long terms: a letter dropped, doubled or
    two swapped, the mistakes people make typing."""
    frequent = sorted((t for t in vocabulary.doc_freq if len(t) >= 6 and t.isalpha()),
                      key=lambda t: -vocabulary.doc_freq[t])[:count]
    typos = []
    for i, term in enumerate(frequent):
        cut = 2 + i % (len(term) - 3)
        typos += [term[:cut] + term[cut + 1:], term[:cut] + term[cut] + term[cut:],
                  term[:cut] + term[cut + 1] + term[cut] + term[cut + 2:]]
    return [typo for typo in typos if typo not in vocabulary]


def _groups_made(monkeypatch) -> list[str]:
    """The keys of the did-you-mean groups made from every segment from now on."""
    from kzsearch.search import vocabulary as vocabulary_module

    made: list[str] = []
    counts = vocabulary_module.TableVocabulary._counts

    def counting(self, kind, key):
        if kind == "head":
            made.append(key)
        return counts(self, kind, key)

    monkeypatch.setattr(vocabulary_module.TableVocabulary, "_counts", counting)
    return made


def test_suggestions_after_commits_equal_a_fresh_reader_s(path, articles, monkeypatch) -> None:
    """Each generation reuses the suggestion candidates of the one before when segments
    were only added (a first misspelling after a commit no longer reads every segment's
    group): the suggestions of a long-lived Index equal those of one opened afresh, after
    one-article commits that raise the frequencies of existing terms and after a merge."""
    index = Index.open(path)
    typos = _typos(index._current_snapshot().vocabulary, 40)
    assert len(typos) > 60
    remade = _groups_made(monkeypatch)
    live = [index._current_snapshot().vocabulary.closest(t) for t in typos]
    assert sum(s is not None for s in live) > len(typos) // 2
    reused = 0
    for i in range(8):
        donor = articles[(i * 7) % len(articles)]
        body = " ".join([donor.title] * 5 + [donor.body])  # its terms, more often
        index.add_many([dataclasses.replace(donor, id=f"suggest-{i}", body=body)])
        remade.clear()
        live = [index._current_snapshot().vocabulary.closest(t) for t in typos]
        if len(segment_ids(path)) == 4 + i:  # segments only added: no group made anew
            assert remade == [], i
            reused += 1
        candidates = [list(index._current_snapshot().vocabulary._candidates(t)) for t in typos]
        fresh_index = Index.open(path)
        fresh = [fresh_index._current_snapshot().vocabulary.closest(t) for t in typos]
        assert live == fresh, i
        # the candidates themselves, with their frequencies (which the commits raised)
        assert candidates == [list(fresh_index._current_snapshot().vocabulary._candidates(t))
                              for t in typos], i
        fresh_index.close()
    assert reused >= 3
    index.close()


def test_a_merge_without_deletions_keeps_the_suggestion_candidates(path, articles,
                                                                   monkeypatch) -> None:
    """A commit whose tiered merge replaces small segments by one (no deleted documents
    among them) updates the earlier generation's candidate groups from the segments it
    merged and made, instead of making them anew from every segment (at 100k articles
    that was 0.4 s of the first search after every fifth commit), with the answers a
    fresh reader gives."""
    index = Index.open(path)
    typos = _typos(index._current_snapshot().vocabulary, 40)
    remade = _groups_made(monkeypatch)
    [index._current_snapshot().vocabulary.closest(t) for t in typos]
    merged = 0
    for i in range(12):
        before = len(segment_ids(path))
        donor = articles[(i * 5) % len(articles)]
        index.add_many([dataclasses.replace(donor, id=f"merge-{i}", body=donor.body + " " +
                                            donor.title)])
        remade.clear()
        live = [index._current_snapshot().vocabulary.closest(t) for t in typos]
        if len(segment_ids(path)) < before:  # this commit merged segments
            merged += 1
            assert remade == [], i
        with Index.open(path) as fresh_index:
            assert live == [fresh_index._current_snapshot().vocabulary.closest(t)
                            for t in typos], i
    assert merged >= 1
    index.close()


def test_a_commit_brings_suggestions_up_to_date_from_its_own_terms(path, articles,
                                                                    monkeypatch) -> None:
    """After a one-article commit, an earlier answer is updated from the terms the new
    segment adds to the word's candidate groups: a handful of edit distances, not one
    per candidate (each sample article has terms in most misspellings' groups, so before
    this every one was looked up from all its candidates again); the answers are a fresh
    reader's, also where a commit's terms come near the misspellings."""
    from kzsearch.search import vocabulary as vocabulary_module

    index = Index.open(path)
    typos = _typos(index._current_snapshot().vocabulary, 40)
    distances = vocabulary_module.edit_distance
    compared: list[str] = []

    def counting(a, b, limit):
        compared.append(b)
        return distances(a, b, limit)

    monkeypatch.setattr(vocabulary_module, "edit_distance", counting)
    [index._current_snapshot().vocabulary.closest(t) for t in typos]
    first = len(compared)
    assert first > 20 * len(typos)  # hundreds of candidates a misspelling
    for i in range(4):
        donor = articles[(i * 11) % len(articles)]
        near = " ".join(typos[i::4])  # commits 1-3 also add misspellings near the others
        body = donor.body if i == 0 else f"{donor.body} {near}"
        index.add_many([dataclasses.replace(donor, id=f"update-{i}", body=body)])
        compared.clear()
        live = [index._current_snapshot().vocabulary.closest(t) for t in typos]
        assert len(compared) < first // 5, i
        with Index.open(path) as fresh_index:
            assert live == [fresh_index._current_snapshot().vocabulary.closest(t)
                            for t in typos], i
    index.close()


def _lookups(vocabulary, terms: list[str]) -> list:
    from kzsearch.analysis import fold_key
    from kzsearch.search.vocabulary import loose_prefix_key, prefix_key

    return [(vocabulary.frequency(t), t in vocabulary, vocabulary.with_prefix(prefix_key(t)),
             vocabulary.folded(fold_key(t)),
             vocabulary.with_loose_prefix(loose_prefix_key(fold_key(t)))) for t in terms]


def test_lookups_after_commits_read_only_the_changed_segments(path, articles,
                                                              monkeypatch) -> None:
    """A generation's look-ups (frequency, prefix classes, folded forms) bring the earlier
    generation's sums up to date from the segments added and removed since, instead of
    looking in every segment again; after one-article commits, upserts that delete and
    a merge, they equal a fresh reader's."""
    from kzsearch.search import terms as terms_module

    index = Index.open(path)
    vocabulary = index._current_snapshot().vocabulary
    words = sorted(vocabulary.doc_freq, key=lambda t: -vocabulary.doc_freq[t])[:60]
    words += ["жоқсөзқазақ", "zzz"]  # unknown: their (empty) sums are carried too
    looked: list[int] = []
    members = terms_module.TermTable.members

    def counting(self, kind, key):
        looked.append(id(self))
        return members(self, kind, key)

    monkeypatch.setattr(terms_module.TermTable, "members", counting)
    _lookups(vocabulary, words)
    merged = 0
    for i in range(7):
        before = len(segment_ids(path))
        donor = articles[(i * 3) % len(articles)]
        replaced = articles[i].id if i % 3 == 2 else f"lookup-{i}"  # an upsert deletes
        index.add_many([dataclasses.replace(donor, id=replaced, body=donor.body + " " +
                                            words[i])])
        added_only = len(segment_ids(path)) == before + 1
        merged += not added_only
        looked.clear()
        vocabulary = index._current_snapshot().vocabulary
        live = _lookups(vocabulary, words)
        if added_only:  # each of the 4 kinds of key looked up in the new segment alone
            assert len(looked) <= 4 * len(words) < 4 * len(words) * len(vocabulary.tables), i
        with Index.open(path) as fresh_index:
            assert live == _lookups(fresh_index._current_snapshot().vocabulary, words), i
    assert merged >= 1
    index.close()


def test_a_segment_is_searched_for_a_term_once_not_once_per_generation(path, articles,
                                                                       monkeypatch) -> None:
    """Where a term's postings lie in a segment's mapped table is remembered by the
    segment: after a one-article commit the same searches look terms up in the new
    segment's table only, and give what a fresh reader gives."""
    from kzsearch.search import terms as terms_module

    index = Index.open(path)
    results_of(index, index._current_snapshot())
    found = terms_module.TermTable.find
    asked: list[int] = []

    def counting(self, term):
        asked.append(id(self))
        return found(self, term)

    monkeypatch.setattr(terms_module.TermTable, "find", counting)
    for i in range(2):
        donor = articles[i * 9]
        index.add_many([dataclasses.replace(donor, id=f"spans-{i}")])
        snapshot = index._current_snapshot()
        states = index._segments.states(snapshot.reader, snapshot.version.directory)
        asked.clear()
        live = results_of(index, snapshot)
        assert asked and set(asked) == {id(states[-1].terms)}, i  # the new segment's alone
        with Index.open(path) as fresh:
            assert live == results_of(fresh, fresh._current_snapshot()), i
    index.close()


def test_a_suggestion_follows_the_frequencies_commits_change(path, articles) -> None:
    """A misspelling between two known terms: commits of articles with the less frequent
    one make it the more frequent, and the long-lived Index's suggestion moves with it,
    as a fresh Index's does (an earlier generation's answer is reused only when no new
    segment has a term among the word's candidates)."""
    from kzsearch.search.vocabulary import edit_distance

    index = Index.open(path)
    vocabulary = index._current_snapshot().vocabulary
    pairs = []
    for typo in _typos(vocabulary, 60):
        limit = 1 if len(typo) < 6 else 2
        near = sorted((edit_distance(typo, term, limit), -count, term)
                      for term, count in vocabulary._candidates(typo))
        if len(near) >= 2 and near[0][0] == near[1][0] <= limit and near[1][1] - near[0][1] < 6:
            pairs.append((typo, near[0][2], near[1][2], near[1][1] - near[0][1]))
    assert pairs, "no misspelling between two known terms of one distance in the sample"
    typo, leader, runner_up, gap = min(pairs, key=lambda pair: pair[3])
    assert vocabulary.closest(typo) == leader
    moved = False
    for i in range(gap + 3):  # articles of the runner-up alone, one commit each
        index.add_many([dataclasses.replace(articles[i], id=f"follow-{i}", title=runner_up,
                                            body=runner_up)])
        live = index._current_snapshot().vocabulary.closest(typo)
        with Index.open(path) as fresh:
            assert live == fresh._current_snapshot().vocabulary.closest(typo), i
        moved = moved or live == runner_up
    assert moved, (typo, leader, runner_up)
    index.close()
