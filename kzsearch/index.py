"""The index: a Whoosh index of articles that no crash or concurrent reader can corrupt.

Why it is built the way it is:

* **Versioned.** ``kzsearch.json`` beside Whoosh's files records the analysis and
  schema versions. An index built with another analysis would silently miss
  documents, so :meth:`IndexStore.open` refuses it and says to rebuild.
* **Atomic.** Every :meth:`IndexStore.add_many` is one Whoosh commit, and Whoosh
  publishes a commit by renaming a new TOC file into place: a build killed
  half-way leaves the previous commit intact and searchable.
* **Parallel without loss.** Whoosh 2.7.4 silently drops documents with
  ``procs > 1`` and ``multisegment=False`` (upstream issue 35); we always pass
  ``multisegment=True`` and check the document count after every commit.
* **No code from index files.** Whoosh unpickles its TOC and segment files; every
  such read goes through :mod:`kzsearch.safepickle`, which admits only the classes
  an index contains, so a crafted index raises :class:`UntrustedIndexError` and runs
  nothing. :meth:`IndexStore.open` also refuses a directory or file that is writable
  by group or others, or owned by another (non-root) user; kzsearch's own files never
  are, under any umask (:mod:`kzsearch.safefiles` creates them 0644, folders 0755).
* **One writer at a time, deciding under the lock.** Every writer (add, delete,
  optimize, create, and a rebuild for its whole run, swap included) holds the lock file
  ``PARENT/.NAME.lock`` beside the index (see :mod:`kzsearch.locking`: per process and
  per thread, never stale, and outside the directory so that a swap cannot take it
  away), and add/delete/optimize also Whoosh's ``WRITELOCK`` inside it, which keeps
  stock Whoosh writers out. Which ids exist, and how many documents the commit must
  leave, are read under the lock from the newest commit: concurrent upserts of the
  same ids leave each id once, and a write that waited for a rebuild lands in the new
  index. A second writer waits ``lock_timeout`` seconds, then gets
  :class:`IndexLockedError`.
* **Commits that cost their own articles, not the index.** Which ids an upsert replaces is
  looked up in each segment's term table, document counts come from the TOC, and the
  merge policy is :func:`kzsearch.commits.tiered_merge` (bounded tiers, large segments
  left to ``optimize``), so a one-article commit opens no reader of the existing
  segments; ``Index.open(path, merge_in_background=True)`` moves merges after the commit,
  into a thread of the object (see :meth:`IndexStore.open`).
* **Swaps that a crash cannot tear.** A rebuild writes a journal (``.NAME.swap``) naming
  its new and old folders, then exchanges them in one ``renameat2(RENAME_EXCHANGE)``
  (Linux), or with two renames where that is missing. The next writer, build or open
  finishes or rolls back a swap that a killed rebuild left half-done, so the path
  always ends up with a whole old or new index, and leftovers are removed.
* **Failures leave nothing behind.** The locks are ours, released after any failure;
  a failed commit's files, and those of a writer that was killed (its ``MAIN.tmp`` and
  unreferenced segments), are removed by the next writer; the sub-writers of
  ``procs > 1`` die with their writer (``PR_SET_PDEATHSIG``), so none is left holding
  the index; readers retry when a concurrent commit removed the file they were
  opening; damaged files raise :class:`IndexDamagedError`, which says to rebuild.
* **Only indexes are replaced.** ``overwrite`` removes a folder only when everything
  in it is an index file (kzsearch's or Whoosh's); anything else stays untouched.
* **Whoosh 2.7.4 worked around**: gap-free facet/sort columns (see
  :func:`build_schema`) and segment names that ``random.seed`` cannot repeat.

The search API lives one stage later, in :mod:`kzsearch.search`, as the
:class:`kzsearch.Index` subclass of :class:`IndexStore`.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import glob
import json
import os
import pickle
import random
import re
import shutil
import stat
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import whoosh.multiproc
from whoosh import columns, fields, index
from whoosh.index import clean_files
from whoosh.reading import EmptyReader
from whoosh.util.filelock import try_for
from whoosh.writing import NO_MERGE

from kzsearch import commits, locking, mappedfiles, safefiles, safepickle, segwriter, synonyms
from kzsearch.analysis import ANALYSIS_VERSION, ANALYZER
from kzsearch.articles import Article, IngestReport
from kzsearch.articles.validate import normalise_id

SCHEMA_VERSION = "2"
META_FILE = "kzsearch.json"
DEFAULT_HOME = Path("indexes")
UNSAFE_MODE = stat.S_IWGRP | stat.S_IWOTH

ProgressCallback = Callable[[int], None]
# Articles a streaming add_many reads, analyses and writes as one segment: about 60 MB of
# postings and articles at a time for news-sized articles.
BATCH_ARTICLES = 5000
T = TypeVar("T", bound="IndexStore")
R = TypeVar("R")
VANISHED_RETRIES = 5  # each try already includes Whoosh's own ten
# Everything Whoosh (index name MAIN) and kzsearch write into an index directory.
INDEX_FILE_RE = re.compile(
    r"_MAIN_[0-9]+\.toc|MAIN_[0-9a-z]+\.[A-Za-z0-9_.]+|MAIN_WRITELOCK"
    r"|kzsearch(?:\.synonyms)?\.json(\.tmp)?")
INDEX_TEMP_DIR = "MAIN.tmp"
RENAME_EXCHANGE = 2  # from <linux/fs.h>
AT_FDCWD = -100


class IndexStoreError(Exception):
    """Base class of index errors (named to avoid shadowing the builtin)."""


class IndexNotFoundError(IndexStoreError):
    """No kzsearch index at the path."""


class IndexVersionError(IndexStoreError):
    """The index was built by an incompatible analysis or schema: rebuild it."""


class IndexLockedError(IndexStoreError):
    """Another writer holds the index."""


class UntrustedIndexError(IndexStoreError):
    """The index directory could have been altered by another user."""


class IndexDamagedError(IndexStoreError):
    """An index file is truncated or corrupt: the index must be rebuilt."""


class IndexClosedError(IndexStoreError):
    """The index object was closed (:meth:`IndexStore.close`); open the index again."""


# What Whoosh raises when it reads a truncated or corrupt file (``index.IndexError`` is
# Whoosh's own, raised for a TOC of another format or byte order).
DAMAGE_ERRORS = (EOFError, struct.error, pickle.UnpicklingError, zlib.error, ValueError,
                 TypeError, IndexError, OverflowError, KeyError,
                 index.IndexError, fields.FieldConfigurationError)
REBUILD_HINT = "rebuild it with `kzsearch index build --overwrite`"


@contextmanager
def reading_files(path: Path) -> Iterator[None]:
    """Turn Whoosh's low-level errors on damaged files into one error that says what to do,
    and a pickle that names a forbidden global (:mod:`kzsearch.safepickle`) into
    :class:`UntrustedIndexError`: it was made to run code, and none of it ran."""
    try:
        yield
    except safepickle.ForbiddenPickleError as exc:
        raise UntrustedIndexError(
            f"refusing to read the index at {path}: {exc}. Nothing in it was run;"
            f" do not use it, {REBUILD_HINT} from its sources"
        ) from exc
    except DAMAGE_ERRORS as exc:
        if type(exc).__module__.split(".")[0] == "kzsearch":
            raise  # kzsearch's own errors (a QueryError is a ValueError) say what they mean
        raise IndexDamagedError(
            f"the index at {path} is damaged ({type(exc).__name__}: {exc}); {REBUILD_HINT}"
        ) from exc


def _use_unseeded_file_names() -> None:
    """Whoosh 2.7.4 names segment and temporary files with the global ``random`` module, so
    a program that calls ``random.seed(n)`` before two commits gets the same name twice
    and the second commit fails with a bare AssertionError. Its modules get names from
    the operating system's randomness instead, which no seed touches."""
    import whoosh.codec.base
    import whoosh.filedb.compound
    import whoosh.filedb.filestore
    import whoosh.writing
    from whoosh.util import IDCHARS

    system = random.SystemRandom()

    def random_name(size: int = 28) -> str:
        return "".join(system.choice(IDCHARS) for _ in range(size))

    for module in (whoosh.codec.base, whoosh.filedb.compound, whoosh.filedb.filestore,
                   whoosh.writing):
        module.random_name = random_name


