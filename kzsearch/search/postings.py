"""Decoded postings kept per segment, so that a commit throws none of them away.

A term's postings in a segment (document numbers local to the segment, deleted ones
included, and frequencies) never change: the segment's files do not, and deletions are
applied later, by the generation's live mask. So they are decoded once per segment and
kept under the segment's :attr:`~kzsearch.search.leaves.Leaf.key`, which every generation
that has the segment shares; a generation's postings of a term are the concatenation of
its segments', each shifted by the segment's document-number offset
(:func:`compose`). A commit that adds one small segment then decodes only that
segment's postings; a merge, only the merged segment's.

A term's positions (for phrases) are kept per segment too, for the documents phrases
asked about (:func:`positions`).

A prefix class (the terms sharing a stem's first letters, scored as one term, see
:mod:`kzsearch.search.scoring`) is kept per segment the same way: its members' summed
frequencies per document (:func:`class_postings`), so a new generation's class costs a
concatenation over segments, not a pass over every member of every segment.

Everything cached here lives in one :class:`SizedCache` per index, bounded by the
number of postings it holds, whatever the number of segments and generations; the
entries of a segment are dropped when the last generation using it lets go of it,
those of a generation when the generation closes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

import numpy as np

from kzsearch.search import arrays
from kzsearch.search.leaves import Leaf
from kzsearch.search.postingtable import PostingTable

Sparse = tuple[np.ndarray, np.ndarray]  # document numbers and one value for each
# Postings (8 bytes each) kept per index: 256 MB. One budget holds both the per-segment
# entries and each generation's composed ones, so it must hold a working set about twice:
# at 100k articles (20 segments) 600 distinct benchmark queries, run a second time, took
# warm p50 27-62 ms with 128 MB and 34-78 ms with 64 MB (every entry evicted before its
# query came back) against 4-8 ms with 256 MB. It is filled only by what searches read.
CACHE_POSTINGS = 32_000_000
EMPTY: Sparse = (arrays.EMPTY_IDS, arrays.EMPTY_TF)


class SizedCache:
    """Least recently used (document numbers, values) pairs, bounded by their total length.

    Each entry may belong to a group (say, a segment), and :meth:`forget` drops a whole
    group at once. Safe for many threads: the lock guards the dictionaries and the running
    total; the value is made outside it, so two threads may make the same one at once,
    and the first one stored is the one both get.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._items: OrderedDict[Hashable, tuple[Sparse, Hashable]] = OrderedDict()
        self._groups: dict[Hashable, set[Hashable]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Sparse], group: Hashable = None) -> Sparse:
        """The value stored under ``key``, made (and stored in ``group``) if missing."""
        found = self.peek(key)
        if found is not None:
            return found
        made = make()
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                return item[0]
            self._store(key, made, group)
        return made

    def put(self, key: Hashable, value: Sparse, group: Hashable = None) -> None:
        """Store ``value`` under ``key`` in ``group``, replacing what was there."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= len(old[0][0])
            self._store(key, value, group)

    def _store(self, key: Hashable, value: Sparse, group: Hashable) -> None:
        self._items[key] = (value, group)
        if group is not None:
            self._groups.setdefault(group, set()).add(key)
        self.used += len(value[0])
        while self.used > self.budget and len(self._items) > 1:
            self._evict()

    def peek(self, key: Hashable) -> Sparse | None:
        """The value stored under ``key``, if any (counted as a use)."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def forget(self, group: Hashable) -> None:
        """Drop every entry of ``group``."""
        with self._lock:
            for key in self._groups.pop(group, ()):
                value, _ = self._items.pop(key)
                self.used -= len(value[0])

    def _evict(self) -> None:
        key, (value, group) = self._items.popitem(last=False)
        self.used -= len(value[0])
        if group is not None:
            members = self._groups[group]
            members.discard(key)
            if not members:
                del self._groups[group]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def term_postings(cache: SizedCache, leaf: Leaf, name: str, term: str,
                  table: PostingTable | None = None) -> Sparse:
    """One term's postings in one segment: local document numbers (int32, deleted ones
    included) and frequencies (float32): slices of the segment's mapped ``table`` when it
    has one (nothing decoded, nothing kept), else decoded once per segment."""
    if table is not None:
        found = table.postings(name, term)
        if found is not None:
            return found
    return cache.get((leaf.key, "term", name, term), lambda: _read(leaf, name, term), leaf.key)


