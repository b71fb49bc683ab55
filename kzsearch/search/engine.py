"""``Index.search``: relevance, filters, sorting, facets, snippets, suggestions.

One search is: the query tree from :mod:`.query`; its score and match mask over
every document number from :mod:`.scoring`; the rubric and date filters as
masks over per-generation column arrays; the honest total and the facets as
counts over the whole match set; and only the requested page read from the
stored fields. Ties keep document order, so pages never overlap or skip.

All of it reads one :class:`~kzsearch.search.snapshot.Snapshot`, taken at the start
and held to the end, so one ``Index`` can be shared by threads that search while
others (or other processes) add, delete or rebuild.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from kzsearch.articles import normalise_rubric
from kzsearch.index import (
    IndexNotFoundError,
    IndexStats,
    IndexStore,
    check_trusted,
    reading_files,
    survive_commits,
)
from kzsearch.search import sidecars
from kzsearch.search.completion import Completions
from kzsearch.search.highlight import Snippet, make_snippet
from kzsearch.search.leaves import SharedReaders
from kzsearch.search.postings import CACHE_POSTINGS, SizedCache
from kzsearch.search.query import ParsedQuery, QueryBuilder, QueryError
from kzsearch.search.ranking import SORTS, recency_factor
from kzsearch.search.segments import SegmentCache
from kzsearch.search.snapshot import Snapshot as _Snapshot
from kzsearch.search.snapshot import Snapshots, Version

DateLike = dt.date | str | None
MAX_SUGGESTED_WORDS = 8  # distinct unknown words of one query given a "did you mean"
R = TypeVar("R")
REBUILD_WINDOW = 2.0  # seconds a search waits for a rebuilt index to be renamed into place


@dataclass(frozen=True)
class Hit:
    """One ranked article; its snippet is cut on first use (listing ids costs nothing)."""

    id: str
    score: float
    title: str
    rubric: str | None
    published: dt.date | None
    views: int | None
    url: str | None = None
    body: str = field(default="", repr=False)
    matched_terms: frozenset[str] = field(default=frozenset(), repr=False)

    @cached_property
    def snippet(self) -> Snippet:
        """The passage of the body with the most matched words, matches marked."""
        return make_snippet(self.body, self.matched_terms)


@dataclass(frozen=True)
class Results:
    """One page of hits, with honest totals and facets over the whole match set."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class Index(IndexStore):
    """A kzsearch index that can be searched: :meth:`search` on top of :class:`IndexStore`.

    **One object, many threads.** :meth:`search`, ``len()``, :meth:`stats` and
    :meth:`refresh` may run in any number of threads at once, also while a thread of this
    process or another process commits to the index or rebuilds it. Each call reads one
    consistent state of the index (a snapshot of one commit: its total, hits and facets
    agree), never a state older than the last commit it knew of when it started, and a
    commit or rebuild never makes it fail. Two writing threads are serialised by the write
    path (see :class:`IndexStore`).

    **Fresh on every call.** Each call first looks whether the index on disk changed
    (its generation, its TOC file, or the directory itself, which a rebuild by
    ``Index.building(..., overwrite=True)`` replaces) and if so loads the new state; the
    directory is checked for trust (:func:`~kzsearch.index.check_trusted`) each time a
    new state is loaded, and its own permissions on every call. :meth:`refresh` does
    the same now. :meth:`close` (or leaving a ``with`` block) releases the open files.
    """

    def __init__(self, path: Path, ix: Any) -> None:
        super().__init__(path, ix)
        # per-segment state, reused across generations, read from sidecar files if valid
        self._segments = SegmentCache(functools.partial(sidecars.load_state, path))
        self._snapshots = Snapshots(path, self._version_on_disk, self._load)
        self._postings = SizedCache(CACHE_POSTINGS)  # decoded postings, per segment
        # segment readers, shared by the generations that have the segment
        self._readers = SharedReaders(on_close=self._postings.forget)
        self._completions = Completions(path)  # per-segment surface words, on first use

    def search(
        self,
        query: str,
        *,
        rubric: str | Iterable[str] | None = None,
        since: DateLike = None,
        until: DateLike = None,
        sort: str = "relevance",
        recency: float | None = None,
        rubric_boost: dict[str, float] | None = None,
        page: int = 1,
        per_page: int = 10,
    ) -> Results:
        """Search title and body; filter by rubric(s) and date; sort or blend in recency.

        ``recency`` (0..1) blends a gauss decay on article age into relevance;
        ``rubric_boost`` multiplies the scores of articles in the given rubrics.
        """
        _check_paging(sort, page, per_page, recency)
        since_date, until_date = _as_date(since, "since"), _as_date(until, "until")
        with reading_files(self.path):  # postings and stored fields are read while searching
            return self._with_snapshot(
                lambda snapshot: self._search(snapshot, query, rubric, since_date, until_date,
                                              sort, recency, rubric_boost, page, per_page)
            )

    def complete(self, prefix: str, *, limit: int = 10) -> list[str]:
        """Completions of the last word of ``prefix``, the words before it kept as typed.

        The last word is completed to whole words as the articles write them (titles and
        bodies), in the most live articles first (ties in code-point order), each in the
        form most often written (``Қазақстан``); at most ``limit`` of them. A word with a
        Kazakh-only letter matches literally; one typed without Kazakh letters
        (``казакс``) or in Latin script (``qazaq``) matches by its keyboard-folded or
        transliterated form, so both find ``Қазақстан``. Deleted articles' words are not
        counted. ``[]`` when ``prefix`` does not end in a word with a letter (a trailing
        space ends the word), or nothing matches. See :mod:`kzsearch.search.completion`.
        """
        if not isinstance(prefix, str) or limit < 1:
            return []
        with reading_files(self.path):
            return self._with_snapshot(
                lambda snapshot: self._completions.completer(snapshot).complete(prefix, limit))

    def __len__(self) -> int:
        """Live documents of the current snapshot: the count a search now would see."""
        return self._with_snapshot(lambda snapshot: snapshot.documents)

    def stats(self) -> IndexStats:
        """Like :meth:`IndexStore.stats`, of the same snapshot that searches read."""
        return self._with_snapshot(lambda snapshot: self._make_stats(
            snapshot.documents, snapshot.segments, snapshot.rubric_counts(),
            snapshot.live_days().tolist()))

    def refresh(self) -> bool:
        """Load other processes' commits (or a rebuilt directory) now; True if there were any.

        Searches do this themselves on every call; ``refresh`` is for loading a new state
        ahead of the next search (say, in a server's background thread). Safe under
        threads: one thread loads, searches running meanwhile finish on the state they took.
        """
        return self._surviving(self._snapshots.refresh)

    def close(self) -> None:
        """Close the current snapshot's reader once no search holds it; later calls raise
        :class:`~kzsearch.index.IndexClosedError`. Searches running in other threads finish."""
        super().close()
        self._snapshots.close()
        self._completions.clear()

    def _current_snapshot(self) -> _Snapshot:
        """The snapshot a search would take now, for tests and inspection. It is not held:
        a swap may close its reader, so searches use :meth:`_with_snapshot` instead."""
        return self._with_snapshot(lambda snapshot: snapshot)

    def _with_snapshot(self, action: Callable[[_Snapshot], R]) -> R:
        def attempt() -> R:
            with self._snapshots.use() as snapshot:
                return action(snapshot)

        return self._surviving(attempt)

    def _surviving(self, call: Callable[[], R]) -> R:
        """Run ``call``, again when a commit removed a file it was opening, or while a
        rebuild's two renames leave no index at the path (up to ``REBUILD_WINDOW``
        seconds); an index that stays gone is said to be."""
        deadline = time.monotonic() + REBUILD_WINDOW
        while True:
            try:
                return survive_commits(call)
            except FileNotFoundError:
                if self._index_on_disk():
                    raise
                if time.monotonic() > deadline:
                    raise IndexNotFoundError(
                        f"the index at {self.path} was removed while this object had it open"
                    ) from None
                time.sleep(0.05)

    def _segments_committing(self, storage: Any, schema: Any, segments: list[Any]) -> None:
        """Write the sidecar files of the commit's segments that lack them: the new ones,
        and any of an index written by an older kzsearch (its first write adds them)."""
        sidecars.write_missing(storage, schema, segments)

    def _segment_postings(self, storage: Any, segment: Any, fieldname: str) -> Any:
        """From the segment's postings file, when it has a sound one."""
        return sidecars.field_runs(Path(storage.folder), segment, fieldname)

    def _segment_written(self, storage: Any, schema: Any, segment: Any, postings: Any) -> None:
        """Write the new segment's sidecar files now, its postings file among them."""
        sidecars.write_missing(storage, schema, [segment],
                               {segment.segid: postings} if postings is not None else None)

    def _index_on_disk(self) -> bool:
        return self.path.is_dir() and any(self.path.glob("_MAIN_*.toc"))

    def _version_on_disk(self) -> Version:
        version = Version.of(self.path, self._ix)
        if version.directory_looks_untrusted():
            check_trusted(self.path)  # raises UntrustedIndexError with the reason
        return version

    def _load(self, version: Version, previous: Version | None) -> _Snapshot:
        """The snapshot of ``version``: trust checked first (Whoosh unpickles the new files);
        a replaced directory gets a Whoosh index of its own."""
        check_trusted(self.path)
        if previous is not None and previous.directory != version.directory:
            self._reopen()
        with reading_files(self.path):
            generation = survive_commits(lambda: self._readers.open(self._ix, version.directory))
            return _Snapshot.open(version, generation, self._segments, self._postings)

    def _search(  # noqa: PLR0913 - the parameters of search(), checked
        self,
        snapshot: _Snapshot,
        query: str,
        rubric: str | Iterable[str] | None,
        since: dt.date | None,
        until: dt.date | None,
        sort: str,
        recency: float | None,
        rubric_boost: dict[str, float] | None,
        page: int,
        per_page: int,
    ) -> Results:
        parsed = QueryBuilder(snapshot.vocabulary, snapshot.rubrics).build(query)
        suggestion = self._suggest(query, parsed, snapshot)
        if parsed.query is None:
            return Results(query, 0, page, per_page, [], {}, suggestion)
        scores, matched = snapshot.scorer.evaluate(parsed.query)
        allowed = _filters(snapshot, rubric, since, until)
        if allowed is not None:
            matched &= allowed
        docs = np.flatnonzero(matched)
        final = _final_scores(snapshot, docs, scores[docs], recency, rubric_boost)
        first = (page - 1) * per_page
        order = _ranked(snapshot, docs, final, sort, first + per_page)[first:]
        terms = frozenset(parsed.terms)
        hits = [_hit(snapshot.stored_fields(int(docs[i])), float(final[i]), terms)
                for i in order]
        return Results(query, len(docs), page, per_page, hits, snapshot.facets(docs), suggestion)

    def _suggest(self, text: str, parsed: ParsedQuery, snapshot: _Snapshot) -> str | None:
        """Replace each unknown word's stem by the closest known term, keeping its ending.

        Only the first :data:`MAX_SUGGESTED_WORDS` distinct unknown words are looked
        up, so a long query of misspellings costs as much as a short one.
        """
        suggestion, changed = text, False
        unknown = list(dict.fromkeys(parsed.unknown_words))[:MAX_SUGGESTED_WORDS]
        for word, term in unknown:
            better = snapshot.vocabulary.closest(term)
            if better is None:
                continue
            fixed = better + word[len(term) :] if word.startswith(term) else better
            suggestion = _replace_word(suggestion, word, fixed)
            changed = True
        return suggestion if changed else None