def _check_tocs_when_read() -> None:
    """Whoosh's TOC reader with its bare failures named: a TOC whose generation differs from
    its file name (an ``AssertionError``), or whose schema or segments are not the ones
    kzsearch writes, raises :class:`IndexDamagedError`. Segment ids become file names, so
    one that is not plain letters and digits (``../../x``) would make Whoosh read or delete
    files outside the index."""
    original = index.TOC.read.__func__

    def read(cls: Any, storage: Any, indexname: str, gen: int | None = None,
             schema: Any = None) -> Any:
        where = Path(getattr(storage, "folder", "."))
        latest = cls._latest_generation(storage, indexname) if gen is None else gen
        name = cls._filename(indexname, latest)
        try:
            toc = original(cls, storage, indexname, gen, schema)
        except AssertionError:
            raise IndexDamagedError(
                f"the index at {where} is damaged ({name} holds another generation than its"
                f" name says); {REBUILD_HINT}"
            ) from None
        except (safepickle.ForbiddenPickleError, index.EmptyIndexError):
            raise
        except DAMAGE_ERRORS as exc:
            raise IndexDamagedError(
                f"the index at {where} is damaged ({name} is truncated or corrupt:"
                f" {type(exc).__name__}: {exc}); {REBUILD_HINT}"
            ) from exc
        problem = _toc_problem(toc, indexname, check_schema=schema is None)
        if problem:
            raise IndexDamagedError(f"the index at {where} is damaged ({problem}); {REBUILD_HINT}")
        return toc

    index.TOC.read = classmethod(read)


def _toc_problem(toc: Any, indexname: str, check_schema: bool) -> str | None:
    """What makes a TOC unlike any kzsearch writes, or ``None``. The schema is checked
    when it was read from the file (Whoosh's callers may pass their own instead)."""
    from whoosh.codec.whoosh3 import W3Codec, W3Segment

    if check_schema and not _is_kzsearch_schema(toc.schema):
        return "its schema is not kzsearch's"
    if type(toc.segments) is not list:
        return "its segment list is not a list"
    for segment in toc.segments:
        if type(segment) is not W3Segment or type(segment.codec()) is not W3Codec:
            return f"a segment of unknown kind {type(segment).__name__}"
        segid = segment.segid
        if not (type(segid) is str and segid.isascii() and segid.isalnum()) or (
                segment.indexname != indexname):
            return f"a segment named {segment.indexname!r:.40}_{segid!r:.40}"
        if type(segment.doc_count_all()) is not int or segment.doc_count_all() < 0:
            return "a segment with a negative or non-integer document count"
    return None


def _is_kzsearch_schema(schema: Any) -> bool:
    expected = build_schema()
    return (type(schema) is fields.Schema
            and sorted(schema.names()) == sorted(expected.names())
            and all(type(schema[name]) is type(expected[name]) for name in expected.names()))


def _install_whoosh_guards() -> None:
    """Patch Whoosh 2.7.4 once, at import: restricted unpickling, creation modes that no
    umask can make group-writable, checked TOCs, unseeded file names, compound segments
    read in place rather than copied into every process (:mod:`kzsearch.mappedfiles`)."""
    safepickle.install_in_whoosh()
    safefiles.install_in_whoosh()
    mappedfiles.install_in_whoosh()
    _check_tocs_when_read()
    _use_unseeded_file_names()


_install_whoosh_guards()


