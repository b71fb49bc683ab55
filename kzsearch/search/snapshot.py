"""The index state one search sees, shared safely by the threads of one :class:`~kzsearch.Index`.

A :class:`Snapshot` is one version of the index on disk (one generation of one directory)
with everything a search derives from it once: its segment readers, the vocabulary, the
scorer with its cached postings, and the rubric, month, language, day and views of every
document as arrays. Nothing in it changes after it is built, except the scorer's caches, which
lock themselves, and the readers' file positions: Whoosh reads a posting list by
``seek`` and ``read`` on one file object per segment file, so every read of a segment
holds that segment's lock (:attr:`kzsearch.search.leaves.Leaf.lock`).

:class:`Snapshots` holds the current snapshot of one ``Index``. A search takes a
reference to it for the whole search (:meth:`Snapshots.use`); when the index on disk
changed, the next search (or :meth:`Snapshots.refresh`) builds the new snapshot and swaps
it in, and the old snapshot is closed by whoever lets go of it last: the swap, if no
search holds it, else the last search that does. A reader is never closed under a
running search.

"Changed" is decided by :class:`Version`: the directory's identity (device and inode,
which a rebuild's rename replaces), the generation number (which a rebuild can repeat),
the identity of that generation's TOC file, and that of the synonyms file (which
:meth:`~kzsearch.index.IndexStore.set_synonyms` replaces without a commit).

A new snapshot costs only the segments that are new to it:

* **Readers.** A segment's Whoosh reader is opened once and shared by every snapshot
  that has the segment, each through a view carrying its own generation's deletions
  (:mod:`kzsearch.search.leaves`); since two snapshots may read one segment at once,
  the lock is the segment's, not the snapshot's. Closing a snapshot lets go of its
  segments' readers; one that no snapshot uses any more is closed then.
* **Lengths, columns, terms** are read once per segment and composed per generation
  (:mod:`kzsearch.search.segments`); only the deleted-documents mask, the concatenation
  and the vocabulary's summed counts are made per generation.
* **Postings** are decoded once per segment and composed per generation
  (:mod:`kzsearch.search.postings`).

Without a segment cache a snapshot reads everything from the whole reader instead, which
gives the same.
"""

from __future__ import annotations

import errno
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.reading import EmptyReader

from kzsearch.index import UNSAFE_MODE, IndexClosedError
from kzsearch.search import arrays
from kzsearch.search.leaves import Generation
from kzsearch.search.postings import SizedCache
from kzsearch.search.postingtable import PostingTable
from kzsearch.search.scoring import Scorer
from kzsearch.search.segments import SegmentCache, compose, live_mask, vocabulary_of
from kzsearch.search.synonyms import SynonymTable
from kzsearch.search.vocabulary import TableVocabulary, Vocabulary
from kzsearch.synonyms import SYNONYMS_FILE


@dataclass(frozen=True)
class Version:
    """Which index state a snapshot reads: equal versions are the same files on disk."""

    directory: tuple[int, int]  # st_dev, st_ino of the index directory
    generation: int
    toc: tuple[int, int, int]  # st_ino, st_size, st_mtime_ns of that generation's TOC file
    directory_mode: int = 0
    directory_owner: int = 0
    synonyms: tuple[int, int, int] | None = None  # the synonyms file's, like ``toc``; None: none

    @classmethod
    def of(cls, path: Path, ix: Any) -> Version:
        """The version at ``path`` now. Raises FileNotFoundError when a commit or a rebuild
        removed what was being looked at (the caller tries again)."""
        directory = os.stat(path)
        generation = ix.latest_generation()
        if generation < 0:  # a rebuild's rename between listing and looking, or removed
            raise FileNotFoundError(errno.ENOENT, "no TOC file in the index directory", str(path))
        toc = os.stat(path / f"_{ix.indexname}_{generation}.toc")
        try:
            found = os.lstat(path / SYNONYMS_FILE)
            synonyms: tuple[int, int, int] | None = (found.st_ino, found.st_size,
                                                     found.st_mtime_ns)
        except FileNotFoundError:
            synonyms = None
        return cls((directory.st_dev, directory.st_ino), generation,
                   (toc.st_ino, toc.st_size, toc.st_mtime_ns),
                   directory.st_mode, directory.st_uid, synonyms)

    def same_files(self, other: Version | None) -> bool:
        """True when ``other`` is the same directory, generation, TOC and synonyms file."""
        return other is not None and (
            self.directory, self.generation, self.toc, self.synonyms) == (
            other.directory, other.generation, other.toc, other.synonyms)

    def directory_looks_untrusted(self) -> bool:
        """The directory itself is writable by others or owned by another user (cheap to
        see on every search: :func:`~kzsearch.index.check_trusted` then says why)."""
        me = os.geteuid() if hasattr(os, "geteuid") else None
        foreign = me is not None and self.directory_owner not in (me, 0)
        return bool(self.directory_mode & UNSAFE_MODE) or foreign


