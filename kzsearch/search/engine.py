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

import calendar
import datetime as dt
import functools
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from kzsearch.articles import Article, normalise_id, normalise_rubric
from kzsearch.index import (
    IndexNotFoundError,
    IndexStats,
    IndexStore,
    check_trusted,
    parse_synonyms,
    reading_files,
    survive_commits,
    synonyms_bytes,
)
from kzsearch.search import documents, sidecars
from kzsearch.search.completion import Completions
from kzsearch.search.explain import Explanation, explain_page
from kzsearch.search.highlight import Highlights, Snippet
from kzsearch.search.leaves import SharedReaders
from kzsearch.search.postings import CACHE_POSTINGS, SizedCache
from kzsearch.search.query import (
    DEFAULT_MATCH,
    ParsedQuery,
    QueryBuilder,
    QueryError,
    check_match_mode,
)
from kzsearch.search.ranking import SORT_ALIASES, SORTS, recency_factor, sort_order
from kzsearch.search.segments import SegmentCache
from kzsearch.search.similar import related_matches
from kzsearch.search.snapshot import Snapshot as _Snapshot
from kzsearch.search.snapshot import Snapshots, Version
from kzsearch.search.suggest import suggest
from kzsearch.search.synonyms import SynonymTable

DateLike = dt.date | str | None
# A year (``2024``) or a month (``2024-05``) given for ``since`` or ``until``.
PERIOD_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")
MAX_SUGGESTED_WORDS = 8  # distinct unknown words of one query given a "did you mean"
R = TypeVar("R")
REBUILD_WINDOW = 2.0  # seconds a search waits for a rebuilt index to be renamed into place