class _MortalSubWriter(whoosh.multiproc.SubWriterTask):
    """A sub-writer of ``procs > 1`` that dies with the writer that started it.

    Whoosh's sub-writers wait on a queue for work; when their writer is killed they
    would wait forever, holding Whoosh's ``WRITELOCK`` (an inherited ``flock``) so that
    every later writer finds the index locked.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = os.getpid()

    def run(self) -> None:
        locking.die_with(self.owner)
        super().run()


whoosh.multiproc.SubWriterTask = _MortalSubWriter  # what MpWriter starts


def build_schema() -> fields.Schema:
    """The article schema: analysed text, exact filters, and columns for facets and sorting.

    Facet and sort values live in column-only fields that every document fills, with a
    neutral value when the article lacks one: Whoosh 2.7.4 cannot read a sortable column
    of a segment whose last documents have no value (search then fails with IndexError,
    struct.error or OverflowError), and real articles often lack a rubric or a date.
    """
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        title=fields.TEXT(analyzer=ANALYZER, stored=True),
        body=fields.TEXT(analyzer=ANALYZER, stored=True),
        rubric=fields.ID(stored=True),
        published=fields.DATETIME(stored=True),
        views=fields.NUMERIC(int, bits=64, stored=True),
        read_minutes=fields.NUMERIC(int, stored=True),
        lang=fields.ID(stored=True),
        url=fields.STORED(),
        rubric_key=fields.COLUMN(columns.RefBytesColumn()),
        month=fields.COLUMN(columns.RefBytesColumn()),
        day=fields.COLUMN(columns.NumericColumn("i", default=0)),
        popularity=fields.COLUMN(columns.NumericColumn("q", default=-1)),
    )


def article_document(article: Article) -> dict[str, Any]:
    """The Whoosh document of an article: absent values are not stored, but every column
    gets a value (empty, day 0, popularity -1) so that no column has a gap."""
    doc: dict[str, Any] = {"id": article.id, "title": article.title, "body": article.body}
    day = article.published
    if day is not None and not isinstance(day, dt.date):
        raise TypeError(f"article {article.id!r}: published must be a datetime.date, not {day!r}")
    doc["rubric_key"] = (article.rubric or "").encode("utf-8")
    doc["month"] = f"{day.year:04d}-{day.month:02d}".encode() if day else b""
    doc["day"] = day.toordinal() if day else 0
    doc["popularity"] = article.views if article.views is not None else -1
    if article.rubric:
        doc["rubric"] = article.rubric
    if day:
        doc["published"] = dt.datetime(day.year, day.month, day.day)
    for name in ("views", "read_minutes", "lang", "url"):
        value = getattr(article, name)
        if value is not None:
            doc[name] = value
    return doc


@dataclass(frozen=True)
class IndexStats:
    """What ``kzsearch stats`` prints."""

    path: str
    documents: int
    segments: int
    rubrics: dict[str, int]
    first_date: dt.date | None
    last_date: dt.date | None
    size_bytes: int
    analysis_version: str
    schema_version: str


class IndexStore:
    """A kzsearch index on disk: create, open, upsert, delete, optimise.

    Use it as a context manager (``with Index.open(path) as ix:``) or call :meth:`close`
    when done: afterwards every operation on this object raises :class:`IndexClosedError`
    (the index on disk is untouched; open it again to go on).
    """

    def __init__(self, path: Path, ix: index.Index) -> None:
        self.path = path
        self._closed = False
        self._whoosh = ix
        self.merge_in_background = False
        self.merge_error: BaseException | None = None
        self._merger: threading.Thread | None = None
        self._merger_guard = threading.Lock()
        self._terms_cache = commits.TermsCache()  # the segments' id look-ups, kept open

    @property
    def _ix(self) -> index.Index:
        """The Whoosh index; every read and write goes through here, so a closed object
        refuses them all with one clear error."""
        if self._closed:
            raise IndexClosedError(
                f"the index at {self.path} was closed; open it again with Index.open()"
            )
        return self._whoosh

    @_ix.setter
    def _ix(self, ix: index.Index) -> None:
        self._whoosh = ix

    def close(self) -> None:
        """Release what this object holds open; later calls raise :class:`IndexClosedError`.

        Closing twice is allowed. Under threads: an operation already running finishes
        (its files stay open until it does); any started after ``close`` raises. A
        background merge (see :meth:`open`) is waited for.
        """
        self._wait_for_merge()
        self._closed = True
        self._terms_cache.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls: type[T], path: str | os.PathLike[str], *, overwrite: bool = False,
               lock_timeout: float = 0.0) -> T:
        """Create an empty index in directory ``path``; ``overwrite`` replaces an existing one
        (only if it is wholly an index). Holds the writer lock while it works."""
        path = index_location(path)
        with _writer_locked(path, lock_timeout):
            return cls._create_in(path, overwrite)

    @classmethod
    def _create_in(cls: type[T], path: Path, overwrite: bool = False) -> T:
        kept: synonyms.Groups = []
        if _check_replaceable(path, overwrite):
            kept = _kept_synonyms(path)
            shutil.rmtree(path)
        safefiles.make_dirs(path)
        ix = index.create_in(str(path), build_schema())
        _write_meta(path)
        _write_synonyms(path, kept)
        return cls(path, ix)

    @classmethod
    @contextmanager
    def building(cls: type[T], path: str | os.PathLike[str], *, overwrite: bool = False,
                 lock_timeout: float = 0.0) -> Iterator[T]:
        """A new index built beside ``path`` and moved there when the block succeeds.

        If the block fails, nothing at ``path`` changes: no half-built index appears,
        and an old index (replaced with ``overwrite``) stays searchable until the swap.
        The build holds the writer lock of ``path`` from start to swap: another build of
        the same path, and any add, delete or optimize of the old index, waits
        ``lock_timeout`` seconds and then gets :class:`IndexLockedError`, so no write is
        reported done in an index that the swap then throws away, and no build silently
        replaces another. A write that waited long enough runs on the new index.
        The staging folder's name carries the builder's process id, so that the staging
        folders of builds that were killed are removed by the next build; a build killed
        in the middle of its swap is finished or rolled back by the next writer or reader.
        """
        path = index_location(path)
        with _writer_locked(path, lock_timeout):
            _check_replaceable(path, overwrite)
            _remove_abandoned_builds(path)
            prefix = f".{path.name}.{os.getpid()}."
            staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".new", dir=path.parent))
            try:
                os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the index from others
                built = cls._create_in(staging)
                _write_synonyms(staging, _kept_synonyms(path))
                yield built
                _swap(staging, path)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
                with suppress(FileNotFoundError):
                    locking.lock_file(staging).unlink()  # private to this build

    @classmethod
    def open(cls: type[T], path: str | os.PathLike[str], *,
             merge_in_background: bool = False) -> T:
        """Open an existing index, after checking its owner, permissions and versions.

        ``merge_in_background`` (for a long-lived writer, such as an app that publishes
        articles one at a time): commits of this object write their new segment and return
        without merging; when the segments call for a merge
        (:func:`kzsearch.commits.merge_plan`), a thread of this object then merges them as
        a writer of its own (holding the writer lock, so other writers wait for it as for
        any writer; when another writer holds the lock it does not wait but leaves the merge
        to a later commit). This object's next write, ``optimize`` and ``close`` wait for it,
        and so does the interpreter's exit. A merge's failure is kept in ``merge_error``
        (the commits before it are not affected).
        """
        path = index_location(path)
        _recover_swap_if_free(path)
        if not (path / META_FILE).is_file() or not any(path.glob("_MAIN_*.toc")):
            raise IndexNotFoundError(
                f"no kzsearch index at {path}; build one with `kzsearch index build`"
            )
        check_trusted(path)
        meta = read_meta(path)
        if meta.get("analysis_version") != ANALYSIS_VERSION or (
            meta.get("schema_version") != SCHEMA_VERSION
        ):
            raise IndexVersionError(
                f"the index at {path} was built with analysis version "
                f"{meta.get('analysis_version')!r} and schema version"
                f" {meta.get('schema_version')!r};"
                f" this kzsearch uses {ANALYSIS_VERSION!r} and {SCHEMA_VERSION!r}."
                " Rebuild it with `kzsearch index build --overwrite`"
            )
        with reading_files(path):
            opened = survive_commits(lambda: cls(path, index.open_dir(str(path))))
        opened.merge_in_background = merge_in_background
        return opened

    # -- writing ---------------------------------------------------------------------------

    def add_many(
        self,
        articles: Iterable[Article],
        *,
        procs: int = 1,
        progress: bool | ProgressCallback = False,
        lock_timeout: float = 0.0,
        report: IngestReport | None = None,
        expected: int | None = None,
        batch_size: int = BATCH_ARTICLES,
    ) -> IngestReport:
        """Upsert articles by id in one atomic commit; within the input the later record wins.

        With ``procs=1`` the input is streamed: read, analysed and written ``batch_size``
        articles at a time (each batch a segment of the commit), so memory does not grow
        with the input. ``procs=2`` indexes in two processes with Whoosh's parallel
        writer, which holds the whole input. ``progress`` is ``True`` for a bar on stderr,
        a callback that receives the running count of articles written, or an object
        with an ``update(event)`` method that receives :class:`BuildProgress` events for
        every stage (indexing, flushing a batch, committing, done); ``expected`` (how
        many records the input holds, if known) gives them a total and an ETA.
        A second writer waits ``lock_timeout`` seconds, then gets :class:`IndexLockedError`.
        The report returned is ``report``, else the one of a
        :func:`~kzsearch.read_articles` stream (with its rejections), else new.

        Under concurrency: writers in other processes, threads or ``Index`` objects on the
        same path commit one after the other, and each decides which ids to replace from
        the newest commit, read under the lock: however many upsert the same ids at once,
        each id is in the index once, with the text of the writer that committed last.
        A rebuild of the path in progress counts as a writer (see :meth:`building`).
        """
        if report is None:
            report = getattr(articles, "report", None)  # a reader's stream counted already
        own_report = not isinstance(report, IngestReport)
        if not isinstance(report, IngestReport):
            report = IngestReport()
        started = time.perf_counter()
        if procs > 1:
            self._add_all_at_once(articles, procs, progress, lock_timeout, report, own_report)
        else:
            self._add_streaming(articles, progress, lock_timeout, report, own_report,
                                expected, batch_size)
        report.seconds += time.perf_counter() - started
        return report

    def _add_streaming(  # noqa: PLR0913 - add_many's options
        self, articles: Iterable[Article], progress: bool | ProgressCallback,
        lock_timeout: float, report: IngestReport, own_report: bool, expected: int | None,
        batch_size: int,
    ) -> None:
        """``procs=1``: read, analyse and write ``batch_size`` articles at a time, each
        batch a segment of the one commit (:class:`~kzsearch.segwriter.FastSegmentWriter`),
        so memory holds one batch, not the input. A record whose id an earlier batch of
        this input wrote deletes that document (the later record wins); ``placed`` holds
        the ids written so far, one small entry per article."""
        tell = progress_reporter(progress, expected)
        placed: dict[str, tuple[int, int]] = {}
        updated = 0
        with self._writing(1, lock_timeout) as writer:
            before = commits.live_documents(writer.segments)  # the TOC read under the lock
            for batch in _batches(articles, batch_size, report if own_report else None):
                if placed:
                    tell("flushing", len(placed))
                    writer.flush_batch()
                updated += self._write_batch(writer, batch, placed, tell)
            tell("committing", len(placed))
            writer.commit(mergetype=self._merge_policy())
            self._check_count(before + len(placed) - updated, 1)
        tell("done", len(placed))
        report.updated += updated

    def _write_batch(self, writer: Any, batch: dict[str, Article],
                     placed: dict[str, tuple[int, int]],
                     tell: Callable[[str, int], None]) -> int:
        """Add one batch (ids unique within it); returns how many replaced a document of
        the index as it was before this commit (those are found in the commit's old
        segments, one term look-up per id and segment: :meth:`_delete_ids`)."""
        updated = len(self._delete_ids(writer, [i for i in batch if i not in placed]))
        for doc_id, article in batch.items():
            if doc_id in placed:
                writer.delete_written(placed[doc_id])
            placed[doc_id] = writer.position()
            writer.add_document(**article_document(article))
            if len(placed) % 100 == 0:
                tell("indexing", len(placed))
        return updated

    def _add_all_at_once(  # noqa: PLR0913 - add_many's options
        self, articles: Iterable[Article], procs: int, progress: bool | ProgressCallback,
        lock_timeout: float, report: IngestReport, own_report: bool,
    ) -> None:
        """``procs > 1``: Whoosh's parallel writer, fed the whole input (deduplicated)."""
        latest = _latest_per_id(articles, report if own_report else None)
        tell = progress_reporter(progress, len(latest))
        with self._writing(procs, lock_timeout) as writer:
            before = commits.live_documents(writer.segments)  # the TOC read under the lock
            existing = self._delete_ids(writer, latest)
            for done, article in enumerate(latest.values(), 1):
                writer.add_document(**article_document(article))
                if done % 100 == 0:
                    tell("indexing", done)
            tell("committing", len(latest))
            writer.commit(mergetype=self._merge_policy())
            self._check_count(before + len(latest) - len(existing), procs)
        tell("done", len(latest))
        report.updated += len(existing)

    def delete(self, ids: Iterable[str], *, lock_timeout: float = 0.0) -> int:
        """Delete articles by id; returns how many were in the index.

        Ids are normalised as ingest stores them (:func:`normalise_id`: spaces, line
        breaks, invisible characters, NFC), so an id copied with a trailing newline or in
        decomposed Unicode still finds its article. Like every writer it holds the lock
        (waiting ``lock_timeout`` seconds) and runs on the newest commit, a rebuilt index
        included.
        """
        return len(self.delete_found(ids, lock_timeout=lock_timeout))

    def delete_found(self, ids: Iterable[str], *, lock_timeout: float = 0.0) -> set[str]:
        """:meth:`delete`, returning the ids (normalised) that had an article: those of
        ``ids`` missing from the set were not in the index (what ``kzsearch index delete``
        names). One commit, decided under the lock like :meth:`delete`."""
        wanted = {normalise_id(doc_id) for doc_id in ids} - {""}
        with self._writing(1, lock_timeout) as writer:
            deleted = self._delete_ids(writer, wanted)
            writer.commit(mergetype=self._merge_policy())
        return deleted

    def optimize(self, *, lock_timeout: float = 0.0) -> None:
        """Merge all segments into one: smaller and faster to search, slow to do."""
        with self._writing(1, lock_timeout) as writer:
            writer.commit(optimize=True)

    # -- synonyms --------------------------------------------------------------------------

    def set_synonyms(self, groups: Iterable[Iterable[str]], *,
                     lock_timeout: float = 0.0) -> int:
        """Replace the index's synonyms by ``groups``; returns how many groups it keeps.

        A group is an iterable of entries, each a word or a few words in any form
        (``["Біріккен Ұлттар Ұйымы", "БҰҰ"]``; what an entry may be:
        :mod:`kzsearch.synonyms`). A bad group raises ``ValueError`` naming it, and nothing
        changes; no groups remove the synonyms. They are stored as plain JSON in the index
        folder (``kzsearch.synonyms.json``), replaced atomically, by a writer like any other
        (it holds the writer lock, waiting ``lock_timeout`` seconds), and every ``Index`` of
        the path searches with them from its next call or :meth:`refresh`, as after a commit.
        Replacing the index (``building`` or ``create`` with ``overwrite``) keeps them,
        unless the old folder fails the trust checks or the file is damaged (the rebuild is
        the cure for both): they belong to the newsroom, not to the articles.
        """
        cleaned = synonyms.clean_groups(groups)
        text = synonyms.to_json(cleaned)
        if len(text.encode("utf-8")) > synonyms.MAX_FILE_BYTES:
            raise ValueError(f"the synonyms take more than {synonyms.MAX_FILE_BYTES:,} bytes")
        self._ix  # noqa: B018 - raises IndexClosedError when closed
        self._wait_for_merge()
        with _writer_locked(self.path, lock_timeout):
            if not (self.path / META_FILE).is_file():
                raise IndexNotFoundError(f"the index at {self.path} is gone; build it again")
            _write_synonyms(self.path, cleaned)
        return len(cleaned)

    def synonyms(self) -> list[list[str]]:
        """The stored synonym groups, as :meth:`set_synonyms` tidied them ([] if none)."""
        self._ix  # noqa: B018 - raises IndexClosedError when closed
        return read_synonyms(self.path)

    def merge(self, *, lock_timeout: float = 0.0) -> bool:
        """Merge the segments that :func:`kzsearch.commits.merge_plan` picks, as a commit of
        its own that adds and deletes nothing; ``False`` (and no commit) when there are none.

        This is what every commit does before it writes its new segment, unless the object
        was opened with ``merge_in_background``, whose thread calls it after the commit.
        """
        with self._writing(1, lock_timeout) as writer:
            if not commits.merge_plan(writer.segments):
                writer.cancel()
                return False
            before = commits.live_documents(writer.segments)
            writer.commit(mergetype=commits.tiered_merge)
            self._check_count(before, 1)
        return True

    def _merge_policy(self) -> Callable[[Any, Any], Any]:
        """The merge of this object's commits: none when a thread merges after them."""
        return NO_MERGE if self.merge_in_background else commits.tiered_merge

    def _merge_later(self) -> None:
        """Start the background merge when this object has one and the segments of the
        newest commit call for a merge (one thread at a time)."""
        if not self.merge_in_background:
            return
        with self._merger_guard:
            if self._merger is not None and self._merger.is_alive():
                return
            with suppress(*DAMAGE_ERRORS, OSError):  # the merge is an optimisation
                if not commits.merge_plan(self._whoosh._read_toc().segments):
                    return
            self._merger = threading.Thread(target=self._merge_quietly,
                                            name=f"kzsearch merge {self.path.name}")
            self._merger.start()

    def _merge_quietly(self) -> None:
        try:
            self.merge(lock_timeout=0.0)  # never waited for: a write joins this thread
        except IndexLockedError:
            pass  # another writer holds the index; the next commit asks again
        except BaseException as exc:  # kept for the app to see: the commits stand
            self.merge_error = exc

    def _wait_for_merge(self) -> None:
        """Wait for this object's background merge, so that its writes never find the lock
        held by their own object."""
        with self._merger_guard:
            merger = self._merger
        if merger is not None and merger is not threading.current_thread():
            merger.join()

    @contextmanager
    def _writing(self, procs: int, lock_timeout: float) -> Iterator[Any]:
        """A writer whose commit is all or nothing, alone on the index.

        It holds our lock file beside the index and Whoosh's ``WRITELOCK`` inside it (one
        ``lock_timeout`` for both); Whoosh reads the newest commit when the writer, a
        searcher or a count is made, so all the body reads under the locks is current.
        What a killed writer left is removed first. On any failure the writer is given up
        and its partial files removed; the locks are ours, not the writer's, so they are
        released even when Whoosh fails half-way through creating or cancelling a writer
        (as it does on a full disk). One process writes with kzsearch's segment writer
        (:mod:`kzsearch.segwriter`: postings per term, merges per block), ``procs > 1``
        with Whoosh's parallel writer. A background merge
        of this object (see :meth:`open`) is waited for first, so that the write never
        finds the lock held by its own object, and asked for once the locks are released."""
        self._wait_for_merge()
        deadline = time.monotonic() + lock_timeout
        with _writer_locked(self.path, lock_timeout):
            if not (self.path / META_FILE).is_file():
                raise IndexNotFoundError(f"the index at {self.path} is gone; build it again")
            lock = self._ix.lock("WRITELOCK")
            left = max(deadline - time.monotonic(), 0.0)
            if not try_for(lock.acquire, timeout=left, delay=0.1):
                raise _locked_error(self.path)
            writer = None
            try:
                self._abandon(None)  # a killed writer's temporary folder and segments
                if procs == 1:
                    # Compound, as Whoosh's: plain files would save the copy Whoosh makes of a
                    # compound one per reader, but readers open them lazily, and a commit's
                    # merge deleting them meanwhile fails a concurrent search.
                    writer = segwriter.FastSegmentWriter(self._ix, _lk=False,
                                                        **self._writer_options(procs))
                else:
                    writer = self._ix.writer(_lk=False, **self._writer_options(procs))
                self._before_toc(writer)
                yield writer
                self._reopen()
            except BaseException:
                self._abandon(writer)
                raise
            finally:
                lock.release()
        self._merge_later()

    def _before_toc(self, writer: Any) -> None:
        """Have :meth:`_segments_committing` called with the commit's segments just before
        the writer publishes them in a new TOC (Whoosh's ``_commit_toc``, which both its
        single- and multi-process writers call once per commit)."""
        commit_toc = writer._commit_toc
        before = frozenset(segment.segid for segment in writer.segments)

        def committing(segments: list[Any]) -> None:
            self._segments_committing(writer.storage, writer.schema, segments,
                                      [s for s in segments if s.segid not in before])
            commit_toc(segments)

        def written(segment: Any, postings: Any, words: Any) -> None:
            self._segment_written(writer.storage, writer.schema, segment, postings, words)

        def source(segment: Any, fieldname: str) -> Any:
            return self._segment_postings(writer.storage, segment, fieldname)

        writer._commit_toc = committing
        if isinstance(writer, segwriter.FastSegmentWriter):
            writer.segment_written = written
            writer.source_postings = source

    def _segments_committing(self, storage: Any, schema: Any, segments: list[Any],
                             new: list[Any]) -> None:
        """Called under the writer's locks with every segment of the commit, its files
        complete, before any reader can see them, and those of them that this writer
        wrote (``new``); must not fail the commit. The search stage writes the segments'
        sidecar files here (:mod:`kzsearch.search.sidecars`)."""

    def _segment_postings(self, storage: Any, segment: Any, fieldname: str) -> Any:
        """A segment's postings of a text field, term by term, for a merge to carry over
        (see :data:`kzsearch.segwriter.SourcePostings`); None here, where none are kept."""
        return None

    def _segment_written(self, storage: Any, schema: Any, segment: Any, postings: Any,
                         words: Any) -> None:
        """Called when kzsearch's writer completes a segment (before any TOC names it),
        with the postings it wrote of the text fields (see
        :class:`~kzsearch.segwriter.FieldPostings`), or None, and its surface words
        (:class:`~kzsearch.segwords.SegmentWords`); must not fail the write. The search
        stage writes the segment's sidecar files here, while the postings and words are
        at hand, so that a build's memory holds one segment's at a time."""

    @staticmethod
    def _writer_options(procs: int) -> dict[str, Any]:
        options: dict[str, Any] = {"limitmb": 256}
        if procs > 1:
            # subargs: the sub-writers add _lk=False themselves and must not get ours twice.
            options.update(procs=procs, multisegment=True, batchsize=200, subargs=dict(options))
        return options

    def _abandon(self, writer: Any) -> None:
        """Remove what a failed write left: its temporary folder and unreferenced files."""
        if writer is not None:
            with suppress(Exception):
                writer.cancel()
        shutil.rmtree(self.path / f"{self._whoosh.indexname}.tmp", ignore_errors=True)
        with suppress(Exception):
            toc = self._whoosh._read_toc()
            clean_files(self._whoosh.storage, self._whoosh.indexname, toc.generation, toc.segments)

    def _delete_ids(self, writer: Any, ids: Iterable[str]) -> set[str]:
        """Mark the documents of ``ids`` deleted in ``writer``; the ids that had one.

        Looked up in the segments of the writer's commit, read under the lock (the newest),
        one term look-up per id and segment (see :func:`kzsearch.commits.locate_ids`).
        """
        with reading_files(self.path):
            found = commits.locate_ids(writer.storage, writer.schema, writer.segments, ids,
                                       cache=self._terms_cache)
        for docnums in found.values():
            for docnum in docnums:
                writer.delete_document(docnum)
        return set(found)

    def _check_count(self, expected: int, procs: int) -> None:
        """Raise unless the newest commit holds ``expected`` live documents (counted from
        its TOC, as a reader of it would count them)."""
        # not ``_ix``: a close() meanwhile lets a write finish
        actual = commits.live_documents(self._whoosh._read_toc().segments)
        if actual != expected:
            raise IndexStoreError(
                f"the index holds {actual} documents after the commit, {expected} were expected"
                f" (procs={procs}); please report this as a bug"
            )

    def _reopen(self) -> None:
        """Open the Whoosh index at ``path`` afresh: after our own commit, or when a reader
        found the directory replaced (the caller has checked it with :func:`check_trusted`).

        Safe while other threads search: one assignment replaces the Whoosh index, and a
        search keeps using the reader it took (see :mod:`kzsearch.search.snapshot`).
        """
        self._ix = survive_commits(lambda: index.open_dir(str(self.path)))

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        """Live documents of the newest commit (one TOC read: one consistent count)."""
        with reading_files(self.path):
            return survive_commits(self._ix.doc_count)

    def stats(self) -> IndexStats:
        """Documents, rubric counts, date range, size on disk and versions, all of one
        commit (read through one reader, whatever commits meanwhile)."""
        with reading_files(self.path):
            reader = survive_commits(self._ix.reader)
            try:
                rubrics = Counter(v.decode("utf-8")
                                  for v in column_values(reader, "rubric_key") if v)
                days = [d for d in column_values(reader, "day") if d]
                documents = reader.doc_count()
                segments = sum(1 for leaf, _ in reader.leaf_readers()
                               if not isinstance(leaf, EmptyReader))
            finally:
                reader.close()
        return self._make_stats(documents, segments, rubrics, days)

    def _make_stats(self, documents: int, segments: int, rubrics: dict[str, int],
                    days: Iterable[int]) -> IndexStats:
        meta = read_meta(self.path)
        first = min(days, default=0)
        last = max(days, default=0)
        return IndexStats(
            path=str(self.path),
            documents=documents,
            segments=segments,
            rubrics=dict(sorted(rubrics.items(), key=lambda kv: (-kv[1], kv[0]))),
            first_date=dt.date.fromordinal(first) if first else None,
            last_date=dt.date.fromordinal(last) if last else None,
            size_bytes=_size_on_disk(self.path),
            analysis_version=str(meta.get("analysis_version")),
            schema_version=str(meta.get("schema_version")),
        )

    @property
    def whoosh_index(self) -> index.Index:
        """The underlying Whoosh index, for the search stage."""
        return self._ix