class Snapshot:
    """Everything one index version gives a search, built once and then only read.

    ``generation`` holds its readers: one per segment (:class:`~kzsearch.search.leaves.Leaf`),
    each read only under its own lock, since a segment's reader may be shared with other
    snapshots (see the module docstring); the scorer and :meth:`stored_fields` take the
    locks themselves. ``reader`` is the reader over all segments, for inspection.
    """

    def __init__(self, version: Version, reader: Any, segments: SegmentCache | None = None,
                 cache: SizedCache | None = None, synonyms: SynonymTable | None = None
                 ) -> None:
        """Everything derived from ``reader`` (a Whoosh reader of its own, or a
        :class:`~kzsearch.search.leaves.Generation` whose segment readers may be shared):
        composed from the per-segment states of ``segments`` (built for new segments
        only), or, without a cache, read from the whole reader (the from-scratch path,
        which gives the same). ``cache`` keeps decoded postings per segment across
        snapshots (by default the snapshot keeps its own); ``synonyms`` are the index's
        synonyms as read with this version (by default none)."""
        self.version = version
        self.synonyms = synonyms if synonyms is not None else SynonymTable()
        self.generation = reader if isinstance(reader, Generation) else Generation.private(reader)
        self.reader = reader = self.generation.reader
        leaves = self.generation.leaves
        self._tables: dict[Any, PostingTable] = {}
        if segments is None:
            with _holding(leaf.lock for leaf in leaves):
                self._read_whole(reader)
        else:
            known = set(segments.keys())  # states of these are not read again
            with _holding(leaf.lock for leaf in leaves if leaf.key not in known):
                self._compose(reader, segments)
        self.documents = int(reader.doc_count())
        self.segments = sum(1 for leaf, _ in reader.leaf_readers()
                            if not isinstance(leaf, EmptyReader))
        self.rubric_code = {name: code for code, name in enumerate(self.rubric_names)
                            if name}
        self.rubric_mask = _rubric_mask(self.rubric_codes, self.rubric_code)
        reading = leaves if self._lengths is None else []  # lengths read, not composed
        with _holding(leaf.lock for leaf in reading):
            self.scorer = Scorer(reader, self.rubric_mask, live=self._live,
                                 lengths=self._lengths, leaves=leaves, cache=cache,
                                 tables=self._tables)
        self.rubrics = {name.casefold(): name for name in self.rubric_names if name}
        live = self.days[self.scorer.live]
        self.newest = int(live.max()) if len(live) and live.max() > 0 else None
        self._users = 0  # searches holding it; changed by Snapshots under its lock
        self._retired = False
        self._closed = False
        self._closing = threading.Lock()

    def _read_whole(self, reader: Any) -> None:
        self.vocabulary: Vocabulary | TableVocabulary = Vocabulary.from_reader(reader)
        self.rubric_codes, self.rubric_names = arrays.text_column(reader, "rubric_key")
        self.month_codes, self.month_names = arrays.text_column(reader, "month")
        self.lang_codes, self.lang_names = arrays.term_column(reader, "lang")
        self.days = arrays.numeric_column(reader, "day", "int64", 0)
        self.views = arrays.numeric_column(reader, "popularity", "int64", -1)
        self._live: np.ndarray | None = None
        self._lengths: dict[str, np.ndarray] | None = None

    def _compose(self, reader: Any, segments: SegmentCache) -> None:
        states = segments.states(reader, self.version.directory)
        composed = compose(states)
        self.vocabulary = vocabulary_of(states, composed, segments)
        self.rubric_codes = composed.codes["rubric_key"]
        self.rubric_names = composed.names["rubric_key"]
        self.month_codes, self.month_names = composed.codes["month"], composed.names["month"]
        self.lang_codes, self.lang_names = composed.codes["lang"], composed.names["lang"]
        self.days, self.views = composed.days, composed.views
        self._live = live_mask(reader)
        self._lengths = composed.lengths
        leaves = self.generation.leaves
        if len(leaves) == len(states):
            self._tables = {leaf.key: state.postings for leaf, state in zip(leaves, states,
                                                                            strict=True)
                            if state.postings is not None}

    @classmethod
    def open(cls, version: Version, reader: Any, segments: SegmentCache | None = None,
             cache: SizedCache | None = None, synonyms: SynonymTable | None = None
             ) -> Snapshot:
        """The snapshot of ``reader``; the reader is closed (a generation let go of) if
        building it fails."""
        try:
            return cls(version, reader, segments, cache, synonyms)
        except BaseException:
            reader.close()
            raise

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        leaf = self.generation.leaf_of(docnum)
        with leaf.lock:
            fields: dict[str, Any] = leaf.reader.stored_fields(docnum - leaf.offset)
            return fields

    def facets(self, docs: np.ndarray) -> dict[str, dict[str, int]]:
        """Counts by rubric, year, month and language over a whole match set: rubrics and
        languages most frequent first (then by name), years and months newest first.
        Articles without the value are not counted in that facet."""
        rubrics = _counts(self.rubric_codes[docs], self.rubric_names)
        langs = _counts(self.lang_codes[docs], self.lang_names)
        months = _counts(self.month_codes[docs], self.month_names)
        years: Counter[str] = Counter()
        for month, count in months.items():
            years[month[:4]] += count
        return {
            "rubric": dict(sorted(rubrics.items(), key=_by_count)),
            "year": dict(sorted(years.items(), reverse=True)),
            "month": dict(sorted(months.items(), reverse=True)),
            "lang": dict(sorted(langs.items(), key=_by_count)),
        }

    def rubric_counts(self) -> dict[str, int]:
        """Live documents per rubric."""
        return _counts(self.rubric_codes[self.scorer.live], self.rubric_names)

    def live_days(self) -> np.ndarray:
        """The publication day (ordinal) of every live, dated document."""
        days = self.days[self.scorer.live]
        return days[days > 0]

    def close(self) -> None:
        """Let go of the readers (a segment reader closes when no snapshot uses it)."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
        self.scorer.close()
        self.generation.close()


@contextmanager
def _holding(locks: Iterable[Any]) -> Iterator[None]:
    """Hold each distinct lock (in the order given) for the block."""
    with ExitStack() as held:
        seen: set[int] = set()
        for lock in locks:
            if id(lock) not in seen:
                seen.add(id(lock))
                held.enter_context(lock)
        yield


def _rubric_mask(rubric_codes: np.ndarray, code_of: dict[str, int]
                 ) -> Callable[[str | Iterable[str]], np.ndarray]:
    """The documents in any of the rubrics (index spelling). A function of the arrays, not
    a method, so that the scorer holding it does not keep its snapshot alive in a cycle:
    a closed snapshot's files are unmapped as soon as the last search lets go of it."""

    def mask(names: str | Iterable[str]) -> np.ndarray:
        wanted = [names] if isinstance(names, str) else list(names)
        return np.isin(rubric_codes, [code_of[name] for name in wanted if name in code_of])

    return mask