@dataclass(frozen=True)
class Hit:
    """One ranked article; its highlights are cut on first use (listing ids costs nothing).

    ``query_terms`` are the index terms the whole query looks for (every word's terms and
    prefix classes); :attr:`matched_terms` are those this article contains.
    """

    id: str
    score: float
    title: str
    rubric: str | None
    published: dt.date | None
    views: int | None
    url: str | None = None
    body: str = field(default="", repr=False)
    query_terms: frozenset[str] = field(default=frozenset(), repr=False)
    # why it scored ``score`` (search(..., explain=True)); None when not asked for
    explanation: Explanation | None = field(default=None, repr=False, compare=False)

    @cached_property
    def highlights(self) -> Highlights:
        """``{"title": Snippet, "body": Snippet}``: the whole title and the passage of the
        body with the most matched words, matches marked (see
        :class:`~kzsearch.search.highlight.Highlights`); each cut on first use."""
        return Highlights({"title": self.title, "body": self.body}, self.query_terms)

    @property
    def snippet(self) -> Snippet:
        """The body's highlight, ``highlights["body"]``."""
        return self.highlights["body"]

    @property
    def matched_terms(self) -> frozenset[str]:
        """The query's index terms found in this article's title or body, analysed as the
        index analyses them (of a body, its first
        :data:`~kzsearch.search.highlight.SCAN_CHARS` characters): which of a query's
        words (and which forms of their prefix classes) this hit really contains."""
        return self.highlights.matched_terms


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
    A server sets :attr:`wait_for_loads` to ``False`` and refreshes from a thread of its
    own, so that no request waits while a new commit loads.
    """

    def __init__(self, path: Path, ix: Any) -> None:
        super().__init__(path, ix)
        # per-segment state, reused across generations, read from sidecar files if valid
        self._segments = SegmentCache(functools.partial(sidecars.load_state, path))
        self._snapshots = Snapshots(path, self._version_on_disk, self._load)
        self._postings = SizedCache(CACHE_POSTINGS)  # decoded postings, per segment
        # segment readers, shared by the generations that have the segment
        self._readers = SharedReaders(on_close=self._postings.forget)
        self._synonyms: tuple[bytes | None, SynonymTable] | None = None  # file bytes, table
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
        explain: bool = False,
        match: str = DEFAULT_MATCH,
    ) -> Results:
        """Search title and body; filter by rubric(s) and date; sort or blend in recency.

        Parameters:

        * ``query`` -- what a person types: words in any inflected form, Cyrillic,
          Kazakh Latin (2021 or chat spelling) or typed without Kazakh letters;
          ``"a phrase"``; ``-word`` or ``NOT word`` to exclude; ``title:word`` /
          ``body:word`` (also ``тақырып:``, ``мәтін:``); ``rubric:Спорт`` (also
          ``айдар:``, ``рубрика:``); ``AND`` / ``OR`` / ``NOT`` and ``ЖӘНЕ`` /
          ``НЕМЕСЕ`` / ``ЕМЕС``. Words side by side are joined as ``match`` says.
          At most 10,000 characters and 256 words (operators not counted). A query
          with no word to look for (empty, or operators only) finds nothing (``total`` 0).
        * ``rubric`` -- one rubric name or several (any of them); any case, Kazakh or
          the Russian alias (``"Образование"`` is ``"Білім"``). ``None`` or empty: all
          rubrics. A rubric the index does not have matches nothing.
        * ``since``, ``until`` -- inclusive bounds on the publication date; articles
          without a date are left out when either is given. Each is ``None``, a
          ``datetime.date``, a ``datetime.datetime`` (its date is used), or a string:
          a day ``"2024-05-17"`` (any form :meth:`datetime.date.fromisoformat` reads,
          such as ``"20240517"``), a month ``"2024-05"`` or a year ``"2024"``;
          a month or a year means its first day as ``since`` and its last day as
          ``until``, so ``since="2024-05", until="2024-05"`` is all of May 2024.
          ``since`` after ``until`` raises :class:`QueryError`.
        * ``sort`` -- the order of the hits:

          - ``"relevance"`` (default): the score, highest first;
          - ``"date:desc"`` (also ``"date"``): newest first;
            ``"date:asc"``: oldest first;
          - ``"views:desc"`` (also ``"views"``): most read first;
            ``"views:asc"``: least read first.

          Any case. Articles without a date (or a view count) come last in both
          directions; ties are ordered by score, highest first, then by the order the
          articles were added, so the same search of the same index always gives the
          same pages (with distinct dates, ``date:asc`` is ``date:desc`` reversed). ``"-date"`` and
          other spellings raise :class:`QueryError` naming the accepted values.
        * ``recency`` -- ``None`` or a weight from 0 to 1 that blends a gauss decay on
          article age (1 for the newest article, 0.5 a year older) into the score:
          ``score * ((1 - recency) + recency * decay)``; undated articles get decay 0.
        * ``rubric_boost`` -- ``{rubric name: factor}``, multiplying the scores of the
          articles in those rubrics (names as for ``rubric``; unknown names ignored).
        * ``explain`` -- ``True`` gives each hit of the page an ``explanation``
          (:class:`~kzsearch.search.explain.Explanation`; ``None`` otherwise): per query
          word the index terms the article holds, how each was found (stem, Latin,
          folded, Russian lemma, prefix class), their BM25F per field, the phrases, and
          the recency and rubric factors, adding up to the hit's score. It is worked out
          after ranking, for the page's hits only: the ranking is the same either way.
        * ``match`` -- says what words typed side by side (no operator between them) ask for;
          stopwords are never required, and explicit operators keep their meaning in
          every mode (``AND``/``OR``/``NOT`` and their Kazakh twins, ``+word``, ``-word``,
          phrases, parentheses). A word matches in any of its forms: stem, prefix class,
          folded or Latin look-up.

          * ``"any"``: documents with any of the words (OR), ranked by BM25F;
          * ``"all"``: documents with every word (AND; ``+word other`` too);
          * ``"auto"`` (the default): documents with every word of a 2–3-word query, all
            but one of 4–5 words, half of longer ones
            (:func:`~kzsearch.search.query.minimum_should_match`; fewer where no document
            has that many), and always the 10 best-scored documents with any word
            (:data:`~kzsearch.search.query.AUTO_BEST`; of those the filters and ``-words``
            leave), ranked as ``any`` ranks them.

          Why ``auto`` is the default (``python benchmarks/relevance.py``, KazQAD dev, 257
          questions over 697 passages): its first page is ``any``'s by construction, so
          nDCG@10 is the same (0.807; ``all``: 0.213, as most questions have a word their
          answer lacks: ``айтамыз``, ``деген``, ``көрсетіңіз``), while its total means
          something: 12.7 matches per question on average where ``any`` reports 251 (of
          697), so facets count the articles about the query, not every article sharing
          one of its words. The price is depth: Recall@100 0.931 against ``any``'s 0.987.
          ``match`` must be one of these (else :class:`QueryError`, a ``ValueError``).
        * ``page``, ``per_page`` -- which page of hits (from 1) and how many per page
          (from 1). A page past the last gives no hits and the true ``total``.

        Returns :class:`Results`: ``total`` counts every match, ``facets`` count the
        whole match set by ``"rubric"``, ``"year"``, ``"month"`` and ``"lang"`` (the
        article's language as stored at ingest: ``"kk"``, ``"ru"``, ...),
        ``suggestion`` a "did you mean" query or ``None``, ``hits`` this page's
        :class:`Hit` objects, whose ``highlights`` (title and body), ``snippet`` and
        ``matched_terms`` are computed on first use.

        Raises:

        * :class:`QueryError` (a ``ValueError``): a query too long or of too many words;
          ``sort`` not one of the values above; ``page`` or ``per_page`` below 1;
          ``recency`` outside 0..1; ``since`` or ``until`` not a date of the forms above,
          or ``since`` after ``until``; ``match`` not ``"any"``, ``"all"`` or ``"auto"``.
        * :class:`~kzsearch.index.IndexClosedError`: the index was closed.
        * :class:`~kzsearch.index.IndexNotFoundError`: the index was removed while open.
        * :class:`~kzsearch.index.UntrustedIndexError`: the index directory or a file in
          it is writable by others or owned by another user, or holds a pickle naming
          something kzsearch does not allow (nothing of it is run).
        * :class:`~kzsearch.index.IndexDamagedError`: files of the index are truncated or
          corrupt (the message says how to rebuild it).
        """
        _check_paging(sort, page, per_page, recency)
        check_match_mode(match)
        since_date, until_date = _date_range(since, until)
        with reading_files(self.path):  # postings and stored fields are read while searching
            return self._with_snapshot(
                lambda snapshot: self._search(snapshot, query, rubric, since_date, until_date,
                                              sort, recency, rubric_boost, page, per_page,
                                              explain, match)
            )

    def get(self, id: str) -> Article | None:  # noqa: A002 - the name of the issue's API
        """The article stored under ``id``, or ``None`` if no live article has it.

        The id is normalised as ingest normalised it (NFC, one line, single spaces, no
        invisible characters: :func:`~kzsearch.articles.normalise_id`), so an id copied
        with a stray space or a zero-width character still finds its article; an ``int``
        counts as its digits. Raises ``TypeError`` for any other type.
        """
        key = normalise_id(id)  # a TypeError here is the caller's, not a damaged index
        with reading_files(self.path):
            return self._with_snapshot(lambda snapshot: documents.fetch(snapshot, key))

    def similar(
        self,
        id: str,  # noqa: A002 - the name of the issue's API
        *,
        rubric: str | Iterable[str] | None = None,
        since: DateLike = None,
        until: DateLike = None,
        per_page: int = 10,
    ) -> Results:
        """Articles related to the article ``id``, best first, the article itself excluded.

        The article's most distinctive terms (its heaviest by BM25F weight in it against
        the whole index, :mod:`kzsearch.search.similar`) are searched as one query, scored
        as :meth:`search` scores; ``rubric``, ``since``, ``until``, ``per_page``, the total
        and the facets are :meth:`search`'s. ``Results.query`` is the terms searched,
        heaviest first. The id is normalised as :meth:`get` normalises it; an id that no
        live article has raises :class:`ArticleNotFoundError` (a ``KeyError``).
        """
        _check_paging("relevance", 1, per_page, None)
        since_date, until_date = _as_date(since, "since"), _as_date(until, "until")
        key = normalise_id(id)
        with reading_files(self.path):
            return self._with_snapshot(
                lambda snapshot: self._similar(snapshot, key, rubric, since_date, until_date,
                                               per_page))

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

    @property
    def wait_for_loads(self) -> bool:
        """Whether a call that finds a new commit on disk while another thread of this object
        is loading a new state waits for that load (``True``, the default), or answers from
        the state before it (``False``).

        ``False`` is for a server whose background thread calls :meth:`refresh` every
        fraction of a second: no request then waits while a commit is loaded (at 100k
        articles tens of milliseconds), each answers from one consistent state, at most
        one load behind. A thread that needs its own write calls :meth:`refresh` after
        it, which always waits for the newest state. When no load is running, calls load
        a new commit themselves as before.
        """
        return self._snapshots.wait_for_loads

    @wait_for_loads.setter
    def wait_for_loads(self, value: bool) -> None:
        self._snapshots.wait_for_loads = bool(value)

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
        synonyms = self._synonym_table()
        if previous is not None and previous.directory != version.directory:
            self._reopen()
        with reading_files(self.path):
            generation = survive_commits(lambda: self._readers.open(self._ix, version.directory))
            return _Snapshot.open(version, generation, self._segments, self._postings,
                                  synonyms)

    def _synonym_table(self) -> SynonymTable:
        """The index's synonyms (:meth:`set_synonyms`) as query terms; the table is made
        again only when the file's bytes changed (not on every commit)."""
        data = synonyms_bytes(self.path)
        if self._synonyms is None or self._synonyms[0] != data:
            self._synonyms = (data, SynonymTable(parse_synonyms(self.path, data)))
        return self._synonyms[1]

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
        explain: bool = False,
        match: str = DEFAULT_MATCH,
    ) -> Results:
        parsed = QueryBuilder(snapshot.vocabulary, snapshot.rubrics,
                              snapshot.synonyms, match).build(query)
        suggestion = self._suggest(query, parsed, snapshot)
        if parsed.query is None:
            return Results(query, 0, page, per_page, [], {}, suggestion)
        allowed = _filters(snapshot, rubric, since, until)
        scores, matched = snapshot.scorer.evaluate(parsed.query, allowed)
        if allowed is not None:
            matched &= allowed
        docs = np.flatnonzero(matched)
        final = _final_scores(snapshot, docs, scores[docs], recency, rubric_boost)
        first = (page - 1) * per_page
        order = _ranked(snapshot, docs, final, sort, first + per_page)[first:]
        hits = _hits(snapshot, docs[order], final[order], frozenset(parsed.terms))
        if explain:
            hits = _explained(snapshot, parsed.query, hits, docs[order], recency, rubric_boost)
        return Results(query, len(docs), page, per_page, hits, snapshot.facets(docs), suggestion)

    def _similar(  # noqa: PLR0913 - the parameters of similar(), checked
        self,
        snapshot: _Snapshot,
        article_id: str,
        rubric: str | Iterable[str] | None,
        since: dt.date | None,
        until: dt.date | None,
        per_page: int,
    ) -> Results:
        """As :meth:`_search` filters and ranks, the related query's matches."""
        where = f"the index at {self.path}"
        related, scores, matched = related_matches(snapshot, article_id, where)
        allowed = _filters(snapshot, rubric, since, until)
        if allowed is not None:
            matched &= allowed
        docs = np.flatnonzero(matched)
        final = _final_scores(snapshot, docs, scores[docs], None, None)
        order = _ranked(snapshot, docs, final, "relevance", per_page)
        hits = _hits(snapshot, docs[order], final[order], related.matched)
        return Results(related.text, len(docs), 1, per_page, hits, snapshot.facets(docs))

    def _suggest(self, text: str, parsed: ParsedQuery, snapshot: _Snapshot) -> str | None:
        """The query with each unknown word replaced by a word seen in the index
        (:mod:`kzsearch.search.suggest`), or ``None``.

        Only the first :data:`MAX_SUGGESTED_WORDS` distinct unknown words are looked
        up, so a long query of misspellings costs as much as a short one.
        """
        unknown = list(dict.fromkeys(parsed.unknown_words))[:MAX_SUGGESTED_WORDS]
        return suggest(text, unknown, snapshot)