def _read(leaf: Leaf, name: str, term: str) -> Sparse:
    with leaf.lock:
        ids, tfs = arrays.leaf_postings(leaf.reader, name, term)
    return ids.astype(np.int32, copy=False), tfs


def class_postings(cache: SizedCache, leaf: Leaf, name: str, terms: tuple[str, ...],
                   table: PostingTable | None = None) -> Sparse:
    """The summed frequency of several terms (a prefix class) per document of one segment,
    where not 0: sorted local document numbers (int32) and sums (float32). Members are
    read from ``table`` when there is one; else members' postings already cached are
    used, the others read without being kept one by one."""

    def member(term: str) -> Sparse:
        found = table.postings(name, term) if table is not None else None
        if found is None:
            found = cache.peek((leaf.key, "term", name, term))
        return found if found is not None else _read(leaf, name, term)

    def make() -> Sparse:
        found = [member(term) for term in terms]
        return _summed([p for p in found if len(p[0])], leaf.size)

    return cache.get((leaf.key, "class", name, terms), make, leaf.key)


def _summed(found: list[Sparse], size: int) -> Sparse:
    if not found:
        return EMPTY
    if len(found) == 1:
        return found[0]
    ids = np.concatenate([p[0] for p in found])
    tfs = np.concatenate([p[1] for p in found])
    sums = np.bincount(ids, weights=tfs, minlength=size)
    docs = np.flatnonzero(sums)
    return docs.astype(np.int32), sums[docs].astype(np.float32)


def compose(parts: Sequence[tuple[Leaf, Sparse]]) -> Sparse:
    """One generation's postings from its segments' (each leaf with its local postings):
    document numbers shifted by each segment's offset, in document order. One part at
    offset 0 is returned as it is (nothing copied)."""
    parts = [(leaf, part) for leaf, part in parts if len(part[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1 and parts[0][0].offset == 0:
        return parts[0][1]
    ids = np.concatenate([part[0] + np.int32(leaf.offset) for leaf, part in parts])
    tfs = np.concatenate([part[1] for _, part in parts])
    return ids, tfs


def positions(cache: SizedCache, leaf: Leaf, name: str, term: str, docs: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Where a term stands in some documents of one segment (sorted generation document
    numbers of that segment): one (document, position) pair per occurrence, in document
    and position order, as generation numbers.

    Positions are decoded only for the documents asked about (a phrase check asks about
    the documents holding all its words, not every posting), and kept per segment: the
    segment's entry grows by the documents each later phrase asks about that it lacks,
    so a phrase asked again, in this generation or a later one, reads nothing.
    """
    local = docs.astype(np.int64) - leaf.offset
    key = (leaf.key, "positions", name, term)
    known = cache.peek(key)
    if known is None:
        known = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    missing = np.setdiff1d(local, known[0], assume_unique=False)
    if len(missing):
        with leaf.lock:
            found = arrays.leaf_positions(leaf.reader, name, term, missing)
        known = _merged(known, found)
        cache.put(key, known, leaf.key)
    wanted = np.isin(known[0], local)
    return known[0][wanted] + leaf.offset, known[1][wanted]


def _merged(known: Sparse, found: Sparse) -> Sparse:
    """Two sets of (document, position) occurrences of different documents, as one in
    document and position order."""
    if not len(known[0]):
        return found
    docs = np.concatenate((known[0], found[0]))
    places = np.concatenate((known[1], found[1]))
    order = np.lexsort((places, docs))
    return docs[order], places[order]
