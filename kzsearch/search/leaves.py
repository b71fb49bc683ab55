"""Whoosh segment readers opened once per segment and shared by every generation that has it.

A Whoosh segment's files never change once written; what a commit changes about a kept
segment is only its set of deleted documents, which the generation's TOC carries in the
segment object. Yet Whoosh opens a fresh reader over every segment for each generation,
and for a compound segment that is costly: its ``CompoundStorage`` hands out each
sub-file as a ``BufferFile``, which copies the sub-file's mmapped bytes into a
``BytesIO``, once per reader. Whoosh's own ``reader(reuse=...)`` cannot help (2.7.4 keys
the reusable readers by ``generation()`` but looks them up by segment id, so it never
reuses one; and a reused reader would keep its old segment object, hence its old
deletions).

:class:`SharedReaders` does what Lucene's ``DirectoryReader.openIfChanged`` does: it reads
the newest TOC itself and opens a Whoosh ``SegmentReader`` only for a segment it has not
opened yet; a segment it has is given to the new generation as a *view*
(:class:`SegmentView`): a segment reader that shares the open reader's files and caches
but carries the new generation's segment object, so Whoosh's matchers, counts and
``all_doc_ids`` see that generation's deletions, and no other. Compound and
non-compound segments alike: a view shares whatever files the reader opened.

**Locking.** Whoosh reads postings, terms and columns by ``seek`` and ``read`` on file
objects that every view of a segment shares, so every read of a segment through any
generation holds that segment's lock (:attr:`Leaf.lock`, one per segment, shared by
all its views). Nothing holds two segment locks while waiting for a third party: a
search holds one segment's lock at a time, and the one loader that builds a new
generation's state holds only the locks of the segments whose state it reads.

**Lifetime.** Each :class:`Generation` counts as one user of each shared reader it
views; :meth:`Generation.close` (when the last search of its snapshot ends, see
:mod:`kzsearch.search.snapshot`) lets go of them, and a reader no generation uses any
more (its segment merged away, or the index rebuilt) is closed then, never earlier.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.reading import EmptyReader, MultiReader, SegmentReader


@dataclass(frozen=True, eq=False)
class Leaf:
    """One segment as one generation sees it.

    ``reader`` is a Whoosh segment reader with the generation's deletions; ``offset`` the
    generation's document number of its document 0; ``size`` its document count, deleted
    ones included; ``lock`` is held around every read of ``reader`` (shared by every
    generation that reads the segment); ``key`` is the same for every generation that has
    the segment and differs between segments (postings are cached under it).
    """

    reader: Any
    offset: int
    size: int
    lock: Any
    key: Hashable


class Generation:
    """The readers of one index generation: one reader over all its segments (what
    Whoosh's ``ix.reader()`` gives) and its :class:`Leaf` list, in document order."""

    def __init__(self, reader: Any, leaves: list[Leaf],
                 release: Callable[[], None] | None = None) -> None:
        self.reader = reader
        self.leaves = leaves
        self._release = release if release is not None else reader.close
        self._closed = False
        self._guard = threading.Lock()

    @classmethod
    def private(cls, reader: Any) -> Generation:
        """A generation of a reader that shares nothing: one lock for all its segments,
        keys of its own; closing it closes the reader."""
        lock = threading.RLock()
        leaves = [Leaf(leaf, int(offset), int(leaf.doc_count_all()), lock, object())
                  for leaf, offset in reader.leaf_readers() if not isinstance(leaf, EmptyReader)]
        return cls(reader, leaves)

    def leaf_of(self, docnum: int) -> Leaf:
        """The leaf holding a document number of this generation."""
        for leaf in reversed(self.leaves):
            if docnum >= leaf.offset:
                return leaf
        raise IndexError(f"no document {docnum} in this generation")

    def close(self) -> None:
        """Let go of the segments' readers (closing those no other generation uses)."""
        with self._guard:
            if self._closed:
                return
            self._closed = True
        self._release()


class SegmentView(SegmentReader):
    """A segment reader over the files another one opened, with another segment object.

    Every attribute is the shared reader's (its terms reader, per-document reader state,
    storage, so its open files and its column caches), except the segment object and
    the generation number; the per-document reader is a shallow copy that shares the
    column caches but asks this segment object which documents are deleted.
    :meth:`close` closes nothing: the files belong to the shared reader.
    """

    def __init__(self, shared: SegmentReader, segment: Any, generation: int) -> None:
        # Nothing is opened: the state is the shared reader's (SegmentReader.__init__ opens).
        self.__dict__.update(shared.__dict__)
        perdoc = copy.copy(shared._perdoc)
        perdoc._segment = segment
        self._perdoc = perdoc
        self._segment = segment
        self._segid = segment.segment_id()
        self._gen = generation
        self.is_closed = False

    def close(self) -> None:
        self.is_closed = True


def segment_id(segment: Any) -> Hashable | None:
    """What identifies a segment's documents, as :func:`kzsearch.search.segments.segment_key`
    says it of the segment's reader: its id and document count (``None``: not a Whoosh 3
    segment, which is then opened per generation, not shared)."""
    segid = getattr(segment, "segid", None)
    if segid is None:
        return None
    return segid, int(segment.doc_count_all())


@dataclass(eq=False)
class _Shared:
    reader: SegmentReader
    lock: Any = field(default_factory=threading.RLock)
    users: int = 0


class SharedReaders:
    """The open segment readers of one index, shared by its generations (see the module
    docstring). Safe for threads.

    ``on_close(key)`` is called when the shared reader of the segment with that
    :attr:`Leaf.key` is closed (say, to drop what is cached for it). :attr:`opened`
    counts the Whoosh segment readers opened, which a test counts to see reuse.
    """

    def __init__(self, on_close: Callable[[Hashable], None] | None = None) -> None:
        self._shared: dict[Hashable, _Shared] = {}
        self._lock = threading.Lock()
        self._on_close = on_close
        self.opened = 0

    def open(self, ix: Any, scope: Hashable = None) -> Generation:
        """The newest generation of the Whoosh index ``ix``: its TOC is read, and a reader
        opened for each segment not open yet. ``scope`` (the index directory's identity)
        keeps segments of different indexes apart. Raises what Whoosh raises when a
        commit removed a file meanwhile (nothing is then held)."""
        toc = ix._read_toc()
        held: list[Hashable] = []
        private: list[SegmentReader] = []
        try:
            leaves = []
            offset = 0
            for segment in toc.segments:
                view, lock, key = self._view(ix.storage, toc, segment, scope, held, private)
                size = int(view.doc_count_all())
                leaves.append(Leaf(view, offset, size, lock, key))
                offset += size
        except BaseException:
            self._release(held)
            for one in private:
                one.close()
            raise
        readers = [leaf.reader for leaf in leaves]
        if not readers:
            reader: Any = EmptyReader(toc.schema)
        elif len(readers) == 1:
            reader = readers[0]
        else:
            reader = MultiReader(readers, generation=toc.generation)

        def release() -> None:
            self._release(held)
            for one in private:
                one.close()

        return Generation(reader, leaves, release)

    def _view(self, storage: Any, toc: Any, segment: Any, scope: Hashable,  # noqa: PLR0913
              held: list[Hashable], private: list[SegmentReader]
              ) -> tuple[SegmentReader, Any, Hashable]:
        """A reader of ``segment`` for generation ``toc``: a view of the shared reader,
        opened first if needed (then counted in ``held``), or a private one."""
        ident = segment_id(segment)
        if ident is None:  # not a segment we know how to share: a reader of its own
            own = self._open_reader(storage, toc, segment)
            private.append(own)
            return own, threading.RLock(), object()
        key = (scope, ident)
        with self._lock:
            shared = self._shared.get(key)
            if shared is not None:
                shared.users += 1
                held.append(key)
        if shared is None:
            reader = self._open_reader(storage, toc, segment)
            if type(reader._perdoc) is not W3PerDocReader:  # cannot make views of it
                private.append(reader)
                return reader, threading.RLock(), object()
            shared = _Shared(reader, users=1)
            with self._lock:
                self._shared[key] = shared
                held.append(key)
        return SegmentView(shared.reader, segment, toc.generation), shared.lock, key

    def _open_reader(self, storage: Any, toc: Any, segment: Any) -> SegmentReader:
        reader = SegmentReader(storage, toc.schema, segment, generation=toc.generation)
        self.opened += 1
        return reader

    def _release(self, keys: Iterable[Hashable]) -> None:
        closing = []
        with self._lock:
            for key in keys:
                shared = self._shared[key]
                shared.users -= 1
                if shared.users == 0:
                    del self._shared[key]
                    closing.append((key, shared))
        for key, shared in closing:
            if self._on_close is not None:
                self._on_close(key)
            with shared.lock:
                shared.reader.close()

    def __len__(self) -> int:
        """Open shared readers."""
        with self._lock:
            return len(self._shared)

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._shared)

