"""Streaming writes: ``add_many`` reads, analyses and writes the input in batches.

Memory is bounded by the batch, not the input (the input is read lazily: counted below,
never timed); the later record of an id wins across batches; the report's counts stay
exact; progress covers every stage; a failure half-way commits nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from kzsearch import Article, Index, read_articles, sample_corpus_path
from kzsearch.index import BuildProgress
from kzsearch.segwriter import FastSegmentWriter


def _sample() -> list[Article]:
    return list(read_articles(sample_corpus_path()))


def _renamed(articles: list[Article], suffix: str) -> list[Article]:
    return [dataclasses.replace(a, title=f"{a.title} {suffix}") for a in articles]


def test_the_later_record_wins_across_batches(tmp_path: Path) -> None:
    sample = _sample()
    records = _renamed(sample[:20], "ескі") + sample[20:] + _renamed(sample[:10], "жаңа")
    index = Index.create(tmp_path / "ix")
    report = index.add_many(records, batch_size=7)
    assert (report.read, report.accepted, report.duplicates, report.updated) == (
        len(records), len(records), 10, 0)
    assert len(index) == len(sample)
    stored = {hit.id: hit.title for hit in index.search("жаңа OR ескі", per_page=100).hits}
    assert {i for i, t in stored.items() if t.endswith(" жаңа")} == {a.id for a in sample[:10]}
    assert {i for i, t in stored.items() if t.endswith(" ескі")} == {a.id for a in sample[10:20]}
    second = index.add_many(_renamed(sample[5:15], "үшінші"), batch_size=3)
    assert second.updated == 10 and len(index) == len(sample)


def test_batches_give_the_results_of_one_batch(tmp_path: Path) -> None:
    records = _sample() + _renamed(_sample()[::3], "қайта")
    small, whole = Index.create(tmp_path / "small"), Index.create(tmp_path / "whole")
    small.add_many(records, batch_size=6)
    whole.add_many(records, batch_size=10_000)
    assert small.stats().segments > 5 and whole.stats().segments == 1
    for query in ("мемлекеттердің бюджеті", "\"жаңа мектеп\"", "қайта", "выборы", "su"):
        ours, theirs = small.search(query, per_page=100), whole.search(query, per_page=100)
        assert (ours.total, ours.facets) == (theirs.total, theirs.facets), query
        assert {h.id for h in ours.hits} == {h.id for h in theirs.hits}, query


def test_the_input_is_read_one_batch_ahead_at_most(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """What bounds memory: when a batch is written, no more than it has been read."""
    read = 0

    def records() -> Iterator[Article]:
        nonlocal read
        for n in range(4):
            for article in _sample():
                read += 1
                yield dataclasses.replace(article, id=f"{article.id}-{n}")

    at_flush: list[int] = []
    original = FastSegmentWriter.flush_batch

    def flush(writer: FastSegmentWriter) -> None:
        at_flush.append(read)
        original(writer)

    monkeypatch.setattr(FastSegmentWriter, "flush_batch", flush)
    Index.create(tmp_path / "ix").add_many(records(), batch_size=30)
    assert at_flush == [60, 90, 120, 150, 180, 204]  # batch n is flushed once n+1 is read
    assert read == 204


def test_progress_reports_every_stage_to_the_end(tmp_path: Path) -> None:
    class Listener:
        def __init__(self) -> None:
            self.events: list[BuildProgress] = []

        def update(self, event: BuildProgress) -> None:
            self.events.append(event)

    listener, counts = Listener(), []
    records = [dataclasses.replace(a, id=f"{a.id}-{n}") for n in range(5) for a in _sample()]
    Index.create(tmp_path / "a").add_many(records, progress=listener, batch_size=100,
                                          expected=len(records) + 3)
    stages = [e.stage for e in listener.events]
    assert stages[-2:] == ["committing", "done"] and stages.count("flushing") == 2
    assert stages.index("flushing") > stages.index("indexing")
    assert all(e.total == len(records) + 3 for e in listener.events)
    assert [e.done for e in listener.events] == sorted(e.done for e in listener.events)
    assert listener.events[-1].done == len(records)
    Index.create(tmp_path / "b").add_many(records, progress=counts.append, procs=1)
    assert counts[-1] == len(records) and counts == sorted(counts)


def test_a_failure_half_way_commits_nothing(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix")
    index.add_many(_sample()[:5])

    def failing() -> Iterator[Article]:
        for n, article in enumerate(_sample() * 3):
            if n == 70:
                raise RuntimeError("source broke")
            yield dataclasses.replace(article, id=f"new-{n}")

    with pytest.raises(RuntimeError, match="source broke"):
        index.add_many(failing(), batch_size=20)
    assert len(Index.open(tmp_path / "ix")) == 5
    segment_files = {p.name.split(".")[0] for p in (tmp_path / "ix").glob("MAIN_*.*")}
    assert len(segment_files) == 1  # the flushed batches' files were removed
    with pytest.raises(RuntimeError), Index.building(tmp_path / "ix", overwrite=True) as new:
        new.add_many(failing(), batch_size=20)
    assert len(Index.open(tmp_path / "ix")) == 5


def test_every_segment_of_a_batched_build_gets_its_sidecar_files(tmp_path: Path) -> None:
    """A batch flushed as a segment of the commit is published with the others, so the
    commit's sidecar hook must see it too: else readers rebuild its arrays and term table
    from Whoosh's postings on every open."""
    index = Index.create(tmp_path / "ix")
    index.add_many(_sample(), batch_size=7)
    segments = index.whoosh_index._segments()
    assert len(segments) > 2
    for segment in segments:
        for suffix in ("kzcols", "kzterms"):
            path = tmp_path / "ix" / f"{segment.segment_id()}.{suffix}"
            assert path.is_file(), path.name