def _counts(codes: np.ndarray, names: list[str | None]) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(names))
    return {name: int(n) for name, n in zip(names, counts, strict=True) if name and n}


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


class Snapshots:
    """The current snapshot of one index, for any number of threads.

    * :meth:`use` gives a search the current snapshot, first loading a new one when the
      version on disk differs, and holds it until the search is done.
    * :meth:`refresh` loads a new snapshot now if the version differs (one thread loads,
      the others wait for it rather than load the same one twice).
    * :meth:`close` retires the current snapshot; its reader closes when the last search
      holding it ends, and every later call raises :class:`IndexClosedError`.

    ``version`` says which version is on disk now; ``load(version, previous)`` builds the
    snapshot of a version (``previous`` is the version it replaces, or ``None``).
    """

    def __init__(self, path: Path, version: Callable[[], Version],
                 load: Callable[[Version, Version | None], Snapshot]) -> None:
        self._path = path
        self._version = version
        self._load = load
        self._lock = threading.Lock()  # guards _current, _closed and the reference counts
        self._loading = threading.Lock()  # one thread loads a new version at a time
        self._current: Snapshot | None = None
        self._closed = False
        # False: a use that finds a new version while another thread loads one takes the
        # current snapshot instead of waiting (see Index.wait_for_loads)
        self.wait_for_loads = True

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        """The current snapshot, held (never closed) until the block ends."""
        snapshot = self._take()
        try:
            yield snapshot
        finally:
            self._release(snapshot)

    def refresh(self) -> bool:
        """Load the version on disk now if it is not the current one; True if it was not."""
        with self._loading:
            version = self._version()
            with self._lock:
                self._check_open()
                previous = self._current
            if previous is not None and version.same_files(previous.version):
                return False
            snapshot = self._load(version, previous.version if previous else None)
            retired: Snapshot | None
            with self._lock:
                if self._closed:  # closed while loading: the new one is not used
                    retired = snapshot
                else:
                    retired, self._current = previous, snapshot
                if retired is not None:
                    retired._retired = True
                close_now = retired is not None and retired._users == 0
            if close_now and retired is not None:
                retired.close()
            self._check_open()
            return True

    def close(self) -> None:
        """Retire the current snapshot and refuse every later use; closing twice is fine."""
        with self._lock:
            self._closed = True
            snapshot, self._current = self._current, None
            if snapshot is None:
                return
            snapshot._retired = True
            close_now = snapshot._users == 0
        if close_now:
            snapshot.close()

    def _take(self) -> Snapshot:
        version = self._version()
        with self._lock:
            self._check_open()
            current = self._current
            if current is not None and (version.same_files(current.version) or (
                    not self.wait_for_loads and self._loading.locked())):
                current._users += 1
                return current
        self.refresh()
        with self._lock:
            self._check_open()
            current = self._current
            assert current is not None  # refresh() installed one or raised
            current._users += 1
            return current

    def _release(self, snapshot: Snapshot) -> None:
        with self._lock:
            snapshot._users -= 1
            close_now = snapshot._retired and snapshot._users == 0
        if close_now:
            snapshot.close()

    def _check_open(self) -> None:
        if self._closed:
            raise IndexClosedError(
                f"the index at {self._path} was closed; open it again with Index.open()"
            )