# -- helpers ---------------------------------------------------------------------------------


def _latest_per_id(
    articles: Iterable[Article], report: IngestReport | None
) -> dict[str, Article]:
    """Keep the last article of each id (in the order of the winners).

    ``report`` counts what was read and the duplicates; it is ``None`` when the
    reader that produced ``articles`` has counted them already.
    """
    latest: dict[str, Article] = {}
    for article in articles:
        if report is not None:
            report.accept(article)
        latest.pop(article.id, None)
        latest[article.id] = article
    return latest


def _size_on_disk(path: Path) -> int:
    """Bytes of the files in ``path``; a file a commit removes meanwhile counts nothing."""
    total = 0
    for entry in path.iterdir():
        with suppress(FileNotFoundError):
            if entry.is_file():
                total += entry.stat().st_size
    return total


def index_location(path: str | os.PathLike[str]) -> Path:
    """The absolute, normalised path an index is known by (``.`` and ``..`` resolved, not
    symlinks). Its lock file sits beside it and its swaps rename it, so every spelling
    must name the same place: ``Index.open(".")`` from inside the index would otherwise
    take a lock of its own inside the index, and keep naming a folder a rebuild deleted."""
    return Path(os.path.abspath(os.fspath(path)))


def column_values(reader: Any, name: str) -> list[Any]:
    """A column's value for every live document, in document order."""
    if not reader.has_column(name):
        return []
    column = reader.column_reader(name)
    return [column[n] for n in reader.all_doc_ids()]


