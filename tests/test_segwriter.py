"""kzsearch's segment writer writes what Whoosh's writer writes, and Whoosh reads it back.

The same real articles (the bundled Kazakh and Russian sample, Latin-script copies, empty
fields and missing values) are written once by Whoosh's ``SegmentWriter`` and once by
:class:`kzsearch.segwriter.FastSegmentWriter`, with the same deletions and upserts; then
the files, every reader view (terms, frequencies, postings with positions, lengths,
stored fields, columns, counts), stock Whoosh searches and kzsearch searches must agree.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import whoosh.index
from whoosh.query import Phrase, Term
from whoosh.writing import SegmentWriter

from kzsearch import Article, Index, read_articles, sample_corpus_path
from kzsearch.analysis import analyze
from kzsearch.index import article_document
from kzsearch.segwriter import FastSegmentWriter
from kzsearch.text.translit import to_latin

QUERIES = ["мемлекеттердің бюджеті", "бюджет", "Астана", "выборы президента", "\"жаңа мектеп\"",
           "mektep", "budjet", "Олимпиада", "rubric:Спорт", "-бюджет", "су"]


def _articles() -> list[Article]:
    """The sample eight times (common stems then fill several 128-posting blocks), its
    Latin-script copies, and articles with empty or missing fields."""
    sample = list(read_articles(sample_corpus_path()))
    copies = [dataclasses.replace(a, id=f"{a.id}-{n}") for n in range(8) for a in sample]
    latin = [dataclasses.replace(a, id=f"{a.id}-lat", title=to_latin(a.title),
                                 body=to_latin(a.body)) for a in sample]
    odd = [
        Article(id="empty-body", title="Бос мақала", body=""),
        Article(id="empty-title", title="", body=sample[0].body),
        Article(id="both-empty", title="", body=""),
        Article(id="bare", title="Тек тақырып", body="Мәтін", views=0, read_minutes=0),
    ]
    return copies + latin + odd


def _build(path: Path, writer_class: type, articles: list[Article], **options: Any) -> Path:
    """Two commits: most articles, then upserts and deletions of some and the rest."""
    ix = Index.create(path).whoosh_index
    first, rest = articles[:150], articles[150:]
    writer = writer_class(ix, **options)
    for article in first:
        writer.add_document(**article_document(article))
    writer.commit()
    writer = writer_class(ix, **options)
    for article in first[10:20]:  # deleted
        writer.delete_by_term("id", article.id)
    for article in first[30:40]:  # upserted with another title
        writer.delete_by_term("id", article.id)
        changed = dataclasses.replace(article, title=article.title + " жаңартылды")
        writer.add_document(**article_document(changed))
    for article in rest:
        writer.add_document(**article_document(article))
    writer.commit()
    return path


def _index_files(path: Path) -> dict[str, bytes]:
    """Segment files by kind (their names differ only by the random segment id) and the
    segment's place in the TOC; a compound file counts as the files inside it."""
    ix = whoosh.index.open_dir(str(path))
    files = {}
    for place, segment in enumerate(ix._segments()):
        prefix = f"{segment.indexname}_{segment.segid}"
        storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
        for name in storage.list():
            if name.startswith(prefix + "."):
                with storage.open_file(name) as file:
                    files[f"{place}{name[len(prefix):]}"] = bytes(file.read())
    return files


