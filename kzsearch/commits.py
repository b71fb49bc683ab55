"""What a commit needs from the segments it writes over, at a cost that does not grow with them.

A one-article commit must stay cheap however large the index is (issue 15: p95 <= 200 ms
at 100k articles). Whoosh 2.7.4 makes three of its steps cost the whole index:

* **Counting documents opens every segment.** ``FileIndex.doc_count()`` builds a reader
  over all segments, and opening a compound segment through its memory map copies the
  segment's terms and postings files into memory (``BufferFile`` wraps the map in a
  ``BytesIO``, which copies): hundreds of megabytes at 100k articles, for a number the
  TOC already holds. :func:`live_documents` adds up the TOC's per-segment counts (each
  segment's documents less its deletions), which is what Whoosh's reader reports.
* **Finding which ids exist** (an upsert replaces them; a delete removes them) opened a
  searcher over all segments, and ``delete_by_term`` another. :func:`locate_ids` looks
  each id up in each segment's term table through plain file reads (no copy, no stored
  fields, lengths or columns), and returns the document numbers, which the writer then
  deletes directly.
* **Merging.** Whoosh's default policy (``MERGE_SMALL``) keeps re-merging a growing small
  segment, through its per-posting Python writer, every few commits, and once enough
  small segments pile up it merges the large ones too. :func:`tiered_merge` merges a
  bounded amount; see its docstring for the bound on the number of segments.

Everything here reads only files of segments named by a TOC read under the writer lock,
so it sees the commit the writer will replace; nothing is cached between commits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from whoosh.filedb.compound import CompoundStorage
from whoosh.reading import SegmentReader, TermNotFound

# A tier holds segments of MERGE_FACTOR**level to MERGE_FACTOR**(level + 1) - 1 live
# documents; a commit that finds MERGE_FACTOR segments in one tier merges them. Five keeps
# the commits that merge the smallest tier (one in five, five documents each) cheap, and
# those that merge more (one in 25 or fewer) under the 5 % that a p95 tolerates.
MERGE_FACTOR = 5
# Segments of this many documents or more are never merged by a commit (only by
# ``optimize``): a merge costs time in proportion to what it merges (block by block, see
# kzsearch.segmerge: about 3 ms a document at 20k articles), so the largest merge a commit
# makes (MERGE_FACTOR segments of the last tier, about 3,000 documents) takes seconds, once
# in ~600 commits.
MAX_MERGE_DOCS = MERGE_FACTOR ** 4


def live_documents(segments: Iterable[Any]) -> int:
    """Documents of ``segments`` that are not deleted: the count a Whoosh reader of them
    reports (``SegmentReader.doc_count`` is its segment's ``doc_count``), from the TOC
    alone."""
    return sum(segment.doc_count() for segment in segments)


def locate_ids(storage: Any, schema: Any, segments: Sequence[Any],  # noqa: PLR0913
               ids: Iterable[str], field: str = "id", cache: TermsCache | None = None
               ) -> dict[str, list[int]]:
    """The live (not deleted) document numbers of each of ``ids`` in ``segments``, numbered
    as a writer over those segments numbers them (segment after segment, in TOC order).

    Ids that no live document holds are left out. Each segment costs one term-table look-up
    per id; a segment's files are opened without reading more than the entries asked for,
    or, with a ``cache``, only by the first commit that looks in the segment.
    """
    wanted = list(dict.fromkeys(ids))
    fieldobj = schema[field]
    keys = {doc_id: fieldobj.to_bytes(doc_id) for doc_id in wanted}
    found: dict[str, list[int]] = {}
    base = 0
    for segment in segments:
        if segment.doc_count() and wanted:
            with (cache.terms(storage, segment) if cache is not None
                  else _terms_of(storage, segment)) as terms:
                for doc_id in wanted:
                    for docnum in _live_postings(terms, segment, field, keys[doc_id], fieldobj):
                        found.setdefault(doc_id, []).append(base + docnum)
        base += segment.doc_count_all()
    if cache is not None:
        cache.keep(segments)
    return found


class TermsCache:
    """The term tables of an index's segments, opened once and kept between commits.

    Opening a segment's term table reads the header of Whoosh's hash file in a few hundred
    small reads (~2 ms a segment; a commit looks in every segment, some twice). A segment's
    files never change, so the table opened for one commit answers the next; the segments
    a commit no longer has are closed (:meth:`keep`), and all of them by :meth:`close`.
    Entries are keyed by the index directory's identity too (a rebuild replaces the
    directory). Safe for threads: one look-up at a time.
    """

    def __init__(self) -> None:
        self._open: dict[tuple[int, int, str], tuple[ExitStack, Any]] = {}
        self._lock = threading.RLock()

    @contextmanager
    def terms(self, storage: Any, segment: Any) -> Iterator[Any]:
        """The open term table of ``segment`` (held under the cache's lock while used)."""
        with self._lock:
            key = _directory_key(storage, segment)
            entry = self._open.get(key)
            if entry is None:
                stack = ExitStack()
                try:
                    entry = (stack, stack.enter_context(_terms_of(storage, segment)))
                except BaseException:
                    stack.close()
                    raise
                self._open[key] = entry
            yield entry[1]

    def keep(self, segments: Iterable[Any]) -> None:
        """Close the term tables of segments not among ``segments`` (of any index)."""
        wanted = {segment.segid for segment in segments}
        with self._lock:
            for key in [key for key in self._open if key[2] not in wanted]:
                self._open.pop(key)[0].close()

    def close(self) -> None:
        with self._lock:
            while self._open:
                self._open.popitem()[1][0].close()


def _directory_key(storage: Any, segment: Any) -> tuple[int, int, str]:
    found = os.stat(storage.folder)
    return found.st_dev, found.st_ino, segment.segid


def _live_postings(terms: Any, segment: Any, field: str, key: bytes,
                   fieldobj: Any) -> Iterator[int]:
    try:
        matcher = terms.matcher(field, key, fieldobj.format, scorer=None)
    except TermNotFound:
        return
    for docnum in matcher.all_ids():
        if not segment.is_deleted(docnum):
            yield docnum


@contextmanager
def _terms_of(storage: Any, segment: Any) -> Iterator[Any]:
    """The term table of one segment, read through plain file reads.

    A compound segment is opened without its memory map: Whoosh serves the map's files
    as ``BytesIO`` copies of whole terms and postings files, the cost this avoids.
    """
    with ExitStack() as stack:
        files = storage
        if segment.is_compound():
            dbfile = storage.open_file(segment.make_filename(segment.COMPOUND_EXT))
            stack.callback(dbfile.close)
            files = CompoundStorage(dbfile, use_mmap=False)
        terms = segment.codec().terms_reader(files, segment)
        stack.callback(terms.close)
        yield terms


def tier(documents: int) -> int:
    """The tier of a segment of ``documents`` live documents: the largest ``t`` with
    ``MERGE_FACTOR ** t <= documents`` (tier 0 also holds empty segments)."""
    level = 0
    while documents >= MERGE_FACTOR ** (level + 1):
        level += 1
    return level


def merge_plan(segments: Sequence[Any]) -> list[Any]:
    """The segments a commit over ``segments`` merges into its new segment.

    Segments without live documents are always dropped (there is nothing to copy, so the
    commit that deletes a segment's last article removes the segment). Of the others,
    those of fewer than ``MAX_MERGE_DOCS`` documents
    (deleted ones included: a merge reads them all) are grouped by :func:`tier` of their
    live documents; the lowest tier holding ``MERGE_FACTOR`` or more segments is merged,
    and only that one (its documents, with the commit's own, land in a higher tier, which
    a later commit merges when it fills).
    """
    tiers: dict[int, list[Any]] = {}
    for segment in segments:
        live = segment.doc_count()
        if live and segment.doc_count_all() < MAX_MERGE_DOCS:
            tiers.setdefault(tier(live), []).append(segment)
    full = [level for level, members in tiers.items() if len(members) >= MERGE_FACTOR]
    chosen = tiers[min(full)] if full else []
    empty = [segment for segment in segments if segment.doc_count() == 0]
    return chosen + empty


def tiered_merge(writer: Any, segments: Sequence[Any]) -> list[Any]:
    """A Whoosh merge policy (``writer.commit(mergetype=tiered_merge)``): merges the
    segments of :func:`merge_plan` into the writer's new segment and returns the others.

    Bounded: a commit adds one segment, to one tier, and empties the lowest full tier, so
    over one-article commits no tier below the cap ever holds more than ``MERGE_FACTOR``
    segments (``tests/test_commits.py`` follows 5,000 such commits): with the defaults,
    four tiers of at most five, 20 small segments however many commits are made. Larger
    segments come from builds, from merges of the last tier and from ``optimize``: each
    holds at least ``MAX_MERGE_DOCS`` documents when made, so there are at most documents /
    ``MAX_MERGE_DOCS`` of them (one more per ~780 one-article commits; ``optimize`` merges
    them). A commit merges at most one tier: one commit in five rewrites five one-article
    segments, one in 25 about 30 documents, one in ~780 about 780 (seconds through
    Whoosh's writer); a build's segment is never rewritten by a commit. Each document is
    rewritten once per tier, four times in all.
    """
    merged = merge_plan(segments)
    if not merged:
        return list(segments)
    dropped = {id(segment) for segment in merged}
    for segment in merged:
        if segment.doc_count():
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
    return [segment for segment in segments if id(segment) not in dropped]
