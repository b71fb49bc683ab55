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
* **Failures leave nothing behind.** The write lock is ours, released after any
  failure; a failed commit's files are removed; readers retry when a concurrent
  commit removed the file they were opening; damaged files raise
  :class:`IndexDamagedError`, which says to rebuild.
* **Whoosh 2.7.4 worked around**: gap-free facet/sort columns (see
  :func:`build_schema`) and segment names that ``random.seed`` cannot repeat.

The search API lives one stage later, in :mod:`kzsearch.search`, as the
:class:`kzsearch.Index` subclass of :class:`IndexStore`.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import pickle
import random
import shutil
import stat
import struct
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from whoosh import columns, fields, index
from whoosh.index import clean_files
from whoosh.util.filelock import try_for

from kzsearch import safefiles, safepickle
from kzsearch.analysis import ANALYSIS_VERSION, ANALYZER
from kzsearch.articles import Article, IngestReport

SCHEMA_VERSION = "2"
META_FILE = "kzsearch.json"
DEFAULT_HOME = Path("indexes")
UNSAFE_MODE = stat.S_IWGRP | stat.S_IWOTH

ProgressCallback = Callable[[int], None]
T = TypeVar("T", bound="IndexStore")
R = TypeVar("R")
VANISHED_RETRIES = 5  # each try already includes Whoosh's own ten


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
    umask can make group-writable, checked TOCs, unseeded file names."""
    safepickle.install_in_whoosh()
    safefiles.install_in_whoosh()
    _check_tocs_when_read()
    _use_unseeded_file_names()


_install_whoosh_guards()


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
    """A kzsearch index on disk: create, open, upsert, delete, optimise."""

    def __init__(self, path: Path, ix: index.Index) -> None:
        self.path = path
        self._ix = ix
        self._refresh_schema()

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls: type[T], path: str | os.PathLike[str], *, overwrite: bool = False) -> T:
        """Create an empty index in directory ``path``; ``overwrite`` replaces an existing one."""
        path = Path(path)
        if _check_replaceable(path, overwrite):
            shutil.rmtree(path)
        safefiles.make_dirs(path)
        ix = index.create_in(str(path), build_schema())
        _write_meta(path)
        return cls(path, ix)

    @classmethod
    @contextmanager
    def building(cls: type[T], path: str | os.PathLike[str], *, overwrite: bool = False
                 ) -> Iterator[T]:
        """A new index built beside ``path`` and moved there when the block succeeds.

        If the block fails, nothing at ``path`` changes: no half-built index appears,
        and an old index (replaced with ``overwrite``) stays searchable until the swap.
        The staging folder's name carries the builder's process id, so that the staging
        folders of builds that were killed are removed by the next build.
        """
        path = Path(path)
        _check_replaceable(path, overwrite)
        parent = path.parent
        safefiles.make_dirs(parent)
        _remove_abandoned_builds(path)
        prefix = f".{path.name}.{os.getpid()}."
        staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".new", dir=parent))
        try:
            os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the index from other readers
            yield cls.create(staging)
            _swap(staging, path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def open(cls: type[T], path: str | os.PathLike[str]) -> T:
        """Open an existing index, after checking its owner, permissions and versions."""
        path = Path(path)
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
            return survive_commits(lambda: cls(path, index.open_dir(str(path))))

    def _refresh_schema(self) -> None:
        """Use this process's analyzer, not the pickled copy in the TOC (versions match)."""
        for name in ("title", "body"):
            self._ix.schema[name].analyzer = ANALYZER

    # -- writing ---------------------------------------------------------------------------

    def add_many(
        self,
        articles: Iterable[Article],
        *,
        procs: int = 1,
        progress: bool | ProgressCallback = False,
        lock_timeout: float = 0.0,
        report: IngestReport | None = None,
    ) -> IngestReport:
        """Upsert articles by id in one atomic commit; within the input the later record wins.

        ``procs=2`` indexes in two processes. ``progress`` is ``True`` for a bar on stderr or a
        callback that receives the running count. A second writer waits ``lock_timeout``
        seconds, then gets :class:`IndexLockedError`. The report returned is ``report``, else
        the one of a :func:`~kzsearch.read_articles` stream (with its rejections), else new.
        """
        if report is None:
            report = getattr(articles, "report", None)  # a reader's stream counted already
        own_report = not isinstance(report, IngestReport)
        if not isinstance(report, IngestReport):
            report = IngestReport()
        started = time.perf_counter()
        latest = _latest_per_id(articles, report if own_report else None)
        existing = self._existing_ids(latest)
        tick = _progress_callback(progress, total=len(latest))
        before = self._ix.doc_count()
        with self._writing(procs, lock_timeout) as writer:
            for done, article in enumerate(latest.values(), 1):
                if article.id in existing:
                    writer.delete_by_term("id", article.id)
                writer.add_document(**article_document(article))
                if done % 100 == 0:
                    tick(done)
            writer.commit()
        tick(len(latest))
        self._check_count(before + len(latest) - len(existing), procs)
        report.updated += len(existing)
        report.seconds += time.perf_counter() - started
        return report

    def delete(self, ids: Iterable[str], *, lock_timeout: float = 0.0) -> int:
        """Delete articles by id; returns how many were in the index."""
        with self._writing(1, lock_timeout) as writer:
            deleted = sum(writer.delete_by_term("id", doc_id) for doc_id in set(ids))
            writer.commit()
        return deleted

    def optimize(self, *, lock_timeout: float = 0.0) -> None:
        """Merge all segments into one: smaller and faster to search, slow to do."""
        with self._writing(1, lock_timeout) as writer:
            writer.commit(optimize=True)

    @contextmanager
    def _writing(self, procs: int, lock_timeout: float) -> Iterator[Any]:
        """A writer whose commit is all or nothing. On any failure the writer is given up
        and its partial files removed; the lock is ours, not the writer's, so it is released
        even when Whoosh fails half-way through creating or cancelling a writer (as it
        does on a full disk)."""
        lock = self._ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=lock_timeout, delay=0.1):
            raise IndexLockedError(
                f"the index at {self.path} is locked by another writer; try again when it finishes"
            )
        writer = None
        try:
            writer = self._ix.writer(_lk=False, **self._writer_options(procs))
            yield writer
        except BaseException:
            self._abandon(writer)
            raise
        finally:
            lock.release()
        self._reopen()

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
        shutil.rmtree(self.path / f"{self._ix.indexname}.tmp", ignore_errors=True)
        with suppress(Exception):
            toc = self._ix._read_toc()
            clean_files(self._ix.storage, self._ix.indexname, toc.generation, toc.segments)

    def _existing_ids(self, latest: dict[str, Article]) -> set[str]:
        with reading_files(self.path):
            if self._ix.is_empty():
                return set()
            with self._ix.searcher() as searcher:
                return {i for i in latest if searcher.document_number(id=i) is not None}

    def _check_count(self, expected: int, procs: int) -> None:
        actual = self._ix.doc_count()
        if actual != expected:
            raise IndexStoreError(
                f"the index holds {actual} documents after the commit, {expected} were expected"
                f" (procs={procs}); please report this as a bug"
            )

    def _reopen(self) -> None:
        self._ix = survive_commits(lambda: index.open_dir(str(self.path)))
        survive_commits(self._refresh_schema)

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        with reading_files(self.path):
            return survive_commits(self._ix.doc_count)

    def stats(self) -> IndexStats:
        """Documents, rubric counts, date range, size on disk and versions."""
        meta = read_meta(self.path)
        with reading_files(self.path), self._ix.searcher() as searcher:
            reader = searcher.reader()
            rubrics = Counter(v.decode("utf-8") for v in column_values(reader, "rubric_key") if v)
            days = [d for d in column_values(reader, "day") if d]
        return IndexStats(
            path=str(self.path),
            documents=len(self),
            segments=len(self._ix._segments()),
            rubrics=dict(sorted(rubrics.items(), key=lambda kv: (-kv[1], kv[0]))),
            first_date=dt.date.fromordinal(min(days)) if days else None,
            last_date=dt.date.fromordinal(max(days)) if days else None,
            size_bytes=sum(f.stat().st_size for f in self.path.iterdir() if f.is_file()),
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


def column_values(reader: Any, name: str) -> list[Any]:
    """A column's value for every live document, in document order."""
    if not reader.has_column(name):
        return []
    column = reader.column_reader(name)
    return [column[n] for n in reader.all_doc_ids()]


def _progress_callback(progress: bool | ProgressCallback, total: int) -> ProgressCallback:
    if callable(progress):
        return progress
    if progress and sys.stderr.isatty():
        return _StderrBar(total)
    return lambda done: None


class _StderrBar:
    """A one-line progress bar on stderr for library users; the CLI uses click's."""

    def __init__(self, total: int) -> None:
        self.total, self.started = max(total, 1), time.perf_counter()

    def __call__(self, done: int) -> None:
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        filled = int(30 * done / self.total)
        bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} {rate:,.0f} articles/s"
        sys.stderr.write("\r" + bar + ("\n" if done >= self.total else ""))
        sys.stderr.flush()


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
            raise UntrustedIndexError(
                f"refusing to open {path}: {entry.name} is writable by other users or owned by"
                " another user, who could have changed what it contains (index files are"
                " unpickled)."
                f" If you trust it, run `chmod -R go-w {path}`; otherwise rebuild it from sources"
            )


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


def _check_replaceable(path: Path, overwrite: bool) -> bool:
    """True when an index at ``path`` is to be replaced; raise when it must not be.

    A folder that is not an index is never replaced, whatever ``overwrite`` says.
    """
    if not path.exists() or not any(path.iterdir()):
        return False
    if not overwrite:
        raise FileExistsError(f"{path} already exists; replace it with overwrite (--overwrite)")
    if not ((path / META_FILE).exists() or index.exists_in(str(path))):
        raise FileExistsError(f"{path} exists and is not a kzsearch index; not replacing it")
    return True


def _remove_abandoned_builds(path: Path) -> None:
    """Remove staging folders (``.NAME.PID.*.new``) whose building process is gone."""
    for folder in path.parent.glob(f".{glob.escape(path.name)}.*.new"):
        pid = folder.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _swap(new: Path, path: Path) -> None:
    """Move directory ``new`` to ``path``, replacing what is there (two renames)."""
    if not path.exists():
        new.rename(path)
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    try:
        path.rename(trash / "old")
        new.rename(path)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def default_index_path(name: str = "news") -> Path:
    """``indexes/<name>`` under the current directory, the documented default home."""
    return DEFAULT_HOME / name


__all__ = [
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