@dataclass(frozen=True)
class BuildProgress:
    """Where a write is: ``stage`` is ``"indexing"`` (articles being analysed and added),
    ``"flushing"`` (a batch being written as a segment), ``"committing"`` (the last
    batch and the commit) or ``"done"``; ``done`` counts the articles added so far and
    ``total`` the records expected (``None`` when unknown; the count of accepted articles
    can end below it, since rejected and repeated records are not added)."""

    stage: str
    done: int
    total: int | None


def progress_reporter(progress: bool | ProgressCallback | Any,
                       total: int | None) -> Callable[[str, int], None]:
    """``tell(stage, done)`` for the ``progress`` argument of :meth:`IndexStore.add_many`:
    an ``update(BuildProgress)`` method gets every event, a plain callable the running
    count (as before), ``True`` a bar on stderr when it is a terminal."""
    update = getattr(progress, "update", None)
    if callable(update):
        return lambda stage, done: update(BuildProgress(stage, done, total))
    if callable(progress):
        count = progress
        return lambda stage, done: count(done)
    if progress and sys.stderr.isatty():
        bar = _StderrBar(total)
        return lambda stage, done: bar(done, stage)
    return lambda stage, done: None


class _StderrBar:
    """A one-line progress bar on stderr for library users; the CLI uses click's."""

    def __init__(self, total: int | None) -> None:
        self.total, self.started = total, time.perf_counter()

    def __call__(self, done: int, stage: str = "indexing") -> None:
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        if self.total:
            filled = min(int(30 * done / self.total), 30)
            line = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total}"
        else:
            line = f"{done}"
        line += f" {rate:,.0f} articles/s {stage}"
        sys.stderr.write("\r" + line + ("\n" if stage == "done" else "\x1b[K"))
        sys.stderr.flush()


