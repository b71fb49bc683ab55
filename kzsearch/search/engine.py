"""``Index.search``: relevance, filters, sorting, facets, snippets, suggestions.

One search is: the query tree from :mod:`.query`; its score and match mask over
every document number from :mod:`.scoring`; the rubric and date filters as
masks over per-generation column arrays; the honest total and the facets as
counts over the whole match set; and only the requested page read from the
stored fields. Ties keep document order, so pages never overlap or skip.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from kzsearch.articles import normalise_rubric
from kzsearch.index import IndexStore, reading_files, survive_commits
from kzsearch.search import arrays
from kzsearch.search.highlight import Snippet, make_snippet
from kzsearch.search.query import ParsedQuery, QueryBuilder, QueryError
from kzsearch.search.ranking import SORTS, recency_factor
from kzsearch.search.scoring import Scorer
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
    reader, the vocabulary, the scorer with its cached postings, and each document's
    rubric, month, day and views as arrays over the document numbers."""

    generation: int
    reader: Any
    vocabulary: Vocabulary
    rubric_codes: np.ndarray
    rubric_names: list[str | None]
    month_codes: np.ndarray
    month_names: list[str | None]
    days: np.ndarray
    views: np.ndarray

    @classmethod
    def read(cls, ix: Any) -> _Snapshot:
        generation = ix.latest_generation()
        reader = ix.reader()
        rubric_codes, rubric_names = arrays.text_column(reader, "rubric_key")
        month_codes, month_names = arrays.text_column(reader, "month")
        return cls(
            generation=generation,
            reader=reader,
            vocabulary=Vocabulary.from_reader(reader),
            rubric_codes=rubric_codes,
            rubric_names=rubric_names,
            month_codes=month_codes,
            month_names=month_names,
            days=arrays.numeric_column(reader, "day", "int64", 0),
            views=arrays.numeric_column(reader, "popularity", "int64", -1),
        )

    @cached_property
    def rubrics(self) -> dict[str, str]:
        """The index's spelling of each rubric, by its case-folded name."""
        return {name.casefold(): name for name in self.rubric_names if name}

    @cached_property
    def newest(self) -> int | None:
        live = self.days[self.scorer.live]
        return int(live.max()) if len(live) and live.max() > 0 else None

    @cached_property
    def scorer(self) -> Scorer:
        return Scorer(self.reader, self.rubric_mask)

    @cached_property
    def rubric_code(self) -> dict[str, int]:
        """Each rubric's code in ``rubric_codes``, by its index spelling."""
        return {name: code for code, name in enumerate(self.rubric_names) if name}

    def rubric_mask(self, names: str | Iterable[str]) -> np.ndarray:
        """Documents in any of the rubrics (index spelling)."""
        wanted = [names] if isinstance(names, str) else list(names)
        codes = [self.rubric_code[name] for name in wanted if name in self.rubric_code]
        return np.isin(self.rubric_codes, codes)

    def facets(self, docs: np.ndarray) -> dict[str, dict[str, int]]:
        """Counts by rubric, year and month over a whole match set."""
        rubrics = _counts(self.rubric_codes[docs], self.rubric_names)
        months = _counts(self.month_codes[docs], self.month_names)
        years: Counter[str] = Counter()
        for month, count in months.items():
            years[month[:4]] += count
        return {
            "rubric": dict(sorted(rubrics.items(), key=_by_count)),
            "year": dict(sorted(years.items(), reverse=True)),
            "month": dict(sorted(months.items(), reverse=True)),
        }


def _counts(codes: np.ndarray, names: list[str | None]) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(names))
    return {name: int(n) for name, n in zip(names, counts, strict=True) if name and n}


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
        with reading_files(self.path):  # postings and stored fields are read while searching
            return survive_commits(
                lambda: self._search(
                    query, rubric, since_date, until_date, sort, recency, rubric_boost, page,
                    per_page
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
        hits = [_hit(snapshot.reader.stored_fields(int(docs[i])), float(final[i]), terms)
                for i in order]
        return Results(query, len(docs), page, per_page, hits, snapshot.facets(docs), suggestion)

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


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _replace_word(text: str, word: str, fixed: str) -> str:
    lowered = text.lower()
    at = lowered.find(word)
    return text if at < 0 else text[:at] + fixed + text[at + len(word) :]