def _postings(reader: Any, field: str, text: bytes) -> list[tuple[int, float, bytes]]:
    matcher = reader.postings(field, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def reader_view(path: Path) -> dict[str, Any]:
    """Everything a Whoosh reader tells about the index, in document order."""
    with whoosh.index.open_dir(str(path)).reader() as reader:
        docs = list(reader.all_doc_ids())
        view: dict[str, Any] = {
            "counts": (reader.doc_count(), reader.doc_count_all()),
            "stored": [reader.stored_fields(n) for n in docs],
            "columns": {name: [reader.column_reader(name)[n] for n in docs]
                        for name in ("rubric_key", "month", "day", "popularity")},
        }
        for field in sorted(reader.indexed_field_names()):
            terms = list(reader.lexicon(field))
            view[field] = {
                "terms": [(t, reader.doc_frequency(field, t), reader.frequency(field, t),
                           _postings(reader, field, t)) for t in terms],
                "lengths": [reader.doc_field_length(n, field) for n in docs],
                "total length": reader.field_length(field),
            }
    return view


def whoosh_hits(path: Path) -> dict[str, list[str]]:
    """Ids found by Whoosh's own searcher for term and phrase queries."""
    russian = next(a for a in read_articles(sample_corpus_path()) if a.lang == "ru")
    queries = {
        "term бюджет": Term("body", analyze("бюджет")[0]),
        "term title": Term("title", analyze("сайлау")[0]),
        "term latin": Term("body", analyze("mektep")[0]),
        "term russian": Term("body", analyze(russian.body)[4]),
        "phrase": Phrase("body", analyze("республикалық бюджет")),
        "rubric": Term("rubric", "Спорт"),
    }
    with whoosh.index.open_dir(str(path)).searcher() as searcher:
        return {name: sorted(hit["id"] for hit in searcher.search(query, limit=None))
                for name, query in queries.items()}


def kzsearch_results(path: Path) -> list[Any]:
    with Index.open(path) as index:
        found = []
        for query in QUERIES:
            results = index.search(query, per_page=500)
            found.append((query, results.total, results.facets,
                          [(hit.id, hit.score) for hit in results.hits]))
        return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    articles = _articles()
    root = tmp_path_factory.mktemp("segwriter")
    paths = {
        "whoosh": _build(root / "whoosh", SegmentWriter, articles, compound=False),
        "fast": _build(root / "fast", FastSegmentWriter, articles, compound=False),
        "whoosh compound": _build(root / "whoosh-c", SegmentWriter, articles),
        "fast compound": _build(root / "fast-c", FastSegmentWriter, articles),
    }
    return paths.__getitem__


def test_articles_cover_the_cases() -> None:
    articles = _articles()
    assert any(a.lang == "ru" or "ru-" in a.id for a in read_articles(sample_corpus_path()))
    assert any(not a.body for a in articles) and any(not a.title for a in articles)
    frequencies = Counter(t for a in articles for t in set(analyze(a.body)))
    assert sum(df > 128 for df in frequencies.values()) > 5  # terms of several blocks


@pytest.mark.parametrize("compound", [False, True])
def test_files_are_byte_for_byte_whooshs(built: Callable[[str], Path], compound: bool) -> None:
    suffix = " compound" if compound else ""
    ours, theirs = _index_files(built("fast" + suffix)), _index_files(built("whoosh" + suffix))
    for name in ("fast", "whoosh"):
        assert any(built(name + suffix).glob("*.seg")) == compound
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []


def test_readers_are_identical(built: Callable[[str], Path]) -> None:
    ours, theirs = reader_view(built("fast")), reader_view(built("whoosh"))
    assert ours["counts"] == theirs["counts"] == (len(_articles()) - 10, len(_articles()) + 10)
    assert ours == theirs
    positions = [v for _, _, _, posts in ours["body"]["terms"] for _, _, v in posts]
    assert positions and all(isinstance(v, bytes) and v for v in positions)
    terms = {t for t, *_ in ours["body"]["terms"]}
    russian = next(a for a in read_articles(sample_corpus_path()) if a.lang == "ru")
    assert {t.encode() for t in analyze(russian.body)} <= terms


def test_stock_whoosh_finds_the_same(built: Callable[[str], Path]) -> None:
    ours, theirs = whoosh_hits(built("fast")), whoosh_hits(built("whoosh"))
    assert ours == theirs
    assert all(ours.values()), ours


def test_kzsearch_results_are_identical(built: Callable[[str], Path]) -> None:
    ours, theirs = kzsearch_results(built("fast")), kzsearch_results(built("whoosh"))
    assert ours == theirs
    assert sum(total for _, total, _, _ in ours) > 100


def _whoosh_writes(path: Path, articles: list[Article]) -> None:
    """Later commits by Whoosh's own writer: an add, a delete with a merge, an optimize."""
    ix = whoosh.index.open_dir(str(path))
    with ix.writer() as writer:
        for article in articles[:5]:
            copy = dataclasses.replace(article, id="w-" + article.id)
            writer.add_document(**article_document(copy))
    with ix.writer() as writer:
        for article in articles[40:45]:
            writer.delete_by_term("id", article.id)
        writer.mergetype = lambda w, segments: _merge_all(w, segments)
    with ix.writer() as writer:
        writer.optimize = True


def _merge_all(writer: Any, segments: list[Any]) -> list[Any]:
    from whoosh.reading import SegmentReader

    for segment in segments:
        with SegmentReader(writer.storage, writer.schema, segment) as reader:
            writer.add_reader(reader)
    return []


def test_whoosh_writes_on_our_index_stay_identical(tmp_path: Path) -> None:
    articles = _articles()
    ours = _build(tmp_path / "fast", FastSegmentWriter, articles)
    theirs = _build(tmp_path / "whoosh", SegmentWriter, articles)
    before = kzsearch_results(ours)
    for path in (ours, theirs):
        _whoosh_writes(path, articles)
    assert reader_view(ours) == reader_view(theirs)
    assert kzsearch_results(ours) == kzsearch_results(theirs) != before
    assert whoosh_hits(ours) == whoosh_hits(theirs)


def _batched(path: Path, articles: list[Article], batch: int) -> Iterator[int]:
    """One commit of several segments; a repeated id deletes its earlier document."""
    ix = Index.create(path).whoosh_index
    writer = FastSegmentWriter(ix)
    placed: dict[str, tuple[int, int]] = {}
    for number, article in enumerate(articles, 1):
        if article.id in placed:
            writer.delete_written(placed[article.id])
        placed[article.id] = writer.position()
        writer.add_document(**article_document(article))
        if number % batch == 0:
            writer.flush_batch()
            yield writer.flushed_segments()
    writer.commit()


def test_batches_make_one_commit_of_several_segments(tmp_path: Path) -> None:
    articles = _articles()
    repeated = [dataclasses.replace(a, title=a.title + " ескі") for a in articles[:30]]
    flushed = list(_batched(tmp_path / "batched", repeated + articles, batch=70))
    single = _build(tmp_path / "single", FastSegmentWriter, [], compound=False)
    ix = whoosh.index.open_dir(str(single))
    with ix.writer() as writer:
        for article in articles:
            writer.add_document(**article_document(article))
    batched = whoosh.index.open_dir(str(tmp_path / "batched"))
    assert len(batched._segments()) == len(flushed) + 1 > 3
    assert batched.doc_count() == len(articles) == ix.doc_count()
    assert whoosh_hits(tmp_path / "batched") == whoosh_hits(single)
    for (query, total, facets, hits), (_, total2, facets2, hits2) in zip(
            kzsearch_results(tmp_path / "batched"), kzsearch_results(single), strict=True):
        assert (total, facets) == (total2, facets2), query
        assert {i for i, _ in hits} == {i for i, _ in hits2}, query


def test_merges_of_small_segments_match_whooshs(tmp_path: Path) -> None:
    """Whoosh's merge policy, run by our writer's commits, merges the small segments of many
    small commits into its new segment (their postings join ours) as Whoosh's does."""
    articles = _articles()
    paths = {}
    for name, writer_class in (("fast", FastSegmentWriter), ("whoosh", SegmentWriter)):
        ix = Index.create(tmp_path / name).whoosh_index
        for start in range(0, 60, 6):
            writer = writer_class(ix)
            for article in articles[start:start + 6]:
                writer.add_document(**article_document(article))
            if start == 30:
                writer.delete_by_term("id", articles[3].id)
            writer.commit()
        paths[name] = tmp_path / name
    segments = whoosh.index.open_dir(str(paths["fast"]))._segments()
    assert 1 < len(segments) < 10  # some commits merged
    assert _index_files(paths["fast"]).keys() == _index_files(paths["whoosh"]).keys()
    assert reader_view(paths["fast"]) == reader_view(paths["whoosh"])
    assert kzsearch_results(paths["fast"]) == kzsearch_results(paths["whoosh"])


def _optimized(path: Path, writer_class: type) -> Path:
    ix = whoosh.index.open_dir(str(path))
    writer = writer_class(ix)
    writer.commit(optimize=True)
    assert len(whoosh.index.open_dir(str(path))._segments()) == 1
    return path


def test_optimize_copies_blocks_and_matches_whooshs(built: Callable[[str], Path],
                                                    tmp_path: Path) -> None:
    """An optimize of two segments, one with deletions and upserts, many terms in several
    blocks: block by block (kzsearch.segmerge), the reader sees what Whoosh's merge gives."""
    paths = {}
    for name, writer_class in (("fast", FastSegmentWriter), ("whoosh", SegmentWriter)):
        shutil.copytree(built("whoosh"), tmp_path / name)
        paths[name] = _optimized(tmp_path / name, writer_class)
    assert reader_view(paths["fast"]) == reader_view(paths["whoosh"])
    assert whoosh_hits(paths["fast"]) == whoosh_hits(paths["whoosh"])
    assert kzsearch_results(paths["fast"]) == kzsearch_results(paths["whoosh"])


def test_index_optimize_sends_no_posting_through_whooshs_posting_path(
        built: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Index.optimize`` and ``Index.merge`` write with kzsearch's writer, whose merges
    never hand a posting to Whoosh's per-posting path (``_process_posts``): it took about
    three minutes to optimize a 20k-article index of 20 segments."""
    shutil.copytree(built("whoosh"), tmp_path / "ix")
    before = kzsearch_results(tmp_path / "ix")
    passed = []
    process_posts = SegmentWriter._process_posts

    def counted(self: Any, items: Any, startdoc: int, docmap: Any) -> Any:
        for item in process_posts(self, items, startdoc, docmap):
            passed.append(item)
            yield item

    monkeypatch.setattr(SegmentWriter, "_process_posts", counted)
    with Index.open(tmp_path / "ix") as index:
        index.optimize()
        assert index.stats().segments == 1
    assert passed == []
    assert kzsearch_results(tmp_path / "ix") == before