def _batches(articles: Iterable[Article], size: int,
             report: IngestReport | None) -> Iterator[dict[str, Article]]:
    """The input ``size`` records at a time, each batch keeping the last article of each
    id (in the order of the winners). ``report`` counts what was read, as
    :func:`_latest_per_id` does."""
    batch: dict[str, Article] = {}
    read = 0
    for article in articles:
        if report is not None:
            report.accept(article)
        batch.pop(article.id, None)
        batch[article.id] = article
        read += 1
        if read == size:
            yield batch
            batch, read = {}, 0
    if batch:
        yield batch


def _write_meta(path: Path) -> None:
    meta = {
        "analysis_version": ANALYSIS_VERSION,
        "schema_version": SCHEMA_VERSION,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    safefiles.write_text(path / META_FILE, json.dumps(meta, indent=2) + "\n")


def read_meta(path: Path) -> dict[str, Any]:
    """The kzsearch metadata of the index at ``path``."""
    try:
        return json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexVersionError(
            f"{path / META_FILE} is unreadable ({exc}); rebuild the index"
        ) from None


def read_synonyms(path: Path) -> synonyms.Groups:
    """The synonym groups stored in the index at ``path`` ([] if it has none).

    Raises :class:`UntrustedIndexError` as :func:`check_trusted` would for the file, and
    :class:`IndexDamagedError` for one larger than ``MAX_FILE_BYTES`` or not in the format
    :func:`kzsearch.synonyms.to_json` writes: a crafted file is refused, never run."""
    return parse_synonyms(path, synonyms_bytes(path))


def synonyms_bytes(path: Path) -> bytes | None:
    """The stored synonyms file's bytes, read through the checks of :func:`read_synonyms`
    (``None`` when there is none)."""
    return _read_guarded(path / synonyms.SYNONYMS_FILE, synonyms.MAX_FILE_BYTES)


def parse_synonyms(path: Path, data: bytes | None) -> synonyms.Groups:
    """The groups of the bytes :func:`synonyms_bytes` read from the index at ``path``."""
    if data is None:
        return []
    try:
        return synonyms.from_json(data)
    except ValueError as exc:
        raise IndexDamagedError(
            f"{path / synonyms.SYNONYMS_FILE} is not a synonyms file kzsearch wrote ({exc});"
            " set the synonyms again with `kzsearch index synonyms FILE`, or delete the file"
        ) from None


def _read_guarded(file: Path, limit: int) -> bytes | None:
    """A file kzsearch itself reads whole (not Whoosh's), or ``None`` when absent, refused
    as :func:`check_trusted` refuses files: a symlink, not a regular file, writable by
    group or others, owned by another non-root user. It is checked and read through one
    open descriptor, so nothing can be swapped in between; at most ``limit`` bytes."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(
        os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            raise _untrusted(file.parent, file.name) from None
        raise
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(stream.fileno())
        me = os.geteuid() if hasattr(os, "geteuid") else None
        if (not stat.S_ISREG(info.st_mode) or info.st_mode & UNSAFE_MODE
                or (me is not None and info.st_uid not in (me, 0))):
            raise _untrusted(file.parent, file.name)
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise IndexDamagedError(f"{file} is larger than {limit:,} bytes; kzsearch never"
                                " writes one that large")
    return data


def _write_synonyms(path: Path, groups: synonyms.Groups) -> None:
    """Store checked groups in the index folder atomically; none: remove the file."""
    file = path / synonyms.SYNONYMS_FILE
    if groups:
        safefiles.write_text(file, synonyms.to_json(groups))
    else:
        with suppress(FileNotFoundError):
            file.unlink()


def _kept_synonyms(path: Path) -> synonyms.Groups:
    """The synonyms a replacement of the index at ``path`` keeps: its stored ones, none
    when it has none, fails the trust checks or holds a damaged file."""
    try:
        check_trusted(path)
        return read_synonyms(path)
    except (IndexStoreError, OSError):
        return []


def _untrusted(path: Path, name: str) -> UntrustedIndexError:
    return UntrustedIndexError(
        f"refusing to open {path}: {name} is writable by other users or owned by"
        " another user, who could have changed what it contains (index files are"
        " unpickled)."
        f" If you trust it, run `chmod -R go-w {path}`; otherwise rebuild it from sources"
    )


def check_trusted(path: Path) -> None:
    """Refuse a directory whose files another user could have written.

    Whoosh's files are unpickled; :mod:`kzsearch.safepickle` admits only the classes an
    index contains, so a crafted file cannot run code, but one written by another user
    could still answer searches with anything. kzsearch creates every file and folder
    without group or other write permission (:mod:`kzsearch.safefiles`), so its own
    indexes, even mid-commit or after a killed writer, always pass this check.
    """
    me = os.geteuid() if hasattr(os, "geteuid") else None
    for entry in [path, *path.iterdir()]:
        try:
            info = entry.lstat()
        except FileNotFoundError:
            continue  # a writer's commit removed an old segment file meanwhile
        owner_ok = me is None or info.st_uid in (me, 0)
        if info.st_mode & UNSAFE_MODE or not owner_ok or stat.S_ISLNK(info.st_mode):
            raise _untrusted(path, entry.name)


def survive_commits(action: Callable[[], R]) -> R:
    """Run ``action`` again when a concurrent commit removed a file it was opening.

    Whoosh re-reads the newest TOC on many calls, and a writer's commit deletes the
    previous TOC and merged segments; a reader that lists the directory just before
    the commit and opens the file just after finds it gone. Retrying reads the new
    commit (Whoosh's own ``reader()`` does the same, but not its other entry points).
    """
    for attempt in range(VANISHED_RETRIES):
        try:
            return action()
        except FileNotFoundError:
            if attempt == VANISHED_RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _locked_error(path: Path) -> IndexLockedError:
    return IndexLockedError(
        f"the index at {path} is locked by another writer (an add, delete, optimize or"
        " build); try again when it finishes, or wait for it (--wait SECONDS, lock_timeout)"
    )


@contextmanager
def _writer_locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold the writer lock of ``path`` (see :mod:`kzsearch.locking`), then finish or roll
    back a swap that a killed rebuild left half-done."""
    safefiles.make_dirs(path.parent)
    with ExitStack() as held:
        try:
            held.enter_context(locking.writer_lock(path, timeout))
        except locking.LockTimeout:
            raise _locked_error(path) from None
        _recover_swap(path)
        yield


def _check_replaceable(path: Path, overwrite: bool) -> bool:
    """True when an index at ``path`` is to be replaced; raise when it must not be.

    A folder is replaced only when it is wholly an index: a ``kzsearch.json`` or a Whoosh
    TOC, and nothing but the files kzsearch and Whoosh write (anything else, such as
    a user's notes beside a stray ``kzsearch.json``, would be deleted with it).
    """
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise FileExistsError(f"{path} is not a kzsearch index folder; not replacing it")
    if not path.exists() or not any(path.iterdir()):
        return False
    if not overwrite:
        raise FileExistsError(f"{path} already exists; replace it with overwrite (--overwrite)")
    foreign = sorted(_foreign_entries(path))
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if foreign[3:] else "")
        raise FileExistsError(
            f"{path} is not a kzsearch index: it also holds {shown}; not replacing it")
    if not (_has_meta(path) or any(path.glob("_MAIN_*.toc"))):
        raise FileExistsError(f"{path} exists and is not a kzsearch index; not replacing it")
    return True


def _foreign_entries(path: Path) -> Iterator[str]:
    """The names in ``path`` that neither kzsearch nor Whoosh writes there."""
    for entry in path.iterdir():
        if entry.is_symlink():
            yield entry.name
        elif entry.is_dir():
            if entry.name != INDEX_TEMP_DIR:
                yield entry.name + "/"
        elif not INDEX_FILE_RE.fullmatch(entry.name):
            yield entry.name


def _has_meta(path: Path) -> bool:
    try:
        meta = read_meta(path)
    except IndexVersionError:
        return False
    return isinstance(meta, dict) and {"analysis_version", "schema_version"} <= meta.keys()


def _remove_abandoned_builds(path: Path) -> None:
    """Remove staging and trash folders (``.NAME.PID.XXXXXXXX.new`` / ``.old``, as
    ``mkdtemp`` names them) whose building process is gone, and the staging lock files.
    The caller holds the lock, after :func:`_recover_swap`: no journal needs them."""
    for entry in path.parent.glob(f".{glob.escape(path.name)}.*"):
        found = _build_folder_re(path, "new|new\\.lock|old").fullmatch(entry.name)
        if found and not _process_alive(int(found.group(1))):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with suppress(FileNotFoundError):
                    entry.unlink()


def _build_folder_re(path: Path, kinds: str) -> re.Pattern[str]:
    """Names of the staging and trash folders of builds of ``path``: ``.NAME.PID.`` and
    ``mkdtemp``'s eight characters, then the kind; group 1 is the builder's pid."""
    return re.compile(rf"\.{re.escape(path.name)}\.([0-9]+)\.[a-z0-9_]{{8}}\.(?:{kinds})")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


# -- the swap of a rebuild, and its recovery ----------------------------------------------------


def _swap_checkpoint(step: str) -> None:
    """Called between the steps of :func:`_swap`; the crash tests kill the process here."""


def _journal_file(path: Path) -> Path:
    return path.parent / f".{path.name}.swap"


def _identity(path: Path) -> list[int] | None:
    """Device and inode of a directory (a rename keeps them), or ``None`` if absent."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return [info.st_dev, info.st_ino]


def _swap(new: Path, path: Path) -> None:
    """Move directory ``new`` to ``path``, replacing what is there, so that a crash at any
    moment leaves a whole index at ``path`` once :func:`_recover_swap` has run.

    The journal is written (atomically) before the first change; it names the folders by
    device and inode, so recovery can tell which one is at ``path``. With
    ``RENAME_EXCHANGE`` the two folders change places in one step and readers never see
    ``path`` missing; without it the old folder is moved aside, then the new one in.
    The caller holds the writer lock.
    """
    if not path.exists():
        new.rename(path)  # one atomic step: nothing to journal
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".old",
                                  dir=path.parent))
    record = {"staging": new.name, "trash": trash.name,
              "new": _identity(new), "old": _identity(path)}
    _write_journal(path, record)
    _swap_checkpoint("journal written")
    if _exchange(new, path):
        _swap_checkpoint("exchanged")
    else:
        path.rename(trash / "old")
        _swap_checkpoint("old moved aside")
        new.rename(path)
        _swap_checkpoint("new moved in")
    _remove_swap_leftovers(path, record)
    _swap_checkpoint("leftovers removed")
    _journal_file(path).unlink()


def _write_journal(path: Path, record: dict[str, Any]) -> None:
    journal = _journal_file(path)
    temp = journal.with_name(journal.name + ".tmp")
    with safefiles.create_file(temp, "w", encoding="utf-8") as out:  # 0644 whatever the umask
        json.dump(record, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, journal)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(new: Path, path: Path) -> bool:
    """Exchange two directories atomically (Linux ``renameat2``); ``False`` where the C
    library, kernel or file system cannot, and nothing was changed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(path),
                       RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, f"cannot exchange {new} and {path}: {os.strerror(code)}")