def _check_paging(sort: str, page: int, per_page: int, recency: float | None) -> None:
    if not isinstance(sort, str) or sort_order(sort) is None:
        raise QueryError(_bad_sort(sort))
    if page < 1 or per_page < 1:
        raise QueryError("page and per_page start at 1")
    if recency is not None and not 0.0 <= recency <= 1.0:
        raise QueryError(f"recency is a weight between 0 and 1, not {recency}")


def date_range(since: DateLike, until: DateLike) -> tuple[dt.date | None, dt.date | None]:
    """``since`` and ``until`` as :meth:`Index.search` reads them (a day, a month, a year,
    a date; ``None`` stays), or :class:`QueryError` saying what is wrong: for callers
    that check a request's dates before searching (``kzsearch serve``'s ``bad_date``)."""
    return _date_range(since, until)


def _date_range(since: DateLike, until: DateLike) -> tuple[dt.date | None, dt.date | None]:
    """``since`` and ``until`` as dates (see :func:`_as_date`); a range that ends before
    it starts is a mistake (such as swapped arguments), not a query for nothing."""
    first, last = _as_date(since, "since"), _as_date(until, "until")
    if first is not None and last is not None and first > last:
        raise QueryError(f"since ({first}) is after until ({last}): no date is in that range")
    return first, last


