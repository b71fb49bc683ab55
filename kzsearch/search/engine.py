"""``Index.search``: relevance, filters, sorting, facets, snippets, suggestions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from whoosh import collectors, sorting
from whoosh import query as wq
from whoosh.searching import Searcher

from kzsearch.articles import normalise_rubric
from kzsearch.index import IndexStore, column_values, reading_files, survive_commits
from kzsearch.search.highlight import Snippet, make_snippet
from kzsearch.search.query import ParsedQuery, QueryBuilder, QueryError
from kzsearch.search.ranking import SORT_FIELDS, SORTS, NewsWeighting
from kzsearch.search.vocabulary import Vocabulary

DateLike = dt.date | str | None


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


@dataclass
class _Snapshot:
    """What is opened or derived once per index generation, not once per query: the
    reader, the vocabulary, rubric spellings, and each document's rubric and month."""

    generation: int
    reader: Any
    vocabulary: Vocabulary
    rubrics: dict[str, str]
    rubric_of: list[str | None]
    month_of: list[str | None]
    newest: int | None

    @classmethod
    def read(cls, ix: Any) -> _Snapshot:
        generation = ix.latest_generation()
        reader = ix.reader()
        rubric_of = _text_column(reader, "rubric_key")
        return cls(
            generation=generation,
            reader=reader,
            vocabulary=Vocabulary.from_reader(reader),
            rubrics={name.casefold(): name for name in set(rubric_of) if name},
            rubric_of=rubric_of,
            month_of=_text_column(reader, "month"),
            newest=max(column_values(reader, "day"), default=0) or None,
        )

    def facets(self, docs: list[int]) -> dict[str, dict[str, int]]:
        """Counts by rubric, year and month over a whole match set."""
        rubric_of, month_of = self.rubric_of, self.month_of
        rubrics = Counter(rubric_of[d] for d in docs)
        months = Counter(month_of[d] for d in docs)
        years: Counter[str] = Counter()
        for month, count in months.items():
            if month:
                years[month[:4]] += count
        return {
            "rubric": {k: v for k, v in sorted(rubrics.items(), key=_by_count) if k},
            "year": dict(sorted(years.items(), reverse=True)),
            "month": {k: v for k, v in sorted(months.items(), reverse=True, key=_key) if k},
        }


class _MatchRecorder(collectors.WrappingCollector):
    """Notes every matching document while the ranking collector ranks them: one pass
    gives the page, the honest total and the facets (Whoosh's FacetCollector would look
    each document's rubric and month up through column readers, twice as slow)."""

    def __init__(self, child: Any) -> None:
        super().__init__(child)
        self.docs: list[int] = []

    def collect(self, sub_docnum: int) -> Any:
        self.docs.append(sub_docnum + self.child.offset)
        return self.child.collect(sub_docnum)


class Index(IndexStore):
    """A kzsearch index that can be searched: :meth:`search` on top of :class:`IndexStore`."""

    _snapshot: _Snapshot | None = None

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
        return survive_commits(
            lambda: self._search(
                query, rubric, since_date, until_date, sort, recency, rubric_boost, page, per_page
            )
        )

    def _search(  # noqa: PLR0913 - the parameters of search(), checked
        self,
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
        snapshot = self._current_snapshot()
        parsed = QueryBuilder(snapshot.vocabulary, snapshot.rubrics).build(query)
        filters = _filters(snapshot, rubric, since, until)
        if parsed.query is None:
            return Results(query, 0, page, per_page, [], {}, self._suggest(query, parsed, snapshot))
        weighting = NewsWeighting(
            recency=recency or 0.0, origin=snapshot.newest, rubric_boost=rubric_boost
        )
        first = (page - 1) * per_page
        with Searcher(snapshot.reader, weighting=weighting, closereader=False) as searcher:
            ranked = searcher.collector(
                limit=first + per_page, sortedby=_sort_facet(sort), optimize=False
            )
            recorder = _MatchRecorder(ranked)
            outer = collectors.FilterCollector(recorder, allow=filters) if filters else recorder
            searcher.search_with_collector(parsed.query, outer)
            terms = frozenset(parsed.terms)
            hits = [_hit(hit, terms) for hit in outer.results()[first : first + per_page]]
        total = len(recorder.docs)
        facets = snapshot.facets(recorder.docs)
        suggestion = self._suggest(query, parsed, snapshot) if total < 3 else None
        return Results(query, total, page, per_page, hits, facets, suggestion)

    def _current_snapshot(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None or snapshot.generation != self.whoosh_index.latest_generation():
            if snapshot is not None:
                snapshot.reader.close()
            with reading_files(self.path):
                snapshot = self._snapshot = _Snapshot.read(self.whoosh_index)
        return snapshot

    def _suggest(self, text: str, parsed: ParsedQuery, snapshot: _Snapshot) -> str | None:
        """Replace each unknown word's stem by the closest known term, keeping its ending."""
        suggestion, changed = text, False
        for word, term in parsed.unknown_words:
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
) -> wq.Query | None:
    parts: list[wq.Query] = []
    if rubric:
        names = [rubric] if isinstance(rubric, str) else list(rubric)
        wanted = [_known_rubric(snapshot, name) for name in names]
        parts.append(wq.Or([wq.Term("rubric", n) for n in wanted]))
    if since or until:
        start = dt.datetime.combine(since, dt.time.min) if since else None
        end = dt.datetime.combine(until, dt.time.max) if until else None
        parts.append(wq.DateRange("published", start, end))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _known_rubric(snapshot: _Snapshot, name: str) -> str:
    """The index's spelling of a rubric given in any case or by a Russian alias."""
    canonical = normalise_rubric(name) or name
    return snapshot.rubrics.get(canonical.casefold(), canonical)


def _sort_facet(sort: str) -> Any:
    if sort == "relevance":
        return None
    return sorting.MultiFacet(
        [sorting.FieldFacet(SORT_FIELDS[sort], reverse=True), sorting.ScoreFacet()]
    )


def _hit(hit: Any, terms: frozenset[str]) -> Hit:
    published = hit.get("published")
    return Hit(
        id=hit["id"],
        score=round(_relevance(hit.score), 4),
        title=hit.get("title", ""),
        rubric=hit.get("rubric"),
        published=published.date() if published else None,
        views=hit.get("views"),
        url=hit.get("url"),
        body=hit.get("body", ""),
        matched_terms=terms,
    )


def _relevance(score: Any) -> float:
    """The BM25 score of a hit; when sorted by date or views Whoosh gives the sort key,
    whose last part is our :class:`~whoosh.sorting.ScoreFacet` tie-breaker (negated)."""
    if isinstance(score, tuple):
        return -float(score[-1])
    return float(score or 0.0)


def _by_count(item: tuple[Any, int]) -> tuple[int, str]:
    return -item[1], item[0] or ""


def _key(item: tuple[Any, int]) -> str:
    return item[0] or ""


def _text_column(reader: Any, name: str) -> list[str | None]:
    """A bytes column as text, one entry per document number (``None`` where empty)."""
    size = reader.doc_count_all()
    if not reader.has_column(name):
        return [None] * size
    column = reader.column_reader(name)
    return [column[n].decode("utf-8") or None for n in range(size)]


def _replace_word(text: str, word: str, fixed: str) -> str:
    lowered = text.lower()
    at = lowered.find(word)
    return text if at < 0 else text[:at] + fixed + text[at + len(word) :]