def _recover_swap(path: Path) -> None:
    """Finish or roll back the swap of a rebuild that was killed half-way (the caller holds
    the writer lock).

    If ``path`` is empty (killed between the two renames) the new index, complete since
    the journal is written after the build, is moved in (or, failing that, the old one
    back). If ``path`` holds the old or the new index, that one stays. Then the other
    folder, the journal and the trash folder are removed.
    """
    journal = _journal_file(path)
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        record = None
    if _valid_journal(path, record):
        staging, trash = path.parent / str(record["staging"]), path.parent / str(record["trash"])
        if _identity(path) is None:
            if _identity(staging) == record["new"]:
                staging.rename(path)
            elif _identity(trash / "old") == record["old"]:
                (trash / "old").rename(path)
        _remove_swap_leftovers(path, record)
    journal.unlink()
    _fsync_folder(path.parent)


def _valid_journal(path: Path, record: Any) -> bool:
    """A journal as :func:`_swap` writes it, naming only this path's build folders (so that
    a damaged or forged one can move or remove nothing else)."""
    if not isinstance(record, dict):
        return False
    names_ok = _build_folder_re(path, "new").fullmatch(str(record.get("staging"))) and (
        _build_folder_re(path, "old").fullmatch(str(record.get("trash"))))
    ids_ok = all(isinstance(record.get(k), list) and len(record[k]) == 2 for k in ("new", "old"))
    return bool(names_ok and ids_ok)


def _remove_swap_leftovers(path: Path, record: dict[str, Any]) -> None:
    """Remove the swap's staging and trash folders, except the one now at ``path``."""
    staging, trash = path.parent / str(record["staging"]), path.parent / str(record["trash"])
    here = _identity(path)
    for folder in (staging, trash / "old"):
        found = _identity(folder)
        if found is not None and found != here and found in (record["new"], record["old"]):
            shutil.rmtree(folder)
    shutil.rmtree(trash, ignore_errors=True)


def _recover_swap_if_free(path: Path) -> None:
    """For a reader: recover a swap that a killed rebuild left, unless a writer is at work
    (a live rebuild finishes its own swap)."""
    if not _journal_file(path).exists():
        return
    with suppress(OSError), locking.writer_lock_if_free(path) as free:
        if free:
            _recover_swap(path)


def default_index_path(name: str = "news") -> Path:
    """``indexes/<name>`` under the current directory, the documented default home."""
    return DEFAULT_HOME / name


__all__ = [
    "BuildProgress",
    "IndexClosedError",
    "IndexDamagedError",
    "IndexStoreError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStats",
    "IndexStore",
    "IndexVersionError",
    "UntrustedIndexError",
    "build_schema",
    "default_index_path",
]