def _bad_sort(sort: object) -> str:
    """What a ``sort=`` value that is not accepted is told: the accepted ones, and for
    ``-date`` or ``+views`` (another convention's directions) the spelling meant."""
    accepted = ", ".join([*SORTS, *SORT_ALIASES])
    message = f"sort must be one of {accepted}, not {sort!r}"
    column = sort.strip().lstrip("+-").lower() if isinstance(sort, str) else ""
    if column in SORT_ALIASES:
        message += (f" (write {column}:desc for {_FIRST[column][0]} first,"
                    f" {column}:asc for {_FIRST[column][1]} first)")
    return message


_FIRST = {"date": ("newest", "oldest"), "views": ("most read", "least read")}


def _as_date(value: DateLike, name: str) -> dt.date | None:
    """``value`` of the ``since`` or ``until`` (``name``) filter as a date; ``None`` stays.

    Strings: an ISO date (``2021-03-15``), a month (``2021-03``) or a year (``2021``); a
    month or a year is its first day for ``since`` and its last day for ``until``, so
    that either bound covers the whole period. Anything else raises :class:`QueryError`.
    """
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    text = str(value).strip()
    try:
        period = PERIOD_RE.fullmatch(text)
        if period is None:
            return dt.date.fromisoformat(text)
        year, month = int(period[1]), int(period[2]) if period[2] else None
        return _period_bound(year, month, last=name == "until")
    except ValueError:
        raise QueryError(f"{name} must be a date like 2021-03-15, a month like 2021-03 or a"
                         f" year like 2021, not {value!r}") from None