def _check_paging(sort: str, page: int, per_page: int, recency: float | None) -> None:
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if page < 1 or per_page < 1:
        raise QueryError("page and per_page start at 1")
    if recency is not None and not 0.0 <= recency <= 1.0:
        raise QueryError(f"recency is a weight between 0 and 1, not {recency}")


def _as_date(value: DateLike, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise QueryError(f"{name} must be a date like 2021-03-15, not {value!r}") from None


def _filters(
    snapshot: _Snapshot,
    rubric: str | Iterable[str] | None,
    since: dt.date | None,
    until: dt.date | None,
) -> np.ndarray | None:
    """The documents the rubric and date filters allow (``None``: no filter)."""
    allowed: np.ndarray | None = None
    if rubric:
        names = [rubric] if isinstance(rubric, str) else list(rubric)
        allowed = snapshot.rubric_mask([_known_rubric(snapshot, name) for name in names])
    if since or until:
        days = snapshot.days
        dated = days > 0
        if since:
            dated &= days >= since.toordinal()
        if until:
            dated &= days <= until.toordinal()
        allowed = dated if allowed is None else allowed & dated
    return allowed


def _known_rubric(snapshot: _Snapshot, name: str) -> str:
    """The index's spelling of a rubric given in any case or by a Russian alias."""
    canonical = normalise_rubric(name) or name
    return snapshot.rubrics.get(canonical.casefold(), canonical)


def _final_scores(snapshot: _Snapshot, docs: np.ndarray, scores: np.ndarray,
                  recency: float | None, rubric_boost: dict[str, float] | None) -> np.ndarray:
    """Relevance with recency and rubric boosts blended in, once per document."""
    final = scores.astype(np.float64)
    if recency and snapshot.newest is not None:
        final *= recency_factor(snapshot.days[docs], snapshot.newest, recency)
    if rubric_boost:
        boosts = np.ones(len(snapshot.rubric_names))
        for name, boost in rubric_boost.items():
            code = snapshot.rubric_code.get(_known_rubric(snapshot, name))
            if code is not None:
                boosts[code] = boost
        final *= boosts[snapshot.rubric_codes[docs]]
    return final


def _ranked(snapshot: _Snapshot, docs: np.ndarray, scores: np.ndarray, sort: str,
            count: int) -> np.ndarray:
    """Positions in ``docs`` of the best ``count`` documents, best first.

    Keys, most important first: relevance; or date / views, then relevance. Ties
    go to the lower document number (the earlier added), so pages are stable.
    """
    keys = [-scores]
    if sort == "date":
        keys.insert(0, -snapshot.days[docs])
    elif sort == "views":
        keys.insert(0, -snapshot.views[docs])
    candidates = np.arange(len(docs))
    if count < len(docs):  # everything tied with the count-th best on the first key stays
        cut = np.partition(keys[0], count - 1)[count - 1]
        candidates = np.flatnonzero(keys[0] <= cut)
    order = np.lexsort([docs[candidates]] + [k[candidates] for k in reversed(keys)])
    return candidates[order][:count]


def _hit(stored: dict[str, Any], score: float, terms: frozenset[str]) -> Hit:
    published = stored.get("published")
    return Hit(
        id=stored["id"],
        score=round(score, 4),
        title=stored.get("title", ""),
        rubric=stored.get("rubric"),
        published=published.date() if published else None,
        views=stored.get("views"),
        url=stored.get("url"),
        body=stored.get("body", ""),
        matched_terms=terms,
    )


def _replace_word(text: str, word: str, fixed: str) -> str:
    lowered = text.lower()
    at = lowered.find(word)
    return text if at < 0 else text[:at] + fixed + text[at + len(word) :]