def _period_bound(year: int, month: int | None, *, last: bool) -> dt.date:
    """The first or last day of a year or of one of its months (``ValueError`` if none)."""
    if month is None:
        return dt.date(year, 12, 31) if last else dt.date(year, 1, 1)
    return dt.date(year, month, calendar.monthrange(year, month)[1] if last else 1)


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
        final *= _rubric_boosts(snapshot, rubric_boost)[snapshot.rubric_codes[docs]]
    return final


def _rubric_boosts(snapshot: _Snapshot, rubric_boost: dict[str, float]) -> np.ndarray:
    """The boost of each rubric code (1 for rubrics not given)."""
    boosts = np.ones(len(snapshot.rubric_names))
    for name, boost in rubric_boost.items():
        code = snapshot.rubric_code.get(_known_rubric(snapshot, name))
        if code is not None:
            boosts[code] = boost
    return boosts


def _explained(snapshot: _Snapshot, query: Any, hits: list[Hit], docs: np.ndarray,
               recency: float | None, rubric_boost: dict[str, float] | None) -> list[Hit]:
    """The hits with their explanations (``docs``: their document numbers)."""
    boosts = _rubric_boosts(snapshot, rubric_boost or {})
    found = explain_page(snapshot.scorer, query, docs, days=snapshot.days,
                         newest=snapshot.newest, recency=recency,
                         rubric_of=lambda doc: float(boosts[snapshot.rubric_codes[doc]]))
    return [replace(hit, explanation=why) for hit, why in zip(hits, found, strict=True)]


def _ranked(snapshot: _Snapshot, docs: np.ndarray, scores: np.ndarray, sort: str,
            count: int) -> np.ndarray:
    """Positions in ``docs`` of the best ``count`` documents, best first.

    Keys, most important first: relevance; or date / views in the sort's direction,
    then relevance (highest first either way). Articles without a date (or a view
    count) come last in both directions. Ties go to the lower document number (the
    earlier added), so pages are stable and the order is the same on every call.
    """
    keys = [-scores]
    column, descending = sort_order(sort) or ("relevance", True)
    if column != "relevance":
        keys.insert(0, _column_key(snapshot, docs, column, descending))
    candidates = np.arange(len(docs))
    if count < len(docs):  # everything tied with the count-th best on the first key stays
        cut = np.partition(keys[0], count - 1)[count - 1]
        candidates = np.flatnonzero(keys[0] <= cut)
    order = np.lexsort([docs[candidates]] + [k[candidates] for k in reversed(keys)])
    return candidates[order][:count]


def _column_key(snapshot: _Snapshot, docs: np.ndarray, column: str,
                descending: bool) -> np.ndarray:
    """A sort key of ``docs`` by date or views, smallest first; no value sorts last."""
    values = snapshot.days[docs] if column == "date" else snapshot.views[docs]
    missing = values <= 0 if column == "date" else values < 0  # day 0, views -1: none
    key = -values if descending else values.copy()
    key[missing] = np.iinfo(key.dtype).max
    return key


def _hits(snapshot: _Snapshot, docs: np.ndarray, scores: np.ndarray,
          terms: frozenset[str]) -> list[Hit]:
    """The hits of these document numbers, in order, with their final scores."""
    return [_hit(snapshot.stored_fields(int(doc)), float(score), terms)
            for doc, score in zip(docs, scores, strict=True)]


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
        query_terms=terms,
    )

